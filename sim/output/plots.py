"""Figures of a run: from a result folder (`summary.json`, `turns.csv`) or from a `sim.api.RunResult`.

Each `plot_*` function takes the source and an optional matplotlib ``ax`` (or ``axes``) to draw on, and
returns the Figure; importing this module never changes matplotlib's backend or settings.
`draw_all` draws every figure of a run into a folder from its summary and the rows of the runs drawn
one by one: `run` and `sim.run` pass them from memory, `plot_all` reads them from a result folder, so
`run_sim.py plot DIR` redraws the figures without rerunning.
"""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.core.actions import COLOURS, MOVE_NAMES
from sim.core.errors import SimError
from sim.core.options import DEFAULT_DPI
from sim.core.safeio import atomic_path
from sim.core.state import COMPONENT_LABELS
from sim.core.textsafe import printable
from sim.output.intervals import share_interval
from sim.output.results import SAMPLE_RUNS, TURN_COLUMNS, figure_runs

if TYPE_CHECKING:
    from sim.api import RunResult

TITLE_WIDTH = 100    # characters per title line: fits a 9-inch figure at 10 pt
# Colour-blind-safe colours (Okabe and Ito's palette, told apart under deuteranopia and protanopia;
# tests/test_figures.py checks it): the moves' are in the move table (sim.core.actions)
MOVE_COLORS = COLOURS
COMPONENT_COLORS = {"ladder": "#dddddd", "treaty": "#e69f00", "missiles": "#d55e00", "arming": "#cc79a7",
                    "demands": "#56b4e9"}
#: lines told apart (actors by their order in the scenario, variants, factors): a colour and a dash each, in grey too
LINE_STYLES = (("#0072b2", "-"), ("#d55e00", "--"), ("#009e73", "-."), ("#e69f00", ":"), ("#cc79a7", "-"),
                ("#56b4e9", "--"), ("#000000", "-."))
HEATMAP = "cividis"   # heatmaps of values where higher is better (payoffs): perceptually uniform, colour-blind safe
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "frameon": False, "fontsize": 8}   # beside the axes


def read_summary(folder: Path | str) -> dict:
    """summary.json of a result folder, or a one-line error if it is not one."""
    path = Path(folder) / "summary.json"
    if not path.is_file():
        raise SimError(f"{path}: missing; allowed: a folder written by `run_sim.py run`")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SimError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); rerun `run_sim.py run`") from None


def _summary(source: Any) -> dict:
    return source.summary if hasattr(source, "summary") else read_summary(source)


def _runs(source: Any, summary: dict) -> pd.DataFrame:
    """The turns rows of the sample runs and the median run."""
    wanted = figure_runs(summary)
    if hasattr(source, "turns"):
        return source.turns[source.turns["run"].isin(wanted)]
    return _read_runs(Path(source), wanted)


def plot_all(folder: Path | str, fmt: str = "png", dpi: int | None = None) -> list[Path]:
    """Draw every figure of a result folder into it, from its files; returns their paths."""
    summary = read_summary(folder)
    return draw_all(summary, _read_runs(Path(folder), figure_runs(summary)), folder, fmt, dpi)


def rows_as_read(turns_csv: str) -> pd.DataFrame:
    """turns.csv rows (the text of `sim.output.result_files.format_batch`, no header) as `plot_all` reads them from
    the file: the figures drawn from a run in memory are then byte for byte those `plot` redraws."""
    return pd.read_csv(io.StringIO(",".join(TURN_COLUMNS) + "\n" + turns_csv))


def draw_all(summary: dict, runs: pd.DataFrame, folder: Path | str, fmt: str = "png",
             dpi: int | None = None) -> list[Path]:
    """Draw every figure of a run into `folder`: from its summary and the turns rows of the runs drawn one
    by one (`sim.output.results.figure_runs`); returns their paths."""
    figures = {"escalation": _escalation(summary, runs, None), "components": _components(summary, runs, None),
               "moves": _moves(summary, None), "treaty": _treaty(summary, None),
               "missiles": _missiles(summary, None)}
    return [save_figure(fig, folder, name, fmt, dpi) for name, fig in figures.items()]


def plot_escalation(source: RunResult | Path | str, ax: Axes | None = None) -> Figure:
    """Median escalation with 50% and 90% bands, sample runs, and the median turns of key events."""
    summary = _summary(source)
    return _escalation(summary, _runs(source, summary), ax)


def plot_components(source: RunResult | Path | str, ax: Axes | None = None) -> Figure:
    """What drives the index: the rung of Kahn's ladder and the four components of the intensity within
    it, weighted and stacked, for the median run."""
    summary = _summary(source)
    return _components(summary, _runs(source, summary), ax)


def plot_moves(source: RunResult | Path | str, axes: Sequence[Axes] | None = None) -> Figure:
    """Per actor, the share of runs playing each move, turn by turn (one axes per actor)."""
    return _moves(_summary(source), axes)


def plot_treaty(source: RunResult | Path | str, ax: Axes | None = None) -> Figure:
    """Survival of the treaty: share of runs with it in force (with a pointwise 95% Wilson band) and without
    notice, turn by turn."""
    return _treaty(_summary(source), ax)


def plot_missiles(source: RunResult | Path | str, ax: Axes | None = None) -> Figure:
    """Deployed missiles per actor: median and 50% band."""
    return _missiles(_summary(source), ax)


def quantile_rows(summary: dict) -> dict[float, np.ndarray]:
    """The escalation quantiles of a summary, by quantile: each an array over the turns."""
    q = summary["escalation_quantiles"]
    return {qq: np.array(row) for qq, row in zip(q["quantiles"], q["values"], strict=True)}


def fixed_values(summary: dict) -> dict | None:
    """What the same seeds gave at the scenario's values, in a summary of runs drawn from a posterior
    (`sim.calibration.spread`), or None."""
    return (summary.get("parameter_uncertainty") or {}).get("at_scenario_values")


#: the two kinds of runs a posterior run draws beside each other
DRAWN, FIXED = "runs drawn from the posterior", "runs at the scenario's values"


def _fixed_band(ax: Axes, dates: list[date], fixed: dict, color: str = "#0072b2", what: str = FIXED) -> None:
    """The band of the runs at the scenario's values, drawn over another: its 90% as outlines, its median."""
    v = quantile_rows(fixed)
    ax.step(dates, v[0.05], where="post", color=color, lw=1, ls="--", label=f"{what}:\n90% of runs (outline)")
    ax.step(dates, v[0.95], where="post", color=color, lw=1, ls="--")
    ax.step(dates, v[0.5], where="post", color=color, lw=1.6, label=f"{what}:\nmedian")


def _escalation(summary: dict, runs: pd.DataFrame, ax: Axes | None) -> Figure:
    dates = summary_dates(summary)
    v = quantile_rows(summary)
    fixed = fixed_values(summary)
    fig, ax = dated_axes(summary, "escalation index", "escalation index (0 = calm, 100 = maximal)", ax)
    drawn = f"{DRAWN}:\n" if fixed else ""
    ax.fill_between(dates, v[0.05], v[0.95], color="tab:red", alpha=0.15, lw=0, step="post",
                    label=f"{drawn}90% of runs")
    ax.fill_between(dates, v[0.25], v[0.75], color="tab:red", alpha=0.3, lw=0, step="post",
                    label=f"{drawn}50% of runs")
    for i, (_, run) in enumerate(runs[runs["run"] < SAMPLE_RUNS].groupby("run")):
        ax.step(pd.to_datetime(run["date"]), run["escalation"], where="post", color="0.35", lw=0.6, alpha=0.5,
                label="sample runs" if i == 0 else None)
    ax.step(dates, v[0.5], where="post", color="darkred", lw=2.2, label=f"{drawn}median")
    if fixed:
        _fixed_band(ax, dates, fixed)
    interval = summary.get("median_interval")          # folders written before it was kept have none
    if interval:
        ax.fill_between(dates, interval["low"], interval["high"], step="post", color="darkred", alpha=0.45, lw=0,
                        label="95% interval of the median\n(Monte Carlo error)")
    markers = (("median_turn_notice", "notice", ":"), ("median_turn_treaty_ended", "treaty ends", "--"),
               ("median_turn_first_deployment", "first deployment", "-."))
    for key, label, style in markers:
        turn = summary.get(key)
        if turn is not None:
            when = dates[min(round(turn), len(dates) - 1)]
            ax.axvline(when, color="0.2", lw=1, ls=style, label=f"{label}\n(median, {when:%b %Y})")
    ax.set_ylim(0, 100)
    ax.legend(**LEGEND)
    return fig


def _components(summary: dict, runs: pd.DataFrame, ax: Axes | None) -> Figure:
    run_id = summary["median_run"]
    run = runs[runs["run"] == run_id]
    w = summary["escalation_weights"]
    dates = pd.to_datetime(run["date"])
    parts = {name: 100 * w[name] * run[f"esc_{name}"].to_numpy() for name in COMPONENT_COLORS}
    fig, ax = dated_axes(summary, f"what drives the index in the median run (run {run_id})",
                    "contribution to the escalation index (points)", ax)
    labels = {name: COMPONENT_LABELS[f"esc_{name}"] for name in COMPONENT_COLORS}
    ax.stackplot(dates, *parts.values(), colors=list(COMPONENT_COLORS.values()), step="post",   # turn by turn
                 labels=[f"{labels[k]}\n(up to {100 * w[k]:.3g} points)" for k in parts], alpha=0.9)
    ax.step(dates, run["escalation"], where="post", color="black", lw=1.2, label="escalation index")
    ax.set_ylim(0, 100)
    ax.legend(**LEGEND)
    return fig


def _moves(summary: dict, axes: Sequence[Axes] | None) -> Figure:
    share = summary["per_turn"]["move_share"]
    actors = summary["actors"]
    dates = summary_dates(summary)      # the move of turn t is played over the turn that ends on date t
    if axes is None:
        fig, made = plt.subplots(len(actors), 1, figsize=(9, 2.2 * len(actors) + 1), dpi=DEFAULT_DPI,
                                 sharex=True, layout="constrained")
        axes = list(np.atleast_1d(made))
    else:
        axes = list(np.atleast_1d(np.asarray(axes, dtype=object)))
        if len(axes) != len(actors):
            raise ValueError(f"plot_moves: {len(axes)} axes given; allowed: one per actor ({len(actors)})")
        fig = figure_of(axes[0])
    for ax, actor in zip(axes, actors, strict=True):
        ax.stackplot(dates, *[[s[0], *s] for s in (share[actor][m] for m in MOVE_NAMES)], step="pre",
                     colors=list(MOVE_COLORS.values()), labels=list(MOVE_NAMES), edgecolor="white", lw=0.3)
        ax.set_ylim(0, 1)
        ax.set_xlim(dates[0], dates[-1])
        ax.set_ylabel(f"{actor}\nshare of runs")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes[0].legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncols=len(MOVE_NAMES), frameon=False, fontsize=8,
                   handlelength=1.2, columnspacing=1.0)
    _date_axis(axes[-1], summary)
    fig.suptitle(_title(summary, "moves played, share of runs still going"), fontsize=10)
    return fig


def _treaty(summary: dict, ax: Axes | None) -> Figure:
    t = summary["per_turn"]["treaty_share"]
    dates = summary_dates(summary)
    alive = np.array(t["in_force"]) + np.array(t["notice"])
    fig, ax = dated_axes(summary, "treaty survival", "share of runs", ax)
    if max(alive) == 0 and max(t["terminated"]) == 0:
        ax.text(0.5, 0.5, "no treaty in this scenario", transform=ax.transAxes, ha="center")
    low, high = survival_band(alive, summary["runs"])
    ax.fill_between(dates, low, high, step="post", color="tab:blue", alpha=0.2, lw=0,
                    label="95% interval (Wilson, per date)")
    ax.step(dates, alive, where="post", color="tab:blue", lw=2, label="treaty in force (notice or not)")
    ax.step(dates, t["in_force"], where="post", color="tab:blue", lw=1, ls="--", label="in force, no notice given")
    ax.step(dates, summary["per_turn"]["incident_share"], where="post", color="black", lw=1, ls=":",
            label="crisis broke down (incident)")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(**LEGEND)
    return fig


def survival_band(alive: Sequence[float] | np.ndarray, runs: int) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise 95% band of the share of runs with the treaty in force: the Wilson interval of each date's
    count of runs (scipy; every run counts at every date, its last state carried forward, so each date's
    share is a plain proportion of the runs and no censoring arises). The shares in summary.json are
    rounded to 4 decimals: the counts are recovered by rounding share x runs."""
    bounds = [share_interval(round(a * runs), runs) for a in np.asarray(alive, dtype=np.float64)]
    return np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])


def _missiles(summary: dict, ax: Axes | None) -> Figure:
    q = summary["per_turn"]["missiles_quantiles"]
    quantiles = summary["escalation_quantiles"]["quantiles"]
    dates = summary_dates(summary)
    fig, ax = dated_axes(summary, "deployed intermediate-range missiles", "missiles deployed", ax)
    top = 1.0
    for i, actor in enumerate(summary["actors"]):
        v = dict(zip(quantiles, map(np.array, q[actor]), strict=True))
        color, dash = LINE_STYLES[i % len(LINE_STYLES)]
        ax.fill_between(dates, v[0.25], v[0.75], color=color, alpha=0.25, lw=0, step="post")
        ax.step(dates, v[0.5], where="post", color=color, ls=dash, lw=2, label=f"{actor}\n(median, 50% band)")
        top = max(top, float(np.max(v[0.75])))
    ax.set_ylim(-0.03 * top, 1.05 * top)           # a line at zero is drawn above the axis, not hidden by it
    ax.legend(**LEGEND)
    return fig


# ---------------------------------------------------------------- shared pieces


def summary_dates(summary: dict) -> list[date]:
    return [date.fromisoformat(d) for d in summary["escalation_quantiles"]["dates"]]


def _title(summary: dict, what: str) -> str:
    name = printable(summary["scenario"])
    head = f"{printable(summary['title'])} ({name})" if summary.get("title") else name
    # wrapped so that a long scenario title is not cut off at the figure's edges
    runs = f"{summary['runs']} runs, seed {summary['seed']}"
    drawn = (summary.get("provenance") or {}).get("posterior")
    if drawn:
        runs += f", parameters drawn from the posterior {printable(drawn['file']).replace('$', chr(92) + '$')}"
    return "\n".join([*textwrap.wrap(f"{head}: {what}", TITLE_WIDTH), runs])


def date_ticks(ax: Axes) -> None:
    """Dates on the x axis, compactly, each label with its year (years, or month and year; days add the month)."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)      # "Jul 2019" labels apart at 9 inches
    ax.xaxis.set_major_locator(locator)
    formats = ["%Y", "%b %Y", "%d %b", "%H:%M", "%H:%M", "%S.%f"]
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, formats=formats, zero_formats=formats))


def _date_axis(ax: Axes, summary: dict) -> None:
    date_ticks(ax)
    ax.set_xlabel(f"date (from {summary['start_date']}, one turn = {summary['turn_days']} days)")


def figure_of(ax: Axes) -> Figure:
    """The figure `ax` is drawn on, which a plot given that axes returns."""
    # Axes.figure is typed Figure | SubFigure: the axes of a subfigure give the SubFigure, which is returned
    # as it is (it is drawn on like a Figure, but has no savefig: `save_figure` takes the top Figure)
    return ax.figure  # type: ignore[return-value]  # see above


def dated_axes(summary: dict, what: str, ylabel: str, ax: Axes | None = None) -> tuple[Figure, Axes]:
    """The given axes (and its figure), or a new figure of the standard size; styled for `summary`."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 4.8), dpi=DEFAULT_DPI, layout="constrained")
    else:
        fig = figure_of(ax)
    dates = summary_dates(summary)
    ax.set_xlim(dates[0], dates[-1])
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    _date_axis(ax, summary)
    ax.set_title(_title(summary, what), fontsize=10)
    return fig, ax


def save_figure(fig: Figure, folder: Path | str, name: str, fmt: str = "png", dpi: int | None = None) -> Path:
    """Write `fig` as FOLDER/NAME.FMT (atomically, the same bytes for the same figure) and close it; `dpi`
    for a PNG (default: the figure's, DEFAULT_DPI)."""
    path = Path(folder) / f"{name}.{fmt}"
    with atomic_path(path) as tmp, mpl.rc_context({"svg.hashsalt": "escalation-sim"}):   # stable SVG ids
        fig.savefig(tmp, format=fmt, metadata=_metadata(fmt), dpi=dpi or "figure")
    plt.close(fig)
    return path


def _read_runs(folder: Path, wanted: set[int]) -> pd.DataFrame:
    """The turns.csv rows of the `wanted` runs (runs are in order, so reading stops early)."""
    path = folder / "turns.csv"
    if not path.is_file():
        raise SimError(f"{path}: missing; allowed: a folder written by `run_sim.py run`")
    rows, last = [], max(wanted)
    for chunk in pd.read_csv(path, chunksize=200_000):
        rows.append(chunk[chunk["run"].isin(wanted)])
        if chunk["run"].iloc[-1] > last:
            break
    return pd.concat(rows)


def _metadata(fmt: str) -> dict:
    # no creation date or software version in the file, so the same results give the same bytes
    if fmt == "png":
        return {"Software": None}
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    return {"CreationDate": None, "Creator": None, "Producer": None}


def plot_compare(labels: list[str], summaries: list[dict], ax: Axes | None = None,
                 axes: Sequence[Axes] | None = None) -> Figure:
    """Median escalation and 50% band of every variant (summaries of runs on common seeds), overlaid. Runs drawn
    from a posterior (`sim.calibration.spread`) are drawn in two panels side by side, on `axes` if given: the
    same seeds at the scenario's values (run-to-run noise) and drawn from the posterior (parameter uncertainty
    too)."""
    first = summaries[0]
    heading = f"escalation index of {len(labels)} variants on common seeds"
    fixed = [fixed_values(s) for s in summaries]
    if ax is not None or not all(fixed):
        fig, ax = dated_axes(first, "", "escalation index (0 = calm, 100 = maximal)", ax)
        _variant_bands(ax, labels, summaries)
        ax.set_title(_each(_title(first, heading)), fontsize=10)
        ax.legend(**LEGEND)
        return fig
    if axes is None:
        fig, made = plt.subplots(1, 2, figsize=(14, 5), dpi=DEFAULT_DPI, sharey=True, layout="constrained")
        axes = list(made)
    else:
        fig = figure_of(axes[0])
    for panel, what, shown in ((axes[0], f"{FIXED} (each variant's): chance alone", fixed),
                               (axes[1], f"{DRAWN}: chance and parameter uncertainty", summaries)):
        dated_axes(first, "", "escalation index (0 = calm, 100 = maximal)", panel)
        _variant_bands(panel, labels, shown)
        panel.set_title(what, fontsize=10)
    axes[1].set_ylabel("")
    axes[1].legend(**LEGEND)
    fig.suptitle(_each(_title(first, heading)), fontsize=10)
    return fig


def _each(title: str) -> str:
    """A `_title` whose runs are those of each variant."""
    head, _, runs = title.rpartition("\n")
    return f"{head}\n{runs.replace(' runs,', ' runs of each variant,', 1)}"


def _variant_bands(ax: Axes, labels: list[str], summaries: list[dict]) -> None:
    """Each variant's median escalation and 50% band on `ax`, a colour and a dash each."""
    dates = summary_dates(summaries[0])
    for i, (label, summary) in enumerate(zip(labels, summaries, strict=True)):
        v = quantile_rows(summary)
        color, dash = LINE_STYLES[i % len(LINE_STYLES)]
        ax.fill_between(dates, v[0.25], v[0.75], color=color, alpha=0.2, lw=0, step="post")
        ax.step(dates, v[0.5], where="post", color=color, ls=dash, lw=2, label=f"{label}\n(median, 50% band)")
    ax.set_ylim(0, 100)


def plot_tournament(cells: Sequence[Any], pair: tuple[str, str], outcome: str, label: str, heading: str,
                    ax: Axes | None = None) -> Figure:
    """A heatmap of one tournament outcome: rows the first side's rule, columns the second's."""
    rules = list(dict.fromkeys(c.first for c in cells))
    grid = np.full((len(rules), len(rules)), np.nan)
    for c in cells:
        grid[rules.index(c.first), rules.index(c.second)] = c.values[outcome][0]
    share = outcome in ("treaty_ended", "incident")
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.3 * len(rules) + 3.5, 1.0 * len(rules) + 2.2), dpi=DEFAULT_DPI,
                               layout="constrained")
    else:
        fig = figure_of(ax)
    cmap = HEATMAP if outcome.startswith("payoff") else "Reds"     # Reds: more is worse, lighter to darker
    top = max(0.05, float(np.nanmax(grid))) if share else None       # shares: from 0 to the largest
    image = ax.imshow(grid, cmap=cmap, vmin=0 if share else None, vmax=top)
    bar = fig.colorbar(image, ax=ax, shrink=0.85)
    bar.set_label(label)
    if share:
        bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    middle = np.nanmean(grid)
    for (i, j), value in np.ndenumerate(grid):
        text = f"{value:.0%}" if share else (f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}")
        ax.text(j, i, text, ha="center", va="center", fontsize=8,
                color="white" if (top is not None and value > 0.6 * top)   # top is set for shares
                or (not share and (value > middle) == (cmap == "Reds")) else "black")   # dark cells: white
    ax.set_xticks(range(len(rules)), rules, rotation=30, ha="right")
    ax.set_yticks(range(len(rules)), rules)
    ax.set_xlabel(f"rule of {pair[1]}")
    ax.set_ylabel(f"rule of {pair[0]}")
    ax.set_title(f"{heading}\n{label}", fontsize=9)
    return fig
