"""The layering of docs/architecture.md, read from the source with `ast`: cli -> vizecg -> ecgprint and never back,
command modules independent of each other, no import cycle, no module over 400 lines, and a render path that does
not load the dataset, source-format or model stacks."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ecgprint", "vizecg", "cli")
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


def import_nodes(tree: ast.AST):
    """Every import statement, at module level or inside functions, except those under `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not type_checking_only(child))


def imported(module: str) -> set[str]:
    """Absolute names of the modules `module` imports; `from package import name` names the submodule when
    `name` is one of this tree's modules."""
    path = SOURCES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in import_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
        target = ".".join([*base, *([node.module] if node.module else [])])
        names.add(target)
        names.update(f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in SOURCES)
    return names


IMPORTS = {module: imported(module) for module in SOURCES}


def top(name: str) -> str:
    return name.partition(".")[0]


@pytest.mark.parametrize("package, forbidden", [("ecgprint", {"vizecg", "torch", "cli"}), ("vizecg", {"cli"})])
def test_lower_layers_never_import_higher_ones(package, forbidden):
    bad = {m: sorted(n for n in names if top(n) in forbidden) for m, names in IMPORTS.items() if top(m) == package}
    assert {m: names for m, names in bad.items() if names} == {}


def test_command_modules_import_no_other_command_module():
    """A command may use its group, the group's options and the lazy group; never another command's module."""
    bad = {}
    for module, names in IMPORTS.items():
        group = ".".join(module.split(".")[:2])
        allowed = {group, f"{group}.options", "cli.lazy_group", "cli"}
        others = sorted(n for n in names if top(n) == "cli" and n not in allowed)
        if top(module) == "cli" and others:
            bad[module] = others
    assert bad == {}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph (as the list of modules on it), or None; iterative depth-first search."""
    state = dict.fromkeys(graph, 0)   # 0 unvisited, 1 on the current path, 2 done
    for start in graph:
        if state[start]:
            continue
        path, iterators = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while path:
            successor = next(iterators[-1], None)
            if successor is None:
                state[path.pop()] = 2
                iterators.pop()
            elif state[successor] == 1:
                return [*path[path.index(successor):], successor]
            elif state[successor] == 0:
                state[successor] = 1
                path.append(successor)
                iterators.append(iter(sorted(graph[successor])))
    return None


def test_find_cycle_finds_a_cycle_and_accepts_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_module_import_graph_is_acyclic():
    graph = {module: {n for n in names if n in SOURCES and n != module} for module, names in IMPORTS.items()}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_module_exceeds_the_line_limit():
    files = [p for folder in (*PACKAGES, "tests", "benchmarks", "docs") for p in (ROOT / folder).rglob("*.py")]
    too_long = {str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert too_long == {}


def test_rendering_a_page_loads_no_dataset_source_or_model_stack():
    code = ("from ecgprint.render import RenderConfig, render\nfrom ecgprint.synth import example_record\n"
            "render(example_record(), RenderConfig())\nimport json, sys\n"
            "print(json.dumps(sorted(m for m in ('pandas', 'wfdb', 'pyarrow', 'torch', 'h5py') if m in sys.modules)))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(run.stdout.splitlines()[-1]) == []
