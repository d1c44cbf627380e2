"""The calibration case inf_2014_2019: its patterns file, the statistics runs are summarised by, the distance."""

import numpy as np
import pytest

from conftest import NATO, RU, US, D, H, U, V
from sim.calibration import distance, patterns, statistics
from sim.calibration.statistics import Statistic
from sim.core.errors import ScenarioError
from sim.core.scenario import load


@pytest.fixture(scope="module")
def case():
    return load("inf_2014_2019")


@pytest.fixture(scope="module")
def pats(case):
    return patterns.load(patterns.path_for(case), case)


def test_the_case_runs_from_the_accusation_to_the_seed_date(case):
    assert str(case.scenario.start_date) == "2014-07-29"
    assert str(case.date_of(case.scenario.turns)) < "2019-01-16"


def test_every_pattern_is_sourced_and_the_shipped_file_names_the_record(pats):
    names = [p.name for p in pats]
    for name in ("no_agreement", "us_ru_rounds", "ru_fielded", "us_programme", "us_ultimatum"):
        assert name in names
    assert all(p.source.strip() and p.what.strip() and p.low <= p.high and p.scale > 0 for p in pats)


def test_statistics_read_first_moves_rounds_and_forces_off_a_record():
    t = 4
    moves = np.array([[[D, D, H], [U, D, H], [D, H, H], [V, D, D]]])       # [R=1, T=4, N=3]
    fielded = np.zeros((1, t, 3), dtype=np.int64)
    fielded[0, 2:, RU] = 16
    none = np.zeros((1, t, 3), dtype=bool)
    args = (moves, fielded, none, np.zeros((1, t), dtype=bool), np.zeros(1, dtype=bool), np.zeros(1, dtype=bool), t)
    value = lambda stat: statistics._value(stat, *args)[0]  # noqa: E731
    assert value(Statistic("first_move", US, U)) == 2
    assert value(Statistic("first_move", NATO, U)) == t + 1          # never: one past the last turn
    assert value(Statistic("rounds", US, other=RU)) == 1             # only turn 1: both talked
    assert value(Statistic("moves", US, D)) == 2
    assert value(Statistic("first_fielded", RU)) == 3
    assert value(Statistic("missiles_end", RU)) == 16


def test_a_run_of_the_case_gives_one_value_per_statistic_and_a_distance(case, pats):
    values = statistics.simulate(case, 3, [0, 1], [p.statistic for p in pats])
    assert values.shape == (2, len(pats))
    d = distance.distance(values, pats)
    assert d.shape == (2,) and (d >= 0).all()
    assert np.array_equal(values, statistics.simulate(case, 3, [0, 1], [p.statistic for p in pats]))


def test_the_distance_is_zero_inside_every_interval_and_counts_misses_in_scales(pats):
    low, high, scale = distance.bounds(pats)
    assert distance.distance(low, pats) == 0 and distance.distance(high, pats) == 0
    off = high.copy()
    off[0] += 2 * scale[0]
    assert distance.distance(off, pats) == pytest.approx(2.0)


@pytest.mark.parametrize(("text", "names"), [
    ('scenario = "inf_2018"\n[[pattern]]\n', "scenario"),
    ('scenario = "inf_2014_2019"\n', "pattern"),
    ('scenario = "inf_2014_2019"\n[[pattern]]\nname = "a"\nstatistic = "nope"\n', "statistic"),
    ('scenario = "inf_2014_2019"\n[[pattern]]\nname = "a"\nstatistic = "first_move"\nactor = "XX"\n', "actor"),
    ('scenario = "inf_2014_2019"\n[[pattern]]\nname = "a"\nstatistic = "notice"\nactor = "US"\n', "actor"),
    ('scenario = "inf_2014_2019"\n[[pattern]]\nname = "a"\nstatistic = "notice"\nlow = 1\nhigh = 0\nscale = 1\n'
     'what = "w"\nsource = "s"\n', "high"),
    ('scenario = "inf_2014_2019"\n[[pattern]]\nname = "a"\nstatistic = "notice"\nlow = 0\nhigh = 0\nscale = 0\n'
     'what = "w"\nsource = "s"\n', "scale"),
    ('scenario = "inf_2014_2019"\n[[pattern]]\nname = "a"\nstatistic = "notice"\nlow = 0\nhigh = 0\nscale = 1\n'
     'what = "w"\nsource = "s"\ncolour = 1\n', "colour"),
    ("not toml [", "TOML"),
])
def test_a_bad_patterns_file_is_one_line_naming_file_and_key(tmp_path, case, text, names):
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        patterns.load(path, case)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and names in message
