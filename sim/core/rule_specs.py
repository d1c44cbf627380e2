"""What a scenario's rule table may say: every rule's parameters, the presets, and the check of a table.

This module imports no kernel (only pydantic and the move table), so the scenario schema can check
rule tables without loading the dynamics; `sim.rules.registry` pairs each name with its rule class.
A rule table is ``{"name": RULE, **parameters}`` or a preset name with overrides; `RuleSpec` is the
discriminated union of every rule's table (on ``name``), whose JSON schema describes them all.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, Strict, TypeAdapter, ValidationError, create_model, field_validator

from sim.core.actions import Action


class RuleParams(BaseModel):
    """Base of every rule's parameters: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)


def _move_name(value: str) -> str:
    return Action.parse(value).label


class NoParams(RuleParams):
    """A rule without parameters (random, best_response, human)."""


class QuantalParams(RuleParams):
    lambda_: float = Field(default=2.0, ge=0, alias="lambda",
                           description="precision of the logit choice (inf: best response)")
    deliberate: bool = Field(default=True, description="commitments only as a best response (false: the logit "
                                                       "draws them too, as in Model 2; an ablation)")


class FictitiousPlayParams(RuleParams):
    prior: float = Field(default=1.0, ge=0, description="pseudo-observations spread over the moves")
    lambda_: float = Field(default=float("inf"), ge=0, alias="lambda",
                           description="precision of the choice (inf: best response)")


class EWAParams(RuleParams):
    phi: float = Field(default=0.9, ge=0, le=1, description="decay of past attractions")
    delta: float = Field(default=0.5, ge=0, le=1, description="weight of forgone payoffs")
    rho: float = Field(default=0.9, ge=0, le=1, description="decay of the experience weight N")
    lambda_: float = Field(default=2.0, ge=0, alias="lambda", description="precision of the logit choice")
    n0: float = Field(default=1.0, ge=0, description="initial experience weight N(0)")
    a0: float = Field(default=0.0, description="initial attraction of every move")


class HawkParams(RuleParams):
    move: str = Field(default="deployment", description="the move played every turn")

    check_move = field_validator("move")(classmethod(lambda cls, v: _move_name(v)))


class DoveParams(HawkParams):
    move: str = Field(default="dialogue", description="the move played every turn")


class MirrorParams(RuleParams):
    threshold: str = Field(default="dialogue", description="lowest adversary move answered in kind")
    otherwise: str = Field(default="hold", description="move when nothing reaches the threshold")

    check_moves = field_validator("threshold", "otherwise")(classmethod(lambda cls, v: _move_name(v)))


class GenerousMirrorParams(MirrorParams):
    g: float = Field(default=0.2, ge=0, le=1, description="probability of forgiving an escalation")


class GrimParams(RuleParams):
    otherwise: str = Field(default="dialogue", description="move before the trigger")
    then: str = Field(default="deployment", description="move after the trigger, for good")

    check_moves = field_validator("otherwise", "then")(classmethod(lambda cls, v: _move_name(v)))


class ReciprocalParams(RuleParams):
    ratio: float = Field(default=1.0, ge=0, le=100, description="own new missiles per threatening missile")
    answer_notice: bool = Field(default=True, description="give notice when an adversary party has")
    answer_programme: bool = Field(default=True, description="advance its programme when an adversary arms")
    otherwise: str = Field(default="dialogue", description="move when nothing calls for an answer")

    check_moves = field_validator("otherwise")(classmethod(lambda cls, v: _move_name(v)))


class ScriptedParams(RuleParams):
    moves: dict[Annotated[date, Strict(False)], str] = Field(  # TOML table keys are strings
        default={}, description="date -> move, played on the turn containing that date")
    then: dict[str, Any] = Field(default={"name": "quantal"}, description="the rule for every other turn")

    @field_validator("moves")
    @classmethod
    def _moves(cls, value: dict[date, str]) -> dict[date, str]:
        return {when: Action.parse(move).label for when, move in value.items()}


#: The parameters of each rule, by the rule's name (the rule classes use the same classes).
PARAMS: dict[str, type[RuleParams]] = {
    "quantal": QuantalParams, "best_response": NoParams, "random": NoParams,
    "fictitious_play": FictitiousPlayParams, "ewa": EWAParams, "reciprocal": ReciprocalParams,
    "mirror": MirrorParams, "generous_mirror": GenerousMirrorParams, "grim": GrimParams, "hawk": HawkParams,
    "dove": DoveParams, "scripted": ScriptedParams, "human": NoParams,
}

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


def _spec_model(name: str, params: type[RuleParams]) -> type[BaseModel]:
    """The table of one rule: its name (the union's tag) and its parameters."""
    title = "".join(part.title() for part in name.split("_")) + "Spec"
    # a Literal of a name known only at run time: a type to pydantic, an unknown special form to mypy
    return create_model(title, __base__=params, name=(Literal[name], Field(description="the rule")))  # type: ignore[arg-type]


#: Every rule's table, told apart by ``name``. A union built at run time (from PARAMS; `|` cannot spread a
#: tuple, hence Union) is a type to pydantic only: to mypy it is a value (Any), which no annotation uses.
RuleSpec: Any = Annotated[Union[tuple(_spec_model(n, p) for n, p in PARAMS.items())],  # noqa: UP007
                          Field(discriminator="name")]
_SPEC: TypeAdapter[Any] = TypeAdapter(RuleSpec)


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


def check_spec(spec: dict[str, Any], start: date | None = None, prefix: str = "") -> tuple[str, RuleParams]:
    """The rule name and its checked parameters for a rule table (or a preset); RuleSpecError if bad.

    With `start`, a scripted rule's dates must come after it. `prefix` is the table's key path.
    """
    allowed = f"{', '.join(PARAMS)}, or a preset: {', '.join(PRESETS)}"
    if not isinstance(spec, dict) or "name" not in spec:
        raise RuleSpecError(f"{prefix}.name", spec, f"a rule table needs a name; allowed: {allowed}")
    spec = expand(spec)
    name = spec["name"]
    try:
        _SPEC.validate_python(spec)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            raise RuleSpecError(f"{prefix}.name", name, f"unknown rule; allowed: {allowed}") from None
        key = ".".join(str(p) for p in err["loc"][1:])         # loc starts with the tag
        if err["type"] == "extra_forbidden":
            names = [f.alias or k for k, f in PARAMS[name].model_fields.items()]
            raise RuleSpecError(f"{prefix}.{key}", err["input"],
                                f"unknown parameter of rule {name}; allowed: {', '.join(names) or 'none'}") from None
        raise RuleSpecError(f"{prefix}.{key}", err.get("input"), str(err["msg"])) from None
    params = PARAMS[name].model_validate({k: v for k, v in spec.items() if k != "name"})
    if isinstance(params, ScriptedParams):
        check_spec(params.then, start, prefix=f"{prefix}.then")
        if start is not None:
            for when in params.moves:
                if when <= start:
                    raise RuleSpecError(f"{prefix}.moves", str(when), f"dates after the start date {start}")
    return name, params
