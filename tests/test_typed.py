"""Typed outputs for large experiments: Parquet beside the CSV (`run --parquet`) and `RunResult.to_xarray()`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.output import typed

pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def result():
    return sim.run("inf_2018", runs=9, turns=8, seed=3, progress=False, jobs=1)


def test_the_parquet_files_hold_the_tables_typed_and_at_full_precision(result, tmp_path):
    result.save(tmp_path, plot=False, parquet=True)
    for name, frame in (("turns", result.turns), ("actions", result.actions)):
        read = pd.read_parquet(tmp_path / f"{name}.parquet")
        pd.testing.assert_frame_equal(read, frame, check_dtype=False)       # every value, no rounding
        for column in frame.columns:
            assert read[column].dtype.kind == frame[column].dtype.kind or \
                isinstance(read[column].dtype, pd.CategoricalDtype), column
    levels = pd.read_parquet(tmp_path / "actions.parquet")["action"].cat.categories
    assert list(levels) == list(result.actions["action"].cat.categories)      # every move, played or not
    on_disk = pd.read_csv(tmp_path / "turns.csv")
    assert (on_disk["escalation"] != result.turns["escalation"]).any()      # the CSV keeps four decimals


def test_parquet_is_byte_identical_whatever_the_batches_and_leaves_the_csv_contract_alone(tmp_path, monkeypatch,
                                                                                         cli_main):
    monkeypatch.setattr(typed, "ROW_GROUP", 13)      # several row groups, cut across the batches
    common = ("run", "inf_2018", "--runs", "7", "--turns", "6", "--seed", "2", "--no-plot", "--quiet")
    assert cli_main(*common, "--parquet", "--jobs", "1", "--out", tmp_path / "a").status == 0
    assert cli_main(*common, "--parquet", "--jobs", "2", "--batch-size", "3", "--out", tmp_path / "b").status == 0
    assert cli_main(*common, "--jobs", "1", "--out", tmp_path / "c").status == 0
    for name in typed.PARQUET_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
        assert not (tmp_path / "c" / name).exists()
    for name in ("turns.csv", "actions.csv", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "c" / name).read_bytes(), name
    # a rerun without --parquet removes the old Parquet files: they would not match the new CSV
    assert cli_main(*common, "--seed", "5", "--jobs", "1", "--out", tmp_path / "a").status == 0
    assert not any((tmp_path / "a" / name).exists() for name in typed.PARQUET_FILES)


def test_to_xarray_holds_the_same_values_over_run_turn_and_actor(result):
    pytest.importorskip("xarray")
    ds = result.to_xarray()
    assert dict(ds.sizes) == {"run": 9, "turn": 9, "actor": 3}
    turns, actions = result.turns, result.actions
    for row in turns.sample(10, random_state=1).itertuples():
        cell = ds.sel(run=row.run, turn=row.turn)
        assert float(cell.escalation) == row.escalation and str(cell.treaty.item()) == row.treaty
    for row in actions.sample(10, random_state=2).itertuples():
        cell = ds.sel(run=row.run, turn=row.turn, actor=row.actor)
        assert cell.action.item() == row.action and float(cell.payoff) == row.payoff
        assert int(cell.missiles) == row.missiles and cell.programme.item() == row.programme
    assert set(np.unique(ds.action.sel(turn=0).values)) == {""}          # nothing is played at the start
    assert str(ds.date.values[0])[:10] == str(turns["date"].iloc[0])[:10]
