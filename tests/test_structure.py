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

    code = ("import sys; import sim.scenario, sim.policies.specs; "
            "s = sim.scenario.load('inf_2018'); "
            "loaded = {'numba', 'sim.dynamics', 'sim.lookahead', 'sim.policies.registry'} & set(sys.modules); "
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_every_rule_class_uses_the_parameters_its_name_has_in_specs():
    from pydantic import TypeAdapter

    from sim.policies.registry import RULES
    from sim.policies.specs import PARAMS, RuleSpec

    assert set(RULES) == set(PARAMS)
    for name, cls in RULES.items():
        assert cls.Params is PARAMS[name], name
    tags = TypeAdapter(RuleSpec).json_schema()["discriminator"]["mapping"]
    assert set(tags) == set(PARAMS)
