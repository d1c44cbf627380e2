"""The Asia scenario (inf_2018 plus Poland, China and the US allies in Asia: 8 actors): valid, same under
both engines, hosts own nothing, and either European host's consent brings US missiles within reach of
Russia."""

import numpy as np
import pytest

from conftest import calm_draws, moves
from sim.core import scenario
from sim.core.actions import Action
from sim.core.codes import PRODUCTION
from sim.core.params import compile_params
from sim.engine.ensemble import run_lockstep, run_mesa
from sim.engine.initial import initial_state
from sim.kernel import dynamics
from sim.output.results import BatchResult


@pytest.fixture(scope="module")
def asia():
    return scenario.load("inf_2018_asia")


def test_asia_scenario_validates(asia):
    assert asia.actor_ids == ["US", "RU", "NATO", "PL", "CN", "JP", "KR", "AU"]
    hosts = [a.id for a in asia.actors if a.host_for is not None]
    assert hosts == ["NATO", "PL", "JP", "KR", "AU"]
    assert all(a.host_for == "US" for a in asia.actors if a.host_for)
    china = next(a for a in asia.actors if a.id == "CN")
    assert not china.treaty_party and china.programme.stage == "ready" and china.missiles > 0


@pytest.mark.parametrize("seed", [0, 3])
def test_asia_engines_agree_byte_for_byte(asia, seed):
    runs = np.arange(3)
    a, b = run_mesa(asia, seed, runs, 8), run_lockstep(asia, seed, runs, 8)
    for f in BatchResult.__dataclass_fields__:
        x, y = np.ascontiguousarray(getattr(a, f)), np.ascontiguousarray(getattr(b, f))
        assert x.dtype == y.dtype and x.shape == y.shape, f
        assert x.tobytes() == y.tobytes(), f


@pytest.mark.parametrize("overrides", [{}, {"actors.US.programme": {"stage": "ready"},
                                            "actors.JP.payoff.host_cost": 0.0, "actors.KR.payoff.host_cost": 0.0}])
def test_asia_hosts_never_own_missiles(asia, overrides):
    # the second case makes hosting likely: the US system is ready and two hosts pay nothing to consent
    scn = scenario.apply_overrides(asia, overrides) if overrides else asia
    ids = scn.actor_ids
    hosts = [ids.index(a.id) for a in scn.actors if a.host_for is not None]
    res = run_lockstep(scn, 1, np.arange(6), 24)
    assert np.all(res.missiles[:, :, hosts] <= 0)   # -1 marks turns after a run ended in an incident
    assert np.all(res.ordered[:, :, hosts] == 0)


@pytest.mark.parametrize("host", ["NATO", "PL"])
def test_either_european_host_alone_brings_us_missiles_within_reach_of_russia(asia, host):
    params = compile_params(asia)
    ids = asia.actor_ids
    us, ru, h = ids.index("US"), ids.index("RU"), ids.index(host)
    s = initial_state(asia, params, 1)
    s.stage[0, us], s.stage_left[0, us] = PRODUCTION, 5
    assert not dynamics.hits(s, params)[0, us, ru]        # from US soil nothing reaches Russia
    joint = moves(*[int(Action.DEPLOYMENT) if k == h else int(Action.HOLD) for k in range(len(ids))])
    nxt, _ = dynamics.step(s, joint, params, 1, calm_draws(len(ids)))
    hosting = [ids[k] for k in np.flatnonzero(nxt.hosting[0])]
    assert hosting == [host]
    assert dynamics.hits(nxt, params)[0, us, ru] and not dynamics.hits(nxt, params)[0, us, ids.index("CN")]
