"""The package as pip installs it: declared dependencies, shipped scenarios, licence.

`.ci/wheel_check` (run by CI) builds the wheel and runs it from a new venv outside the checkout;
these are the fast checks of the same promises.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

from sim.core import scenario

ROOT = Path(__file__).resolve().parent.parent
# the import name of each declared distribution, where the two differ
IMPORT_NAMES = {"ema-workbench": "ema_workbench",
                "tomli-w": "tomli_w", "annotated-types": "annotated_types", "SALib": "SALib", "dask": "dask"}
# modules of sim/ that only the users of an optional extra import (nothing else in sim/ imports them)
OPTIONAL_MODULES = {"app.py": "explorer", "classroom/server.py": "classroom", "classroom/cli.py": "classroom",
                    "engine/executors.py": "dask", "sweep_cli.py": "dask", "output/typed.py": "data",
                    "exploratory.py": "ema", "calibration/sampler.py": "calibration",
                    "calibration/inference.py": "calibration", "calibration/posterior.py": "calibration"}


def _declared(extra: str | None = None) -> set[str]:
    """Import names of the core dependencies, and of `extra`'s."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = set()
    for req in project["dependencies"] + (project["optional-dependencies"][extra] if extra else []):
        dist = req.split(";")[0].split("[")[0]
        for sep in "<>=!~ ":
            dist = dist.split(sep)[0]
        names.add(IMPORT_NAMES.get(dist, dist).replace("-", "_"))
    return names


def _imported(paths) -> set[str]:
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"sim", "__future__"}


def test_every_third_party_import_of_the_package_is_a_declared_dependency():
    core = [p for p in (ROOT / "sim").rglob("*.py") if str(p.relative_to(ROOT / "sim")) not in OPTIONAL_MODULES]
    missing = _imported(core) - _declared()
    for module, extra in OPTIONAL_MODULES.items():
        missing |= _imported([ROOT / "sim" / module]) - _declared(extra)
    assert not missing, f"imported by sim/ but not in pyproject's dependencies: {sorted(missing)}"


def test_the_wheel_ships_the_scenarios_and_the_licence():
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert tool["package-dir"]["sim.scenarios"] == "scenarios"
    assert "*.toml" in tool["package-data"]["sim.scenarios"]
    assert "sim.scenarios" in tool["packages"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    # every subpackage of sim/ is listed (an unlisted one would be missing from the wheel)
    subpackages = {"sim." + p.parent.relative_to(ROOT / "sim").as_posix().replace("/", ".")
                   for p in (ROOT / "sim").rglob("__init__.py") if p.parent != ROOT / "sim"}
    assert subpackages <= set(tool["packages"])


def test_in_a_checkout_the_shipped_scenarios_are_the_scenarios_folder():
    assert scenario.shipped_folder() == ROOT / "scenarios"
    assert {"inf_2018", "inf_2018_asia", "dilemma_2p"} <= set(scenario.available())


@pytest.fixture
def own_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(scenario, "user_folders", [tmp_path])
    return tmp_path


def test_a_users_folder_of_scenarios_is_searched_first(own_folder):
    text = (ROOT / "scenarios" / "dilemma_2p.toml").read_text()
    (own_folder / "my_crisis.toml").write_text(text)
    (own_folder / "inf_2018.toml").write_text(text)      # shadows the shipped one of the same name
    assert "my_crisis" in scenario.available()
    assert scenario.resolve_path("my_crisis") == own_folder / "my_crisis.toml"
    assert scenario.resolve_path("inf_2018") == own_folder / "inf_2018.toml"
    assert scenario.load("my_crisis").actor_ids == scenario.load("dilemma_2p").actor_ids
    assert scenario.resolve_path("dilemma_2p") == ROOT / "scenarios" / "dilemma_2p.toml"


def test_an_unknown_name_lists_every_scenario_that_can_be_given_by_name(own_folder):
    (own_folder / "my_crisis.toml").write_text((ROOT / "scenarios" / "dilemma_2p.toml").read_text())
    with pytest.raises(scenario.ScenarioError, match=r"scenarios by name: .*inf_2018.*my_crisis"):
        scenario.load("no_such_crisis")


def test_the_command_line_finds_a_users_scenario_by_name_with_scenarios_dir(tmp_path, monkeypatch, cli_main):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "crises"
    mine.mkdir()
    (mine / "my_crisis.toml").write_text((ROOT / "scenarios" / "dilemma_2p.toml").read_text())
    listed = cli_main("--scenarios", mine, "list")
    assert listed.status == 0 and "my_crisis" in listed.out and "inf_2018" in listed.out
    ran = cli_main("--scenarios", mine, "run", "my_crisis", "--runs", "2", "--turns", "2", "--no-plot", "--quiet",
                   "--jobs", "1", "--out", tmp_path / "out")
    assert ran.status == 0, ran.err
    assert (tmp_path / "out" / "summary.json").is_file()
    assert cli_main("run", "my_crisis", "--runs", "1").status == 2     # not found without it


@pytest.mark.parametrize("make", ["missing", "file"])
def test_a_scenarios_dir_that_is_not_a_folder_is_one_line_exit_2(tmp_path, monkeypatch, make, cli_main):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "x.toml"
    if make == "file":
        target.write_text("")
    out = cli_main("--scenarios", target, "list")
    assert out.status == 2 and out.out == ""
    assert out.err.count("\n") == 1 and "--scenarios" in out.err and "allowed: an existing folder" in out.err


@pytest.mark.parametrize("argv,extra", [
    (["classroom", "inf_2018", "--out", "room"], "classroom"),
    (["run", "inf_2018", "--runs", "2", "--dask", "local", "--out", "out"], "dask"),
    (["run", "inf_2018", "--runs", "2", "--parquet", "--out", "out"], "data"),
])
def test_a_command_whose_extra_is_missing_says_which_in_one_line_and_writes_nothing(tmp_path, monkeypatch, cli_main,
                                                                                    argv, extra):
    monkeypatch.chdir(tmp_path)
    for name in ("starlette", "distributed", "pyarrow"):
        monkeypatch.setitem(sys.modules, name, None)       # as if not installed
    done = cli_main(*argv)
    assert done.status == 2 and done.err.count("\n") == 1, done.err
    assert f"pip install 'escalation-sim[{extra}]'" in done.err
    assert list(tmp_path.iterdir()) == []


def test_the_core_install_leaves_the_web_stack_and_dask_to_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {req.split("[")[0].split(">")[0] for req in project["dependencies"]}
    assert not core & {"starlette", "uvicorn", "segno", "dask", "solara"}
    assert "escalation-sim[all]" in project["optional-dependencies"]["test"]     # make test installs every extra
