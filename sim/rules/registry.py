"""The rules by name, the named doctrines (presets), and the check of a rule specification."""

from __future__ import annotations

from datetime import date
from typing import Any

from annotated_types import Ge, Gt, Le, Lt

from sim.core.rule_specs import PARAMS, PRESET_NOTES, PRESETS, RuleSpecError, check_spec, expand
from sim.rules.base import Rule
from sim.rules.fixed import Dove, Hawk, Random
from sim.rules.human import Human
from sim.rules.learning import EWA, FictitiousPlay
from sim.rules.quantal import BestResponse, Quantal
from sim.rules.reciprocity import GenerousMirror, Grim, Mirror, Reciprocal
from sim.rules.scripted import Scripted

__all__ = ["PARAMS", "PRESETS", "PRESET_NOTES", "RULES", "RuleSpecError", "expand", "human_actors", "make_rule",
           "parameters", "validate_spec"]

#: Every rule class by its name; each uses the parameters `sim.core.rule_specs.PARAMS` gives its name.
RULES: dict[str, type[Rule]] = {cls.name: cls for cls in (
    Quantal, BestResponse, Random, FictitiousPlay, EWA, Reciprocal, Mirror, GenerousMirror, Grim, Hawk, Dove,
    Scripted, Human)}


def validate_spec(spec: dict[str, Any], ids: list[str] | None = None, start: date | None = None,
                  prefix: str = "") -> tuple[type[Rule], Any]:
    """The rule class and its checked parameters for ``{"name": ..., **params}`` (or a preset); see
    `sim.core.rule_specs.check_spec`."""
    name, params = check_spec(spec, start, prefix)
    return RULES[name], params


def make_rule(spec: dict[str, Any], actor: int, start: date, turn_days: int) -> Rule:
    """A ready rule for one actor from a validated specification."""
    cls, params = validate_spec(spec)
    if cls is Scripted:
        return Scripted(params, actor, start, turn_days, fallback=make_rule(params.then, actor, start, turn_days))
    return cls(params, actor, start, turn_days)


def human_actors(specs: dict[str, dict[str, Any]]) -> list[str]:
    """Actors (by id) whose rule, or scripted fallback, needs a person."""
    found = []
    for actor, spec in specs.items():
        cls, params = validate_spec(spec)
        while cls is Scripted:
            cls, params = validate_spec(params.then)
        if cls.classifier.get("needs_human") is True:
            found.append(actor)
    return found


def parameters(name: str) -> list[tuple[str, object, str, str]]:
    """(name, default, allowed range, description) of each parameter of a rule."""
    rows = []
    for key, field in RULES[name].Params.model_fields.items():
        bounds = []
        for m in field.metadata:
            for kind, sign in ((Ge, ">="), (Gt, ">"), (Le, "<="), (Lt, "<")):
                if isinstance(m, kind):
                    bounds.append(f"{sign} {getattr(m, next(iter(m.__dataclass_fields__)))}")
        if field.annotation is str:
            bounds.append("a move")
        rows.append((field.alias or key, field.default, ", ".join(bounds) or "any", field.description or ""))
    return rows
