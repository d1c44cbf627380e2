"""Figures of a sweep: the Morris mu*-sigma plane, Sobol' S1 and ST with intervals, outcomes against values.

Each function returns its Figure; `draw_all` writes them into a sweep's folder (`sim.output.plots.save_figure`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.output.plots import LINE_STYLES, save_figure

HEADLINE = (("treaty_ended", "treaty ended (share of runs)"), ("incident", "incident (share of runs)"),
            ("peak_escalation", "peak escalation (index, mean)"),
            ("final_escalation", "final escalation (index, mean)"))
SHOWN = 12      # factors named or plotted per panel


def _title(definition: dict, what: str) -> str:
    posterior = definition.get("posterior")
    ranges = f", ranges: 90% intervals of {posterior['file']}" if posterior else ""
    return (f"{definition['scenario']}: {what}\n{definition['method']} sweep, {definition['points']} points x "
            f"{definition['runs']} runs of {definition['turns']} turns, seed {definition['seed']}{ranges}")


def _short(key: str) -> str:
    return key.replace("actors.", "").replace(".payoff.", ".").replace(".rule.", ".")


def _rows(rows: list[dict], outcome: str, index: str) -> dict[str, tuple[float, float]]:
    return {r["factor"]: (float(r["value"]), float(r["conf95"])) for r in rows
            if r["outcome"] == outcome and r["index"] == index}


def _flat(ax: Axes, values: np.ndarray) -> bool:
    """Say so on the panel when the outcome did not vary over the points (no effect to show)."""
    if len(values) and np.nan_to_num(values, nan=0.0).max() > 0:
        return False
    ax.text(0.5, 0.5, "this outcome did not vary over the points", transform=ax.transAxes,
            ha="center", va="center", color="0.3")
    ax.set_xticks([])
    ax.set_yticks([])
    return True


def plot_morris(rows: list[dict], definition: dict) -> Figure:
    """mu* (mean absolute elementary effect) against sigma per headline outcome; the largest named."""
    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5), dpi=110, layout="constrained")
    named: list[tuple[Axes, np.ndarray, np.ndarray, np.ndarray, list[str]]] = []
    for ax, (outcome, label) in zip(axes.ravel(), HEADLINE, strict=True):
        mu, sigma = _rows(rows, outcome, "mu_star"), _rows(rows, outcome, "sigma")
        keys = list(mu)
        x = np.array([mu[k][0] for k in keys])
        err = np.array([mu[k][1] for k in keys])
        y = np.array([sigma[k][0] for k in keys])
        ax.set_title(label, fontsize=10)
        if _flat(ax, x):
            continue
        ax.errorbar(x, y, xerr=err, fmt="o", ms=4, color="tab:blue", ecolor="0.7", elinewidth=1, capsize=2,
                    label="value (mu* with 95% interval)")
        hi = max(float(np.nanmax(x)) if len(x) else 1.0, float(np.nanmax(y)) if len(y) else 1.0, 1e-12)
        ax.plot([0, hi], [0, hi], color="0.6", lw=0.8, ls="--",
                label="sigma = mu* (strong interaction or non-linearity)")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.set_xlabel(f"mu*: mean |elementary effect| on {label}")
        ax.set_ylabel("sigma: spread of the effects")
        ax.grid(alpha=0.3)
        top = [k for k in np.argsort(-np.nan_to_num(x, nan=-1))[:6] if x[k] > 0]     # no name for no effect
        named.append((ax, x[top], y[top], err[top], [_short(keys[k]) for k in top]))
    handles, labels = next((ax.get_legend_handles_labels() for ax in axes.ravel() if ax.get_legend_handles_labels()[0]),
                           ([], []))
    if handles:      # the same for every panel: once, below them, where it covers no point
        fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    fig.suptitle(_title(definition, "Morris screening (effects per unit range of each value)"), fontsize=10)
    engine = fig.get_layout_engine()
    if engine is not None:       # the axes' final places: labels are placed in points on the page
        engine.execute(fig)
    for ax, x, y, err, names in named:
        _label_points(ax, x, y, err, names)
    if engine is not None:
        fig.set_layout_engine("none")      # the labels' places hold only for this layout
    return fig


def _label_points(ax: Axes, x: np.ndarray, y: np.ndarray, err: np.ndarray, names: list[str]) -> None:
    """Name each point beside it, clear of the other labels, points and interval bars: a label that would
    cover one is moved up, with a line to its point, and one that would leave the axes goes to the left of
    its point. The axes' places must be final (the labels are placed in points on the page)."""
    height, width = 9.0, 4.4        # a label's height and a character's width, in points, at font size 7
    to_points = 72.0 / ax.figure.dpi
    at = ax.transData.transform(np.column_stack([x, y])) * to_points
    e = np.nan_to_num(err)
    low, high = (ax.transData.transform(np.column_stack([x + sign * e, y]))[:, 0] * to_points for sign in (-1, 1))
    edge = ax.transAxes.transform((1, 0))[0] * to_points
    taken = [(low[k] - 3, at[k, 1] - 3, high[k] + 3, at[k, 1] + 3) for k in range(len(x))]   # bars and points
    for k in np.argsort(at[:, 1], kind="stable"):
        size = width * len(names[k])
        left = at[k, 0] + 4 if at[k, 0] + 4 + size <= edge else at[k, 0] - 4 - size
        bottom = at[k, 1] + 3
        while clash := next((t for t in taken if left < t[2] and t[0] < left + size and bottom < t[3]
                             and t[1] < bottom + height), None):
            bottom = clash[3] + 0.5
        taken.append((left, bottom, left + size, bottom + height))
        lift = bottom - at[k, 1]
        ax.annotate(names[k], (x[k], y[k]), xytext=(left - at[k, 0], lift), textcoords="offset points", fontsize=7,
                    arrowprops={"arrowstyle": "-", "color": "0.6", "lw": 0.5} if lift > 3 + 1e-9 else None)


def plot_sobol(rows: list[dict], definition: dict) -> Figure:
    """First-order (S1) and total (ST) Sobol' indices with 95% intervals per headline outcome."""
    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5), dpi=110, layout="constrained")
    for ax, (outcome, label) in zip(axes.ravel(), HEADLINE, strict=True):
        s1, st = _rows(rows, outcome, "S1"), _rows(rows, outcome, "ST")
        keys = sorted(st, key=lambda k: -np.nan_to_num(st[k][0], nan=-1))[:SHOWN]
        ax.set_title(label, fontsize=10)
        if _flat(ax, np.array([st[k][0] for k in keys])):
            continue
        pos = np.arange(len(keys))
        ax.barh(pos - 0.2, [s1[k][0] for k in keys], 0.4, xerr=[s1[k][1] for k in keys], color="tab:blue",
                ecolor="0.4", capsize=2, label="S1: its own share of the variance")
        ax.barh(pos + 0.2, [st[k][0] for k in keys], 0.4, xerr=[st[k][1] for k in keys], color="tab:orange",
                ecolor="0.4", capsize=2, label="ST: with all its interactions")
        ax.set_yticks(pos, [_short(k) for k in keys], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(f"share of the variance of {label}")
        ax.grid(alpha=0.3, axis="x")
        ax.legend(loc="lower right", fontsize=7, frameon=False)
    fig.suptitle(_title(definition, "Sobol' indices (95% intervals, bootstrap)"), fontsize=10)
    return fig


def plot_convergence(rows: Sequence[dict], definition: dict, top: int = 5) -> Figure:
    """The first-order (S1) and total (ST) Sobol' indices of the `top` factors (by ST at the most samples)
    against the base samples N they were estimated from, with 95% intervals: one row of panels per headline
    outcome that varied (S1 left, ST right, each factor in the same colour in both). Lines flat within their
    intervals have converged. The axes show -0.25 to 1.25: an interval wider is cut there."""
    most = max((r["samples"] for r in rows), default=0)
    final = {(r["outcome"], r["factor"]): r["value"] for r in rows if r["samples"] == most and r["index"] == "ST"}
    shown = [(o, label) for o, label in HEADLINE
             if np.nan_to_num([v for (oo, _), v in final.items() if oo == o], nan=0.0).max(initial=0) > 0]
    fig, axes = plt.subplots(max(1, len(shown)), 2, figsize=(13, 1.2 + 3.6 * max(1, len(shown))), dpi=110,
                             layout="constrained", sharex=True, squeeze=False)
    for (outcome, label), pair in zip(shown, axes, strict=False):
        last = {f: v for (o, f), v in final.items() if o == outcome}
        leaders = sorted(last, key=lambda f: -np.nan_to_num(last[f], nan=-1))[:top]
        for ax, index in zip(pair, ("S1", "ST"), strict=True):
            ax.set_title(f"{label}: {index}", fontsize=10)
            for k, factor in enumerate(leaders):
                line = sorted((r for r in rows if (r["outcome"], r["factor"], r["index"]) == (outcome, factor, index)),
                              key=lambda r: r["samples"])
                color, dash = LINE_STYLES[k % len(LINE_STYLES)]
                ax.errorbar([r["samples"] * (1 + 0.03 * (k - 2)) for r in line], [r["value"] for r in line],
                            yerr=[r["conf95"] for r in line], color=color, ls=dash, marker="o", ms=4, capsize=2,
                            label=_short(factor))
            ax.set_xscale("log", base=2)
            ax.set_ylim(-0.25, 1.25)
            ax.set_ylabel(f"{index} (95% interval)")
            ax.grid(alpha=0.3)
        pair[1].legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if not shown:
        _flat(axes[0, 0], np.array([]))
        axes[0, 1].set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("base samples N (the first N of the design's Saltelli blocks)")
    fig.suptitle(_title(definition, f"convergence of the Sobol' indices up to N = {most} base samples (95% "
                                    "intervals, cut at the axes)"), fontsize=10)
    return fig


def plot_outcomes(factors: Sequence[Any], X: np.ndarray, names: list[str], Y: np.ndarray, definition: dict,
                  order: Sequence[int] | None = None, outcome: str = "peak_escalation") -> Figure:
    """One outcome against each value (the first SHOWN in `order`), one point per sample point."""
    o = names.index(outcome)
    shown = list(order if order is not None else range(len(factors)))[:SHOWN]
    cols = min(4, len(shown))
    rows_n = -(-len(shown) // cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(3.4 * cols, 2.8 * rows_n + 0.8), dpi=110, sharey=True,
                             layout="constrained", squeeze=False)
    for ax in axes.ravel()[len(shown):]:
        ax.set_visible(False)
    for ax, k in zip(axes.ravel(), shown, strict=False):
        ax.scatter(X[:, k], Y[:, o], s=8, alpha=0.5, color="tab:red", lw=0)
        ax.set_xlabel(_short(factors[k].key), fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel(dict(HEADLINE).get(outcome, outcome), fontsize=8)
    fig.suptitle(_title(definition, f"{outcome} against each value (one dot per sample point)"), fontsize=10)
    return fig


def draw_all(folder: Path, method: str, factors: Sequence[Any], X: np.ndarray, names: list[str], Y: np.ndarray,
             rows: list[dict], definition: dict, fmt: str = "png", dpi: int | None = None,
             converging: Sequence[dict] = ()) -> list[Path]:
    """The sweep's figures, written into `folder`."""
    paths = []
    index = {"morris": "mu_star", "sobol": "ST"}.get(method)
    order = None
    if index is not None:
        strength = _rows(rows, "peak_escalation", index)
        order = sorted(range(len(factors)), key=lambda k: -np.nan_to_num(strength[factors[k].key][0], nan=-1))
        plot = plot_morris if method == "morris" else plot_sobol
        paths.append(save_figure(plot(rows, definition), folder, method, fmt, dpi))
    if converging:
        paths.append(save_figure(plot_convergence(converging, definition), folder, "sobol_convergence", fmt, dpi))
    paths.append(save_figure(plot_outcomes(factors, X, names, Y, definition, order), folder, "outcomes", fmt, dpi))
    return paths
