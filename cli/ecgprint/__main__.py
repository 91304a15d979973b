"""`python -m cli.ecgprint`: the same command group as the installed `ecgprint` script."""

from . import main

main()
