"""Sensitivity analysis and exploration: which assumptions drive the results (Morris screening, Sobol indices),
and designs that explore them (grids, Latin hypercubes, Monte Carlo).

A sweep varies scenario values (factors, each a `--set` key with a range) over sample points that
SALib draws (`morris`, `sobol`) or a full factorial grid (`grid`). Every point runs the same seeded
replicas (common random numbers: run r of every point uses the same random stream); each run's outcomes
are kept, a point's are their means, and `noise` says how much of the spread of the points is noise from
their finite runs. SALib estimates the indices from the points' outcomes; nothing is
estimated by hand. Points are evaluated in order-independent tasks, so the outcomes are the same
whatever the number of workers, and a journal of finished points lets an interrupted sweep resume.
"""

from __future__ import annotations

import math
import re
import tomllib
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.errors import ScenarioError, SimError
from sim.core.safeio import json_type
from sim.core.scenario import Scenario, apply_overrides, value_at

METHODS = ("morris", "sobol", "grid", "latin", "montecarlo")
INDEXED = ("morris", "sobol")       # the methods SALib estimates indices for; the others explore (samples.csv)
DISTRIBUTIONS = ("unif", "logunif", "norm", "triang", "lognorm")
RANGED = ("unif", "logunif")        # the distributions with a range: those of Morris and grids
MORRIS_LEVELS = 4
MAX_GRID_POINTS = 100_000
CONVERGENCE_FROM = 64               # the smallest base sample of the convergence table (if N/8 is not smaller)


@dataclass(frozen=True)
class Factor:
    """One swept scenario value: `key` (as `--set` takes it) over `low`..`high` (for ``norm`` and
    ``lognorm``: mean and standard deviation; for ``triang``: low, high and the mode as a fraction;
    ``logunif``: uniform in log between low and high). A factor that sets several scenario keys together
    (a posterior's parameter: one lambda for every quantal actor) has them in `keys`, and `key` is its name."""

    key: str
    low: float
    high: float
    dist: str = "unif"
    mode: float = 0.5
    integer: bool = False
    keys: tuple[str, ...] = ()

    def bounds(self) -> list[float]:
        return [self.low, self.high, self.mode] if self.dist == "triang" else [self.low, self.high]

    def targets(self) -> tuple[str, ...]:
        """The scenario keys the factor sets: `keys`, or its own `key`."""
        return self.keys or (self.key,)


# a number as --param takes it: ASCII digits (float() would take other scripts' digits too), at most 40 characters
DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def parse_factor(text: str) -> Factor:
    """``KEY=LO:HI`` (uniform) as a Factor; SimError naming the option if malformed."""
    shown = text if len(text) <= 60 else f"{text[:40]}...{text[-8:]} ({len(text):,} characters)"
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*=\s*([^:]+):([^:]+)\s*", text)
    if not m:
        raise SimError(f"--param {shown!r}: allowed: KEY=LO:HI, e.g. risk.h_max=0.001:0.02")
    key, lo, hi = m.group(1), m.group(2).strip(), m.group(3).strip()
    if not all(len(end) <= 40 and DECIMAL.fullmatch(end) for end in (lo, hi)):
        raise SimError(f"--param {shown!r}: LO and HI must be numbers (digits 0-9, at most 40 characters); "
                       "allowed: KEY=LO:HI, e.g. risk.h_max=0.001:0.02")
    return _checked(Factor(key, float(lo), float(hi)), f"--param {shown}")


def _checked(f: Factor, origin: str) -> Factor:
    if f.dist not in DISTRIBUTIONS:
        raise SimError(f"{origin}: dist = {f.dist!r}; allowed: {', '.join(DISTRIBUTIONS)}")
    if not (math.isfinite(f.low) and math.isfinite(f.high) and math.isfinite(f.mode)):
        raise SimError(f"{origin}: range {f.low}:{f.high} is not finite; allowed: finite numbers")
    if f.dist in ("unif", "logunif", "triang") and not f.low < f.high:
        raise SimError(f"{origin}: range {f.low:g}:{f.high:g} is empty or inverted; allowed: LO < HI")
    if f.dist == "logunif" and not f.low > 0:
        raise SimError(f"{origin}: range {f.low:g}:{f.high:g} of a log-uniform value; allowed: 0 < LO < HI")
    if f.dist in ("norm", "lognorm") and not f.high > 0:
        raise SimError(f"{origin}: standard deviation {f.high:g}; allowed: a positive number")
    if f.dist == "triang" and not 0 <= f.mode <= 1:
        raise SimError(f"{origin}: mode {f.mode:g}; allowed: a fraction of the range, 0 to 1")
    return f


def read_factors(path: Path) -> list[Factor]:
    """Factors from a TOML file: one ``[[param]]`` table each, with ``key``, ``low``, ``high`` and
    optionally ``dist`` (unif, logunif, norm, triang, lognorm) and ``mode`` (triang)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SimError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc}); "
                       "allowed: a TOML file of [[param]] tables") from None
    except tomllib.TOMLDecodeError as exc:
        raise SimError(f"{path}: not valid TOML ({exc}); allowed: a TOML file of [[param]] tables") from None
    entries = data.get("param")
    if not isinstance(entries, list) or not entries or set(data) - {"param"}:
        raise SimError(f"{path}: allowed: one or more [[param]] tables (key, low, high, dist, mode) and nothing "
                       "else")
    out = []
    for k, e in enumerate(entries, start=1):
        where = f"{path}: param {k}"
        keys = set(e) if isinstance(e, dict) else set()
        if (not isinstance(e, dict) or keys - {"key", "low", "high", "dist", "mode"}
                or not {"key", "low", "high"} <= keys):
            raise SimError(f"{where}: {e!r}; allowed: key, low, high (required), dist, mode")
        if not isinstance(e["key"], str):
            raise SimError(f"{where}: key = {e['key']!r}; allowed: a scenario key as --set takes it")
        for name in ("low", "high", "mode"):
            if name in e and (isinstance(e[name], bool) or not isinstance(e[name], int | float)
                              or (isinstance(e[name], int) and abs(e[name]) > 2**63)):   # no float of a huge int
                value = repr(e[name])
                raise SimError(f"{where}: {name} = {value if len(value) <= 40 else value[:30] + '...'}; allowed: a "
                               "number (at most 2^63 in size)")
        out.append(_checked(Factor(e["key"], float(e["low"]), float(e["high"]), str(e.get("dist", "unif")),
                                   float(e.get("mode", 0.5))), f"{where} ({e['key']})"))
    return out


def assumed_factors(scn: Scenario, spread: float = 0.5) -> list[Factor]:
    """Every numeric value of the scenario file whose comment says "assumed", from (1 - spread) to
    (1 + spread) times its value, kept within what the schema allows; zeros and structural values
    (the calendar, the look-ahead's size) are left out."""
    factors: list[Factor] = []
    for key, value, comment in _commented(Path(scn.source)):
        if "assumed" not in comment:
            continue
        for full, number in _numbers(key, value):
            if number == 0 or full in SKIP or full.endswith(tuple(SKIP_ENDINGS)):
                continue
            factor = _within_schema(scn, Factor(full, number * (1 - spread), number * (1 + spread),
                                                integer=isinstance(number, int)), number)
            if factor is not None:
                factors.append(factor)
    return factors


# the calendar and the look-ahead's size are not assumptions about the crisis; the index weights and the
# hazard's are simplexes (each sums to 1), so one cannot move alone
SKIP = {"scenario.turn_days", "scenario.turns", "lookahead.max_profiles", "lookahead.min_belief",
        "escalation.w_treaty", "escalation.w_missiles", "escalation.w_arming", "escalation.w_demands",
        "risk.w_exposure", "risk.w_alert", "risk.w_confrontation"}
SKIP_ENDINGS = (".disputed", ".missiles")


def _commented(path: Path) -> Iterator[tuple[str, Any, str]]:
    """(key as --set takes it, value, its comment) of every value of a scenario file, read by tomlkit, which
    keeps the comments; an actor's values under ``actors.ID``."""
    import tomlkit
    from tomlkit.container import Container
    from tomlkit.items import AoT, Table

    def walk(container: Container, base: str) -> Iterator[tuple[str, Any, str]]:
        for key, item in container.body:
            if key is None:                        # a comment or blank line of its own
                continue
            name = f"{base}.{key.key}" if base else key.key
            if isinstance(item, AoT):              # [[actors]]: each table under its id
                for table in item.body:
                    if table.get("id") is not None:
                        yield from walk(table.value, f"{name}.{table['id']}")
            elif isinstance(item, Table):
                yield from walk(item.value, name)
            else:
                yield name, item.unwrap(), item.trivia.comment

    yield from walk(tomlkit.parse(path.read_text(encoding="utf-8")), "")


def _numbers(key: str, value: Any) -> Iterable[tuple[str, int | float]]:
    """The numbers of one value: a number, or the numbers of an inline table, with their keys."""
    def number(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    if number(value):
        return [(key, value)]
    if isinstance(value, dict):
        return [(f"{key}.{k}", v) for k, v in value.items() if number(v)]
    return []


def _within_schema(scn: Scenario, f: Factor, value: float) -> Factor | None:
    """The factor with each end pulled towards `value` until the scenario schema accepts it (shares stay
    within 0..1, say); None if no range around the value is valid."""
    ends = []
    for end in (f.low, f.high):
        candidates = [end, *([min(max(end, 0.0), 1.0)] if 0 <= value <= 1 else []),
                      *(value + (end - value) * t for t in (0.5, 0.25, 0.1))]
        ok = next((c for c in candidates if _valid(scn, f, c)), None)
        if ok is None:
            return None
        ends.append(ok)
    if not ends[0] < ends[1]:
        return None
    return replace(f, low=ends[0], high=ends[1])


def _valid(scn: Scenario, f: Factor, x: float) -> bool:
    try:
        apply_overrides(scn, _changes(f, x), origin="--param")
    except ScenarioError:
        return False
    return True


def _value(f: Factor, x: float) -> int | float:
    return round(x) if f.integer else float(x)


def _changes(f: Factor, x: float) -> dict[str, int | float]:
    """The scenario changes of factor f at value x: every key it sets."""
    return dict.fromkeys(f.targets(), _value(f, x))


def check_factors(scn: Scenario, factors: Sequence[Factor]) -> list[Factor]:
    """The factors, checked: each names a number of the scenario and both ends of its range are valid
    values. Returned marked `integer` where the scenario's value is a whole number (its points round).
    A factor of several keys (`Factor.keys`) is checked for each, all set together."""
    if not factors:
        raise SimError("sweep: no factor; allowed: --param KEY=LO:HI (repeatable), --params FILE.toml, --assumed "
                       "or --posterior FILE.json")
    seen = set()
    raw = scn.raw()
    checked = []
    for f in factors:
        for key in dict.fromkeys((f.key, *f.targets())):
            if key in seen:
                raise SimError(f"--param {key}: given twice; allowed: each key once")
            seen.add(key)
        for key in f.targets():
            current = value_at(raw, key)
            if isinstance(current, bool) or not isinstance(current, int | float):
                what = "no such key" if current is None else f"not a number ({current!r})"
                raise SimError(f"{scn.source}: --param {key}: {what}; allowed: a numeric scenario value, as --set "
                               "takes it (e.g. risk.h_max, actors.US.payoff.audience_cost)")
            f = replace(f, integer=f.integer or isinstance(current, int))
        ends = (f.low, f.high) if f.dist in ("unif", "logunif", "triang") else (f.low,)
        for x in ends:
            try:
                apply_overrides(scn, _changes(f, x), origin="--param")
            except ScenarioError as exc:
                raise SimError(f"--param {f.key}={f.low:g}:{f.high:g}: {x:g} is not allowed there ({exc.allowed})") \
                    from None
        checked.append(f)
    return checked


def problem(factors: Sequence[Factor]) -> dict[str, Any]:
    """The SALib problem of the factors."""
    return {"num_vars": len(factors), "names": [f.key for f in factors], "bounds": [f.bounds() for f in factors],
            "dists": [f.dist for f in factors]}


def sample(method: str, factors: Sequence[Factor], seed: int, *, trajectories: int = 20, samples: int = 64,
           levels: int = 5, second_order: bool = True) -> np.ndarray:
    """[P, K] sample points: Morris trajectories (r = `trajectories`, 4 levels), Sobol' (Saltelli)
    points (`samples` base points; N (2K + 2) of them for S2, N (K + 2) for S1 and ST only if not
    `second_order`), a full factorial grid of `levels` per factor, or
    `samples` points of a Latin hypercube (SALib) or of plain Monte Carlo, each factor by its distribution.
    SALib draws every design in the unit cube and maps it through each factor's distribution (``logunif``:
    SALib's own, scipy.stats.loguniform's inverse CDF), so a log-uniform factor's Morris levels and Sobol'
    points are evenly spread in its logarithm; a grid of it is geometric."""
    if method == "morris":
        from SALib.sample import morris

        if any(f.dist not in RANGED for f in factors):
            raise SimError("sweep --method morris: every factor needs a range; allowed: dist = unif or logunif")
        return morris.sample(problem(factors), trajectories, num_levels=MORRIS_LEVELS, seed=seed)
    if method == "sobol":
        from SALib.sample import sobol

        if samples & (samples - 1):
            raise SimError(f"--samples {samples}: allowed: a power of 2 (Sobol' sequences balance only then)")
        return sobol.sample(problem(factors), samples, calc_second_order=second_order, seed=seed)
    if method == "latin":
        from SALib.sample import latin

        return latin.sample(problem(factors), samples, seed=seed)
    if method == "montecarlo":
        from SALib.util import scale_samples

        uniform = np.random.default_rng(seed).random((samples, len(factors)))
        return scale_samples(uniform, problem(factors))
    if method == "grid":
        if any(f.dist not in RANGED for f in factors):
            raise SimError("sweep --method grid: every factor needs a range; allowed: dist = unif or logunif")
        size = levels ** len(factors)
        if size > MAX_GRID_POINTS:
            raise SimError(f"sweep --method grid: {levels} levels of {len(factors)} values make {size:,} points; "
                           f"allowed: at most {MAX_GRID_POINTS:,} (fewer values or --levels, or --method morris)")
        axes = [(np.geomspace if f.dist == "logunif" else np.linspace)(f.low, f.high, levels) for f in factors]
        return np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    raise SimError(f"--method {method!r}: allowed: {', '.join(METHODS)}")


def posterior_factors(scn: Scenario, doc: dict[str, Any], where: str) -> tuple[list[Factor], list[str]]:
    """The factors of a posterior file of `run_sim.py calibrate` (its content `doc`, read by
    `sim.calibration.draws.read` from `where`): each parameter (named by its name) over its 90% posterior
    interval, log-uniform where its prior is log10-uniform, setting every one of its keys that `scn` has;
    and the keys it does not have (a rule's lambda of an actor following a doctrine), as ``KEY (NAME)``,
    skipped. SimError (one line naming the file) if a parameter or its interval is not readable."""
    priors, intervals = doc.get("priors"), doc.get("intervals")
    if not isinstance(priors, list) or not priors or not isinstance(intervals, dict):
        raise SimError(f"{where}: priors or intervals missing; allowed: a file written by `run_sim.py calibrate`")
    raw = scn.raw()
    factors, skipped = [], []
    for prior in priors:
        name, keys, scale = (prior.get(k) if isinstance(prior, dict) else None for k in ("name", "keys", "scale"))
        interval = intervals.get(name) if isinstance(name, str) else None
        ends: list[Any] = [interval.get(e) if isinstance(interval, dict) else None for e in ("low", "high")]
        if (not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", name) or not isinstance(keys, list)
                or not keys or not all(isinstance(k, str) for k in keys)
                or scale not in ("uniform", "log10-uniform")
                or not all(isinstance(e, int | float) and not isinstance(e, bool) and math.isfinite(e) for e in ends)):
            shown = name if isinstance(name, str) and len(name) <= 40 else "a parameter"
            raise SimError(f"{where}: {shown}: its prior (name, keys, scale) or 90% interval (low, high) is not "
                           "readable; allowed: a file written by `run_sim.py calibrate`")
        present = [k for k in keys if value_at(raw, k) is not None]
        skipped += [f"{k} ({name})" for k in keys if k not in present]
        if present:
            factors.append(_checked(Factor(name, float(ends[0]), float(ends[1]),
                                           "logunif" if scale == "log10-uniform" else "unif",
                                           integer=prior.get("whole") is True, keys=tuple(present)),
                                    f"{where}: {name}'s 90% interval"))
    return factors, skipped


def point_scenario(scn: Scenario, factors: Sequence[Factor], x: np.ndarray) -> Scenario:
    """The scenario at sample point `x` of factors checked by `check_factors` (integer ones rounded)."""
    changes = {k: v for f, x_f in zip(factors, x, strict=True) for k, v in _changes(f, float(x_f)).items()}
    try:
        return apply_overrides(scn, changes, origin="--param")
    except ScenarioError as exc:
        raise SimError(f"sweep: a sample point is not a valid scenario: {exc}; allowed: narrower ranges") from None


# ---------------------------------------------------------------- outcomes of a point


def outcome_names(scn: Scenario) -> list[str]:
    """The outcomes of every point: shares and means over its runs."""
    ids = scn.actor_ids
    return ["treaty_ended", "incident", "peak_escalation", "final_escalation",
            *(f"first_order_{a}" for a in ids), *(f"payoff_{a}" for a in ids)]


def run_outcomes(batches: Sequence[Any], turns: int) -> np.ndarray:
    """[R, O] the outcomes of each run of one point, from its runs' BatchResults (see `outcome_names`).

    first_order_ID is the first turn ID orders missiles (turns + 1 if it never does); payoff_ID its
    payoffs summed over the turns played; the shares are 0 or 1 per run."""
    from sim.core.codes import TREATY_CODES

    treaty = np.concatenate([b.treaty for b in batches])
    incident = np.concatenate([b.incident for b in batches])
    esc = np.concatenate([b.escalation for b in batches])
    last = np.concatenate([b.last_turn for b in batches])
    ordered = np.concatenate([b.ordered for b in batches])            # [R, T, N]
    payoff = np.concatenate([b.payoff for b in batches])
    rows = np.arange(len(last))
    ended = (treaty == TREATY_CODES["terminated"]).any(axis=1)
    any_order = ordered > 0
    first = np.where(any_order.any(axis=1), any_order.argmax(axis=1) + 1, turns + 1)   # [R, N]
    return np.column_stack([ended, incident.any(axis=1), np.nanmax(esc, axis=1), esc[rows, last], first,
                            np.nansum(payoff, axis=1)]).astype(np.float64)


def outcomes(batches: Sequence[Any], turns: int) -> np.ndarray:
    """[O] the outcomes of one point: the means over its runs of `run_outcomes`."""
    return point_means(run_outcomes(batches, turns))


def point_means(runs: np.ndarray) -> np.ndarray:
    """[..., O] the means over the runs axis (the one before the outcomes) of per-run outcomes."""
    return runs.mean(axis=-2)


def outcome_problem(values: Any, names: Sequence[str], turns: int) -> str | None:
    """What is wrong with `values` as the outcomes of one run of `turns` turns (see `run_outcomes`), or None
    if they could be: one number per name, each finite and within its range (shares 0 or 1, escalation 0 to
    100, first orders whole numbers 1 to turns + 1). Used on what a journal reads back, never trusted
    otherwise."""
    if not isinstance(values, list) or len(values) != len(names):
        size = f"{len(values)} values" if isinstance(values, list) else f"a JSON {json_type(values)}"
        return f"outcomes: {size}; allowed: a list of {len(names)} numbers"
    for name, v in zip(names, values, strict=True):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            return f"{name} = {repr(v)[:20]}; allowed: a finite number"
        if name in ("treaty_ended", "incident"):
            low, high, whole = 0.0, 1.0, True
        elif name.endswith("_escalation"):
            low, high, whole = 0.0, 100.0, False
        elif name.startswith("first_order_"):
            low, high, whole = 1.0, turns + 1.0, True
        else:
            low, high, whole = -math.inf, math.inf, False
        if not low <= v <= high:
            return f"{name} = {v:g}; allowed: {low:g} to {high:g}"
        if whole and v != round(v):
            return f"{name} = {v:g}; allowed: a whole number from {low:g} to {high:g}"
    return None


def noise(runs: np.ndarray, names: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of noise.csv: for each outcome, how much of the spread of the points' means is noise from their
    finite runs. `runs` is [P, R, O]. ``se_median``, ``se_max``: the Monte Carlo standard error of a point's
    mean (scipy.stats.sem); ``points_sd``: the standard deviation of the means across points;
    ``noise_share``: the mean squared standard error over the variance of the means, which is 1 / F of the
    one-way analysis of variance of the runs by point (scipy.stats.f_oneway; ``p`` its p-value). With
    common random numbers the share is an upper bound: the part of the noise every point shares does not
    move the points apart."""
    import warnings

    from scipy import stats

    means = point_means(runs)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")      # one run per point, or an outcome that never varies: NaN, said so
        se = stats.sem(runs, axis=1)                                   # [P, O]
        anova = stats.f_oneway(*runs, axis=0) if len(runs) > 1 else None
        share = 1 / anova.statistic if anova is not None else np.full(len(names), np.nan)
    return [{"outcome": name, "points": runs.shape[0], "runs": runs.shape[1],
             "points_sd": float(np.std(means[:, o], ddof=1)) if len(runs) > 1 else math.nan,
             "se_median": float(np.median(se[:, o])), "se_max": float(np.max(se[:, o])),
             "noise_share": float(share[o]),
             "F": float(anova.statistic[o]) if anova is not None else math.nan,
             "p": float(anova.pvalue[o]) if anova is not None else math.nan}
            for o, name in enumerate(names)]


Point = tuple[Scenario, tuple[Factor, ...], np.ndarray, int, int, int]


def evaluate_point(args: Point) -> np.ndarray:
    """[R, O] the outcomes of each run of one sample point (base scenario, factors, their values x, seed,
    runs, turns): the point's scenario, made here (in the worker: memory stays flat in points), run `runs`
    times."""
    from sim.engine.ensemble import run_lockstep

    base, factors, x, seed, runs, turns = args
    scn = point_scenario(base, factors, x)
    batches = [run_lockstep(scn, seed, np.arange(a, min(a + 250, runs)), turns) for a in range(0, runs, 250)]
    return run_outcomes(batches, turns)


# ---------------------------------------------------------------- indices


def indices(method: str, factors: Sequence[Factor], X: np.ndarray, Y: np.ndarray, names: Sequence[str],
            seed: int, second_order: bool = True) -> list[dict[str, Any]]:
    """Rows of indices.csv: for each outcome and factor, SALib's estimates with 95% intervals
    (Morris: mu, mu*, sigma, mu* interval; Sobol: S1, ST and their intervals, and S2 per pair if the
    design is `second_order`'s)."""
    rows: list[dict[str, Any]] = []
    prob = problem(factors)
    for o, name in enumerate(names):
        y = np.ascontiguousarray(Y[:, o], dtype=np.float64)
        if method == "morris":
            from SALib.analyze import morris

            si = morris.analyze(prob, X, y, num_levels=MORRIS_LEVELS, conf_level=0.95, num_resamples=1000, seed=seed)
            for k, f in enumerate(factors):
                rows.append({"outcome": name, "factor": f.key, "index": "mu_star", "value": si["mu_star"][k],
                             "conf95": si["mu_star_conf"][k]})
                rows.append({"outcome": name, "factor": f.key, "index": "sigma", "value": si["sigma"][k],
                             "conf95": math.nan})
                rows.append({"outcome": name, "factor": f.key, "index": "mu", "value": si["mu"][k],
                             "conf95": math.nan})
        elif method == "sobol":
            from SALib.analyze import sobol

            if np.ptp(y) == 0:        # the outcome did not vary: no share of a variance of zero
                k = len(factors)
                si = {"S1": np.full(k, np.nan), "S1_conf": np.full(k, np.nan), "ST": np.full(k, np.nan),
                      "ST_conf": np.full(k, np.nan), "S2": np.full((k, k), np.nan), "S2_conf": np.full((k, k), np.nan)}
            else:
                with warnings.catch_warnings():     # a constant bootstrap resample: SALib gives 0, and warns
                    warnings.filterwarnings("ignore", "Constant values encountered", UserWarning)
                    si = sobol.analyze(prob, y, calc_second_order=second_order, conf_level=0.95,
                                       num_resamples=1000, seed=seed)
            for k, f in enumerate(factors):
                for idx in ("S1", "ST"):
                    rows.append({"outcome": name, "factor": f.key, "index": idx, "value": si[idx][k],
                                 "conf95": si[f"{idx}_conf"][k]})
            for a in range(len(factors) if second_order else 0):
                for b in range(a + 1, len(factors)):
                    rows.append({"outcome": name, "factor": f"{factors[a].key} x {factors[b].key}", "index": "S2",
                                 "value": si["S2"][a, b], "conf95": si["S2_conf"][a, b]})
    return rows


def convergence(factors: Sequence[Factor], X: np.ndarray, Y: np.ndarray, names: Sequence[str],
                seed: int, second_order: bool = True) -> list[dict[str, Any]]:
    """Rows of convergence.csv: the Sobol' S1 and ST of every outcome and factor from the first n base samples
    of the design, for n = 64, 128, ... up to its N (from N/8 if that is smaller, at least 4). Saltelli's
    design puts its rows in blocks of 2K + 2 (K + 2 without S2) per base sample, and its base samples are
    the first N points of a scrambled Sobol' sequence, whose first n (a power of 2) are a balanced Sobol'
    sequence of their own: each prefix is the design SALib would have drawn for n, and the last row, n = N,
    is the sweep's own estimate. An index has converged when it moves less than its interval from one n to the next."""
    block = (2 if second_order else 1) * len(factors) + 2
    total = len(X) // block
    sizes = [n for n in (2 ** k for k in range(total.bit_length())) if max(4, min(CONVERGENCE_FROM, total // 8)) <= n]
    return [{**row, "samples": n} for n in dict.fromkeys(sizes)
            for row in indices("sobol", factors, X[:n * block], Y[:n * block], names, seed, second_order)
            if row["index"] in ("S1", "ST")]


def evaluate(tasks: Sequence[Point], run: Callable[[list], Iterable[np.ndarray]],
             done: dict[int, np.ndarray], record: Callable[[int, np.ndarray], object]) -> np.ndarray:
    """[P, R, O] the outcomes of every run of every point: those in `done` (a resumed sweep), the rest
    computed by `run` (in order) and passed to `record` as each finishes."""
    todo = [p for p in range(len(tasks)) if p not in done]
    results = dict(done)
    for p, y in zip(todo, run([tasks[p] for p in todo]), strict=True):
        results[p] = y
        record(p, y)
    return np.stack([results[p] for p in range(len(tasks))])
