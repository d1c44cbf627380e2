"""The model explorer: `EscalationModel` in Mesa's SolaraViz (``solara run sim/app.py``).

The sidebar holds Mesa's controls (Reset, play/pause, Step) and the model's parameters, which take effect
on Reset as in every Mesa app; the page shows the turn and date, the escalation index with its components
over time, and how often each actor has played each move. Needs the ``explorer`` extra (solara); nothing
else in `sim` imports this module. See docs/explorer.md.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

import matplotlib.dates as mdates
import mesa
import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from mesa.visualization import SolaraViz

from sim.core.actions import COLOURS, MOVE_NAMES
from sim.core.rule_specs import PARAMS, expand
from sim.core.scenario import Scenario, apply_overrides, available, load
from sim.core.state import COMPONENT_LABELS, COMPONENTS, index_weights
from sim.engine.model import EscalationModel
from sim.output.plots import COMPONENT_COLORS

DEFAULT_SEED = "42"


def parse_seed(text: Any) -> int:
    """The seed typed in the box: a whole number; blank: a new one from the system, short enough to
    retype (the page shows it)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    text = str(text if text is not None else "").strip().replace("_", "")
    if not text:
        return secrets.randbelow(10**9)
    if not text.isdigit():
        raise ValueError(f"seed {text!r}; allowed: a whole number of at least 0, or blank for a new one")
    return int(text)


def scaled_rule(rule: dict[str, Any], factor: float) -> dict[str, Any] | None:
    """The rule table with its precision lambda times `factor`, or None if the rule has no lambda.

    Presets are expanded first; a scripted rule scales the rule it falls back on. An infinite lambda
    (best response) stays infinite.
    """
    spec = expand(rule)
    name = spec.get("name")
    if name == "scripted":
        then = scaled_rule(spec.get("then", {"name": "quantal"}), factor)
        return None if then is None else {**spec, "then": then}
    params = PARAMS.get(str(name))
    if params is None or "lambda_" not in params.model_fields:
        return None
    now = float(spec.get("lambda", params.model_fields["lambda_"].default))
    return {**spec, "lambda": now if math.isinf(now) else now * factor}


def explorer_overrides(scn: Scenario, h_max: float, lambda_factor: float,
                       audience_factor: float) -> dict[str, Any]:
    """The scenario changes the controls ask for, as dotted keys (``{"risk.h_max": 0.01, ...}``)."""
    changes: dict[str, Any] = {}
    if h_max != scn.risk.h_max:
        changes["risk.h_max"] = h_max
    for actor in scn.actors:
        if lambda_factor != 1 and (rule := scaled_rule(actor.rule, lambda_factor)) is not None:
            changes[f"actors.{actor.id}.rule"] = rule
        if audience_factor != 1:
            changes[f"actors.{actor.id}.payoff.audience_cost"] = actor.payoff.audience_cost * audience_factor
    return changes


class ExplorerModel(EscalationModel):
    """`EscalationModel` with the explorer's controls as keyword arguments (SolaraViz's Reset passes them).

    Args:
        scenario: name of a scenario (`sim.core.scenario.available()`).
        seed: the root seed as typed (text or int); blank: a new one (`parse_seed`), shown on the page.
            Text that is not a whole number also draws a new one, and the page says so.
        h_max: hazard of a breakdown per turn at full escalation (``risk.h_max``).
        lambda_factor: multiplies the precision lambda of every actor whose rule has one (0: random choice).
        audience_factor: multiplies every actor's audience cost of backing down.
    """

    def __init__(self, scenario: str = "inf_2018", seed: Any = DEFAULT_SEED, h_max: float = 0.005,
                 lambda_factor: float = 1.0, audience_factor: float = 1.0):
        scn = load(scenario)
        changes = explorer_overrides(scn, float(h_max), float(lambda_factor), float(audience_factor))
        try:
            root, note = parse_seed(seed), ""
        except ValueError as exc:   # Mesa's Reset shows no error: an exception here would break the page
            root, note = parse_seed(""), f"{exc}: a new one was drawn. "
        super().__init__(apply_overrides(scn, changes, origin="explorer") if changes else scn, seed=root)
        self.controls = {"h_max": float(h_max), "lambda_factor": float(lambda_factor),
                         "audience_factor": float(audience_factor)}
        self.seed_note = note


#: The controls, in SolaraViz's model_params format; each key is a keyword of `ExplorerModel`. The labels are
#: short because solara puts a slider beside its label; the page's status line says each value in words.
MODEL_PARAMS: dict[str, Any] = {
    "scenario": {"type": "Select", "value": "inf_2018", "values": available(), "label": "Scenario"},
    "seed": {"type": "InputText", "value": DEFAULT_SEED, "label": "Seed (a whole number; blank: a new one)"},
    "h_max": {"type": "SliderFloat", "value": 0.005, "min": 0.0, "max": 0.05, "step": 0.001,
              "label": "Breakdown risk"},
    "lambda_factor": {"type": "SliderFloat", "value": 1.0, "min": 0.0, "max": 4.0, "step": 0.1,
                      "label": "Precision λ factor"},
    "audience_factor": {"type": "SliderFloat", "value": 1.0, "min": 0.0, "max": 4.0, "step": 0.1,
                        "label": "Audience cost factor"},
}


def initial_parameters() -> dict[str, Any]:
    """The controls' starting values, as SolaraViz's ModelCreator hands them to Reset."""
    return {name: spec["value"] for name, spec in MODEL_PARAMS.items()}


# ---------------------------------------------------------------- the data behind each plot


def escalation_table(model: EscalationModel) -> pd.DataFrame:
    """One row per turn collected so far: turn, date, the index, and each component's points in it
    (weight x component x 100, which add up to the index: the rung's band, then the intensity's parts)."""
    df = model.datacollector.get_model_vars_dataframe()
    weights = index_weights(model.scenario.escalation)
    out = pd.DataFrame({"turn": df["turn"].astype(int), "date": pd.to_datetime(df["date"]),
                        "escalation": df["escalation"].astype(float)})
    for c in COMPONENTS:
        out[c] = 100 * weights[c] * df[c].astype(float)
    return out.reset_index(drop=True)


def move_shares(model: EscalationModel) -> pd.DataFrame:
    """Share of the turns played so far in which each actor made each move: actors x moves, rows add up
    to 1 (empty before the first turn). The scenario's moves before the start (turn 0) are not counted."""
    df = model.datacollector.get_agent_vars_dataframe().reset_index()
    played = df[df["Step"] > 0]
    actors = [a.actor_id for a in model.nations]
    counts = pd.crosstab(played["actor"], played["action"]).reindex(index=actors, columns=list(MOVE_NAMES),
                                                                     fill_value=0)
    total = counts.sum(axis=1).replace(0, np.nan)
    return counts.div(total, axis=0).fillna(0.0)


# ---------------------------------------------------------------- figures and page components


def escalation_figure(model: EscalationModel) -> Figure:
    """The index over time (line) on its stacked components, dates below and turns above, scaled to the
    whole run so that the axes stay put while it plays."""
    t = escalation_table(model)
    fig = Figure(figsize=(7.5, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    parts = [t[c].to_numpy() for c in COMPONENTS]
    ax.stackplot(t["date"], *parts, colors=[COMPONENT_COLORS[c.removeprefix("esc_")] for c in COMPONENTS],
                 labels=[COMPONENT_LABELS[c] for c in COMPONENTS], alpha=0.85)
    ax.plot(t["date"], t["escalation"], color="black", lw=1.6, marker="o", ms=2.5, label="escalation index")
    scn = model.scenario.scenario
    start = float(mdates.date2num(scn.start_date))    # matplotlib's dates: days, so a turn is turn_days
    ax.set_xlim(start, float(mdates.date2num(model.scenario.date_of(model.crisis.turns))))
    ax.set_ylim(0, 100)
    ax.set_ylabel("escalation index (0 calm, 100 maximal)")
    ax.set_xlabel(f"date (one turn = {scn.turn_days} days)")
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))   # month and year on every tick
    ax.grid(alpha=0.3)

    def to_turn(x: Any) -> Any:
        return (np.asarray(x) - start) / scn.turn_days

    def to_date(n: Any) -> Any:
        return start + np.asarray(n) * scn.turn_days

    top = ax.secondary_xaxis("top", functions=(to_turn, to_date))
    top.set_xlabel("turn")
    fig.legend(loc="outside lower center", fontsize=7, ncols=5, frameon=False)
    return fig


def moves_figure(model: EscalationModel) -> Figure:
    """One bar per actor, split by the share of turns it played each move."""
    shares = move_shares(model)
    fig = Figure(figsize=(7.5, 1.0 + 0.55 * len(shares)), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    names = [a.name for a in model.nations]
    left = np.zeros(len(shares))
    for move in MOVE_NAMES:
        width = shares[move].to_numpy()
        ax.barh(names, width, left=left, color=COLOURS[move], label=move, edgecolor="white", lw=0.5)
        left += width
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    played = int(model.turn)
    ax.set_xlabel(f"share of the {played} turn{'s' if played != 1 else ''} played so far" if played
                  else "no turn played yet: press Step or play")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=len(MOVE_NAMES), fontsize=7, frameon=False,
              handlelength=1)
    return fig


def status_text(model: EscalationModel) -> str:
    """The turn counter and state of the crisis, one line."""
    when = model.crisis.date()
    state = ("the crisis broke down (incident)" if model.incident
             else "finished" if model.crisis.finished else f"treaty: {model.treaty.replace('_', ' ')}")
    return (f"Turn {model.turn} of {model.crisis.turns}, {when:%d %B %Y} · {state} · "
            f"escalation {model.escalation:.1f} (rung {model.rung}) · "
            f"{model.scenario.name}, seed {model.seed}")


def controls_text(model: EscalationModel) -> str:
    """What the run's controls were, in words (the sliders show their values only while dragged)."""
    c = getattr(model, "controls", None)
    if c is None:
        return f"risk.h_max {model.scenario.risk.h_max:g}"
    return (f"{getattr(model, 'seed_note', '')}This run: breakdown risk at full escalation "
            f"{100 * c['h_max']:.1f}% a turn (risk.h_max "
            f"{c['h_max']:g}) · precision of the rules' choices (lambda) x{c['lambda_factor']:g} · "
            f"audience costs x{c['audience_factor']:g}. Controls take effect on Reset.")


def EscalationPlot(model: EscalationModel) -> Any:
    """Page component: the turn counter (`status_text`) over `escalation_figure`."""
    with solara.Column() as column:
        solara.Text(status_text(model), classes=["explorer-status"], style={"font-size": "1.05em"})
        solara.Text(controls_text(model), classes=["explorer-controls"], style={"font-size": "0.85em"})
        solara.FigureMatplotlib(escalation_figure(model), format="png")
    return column


def MovesPlot(model: EscalationModel) -> Any:
    """Page component: `moves_figure`."""
    return solara.FigureMatplotlib(moves_figure(model), format="png")


#: The page's components (SolaraViz redraws each after every step), all on its first page.
COMPONENTS_SHOWN: list[tuple[Any, int]] = [(EscalationPlot, 0), (MovesPlot, 0)]


def explorer(model: mesa.Model | None = None) -> Any:
    """The SolaraViz element of the explorer for `model` (default: a new one from the controls' values)."""
    return SolaraViz(model if model is not None else ExplorerModel(**initial_parameters()),
                     components=COMPONENTS_SHOWN, model_params=MODEL_PARAMS,
                     name="Escalation explorer: the INF crisis as a Mesa model")


@solara.component
def Page() -> Any:
    """What ``solara run sim/app.py`` serves: each browser session gets its own model."""
    model = solara.use_memo(lambda: ExplorerModel(**initial_parameters()), [])
    return explorer(model)
