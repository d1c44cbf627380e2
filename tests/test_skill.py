"""Forecast scores (sim/analysis/skill.py): the Brier score, its skill against a reference and the runs a share
needs, against hand-computed cases and their definitions."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.analysis.skill import brier, mean_brier, runs_for, share_interval, skill
from sim.calibration import draws
from sim.core import scenario

shares = st.floats(0, 1, allow_nan=False)
cases = st.lists(st.tuples(shares, st.sampled_from([0, 1])), min_size=1, max_size=20)


def test_brier_by_hand():
    assert brier([0.8, 0.3, 0.5], [1, 0, 1]) == pytest.approx([0.04, 0.09, 0.25])
    assert mean_brier([0.8, 0.3, 0.5], [1, 0, 1]) == pytest.approx(0.38 / 3)
    assert mean_brier([0.5] * 4, [1, 0, 1, 1]) == pytest.approx(0.25)       # a constant 0.5 scores 0.25


def test_a_perfect_forecast_scores_0_and_has_skill_1():
    outcome = [1, 0, 1, 1]
    assert mean_brier(outcome, outcome) == 0
    assert skill(mean_brier(outcome, outcome), mean_brier([0.5] * 4, outcome)) == 1


def test_skill_by_hand():
    # 0.1 against the 0.25 of a constant 0.5: 60% of the way from the reference to a perfect forecast
    assert skill(0.1, 0.25) == pytest.approx(0.6)
    assert skill(0.5, 0.25) == pytest.approx(-1.0)    # worse than the reference
    assert math.isnan(skill(0.1, 0.0))                # a perfect reference cannot be beaten


def test_bad_forecasts_are_refused():
    with pytest.raises(ValueError):
        brier([1.2], [1])
    with pytest.raises(ValueError):
        brier([0.5], [0.5])
    with pytest.raises(ValueError):
        brier([0.5, 0.5], [1])


@given(cases)
def test_brier_lies_in_0_1(pairs):
    f, o = zip(*pairs, strict=True)
    scores = brier(list(f), list(o))
    assert np.all((scores >= 0) & (scores <= 1))
    assert 0 <= mean_brier(list(f), list(o)) <= 1


@given(cases)
def test_the_reference_has_no_skill_against_itself(pairs):
    f, o = zip(*pairs, strict=True)
    score = mean_brier(list(f), list(o))
    assert skill(score, score) == 0 or score == 0


@given(shares, st.sampled_from([0.005, 0.01, 0.02]))
def test_runs_for_is_the_smallest_n_meeting_its_definition(p, h):
    n = runs_for(p, h)
    half = lambda runs: 1.96 * math.sqrt(p * (1 - p) / runs)   # noqa: E731
    assert half(n) <= h + 1e-12
    assert n == 1 or half(n - 1) > h


def test_runs_for_by_hand():
    assert runs_for(0.5) == 9604          # 0.25 * (1.96 / 0.01)^2
    assert runs_for(0.1) == 3458          # 0.09 * 38416 = 3457.44
    assert runs_for(0.0) == runs_for(1.0) == 1
    with pytest.raises(ValueError):
        runs_for(1.5)


def test_share_interval_is_wilson_and_holds_the_share():
    low, high = share_interval(0, 200)
    assert low == 0 and 0.018 < high < 0.02             # 0 of 200: [0, 1.9%], not [0, 0]
    low, high = share_interval(120, 400)
    assert low < 0.3 < high and high - low == pytest.approx(2 * 1.96 * math.sqrt(0.3 * 0.7 / 400), abs=0.002)


# bench/skill.py, the figures of docs/validation.md (e): runs are counted in run order whatever their parameters

@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    import skill as bench_skill
    return bench_skill


def test_a_subset_of_runs_counts_as_in_the_whole(bench):
    scn = scenario.load("inf_2018")
    _, whole = bench.hits(scn, 7, np.arange(5))
    names, part = bench.hits(scn, 7, np.array([1, 4]))
    assert len(names) == 7 and part.tolist() == whole[[1, 4]].tolist()


def test_each_run_draws_its_prior_from_its_own_stream(bench):
    scn = scenario.load("inf_2018")
    three, five = bench.prior_draws(scn, 11, 3), bench.prior_draws(scn, 11, 5)
    assert all(five["samples"][k][:3] == v for k, v in three["samples"].items())
    assert three["skipped_keys"] == ["actors.RU.rule.lambda"]          # Russia's doctrine takes no lambda
    drawn = bench.drawn_hits(lambda k: draws.particle_scenario(scn, five, k, "prior"), np.array([0, 1, 0]), 11)
    _, first = bench.hits(draws.particle_scenario(scn, five, 0, "prior"), 11, np.array([0, 2]))
    assert drawn[[0, 2]].tolist() == first.tolist()
