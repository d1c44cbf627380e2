"""The rules by name, the named doctrines (presets), and the check of a rule specification."""

from __future__ import annotations

from datetime import date
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import ValidationError

from sim.policies.base import Rule
from sim.policies.fixed import Dove, Hawk, Random
from sim.policies.human import Human
from sim.policies.learning import EWA, FictitiousPlay
from sim.policies.quantal import BestResponse, Quantal
from sim.policies.reciprocity import GenerousMirror, Grim, Mirror, Reciprocal
from sim.policies.scripted import Scripted

RULES: dict[str, type[Rule]] = {cls.name: cls for cls in (
    Quantal, BestResponse, Random, FictitiousPlay, EWA, Reciprocal, Mirror, GenerousMirror, Grim, Hawk, Dove,
    Scripted, Human)}

#: Named doctrines: a rule and its parameters, usable wherever a rule name is.
PRESETS: dict[str, dict[str, Any]] = {
    "reciprocal_measures": {"name": "reciprocal", "ratio": 1.0, "answer_notice": True, "answer_programme": True,
                            "otherwise": "dialogue"},
    "tit_for_tat": {"name": "mirror", "threshold": "dialogue", "otherwise": "dialogue"},
    "forgiving_reciprocity": {"name": "generous_mirror", "threshold": "develop", "otherwise": "dialogue",
                              "g": 0.3},
    "massive_retaliation": {"name": "grim", "otherwise": "hold", "then": "deployment"},
    "reinforcement_learning": {"name": "ewa", "delta": 0.0, "rho": 0.0},
    "belief_learning": {"name": "ewa", "delta": 1.0, "rho": 0.9, "phi": 0.9},
}
PRESET_NOTES = {
    "reciprocal_measures": "Russia's declared doctrine (seed document): dialogue first, reciprocal measures "
                           "against deployments that threaten it, notice if the US gives notice, no race otherwise",
    "tit_for_tat": "start with dialogue, then do what the adversary did",
    "forgiving_reciprocity": "reciprocal measures that forgive three escalations in ten",
    "massive_retaliation": "hold until the adversary escalates, then deploy for good",
    "reinforcement_learning": "EWA as cumulative reinforcement (Roth-Erev)",
    "belief_learning": "EWA as weighted fictitious play",
}


class RuleSpecError(Exception):
    """A rule table that names an unknown rule or a bad parameter; `path` is relative to it."""

    def __init__(self, path: str, value: object, allowed: str):
        self.path, self.value, self.allowed = path, value, allowed
        super().__init__(f"{path}: {value!r}: {allowed}")


def expand(spec: dict[str, Any]) -> dict[str, Any]:
    """A rule table with a preset name replaced by the preset's rule and parameters."""
    name = spec.get("name") if isinstance(spec, dict) else None
    if name in PRESETS:
        return {**PRESETS[name], **{k: v for k, v in spec.items() if k != "name"}}
    return spec


def validate_spec(spec: dict[str, Any], ids: list[str] | None = None, start: date | None = None,
                  prefix: str = "") -> tuple[type[Rule], Any]:
    """The rule class and its checked parameters for ``{"name": ..., **params}`` (or a preset)."""
    allowed = f"{', '.join(RULES)}, or a preset: {', '.join(PRESETS)}"
    if not isinstance(spec, dict) or "name" not in spec:
        raise RuleSpecError(f"{prefix}.name", spec, f"a rule table needs a name; allowed: {allowed}")
    spec = expand(spec)
    name = spec["name"]
    if name not in RULES:
        raise RuleSpecError(f"{prefix}.name", name, f"unknown rule; allowed: {allowed}")
    cls = RULES[name]
    fields = {k: v for k, v in spec.items() if k != "name"}
    try:
        params = cls.Params.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            names = [f.alias or k for k, f in cls.Params.model_fields.items()]
            raise RuleSpecError(f"{prefix}.{key}", err["input"],
                                f"unknown parameter of rule {name}; allowed: {', '.join(names) or 'none'}") from None
        raise RuleSpecError(f"{prefix}.{key}", err.get("input"), str(err["msg"])) from None
    if cls is Scripted:
        validate_spec(params.then, ids, start, prefix=f"{prefix}.then")
        if start is not None:
            for when in params.moves:
                if when <= start:
                    raise RuleSpecError(f"{prefix}.moves", str(when), f"dates after the start date {start}")
    return cls, params


def make_rule(spec: dict[str, Any], actor: int, start: date, turn_days: int) -> Rule:
    """A ready rule for one actor from a validated specification."""
    cls, params = validate_spec(spec)
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
