"""The Asia scenario (inf_2018 plus China and the US allies in Asia): valid, same under both engines,
hosts own nothing."""

import numpy as np
import pytest

from sim import scenario
from sim.ensemble import run_lockstep, run_mesa
from sim.results import BatchResult


@pytest.fixture(scope="module")
def asia():
    return scenario.load("inf_2018_asia")


def test_asia_scenario_validates(asia):
    assert asia.actor_ids == ["US", "RU", "NATO", "CN", "JP", "KR", "AU"]
    hosts = [a.id for a in asia.actors if a.host_for is not None]
    assert hosts == ["NATO", "JP", "KR", "AU"]
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
