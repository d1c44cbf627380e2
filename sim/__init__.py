"""Escalation: a Mesa agent-based model of arms-control crises, starting from the 2018-19 INF crisis.

For scripts and notebooks: `sim.run` (many seeded runs as pandas tables), `sim.load_scenario`,
`sim.EscalationModel` (one run as a Mesa model) and the figures in `sim.plots` (`sim.output.plots`). They are loaded on
first use, so that ``import sim`` (and the command line's start) stays light.
"""

from __future__ import annotations

from importlib import metadata
from typing import TYPE_CHECKING, Any

try:   # setuptools-scm derives it from the git tags when the package is built or installed (docs/reproducing.md)
    __version__ = metadata.version("escalation-sim")
except metadata.PackageNotFoundError:   # run from a checkout that was never installed
    __version__ = "0+unknown"
__all__ = ["EscalationModel", "RunResult", "__version__", "load_scenario", "plots", "run"]

if TYPE_CHECKING:
    from sim.api import RunResult, load_scenario, run
    from sim.engine.model import EscalationModel
    from sim.output import plots

_LAZY = {"run": "sim.api", "load_scenario": "sim.api", "RunResult": "sim.api", "EscalationModel": "sim.engine.model"}
_SUBMODULES = {"plots": "sim.output.plots"}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(_SUBMODULES[name])
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
