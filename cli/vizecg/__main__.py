"""`python -m cli.vizecg`: the same command group as the installed `vizecg` script."""

from . import main

main()
