"""The 95% intervals of `compare`, `tournament` and the treaty figure: from scipy, within their bounds,
consistent with their tests. The first tests reproduce the intervals of the issue "Research-grade", item 2."""

import csv

import numpy as np
import pytest
from scipy import stats

from sim import cli
from sim.analysis.compare import differences
from sim.output.intervals import bootstrap_mean, paired_binary, paired_continuous, share, share_interval


def _runs(ones: int, n: int = 200) -> np.ndarray:
    x = np.zeros(n)
    x[:ones] = 1.0
    return x


def test_four_discordant_runs_give_an_interval_that_includes_zero():
    # compare inf_2018 "inf_2018:actors.RU.rule.answer_notice=false" --runs 200: the treaty ended in 191
    # runs of the baseline and in 187 of the variant, the same runs but 4 (4 to 0): McNemar's p = 0.125,
    # and the normal interval of the differences, [-0.0395, -0.0005], excluded zero
    base, variant = _runs(191), _runs(187)
    (row,) = [r for r in differences(["base", "variant"], [{k: base for k in OUTCOMES}, {k: variant for k in OUTCOMES}])
              if r.outcome == "treaty_ended"]
    assert row.difference == pytest.approx(-0.02)
    assert row.low < 0 < row.high
    assert row.p_value == pytest.approx(0.125)
    assert row.runs_differing == 4 and row.method == "mcnemar_exact"


OUTCOMES = ("treaty_ended", "incident", "peak_escalation", "turns_to_termination")


def test_no_incident_in_either_variant_is_not_a_zero_width_interval():
    none = _runs(0)
    (row,) = [r for r in differences(["a", "b"], [{k: none for k in OUTCOMES}, {k: none for k in OUTCOMES}])
              if r.outcome == "incident"]
    assert row.difference == 0.0 and row.p_value == 1.0
    # no run differs, but 200 runs cannot rule out a difference of a percent or two (the exact 97.5% upper
    # bound of the share of runs that differ, 0 of 200)
    assert (row.low, row.high) == pytest.approx((-0.0217, 0.0217), abs=1e-4)


def test_zero_of_200_is_wilson_zero_to_two_percent():
    low, high = share_interval(0, 200)
    assert low == 0.0 and high == pytest.approx(0.0188, abs=1e-4)
    est = share(_runs(0))
    assert (est.value, est.low, est.high, est.method) == (0.0, 0.0, pytest.approx(0.0188, abs=1e-4), "wilson")
    assert share(_runs(2, 100))[1:3] == pytest.approx((0.0055, 0.0700), abs=1e-4)   # 2 of 100: not below zero


def test_bootstrap_interval_of_a_bounded_mean_stays_within_the_values():
    x = np.zeros(100)
    x[7] = 31.44       # one run of 100 escalated: the normal interval was [-0.3, 0.9]
    est = bootstrap_mean(x, np.random.default_rng([1, 2, 3]))
    assert est.value == pytest.approx(0.3144)
    assert 0.0 <= est.low <= est.value <= est.high <= 31.44
    again = bootstrap_mean(x, np.random.default_rng([1, 2, 3]))
    assert again[:3] == est[:3]                               # seeded: the same seed, the same interval
    assert bootstrap_mean(np.full(5, 2.5), np.random.default_rng(0))[:3] == (2.5, 2.5, 2.5)


@pytest.mark.parametrize("seed", range(20))
def test_paired_binary_interval_excludes_zero_only_when_mcnemar_rejects(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 300))
    base = rng.random(n) < rng.random()
    other = np.where(rng.random(n) < rng.random() * 0.3, ~base, base)
    est = paired_binary(base.astype(float), other.astype(float))
    assert -1.0 <= est.low <= est.value <= est.high <= 1.0
    b, c = int(np.sum(base & ~other)), int(np.sum(other & ~base))
    assert est.value == pytest.approx((c - b) / n)
    assert est.p_value == pytest.approx(stats.binomtest(c, b + c).pvalue if b + c else 1.0)
    if est.p_value >= 0.05:
        assert est.low <= 0.0 <= est.high


def test_paired_continuous_is_scipy_paired_t():
    rng = np.random.default_rng(5)
    base, other = rng.normal(size=50), rng.normal(0.3, size=50)
    est = paired_continuous(base, other)
    ref = stats.ttest_rel(other, base)
    ci = ref.confidence_interval(0.95)
    assert (est.low, est.high, est.p_value) == pytest.approx((ci.low, ci.high, ref.pvalue))
    assert paired_continuous(base, base)[:4] == (0.0, 0.0, 0.0, 1.0)


def test_tournament_intervals_respect_the_bounds(tmp_path):
    # tournament inf_2018 --rules mirror,hawk --runs 100: the share of incidents (mirror against mirror) has a
    # Wilson interval; the final escalation of hawk against mirror (a confrontation, rung 9) is near the
    # index's top, and its bootstrap interval stays inside [0, 100]
    out = tmp_path / "t"
    assert cli.main(["tournament", "inf_2018", "--rules", "mirror,hawk", "--runs", "100", "--out", str(out),
                     "--quiet", "--jobs", "1"]) == 0
    with open(out / "tournament.csv") as f:
        rows = {(r["rule_US"], r["rule_RU"], r["outcome"]): r for r in csv.DictReader(f)}
    incident = rows[("mirror", "mirror", "incident")]
    assert incident["method"] == "wilson"
    k = round(float(incident["mean"]) * 100)
    ci = stats.binomtest(k, 100).proportion_ci(0.95, method="wilson")
    wilson = (ci.low, ci.high)
    assert (float(incident["ci95_low"]), float(incident["ci95_high"])) == pytest.approx(wilson, abs=1e-4)
    final = rows[("hawk", "mirror", "final_escalation")]    # near the index's top: the interval stays under it
    assert float(final["mean"]) > 80.0
    assert 0.0 <= float(final["ci95_low"]) < float(final["ci95_high"]) <= 100.0
    for r in rows.values():
        low, high = float(r["ci95_low"]), float(r["ci95_high"])
        assert low <= float(r["mean"]) <= high
        if r["outcome"] in ("treaty_ended", "incident"):
            assert low >= 0.0 and 0.0 < high <= 1.0
        elif r["outcome"] == "final_escalation":
            assert low >= 0.0 and high <= 100.0
    # the bootstrap is seeded from --seed, the pairing and the outcome: the same file whatever --jobs
    again = tmp_path / "t2"
    assert cli.main(["tournament", "inf_2018", "--rules", "mirror,hawk", "--runs", "100", "--out", str(again),
                     "--quiet", "--jobs", "2"]) == 0
    assert (again / "tournament.csv").read_bytes() == (out / "tournament.csv").read_bytes()


@pytest.mark.slow   # about 3 s: the command of the issue, 2 x 200 runs
def test_compare_of_the_issue_no_longer_claims_a_difference(tmp_path):
    out = tmp_path / "cmp"
    assert cli.main(["compare", "inf_2018", "inf_2018:actors.RU.rule.answer_notice=false", "--runs", "200",
                     "--out", str(out), "--no-plot", "--quiet"]) == 0
    with open(out / "compare.csv") as f:
        rows = {r["outcome"]: r for r in csv.DictReader(f)}
    ended = rows["treaty_ended"]
    # the treaty's fate hardly depends on Russia's answer (Model 3: the US notice ends it in every run): the
    # few runs that differ, if any, are not a difference; the exact McNemar test says so
    differing = int(ended["runs_differing"])
    assert differing <= 4 and ended["method"] == "mcnemar_exact"
    assert abs(float(ended["difference"])) <= differing / 200
    assert float(ended["ci95_low"]) < 0.0 < float(ended["ci95_high"]) and float(ended["p_value"]) >= 0.125
    incident = rows["incident"]
    assert float(incident["ci95_low"]) < 0.0 < float(incident["ci95_high"])


def test_treaty_figure_has_a_wilson_band(tmp_path):
    from sim.output.plots import plot_treaty, survival_band

    low, high = survival_band([1.0, 0.955, 0.0], 200)
    assert low[0] == pytest.approx(0.9812, abs=1e-4) and high[0] == 1.0
    assert (low[1], high[1]) == pytest.approx(share_interval(191, 200))
    assert low[2] == 0.0 and high[2] == pytest.approx(0.0188, abs=1e-4)
    result = __import__("sim").run("inf_2018", runs=20, turns=8, seed=2, jobs=1, plot=False, progress=False)
    fig = plot_treaty(result)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "95% interval (Wilson, per date)" in labels
    assert "20 runs" in ax.get_title()


def test_the_interval_of_a_median_is_the_textbook_pair_of_order_statistics():
    from sim.output.intervals import median_interval

    x = np.array([7.0, 1, 9, 3, 5, 10, 2, 8, 4, 6])           # n = 10: ranks 2 and 9 (coverage 97.9%)
    low, high = median_interval(x)
    assert (low, high) == (2.0, 9.0)
    rng = np.random.default_rng(3)
    samples = rng.exponential(size=(2000, 51))                # skewed; the true median is ln 2
    lows, highs = median_interval(samples, axis=1)
    covered = ((lows <= np.log(2)) & (np.log(2) <= highs)).mean()
    exact = 1 - 2 * stats.binom.cdf(18, 51, 0.5)               # ranks 19 and 33: at least 95%
    assert exact >= 0.95 and covered == pytest.approx(exact, abs=0.015)


def test_summary_json_brackets_the_median_escalation_with_its_interval():
    import sim

    s = sim.run("inf_2018", runs=40, turns=12, seed=6, progress=False, jobs=1).summary
    median = s["escalation_quantiles"]["values"][s["escalation_quantiles"]["quantiles"].index(0.5)]
    low, high = s["median_interval"]["low"], s["median_interval"]["high"]
    assert len(low) == len(high) == 13
    assert all(lo - 1e-4 <= m <= hi + 1e-4 for lo, m, hi in zip(low, median, high, strict=True))
