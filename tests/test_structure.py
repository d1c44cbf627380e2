"""The package's structure: no module reaches into another's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_no_module_imports_a_private_name_of_another():
    found = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
                found += [f"{path.relative_to(ROOT)}: {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    assert not found, found


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sim_imports(path: Path, names: set[str]) -> set[str]:
    """Modules of sim/ that `path` imports anywhere (function-level too), outside `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found & names


def test_no_import_cycle_even_through_imports_inside_functions():
    paths = {_module_name(p): p for p in (ROOT / "sim").rglob("*.py")}
    graph = {name: _sim_imports(path, set(paths)) - {name} for name, path in paths.items()}
    cycles = []

    def visit(node: str, trail: list[str], done: set[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in trail:
                cycles.append([*trail[trail.index(nxt):], nxt])
            elif nxt not in done:
                visit(nxt, [*trail, nxt], done)
        done.add(node)

    finished: set[str] = set()
    for name in sorted(graph):
        if name not in finished:
            visit(name, [name], finished)
    assert not cycles, " | ".join(" -> ".join(c) for c in cycles[:5])


@pytest.mark.slow
def test_the_scenario_schema_and_rule_tables_load_without_the_kernel():
    import subprocess
    import sys

    code = ("import sys; import sim.core.scenario, sim.core.rule_specs; "
            "s = sim.core.scenario.load('inf_2018'); "
            "loaded = {'numba', 'sim.kernel.dynamics', 'sim.kernel.lookahead', 'sim.rules.registry'} "
            "& set(sys.modules); "
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_every_rule_class_uses_the_parameters_its_name_has_in_specs():
    from pydantic import TypeAdapter

    from sim.core.rule_specs import PARAMS, RuleSpec
    from sim.rules.registry import RULES

    assert set(RULES) == set(PARAMS)
    for name, cls in RULES.items():
        assert cls.Params is PARAMS[name], name
    tags = TypeAdapter(RuleSpec).json_schema()["discriminator"]["mapping"]
    assert set(tags) == set(PARAMS)


#: The layers of the package, lowest first: a module may import only from its own layer and those
#: below (function-level imports too). What is not in a layer is a front end (the command line, the
#: Python API, the explorer, play, classroom, materials), which may import any layer.
LAYERS = ("sim.core", "sim.kernel", "sim.rules", "sim.output", "sim.engine", "sim.analysis")


def _layer(module: str) -> int:
    for rank, package in enumerate(LAYERS):
        if module == package or module.startswith(package + "."):
            return rank
    return len(LAYERS)          # a front end


def test_every_layer_imports_only_from_itself_and_the_layers_below():
    paths = {_module_name(p): p for p in (ROOT / "sim").rglob("*.py")}
    upward = [f"{name} ({LAYERS[_layer(name)]}) imports {dep}"
              for name, path in sorted(paths.items()) if _layer(name) < len(LAYERS)
              for dep in sorted(_sim_imports(path, set(paths))) if dep != "sim" and _layer(dep) > _layer(name)]
    assert not upward, "\n".join(upward)


def test_the_layers_hold_every_module_but_the_front_ends():
    top = sorted(p.stem for p in (ROOT / "sim").glob("*.py"))
    assert top == ["__init__", "analyze_cli", "api", "app", "arguments", "briefing", "cli", "exploratory", "sweep_cli",
                   "terminal"]
    packages = sorted(p.name for p in (ROOT / "sim").iterdir() if (p / "__init__.py").exists())
    assert packages == ["analysis", "calibration", "classroom", "core", "engine", "kernel", "materials", "output",
                        "play", "rules"]


def test_the_readme_layout_lists_every_module():
    layout = (ROOT / "README.md").read_text().split("## Layout", 1)[1].split("\n## ", 1)[0]
    folders = {"sim/rules/", "sim/play/", "sim/classroom/", "sim/materials/"}
    assert all(f"`{folder}`" in layout for folder in folders)
    missing = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "sim").rglob("*.py"))
               if f"`{path.relative_to(ROOT)}`" not in layout and path.name != "__init__.py"
               and not any(str(path.relative_to(ROOT)).startswith(folder) for folder in folders)]
    assert not missing, missing


def test_no_compiled_function_takes_more_than_ten_parameters():
    """Group what travels together (a replica's records, a valuation's scratch) instead of passing it
    argument by argument (the look-ahead's driver once took 26)."""
    many = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            compiled = isinstance(node, ast.FunctionDef) and any(
                "njit" in ast.unparse(d) or "no_refcount" in ast.unparse(d) for d in node.decorator_list)
            if compiled and len(node.args.args) > 10:
                many.append(f"{path.relative_to(ROOT)}: {node.name} ({len(node.args.args)})")
    assert not many, many
