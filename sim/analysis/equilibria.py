"""Two-player games in general: the class of a 2 x 2 reduction, Nash equilibria (nashpy), dominance
and Pareto-optimal cells. Nothing here knows about crises; `sim.analysis.crisis_game` applies it to one.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import nashpy
import numpy as np
from scipy.spatial import QhullError

from sim.analysis import stage_game as game
from sim.core.actions import MOVE_NAMES
from sim.core.codes import N_MOVES

# ---------------------------------------------------------------- classes of 2 x 2 games

PD, STAG, CHICKEN, HARMONY, DEADLOCK, OTHER, DEGENERATE = (
    "Prisoner's Dilemma", "Stag Hunt", "Chicken", "Harmony", "Deadlock", "other", "degenerate")
#: Every label a side or a game can get. "other": a strict pattern of the three comparisons that is none of
#: the five; "degenerate": no class, because a comparison is a tie or the player has no move to escalate with.
CLASSES = (PD, STAG, CHICKEN, HARMONY, DEADLOCK, OTHER, DEGENERATE)
SHORT = {PD: "PD", STAG: "SH", CHICKEN: "CH", HARMONY: "HA", DEADLOCK: "DL", OTHER: "other", DEGENERATE: "degenerate"}
#: Why a side without a tie is degenerate: its escalate move is dialogue or hold (no escalatory move is legal).
NO_ESCALATION = "no escalatory legal move"
# (greed: T > R, fear: P > S, mutual restraint beats mutual escalation: R > P) -> class
_BY_SIGNS: dict[tuple[int, ...], str] = {
    (1, 1, 1): PD, (1, -1, 1): CHICKEN, (-1, 1, 1): STAG, (-1, -1, 1): HARMONY, (1, 1, -1): DEADLOCK,
}
ORDERS = {PD: "T > R > P > S", STAG: "R > T, P > S, R > P", CHICKEN: "T > R, S > P, R > P",
          HARMONY: "R > T, S > P, R > P", DEADLOCK: "T > R, P > S, P > R"}
MEANINGS = {
    PD: "{row} and {col} each do better escalating whatever the other does, yet both prefer mutual "
        "restraint to mutual escalation: left to itself the crisis drifts into an arms race neither wants, "
        "unless trust, verification or the shadow of the future hold it back.",
    STAG: "Neither {row} nor {col} gains by escalating against restraint, but each escalates if it expects "
          "the other to: restraint lasts as long as each trusts the other to restrain, so reassurance "
          "(talks, verification) decides the crisis.",
    CHICKEN: "Each of {row} and {col} gains by escalating if the other restrains, but mutual escalation "
             "is the worst outcome for both: the crisis is a contest of resolve in which one side must "
             "back down, and the danger is that neither does.",
    HARMONY: "Restraint pays for both {row} and {col} whatever the other does: there is no dilemma, and "
             "neither gains by escalating further, so restraint is what both choose.",
    DEADLOCK: "{row} and {col} each escalate whatever the other does and prefer mutual escalation to mutual "
              "restraint: no common interest in restraint is left, and an arms race is what both choose.",
}
#: Relative tolerance: payoffs closer than this times the payoffs' scale (at least 1) are equal.
REL_TOL = 1e-9
#: Probabilities at or below this count as zero in an equilibrium's support.
PROB_TOL = 1e-10


def tolerance(*arrays: Any) -> float:
    """The absolute tolerance for comparing payoffs of these arrays: REL_TOL times their scale."""
    scale = max([1.0, *(float(np.max(np.abs(a))) for a in arrays)])
    return REL_TOL * scale


def _sign(x: float, tol: float) -> int:
    return 0 if abs(x) <= tol else (1 if x > 0 else -1)


@dataclass(frozen=True)
class SideClass:
    """One side's class from its T, R, P, S: greed (T vs R), fear (P vs S), gain (R vs P).

    Each is +1, -1, or 0 for a tie (within the tolerance). A side with a tie, or with no move to
    escalate with, is degenerate: it gets no class. `between` names the classes on either side of a
    tie; `reason` says why a side without a tie is degenerate.
    """

    name: str
    greed: int
    fear: int
    gain: int
    ties: tuple[str, ...] = ()
    between: tuple[str, ...] = ()
    reason: str = ""

    @property
    def borderline(self) -> bool:
        """A tie in one of the three comparisons: the side sits on a boundary between classes."""
        return bool(self.ties)

    @property
    def degenerate(self) -> bool:
        return self.name == DEGENERATE

    def describe(self) -> str:
        if self.ties:
            return f"degenerate ({', '.join(self.ties)}: between {' and '.join(self.between)})"
        if self.reason:
            return f"degenerate ({self.reason})"
        return self.name


def classify_side(r: game.Reduced, tol: float | None = None, escalates: bool = True) -> SideClass:
    """The class of one side's preferences over the four outcomes of restrain against escalate.

    Prisoner's Dilemma: greed and fear (T > R, P > S) with R > P; Chicken: greed only; Stag Hunt:
    fear only; Harmony: neither (all with R > P); Deadlock: greed and fear with P > R; any other strict
    pattern is "other". A tie in one of the three comparisons puts the side on a boundary, and a side
    whose escalate move is no escalation (`escalates` False: only dialogue and hold are legal) compares
    nothing that matters: both are "degenerate", not forced into a class.
    """
    tol = tolerance(np.array([r.T, r.R, r.P, r.S])) if tol is None else tol
    signs = (_sign(r.T - r.R, tol), _sign(r.P - r.S, tol), _sign(r.R - r.P, tol))
    names = ("T = R", "P = S", "R = P")
    ties = tuple(n for n, s in zip(names, signs, strict=True) if s == 0)
    if not escalates:
        return SideClass(DEGENERATE, *signs, reason=NO_ESCALATION)
    if not ties:
        return SideClass(_BY_SIGNS.get(signs, OTHER), *signs)
    options = [(-1, 1) if s == 0 else (s,) for s in signs]
    between = tuple(sorted({_BY_SIGNS.get(combo, OTHER) for combo in product(*options)},
                           key=CLASSES.index))
    return SideClass(DEGENERATE, *signs, ties=ties, between=between)


@dataclass(frozen=True)
class GameClass:
    """The class of the reduced game: a side class shared by both sides, else "other"; "degenerate" if
    either side is."""

    name: str
    row: SideClass
    col: SideClass

    @property
    def borderline(self) -> bool:
        return self.row.borderline or self.col.borderline

    @property
    def degenerate(self) -> bool:
        return self.name == DEGENERATE

    def label(self, row: str, col: str) -> str:
        """The class, or for "other" and "degenerate" the two sides': e.g. "other (US DL, RU PD)",
        "degenerate (US PD/SH tie, RU HA)"."""
        if self.name not in (OTHER, DEGENERATE):
            return self.name
        return f"{self.name} ({row} {_short(self.row)}, {col} {_short(self.col)})"

    def meaning(self, row: str, col: str) -> str:
        """One sentence on what the class means for the crisis."""
        if self.name in MEANINGS:
            return MEANINGS[self.name].format(row=row, col=col)
        for who, side in ((row, self.row), (col, self.col)):
            if side.borderline:
                return (f"Degenerate: {who} sits on the boundary {', '.join(side.ties)}, between "
                        f"{' and '.join(side.between)}: a small change in its payoffs tips the game "
                        f"either way, so no class is given: read the equilibria of the full game.")
            if side.degenerate:
                return (f"Degenerate: {who} has no escalatory legal move (only dialogue and hold), so the "
                        "reduction does not compare restraint with escalation and no class is given: read "
                        "the equilibria of the full game.")
        return (f"{row} and {col} face different games ({row}: {self.row.name}; {col}: {self.col.name}), "
                f"so no textbook class fits: read the equilibria of the full game.")


def _short(side: SideClass) -> str:
    if side.borderline:
        return f"{'/'.join(SHORT[b] for b in side.between)} tie"
    if side.degenerate:
        return "no escalation"
    return SHORT[side.name]


def classify(row: game.Reduced, col: game.Reduced, tol: float | None = None,
             escalates: tuple[bool, bool] = (True, True)) -> GameClass:
    """Both sides classified; the game takes their class when they share one, is "degenerate" when
    either side is, else "other"."""
    r, c = classify_side(row, tol, escalates[0]), classify_side(col, tol, escalates[1])
    if r.degenerate or c.degenerate:
        return GameClass(DEGENERATE, r, c)
    return GameClass(r.name if r.name == c.name else OTHER, r, c)


# ---------------------------------------------------------------- equilibria (nashpy)


@dataclass(frozen=True)
class Equilibrium:
    """A Nash equilibrium: a mixed strategy per player and their expected payoffs."""

    row: tuple[float, ...]
    col: tuple[float, ...]
    payoff_row: float
    payoff_col: float
    row_moves: tuple[int, ...] = ()    # the move code of each row strategy (default: the table's first moves)
    col_moves: tuple[int, ...] = ()

    def _name(self, player: str, k: int) -> str:
        codes = self.row_moves if player == "row" else self.col_moves
        return MOVE_NAMES[codes[k] if codes else k]

    @property
    def support_row(self) -> tuple[int, ...]:
        return tuple(i for i, p in enumerate(self.row) if p > PROB_TOL)

    @property
    def support_col(self) -> tuple[int, ...]:
        return tuple(j for j, p in enumerate(self.col) if p > PROB_TOL)

    @property
    def pure(self) -> bool:
        return len(self.support_row) == 1 and len(self.support_col) == 1

    def key(self) -> tuple:
        return tuple(round(p, 6) for p in (*self.row, *self.col))

    def strategy(self, player: str) -> str:
        """'deployment', or '0.40 dialogue + 0.60 deployment'."""
        probs, support = (self.row, self.support_row) if player == "row" else (self.col, self.support_col)
        if len(support) == 1:
            return self._name(player, support[0])
        return " + ".join(f"{probs[i]:.2f} {self._name(player, i)}" for i in support)

    def as_dict(self) -> dict:
        return {"pure": self.pure, "row": [round(p, 6) for p in self.row], "col": [round(p, 6) for p in self.col],
                "moves_row": [self._name("row", i) for i in range(len(self.row))],
                "moves_col": [self._name("col", j) for j in range(len(self.col))],
                "support_row": [self._name("row", i) for i in self.support_row],
                "support_col": [self._name("col", j) for j in self.support_col],
                "payoff_row": round(self.payoff_row, 6), "payoff_col": round(self.payoff_col, 6)}


@dataclass
class Equilibria:
    """Nash equilibria by support enumeration, checked by vertex enumeration, with notes.

    `degenerate`: the degeneracy may touch the equilibria listed (continua, or equilibria support
    enumeration cannot see): an equilibrium with more best replies than the other's support, an even
    number of equilibria, or ties between best replies that vertex enumeration could not clear.
    `ties_off_path`: ties between best replies against a move no equilibrium plays, where vertex
    enumeration finds the same equilibria: formally degenerate, they change none of the equilibria.
    """

    found: list[Equilibrium]
    vertex: list[Equilibrium] | None
    degenerate: bool
    notes: list[str] = field(default_factory=list)
    ties_off_path: list[str] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        return self.vertex is not None and {e.key() for e in self.found} == {e.key() for e in self.vertex}

    def support(self, player: str) -> np.ndarray:
        """[M] the highest probability each move of the table has in any equilibrium (0: in none or illegal)."""
        out = np.zeros(N_MOVES)
        for e in self.found:
            probs = e.row if player == "row" else e.col
            codes = (e.row_moves if player == "row" else e.col_moves) or tuple(range(len(probs)))
            out[list(codes)] = np.maximum(out[list(codes)], probs)
        return out

    def summary(self) -> str:
        """'(deployment, deployment)' or '2 pure, 1 mixed'."""
        if not self.found:
            return "none found"
        if len(self.found) == 1:
            e = self.found[0]
            return f"({e.strategy('row')}, {e.strategy('col')})" if e.pure else "1 mixed"
        pure = [e for e in self.found if e.pure]
        mixed = len(self.found) - len(pure)
        if mixed == 0 and len(pure) <= 2:
            return "; ".join(f"({e.strategy('row')}, {e.strategy('col')})" for e in pure)
        return f"{len(pure)} pure, {mixed} mixed"


def _equilibrium(a: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray,
                 moves: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())) -> Equilibrium:
    x = np.where(np.abs(x) <= PROB_TOL, 0.0, np.clip(x, 0.0, None))
    y = np.where(np.abs(y) <= PROB_TOL, 0.0, np.clip(y, 0.0, None))
    x, y = x / x.sum(), y / y.sum()
    return Equilibrium(tuple(map(float, x)), tuple(map(float, y)), float(x @ a @ y), float(x @ b @ y), *moves)


def _is_nash(a: np.ndarray, b: np.ndarray, e: Equilibrium, tol: float) -> bool:
    x, y = np.array(e.row), np.array(e.col)
    return (a @ y).max() <= x @ a @ y + tol and (x @ b).max() <= x @ b @ y + tol


def _unique(eqs: list[Equilibrium]) -> list[Equilibrium]:
    seen: dict[tuple, Equilibrium] = {}
    for e in eqs:
        seen.setdefault(e.key(), e)
    return sorted(seen.values(), key=lambda e: (not e.pure, len(e.support_row) + len(e.support_col),
                                                e.support_row, e.support_col, e.key()))


def equilibria(a: np.ndarray, b: np.ndarray, cross_check: bool = True, row_moves: Sequence[int] = (),
               col_moves: Sequence[int] = ()) -> Equilibria:
    """Every Nash equilibrium of the bimatrix game (a, b), by nashpy's support enumeration.

    `row_moves` and `col_moves` name the move code of each row and column (default: the table's
    first moves, in order); they only label the strategies.

    Vertex enumeration (on payoffs shifted to be positive, which changes no equilibrium) is the
    cross-check. nashpy's warning about degenerate games is caught and turned into a note, as are
    the other signs of degeneracy: a move with several best replies, an equilibrium with more best
    replies than its support, an even number of equilibria. Ties against moves that no equilibrium
    plays, where vertex enumeration agrees and nothing else is degenerate, change no equilibrium: they
    are listed in `ties_off_path` and the game is not called degenerate.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    moves = (tuple(int(m) for m in row_moves), tuple(int(m) for m in col_moves))
    tol = tolerance(a, b)
    notes: list[str] = []
    g = nashpy.Game(a, b)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        raw = list(g.support_enumeration(tol=PROB_TOL))
    found = _unique([_equilibrium(a, b, x, y, moves) for x, y in raw])
    found = [e for e in found if _is_nash(a, b, e, tol)]
    nashpy_warned = False
    for w in caught:
        text = " ".join(str(w.message).split())
        if "degenerate" in text:
            nashpy_warned = True
        else:  # pragma: no cover - nashpy warns of nothing else today
            notes.append(f"support enumeration: {text}")
    vertex: list[Equilibrium] | None = None
    if cross_check:
        try:
            shifted = nashpy.Game(a - a.min() + 1.0, b - b.min() + 1.0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                vertex = _unique([_equilibrium(a, b, x, y, moves) for x, y in shifted.vertex_enumeration()])
            vertex = [e for e in vertex if _is_nash(a, b, e, tol)]
        except (QhullError, ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:  # degenerate polytopes
            notes.append(f"vertex enumeration failed ({type(exc).__name__}): no cross-check")
    off_path, reasons = _degeneracy(a, b, found, tol, moves)
    agree = vertex is not None and {e.key() for e in found} == {e.key() for e in vertex}
    if nashpy_warned or len(found) % 2 == 0:
        reasons.append(f"support enumeration found an even number of equilibria ({len(found)})")
    if off_path and (reasons or not agree):   # then the ties may hide equilibria: part of the degeneracy
        reasons, off_path = off_path + reasons, []
    degenerate = bool(reasons)
    if degenerate:
        shown = "; ".join(reasons[:2]) + (f"; and {len(reasons) - 2} more" if len(reasons) > 2 else "")
        notes.insert(0, f"degenerate game ({shown}): equilibria may form continua, of which support "
                        "enumeration lists the points it meets; vertex enumeration gives the extreme points")
    elif off_path:
        shown = "; ".join(off_path[:2]) + (f"; and {len(off_path) - 2} more" if len(off_path) > 2 else "")
        notes.insert(0, f"ties off the equilibrium path ({shown}): no equilibrium plays the move they answer "
                        "and vertex enumeration finds the same equilibria, so they change none of them")
    if vertex is not None:
        ours, theirs = {e.key() for e in found}, {e.key() for e in vertex}
        if ours == theirs:
            notes.append("vertex enumeration finds the same equilibria")
        else:
            extra = [e for e in vertex if e.key() not in ours]
            missing = [e for e in found if e.key() not in theirs]
            if extra:
                notes.append("vertex enumeration also finds: " + "; ".join(
                    f"({e.strategy('row')}, {e.strategy('col')})" for e in extra))
            if missing:
                notes.append("vertex enumeration does not find: " + "; ".join(
                    f"({e.strategy('row')}, {e.strategy('col')})" for e in missing))
    return Equilibria(found, vertex, degenerate, notes, off_path)


def _best_replies(values: np.ndarray, tol: float) -> np.ndarray:
    return np.flatnonzero(values >= values.max() - tol)


def _names(codes: tuple[int, ...], n: int) -> tuple[str, ...]:
    return tuple(MOVE_NAMES[c] for c in codes) if codes else MOVE_NAMES[:n]


def _degeneracy(a: np.ndarray, b: np.ndarray, found: list[Equilibrium], tol: float,
                moves: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())) -> tuple[list[str], list[str]]:
    """Signs of degeneracy, in two lists: ties between best replies against a pure move that no equilibrium
    plays (off the path), and the rest: such ties against a move some equilibrium plays, and equilibria at
    which a player has more best replies than the other's support has moves."""
    rn, cn = _names(moves[0], a.shape[0]), _names(moves[1], a.shape[1])
    played_row = {i for e in found for i in e.support_row}
    played_col = {j for e in found for j in e.support_col}
    off_path: list[str] = []
    on_path: list[str] = []
    for j in range(a.shape[1]):
        br = _best_replies(a[:, j], tol)
        if len(br) > 1:
            (on_path if j in played_col else off_path).append(
                f"against column move {cn[j]}, the row player has {len(br)} best replies "
                f"({', '.join(rn[i] for i in br)})")
    for i in range(b.shape[0]):
        br = _best_replies(b[i, :], tol)
        if len(br) > 1:
            (on_path if i in played_row else off_path).append(
                f"against row move {rn[i]}, the column player has {len(br)} best replies "
                f"({', '.join(cn[j] for j in br)})")
    for e in found:
        x, y = np.array(e.row), np.array(e.col)
        if len(_best_replies(a @ y, tol)) > len(e.support_col) or len(_best_replies(x @ b, tol)) > len(e.support_row):
            on_path.append(f"at ({e.strategy('row')}, {e.strategy('col')}) a player has more best replies "
                           "than the other's support has moves")
    return off_path, on_path


# ---------------------------------------------------------------- dominance and Pareto


@dataclass(frozen=True)
class Dominance:
    """One player's dominant and dominated moves (by other pure moves), and what survives."""

    strictly_dominant: int | None
    weakly_dominant: tuple[int, ...]          # best replies to every opponent move (if none is strict)
    strictly_dominated: dict[int, tuple[int, ...]]   # move -> the moves that strictly dominate it
    weakly_dominated: dict[int, tuple[int, ...]]     # move -> moves that weakly (not strictly) dominate it
    surviving: tuple[int, ...]                 # after iterated elimination of strictly dominated moves
    moves: tuple[int, ...] = ()                # the move code of each own strategy (default: the table's)

    def name(self, k: int) -> str:
        return MOVE_NAMES[self.moves[k] if self.moves else k]

    def as_dict(self) -> dict:
        name = self.name
        return {
            "strictly_dominant": None if self.strictly_dominant is None else name(self.strictly_dominant),
            "weakly_dominant": [name(m) for m in self.weakly_dominant],
            "strictly_dominated": {name(m): [name(d) for d in by] for m, by in self.strictly_dominated.items()},
            "weakly_dominated": {name(m): [name(d) for d in by] for m, by in self.weakly_dominated.items()},
            "surviving_iterated_elimination": [name(m) for m in self.surviving],
        }


def _dominance_of(own: np.ndarray, tol: float) -> tuple[int | None, tuple[int, ...], dict, dict]:
    """own[i, j]: the player's payoff for own move i against opponent move j."""
    n = own.shape[0]
    strict = {k: tuple(i for i in range(n) if i != k and np.all(own[i] > own[k] + tol)) for k in range(n)}
    weak = {k: tuple(i for i in range(n) if i != k and i not in strict[k] and np.all(own[i] >= own[k] - tol)
                     and np.any(own[i] > own[k] + tol)) for k in range(n)}
    dominant = [i for i in range(n) if all(i in strict[k] for k in range(n) if k != i)]
    weakly = tuple(i for i in range(n) if np.all(own[i] >= own.max(axis=0) - tol))
    return (dominant[0] if dominant else None, () if dominant else weakly,
            {k: v for k, v in strict.items() if v}, {k: v for k, v in weak.items() if v})


def dominance(a: np.ndarray, b: np.ndarray, row_moves: Sequence[int] = (),
              col_moves: Sequence[int] = ()) -> tuple[Dominance, Dominance]:
    """Dominance for the row player (payoffs a) and the column player (payoffs b).

    Moves are indices into the matrices; `row_moves` and `col_moves` give their move codes (names).
    """
    tol = tolerance(a, b)
    rows, cols = list(range(a.shape[0])), list(range(a.shape[1]))
    while True:  # iterated elimination of strictly dominated moves
        sub_a, sub_b = a[np.ix_(rows, cols)], b[np.ix_(rows, cols)]
        drop_r = {rows[k] for k, by in _dominance_of(sub_a, tol)[2].items() if by}
        drop_c = {cols[k] for k, by in _dominance_of(sub_b.T, tol)[2].items() if by}
        if not drop_r and not drop_c:
            break
        rows = [r for r in rows if r not in drop_r]
        cols = [c for c in cols if c not in drop_c]
    out = []
    for own, surviving, codes in ((a, rows, row_moves), (b.T, cols, col_moves)):
        sd, wd, s_dom, w_dom = _dominance_of(own, tol)
        out.append(Dominance(sd, wd, s_dom, w_dom, tuple(surviving), tuple(int(c) for c in codes)))
    return out[0], out[1]


def pareto_optimal(a: np.ndarray, b: np.ndarray) -> list[tuple[int, int]]:
    """Cells (row move, column move) that no other cell improves for one side without hurting the other."""
    tol = tolerance(a, b)
    cells = list(product(range(a.shape[0]), range(a.shape[1])))
    out = []
    for i, j in cells:
        dominated = any(a[k, m] >= a[i, j] - tol and b[k, m] >= b[i, j] - tol
                        and (a[k, m] > a[i, j] + tol or b[k, m] > b[i, j] + tol) for k, m in cells)
        if not dominated:
            out.append((i, j))
    return out


# ---------------------------------------------------------------- the two sides and the point of the crisis


