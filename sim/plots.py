"""Figures made from a result folder (never from live objects), with matplotlib's Agg backend."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.errors import SimError  # noqa: E402

SAMPLE_RUNS = 5


def _read_summary(folder: Path) -> dict:
    path = folder / "summary.json"
    if not path.is_file():
        raise SimError(f"{path}: missing; allowed: a folder written by `run_sim.py run`")
    return json.loads(path.read_text())


def plot_escalation(folder: Path, fmt: str = "png") -> Path:
    """escalation.<fmt>: median escalation with 50% and 90% bands and a few sample runs, by date."""
    summary = _read_summary(folder)
    q = summary["escalation_quantiles"]
    dates = [date.fromisoformat(d) for d in q["dates"]]
    v = {qq: np.array(row) for qq, row in zip(q["quantiles"], q["values"], strict=True)}

    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=120, layout="constrained")
    ax.fill_between(dates, v[0.05], v[0.95], color="tab:red", alpha=0.15, lw=0, label="90% of runs")
    ax.fill_between(dates, v[0.25], v[0.75], color="tab:red", alpha=0.3, lw=0, label="50% of runs")
    turns_csv = folder / "turns.csv"
    if turns_csv.is_file():
        sample = _sample_runs(turns_csv)
        for i, (_, run) in enumerate(sample.groupby("run")):
            ax.plot(pd.to_datetime(run["date"]), run["escalation"], color="0.35", lw=0.6, alpha=0.5,
                    label="sample runs" if i == 0 else None)
    ax.plot(dates, v[0.5], color="darkred", lw=2.2, label="median")
    ax.set_ylim(0, 100)
    ax.set_xlim(dates[0], dates[-1])
    ax.set_ylabel("escalation index (0 = calm, 100 = maximal)")
    ax.set_xlabel(f"date (from {summary['start_date']}, one turn = {summary['turn_days']} days)")
    ax.xaxis.set_major_locator(mdates.AutoDateLocator())
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", frameon=False, ncols=4)
    ended = summary["share_treaty_ended"]
    ax.set_title(f"{summary['title'] or summary['scenario']} ({summary['scenario']}): escalation index\n"
                 f"{summary['runs']} runs, seed {summary['seed']}; treaty ended in {ended:.1%} of runs, "
                 f"incident in {summary['share_incident']:.1%}", fontsize=10)
    path = folder / f"escalation.{fmt}"
    fig.savefig(path, metadata=_metadata(fmt))
    plt.close(fig)
    return path


def _sample_runs(turns_csv: Path) -> pd.DataFrame:
    rows = []
    for chunk in pd.read_csv(turns_csv, usecols=["run", "date", "escalation"], chunksize=100_000):
        rows.append(chunk[chunk["run"] < SAMPLE_RUNS])
        if chunk["run"].iloc[-1] >= SAMPLE_RUNS:
            break
    return pd.concat(rows)


def _metadata(fmt: str) -> dict:
    # no creation date or software version in the file, so the same results give the same bytes
    if fmt == "png":
        return {"Software": None}
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    return {"CreationDate": None, "Creator": None, "Producer": None}
