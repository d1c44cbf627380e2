"""The results of runs: one batch's arrays (`BatchResult`), its tables, and the outcomes summed over
batches (`Summary`, what summary.json holds). Writing them into a result folder: `sim.output.result_files`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim import __version__
from sim.core.actions import MOVE_NAMES
from sim.core.codes import N_MOVES, STAGES, TREATY_CODES, TREATY_NAMES
from sim.core.scenario import Scenario
from sim.core.state import COMPONENTS as INDEX_COMPONENTS
from sim.core.state import State, index_weights

if TYPE_CHECKING:
    from sim.engine.model import EscalationModel
    from sim.kernel.dynamics import Outcome

COMPONENTS = ("escalation", *INDEX_COMPONENTS)
TURN_COLUMNS = ["run", "seed", "turn", "date", *COMPONENTS, "rung", "treaty", "incident"]
ACTION_COLUMNS = ["run", "turn", "date", "actor", "action", "missiles", "ordered", "programme", "hosting",
                  "payoff", "credibility"]
#: Milestones of each actor's arming, as they appear in summary.json
MILESTONES = ("orders", "tests", "ready", "fields", "hosts")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: The figures (sim.output.plots) draw the first runs one by one, and the median run of the summary
SAMPLE_RUNS = 5


def figure_runs(summary: dict) -> set[int]:
    """The runs whose turns the figures draw one by one: the first SAMPLE_RUNS and the median run."""
    return {*range(SAMPLE_RUNS), int(summary["median_run"])}


@dataclass
class BatchResult:
    """Trajectories of some runs: [R, T+1] per turn (turn 0 is the start), [R, T, N] per actor.

    After a run ends (incident), its later entries are NaN, -1 or False.
    """

    runs: np.ndarray          # [R] run numbers
    last_turn: np.ndarray     # [R] last turn played (the incident turn, or T)
    escalation: np.ndarray    # [R, T+1]
    esc_ladder: np.ndarray
    esc_treaty: np.ndarray
    esc_missiles: np.ndarray
    esc_arming: np.ndarray
    esc_demands: np.ndarray
    rung: np.ndarray          # [R, T+1] int8 rung of Kahn's ladder
    treaty: np.ndarray        # [R, T+1] int8 status code
    incident: np.ndarray      # [R, T+1] bool
    action: np.ndarray        # [R, T, N] int8 move (-1 after the end)
    missiles: np.ndarray      # [R, T, N]
    ordered: np.ndarray       # [R, T, N] missiles ordered on the turn
    stage: np.ndarray         # [R, T, N] int8 programme stage after the turn
    hosting: np.ndarray       # [R, T, N] bool
    payoff: np.ndarray        # [R, T, N]
    credibility: np.ndarray   # [R, T, N]

    @classmethod
    def empty(cls, runs: np.ndarray, turns: int, n_actors: int) -> BatchResult:
        r = len(runs)
        nan = lambda *shape: np.full(shape, np.nan)  # noqa: E731
        return cls(
            runs=np.asarray(runs, dtype=np.int64), last_turn=np.zeros(r, dtype=np.int64),
            **{name: nan(r, turns + 1) for name in COMPONENTS},
            rung=np.full((r, turns + 1), -1, dtype=np.int8),
            treaty=np.full((r, turns + 1), -1, dtype=np.int8), incident=np.zeros((r, turns + 1), dtype=bool),
            action=np.full((r, turns, n_actors), -1, dtype=np.int8),
            missiles=np.full((r, turns, n_actors), -1, dtype=np.int64),
            ordered=np.zeros((r, turns, n_actors), dtype=np.int64),
            stage=np.full((r, turns, n_actors), -1, dtype=np.int8),
            hosting=np.zeros((r, turns, n_actors), dtype=bool),
            payoff=nan(r, turns, n_actors), credibility=nan(r, turns, n_actors),
        )

    def record_state(self, rows: np.ndarray, turn: int, state: State) -> None:
        """Store the state of the replicas at batch rows `rows` after `turn`."""
        for name in COMPONENTS:
            getattr(self, name)[rows, turn] = getattr(state, name)
        self.rung[rows, turn] = state.rung
        self.treaty[rows, turn] = state.treaty
        self.incident[rows, turn] = state.incident
        self.last_turn[rows] = turn

    def record_moves(self, rows: np.ndarray, turn: int, moves: np.ndarray, outcome: Outcome, state: State) -> None:
        """Store the moves and per-actor results of `turn` (1-based)."""
        self.action[rows, turn - 1] = moves
        self.missiles[rows, turn - 1] = state.missiles
        self.ordered[rows, turn - 1] = outcome.ordered
        self.stage[rows, turn - 1] = state.stage
        self.hosting[rows, turn - 1] = state.hosting
        self.payoff[rows, turn - 1] = outcome.payoff
        self.credibility[rows, turn - 1] = state.credibility

    def select(self, rows: np.ndarray) -> BatchResult:
        """The runs at batch rows `rows` (every array's first axis is the run)."""
        return BatchResult(**{f: getattr(self, f)[rows] for f in self.__dataclass_fields__})

    @classmethod
    def from_model(cls, model: EscalationModel, run: int) -> BatchResult:
        """The result of one `EscalationModel` run, read from its DataCollector."""
        turns = model.crisis.turns
        ids = list(model.scenario.actor_ids)
        out = cls.empty(np.array([run]), turns, len(ids))
        mv = model.datacollector.get_model_vars_dataframe()
        t = mv["turn"].to_numpy()
        for name in COMPONENTS:
            getattr(out, name)[0, t] = mv[name].to_numpy()
        out.rung[0, t] = mv["rung"].to_numpy()
        out.treaty[0, t] = [TREATY_CODES[x] for x in mv["treaty"]]
        out.incident[0, t] = mv["incident"].to_numpy()
        out.last_turn[0] = t.max()
        ag = model.datacollector.get_agent_vars_dataframe().reset_index()
        ag = ag[ag["Step"] > 0]
        steps = ag["Step"].to_numpy() - 1
        col = np.array([ids.index(a) for a in ag["actor"]])
        out.action[0, steps, col] = [MOVE_NAMES.index(a) for a in ag["action"]]
        out.missiles[0, steps, col] = ag["missiles"].to_numpy()
        out.ordered[0, steps, col] = ag["ordered"].to_numpy()
        out.stage[0, steps, col] = [STAGES.index(x) for x in ag["programme"]]
        out.hosting[0, steps, col] = ag["hosting"].to_numpy()
        out.payoff[0, steps, col] = ag["payoff"].to_numpy()
        out.credibility[0, steps, col] = ag["credibility"].to_numpy()
        return out


# ---------------------------------------------------------------- summaries


@dataclass
class Summary:
    """Outcomes accumulated over batches, in run order; what summary.json and the figures need."""

    scenario: Scenario
    seed: int
    turns: int
    escalation: list[np.ndarray] = field(default_factory=list)   # [R, T+1] float32, carried forward
    rungs: list[np.ndarray] = field(default_factory=list)        # [R, T+1] int8, carried forward
    missiles: list[np.ndarray] = field(default_factory=list)     # [R, T+1, N] int32, carried forward
    treaty_end: list[np.ndarray] = field(default_factory=list)   # [R] turn the treaty ended or -1
    notice: list[np.ndarray] = field(default_factory=list)       # [R] first turn under notice or -1
    incident: list[np.ndarray] = field(default_factory=list)     # [R] turn of the incident or -1
    all_parties_deployed: list[np.ndarray] = field(default_factory=list)
    first_move: list[np.ndarray] = field(default_factory=list)   # [R, N, M] first turn or -1
    milestones: list[np.ndarray] = field(default_factory=list)   # [R, N, len(MILESTONES)] first turn or -1
    move_counts: np.ndarray | None = None                        # [T, N, M] runs playing each move
    treaty_counts: np.ndarray | None = None                      # [T+1, 4] runs per status, carried forward

    def add(self, b: BatchResult) -> None:
        esc = _carry_forward(b.escalation)
        self.escalation.append(esc.astype(np.float32))
        self.rungs.append(_carry_forward(np.where(b.rung >= 0, b.rung, np.nan)).astype(np.int8))
        start = np.array([a.missiles for a in self.scenario.actors], dtype=np.int64)
        held = np.concatenate([np.broadcast_to(start, (len(b.runs), 1, len(start))), b.missiles], axis=1)
        held = np.where(held >= 0, held, np.nan)
        self.missiles.append(np.stack([_carry_forward(held[:, :, i]) for i in range(held.shape[2])],
                                      axis=2).astype(np.int32))
        self.treaty_end.append(_first_turn(b.treaty == TREATY_CODES["terminated"], exclude_start=True))
        self.notice.append(_first_turn(b.treaty == TREATY_CODES["notice"], exclude_start=True))
        self.incident.append(_first_turn(b.incident, exclude_start=True))
        played = b.action[:, :, :, None] == np.arange(N_MOVES)[None, None, None, :]   # [R, T, N, M]
        first = np.where(played.any(axis=1), played.argmax(axis=1) + 1, -1)
        self.first_move.append(first)
        marks = _milestones(b, self.scenario)
        self.milestones.append(marks)
        parties = np.array([a.treaty_party for a in self.scenario.actors])
        deployed = marks[:, :, MILESTONES.index("orders")] > 0
        self.all_parties_deployed.append(np.asarray(deployed[:, parties].all(axis=1) if parties.any()
                                                    else deployed.all(axis=1)))
        counts = played.sum(axis=0)
        self.move_counts = counts if self.move_counts is None else self.move_counts + counts
        status = _carry_forward(np.where(b.treaty >= 0, b.treaty, np.nan)).astype(np.int64)
        tc = (status[:, :, None] == np.arange(len(TREATY_NAMES))[None, None, :]).sum(axis=0)
        self.treaty_counts = tc if self.treaty_counts is None else self.treaty_counts + tc

    def per_run(self) -> dict[str, np.ndarray]:
        """Outcomes of each run, in run order: what `compare` takes differences of."""
        ended = np.concatenate(self.treaty_end)
        return {
            "treaty_ended": (ended > 0).astype(np.float64),
            "incident": (np.concatenate(self.incident) > 0).astype(np.float64),
            "peak_escalation": np.concatenate(self.escalation).astype(np.float64).max(axis=1),
            # turns until the treaty ended; runs where it survived count as the whole horizon
            "turns_to_termination": np.where(ended > 0, ended, self.turns).astype(np.float64),
        }

    def as_dict(self, runs: int) -> dict:
        esc = np.concatenate(self.escalation).astype(np.float64)
        missiles = np.concatenate(self.missiles)
        ended = np.concatenate(self.treaty_end)
        notice = np.concatenate(self.notice)
        incident = np.concatenate(self.incident)
        first = np.concatenate(self.first_move)
        peak = esc.max(axis=1)
        scn = self.scenario
        ids = scn.actor_ids
        quant = np.quantile(esc, QUANTILES, axis=0)
        from sim.output.intervals import median_interval

        median_low, median_high = median_interval(esc, axis=0)
        moves: dict[str, dict[str, dict[str, float | None]]] = {}
        for i, actor in enumerate(ids):
            moves[actor] = {}
            for a, name in enumerate(MOVE_NAMES):
                turns = first[:, i, a]
                happened = turns > 0
                moves[actor][name] = {
                    "share": _share(happened),
                    "median_first_turn": _median(turns[happened]),
                }
        marks = np.concatenate(self.milestones)
        any_deploy = marks[:, :, MILESTONES.index("orders")]
        any_deploy = np.where((any_deploy > 0).any(axis=1), np.where(any_deploy > 0, any_deploy, 10**9).min(axis=1), -1)
        # set by add(), which a batch went through (the arrays concatenated above are not empty)
        assert self.move_counts is not None and self.treaty_counts is not None
        playing = self.move_counts.sum(axis=2, keepdims=True)
        mean_esc = esc.mean(axis=1)
        median_run = int(np.argsort(mean_esc, kind="stable")[(len(mean_esc) - 1) // 2])
        e = scn.escalation
        return {
            "scenario": scn.name,
            "title": scn.scenario.title,
            "version": __version__,
            "seed": self.seed,
            "runs": runs,
            "turns": self.turns,
            "start_date": scn.scenario.start_date.isoformat(),
            "turn_days": scn.scenario.turn_days,
            "actors": ids,
            "share_treaty_ended": _share(ended > 0),
            "median_turn_treaty_ended": _median(ended[ended > 0]),
            "median_turn_notice": _median(notice[notice > 0]),
            "median_turn_first_deployment": _median(any_deploy[any_deploy > 0]),
            "share_incident": _share(incident > 0),
            "share_all_parties_deployed": _share(np.concatenate(self.all_parties_deployed)),
            "median_peak_escalation": round(float(np.median(peak)), 3),
            "mean_peak_escalation": round(float(peak.mean()), 3),
            "escalation_quantiles": {
                "quantiles": list(QUANTILES),
                "turns": list(range(self.turns + 1)),
                "dates": [scn.date_of(t).isoformat() for t in range(self.turns + 1)],
                "values": _rounded(quant),
            },
            "median_interval": {
                "note": "per turn, the 95% interval of the median escalation (order statistics, distribution-free):"
                        " how far the median curve could move with other seeds",
                "low": _rounded(median_low), "high": _rounded(median_high)},
            "moves": moves,
            "milestones": {
                "note": "share of runs in which each actor first orders missiles, starts flight tests, "
                        "has a ready system, fields missiles beyond its start, and hosts an ally's; "
                        "with the median turn it first does (a programme testing or ready at the start "
                        "counts when it enters the stage again, after a halt)",
                **{actor: {m: {"share": _share(marks[:, i, k] > 0),
                               "median_first_turn": _median(marks[:, i, k][marks[:, i, k] > 0])}
                           for k, m in enumerate(MILESTONES)} for i, actor in enumerate(ids)},
            },
            "per_turn": {
                "note": "turn t at index t; moves from turn 1 (index 0 is turn 1); runs that ended "
                        "carry their last treaty status and missiles forward",
                "treaty_share": {name: _rounded(self.treaty_counts[:, c] / runs)
                                 for c, name in enumerate(TREATY_NAMES)},
                "incident_share": _rounded(np.array([(incident > 0) & (incident <= t)
                                                     for t in range(self.turns + 1)]).mean(axis=1)),
                "move_share": {actor: {name: _rounded(self.move_counts[:, i, a] / np.maximum(playing[:, i, 0], 1))
                                       for a, name in enumerate(MOVE_NAMES)} for i, actor in enumerate(ids)},
                "missiles_quantiles": {actor: _rounded(np.quantile(missiles[:, :, i], QUANTILES, axis=0))
                                       for i, actor in enumerate(ids)},
            },
            "median_run": median_run,
            "escalation_weights": {c.removeprefix("esc_"): w for c, w in index_weights(e).items()},
            "median_rung": {"turns": list(range(self.turns + 1)),
                            "values": np.median(np.concatenate(self.rungs), axis=0).tolist()},
        }


def _milestones(b: BatchResult, scn: Scenario) -> np.ndarray:
    """[R, N, len(MILESTONES)] the first turn each actor reaches each milestone after the start, or -1.

    A programme reaches flight tests (ready) on a turn its stage enters flight_test or beyond (ready) from
    below: a programme already testing or ready at the start counts only when it enters the stage again,
    after a halt (a new treaty's elimination, a settled dispute) and a restart."""
    start = np.array([a.missiles for a in scn.actors])[None, None, :]
    stage0 = np.array([STAGES.index(a.programme.stage) for a in scn.actors])
    before = np.concatenate([np.broadcast_to(stage0, (b.stage.shape[0], 1, len(stage0))), b.stage[:, :-1]], axis=1)
    played = b.action >= 0
    test, ready = STAGES.index("flight_test"), STAGES.index("ready")
    marks = {
        "orders": b.ordered > 0,
        "tests": played & (b.stage >= test) & (before < test),
        "ready": played & (b.stage >= ready) & (before < ready),
        "fields": played & (b.missiles > start),
        "hosts": played & b.hosting,
    }
    stacked = np.stack([marks[m] for m in MILESTONES], axis=3)               # [R, T, N, K]
    return np.where(stacked.any(axis=1), stacked.argmax(axis=1) + 1, -1)


def _carry_forward(values: np.ndarray) -> np.ndarray:
    """[R, T] with NaN after a run ended replaced by its last value (NaN before any value stays)."""
    r, t = values.shape
    last = np.maximum.accumulate(np.where(np.isnan(values), 0, np.arange(t)[None, :]), axis=1)
    return values[np.arange(r)[:, None], last]


def _rounded(values: np.ndarray) -> list:
    return np.round(np.asarray(values, dtype=np.float64), 4).tolist()


def _first_turn(mask: np.ndarray, exclude_start: bool) -> np.ndarray:
    if exclude_start:
        mask = mask.copy()
        mask[:, 0] = False
    return np.where(mask.any(axis=1), mask.argmax(axis=1), -1)


def _share(mask: np.ndarray) -> float:
    return round(float(mask.mean()), 4) if mask.size else 0.0


def _median(values: np.ndarray) -> float | None:
    return float(np.median(values)) if values.size else None


# ---------------------------------------------------------------- files


def _dates(scn: Scenario, turns: np.ndarray) -> np.ndarray:
    table = np.array([scn.date_of(t) for t in range(int(turns.max(initial=0)) + 1)], dtype="datetime64[D]")
    return table[turns]


def turn_table(b: BatchResult, scn: Scenario, seed: int, coded: bool = False) -> dict[str, np.ndarray]:
    """The columns of turns.csv (TURN_COLUMNS) for a batch: one row per run and turn it reached; with `coded`,
    `treaty` as its code (an index into TREATY_NAMES), not its name."""
    r, t1 = b.escalation.shape
    keep = (np.arange(t1)[None, :] <= b.last_turn[:, None]).ravel()
    turn = np.tile(np.arange(t1), r)[keep]
    table = {"run": np.repeat(b.runs, t1)[keep], "seed": np.full(len(turn), seed, dtype=np.int64), "turn": turn,
             "date": _dates(scn, turn)}
    table.update({name: getattr(b, name).ravel()[keep] for name in COMPONENTS})
    treaty = b.treaty.ravel()[keep]
    table.update(rung=b.rung.ravel()[keep], treaty=treaty if coded else np.array(TREATY_NAMES)[treaty],
                 incident=b.incident.ravel()[keep])
    return table


def action_table(b: BatchResult, scn: Scenario, coded: bool = False) -> dict[str, np.ndarray]:
    """The columns of actions.csv (ACTION_COLUMNS) for a batch: one row per run, turn played and actor; with
    `coded`, actor, action and programme as their codes (indices into the actors, MOVE_NAMES and STAGES)."""
    r, t, n = b.action.shape
    act = b.action.reshape(-1)
    keep = act >= 0
    turn = np.tile(np.repeat(np.arange(1, t + 1), n), r)[keep]

    def named(codes: np.ndarray, names: Sequence[str]) -> np.ndarray:
        return codes if coded else np.array(names)[codes]

    return {
        "run": np.repeat(b.runs, t * n)[keep],
        "turn": turn,
        "date": _dates(scn, turn),
        "actor": named(np.tile(np.arange(n), r * t)[keep], scn.actor_ids),
        "action": named(act[keep], MOVE_NAMES),
        "missiles": b.missiles.reshape(-1)[keep],
        "ordered": b.ordered.reshape(-1)[keep],
        "programme": named(b.stage.reshape(-1)[keep], STAGES),
        "hosting": b.hosting.reshape(-1)[keep],
        "payoff": b.payoff.reshape(-1)[keep],
        "credibility": b.credibility.reshape(-1)[keep],
    }


