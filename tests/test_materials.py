"""`run_sim.py materials` and `sim.briefing`: role cards, primer and glossary; briefings in the scenario."""

from __future__ import annotations

import contextlib
import fnmatch
import io
import re
import tomllib
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from sim import cli
from sim.briefing import briefing
from sim.core import scenario
from sim.core.actions import MOVE_NAMES
from sim.core.errors import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
INF_PAGES = {"index.html", "cards.html", "primer.html", "glossary.html", "card_US.html", "card_RU.html",
             "card_NATO.html"}


def pages(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix == ".html"}


def run(args, capsys):
    status = cli.main(["materials", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def inf_pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("materials") / "inf"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):   # capsys is per test
        status = cli.main(["materials", "inf_2018", "--out", str(out)])
    assert status == 0, stderr.getvalue()
    assert stderr.getvalue() == "" and f"{out}/index.html" in stdout.getvalue()
    return pages(out)


def test_the_command_writes_a_card_per_actor_a_primer_a_glossary_and_an_index(inf_pages):
    assert set(inf_pages) == INF_PAGES
    inf = scenario.load("inf_2018")
    for actor in inf.actors:
        card = inf_pages[f"card_{actor.id}.html"]
        b = briefing(inf, actor.id)
        assert f"<h1>{actor.name}</h1>" in card and "for this team only" in card.lower()
        assert all(f'<th class="move">{label}</th>' in card for label, _ in b.moves)
        assert f'href="card_{actor.id}.html"' in inf_pages["index.html"]
        assert f'id="{actor.id}"' in inf_pages["cards.html"]          # every card, for printing in one go
    for term in ("Credibility", "Audience cost", "Violation", "Notice", "Hazard", "Escalation index"):
        assert f"<dt>{term}</dt>" in inf_pages["glossary.html"]
    assert all(f'<span class="move">{m}</span>' in inf_pages["glossary.html"] for m in MOVE_NAMES)


def _plain(html: str) -> str:
    """The text of a page as one line, apostrophes and quotes unescaped."""
    return " ".join(html.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&").split())


def test_a_sides_private_intelligence_is_on_its_own_card_only(inf_pages):
    inf = scenario.load("inf_2018")
    for actor in inf.actors:
        secrets = briefing(inf, actor.id).intelligence
        assert secrets
        for name, html in inf_pages.items():
            text = _plain(html)
            for item in secrets:
                shown = item in text
                assert shown == (name in (f"card_{actor.id}.html", "cards.html")), (name, item)


def test_the_primer_stops_in_january_2019(inf_pages):
    text = _plain(re.sub(r"<[^>]+>", " ", inf_pages["primer.html"]))
    years = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", text)}
    assert max(years) == 2019 and "1987" in text
    # 2019 only as the start (January) and the deadline of the US demand set on 4 December 2018
    for match in re.finditer(r"(\w+) 2019", text):
        assert match.group(1) in ("January", "February"), match.group(0)
    assert "2 February 2019" in text or "02 February 2019" in text


def test_briefings_in_the_scenario_speak_of_nothing_after_january_2019():
    raw = tomllib.loads((ROOT / "scenarios" / "inf_2018.toml").read_text())
    for actor in raw["actors"]:
        spec = actor["briefing"]
        text = " ".join([spec["background"], *spec["objectives"], *spec["knows"], *spec["intelligence"]])
        assert not re.search(r"\b20(19|[2-9]\d)\b", text.replace("16 January 2019", "").replace(
            "15 January 2019", "").replace("2 February 2019", "")), actor["id"]


def test_the_pages_print_on_a4_one_card_a_page_and_load_nothing_from_elsewhere(inf_pages):
    for name, html in inf_pages.items():
        assert "@media print" in html and "size: A4" in html, name
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), name
        assert "@import" not in html and "url(" not in html and "<script" not in html, name
    assert "break-after: page" in inf_pages["cards.html"]


def test_scenario_text_is_escaped_never_run(tmp_path, capsys):
    text = (ROOT / "scenarios" / "dilemma_2p.toml").read_text()
    text = text.replace('title = "Two-player arms-race dilemma"', 'title = "<script>alert(1)</script> & co"')
    text = text.replace('name = "Blue"', 'name = "Blue <img src=x onerror=alert(2)>"')
    text = text.replace('background = "You are Red.', 'background = "</p><script>alert(3)</script>You are Red.')
    (tmp_path / "evil.toml").write_text(text)
    out = tmp_path / "out"
    status, _, err = run([tmp_path / "evil.toml", "--out", out], capsys)
    assert status == 0, err
    written = pages(out)
    assert set(written) == {"index.html", "cards.html", "primer.html", "glossary.html", "card_BLUE.html",
                            "card_RED.html"}
    for name, html in written.items():
        assert "<script" not in html and "<img" not in html, name
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in written["index.html"]
    assert "Blue &lt;img src=x onerror=alert(2)&gt;" in written["card_BLUE.html"]
    assert "&lt;/p&gt;&lt;script&gt;alert(3)&lt;/script&gt;You are Red." in written["card_RED.html"]


def test_a_scenario_without_a_briefing_table_gets_one_derived_from_it():
    raw = scenario.load("inf_2018_asia").raw()
    for actor in raw["actors"]:
        actor.pop("briefing", None)
    scn = scenario.from_dict(raw)
    for actor_id in scn.actor_ids:
        b = briefing(scn, actor_id)
        assert b.background.startswith(scn.scenario.description.strip()) and f"You play {b.name}" in b.background
        assert b.objectives and b.knows and b.moves
    us = briefing(scn, "US")
    assert "United States: demands that Russia comply by 2 February 2019." in us.knows


def test_each_side_is_offered_only_the_moves_it_can_ever_play():
    inf = scenario.load("inf_2018")
    labels = {a: [label for label, _ in briefing(inf, a).moves] for a in inf.actor_ids}
    assert labels["US"] == list(MOVE_NAMES) and labels["RU"] == list(MOVE_NAMES)
    # a host and no party: its withdrawal is of its consent
    assert labels["NATO"] == ["dialogue", "hold", "ultimatum", "withdrawal", "deployment"]
    nato_deploy = dict(briefing(inf, "NATO").moves)["deployment"]
    assert "Consent to host" in nato_deploy and "United States" in nato_deploy
    nato_withdraw = dict(briefing(inf, "NATO").moves)["withdrawal"]
    assert "Withdraw your consent to host the missiles of United States" in nato_withdraw
    assert "16 missiles" in dict(briefing(inf, "US").moves)["deployment"]
    # no treaty, both ready: nothing to withdraw from or develop, but a demand to remove missiles or halt
    # a programme can be made, and met
    dilemma = scenario.load("dilemma_2p")
    assert [label for label, _ in briefing(dilemma, "RED").moves] == ["dialogue", "hold", "comply", "ultimatum",
                                                                      "deployment"]


def test_a_briefing_is_frozen_and_names_an_actor_of_the_scenario():
    inf = scenario.load("inf_2018")
    b = briefing(inf, "RU")
    assert (b.actor_id, b.name, b.adversaries) == ("RU", "Russia", ("United States", "NATO"))
    with pytest.raises(FrozenInstanceError):
        b.name = "x"  # type: ignore[misc]
    with pytest.raises(KeyError, match="allowed: US, RU, NATO"):
        briefing(inf, "CN")


def test_the_schema_refuses_an_unknown_briefing_key_with_one_line(tmp_path, cli_main):
    raw = scenario.load("inf_2018").raw()
    raw["actors"][1]["briefing"]["secrets"] = ["x"]
    with pytest.raises(ScenarioError) as exc:
        scenario.from_dict(raw, source="s.toml")
    assert str(exc.value) == ("s.toml: actors.RU.briefing.secrets = ['x']: unknown key; allowed: background, "
                              "objectives, knows, intelligence")
    raw["actors"][1]["briefing"] = {"objectives": "not a list"}
    with pytest.raises(ScenarioError, match=r"actors\.RU\.briefing\.objectives"):
        scenario.from_dict(raw)
    text = (ROOT / "scenarios" / "dilemma_2p.toml").read_text().replace("[actors.briefing]\n",
                                                                        "[actors.briefing]\nsecret = 1\n", 1)
    (tmp_path / "bad.toml").write_text(text)
    done = cli_main("materials", tmp_path / "bad.toml", "--out", tmp_path / "out")
    assert done.status == 2 and done.err.count("\n") == 1 and "Traceback" not in done.err
    assert "actors.BLUE.briefing.secret = 1: unknown key" in done.err
    assert not (tmp_path / "out").exists()


def test_an_unknown_scenario_is_one_line_and_writes_nothing(tmp_path, capsys):
    status, out, err = run(["no_such_scenario", "--out", tmp_path / "out"], capsys)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: ") and "no such scenario file" in err
    assert not (tmp_path / "out").exists()


def test_a_folder_the_program_did_not_make_is_refused_unless_forced(tmp_path, capsys):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    status, _, err = run(["inf_2018", "--out", out], capsys)
    assert status == 2 and err.count("\n") == 1 and "not written by run_sim.py" in err and "--force" in err
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    status, _, err = run(["inf_2018", "--out", out / "mine.txt"], capsys)      # a file, not a folder
    assert status == 2 and err.count("\n") == 1 and "is a file" in err
    assert (out / "mine.txt").read_text() == "keep me"
    status, _, err = run(["inf_2018", "--out", out, "--force"], capsys)
    assert status == 0, err
    assert (out / "mine.txt").read_text() == "keep me" and {p.name for p in out.iterdir()} >= INF_PAGES


def test_writing_again_replaces_the_pages_and_drops_cards_of_another_scenario(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(["inf_2018", "--out", out], capsys)[0] == 0
    assert run(["dilemma_2p", "--out", out], capsys)[0] == 0
    names = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert names == {"index.html", "cards.html", "primer.html", "glossary.html", "card_BLUE.html", "card_RED.html"}
    assert "Two-player arms-race dilemma" in (out / "index.html").read_text()


def test_the_templates_ship_in_the_wheel():
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert {"sim.materials", "sim.materials.templates"} <= set(tool["packages"])
    globs = tool["package-data"]["sim.materials.templates"]
    folder = ROOT / "sim" / "materials" / "templates"
    for path in folder.iterdir():
        rel = path.relative_to(folder).as_posix()
        assert any(fnmatch.fnmatch(rel, g) for g in globs), rel


def test_help_says_how_to_make_a_pdf(capsys):
    with pytest.raises(SystemExit):
        cli.main(["materials", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "print it to PDF" in text and "default results/materials_SCENARIO" in text and "examples:" in text
