"""docs/sensitivity.md, "Over the calibrated ranges": the Morris and Sobol' sweeps over a posterior's 90%
intervals, in one command; prints the page's tables (markdown) and copies the figures into docs/img.

Runs, in fresh processes, the two commands it prints (`run_sim.py sweep SCENARIO --posterior FILE`,
Morris then Sobol'), timed wall-clock, then reads their sweep.json, indices.csv, noise.csv and
convergence.csv: every number printed is SALib's, as the sweep wrote it. The width of an interval is
twice SALib's conf95 (a half-width). `--tables` prints the tables of folders already made.

    python bench/sensitivity_posterior.py                       # the page's sweeps (about half an hour, 2 cores)
    python bench/sensitivity_posterior.py --samples 16 --trajectories 4 --runs 2 --figures ''   # a quick check
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
HEADLINE = ("treaty_ended", "peak_escalation", "final_escalation", "payoff_US", "payoff_RU", "payoff_NATO")
TOP = 3     # the leading factors of an outcome: its largest ST (Sobol') or mu* (Morris)


def sweep(args: argparse.Namespace, method: str, runs: int, sizes: list[str]) -> Path:
    """Run one sweep (printed, timed) into OUT/METHOD; its folder."""
    out = args.out / method
    cmd = ["run_sim.py", "sweep", args.scenario, "--posterior", str(args.posterior), "--method", method, *sizes,
           "--runs", str(runs), "--seed", str(args.seed), "--out", str(out), "--force", "--quiet"]
    cmd += ["--jobs", str(args.jobs)] if args.jobs else []
    print(f"$ python {' '.join(cmd)}", flush=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, *cmd], cwd=ROOT, check=True)
    print(f"  {time.perf_counter() - started:.1f} s wall-clock", flush=True)
    return out


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def ranges(folder: Path) -> str:
    """The factors table: name, keys, range, scale; the keys skipped."""
    d = json.loads((folder / "sweep.json").read_text())
    lines = ["| parameter | scenario keys | 90% interval | sampled |", "| --- | --- | --- | --- |"]
    lines += [f"| {f['key']} | {', '.join(f'`{k}`' for k in f.get('keys', [f['key']]))} | {f['low']:.4g} to "
              f"{f['high']:.4g} | {'log-uniform' if f['dist'] == 'logunif' else 'uniform'} |" for f in d["factors"]]
    p = d["posterior"]
    lines.append(f"\n{p['file']} (SHA-256 {p['sha256'][:12]}); skipped: {', '.join(p['skipped']) or 'none'}; "
                 f"{d['points']} points x {d['runs']} runs of {d['turns']} turns, seed {d['seed']}")
    return "\n".join(lines)


def leaders(rows: list[dict[str, str]], outcome: str, index: str) -> list[dict[str, str]]:
    mine = [r for r in rows if r["outcome"] == outcome and r["index"] == index and r["value"]]
    return sorted(mine, key=lambda r: -float(r["value"]))[:TOP]


def morris_table(folder: Path) -> str:
    rows = read(folder / "indices.csv")
    noise = {r["outcome"]: r["noise_share"] for r in read(folder / "noise.csv")}
    lines = ["| outcome (noise share) | largest mu\\* (95% interval) |", "| --- | --- |"]
    for o in HEADLINE:
        top = ", ".join(f"{r['factor']} {float(r['value']):.3g} (±{float(r['conf95']):.2g})"
                        for r in leaders(rows, o, "mu_star"))
        lines.append(f"| {o} ({_share(noise[o])}) | {top or 'did not vary'} |")
    return "\n".join(lines)


def morris_stability(folder: Path) -> str:
    """Whether r trajectories rank the factors as the first r/2 do: SALib's mu* from each, compared by Spearman's
    rank correlation (scipy) and by the set of the TOP largest, per headline outcome."""
    import numpy as np
    from scipy import stats

    from sim.analysis import sweep

    d = json.loads((folder / "sweep.json").read_text())
    factors = [sweep.Factor(f["key"], f["low"], f["high"], f["dist"]) for f in d["factors"]]
    data = np.genfromtxt(folder / "samples.csv", delimiter=",", names=True)
    names = [n for n in HEADLINE if n in data.dtype.names]
    X = np.column_stack([data[n] for n in data.dtype.names[1:len(factors) + 1]])
    Y = np.column_stack([data[n] for n in names])
    half = (d["trajectories"] // 2) * (len(factors) + 1)
    mu = [{(r["outcome"], r["factor"]): r["value"] for r in sweep.indices("morris", factors, x, y, names, d["seed"])
           if r["index"] == "mu_star"} for x, y in ((X[:half], Y[:half]), (X, Y))]
    lines = [f"| outcome | Spearman's rho, first {d['trajectories'] // 2} against all {d['trajectories']} "
             f"trajectories | the {TOP} largest the same |", "| --- | --- | --- |"]
    for o in names:
        a, b = (np.array([m[o, f.key] for f in factors]) for m in mu)
        same = set(np.argsort(-a)[:TOP]) == set(np.argsort(-b)[:TOP])
        lines.append(f"| {o} | {stats.spearmanr(a, b).statistic:.3f} | {'yes' if same else 'no'} |")
    return "\n".join(lines)


def sobol_table(folder: Path) -> str:
    rows = read(folder / "indices.csv")
    noise = {r["outcome"]: r["noise_share"] for r in read(folder / "noise.csv")}
    lines = ["| outcome (noise share) | factor | S1 (width of its 95% interval) | ST (width) |",
             "| --- | --- | --- | --- |"]
    widest = 0.0
    for o in HEADLINE:
        s1 = {r["factor"]: r for r in rows if r["outcome"] == o and r["index"] == "S1"}
        for k, r in enumerate(leaders(rows, o, "ST")):
            a = s1[r["factor"]]
            widths = 2 * float(a["conf95"]), 2 * float(r["conf95"])
            widest = max(widest, *widths)
            lines.append(f"| {o + f' ({_share(noise[o])})' if k == 0 else ''} | {r['factor']} | "
                         f"{float(a['value']):.3f} ({widths[0]:.3f}) | {float(r['value']):.3f} ({widths[1]:.3f}) |")
    return "\n".join(lines) + f"\n\nwidest interval of a leading index: {widest:.3f}"


def convergence_table(folder: Path) -> str:
    """The leading ST of each outcome at every N of convergence.csv."""
    rows = read(folder / "convergence.csv")
    sizes = sorted({int(r["samples"]) for r in rows})
    final = [r for r in rows if int(r["samples"]) == sizes[-1]]
    lines = ["| outcome | factor | " + " | ".join(f"ST at N = {n}" for n in sizes) + " |",
             "| --- | --- | " + " | ".join("---" for _ in sizes) + " |"]
    for o in HEADLINE:
        for r in leaders(final, o, "ST")[:2]:
            at = {int(x["samples"]): x for x in rows
                  if (x["outcome"], x["factor"], x["index"]) == (o, r["factor"], "ST")}
            lines.append(f"| {o} | {r['factor']} | " + " | ".join(
                f"{float(at[n]['value']):.2f} ±{float(at[n]['conf95']):.2f}" for n in sizes) + " |")
    return "\n".join(lines)


def _share(text: str) -> str:
    return "n/a" if text in ("", "nan") else f"{float(text):.1%}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="inf_2018")
    ap.add_argument("--posterior", type=Path, default=Path("docs/inf_2014_2019_posterior.json"))
    ap.add_argument("--trajectories", type=int, default=200, help="Morris trajectories (default 200)")
    ap.add_argument("--samples", type=int, default=2048, help="Sobol' base samples N (default 2048)")
    ap.add_argument("--runs", type=int, default=5, help="runs per point (default 5)")
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "sensitivity_posterior")
    ap.add_argument("--figures", default="docs/img", help="copy the figures here ('' for not at all)")
    ap.add_argument("--tables", action="store_true", help="only print the tables of the folders in --out")
    args = ap.parse_args()
    if args.tables:
        morris, sobol = args.out / "morris", args.out / "sobol"
    else:
        morris = sweep(args, "morris", args.runs, ["--trajectories", str(args.trajectories)])
        sobol = sweep(args, "sobol", args.runs, ["--samples", str(args.samples), "--first-order"])
    if args.figures:
        for folder, name, as_name in ((morris, "morris", "morris"), (sobol, "sobol", "sobol"),
                                      (sobol, "sobol_convergence", "sobol_convergence")):
            shutil.copyfile(folder / f"{name}.png", ROOT / args.figures / f"{as_name}_posterior_{args.scenario}.png")
    for title, text in (("factors", ranges(sobol)), ("Morris", morris_table(morris)),
                        ("Morris ranking", morris_stability(morris)), ("Sobol'", sobol_table(sobol)),
                        ("convergence", convergence_table(sobol))):
        print(f"\n## {title}\n\n{text}")


if __name__ == "__main__":
    main()
