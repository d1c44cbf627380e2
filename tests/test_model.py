"""EscalationModel steps as Mesa users expect."""

import mesa
import numpy as np

from sim.actions import Action
from sim.agents import NationAgent
from sim.model import EscalationModel


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
    assert list(frame.columns) == ["turn", "date", "escalation", "esc_treaty", "esc_missiles", "esc_arming",
                                   "esc_demands", "rung", "treaty", "incident"]
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


def test_agents_decide_by_agentset_do_and_moves_are_simultaneous(inf):
    model = EscalationModel(scenario=inf, rng=8)
    before = model.crisis.state.copy()
    model.agents.do("decide")
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
