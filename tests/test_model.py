"""EscalationModel steps as Mesa users expect."""

import mesa
import numpy as np
import pytest

from sim.core.actions import Action
from sim.core.errors import ScenarioError, SimError
from sim.core.scenario import apply_overrides
from sim.engine.agents import NationAgent
from sim.engine.model import EscalationModel


def test_model_has_one_nation_agent_per_actor(inf):
    model = EscalationModel(scenario=inf, rng=3)
    assert isinstance(model, mesa.Model)
    assert len(model.agents) == 3
    assert all(isinstance(a, NationAgent) for a in model.agents)
    assert [a.actor_id for a in model.nations] == ["US", "RU", "NATO"]
    assert model.nations[0].move is Action.ULTIMATUM           # the scenario's last move
    assert model.agents.select(lambda a: a.actor_id == "RU")[0].missiles == 48


def test_step_advances_one_turn_and_collects(inf):
    model = EscalationModel(scenario=inf, rng=3, turns=4)
    model.step()
    assert model.turn == 1 and model.steps == 1
    assert model.date == "2019-02-15"
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == ["turn", "date", "escalation", "esc_ladder", "esc_treaty", "esc_missiles",
                                   "esc_arming", "esc_demands", "rung", "treaty", "incident"]
    assert len(frame) == 2 and 0 <= frame["escalation"].iloc[-1] <= 100
    agents = model.datacollector.get_agent_vars_dataframe()
    assert {"actor", "action", "missiles", "ordered", "programme", "hosting", "payoff",
            "credibility"} <= set(agents.columns)
    assert set(agents.loc[1, "action"]) <= {a.label for a in Action}
    while model.running:
        model.step()
    assert model.turn == 4 and not model.running
    model.step()                                              # a finished model stays finished
    assert model.turn == 4


def test_agents_choose_in_step_by_agentset_do_and_moves_are_simultaneous(inf):
    model = EscalationModel(scenario=inf, rng=8)
    before = model.crisis.state.copy()
    model.agents.do("step")
    # deciding changes nothing in the world until the model resolves the turn
    assert np.array_equal(before.missiles, model.crisis.state.missiles)
    chosen = [a.move for a in model.nations]
    model.step()
    assert [a.move for a in model.nations] == chosen


def test_seed_is_recorded_when_not_given(inf):
    model = EscalationModel(scenario=inf, turns=3)
    again = EscalationModel(scenario=inf, rng=model.seed, turns=3)
    for m in (model, again):
        while m.running:
            m.step()
    a = model.datacollector.get_model_vars_dataframe()
    b = again.datacollector.get_model_vars_dataframe()
    assert a.equals(b)


def test_scenario_by_name(inf):
    model = EscalationModel("dilemma_2p", rng=1)
    assert [a.actor_id for a in model.nations] == ["BLUE", "RED"]


def test_seed_and_rng_are_taken_as_mesa_model_takes_them(inf):
    by_rng = EscalationModel(scenario=inf, rng=3, turns=3)
    by_seed = EscalationModel(scenario=inf, seed=3, turns=3)
    assert by_rng.seed == by_seed.seed == 3
    drawn = EscalationModel(scenario=inf, rng=np.random.default_rng(11), turns=3)
    assert drawn.seed == EscalationModel(scenario=inf, rng=np.random.default_rng(11), turns=3).seed
    with pytest.raises(SimError, match="seed and rng both given"):
        EscalationModel(scenario=inf, seed=1, rng=2)
    with pytest.raises(SimError, match="seed/rng = -4"):
        EscalationModel(scenario=inf, seed=-4)


def test_any_scenario_value_is_a_keyword_with_double_underscores(inf):
    model = EscalationModel("inf_2018", rng=1, turns=2, risk__h_max=0.02, actors__US__rule__lambda=4.0)
    assert model.scenario.risk.h_max == 0.02
    assert model.scenario.actors[0].rule["lambda"] == 4.0
    with pytest.raises(ScenarioError, match=r"risk\.h_maxx"):
        EscalationModel("inf_2018", rng=1, risk__h_maxx=0.02)


def test_agents_learn_the_turn_in_advance(inf, monkeypatch):
    calls = []
    original = NationAgent.advance
    monkeypatch.setattr(NationAgent, "advance", lambda self: (calls.append(self.actor_id), original(self)))
    model = EscalationModel(scenario=inf, rng=2, turns=2)
    model.step()
    assert calls == ["US", "RU", "NATO"]


def test_batch_run_sweeps_a_scenario_value_and_each_replica_is_that_run_of_the_ensemble(inf):
    from mesa.batchrunner import batch_run

    from sim.engine.ensemble import run_lockstep

    rows = batch_run(EscalationModel, parameters={"scenario": "inf_2018", "rng": 9, "replica": range(3),
                                                  "turns": 6, "risk__h_max": [0.005, 0.03]},
                     iterations=1, max_steps=10, display_progress=False)
    final = {(r["risk__h_max"], r["replica"]): r["escalation"] for r in rows if r["AgentID"] == 1}
    assert len(final) == 6
    for h in (0.005, 0.03):
        scn = apply_overrides(inf, {"risk.h_max": h}).with_turns(6)
        batch = run_lockstep(scn, 9, np.arange(3), 6)
        for r in range(3):
            assert final[(h, r)] == pytest.approx(batch.escalation[r, batch.last_turn[r]], abs=1e-12)
