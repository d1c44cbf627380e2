"""Never compile in front of a class: `classroom` and `play` have the kernels ready before they show anything,
and compiling them the first time is said, with the seconds counted on a terminal."""

from __future__ import annotations

import io
import sys

import pytest

import sim.engine.ensemble
import sim.kernel.cache
from sim import cli, terminal
from sim.core import scenario


@pytest.fixture
def warm_calls(monkeypatch, capsys):
    """Replace the warm-up by a record of each call: the scenario's name and what stdout had shown by then."""
    calls = []

    def warm_up(scn):
        calls.append((scn.name, capsys.readouterr().out))
        return real(scn)

    real = sim.engine.ensemble.warm_up
    monkeypatch.setattr(sim.engine.ensemble, "warm_up", warm_up)
    return calls


def test_the_classroom_prints_its_addresses_only_after_the_warm_up(warm_calls, monkeypatch, capsys, tmp_path):
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: served.append(len(warm_calls)))
    status = cli.main(["classroom", "inf_2018", "--port", "0", "--out", str(tmp_path / "lesson")])
    out = capsys.readouterr().out
    assert status == 0
    assert warm_calls == [("inf_2018", "")]              # nothing printed before the kernels were ready
    assert "projector:" in out and "join:" in out and "PIN" in out
    assert served == [1]                                 # and the server started after the warm-up


def test_a_resumed_classroom_warms_up_before_it_replays_the_saved_turns(warm_calls, monkeypatch, capsys, tmp_path):
    from sim.classroom import cli as classroom_cli
    from sim.play import savefile
    from sim.play.engine import Game

    game = Game(scenario.load("dilemma_2p"), seed=2, humans=["BLUE"], turns=4)
    game.play({"BLUE": "dialogue"})
    savefile.write(game, tmp_path / "lesson" / "game.json", make_folder=True)
    order = []
    real_restore = savefile.restore

    def restore(saved, **kw):
        order.append(len(warm_calls))
        return real_restore(saved, **kw)

    monkeypatch.setattr(savefile, "restore", restore)
    monkeypatch.setattr(classroom_cli, "serve", lambda *a, **k: 0)
    assert cli.main(["classroom", "--resume", str(tmp_path / "lesson" / "game.json"), "--port", "0"]) == 0
    assert [name for name, _ in warm_calls] == ["dilemma_2p"] and order == [1]


def test_play_warms_up_before_its_first_screen(warm_calls, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.StringIO("quit\n"))
    cli.main(["play", "dilemma_2p", "--as", "BLUE", "--turns", "2", "--band-runs", "5", "--out", str(tmp_path / "g")])
    assert warm_calls == [("dilemma_2p", "")]
    assert capsys.readouterr().out            # the game's screens came after


def test_a_human_seat_is_warmed_up_as_the_quantal_rule_that_stands_in_for_it(monkeypatch):
    from sim.play.cli import prepare_game

    seen = []
    monkeypatch.setattr(sim.engine.ensemble, "warm_up", lambda scn: seen.append(scn))
    scn = scenario.load("inf_2018", {"actors.US.rule": {"name": "human"}})
    prepare_game(scn)
    assert [a.rule["name"] for a in seen[0].actors if a.id == "US"] == ["quantal"]


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("stream", [io.StringIO(), Terminal()], ids=["piped", "terminal"])
def test_a_cold_cache_is_said_with_the_time_it_takes_and_a_warm_one_is_silent(monkeypatch, stream):
    import time

    monkeypatch.setattr(sim.kernel.cache, "kernels_cached", lambda: False)
    monkeypatch.setattr(sim.engine.ensemble, "warm_up", lambda scn: time.sleep(1.3))
    terminal.prepare_model(scenario.load("dilemma_2p"), stream=stream)
    text = stream.getvalue()
    assert text.startswith("preparing the model: compiling its kernels the first time")
    assert terminal.COMPILE_TIME in text and text.endswith("the model is ready (1 s)\n") and text.count("\n") == 2
    if isinstance(stream, Terminal):
        assert "\r  1 s" in text                     # the seconds counted on the line below, as they pass
    quiet = io.StringIO()
    terminal.prepare_model(scenario.load("dilemma_2p"), quiet=True, stream=quiet)
    monkeypatch.setattr(sim.kernel.cache, "kernels_cached", lambda: True)
    terminal.prepare_model(scenario.load("dilemma_2p"), stream=quiet)
    assert quiet.getvalue() == ""


def test_a_bad_out_is_refused_at_once_even_on_a_cold_cache(monkeypatch, capsys, tmp_path):
    """Found when the kernels' cache had been dropped: `run` said 'compiling...' before its one-line refusal."""
    def must_not_compile(scn):
        raise AssertionError("compiled before the output folder was checked")

    monkeypatch.setattr(sim.kernel.cache, "kernels_cached", lambda: False)
    monkeypatch.setattr(sim.engine.ensemble, "warm_up", must_not_compile)
    existing = tmp_path / "existing.txt"
    existing.write_text("keep me")
    status = cli.main(["run", "inf_2018", "--runs", "2", "--out", str(existing), "--no-plot"])
    err = capsys.readouterr().err
    assert status == 2 and existing.read_text() == "keep me"
    assert err.count("\n") == 1 and "--out is a file" in err
