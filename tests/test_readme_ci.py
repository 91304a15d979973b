"""The README's two set-up commands are the first lines, and CI runs exactly the test one."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load_readme_commands():
    spec = importlib.util.spec_from_file_location("readme_commands", ROOT / ".ci" / "readme_commands.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.readme_commands(ROOT / "README.md")


def test_readme_starts_with_the_two_setup_commands():
    lines = (ROOT / "README.md").read_text().splitlines()
    commands = load_readme_commands()
    assert lines[2].strip().startswith(commands["main"]) and lines[3].strip().startswith(commands["test"])
    for cmd in commands.values():   # the CPU torch wheel must be installed before the project pulls torch in
        assert cmd.startswith("pip install torch==2.13.0 && pip install ")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "readme_commands.py test" in ci and 'bash -c "$test_cmd"' in ci
    assert "pytest" in load_readme_commands()["test"]
