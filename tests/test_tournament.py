"""`rules` and `tournament` on the command line."""

import csv

from sim import cli
from sim.rules.registry import PRESETS, RULES


def test_rules_lists_every_rule_and_preset(capsys):
    assert cli.main(["rules"]) == 0
    out = capsys.readouterr().out
    for name in [*RULES, *PRESETS]:
        assert name in out, name
    assert "stochastic" in out and "memory_depth" in out


def test_rules_name_shows_one(capsys):
    assert cli.main(["rules", "ewa"]) == 0
    out = capsys.readouterr().out
    assert "Camerer" in out and "phi = 0.9" in out and "<= 1" in out
    assert cli.main(["rules", "reciprocal_measures"]) == 0
    assert "preset of rule reciprocal" in capsys.readouterr().out
    assert cli.main(["rules", "bogus"]) == 2
    assert "unknown rule" in capsys.readouterr().err


def test_tournament_writes_table_and_heatmaps(tmp_path, capsys):
    out = tmp_path / "t"
    assert cli.main(["tournament", "dilemma_2p", "--rules", "mirror,hawk,dove", "--runs", "30", "--turns", "8",
                     "--out", str(out), "--jobs", "2"]) == 0
    printed = capsys.readouterr().out
    assert "BLUE" in printed and "RED" in printed and "hawk" in printed
    with open(out / "tournament.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 9 * 5
    for name in ("final_escalation", "treaty_ended", "incident", "payoff_first", "payoff_second"):
        assert (out / f"tournament_{name}.png").stat().st_size > 5_000
    cell = {(r["rule_BLUE"], r["rule_RED"], r["outcome"]): r for r in rows}
    # a dove against a hawk collects less than the hawk does against it
    assert float(cell[("dove", "hawk", "payoff_first")]["mean"]) < float(cell[("hawk", "dove", "payoff_first")]["mean"])
    for r in rows:
        assert float(r["ci95_low"]) <= float(r["mean"]) <= float(r["ci95_high"])


def test_tournament_refuses_bad_rule_lists(tmp_path, capsys):
    for bad in ("mirror", "mirror,bogus", "mirror,human", "mirror,mirror"):
        assert cli.main(["tournament", "inf_2018", "--rules", bad, "--runs", "2", "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: --rules") and err.count("\n") == 1, err
    assert not (tmp_path / "x").exists()
