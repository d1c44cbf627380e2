"""The posterior's figure: each parameter's weighted histogram over its prior range, with the median and the
90% interval; and the tolerance of each generation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def plot_posterior(doc: dict[str, Any]) -> Any:
    """A Figure of the posterior file's content `doc` (sim.calibration.posterior.document)."""
    from matplotlib.figure import Figure

    priors = doc["priors"]
    panels = len(priors) + 1
    cols = 4
    rows = math.ceil(panels / cols)
    fig = Figure(figsize=(3.2 * cols, 2.5 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    weights = np.asarray(doc["weights"], dtype=float)
    for ax, prior in zip(axes, priors, strict=False):
        name, log = prior["name"], prior["scale"].startswith("log")
        values = np.asarray(doc["samples"][name], dtype=float)
        edges = np.geomspace(prior["low"], prior["high"], 21) if log else np.linspace(prior["low"], prior["high"], 21)
        ax.hist(values, bins=edges, weights=weights, color="#4c72b0", alpha=0.8)
        row = doc["intervals"][name]
        ax.axvspan(row["low"], row["high"], color="#dd8452", alpha=0.2, label="90% interval")
        ax.axvline(row["median"], color="#c44e52", label="median")
        if log:
            ax.set_xscale("log")
        ax.set_xlim(prior["low"], prior["high"])
        ax.set_title(name, fontsize=9)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7, loc="upper right")
    ax = axes[len(priors)]
    eps = [g["epsilon"] for g in doc["generations"]]
    ax.plot(range(1, len(eps) + 1), eps, marker="o", color="#55a868")
    ax.set_title("tolerance by generation", fontsize=9)
    ax.set_xlabel("generation", fontsize=8)
    ax.tick_params(labelsize=7)
    for extra in axes[panels:]:
        extra.set_visible(False)
    fig.suptitle(f"{doc['scenario']}: posterior of {len(priors)} parameters (ABC-SMC, seed {doc['seed']}, "
                 f"{doc['simulations']} runs; x axis: the prior's range)", fontsize=10)
    return fig
