"""Print one of the README's two set-up commands (`main` or `test`): CI runs exactly what the README says."""

import pathlib
import sys

CODE_PREFIX = "    "


def readme_commands(readme: pathlib.Path) -> dict[str, str]:
    """The first two indented command lines of the README, keyed `main` and `test`."""
    lines = [ln[len(CODE_PREFIX):].split("  #")[0].strip()
             for ln in readme.read_text().splitlines() if ln.startswith(CODE_PREFIX) and ln.strip()]
    if len(lines) < 2:
        raise SystemExit(f"{readme}: expected two indented set-up command lines at the top")
    return {"main": lines[0], "test": lines[1]}


if __name__ == "__main__":
    print(readme_commands(pathlib.Path(__file__).resolve().parent.parent / "README.md")[sys.argv[1]])
