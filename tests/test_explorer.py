"""The model explorer (sim/app.py): its controls build the model, its plots show the datacollector's data,
and the page steps and resets, in Python and in a real browser with the network closed."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from sim.core import scenario

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")

# sim/app.py imports solara and Mesa's SolaraViz: 3-4 s, paid by the first test here (the `app` fixture), not at
# collection, so that `make test-fast`, which leaves this file out, does not pay it
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sim import app
    return app


def stepped(app, turns: int = 4, **params):
    """A model built from the controls' values (as Reset builds it), stepped `turns` times, and the moves
    the agents made on each step, read from the agents themselves."""
    model = app.ExplorerModel(**{**app.initial_parameters(), **params})
    moves = []
    for _ in range(turns):
        model.step()
        moves.append({a.actor_id: a.move.label for a in model.nations})
    return model, moves


def test_importing_sim_does_not_import_solara():
    code = ("import sys, sim, sim.engine.model, sim.api, sim.cli; sim.EscalationModel; "
            "bad = {'solara', 'sim.app', 'mesa.visualization'} & set(sys.modules); assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_controls_are_keywords_of_the_model_and_their_defaults_change_nothing(app):
    from mesa.visualization.solara_viz import _check_model_params, split_model_params

    from sim.engine.model import EscalationModel

    _check_model_params(app.ExplorerModel.__init__, app.MODEL_PARAMS)   # what SolaraViz checks on the page
    adjustable, fixed = split_model_params(app.MODEL_PARAMS)
    assert set(adjustable) == set(app.MODEL_PARAMS) and not fixed
    assert app.MODEL_PARAMS["scenario"]["values"] == scenario.available()      # every shipped scenario
    assert {"dilemma_2p", "inf_2018", "inf_2018_asia"} <= set(scenario.available())
    model, _ = stepped(app, 6)
    plain = EscalationModel("inf_2018", seed=42)
    for _ in range(6):
        plain.step()
    a = model.datacollector.get_model_vars_dataframe()
    b = plain.datacollector.get_model_vars_dataframe()
    assert a.equals(b)
    assert model.scenario.raw() == plain.scenario.raw()


def test_the_sliders_change_the_scenario_they_name(app):
    model = app.ExplorerModel(h_max=0.02, lambda_factor=0.5, audience_factor=2.0)
    scn = model.scenario
    assert scn.risk.h_max == 0.02
    rules = {a.id: a.rule for a in scn.actors}
    assert rules["US"] == {"name": "quantal", "lambda": 1.0} and rules["NATO"]["lambda"] == 1.0
    assert rules["RU"] == {"name": "reciprocal_measures"}          # no lambda: left as it is
    assert [a.payoff.audience_cost for a in scn.actors] == [6.0, 6.0, 6.0]
    two = app.ExplorerModel(scenario="dilemma_2p", lambda_factor=2.0, audience_factor=0.5).scenario
    assert two.name == "dilemma_2p"
    assert two.actors[0].rule["lambda"] == 6.0                    # Blue's own 3.0, doubled
    assert [a.payoff.audience_cost for a in two.actors] == [0.5, 0.5]


def test_lambda_scaling_reaches_presets_and_scripted_fallbacks_and_keeps_best_response(app):
    assert app.scaled_rule({"name": "reinforcement_learning"}, 0.5)["lambda"] == 1.0   # EWA's default 2
    assert app.scaled_rule({"name": "fictitious_play"}, 3.0)["lambda"] == math.inf
    scripted = app.scaled_rule({"name": "scripted", "moves": {}, "then": {"name": "quantal", "lambda": 4}}, 0.25)
    assert scripted["then"] == {"name": "quantal", "lambda": 1.0}
    assert app.scaled_rule({"name": "hawk"}, 2.0) is None


def test_the_seed_box(app):
    assert app.parse_seed("7") == 7 and app.parse_seed(" 1_000 ") == 1000 and app.parse_seed(3) == 3
    drawn = app.parse_seed("  ")
    assert 0 <= drawn < 10**9
    with pytest.raises(ValueError, match="allowed: a whole number"):
        app.parse_seed("abc")
    model = app.ExplorerModel(seed="")
    assert f"seed {model.seed}" in app.status_text(model)
    typo = app.ExplorerModel(seed="4x2")                   # on the page: a new seed and a note, not a crash
    assert 0 <= typo.seed < 10**9 and app.controls_text(typo).startswith("seed '4x2'; allowed: a whole number")
    again = app.ExplorerModel(seed=str(model.seed))        # the seed shown replays the run
    for m in (model, again):
        for _ in range(5):
            m.step()
    assert model.datacollector.get_model_vars_dataframe().equals(again.datacollector.get_model_vars_dataframe())


def test_the_plotted_data_is_the_datacollectors(app):
    model, moves = stepped(app, 8)
    dc = model.datacollector.get_model_vars_dataframe()
    table = app.escalation_table(model)
    assert list(table["turn"]) == list(range(9)) == list(dc["turn"])
    assert list(table["date"].dt.date.astype(str)) == list(dc["date"])
    np.testing.assert_allclose(table["escalation"], dc["escalation"])
    parts = table[["esc_ladder", "esc_treaty", "esc_missiles", "esc_arming", "esc_demands"]].sum(axis=1)
    np.testing.assert_allclose(parts, dc["escalation"], atol=1e-9)   # the stacked components add up to the line

    fig = app.escalation_figure(model)
    line = fig.axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), dc["escalation"])
    assert len(line.get_xdata()) == 9
    assert fig.axes[0].get_xlabel().startswith("date") and fig.axes[0].child_axes[0].get_xlabel() == "turn"

    shares = app.move_shares(model)
    for actor in shares.index:
        played = [turn[actor] for turn in moves]
        for move in shares.columns:
            assert shares.loc[actor, move] == pytest.approx(played.count(move) / len(played))
    bars = app.moves_figure(model).axes[0].patches
    widths = np.array([b.get_width() for b in bars]).reshape(len(shares.columns), len(shares.index))
    np.testing.assert_allclose(widths.T, shares.to_numpy())


def test_before_the_first_turn_no_move_is_counted(app):
    model = app.ExplorerModel()
    assert app.move_shares(model).to_numpy().sum() == 0        # the scenario's last moves are history
    assert "no turn played yet" in app.moves_figure(model).axes[0].get_xlabel()
    assert app.status_text(model).startswith("Turn 0 of 60, 16 January 2019")


def _rendered_texts(rc) -> list[str]:
    import ipyvuetify as v

    # text spans (solara.Text): the turn counter of the page and Mesa's "Step: N"
    return [c for w in rc.find(v.Html, tag="span").widgets for c in w.children if isinstance(c, str)]


def test_the_page_steps_and_resets_its_model(app):
    import ipyvuetify as v
    import ipywidgets as w
    import solara

    model = app.ExplorerModel(**app.initial_parameters())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # Mesa's ComponentsView trips solara's hook check
        _, rc = solara.render(solara.AppLayout(children=[app.explorer(model)]), handle_error=False)
    images = lambda: [bytes(i.value) for i in rc.find(w.Image).widgets]  # noqa: E731
    before = images()
    assert len(before) == 2 and "Turn 0 of 60, 16 January 2019" in " ".join(_rendered_texts(rc))
    step = rc.find(v.Btn, children=["Step"]).widget
    for _ in range(3):
        step.click()
    assert model.steps == 3 and model.turn == 3
    texts = " ".join(_rendered_texts(rc))
    assert "Turn 3 of 60, 16 April 2019" in texts and "Step: 3" in texts
    after = images()
    assert all(a != b for a, b in zip(before, after, strict=True))      # both plots were redrawn
    rc.find(v.Btn, children=["▶"]).assert_single()                       # play/pause is there

    rc.find(v.Select, label="Scenario").widget.v_model = "dilemma_2p"
    seed = rc.find(v.TextField).widget
    seed.v_model = "5"
    seed.fire_event("keyup.enter", None)                 # the box takes a value on Enter or leaving it
    rc.find(v.Slider, label="Breakdown risk").widget.v_model = 0.02
    assert "risk.h_max 0.005" in " ".join(_rendered_texts(rc))          # not before Reset
    rc.find(v.Btn, children=["Reset"]).widget.click()
    texts = " ".join(_rendered_texts(rc))
    assert "Turn 0 of 36" in texts and "dilemma_2p, seed 5" in texts
    assert "2.0% a turn (risk.h_max 0.02)" in texts
    assert model.steps == 3                                              # Reset made a new model


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                    "(apt-get install -y chromium); CI installs it")
def test_the_served_page_works_offline_in_a_browser(tmp_path):
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ,
           # nothing may come from the internet: a request solara would fetch from its CDN goes to a closed
           # port and fails (the assets must be in the package: solara-assets), and no telemetry is sent
           "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/npm/", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    log = (tmp_path / "solara.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "solara", "run", "sim/app.py", "--host", "127.0.0.1",
                               "--port", str(port), "--production", "--no-open"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "solara.log").read_text()
                assert time.monotonic() < deadline, "solara did not start in 180 s"
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"])
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            outside, failed = [], []

            def only_local(route):
                if route.request.url.startswith(url):
                    route.continue_()
                else:                               # the network is closed to the page
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", only_local)
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.goto(url, timeout=180_000)
            status = page.locator(".explorer-status")
            status.wait_for(timeout=180_000)
            assert status.inner_text().startswith("Turn 0 of 60")
            plots = page.locator(".vue-grid-item img")            # SolaraViz's grid loaded, with both plots
            plots.nth(1).wait_for(timeout=60_000)
            first = plots.nth(0).get_attribute("src")
            step = page.get_by_role("button", name="Step")
            for turn in range(1, 4):
                step.click()
                page.wait_for_function(f"document.querySelector('.explorer-status').innerText"
                                       f".startsWith('Turn {turn} of 60')", timeout=60_000)
            page.get_by_text("Step: 3").wait_for(timeout=10_000)
            assert plots.nth(0).get_attribute("src") != first
            turn = "parseInt(document.querySelector('.explorer-status').innerText.split(' ')[1])"
            page.get_by_role("button", name="▶").click()                  # play ...
            page.wait_for_function(f"{turn} >= 12", timeout=120_000)
            page.get_by_role("button", name="❚❚").click()                 # ... and pause
            page.wait_for_function("!document.evaluate(\"//button[contains(., 'Step')]\", document, null, "
                                   "XPathResult.FIRST_ORDERED_NODE_TYPE).singleNodeValue.disabled")
            # Mesa's play loop may finish a turn or so after the pause (more on a busy machine): the turn
            # must then stop changing
            last, since, deadline = page.evaluate(turn), time.monotonic(), time.monotonic() + 30
            while time.monotonic() - since < 3:
                assert time.monotonic() < deadline, "still playing 30 s after the pause"
                page.wait_for_timeout(250)
                if (now := page.evaluate(turn)) != last:
                    last, since = now, time.monotonic()
            assert 12 <= last < 60
            page.screenshot(path=str(tmp_path / "explorer.png"))
            if os.environ.get("EXPLORER_SCREENSHOT"):
                page.screenshot(path=os.environ["EXPLORER_SCREENSHOT"])
            browser.close()
        assert not outside, f"the page asked the internet for {outside}"
        assert not failed, f"requests that failed: {failed}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
