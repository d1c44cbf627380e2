"""The runs' tables typed, at full precision, for large experiments: pandas DataFrames with categories,
Parquet files beside the CSV (`run --parquet`) and an xarray Dataset over run x turn x actor.

The CSV files stay the byte-identical contract. The Parquet files hold the same rows with their types
(integers, dates, categories with fixed levels, booleans, float64) and, since their row groups are of a
fixed number of rows whatever the batches, are byte-identical too for the same pyarrow version.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.actions import MOVE_NAMES
from sim.core.codes import STAGES, TREATY_NAMES
from sim.core.safeio import atomic_path
from sim.core.scenario import Scenario
from sim.output.results import COMPONENTS, BatchResult, action_table, turn_table

if TYPE_CHECKING:
    import pandas as pd

ROW_GROUP = 1 << 20           # rows per Parquet row group, fixed: the bytes do not depend on the batches
PARQUET_FILES = ("turns.parquet", "actions.parquet")


def turns_frame(batches: Sequence[BatchResult], scn: Scenario, seed: int) -> pd.DataFrame:
    """turns.csv's rows as a DataFrame: `treaty` a category of fixed levels, dates as dates."""
    import pandas as pd

    frame = _frame([turn_table(b, scn, seed, coded=True) for b in batches])
    frame["treaty"] = pd.Categorical.from_codes(frame["treaty"].to_numpy(), categories=pd.Index(TREATY_NAMES))
    return frame


def actions_frame(batches: Sequence[BatchResult], scn: Scenario) -> pd.DataFrame:
    """actions.csv's rows as a DataFrame: actor, action and programme categories of fixed levels."""
    import pandas as pd

    frame = _frame([action_table(b, scn, coded=True) for b in batches])
    for column, levels in (("actor", scn.actor_ids), ("action", MOVE_NAMES), ("programme", STAGES)):
        frame[column] = pd.Categorical.from_codes(frame[column].to_numpy(), categories=pd.Index(levels))
    return frame


def _frame(tables: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    import pandas as pd

    columns = tables[0].keys()
    return pd.DataFrame({c: np.concatenate([t[c] for t in tables]) for c in columns})


class _Sink:
    """One Parquet file written in row groups of ROW_GROUP rows, from frames of any length."""

    def __init__(self, path: Path):
        self.path, self.rows = path, 0
        self.writer: Any = None
        self.pending: list[Any] = []

    def add(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa

        self.pending.append(pa.Table.from_pandas(frame, preserve_index=False))
        self.rows += len(frame)
        while self.rows >= ROW_GROUP:
            self._flush(ROW_GROUP)

    def close(self) -> None:
        self._flush(self.rows)
        if self.writer is not None:
            self.writer.close()

    def _flush(self, rows: int) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.pending:
            return
        table = pa.concat_tables(self.pending)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        if rows:
            self.writer.write_table(table.slice(0, rows), row_group_size=rows)
        rest = table.slice(rows)
        self.pending, self.rows = ([rest] if len(rest) else []), len(rest)


@contextmanager
def parquet_files(folder: Path, scn: Scenario, seed: int) -> Iterator[Any]:
    """turns.parquet and actions.parquet in `folder`, written atomically; yields add(batch), called in run order."""
    with ExitStack() as stack:
        paths = [stack.enter_context(atomic_path(folder / name)) for name in PARQUET_FILES]
        turns, actions = (_Sink(p) for p in paths)

        def add(batch: BatchResult) -> None:
            turns.add(turns_frame([batch], scn, seed))
            actions.add(actions_frame([batch], scn))

        yield add
        turns.close()
        actions.close()


def dataset(batches: Sequence[BatchResult], scn: Scenario, seed: int) -> Any:
    """The runs as an xarray Dataset over run x turn (0 to T) x actor: the index, its components, the rung,
    the treaty and the incident per run and turn; each actor's move, missiles, order, programme, hosting,
    payoff and credibility per run, turn and actor (none at turn 0, nor after a run ended: NaN, "" or -1)."""
    import xarray as xr

    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(b, name) for b in batches])

    runs = joined("runs")
    turns = np.arange(joined("escalation").shape[1])
    dates = np.array([scn.date_of(int(t)) for t in turns], dtype="datetime64[D]")

    def padded(name: str, fill: Any) -> np.ndarray:      # [R, T, N] -> [R, T+1, N]: nothing at turn 0
        values = joined(name)
        return np.concatenate([np.full((values.shape[0], 1, values.shape[2]), fill, dtype=values.dtype), values], 1)

    def names(codes: np.ndarray, levels: Sequence[str]) -> np.ndarray:
        return np.where(codes >= 0, np.asarray(levels, dtype=object)[np.maximum(codes, 0)], "")

    per_turn = {name: (("run", "turn"), joined(name)) for name in (*COMPONENTS, "rung", "incident")}
    per_turn["treaty"] = (("run", "turn"), names(joined("treaty"), TREATY_NAMES))
    per_actor = {name: (("run", "turn", "actor"), padded(name, fill))
                 for name, fill in (("missiles", -1), ("ordered", 0), ("hosting", False), ("payoff", np.nan),
                                    ("credibility", np.nan))}
    per_actor["action"] = (("run", "turn", "actor"), names(padded("action", -1), MOVE_NAMES))
    per_actor["programme"] = (("run", "turn", "actor"), names(padded("stage", -1), STAGES))
    return xr.Dataset({**per_turn, **per_actor},
                      coords={"run": runs, "turn": turns, "actor": scn.actor_ids, "date": ("turn", dates)},
                      attrs={"scenario": scn.name, "seed": seed, "last_turn_note": "a run that broke down (an "
                             "incident) has no values after its last turn"})
