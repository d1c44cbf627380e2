"""The classroom debrief: what it credits to the teams, the questions it asks, its figures and scores, and the
section on what actually happened (a sourced timeline kept as data, for the debrief only).

Games are scripted through `Game`; the model-only bands are small (20 runs).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

from sim.core import scenario
from sim.core.errors import SimError
from sim.play import debrief, injections, narrate
from sim.play.engine import Game, Injection

ROOT = Path(__file__).resolve().parent.parent
RUNS = 20
FIGURES = {"escalation": Path("escalation.png"), "payoffs": Path("payoffs.png")}


@pytest.fixture(scope="module")
def scn():
    return scenario.load("inf_2018")


def band_and_facts(game: Game, runs: int = RUNS):
    band = debrief.model_band(game, runs)
    return band, debrief.facts(game, band)


def markdown(game: Game, band, f) -> str:
    return debrief.build(game, band, f, FIGURES, "game.json").markdown()


def section(md: str, heading: str) -> str:
    return md.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def table_row(md: str, heading: str, first_cell: str) -> list[str]:
    for line in section(md, heading).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if line.startswith("|") and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in {heading}")


@pytest.fixture(scope="module")
def agreement(scn):
    """The United States gives notice, then it and Russia talk every turn: the treaty ends on turn 7 and a
    new one is signed on turn 11 (NATO holds). Without the notice Russia has nothing to gain from a deal."""
    game = Game(scn, seed=1, humans=["US", "RU", "NATO"], turns=12)
    for t in range(12):
        game.play({"US": "withdrawal" if t == 0 else "dialogue", "RU": "dialogue", "NATO": "hold"})
    return (game, *band_and_facts(game))


@pytest.fixture(scope="module")
def stand_ins(scn):
    """The US team's seat: forced by the facilitator on turn 1, a bot on turns 2-3, the team on turns 4-5."""
    game = Game(scn, seed=4, humans=["US"], turns=5)
    game.inject(injections.parse(game, "force US withdrawal"))
    game.play()
    game.set_bot("US", True)
    game.play()
    game.play()
    game.set_bot("US", False)
    game.play({"US": "hold"})
    game.play({"US": "hold"})
    assert [r.chosen_by[0] for r in game.history] == ["facilitator", "bot", "bot", "team", "team"]
    band, f = band_and_facts(game)
    return game, band, f, markdown(game, band, f)


# ---------------------------------------------------------------- the defects of issue 10


def test_an_agreement_between_the_us_and_russia_is_asked_about_as_an_agreement(agreement):
    game, band, f = agreement
    assert any(ok for r in game.history for *_, ok in narrate.rounds(r))
    asked = debrief.questions(game, band, f)
    assert any("The United States and Russia reached an agreement on 12 Dec 2019" in q for q in asked), asked
    assert not any("never produced an agreement" in q and "Russia" in q and "United States" in q for q in asked)


def test_turning_points_mark_the_biggest_changes_either_way(agreement):
    game, band, f = agreement
    points = debrief.turning_points(game)
    fall = min(game.history, key=lambda r: r.delta)
    agreed = [r.turn for r in game.history if any(ok for *_, ok in narrate.rounds(r))]
    assert fall.delta < -10 and agreed == [fall.turn]    # the agreement settles the dispute: the biggest fall
    assert points and points[0].turn == fall.turn
    md = markdown(game, band, f)
    assert f"**Turn {fall.turn}, 12 Dec 2019: {fall.delta:+.1f}**" in section(md, "Turning points")


def test_moves_forced_by_the_facilitator_or_played_by_a_bot_are_not_credited_to_the_team(stand_ins):
    game, band, f, md = stand_ins
    cells = {turn: table_row(md, "Timeline", str(turn))[2] for turn in range(1, 6)}
    assert cells[1] == "withdrawal (forced)"
    assert cells[2].endswith("(bot)") and cells[3].endswith("(bot)") and "**" not in cells[2] + cells[3]
    assert cells[4] == cells[5] == "**hold**"
    teams = next(line for line in md.splitlines() if line.startswith("**Teams played:**"))
    assert "the team chose 2 of 5 moves" in teams and "bot" in teams and "turns 2-3" in teams
    payoff = table_row(md, "Payoffs", "United States (US)")
    assert payoff[1] == "team: 2 of 5 moves (1 forced by the facilitator, 2 by the bot)"
    against = section(md, "Your game against the model alone")
    line = next(x for x in against.splitlines() if x.startswith("- Did the United States"))
    assert "withdrawal: yes, first on turn 1, forced by the facilitator (" in line
    asked = debrief.questions(game, band, f)
    carried = next(q for q in asked if "carried out its ultimatum" in q)
    assert "forced by the facilitator" in carried
    # a class that chose fewer than half of its moves is not asked what it did that the model rarely does
    assert not any("What did you do" in q or "Why might people escalate" in q for q in asked)


def test_the_debrief_names_the_rule_each_model_side_played_in_each_turn(scn):
    game = Game(scn, seed=3, humans=["US"], turns=4)
    game.play({"US": "withdrawal"})
    game.play({"US": "hold"})
    game.inject(injections.parse(game, "doctrine RU dove"))
    game.play({"US": "hold"})
    game.play({"US": "hold"})
    md = markdown(game, *band_and_facts(game))
    model = next(line for line in md.splitlines() if "**The model played:**" in line)
    assert "Russia (follows its declared doctrine: " in model and "(reciprocal_measures) in turns 1-2" in model
    assert "then never escalates, whatever the others do (dove) in turns 3-4, the facilitator's doctrine" in model
    assert "NATO (" in model and "(quantal))" in model
    assert "lambda=" not in md and "ratio=" not in md          # parameters are not for a class (issue 22, item 11)


def _escalation_figure(game, band, f, monkeypatch, tmp_path):
    """The escalation figure as `plot_escalation` draws it, before it is saved."""
    import sim.output.plots

    drawn = {}

    def keep(fig, folder, name, fmt="png"):
        drawn[name] = fig
        return Path(folder) / f"{name}.{fmt}"

    monkeypatch.setattr(sim.output.plots, "save_figure", keep)
    debrief.plot_escalation(game, band, f, tmp_path)
    fig = drawn["escalation"]
    fig.canvas.draw()
    return fig


def test_the_date_axis_shows_the_year_with_the_first_month_not_under_the_last(scn, monkeypatch, tmp_path):
    game = Game(scn, seed=3, humans=["US"], turns=8)        # 16 Jan to 13 Sep 2019
    while not game.finished:
        game.play({"US": "hold"})
    fig = _escalation_figure(game, *band_and_facts(game), monkeypatch, tmp_path)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    labels = [t.get_text() for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True) if lo <= x <= hi]
    assert ax.xaxis.get_offset_text().get_text() == ""      # no loose "2019" under September
    assert labels[0] == "Feb\n2019" and labels[1:] == ["Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep"]


def test_a_year_turning_is_labelled_on_its_january(scn, monkeypatch, tmp_path):
    game = Game(scn, seed=3, humans=["US"], turns=13)
    game.play({"US": "hold"})
    game.stop()
    fig = _escalation_figure(game, *band_and_facts(game), monkeypatch, tmp_path)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    labels = [t.get_text() for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True) if lo <= x <= hi]
    assert labels[0].endswith("\n2019") and any(text == "Jan\n2020" for text in labels)
    assert sum("20" in text for text in labels) == 2


def test_a_breakdown_the_facilitator_forced_is_not_asked_about_as_the_class_s_choice(scn):
    game = Game(scn, seed=1, humans=["US"], turns=6)
    game.inject(injections.parse(game, "set risk.h_max=1 risk.k=0.01"))
    game.play({"US": "hold"})
    assert game.incident
    asked = debrief.questions(game, *band_and_facts(game))
    assert not any("What did you do" in q or "Why might people escalate" in q for q in asked), asked
    # the scenario's hazard that turn: Russia's 48 cruise missiles in range of NATO, the ultimatum lapsed
    # (h_max 0.005 x 0.152 x w_exposure 0.2, 0.015%); with h_max 1 and k 0.01: 0.030 ** 0.01
    assert "after the facilitator raised the chance of an incident that turn from 0.02% to 96.57%" in asked[0]
    assert "set risk.h_max=1 risk.k=0.01" in asked[0]


def test_a_host_that_withdraws_its_consent_is_told_and_asked_why(scn):
    hosting = scenario.apply_overrides(scn, {"actors.US.programme.stage": "ready", "actors.US.missiles": 16,
                                             "actors.NATO.hosting": True})
    game = Game(hosting, seed=1, humans=["NATO"], turns=3)
    rec = game.play({"NATO": "withdrawal"})
    told = narrate.turn_sentences(game, rec)
    assert any("NATO (team) withdraws its consent to host the United States' missiles: they no longer reach from "
               "its territory." in t for t in told), told
    asked = debrief.questions(game, *band_and_facts(game))
    assert any("withdraws its consent" in q and "what did the United States lose by it" in q for q in asked), asked


def test_an_incident_the_scenario_made_likely_is_still_asked_about_as_before(scn):
    risky = scenario.apply_overrides(scn, {"risk.h_max": 1.0, "risk.k": 0.01})
    game = Game(risky, seed=1, humans=["US"], turns=6)
    game.play({"US": "hold"})
    assert game.incident
    asked = debrief.questions(game, *band_and_facts(game))
    assert asked[0].startswith("The crisis broke down on 15 Feb 2019") and "Which earlier move" in asked[0]
    assert "facilitator" not in asked[0]


def test_each_sides_score_is_shown_against_the_worst_and_best_the_model_got(agreement):
    game, band, f = agreement
    md = markdown(game, band, f)
    payoffs = section(md, "Payoffs")
    assert np.array_equal(f.broke, (band.incident_turn > 0) & (band.incident_turn <= game.turn))
    for i, side in enumerate(("United States (US)", "Russia (RU)", "NATO (NATO)")):
        m = f.model_totals[:, i]
        held = m[~f.broke] if (~f.broke).any() else m      # a breakdown's war cost would swamp the range
        worst, best = float(held.min()), float(held.max())
        row = table_row(md, "Payoffs", side)
        assert f"{worst:+.2f} to {best:+.2f}" in row
        score = 100 * (f.class_totals[i] - worst) / (best - worst)
        place = (f"{score:.0f} out of 100" if 0 <= score <= 100 else
                 "below the worst" if score < 0 else "above the best")
        assert place in " ".join(row), (row, score)
    assert "0 is the model's worst game and 100 its best" in payoffs


def test_the_debrief_shows_the_score_the_team_pages_showed_and_says_how_it_differs(agreement):
    """Issue 22, item 7: phones said US 9/10 while the debrief said "below the worst": both are right, of
    different things, and the debrief now says both, in the same words as the pages."""
    from sim.play import narrate

    game, band, f = agreement
    payoffs = section(markdown(game, band, f), "Payoffs")
    for i, name in enumerate(narrate.prose_names(game)):
        line = f"{narrate.cap(name)}: **{narrate.side_score(game, i)}** turn by turn"
        assert line in payoffs, (line, payoffs[-800:])
    assert "score on the team pages" in payoffs and "compares whole games" in payoffs


# ---------------------------------------------------------------- what actually happened


def test_the_shipped_history_loads_and_every_event_is_dated_and_sourced(scn):
    from sim.play import history

    past = history.for_scenario(scn)
    assert past is not None and past.path == ROOT / "scenarios" / "history" / "inf_2018.toml"
    dates = [e.date for e in past.events]
    assert dates == sorted(dates) and dates[0] >= scn.scenario.start_date
    for e in past.events:
        assert e.actor and e.what and e.label and e.source.publisher and e.source.title
        assert e.concept is None or e.concept in history.CONCEPTS
        assert e.source.url is None or e.source.url.startswith("https://")
    by_concept = {e.concept: e.date for e in reversed(past.events)}     # the first of each
    assert by_concept["notice"] == dt.date(2019, 2, 2) and by_concept["treaty_ended"] == dt.date(2019, 8, 2)
    assert by_concept["flight_test"] == dt.date(2019, 8, 18)
    assert "never feed a parameter" in " ".join(past.path.read_text().splitlines()[:8]).replace("#", "")
    assert "history" not in scenario.available()          # the lister does not take the folder for a scenario


def test_history_is_read_only_by_its_module_and_used_only_by_the_debrief():
    users = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "sim").rglob("*.py")
                   if re.search(r"sim\.play\.history|from sim\.play import .*\bhistory\b", p.read_text()))
    assert users == ["sim/play/debrief.py"]
    readers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "sim").rglob("*.py")
                     if re.search(r"""["']history["']""", p.read_text()))
    assert readers == ["sim/play/history.py"]


EVENT = "[[event]]\ndate = 2019-02-02\nactor = 'US'\nwhat = 'x'\n"
BAD = [
    ("event = []", "event", "one or more [[event]] tables"),
    ("[[event]]\ndate = '2019-02-02'", "event[0].date = '2019-02-02'", "a date written YYYY-MM-DD"),
    ("[[event]]\ndate = 2018-12-01", "event[0].date = '2018-12-01'", "before the scenario's start"),
    ("[[event]]\ndate = 2019-02-02\nwhen = 1", "event[0].when", "unknown key; allowed: actor, concept"),
    (EVENT + "concept = 'tested'", "event[0].concept = 'tested'", "allowed: notice, suspension"),
    (EVENT + "side = 'CN'", "event[0].side = 'CN'", "allowed: US, RU, NATO"),
    ("[[event]]\ndate = 2019-02-02\nactor = 'US'\nwhat = 'x'\nlabel = 'x'", "event[0].source",
     "a table with publisher, title, date"),
    ("[[event]]\ndate = 2019-02-02\nactor = 'US'\nwhat = 'x'\nlabel = 'x'\n"
     "source = { publisher = 'P', title = 'T', date = 2019-02-02, url = 'javascript:alert(1)' }",
     "event[0].source.url = 'javascript:alert(1)'", "an http:// or https:// address"),
    ("[[event]]\ndate = 2019-02-02\nactor = ''", "event[0].actor = ''", "a non-empty text"),
]


@pytest.mark.parametrize(("body", "key", "allowed"), BAD)
def test_a_bad_history_file_is_one_line_naming_the_file_key_value_and_what_is_allowed(scn, tmp_path, body, key,
                                                                                        allowed):
    from sim.play import history

    path = tmp_path / "inf_2018.toml"
    path.write_text(f'scenario = "inf_2018"\n{body}\n')
    with pytest.raises(SimError) as caught:
        history.load(path, actor_ids=list(scn.actor_ids), start=scn.scenario.start_date)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: {key}") and allowed in message, message


def test_events_out_of_order_and_a_file_for_another_scenario_are_refused(tmp_path):
    from sim.play import history

    event = "[[event]]\ndate = {}\nactor = 'US'\nwhat = 'x'\nlabel = 'x'\n" \
            "source = {{ publisher = 'P', title = 'T', date = 2019-02-02 }}\n"
    path = tmp_path / "inf_2018.toml"
    path.write_text('scenario = "inf_2018"\n' + event.format("2019-03-01") + event.format("2019-02-01"))
    with pytest.raises(SimError, match=r"event\[1\]\.date = '2019-02-01': before event\[0\] \(2019-03-01\)"):
        history.load(path)
    path.write_text('scenario = "other"\n' + event.format("2019-03-01"))
    with pytest.raises(SimError, match=r"scenario = 'other': allowed: 'inf_2018'"):
        history.load(path)
    path.write_text('scenario = "inf_2018\n')
    with pytest.raises(SimError, match="not valid TOML"):
        history.load(path)


def test_the_debrief_shows_what_actually_happened_beside_the_game_and_the_band(scn, tmp_path, monkeypatch):
    game = Game(scn, seed=3, humans=["US"], turns=12)
    moves = ["withdrawal", "hold", "develop", "hold", "dialogue", "dialogue", "hold", "hold", "hold", "hold",
             "hold", "hold"]
    for move in moves:
        game.play({"US": move if move in [a.label for a in game.legal("US")] else "hold"})
    band, f = band_and_facts(game)
    md = markdown(game, band, f)
    past = section(md, "What actually happened after January 2019")
    assert "| 2 Feb 2019 | United States | The United States suspends its obligations" in past
    assert "| 2 Aug 2019 | United States | Six months after the notice" in past
    assert "U.S. Department of State, \"U.S. Withdrawal from the INF Treaty on August 2, 2019\", 2 Aug 2019" in past
    assert "tass.com/defense/1079859" in past and "http" not in past      # an address, not a link: offline
    notice = table_row(md, "What actually happened after January 2019", "notice given to leave the treaty")
    assert notice[1] == "the United States, turn 1 (15 Feb 2019)"
    assert notice[2] == "the United States, 2 Feb 2019 (turn 1)"
    assert notice[3].startswith(f"in {(band.notice_turn > 0).mean():.0%} of runs; median turn 1")
    assert notice[4] == "the same turn"
    ended = table_row(md, "What actually happened after January 2019", "the treaty ends")
    assert ended[2] == "2 Aug 2019 (turn 7)" and ended[4] == "the same turn"
    test = table_row(md, "What actually happened after January 2019", "a flight test of a new missile")
    assert test[1] == "no side by turn 12" and test[2] == "the United States, 18 Aug 2019 (turn 8)"
    # the figure marks the events inside the game's dates, and only those
    fig = _escalation_figure(game, band, f, monkeypatch, tmp_path)
    marks = [t.get_text() for top in fig.axes[0].child_axes for t in top.get_xticklabels()]
    assert "US notice\nRU suspends too" in marks and "treaty ends\nRU pledge" in marks
    assert "US ballistic missile test" in marks and not any("Typhon" in m or "Oreshnik" in m for m in marks)


def test_the_eight_actor_scenario_has_its_own_history_marked_as_after_its_start():
    """Issue 22, item 8: inf_2018_asia's debrief had no "what really happened"; its file adds what the Asian
    sides said and hosted, each with a source, all after the start and never a parameter."""
    from sim.play import history

    asia = scenario.load("inf_2018_asia")
    past = history.for_scenario(asia)
    assert past is not None and past.path == ROOT / "scenarios" / "history" / "inf_2018_asia.toml"
    head = " ".join(past.path.read_text().splitlines()[:8]).replace("#", "")
    assert "never feed a parameter" in head and "AFTER" in head
    dates = [e.date for e in past.events]
    assert dates == sorted(dates) and dates[0] >= asia.scenario.start_date
    assert {"CN", "JP", "KR", "AU"} <= {e.side for e in past.events}
    for e in past.events:
        assert e.actor and e.what and e.label and e.source.publisher and e.source.title
        assert e.source.url is None or e.source.url.startswith("https://")
    game = Game(asia, seed=1, humans=[], turns=2)
    game.play()
    md = markdown(game, *band_and_facts(game, runs=5))
    happened = section(md, next(line for line in md.splitlines() if line.startswith("## What actually happened"))[3:])
    assert "No history file" not in happened and "Morrison" in happened and "Fu Cong" in happened


def test_a_scenario_without_a_history_file_says_so_in_one_line(tmp_path):
    asia = scenario.load("dilemma_2p")
    game = Game(asia, seed=1, humans=[], turns=2)
    game.play()
    game.play()
    md = markdown(game, *band_and_facts(game, runs=5))
    heading = next(line for line in md.splitlines() if line.startswith("## What actually happened"))
    body = section(md, heading[3:]).strip()
    assert body == f"No history file for scenario `{asia.name}`, so this debrief has no timeline to compare with."


# ---------------------------------------------------------------- the files and the page


def test_what_a_person_typed_is_escaped_and_taken_literally_in_the_html(scn, tmp_path):
    named = scenario.apply_overrides(scn, {"actors.US.name": "<b>Team *Eagles*</b>"})
    game = Game(named, seed=2, humans=["US"], turns=3)
    game.inject(Injection(kind="set", turn=1, text="set <script>alert(1)</script> `x` **y**", note="typed",
                          changes={"risk.p_detect": 0.5}))
    game.play({"US": "hold"})
    game.inject(Injection(kind="set", turn=2, text="<img src=x onerror=alert(1)>", note="typed",
                          changes={"risk.p_detect": 0.6}))
    game.stop()
    written = debrief.write_debrief(game, tmp_path / "out", band_runs=5)
    page = written["debrief.html"].read_text()
    assert "<script" not in page and "<img src=x" not in page and "<b>Team" not in page
    assert "&lt;b&gt;Team *Eagles*&lt;/b&gt;" in page and "<em>Eagles</em>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; `x` **y**" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    md = written["debrief.md"].read_text()
    assert r"&lt;b&gt;Team \*Eagles\*&lt;/b&gt;" in md and r"\`x\` \*\*y\*\*" in md


def test_write_debrief_keeps_its_signature_and_writes_every_file(scn, tmp_path):
    game = Game(scn, seed=2, humans=["US"], turns=2)
    game.play({"US": "hold"})
    written = debrief.write_debrief(game, tmp_path / "d", band_runs=5, jobs=1)
    assert list(written) == ["debrief.md", "debrief.html", "slides.html", "escalation.png", "payoffs.png",
                             "band.json", "game.json", "team_US.html"]
    for path in written.values():
        assert path.parent == tmp_path / "d" and path.stat().st_size > 0
    page = written["debrief.html"].read_text()
    assert page.count("data:image/png;base64,") == 2 and "What actually happened after January 2019" in page
    assert np.isfinite(debrief.facts(game, debrief.model_band(game, 5)).percentile).all()


def test_the_timeline_s_notes_are_full_width_lines_in_the_html_and_a_column_in_markdown():
    doc = debrief.Doc()
    doc.table(["turn", "date", "US", "RU", "what happened"],
              [["1", "15 Feb 2019", "hold", "dialogue", "US gives notice"], ["2", "17 Mar 2019", "hold", "hold", "-"]],
              "rlllr", notes=True)
    page = doc.html("t")
    assert "<th>what happened</th>" not in page and page.count('class="noted"') == 1
    assert '<tr class="note"><td colspan="4"><span class="what">what happened:</span> US gives notice</td></tr>' in page
    assert "| turn | date | US | RU | what happened |" in doc.markdown()
    assert "| 2 | 17 Mar 2019 | hold | hold | - |" in doc.markdown()


def test_the_slides_are_the_debrief_one_idea_a_screen_without_commands_with_the_messages(scn, tmp_path):
    """Issue 22, item 11: a presentation for the projector (one slide a screen, keys to move), no developer
    text (commands, file names, rule parameters), and the messages of the game, escaped."""
    game = Game(scn, seed=2, humans=["US"], turns=3)
    for _ in range(3):
        game.play({"US": "hold"})
    said = [{"id": 1, "turn": 1, "sender": "US", "by": "Ana <b>", "to": "all", "text": "<script>x</script> talks?"}]
    written = debrief.write_debrief(game, tmp_path / "d", band_runs=5, messages=said)
    page = written["slides.html"].read_text()
    shown = re.sub(r"<(script|style)>.*?</\1>", "", page, flags=re.S)
    sections = re.findall(r'<section class="slide"', page)
    assert len(sections) >= 8 and page.count("data:image/png;base64,") == 2
    for developer in ("run_sim.py", "game.json", "Replay and continue", "lambda=", "<pre>"):
        assert developer not in shown, developer
    assert "Questions for discussion (1 of 3)" in page and "ArrowRight" in page
    assert "&lt;script&gt;x&lt;/script&gt; talks?" in page and "<script>x</script>" not in page
    assert "US (Ana &lt;b&gt;)" in page
    md = written["debrief.md"].read_text()
    assert "## Messages" in md and "talks?" in md


def test_each_team_gets_a_page_to_grade_with_its_moves_scores_and_messages(scn, tmp_path):
    """Issue 22: an export per team for grading (its moves, who chose them, its scores, its messages)."""
    game = Game(scn, seed=2, humans=["US", "RU"], turns=2)
    game.play({"US": "hold", "RU": "dialogue"})
    game.play({"US": "withdrawal", "RU": "hold"})
    said = [{"turn": 1, "sender": "US", "by": "Ana", "to": "RU", "text": "a private word"},
            {"turn": 2, "sender": "NATO", "by": "", "to": "all", "text": "to everyone"},
            {"turn": 2, "sender": "RU", "by": "Boris", "to": "NATO", "text": "not for the US"}]
    written = debrief.write_debrief(game, tmp_path / "d", band_runs=5, messages=said)
    us = written["team_US.html"].read_text()
    assert "Team US: United States" in us and '<strong><span class="mv withdrawal">withdrawal</span></strong>' in us
    assert "the team chose 2 of its 2 moves" in us and "Turn by turn (as on the team's page)" in us
    assert "a private word" in us and "to everyone" in us and "not for the US" not in us
    assert "not for the US" in written["team_RU.html"].read_text()
