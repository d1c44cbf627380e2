"""The rules by name, and the check of a rule specification from a scenario."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError

from sim.policies.base import Rule
from sim.policies.mirror import Mirror
from sim.policies.quantal import Quantal
from sim.policies.scripted import Scripted

RULES: dict[str, type[Rule]] = {cls.name: cls for cls in (Quantal, Mirror, Scripted)}


class RuleSpecError(Exception):
    """A rule table that names an unknown rule or a bad parameter; `path` is relative to it."""

    def __init__(self, path: str, value: object, allowed: str):
        self.path, self.value, self.allowed = path, value, allowed
        super().__init__(f"{path}: {value!r}: {allowed}")


def validate_spec(spec: dict[str, Any], ids: list[str] | None = None, start: date | None = None,
                  prefix: str = "") -> tuple[type[Rule], Any]:
    """The rule class and its checked parameters for ``{"name": ..., **params}``."""
    if not isinstance(spec, dict) or "name" not in spec:
        raise RuleSpecError(f"{prefix}.name", spec, f"a rule table needs a name; allowed: {', '.join(RULES)}")
    name = spec["name"]
    if name not in RULES:
        raise RuleSpecError(f"{prefix}.name", name, f"unknown rule; allowed: {', '.join(RULES)}")
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


def describe(name: str) -> str:
    """The rule's docstring, first paragraph."""
    return (RULES[name].__doc__ or "").strip().split("\n\n")[0]
