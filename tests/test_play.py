"""Classroom play: the game engine, undo, injections, hot seat, save/resume/replay, the debrief, and
the real command driven by scripted standard input. No test waits for a person; band sizes are small.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from sim import cli
from sim.core import scenario
from sim.core.actions import MOVES, Action
from sim.core.codes import KEEP_FORCE, NO_TERMS, NOTICE
from sim.core.errors import SimError
from sim.core.state import COMPONENTS, State
from sim.engine.ensemble import run_lockstep
from sim.kernel.dynamics import hazard, index_weights, legal_moves
from sim.play import debrief, injections, narrate, savefile
from sim.play.engine import Game, PlayError

ROOT = Path(__file__).resolve().parent.parent
BAND = "20"   # model-only runs in the debriefs of these tests


def same_state(a: State, b: State) -> bool:
    return all(np.array_equal(getattr(a, f.name), getattr(b, f.name)) for f in fields(State))


def play_cli(monkeypatch, capsys, script: str, *args: str) -> tuple[int, str, str]:
    """Run `run_sim.py ARGS` in-process with `script` as standard input; (status, stdout, stderr)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(script))
    status = cli.main(list(args))
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.fixture(scope="module")
def scn():
    return scenario.load("inf_2018")


# ---------------------------------------------------------------- the engine


def test_a_game_without_teams_is_run_zero_of_an_ensemble(scn):
    game = Game(scn, seed=5, humans=[], turns=8)
    while not game.finished:
        game.play()
    batch = run_lockstep(scn, 5, np.arange(1), 8)
    t = game.turn
    assert np.array_equal(np.array(game.escalation_path()), batch.escalation[0, : t + 1])
    assert [[int(m) for m in r.moves] for r in game.history] == batch.action[0, :t].tolist()


def test_team_moves_are_played_as_chosen_whatever_the_rule_or_the_scenario_events(scn):
    data = scn.raw()
    data["events"] = [{"date": scn.date_of(2), "actor": "RU", "move": "hold"},
                      {"date": scn.date_of(2), "actor": "NATO", "move": "ultimatum"},
                      {"date": scn.date_of(3), "actor": "NATO", "move": "withdrawal"}]   # never legal for NATO
    with_events = scenario.from_dict(data, source="test")
    game = Game(with_events, seed=1, humans=["RU"], turns=4)
    # Russia's rule (reciprocal measures: dialogue first) would offer talks
    assert int(game.crisis.decide(1)[0]) == int(Action.DIALOGUE)
    rec = game.play({"RU": "deployment"})
    assert rec.moves[1] == Action.DEPLOYMENT and rec.chosen_by[1] == "team"
    assert game.scenario_moves_overruled() == {1: Action.HOLD}   # history says hold; the team decides
    rec = game.play({"RU": "comply"})
    assert rec.moves[1] == Action.COMPLY and rec.chosen_by[1] == "team" and rec.outcome.complied[0, 1]
    assert rec.moves[2] == Action.ULTIMATUM and rec.chosen_by[2] == "scenario"   # events still bind the model
    assert game.forced() == {}                  # an event's move that is not legal now is left out
    rec = game.play({"RU": "hold"})
    assert rec.chosen_by[2] == "model" and rec.moves[2] != Action.WITHDRAWAL


def test_the_menu_offers_only_legal_moves_and_says_what_each_does_now(scn):
    game = Game(scn, seed=1, humans=["US", "RU", "NATO"], turns=6)
    offered = {a: [m for m, _ in narrate.menu(game, i)] for i, a in enumerate(game.ids)}
    legal = legal_moves(game.state, game.params)[0]
    for i, a in enumerate(game.ids):
        assert offered[a] == [Action(int(m)) for m in np.flatnonzero(legal[i])] == game.legal(a)
    assert [m.label for m in offered["US"]] == ["dialogue", "hold", "withdrawal"]     # development under way
    assert [m.label for m in offered["RU"]] == ["dialogue", "hold", "comply", "withdrawal", "deployment"]
    assert [m.label for m in offered["NATO"]] == ["dialogue", "hold", "ultimatum"]
    us, ru, nato = (dict(narrate.menu(game, i)) for i in range(3))
    assert "talks 0% -> 10% if it offers too" in us[Action.DIALOGUE]
    assert "LAPSE" in us[Action.HOLD] and "audience cost 1.27" in us[Action.HOLD]       # 3 x index 42.4 / 100
    assert "ends on 14 Aug 2019" in us[Action.WITHDRAWAL] and "carries out your ultimatum" in us[Action.WITHDRAWAL]
    assert "Eliminate its 48 disputed missiles" in ru[Action.COMPLY] and "meets the ultimatum of the United States" \
        in ru[Action.COMPLY]
    assert "reach NATO" in ru[Action.DEPLOYMENT] and "a VIOLATION" in ru[Action.DEPLOYMENT]
    assert "cannot carry it out now" in nato[Action.ULTIMATUM]     # a host arms only by hosting, not yet possible
    # an illegal move is refused with one line naming the legal ones
    with pytest.raises(PlayError, match=r"^US cannot play deployment now: your programme is in development: .*; "
                                        r"allowed: 1 dialogue, 2 hold, 5 withdrawal$"):
        game.choose("US", "deployment")
    with pytest.raises(PlayError, match="NATO cannot play withdrawal now: you do not host the United States' "
                                        "missiles: there is no consent to withdraw"):
        game.choose("NATO", "withdrawal")
    assert not game.choices
    rec = game.play({"US": "dialogue", "RU": "dialogue", "NATO": "hold"})
    # the round reached 10% on the freeze on the table, but the US ultimatum lapsed: Russia, its demand
    # now public and the treaty still binding the US, gains nothing from any deal, and the talks collapse
    assert any("progress 0% -> 10%" in line for line in narrate.turn_sentences(game, rec))
    assert float(rec.after.talks[0, 0, 1]) == 0.0 and int(rec.after.terms[0, 0, 1]) == 0
    rec = game.play({"US": "withdrawal", "RU": "dialogue", "NATO": "hold"})
    assert int(rec.after.treaty[0]) == NOTICE and narrate.day(game.date(int(rec.after.notice_end[0]))) == "13 Sep 2019"
    story = " ".join(narrate.turn_sentences(game, rec))
    assert f"United States (team) {MOVES[Action.WITHDRAWAL].verb}: the treaty ends on 13 Sep 2019" in story
    # Russia's disputed missiles in range of NATO already stood on rung 4: notice keeps it there, unsaid
    assert int(rec.before.rung[0]) == int(rec.after.rung[0]) == 4 and "Kahn's escalation ladder" not in story
    assert Action.WITHDRAWAL not in game.legal("US") and Action.WITHDRAWAL in game.legal("RU")   # RU may answer
    assert "Give notice too" in dict(narrate.menu(game, 1))[Action.WITHDRAWAL]


def test_the_menu_describes_programme_stages_and_hosting(scn):
    ready_to_test = scenario.apply_overrides(scn, {"actors.US.programme.since": dt.date(2016, 6, 1)})
    game = Game(ready_to_test, seed=1, humans=["US", "NATO"], turns=30)
    assert Action.DEVELOP in game.legal("US")
    develop = dict(narrate.menu(game, 0))[Action.DEVELOP]
    assert develop.startswith("Begin flight tests (now in development)")
    assert "A VIOLATION while the treaty binds you" in develop and "80% a turn" in develop
    rec = game.play({"US": "develop", "NATO": "hold"})
    assert narrate.STAGES[int(rec.after.stage[0, 0])] == "flight_test"
    story = " ".join(narrate.turn_sentences(game, rec))
    assert f"United States (team) {MOVES[Action.DEVELOP].verb}: in flight tests now" in story
    assert "a violation while the United States is bound" in story
    assert "in flight tests" in narrate.programme_text(game, game.state, 0)
    assert Action.DEVELOP not in game.legal("US")                       # the stage takes its time
    assert "your programme's stage is under way" in narrate.why_not(game, 0, Action.DEVELOP)
    # the United States produces: NATO may consent to host its missiles, which then reach Russia
    producing = scenario.apply_overrides(scn, {"actors.US.programme.stage": "production"})
    game = Game(producing, seed=1, humans=["US", "NATO"], turns=4)
    host = dict(narrate.menu(game, 2))[Action.DEPLOYMENT]
    assert host.startswith("Consent to host the United States' missiles") and "they reach Russia" in host
    assert "you can order missiles only when it is ready" in narrate.why_not(game, 0, Action.DEPLOYMENT)
    rec = game.play({"US": "hold", "NATO": "deployment"})
    assert rec.after.hosting[0, 2]
    assert "NATO (team) consents to host its ally's missiles: from its territory, the United States' missiles now " \
           "reach Russia" in " ".join(narrate.turn_sentences(game, rec))
    assert Action.DEPLOYMENT not in game.legal("NATO")                  # consent is given once


def test_narration_and_debrief_read_the_index_components_and_the_rung(scn):
    game = Game(scn, seed=2, humans=[], turns=10)
    while not game.finished:
        rec = game.play()
        parts = debrief.components(rec)
        assert list(parts) == [narrate.COMPONENT_LABELS[c] for c in COMPONENTS]
        assert sum(parts.values()) == pytest.approx(rec.delta, abs=1e-6)   # the index is the weighted sum
        for i in range(3):
            assert narrate.move_sentence(game, rec, i)
    text = narrate.index_text(game)
    assert text.startswith("rung of Kahn's ladder ") and f"rung {int(game.state.rung[0])} (" in text
    assert narrate.hazard(game) == pytest.approx(float(hazard(game.state, game.params)[0]))


def test_undo_restores_the_exact_state_and_redo_gives_the_same_game(scn):
    learner = scenario.apply_overrides(scn, {"actors.NATO.rule": {"name": "fictitious_play"}})  # a rule with memory

    def game_until(undo: bool) -> Game:
        game = Game(learner, seed=2, humans=["US"], turns=6)
        for move in ("dialogue", "withdrawal"):
            game.play({"US": move})
        game.inject(injections.parse(game, "leader US hawk"))
        before = game.state.copy()
        if undo:
            game.choose("US", "hold")
            assert game.undo() == "choices" and game.waiting_for() == ["US"]
            game.play({"US": "ultimatum"})
            game.inject(injections.parse(game, "force RU hold"))
            assert game.undo() == "injection"
            assert game.undo() == "turn"
            assert game.turn == 2 and same_state(game.state, before)
            assert len(game.injections) == 1 and len(game.history) == 2
        for move in ("ultimatum", "hold", "dialogue", "dialogue"):
            game.play({"US": move})
        return game

    plain, undone = game_until(False), game_until(True)
    assert undone.escalation_path() == plain.escalation_path()
    for a, b in zip(plain.history, undone.history, strict=True):
        assert a.moves == b.moves and same_state(a.after, b.after)
    with pytest.raises(PlayError, match="nothing to undo"):
        Game(scn, humans=["US"]).undo()


def test_injections_act_on_the_next_turn_and_bad_ones_are_refused(scn):
    fresh = scenario.apply_overrides(scn, {"actors.RU.disputed": 0})
    game = Game(fresh, seed=1, humans=["US"], turns=6)
    with pytest.raises(PlayError, match="all 48 of its missiles already disputed"):
        injections.parse(Game(scn, humans=["US"]), "violation RU")
    with pytest.raises(PlayError, match="not a treaty party"):
        injections.parse(game, "violation NATO")
    event = game.inject(injections.parse(game, "violation ru"))
    assert event.actor == "RU" and int(game.state.disputed[0, 1]) == 48
    assert float(game.state.trust[0, 0, 1]) == pytest.approx(0.0)          # 0.2 - 0.2: the US trusts Russia
    assert float(game.state.trust[0, 2, 1]) == pytest.approx(0.0)          # no more, nor does NATO
    assert Action.COMPLY in game.legal("RU")                             # now in dispute, Russia may comply
    game.inject(injections.parse(game, "set risk.h_max=0.02 risk.p_detect_test=0.5 escalation.w_demands=0.05 "
                                       "escalation.w_arming=0.3 treaty.elimination_days=730 "
                                       "actors.us.payoff.programme_cost=0.05"))
    with pytest.raises(PlayError, match="NATO cannot play deployment now: the United States neither produces nor "
                                        "has missiles to host; allowed: 1 dialogue, 2 hold, 4 ultimatum"):
        injections.parse(game, "force NATO deployment")
    game.inject(injections.parse(game, "force NATO ultimatum"))
    game.inject(injections.parse(game, "leader US dove"))
    p = game.params
    assert p.h_max == 0.02 and p.payoff["war_cost"][0] == 300.0 and p.p_detect_test == 0.5
    assert p.elimination_turns == 25 and p.payoff["programme_cost"][0] == 0.05
    assert p.w_demands == 0.05 and index_weights(p)["esc_demands"] == pytest.approx(0.09 * 0.05)  # 9 points
    assert game.crisis.schedule.params_at(0).h_max == 0.005       # earlier turns keep their parameters
    rec = game.play({"US": "hold"})
    assert rec.moves[2] == Action.ULTIMATUM and rec.chosen_by[2] == "facilitator"
    assert int(rec.after.ult_target[0, 2]) == 1
    assert [j.turn for j in rec.injections] == [1, 1, 1, 1]
    for bad, needle in [("", "inject what"), ("earthquake", "unknown event"), ("force XX hold", "unknown actor"),
                        ("force RU dance", "unknown move"), ("set scenario.turns=3", "not a parameter"),
                        ("leader US tiger", "hawk|dove"), ("set risk.h_max", "KEY=VALUE")]:
        with pytest.raises(SimError, match=needle):
            injections.parse(game, bad)
    with pytest.raises(SimError, match="less than or equal to 1"):
        game.inject(injections.parse(game, "set risk.h_max=2"))
    assert len(game.injections) == 4                               # the refused ones left no trace
    # a party's banned programme is revealed when it has no missile to reveal
    testing = scenario.apply_overrides(scn, {"actors.US.programme.stage": "flight_test"})
    game = Game(testing, seed=1, humans=["US"], turns=3)
    event = game.inject(injections.parse(game, "violation US"))
    assert "its missile programme (in flight tests) is now disputed" in event.note and game.state.breach[0, 0]
    assert Action.ULTIMATUM in game.legal("RU") and Action.COMPLY in game.legal("US")


def test_hot_seat_waits_for_every_team_and_a_forced_team_is_not_asked(scn):
    game = Game(scn, seed=1, humans=["US", "RU", "NATO"], turns=4)
    game.choose("US", "withdrawal")
    assert game.waiting_for() == ["RU", "NATO"] and game.has_chosen("US")
    with pytest.raises(PlayError, match="still waiting for the move of RU, NATO"):
        game.play()
    game.inject(injections.parse(game, "force NATO hold"))
    assert game.waiting_for() == ["RU"]
    rec = game.play({"RU": "dialogue"})
    assert [m.label for m in rec.moves] == ["withdrawal", "dialogue", "hold"]
    assert rec.chosen_by == ("team", "team", "facilitator")


def test_saved_game_replays_to_the_identical_trajectory(scn, tmp_path):
    game = Game(scn, seed=9, humans=["US"], turns=7)
    for k, move in enumerate(("dialogue", "withdrawal", "ultimatum", "hold", "dialogue")):
        if k == 2:
            game.inject(injections.parse(game, "leader RU hawk"))
        game.play({"US": move})
    game.inject(injections.parse(game, "set risk.p_detect=0.9"))     # made, not yet played
    path = savefile.write(game, tmp_path / "g.json")
    again = savefile.restore(savefile.read(path))
    assert again.turn == game.turn and again.escalation_path() == game.escalation_path()
    for a, b in zip(game.history, again.history, strict=True):
        assert a.moves == b.moves and a.chosen_by == b.chosen_by and same_state(a.after, b.after)
    assert [j.text for j in again.injections] == [j.text for j in game.injections]
    assert again.params.p_detect == 0.9
    log = json.loads(path.read_text())["log"]
    assert [t["rung"] for t in log] == [int(r.after.rung[0]) for r in game.history]
    assert log[0]["programme"] == {"US": "development", "RU": "ready", "NATO": "none"}
    # the replay goes on exactly as the original would
    assert again.play({"US": "hold"}).escalation == game.play({"US": "hold"}).escalation


def test_a_bot_standing_in_plays_the_rule_is_not_credited_to_the_team_and_replays(scn, tmp_path):
    model_only = Game(scn, seed=4, humans=[], turns=6)
    for _ in range(6):
        model_only.play()
    game = Game(scn, seed=4, humans=["US", "RU"], turns=6)
    game.set_bot("US", True)
    game.set_bot("RU", True)
    assert game.waiting_for() == []
    with pytest.raises(PlayError, match="bot"):
        game.choose("US", "hold")
    for _ in range(3):
        game.play()
    assert [r.moves for r in game.history] == [r.moves for r in model_only.history[:3]]
    assert all(r.chosen_by[:2] == ("bot", "bot") for r in game.history)
    game.set_bot("US", False)          # the US team arrives; RU stays a bot
    assert game.waiting_for() == ["US"]
    game.play({"US": "dialogue"})
    assert game.history[-1].chosen_by[:2] == ("team", "bot")
    path = savefile.write(game, tmp_path / "g.json")
    again = savefile.restore(savefile.read(path))
    assert [r.chosen_by for r in again.history] == [r.chosen_by for r in game.history]
    assert again.escalation_path() == game.escalation_path() and again.bots == set()
    with pytest.raises(PlayError, match="model already"):
        game.set_bot("NATO", True)


def test_doctrine_injection_changes_a_model_sides_rule_and_replays(scn, tmp_path):
    game = Game(scn, seed=3, humans=["US"], turns=6)
    game.play({"US": "withdrawal"})                       # Russia's reciprocal measures answer in kind
    assert game.play({"US": "hold"}).moves[1] == Action.WITHDRAWAL
    event = game.inject(injections.parse(game, "doctrine ru dove"))
    assert event.actor == "RU" and "dove" in event.note and "reciprocal" in event.note
    assert game.crisis.rules[1].name == "dove"
    for move in ("ultimatum", "hold"):
        assert MOVES[game.play({"US": move}).moves[1]].rung == 0     # a dove talks or complies, never escalates
    assert game.undo() == "turn" and game.undo() == "turn" and game.undo() == "injection"
    assert game.crisis.rules[1].name == "reciprocal"                  # undo restores the old doctrine
    game.inject(injections.parse(game, "doctrine RU grim"))
    game.play({"US": "ultimatum"})
    path = savefile.write(game, tmp_path / "d.json")
    again = savefile.restore(savefile.read(path))
    assert again.crisis.rules[1].name == "grim" and again.escalation_path() == game.escalation_path()
    for bad, needle in [("doctrine US hawk", "a team plays US"), ("doctrine RU human", "unknown rule"),
                        ("doctrine RU tiger", "unknown rule"), ("doctrine RU", "usage")]:
        with pytest.raises(PlayError, match=needle):
            injections.parse(game, bad)


def test_terms_injection_puts_the_pledged_terms_on_the_table_until_signed_and_replays(scn, tmp_path):
    # the class's US and Russia agree on terms: each keeps its force as it stands (a freeze), with the
    # treaty under notice; their talks then negotiate those terms (trust high, so that two rounds do)
    trusting = scenario.apply_overrides(scn, {"actors.US.trust.RU": 1.0, "actors.RU.trust.US": 1.0})
    game = Game(trusting, seed=3, humans=["US", "RU"], turns=8)
    game.play({"US": "withdrawal", "RU": "dialogue"})
    event = game.inject(injections.parse(game, "terms us ru keep keep"))
    assert event.kind == "terms" and "Russia" in event.note and "keeps its force" in event.note
    s = game.state
    assert (int(s.terms[0, 0, 1]), int(s.terms[0, 1, 0])) == (KEEP_FORCE, KEEP_FORCE)
    assert game.undo() == "injection" and int(game.state.pledge[0, 0, 1]) == NO_TERMS
    game.inject(injections.parse(game, "terms US RU keep keep"))
    signed = None
    for _ in range(4):                                    # rounds of talks on the pledged terms, then signed
        record = game.play({"US": "dialogue", "RU": "dialogue"})
        if record.outcome.agreement[0, 0]:
            signed = record
            break
    assert signed is not None and int(game.state.treaty[0]) == 0 and int(game.state.pledge[0, 0, 1]) == NO_TERMS
    assert int(game.state.missiles[0, 1]) == 48 and int(game.state.elim_left[0, 1]) == 0   # Russia kept its force
    path = savefile.write(game, tmp_path / "t.json")
    again = savefile.restore(savefile.read(path))
    assert again.escalation_path() == game.escalation_path()
    for bad, needle in [("terms US NATO keep keep", "only two treaty parties"),
                        ("terms US RU keep halve", "allowed: keep"), ("terms US RU keep", "usage"),
                        ("terms US US keep keep", "another actor")]:
        with pytest.raises(PlayError, match=needle):
            injections.parse(game, bad)


# ---------------------------------------------------------------- the command, scripted


def test_full_scripted_game_as_us_with_undo_inject_save_and_the_debrief(monkeypatch, capsys, tmp_path):
    out, mid = tmp_path / "debrief", tmp_path / "mid.json"
    script = "\n".join(["dialogue", "help", "fly away", "d", "", "inject leader US hawk", "withdrawal",
                        "undo", "undo", "5", f"save {mid}", "inject violation RU", "deployment", "4", "2",
                        "inject force RU hold", "1", "1"]) + "\n"
    status, text, err = play_cli(monkeypatch, capsys, script, "play", "inf_2018", "--as", "US", "--turns", "6",
                                 "--seed", "4", "--band-runs", BAND, "--out", str(out))
    assert status == 0, err
    assert "Commands at the prompt" in text
    assert "unknown move 'fly away'" in text and "'d' could be dialogue or develop or deployment" in text
    assert "US cannot play deployment now: your programme is in development" in text   # refused, one line
    assert "your move [1, 2, 5, or help]" in text and "your move [1, 2, 4, or help]" in text
    assert "Took back turn 2" in text and "Cancelled the last injection" in text
    assert "all 48 of its missiles already disputed" in text
    assert f"Saved to {mid}" in text and mid.is_file()
    for name in ("debrief.md", "debrief.html", "escalation.png", "payoffs.png", "game.json", "band.json"):
        assert (out / name).stat().st_size > 0, name
    md = (out / "debrief.md").read_text()
    saved = json.loads((out / "game.json").read_text())
    us_moves = [t["moves"]["US"] for t in saved["log"]]
    assert us_moves == ["dialogue", "withdrawal", "ultimatum", "hold", "dialogue", "dialogue"]
    assert [t["chosen_by"]["RU"] for t in saved["log"]][4] == "facilitator"
    for turn, move in enumerate(us_moves, start=1):
        assert f"| {turn} | " in md and f"**{move}**" in md
    for section in ("## Timeline", "## Turning points", "## Payoffs", "## Questions for discussion"):
        assert section in md
    questions = md.split("## Questions for discussion")[1].split("##")[0]
    assert len([line for line in questions.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]) == 3
    assert "lapsed" in questions     # the US let its opening ultimatum lapse: the first question
    html = (out / "debrief.html").read_text()
    assert html.count("data:image/png;base64,") == 2 and "<script" not in html and "http" not in html
    assert "withdrawal" in html and "Questions for discussion" in html
    # the saved file replays exactly, through the real command too
    status, text, err = play_cli(monkeypatch, capsys, "", "replay", str(out / "game.json"))
    assert status == 0, err
    assert "identical to the saved game" in text and "ultimatum*" in text
    # the file saved mid-game resumes where it was (turn 3 to play), and undo still works
    status, text, err = play_cli(monkeypatch, capsys, "undo\nwithdrawal\nquit\n", "play", "--resume", str(mid),
                                 "--band-runs", BAND, "--out", str(tmp_path / "resumed"))
    assert status == 0, err
    assert "2 turns replayed exactly" in text and "Took back turn 2" in text
    assert json.loads((tmp_path / "resumed" / "game.json").read_text())["log"][1]["moves"]["US"] == "withdrawal"


def test_full_scripted_game_with_every_side_played_by_the_class(monkeypatch, capsys, tmp_path):
    out = tmp_path / "all"
    turns = [("dialogue", "dialogue", "dialogue"), ("dialogue", "dialogue", "hold"),
             ("withdrawal", "dialogue", "hold"), ("hold", "withdrawal", "ultimatum"),
             ("hold", "deployment", "hold")]
    script = "".join(f"{us}\n{ru}\n{nato}\n" for us, ru, nato in turns)
    status, _, err = play_cli(monkeypatch, capsys, script, "play", "--as", "all", "--turns", "5", "--seed", "2",
                                 "--band-runs", BAND, "--out", str(out))
    assert status == 0, err
    log = json.loads((out / "game.json").read_text())["log"]
    assert [tuple(t["moves"].values()) for t in log] == turns
    assert all(set(t["chosen_by"].values()) == {"team"} for t in log)
    md = (out / "debrief.md").read_text()
    assert "**Teams played:** United States (US), Russia (RU), NATO (NATO)" in md
    assert "The model played:** nobody" in md and "RU gives notice" in md


def test_hot_seat_shows_no_choice_before_the_reveal(monkeypatch, capsys, tmp_path):
    status, text, err = play_cli(monkeypatch, capsys, "withdrawal\ndialogue\nquit\n", "play", "--as", "US",
                                 "--as", "ru", "--turns", "4", "--band-runs", BAND, "--out", str(tmp_path / "hs"))
    assert status == 0, err
    before, after = text.split("Moves revealed", 1)
    first = before.split("your move [1, 2, 5, or help]:", 1)[1]   # from the first team's answer to the reveal
    assert first.lstrip().startswith("(hidden)")
    assert "United States has chosen (hidden until every team has chosen)" in first
    assert "Choices: US chosen (hidden)  RU to choose" in first
    assert "gives notice" not in first and "withdrawal" not in first.split("Moves open to Russia")[0]
    assert "United States (team) gives notice to withdraw" in after


def test_quit_ends_the_game_and_still_writes_the_debrief(monkeypatch, capsys, tmp_path):
    out = tmp_path / "q"
    status, text, err = play_cli(monkeypatch, capsys, "hold\nquit\n", "play", "inf_2018", "--as", "NATO",
                                 "--band-runs", BAND, "--out", str(out))
    assert status == 0, err
    assert "The facilitator ends the game" in text and "of 12 turns" in (out / "debrief.md").read_text()
    assert json.loads((out / "game.json").read_text())["status"] == "over: quit"


def test_an_incident_ends_the_game_and_the_debrief_asks_about_it(monkeypatch, capsys, tmp_path):
    out = tmp_path / "boom"
    status, text, err = play_cli(monkeypatch, capsys, "withdrawal\n", "play", "--as", "US", "--set", "risk.h_max=1",
                                 "--set", "risk.k=0.01", "--band-runs", BAND, "--out", str(out))
    assert status == 0, err
    assert "THE CRISIS BROKE DOWN" in text and "Game over" in text
    md = (out / "debrief.md").read_text()
    assert "INCIDENT" in md and "The crisis broke down on 15 Feb 2019" in md


def test_end_of_input_saves_the_game_and_it_resumes(monkeypatch, capsys, tmp_path):
    out = tmp_path / "eof"
    status, text, err = play_cli(monkeypatch, capsys, "dialogue\ninject leader RU dove\n", "play", "--as", "US",
                                 "--turns", "4", "--band-runs", BAND, "--out", str(out))
    assert status == 0, err
    saved = out / "game.json"
    assert f"End of input: game saved to {saved}" in text and f"play --resume {saved}" in text
    assert not (out / "debrief.md").exists()
    status, text, err = play_cli(monkeypatch, capsys, "hold\nhold\nhold\n\n", "play", "--resume", str(saved),
                                 "--band-runs", BAND)
    assert status == 0, err
    assert (out / "debrief.html").is_file()     # the debrief goes where the game was saved on leaving
    data = json.loads((out / "game.json").read_text())
    assert [t["moves"]["US"] for t in data["log"]] == ["dialogue", "hold", "hold", "hold"]
    assert data["injections"][0]["text"] == "leader RU dove" and data["injections"][0]["turn"] == 2


def test_a_seat_for_a_person_is_played_by_a_team_and_by_quantal_in_the_band(monkeypatch, capsys, tmp_path):
    seat = ["--set", 'actors.RU.rule={name = "human"}', "--turns", "2", "--band-runs", BAND]
    status, text, err = play_cli(monkeypatch, capsys, "", "play", "--as", "US", *seat, "--out", str(tmp_path / "x"))
    assert status == 2 and "a team must play RU; allowed: add --as RU" in err
    out = tmp_path / "seat"
    status, text, err = play_cli(monkeypatch, capsys, "ultimatum\nhold\nhold\n", "play", *seat, "--out", str(out))
    assert status == 0, err                      # no --as: the class takes the scenario's seat
    assert "RU cannot play ultimatum now: no adversary of yours is in dispute" in text
    md = (out / "debrief.md").read_text()
    assert "**Teams played:** Russia (RU)" in md and "RU (a seat for a person in this scenario)" in md


def test_bad_resume_files_and_arguments_are_refused_with_one_line(monkeypatch, capsys, tmp_path):
    game = Game(scenario.load("dilemma_2p"), seed=1, humans=[scenario.load("dilemma_2p").actor_ids[0]], turns=3)
    other = savefile.write(game, tmp_path / "other.json")
    good = Game(scenario.load("inf_2018"), seed=1, humans=["US"], turns=3)
    good.play({"US": "hold"})
    data = savefile.to_dict(good)
    files = {"broken.json": '{"format": "escalation-sim game", "seed": ',
             "notagame.json": json.dumps({"hello": 1}),
             "badmove.json": json.dumps({**data, "log": [{**data["log"][0], "moves": {**data["log"][0]["moves"],
                                                                                      "US": "dance"}}]}),
             "tampered.json": json.dumps({**data, "log": [{**data["log"][0], "escalation": 99.0}]}),
             "oldmodel.json": json.dumps({**data, "format_version": 1})}
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    cases = [
        (["play", "inf_2018", "--resume", str(other)], "a saved game of scenario 'dilemma_2p', not 'inf_2018'"),
        (["play", "--resume", str(tmp_path / "broken.json")], "broken JSON at line 1"),
        (["play", "--resume", str(tmp_path / "notagame.json")], "not a saved game of this program"),
        (["play", "--resume", str(tmp_path / "badmove.json")], "log.0.moves.US = 'dance'"),
        (["play", "--resume", str(tmp_path / "tampered.json")], "replay differs at turn 1: escalation"),
        (["play", "--resume", str(tmp_path / "missing.json")], "no such file"),
        (["play", "--resume", str(tmp_path / "oldmodel.json")], "a game of the earlier five-move model"),
        (["replay", str(tmp_path / "tampered.json")], "replay differs at turn 1"),
        (["play", "inf_2018"], "say which actors the class plays"),
        (["play", "--as", "CN"], "--as CN: not an actor of inf_2018; allowed: US, RU, NATO or all"),
    ]
    for argv, needle in cases:
        status, _, err = play_cli(monkeypatch, capsys, "", *argv, "--out", str(tmp_path / "never"))
        assert status == 2, argv
        assert needle in err and len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
    assert not (tmp_path / "never").exists()


# ---------------------------------------------------------------- the real command


@pytest.mark.slow
def test_real_command_plays_a_scripted_game_and_replays_it(tmp_path):
    out = tmp_path / "real"
    script = "1\ninject force RU deployment\n4\nundo\n5\n2\n1\n"
    run = subprocess.run([sys.executable, "run_sim.py", "play", "inf_2018", "--as", "US", "--turns", "4",
                          "--seed", "7", "--band-runs", BAND, "--out", str(out)], cwd=ROOT, input=script,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Debrief:" in run.stdout and (out / "debrief.html").is_file()
    rep = subprocess.run([sys.executable, "run_sim.py", "replay", str(out / "game.json")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert rep.returncode == 0, rep.stderr
    assert "identical to the saved game" in rep.stdout


def _real_game_at_turn_2(out: Path) -> tuple[subprocess.Popen, bytes]:
    """The real `play` (US, 4 turns) in a process of its own, turn 1 played as dialogue, now asking for
    turn 2; the process and what it printed."""
    proc = subprocess.Popen([sys.executable, "run_sim.py", "play", "inf_2018", "--as", "US", "--turns", "4",
                             "--band-runs", BAND, "--out", str(out)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(b"dialogue\n")
    proc.stdin.flush()
    marker = b"Turn 2 \xc2\xb7 United States (US), your move"
    seen, deadline = b"", time.monotonic() + 300     # generous: a machine shared with other work is slow
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:      # the game has ended
                break
            seen += chunk
    if marker not in seen:
        proc.kill()
        pytest.fail(f"the game did not ask for turn 2: {seen[-2000:]!r} {proc.communicate()[1]!r}")
    return proc, seen


@pytest.mark.slow
def test_ctrl_c_saves_the_game_to_a_file_named_on_screen(tmp_path):
    out = tmp_path / "int"
    proc, seen = _real_game_at_turn_2(out)
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=300)
    text = (seen + rest).decode()
    assert proc.returncode == 130, err.decode()
    saved = out / "game.json"
    assert f"Interrupted (Ctrl-C): game saved to {saved}" in text
    assert json.loads(saved.read_text())["log"][0]["moves"]["US"] == "dialogue"


ODD_NUMBERS = ["²", "①", "𐩀", "9" * 5000]   # digits to str.isdigit that int() cannot read, and too many digits


def test_a_move_typed_as_odd_digits_or_a_huge_number_is_refused_and_the_game_goes_on(monkeypatch, capsys, tmp_path):
    out = tmp_path / "odd"
    typed = [line for odd in ODD_NUMBERS for line in (odd, f"inject force RU {odd}")]
    script = "\n".join([*typed, "hold", "quit"]) + "\n"
    status, text, err = play_cli(monkeypatch, capsys, script, "play", "inf_2018", "--as", "US", "--turns", "3",
                                 "--band-runs", BAND, "--out", str(out))
    assert status == 0, err
    assert "Traceback" not in text + err and text.count("unknown move") == 2 * len(ODD_NUMBERS)
    log = json.loads((out / "game.json").read_text())["log"]
    assert len(log) == 1 and log[0]["moves"]["US"] == "hold" and log[0]["chosen_by"]["RU"] != "facilitator"


def test_a_set_of_a_number_too_long_to_read_is_one_line(cli_main, tmp_path):
    done = cli_main("run", "inf_2018", "--set", f"risk.h_max={'9' * 5000}", "--runs", "2", "--out", tmp_path / "r")
    assert done.status == 2 and len(done.err.strip().splitlines()) == 1 and "at most 4,300 digits" in done.err
    assert len(done.err) < 300 and not (tmp_path / "r").exists()


class Watching(io.StringIO):
    """Standard input that notes, each time a line is read, how many turns the game file holds (None: no file)."""

    def __init__(self, text: str, game_file: Path):
        super().__init__(text)
        self.game_file, self.seen = game_file, []

    def readline(self, *args) -> str:
        self.seen.append(len(json.loads(self.game_file.read_text())["log"]) if self.game_file.exists() else None)
        return super().readline(*args)


def test_the_game_is_on_disk_after_every_revealed_turn_and_undo(monkeypatch, capsys, tmp_path):
    out = tmp_path / "kept"
    stdin = Watching("hold\nundo\nhold\nhold\n", out / "game.json")
    monkeypatch.setattr(sys, "stdin", stdin)
    status = cli.main(["play", "inf_2018", "--as", "US", "--turns", "4", "--band-runs", BAND, "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    assert stdin.seen[1:] == [1, 0, 1, 2], stdin.seen      # read after turn 1, the undo, turn 1 again, turn 2
    assert not list(out.glob(".*.partial"))


@pytest.mark.parametrize("command", ["play", "classroom"])
def test_an_out_folder_that_cannot_be_made_is_refused_before_the_game(monkeypatch, capsys, tmp_path, command):
    args = [command, "inf_2018", "--turns", "2", "--band-runs", BAND, "--out", "/proc/escalation-sim-x",
            *(["--as", "US"] if command == "play" else ["--port", "0"])]
    status, text, err = play_cli(monkeypatch, capsys, "hold\nhold\n", *args)
    assert status == 2 and len(err.strip().splitlines()) == 1 and "/proc/escalation-sim-x" in err, err
    assert "allowed" in err and "saved" not in err and "Turn 1" not in text


@pytest.mark.parametrize("command", ["play", "classroom"])
def test_more_turns_than_a_game_file_holds_are_refused_at_the_start(monkeypatch, capsys, tmp_path, command):
    out = tmp_path / "long"
    args = [command, "inf_2018", "--turns", "20000", "--out", str(out), *(["--as", "US"] if command == "play" else [])]
    with pytest.raises(SystemExit) as refused:      # by the command line's parser, before anything starts
        play_cli(monkeypatch, capsys, "hold\n", *args)
    status, err = refused.value.code, capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and "--turns = 20000" in err and "10,000" in err, err
    assert not out.exists()


@pytest.mark.slow
def test_a_game_killed_after_a_turn_is_on_disk_and_resumes(tmp_path):
    out = tmp_path / "killed"
    proc, _ = _real_game_at_turn_2(out)               # turn 1 is revealed
    proc.kill()                                        # SIGKILL: nothing is caught, nothing saved on the way out
    proc.communicate(timeout=60)
    saved = savefile.read(out / "game.json")
    assert [t["moves"]["US"] for t in saved.log] == ["dialogue"]
    assert savefile.restore(saved).turn == 1


def test_an_ultimatum_closed_by_the_treatys_end_is_not_said_to_be_met_by_an_agreement():
    """Issue 22, item 11: the debrief said an ultimatum "was met by the agreement" when the treaty had simply
    ended (a demand to comply with a treaty that is gone is moot)."""
    import random

    pick = random.Random(10)                 # a game of random legal moves where this happens in turn 7
    game = Game(scenario.load("inf_2018"), seed=10, humans=["US", "RU", "NATO"], turns=7)
    said: list[str] = []
    while not game.finished:
        record = game.play({a: pick.choice(game.legal(a)) for a in game.waiting_for()})
        said += narrate.turn_sentences(game, record)
    assert "The United States' ultimatum to Russia is closed: the treaty it was about has ended." in said
    assert not any("met by the agreement" in s for s in said)


def test_why_the_model_moved_says_the_values_it_compared_or_its_doctrine():
    """Issue 22, "why did the model do that": for each move the model or a bot played, the reasons in plain
    words from what its rule compared; nothing for a team's move."""
    game = Game(scenario.load("inf_2018"), seed=3, humans=["US"], turns=2)
    game.play({"US": "hold"})
    record = game.play({"US": "withdrawal"})
    us, ru, nato = (narrate.why(game, record, i) for i in range(3))
    assert us is None
    assert ru is not None and ru.startswith("Russia played") and "declared doctrine" in ru
    assert nato is not None and "it weighed each move's payoff now and what it sets in motion" in nato
    values = record.values[2]
    shown = re.findall(r"(\w+) ([+-]\d+\.\d\d)", nato)
    assert shown and all(abs(values[Action.parse(m)] - float(v)) < 0.006 for m, v in shown)
    assert [m for m, _ in shown] == sorted((m for m, _ in shown), key=lambda m: -values[Action.parse(m)])
    assert ("chose the best of them" in nato) == (int(np.argmax(values)) == int(record.moves[2]))
