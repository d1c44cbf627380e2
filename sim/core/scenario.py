"""Scenario schema, TOML loading and validation with one-line errors.

A scenario is a TOML file in ``scenarios/`` (see ``docs/ODD.md`` and the README for the format).
Types, ranges and unknown keys are checked by pydantic models; cross-references (actor ids,
rule names and parameters, dates) are checked here so that every error names the key path.
"""

from __future__ import annotations

import copy
import math
import re
import sys
import tomllib
from collections.abc import Sequence
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.core.actions import MOVE_NAMES
from sim.core.codes import Stage
from sim.core.errors import MISSING, ScenarioError
from sim.core.rule_specs import RuleSpecError, check_spec


def shipped_folder() -> Path:
    """The folder of the scenarios that come with the program: inside the installed package, or
    ``scenarios/`` of a source checkout (where the wheel's ``sim/scenarios`` is built from)."""
    packaged = Path(str(resources.files("sim"))) / "scenarios"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "scenarios"


SCENARIO_DIR = shipped_folder()
#: folders searched for a scenario given by name, before the shipped ones (`--scenarios DIR`)
user_folders: list[Path] = []

# What the arithmetic can carry. Missile stocks stay within int32 (what summary.json and the figures
# keep) even if every one of the 10,000 turns adds a full batch; durations leave room in the calendar.
MAX_MISSILES = 1_000_000
MAX_BATCH = 100_000
MAX_DAYS = 3_660               # ten years
MAX_WEIGHT = 1e6               # payoff weights, utility units per turn
MAX_SCALE = 1e9
MAX_FILE_BYTES = 1_000_000     # a scenario file, or one --set value
MAX_DEPTH = 32                 # nesting of tables and arrays
Missiles = Annotated[int, Field(le=MAX_MISSILES)]
Batch = Annotated[int, Field(le=MAX_BATCH)]
Days = Annotated[int, Field(le=MAX_DAYS)]
Weight = Annotated[float, Field(le=MAX_WEIGHT)]
Scale = Annotated[float, Field(le=MAX_SCALE)]


class _Strict(BaseModel):
    # strict: a string is not silently read as a number or a boolean; inf and nan are no numbers here
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Meta(_Strict):
    """The ``[scenario]`` section: what the scenario is and its calendar."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")  # names a folder
    title: str = ""
    description: str = ""
    start_date: date
    turn_days: int = Field(default=30, ge=1, le=366)
    turns: int = Field(default=60, ge=1, le=10_000)
    sources: list[str] = []


class Treaty(_Strict):
    """The ``[treaty]`` section: treaty status at the start and its clauses."""

    status: Literal["in_force", "notice", "terminated", "none"] = "in_force"
    notice_days: Days = Field(default=180, ge=0)
    notice_by: str | None = None
    notice_ends: date | None = None
    ultimatum_days: Days = Field(default=60, ge=1)
    elimination_days: Days = Field(default=1095, ge=30)


class Payoff(_Strict):
    """Per-actor payoff weights, in utility units: flows (treaty_value, threat_weight, force_value, upkeep,
    programme_cost, host_cost) and the discount are per 30 days, whatever the turn (converted in
    `sim.core.params.compile_params`); the other weights are costs or values of single events.
    `private_value` bounds what a side privately needs from a deal beyond its public valuation (its
    reserve, drawn per run; docs/ODD.md 7.3): a value of the whole future, not a flow."""

    treaty_value: Weight = Field(default=1.0, ge=0)
    threat_weight: Weight = Field(default=1.0, ge=0)
    reaction: float = Field(default=0.5, ge=0, le=1)
    force_value: Weight = Field(default=0.0, ge=0)
    force_scale: Weight = Field(default=100.0, gt=0)
    deploy_cost: Weight = Field(default=0.01, ge=0)
    upkeep: Weight = Field(default=0.001, ge=0)
    programme_cost: Weight = Field(default=0.02, ge=0)
    host_cost: Weight = Field(default=0.1, ge=0)
    comply_cost: Weight = Field(default=1.0, ge=0)
    war_cost: Weight = Field(default=100.0, ge=0)
    audience_cost: Weight = Field(default=1.0, ge=0)
    reputation_cost: Weight = Field(default=1.0, ge=0)
    talks_value: Weight = Field(default=0.1, ge=0)
    dialogue_cost: Weight = Field(default=0.0, ge=0)
    discount: float = Field(default=0.9, ge=0, lt=1)
    private_value: Weight = Field(default=0.0, ge=0)   # half-width of the private reserve's range (0: known)


class OpenUltimatum(_Strict):
    """An ultimatum already open at the start, and what it demands of its target: return to compliance
    with the treaty, remove its missiles in range, or halt its programme."""

    target: str
    deadline: date
    demand: Literal["comply", "remove", "halt"] = "comply"


class Programme(_Strict):
    """A missile programme: its stage at the start and how long each stage takes."""

    stage: Stage = "none"
    since: date | None = None
    development_days: Days = Field(default=720, ge=0)
    flight_test_days: Days = Field(default=360, ge=0)
    production_days: Days = Field(default=360, ge=0)


class BriefingSpec(_Strict):
    """An actor's ``[actors.briefing]`` table: what its team reads before the game (`sim.briefing`).

    Every field is optional; `sim.briefing` derives what is left out from the scenario.
    """

    background: str = ""
    objectives: list[str] = []
    knows: list[str] = []          # public: what every side could know
    intelligence: list[str] = []   # private: only this side's team is shown it


class ActorSpec(_Strict):
    """One ``[[actors]]`` entry."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    name: str = ""
    treaty_party: bool = False
    allies: list[str] = []
    adversaries: list[str] = Field(min_length=1)
    missiles: Missiles = Field(default=0, ge=0)
    disputed: Missiles = Field(default=0, ge=0)
    on_order: Missiles = Field(default=0, ge=0)            # ordered before the start: a build-up under way
    on_order_arrives: date | None = None                   # when they arrive (default: start + deploy lag)
    deploy_batch: Batch = Field(default=16, ge=1)
    deploy_lag_days: Days = Field(default=180, ge=0)
    host_for: str | None = None
    hosting: bool = False                                  # a host that consents at the start (in principle)
    counts_with: list[str] = []                            # allies whose forces count with its own in a ceiling
    basing_reach: list[str] | None = None
    missile_scale: Scale | None = Field(default=None, gt=0)   # this owner's force scale; default [escalation]'s
    warning_minutes: Annotated[float, Field(le=MAX_DAYS * 1440)] = Field(default=30.0, gt=0)
    programme: Programme = Programme()
    declares: dict[str, str] = {}
    credibility: float = Field(default=0.5, ge=0, le=1)
    trust: dict[str, float] = {}
    last_move: str = "hold"
    belief_memory: float = Field(default=0.7, ge=0, le=1)
    ultimatum: OpenUltimatum | None = None
    rule: dict[str, Any] = {"name": "quantal"}
    payoff: Payoff = Payoff()
    briefing: BriefingSpec | None = None


class Escalation(_Strict):
    """The ``[escalation]`` section: weights of the intensity within a rung, and the force scale."""

    w_treaty: float = Field(default=0.35, ge=0, le=1)
    w_missiles: float = Field(default=0.3, ge=0, le=1)
    w_arming: float = Field(default=0.2, ge=0, le=1)
    w_demands: float = Field(default=0.15, ge=0, le=1)
    missile_scale: Scale = Field(default=100.0, gt=0)


class Risk(_Strict):
    """The ``[risk]`` section: incident hazard (crisis stability) and violation detection."""

    h_max: float = Field(default=0.01, ge=0, le=1)
    k: Annotated[float, Field(le=100)] = Field(default=1.0, gt=0)
    decision_minutes: Annotated[float, Field(le=MAX_DAYS * 1440)] = Field(default=30.0, gt=0)
    w_exposure: float = Field(default=0.2, ge=0, le=1)
    w_alert: float = Field(default=0.3, ge=0, le=1)
    w_confrontation: float = Field(default=0.5, ge=0, le=1)
    p_detect: float = Field(default=0.25, ge=0, le=1)
    p_detect_test: float = Field(default=0.8, ge=0, le=1)


class Diplomacy(_Strict):
    """The ``[diplomacy]`` section: how talks, trust and credibility move."""

    initial_trust: float = Field(default=0.5, ge=0, le=1)
    talks_rate: float = Field(default=0.5, ge=0, le=1)
    talks_decay: float = Field(default=0.2, ge=0, le=1)
    trust_round_gain: float = Field(default=0.05, ge=0, le=1)
    trust_agreement_gain: float = Field(default=0.2, ge=0, le=1)
    trust_one_sided_gain: float = Field(default=0.02, ge=0, le=1)
    trust_ultimatum_loss: float = Field(default=0.05, ge=0, le=1)
    trust_withdrawal_loss: float = Field(default=0.1, ge=0, le=1)
    trust_deploy_loss: float = Field(default=0.1, ge=0, le=1)
    trust_detect_loss: float = Field(default=0.2, ge=0, le=1)
    carry_if_resolute: float = Field(default=0.9, ge=0, le=1)
    carry_if_bluffing: float = Field(default=0.2, ge=0, le=1)


class Lookahead(_Strict):
    """The ``[lookahead]`` section: how rules that look ahead average over the others' moves."""

    max_profiles: int = Field(default=32, ge=1, le=4096)
    min_belief: float = Field(default=0.02, ge=0, lt=0.5)


class Event(_Strict):
    """One ``[[events]]`` entry: a forced move, or parameter changes, from a date on."""

    date: date
    actor: str | None = None
    move: str | None = None
    set: dict[str, Any] = {}
    note: str = ""

    @property
    def who(self) -> str:
        """The actor of an event with a move (validation makes sure that such an event names one)."""
        assert self.actor is not None, "an event with a move names its actor"
        return self.actor


class Scenario(_Strict):
    """A validated scenario. Build it with :func:`load` or :func:`from_dict`."""

    scenario: Meta
    treaty: Treaty = Treaty()
    actors: list[ActorSpec] = Field(min_length=2)
    escalation: Escalation = Escalation()
    risk: Risk = Risk()
    diplomacy: Diplomacy = Diplomacy()
    lookahead: Lookahead = Lookahead()
    events: list[Event] = []
    source: str = Field(default="<scenario>", exclude=True)

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def actor_ids(self) -> list[str]:
        return [a.id for a in self.actors]

    def adversary_pair(self) -> tuple[str, str]:
        """The scenario's adversary pair: its first actor and that actor's first adversary."""
        first = self.actors[0]
        return first.id, first.adversaries[0]

    def date_of(self, turn: int) -> date:
        """Calendar date of a turn (turn 0 is the start)."""
        return self.scenario.start_date + timedelta(days=turn * self.scenario.turn_days)

    def turn_of(self, when: date) -> int:
        """First turn whose date is on or after `when`."""
        days = (when - self.scenario.start_date).days
        return max(0, math.ceil(days / self.scenario.turn_days))

    def days_to_turns(self, days: int) -> int:
        """A duration in days as whole turns, rounded up."""
        return math.ceil(days / self.scenario.turn_days)

    def with_turns(self, turns: int) -> Scenario:
        """The same scenario run for another number of turns."""
        return apply_overrides(self, {"scenario.turns": turns}, origin="--turns")

    def raw(self) -> dict[str, Any]:
        """The scenario as plain TOML-ready data."""
        return self.model_dump(mode="python", exclude_none=True)


# ---------------------------------------------------------------- loading


def to_toml(scn: Scenario) -> str:
    """The scenario as a TOML file that `load` reads back to the same scenario."""
    import tomli_w

    header = (f"# Effective scenario {scn.name!r} as run (overrides applied), written by run_sim.py.\n"
              f"# Source: {scn.source}; see that file for where each number comes from.\n\n")
    return header + tomli_w.dumps(scn.raw())


def folders() -> list[Path]:
    """Where a scenario given by name is looked for, in order: `user_folders`, then the shipped one."""
    return [*user_folders, SCENARIO_DIR]


def resolve_path(name_or_path: str) -> Path:
    """A scenario name (NAME.toml in the first of `folders()` that has it) or a path to a TOML file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.parent != Path("."):
        return p
    for folder in folders():
        if (folder / f"{name_or_path}.toml").is_file():
            return folder / f"{name_or_path}.toml"
    return folders()[0] / f"{name_or_path}.toml"


def available() -> list[str]:
    """Names of the scenarios that can be given by name (user folders and the shipped ones)."""
    return sorted({p.stem for folder in folders() for p in folder.glob("*.toml")})


def load(name_or_path: str, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, override (``{"risk.h_max": 0.02}``) and validate a scenario; ScenarioError if bad."""
    path = resolve_path(name_or_path)
    source = str(path)
    try:
        if not path.is_file():
            allowed = f"no such scenario file; scenarios by name: {', '.join(available())}"
            raise ScenarioError(source, "", MISSING, allowed)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError(source, "", MISSING, f"larger than {MAX_FILE_BYTES:,} bytes: not a scenario file")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "", MISSING, _toml_message(exc)) from None
    except UnicodeDecodeError:
        raise ScenarioError(source, "", MISSING, "not a UTF-8 text file") from None
    except RecursionError:
        raise ScenarioError(source, "", MISSING, f"nested more than {MAX_DEPTH} deep") from None
    except (OSError, ValueError) as exc:   # unreadable, a folder, a name too long or with a NUL byte
        raise ScenarioError(source, "", MISSING, f"cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    check_depth(data, source)
    scn = from_dict(data, source=source)
    return apply_overrides(scn, overrides, origin="--set") if overrides else scn


def _toml_message(exc: tomllib.TOMLDecodeError) -> str:
    # the line and column, never the text: the file may not be a scenario (validate /etc/shadow)
    match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    if not match:
        return "TOML syntax error; dates are written YYYY-MM-DD"
    reason = str(exc)[: match.start()].strip()
    return (f"TOML syntax error at line {match.group(1)}, column {match.group(2)}: {reason}; "
            "dates are written YYYY-MM-DD")


def check_depth(data: Any, source: str, path: str = "") -> None:
    """ScenarioError if tables and arrays nest deeper than MAX_DEPTH (checked without recursion)."""
    stack = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ScenarioError(source, path, MISSING, f"nested more than {MAX_DEPTH} deep")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def load_as_given(name_or_path: str, assignments: Sequence[str] = (), turns: int | None = None) -> Scenario:
    """A scenario as a command's options give it: ``--set KEY=VALUE`` items and ``--turns``."""
    overrides = dict(parse_assignment(item, source=f"--set {item}") for item in assignments)
    scn = load(name_or_path, overrides)
    return scn.with_turns(turns) if turns is not None else scn


def from_dict(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate plain data (as read from TOML) into a Scenario."""
    if not isinstance(data, dict):
        raise ScenarioError(source, "", data, "a scenario must be a table")
    if "source" in data:   # a field of the model that says where it was read from, not a key of the file
        keys = [k for k in Scenario.model_fields if k != "source"]
        raise ScenarioError(source, "source", data["source"], f"unknown key; allowed: {', '.join(keys)}")
    try:
        scn = Scenario.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise _from_pydantic(exc, data, source) from None
    _check_references(scn, source)
    return scn


def apply_overrides(scn: Scenario, overrides: dict[str, Any], origin: str = "--set") -> Scenario:
    """A new scenario with ``{"key.path": value}`` changes, validated like the file.

    Errors name the file and `origin` (the flag or event the changes came from).
    """
    data = scn.raw()
    for key, value in overrides.items():
        _set_path(data, key, value, source=f"{scn.source} ({origin} {key}={value})")
    try:
        return from_dict(data, source=scn.source)
    except ScenarioError as exc:
        # name the change that caused the error, when one matches the key path
        culprit = next((f" {k}={v}" for k, v in overrides.items()
                        if k == exc.path or k.startswith(exc.path + ".") or exc.path.startswith(k + ".")), "")
        raise ScenarioError(f"{scn.source} ({origin}{culprit})", exc.path, exc.value, exc.allowed) from None


def parse_assignment(text: str, source: str = "--set") -> tuple[str, Any]:
    """Split ``KEY=VALUE``; VALUE is read as a TOML value, else kept as a string."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(source, text, MISSING, "expected KEY=VALUE, e.g. risk.h_max=0.02")
    if len(text) > MAX_FILE_BYTES or key.count(".") >= MAX_DEPTH:
        raise ScenarioError(source, key.strip()[:60], MISSING,
                            f"at most {MAX_FILE_BYTES:,} characters and {MAX_DEPTH} key parts")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    except RecursionError:
        raise ScenarioError(source, key.strip(), MISSING, f"nested more than {MAX_DEPTH} deep") from None
    except ValueError:   # a whole number of more digits than Python converts (4,300)
        raise ScenarioError(source if len(source) < 80 else f"{source[:60]}...", key.strip()[:60],
                            f"{value.strip()[:20]}...", "a number of at most "
                            f"{sys.get_int_max_str_digits():,} digits") from None
    check_depth(parsed, source, key.strip())
    return key.strip(), parsed


def value_at(data: Any, key: str) -> Any:
    """The value at dotted `key` of a scenario's raw tables (actors by id or position, as `--set` names
    them), or None if there is none."""
    node = data
    for part in key.split("."):
        if isinstance(node, list):
            node = next((e for e in node if isinstance(e, dict) and e.get("id") == part),
                        node[int(part)] if part.isdigit() and int(part) < len(node) else None)
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _set_path(data: dict[str, Any], key: str, value: Any, source: str) -> None:
    parts = key.split(".")
    if len(parts) > MAX_DEPTH:
        raise ScenarioError(source, key[:60], MISSING, f"at most {MAX_DEPTH} key parts")
    check_depth(value, source, key)
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            node = _actor_entry(node, part, here, source)
            continue
        if not isinstance(node, dict):
            raise ScenarioError(source, here, node, "not a table")
        node = node.setdefault(part, [] if part in ("actors", "events") else {})
    last = parts[-1]
    if isinstance(node, list):
        raise ScenarioError(source, key, value, "name a field of one entry, e.g. actors.US.missiles")
    if not isinstance(node, dict):
        raise ScenarioError(source, key, value, "not a table")
    node[last] = copy.deepcopy(value)


def _actor_entry(entries: list[Any], part: str, here: str, source: str) -> dict[str, Any]:
    ids = [e.get("id") for e in entries if isinstance(e, dict)]
    for entry in entries:
        if isinstance(entry, dict) and entry.get("id") == part:
            return entry
    if part.isdigit() and int(part) < len(entries):
        return entries[int(part)]
    raise ScenarioError(source, here, part, f"unknown actor; allowed: {', '.join(map(str, ids))}")


def _loc_to_path(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    out: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            entry = node[part] if isinstance(node, list) and part < len(node) else None
            ident = entry.get("id") if isinstance(entry, dict) else None
            out.append(str(ident) if ident else str(part))
            node = entry
        else:
            out.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(out)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        candidates = [ann, *args]
        inner = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if inner is None:
            return None
        model = inner
    return model


def _from_pydantic(exc: ValidationError, data: dict[str, Any], source: str) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    path = _loc_to_path(loc, data)
    if err["type"] == "extra_forbidden":
        parent = _model_at(loc[:-1])
        keys = [k for k in parent.model_fields if k != "source"] if parent else []
        return ScenarioError(source, path, err["input"], f"unknown key; allowed: {', '.join(keys)}")
    if err["type"] == "missing":
        return ScenarioError(source, path, MISSING, "required key is missing")
    return ScenarioError(source, path, err.get("input"), str(err["msg"]))


def _check_references(scn: Scenario, source: str) -> None:
    ids = scn.actor_ids
    allowed_ids = ", ".join(ids)
    seen: set[str] = set()
    meta = scn.scenario

    def fail(path: str, value: object, allowed: str) -> None:
        raise ScenarioError(source, path, value, allowed)

    for a in scn.actors:
        if a.id in seen:
            fail(f"actors.{a.id}.id", a.id, "actor ids must be unique")
        seen.add(a.id)
    for a in scn.actors:
        for field in ("allies", "adversaries"):
            for other in getattr(a, field):
                if other not in ids or other == a.id:
                    fail(f"actors.{a.id}.{field}", other, f"unknown actor; allowed: other ids of {allowed_ids}")
        for other in a.trust:
            if other not in ids or other == a.id:
                fail(f"actors.{a.id}.trust.{other}", other, f"unknown actor; allowed: other ids of {allowed_ids}")
            if not 0 <= a.trust[other] <= 1:
                fail(f"actors.{a.id}.trust.{other}", a.trust[other], "trust must be between 0 and 1")
        if set(a.allies) & set(a.adversaries):
            fail(f"actors.{a.id}.allies", a.allies, "an actor cannot be both ally and adversary")
        if a.host_for is not None:
            if a.host_for not in a.allies:
                fail(f"actors.{a.id}.host_for", a.host_for,
                     f"one of its allies: {', '.join(a.allies) or 'none declared'}")
            if a.missiles or a.programme.stage != "none":
                fail(f"actors.{a.id}.missiles", a.missiles, "0 and no programme: a host owns no missiles")
        for other in a.basing_reach or []:
            if other not in ids or other == a.id:
                fail(f"actors.{a.id}.basing_reach", other, f"unknown actor; allowed: other ids of {allowed_ids}")
        if a.programme.since is not None and a.programme.since > meta.start_date:
            fail(f"actors.{a.id}.programme.since", str(a.programme.since),
                 f"on or before the start date {meta.start_date}")
        if a.missiles and a.programme.stage != "ready":
            fail(f"actors.{a.id}.programme.stage", a.programme.stage,
                 "ready: an actor with missiles has a ready system")
        for seen_move, answer in a.declares.items():
            for move in (seen_move, answer):
                if move.lower() not in MOVE_NAMES:
                    fail(f"actors.{a.id}.declares.{seen_move}", move, f"moves; allowed: {', '.join(MOVE_NAMES)}")
        owning_allies = [b.id for b in scn.actors if b.id in a.allies and b.host_for is None]
        for other in a.counts_with:
            if other not in owning_allies:
                fail(f"actors.{a.id}.counts_with", other,
                     f"allies of {a.id} that own missiles: {', '.join(owning_allies) or 'none'}")
        if a.hosting and a.host_for is None:
            fail(f"actors.{a.id}.hosting", "true", "false unless the actor is a host (host_for names its leader)")
        if a.on_order and (a.host_for is not None or a.programme.stage != "ready"):
            fail(f"actors.{a.id}.on_order", a.on_order,
                 "0 unless the actor owns a ready system (programme.stage = ready)")
        if a.on_order_arrives is not None:
            latest = meta.start_date + timedelta(days=a.deploy_lag_days)
            if not meta.start_date < a.on_order_arrives <= latest:
                fail(f"actors.{a.id}.on_order_arrives", str(a.on_order_arrives),
                     f"a date after the start {meta.start_date} and at most its deploy lag later ({latest})")
        if a.disputed > a.missiles:
            fail(f"actors.{a.id}.disputed", a.disputed, f"at most the actor's missiles ({a.missiles})")
        if a.last_move.lower() not in MOVE_NAMES:
            fail(f"actors.{a.id}.last_move", a.last_move, f"allowed: {', '.join(MOVE_NAMES)}")
        if a.ultimatum is not None:
            if a.ultimatum.target not in a.adversaries:
                fail(f"actors.{a.id}.ultimatum.target", a.ultimatum.target, f"allowed: {', '.join(a.adversaries)}")
            if a.ultimatum.deadline <= meta.start_date:
                fail(f"actors.{a.id}.ultimatum.deadline", str(a.ultimatum.deadline),
                     f"after the start date {meta.start_date}")
        try:
            check_spec(a.rule, start=meta.start_date)
        except RuleSpecError as exc:
            fail(f"actors.{a.id}.rule{exc.path}", exc.value, exc.allowed)
        except (TypeError, AttributeError):   # the registry expects names to be strings, tables to be tables
            fail(f"actors.{a.id}.rule", a.rule, "a table: name = a rule or preset (see `run_sim.py rules`), "
                 "and its parameters")
    w = scn.escalation
    total = w.w_treaty + w.w_missiles + w.w_arming + w.w_demands
    if abs(total - 1.0) > 1e-9:
        fail("escalation", round(total, 12), "w_treaty + w_missiles + w_arming + w_demands must sum to 1")
    r = scn.risk
    total = r.w_exposure + r.w_alert + r.w_confrontation
    if abs(total - 1.0) > 1e-9:
        fail("risk", round(total, 12), "w_exposure + w_alert + w_confrontation must sum to 1")
    t = scn.treaty
    parties = [a.id for a in scn.actors if a.treaty_party]
    if t.status == "notice":
        if t.notice_by not in parties:
            fail("treaty.notice_by", t.notice_by, f"a treaty party: {', '.join(parties) or 'none declared'}")
        if t.notice_ends is None or t.notice_ends <= meta.start_date:
            fail("treaty.notice_ends", t.notice_ends, f"a date after the start date {meta.start_date}")
    elif t.notice_by is not None or t.notice_ends is not None:
        fail("treaty.notice_by", t.notice_by, "only with status = \"notice\"")
    if t.status in ("in_force", "notice") and len(parties) < 2:
        fail("treaty.status", t.status, "a treaty in force needs at least two actors with treaty_party = true")
    horizon = date.max - timedelta(days=MAX_DAYS)   # room for deliveries and deadlines after the end
    if meta.start_date.toordinal() + meta.turns * meta.turn_days > horizon.toordinal():
        fail("scenario.turns", meta.turns, f"the last turn (start_date + turns x turn_days) on or before {horizon}")
    end = scn.date_of(meta.turns)
    for n, ev in enumerate(scn.events):
        where = f"events.{n}"
        if not meta.start_date < ev.date <= end:
            fail(f"{where}.date", str(ev.date), f"a date after {meta.start_date} and on or before {end}")
        if (ev.move is None) == (not ev.set):
            fail(where, ev.model_dump(exclude_defaults=True), "give either actor and move, or set")
        if ev.move is not None:
            if ev.actor not in ids:
                fail(f"{where}.actor", ev.actor, f"allowed: {allowed_ids}")
            if ev.move.lower() not in MOVE_NAMES:
                fail(f"{where}.move", ev.move, f"allowed: {', '.join(MOVE_NAMES)}")
        for key in ev.set:
            if not changeable(key):
                fail(f"{where}.set", key, f"events change parameters only; allowed: {EVENT_KEYS}")
    if scn.events:
        for n, ev in enumerate(scn.events):
            if ev.set:
                apply_overrides(scn.model_copy(update={"events": []}), ev.set, origin=f"events.{n}.set")


EVENT_KEYS = ("treaty.notice_days, treaty.ultimatum_days, treaty.elimination_days, escalation.*, risk.*, "
              "diplomacy.* (but initial_trust), actors.ID.payoff.*, actors.ID.deploy_batch, "
              "actors.ID.deploy_lag_days, actors.ID.belief_memory")


def changeable(key: str) -> bool:
    """Whether an event may change `key`: parameters, not the starting situation or the rules."""
    parts = key.split(".")
    if parts[0] in ("escalation", "risk"):
        return len(parts) == 2
    if parts[0] == "diplomacy":
        return len(parts) == 2 and parts[1] != "initial_trust"
    if parts[0] == "treaty":
        return key in ("treaty.notice_days", "treaty.ultimatum_days", "treaty.elimination_days")
    if parts[0] == "actors" and len(parts) >= 3:
        field = ".".join(parts[2:])
        return (len(parts) == 4 and parts[2] == "payoff") or field in (
            "deploy_batch", "deploy_lag_days", "belief_memory")
    return False
