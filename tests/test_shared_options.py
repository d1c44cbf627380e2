"""The options several commands share are declared once (sim.arguments) and mean the same in every command."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from sim import arguments, cli

ROOT = Path(__file__).resolve().parent.parent


def _commands():
    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def test_no_command_declares_a_shared_option_itself():
    flags = "|".join(re.escape(flag) for flag in arguments.OPTIONS)
    declared = re.compile(rf"add_argument\(\s*[\"']({flags})[\"']")
    found = [f"{path.relative_to(ROOT)}: {m.group(1)}" for path in sorted((ROOT / "sim").rglob("*.py"))
             if path.name != "arguments.py" for m in declared.finditer(path.read_text())]
    assert found == []


def test_a_shared_option_has_one_type_metavar_and_choices_in_every_command():
    seen = {}
    for name, parser in _commands().items():
        for action in parser._actions:
            flag = next((f for f in action.option_strings if f in arguments.OPTIONS), None)
            if flag is None:
                continue
            settings = arguments.OPTIONS[flag][1]
            assert action.type is settings.get("type"), (name, flag)
            assert action.metavar == settings.get("metavar") and action.choices == settings.get("choices"), (name, flag)
            seen.setdefault(flag, []).append(name)
    assert (len(seen["--out"]), len(seen["--force"]), len(seen["--seed"]), len(seen["--turns"])) == (10, 11, 8, 7), seen


def test_a_command_words_the_help_its_own_way_and_keeps_the_default_it_names():
    commands = _commands()
    seed = {a.dest: a for a in commands["play"]._actions}["seed"]
    assert seed.default is None and "same seed and moves give the same game (default 1)" in seed.help
    runs = {a.dest: a for a in commands["tournament"]._actions}["runs"]
    assert runs.default == 1000 and runs.help == "runs per pairing (default 1000)"
    out = {a.dest: a for a in commands["run"]._actions}["out"]
    assert out.help == "output folder (default results/SCENARIO)"


def test_the_help_shows_the_commands_own_options_first_then_the_shared_ones_by_section(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    text = _commands()["analyze"].format_help()
    heads = [line for line in text.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert heads[:5] == ["positional arguments:", "options:", "scenario and seed:", "runs:", "output:"], heads
    listed = text.split("\noptions:\n", 1)[1]
    assert listed.index("--map") < listed.index("--set") < listed.index("--runs") < listed.index("--out")


@pytest.mark.parametrize("flags, changes, needle", [
    (("--out", "--colour"), {}, "--colour"),
    (("--out",), {"seed": "root seed"}, "seed"),
])
def test_shared_refuses_an_option_it_does_not_know_or_a_change_to_one_not_given(flags, changes, needle):
    with pytest.raises(ValueError, match=needle):
        arguments.shared(*flags, **changes)
