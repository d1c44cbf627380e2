"""Where the compiled kernels spend their time: `perf` samples mapped to numba functions.

perf cannot name numba's code, so this runs a scenario in a child process under `perf record` and has the
child list the address of every function its kernels' libraries hold; each sample counts for the function
whose code starts at the nearest address below it. The child compiles in an empty numba cache, so that
every linked function is listed (hence minutes); functions inlined into another count for it. Samples are
taken over the timed run only (after the warm-up, which compiles, and a `gc.freeze()`, so that the
compiler's leftovers do not slow the garbage collector as they never do in a run from the cache).

    python bench/profile_kernels.py [--scenario inf_2018_asia] [--runs 150] [--top 25]

Needs Linux `perf` (apt-get install linux-perf).
"""

from __future__ import annotations

import argparse
import bisect
import collections
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(scenario: str, runs: int, addresses: Path, started: Path) -> None:
    """Warm up (compiling), list the kernels' function addresses, then run `runs` replicas for 60 turns."""
    sys.path.insert(0, str(ROOT))
    import numpy as np

    import sim.kernel.bargaining as bargaining
    import sim.kernel.dynamics as dynamics
    import sim.kernel.lookahead as lookahead
    from sim.core.scenario import load
    from sim.engine.ensemble import run_lockstep, warm_up

    scn = load(scenario)
    warm_up(scn)
    run_lockstep(scn, 0, np.arange(2), 60)
    found: dict[str, int] = {}
    for module in (lookahead, dynamics, bargaining):
        for dispatcher in vars(module).values():
            for result in getattr(dispatcher, "overloads", {}).values():
                library = result.library
                for function in library._final_module.functions:
                    if function.is_declaration:
                        continue
                    try:
                        address = library.get_pointer_to_function(function.name)
                    except Exception:
                        continue
                    if address:
                        found[function.name] = address
    addresses.write_text(json.dumps(found))
    gc.collect()
    gc.freeze()          # the compiler's objects would make every collection slow, as no cached run's are
    started.write_text(str(time.monotonic()))
    t = time.perf_counter()
    run_lockstep(scn, 2019, np.arange(runs), 60)
    print(f"{scenario}: {runs} runs x 60 turns in {time.perf_counter() - t:.2f} s", file=sys.stderr)


def short(name: str) -> str:
    """sim.kernel.lookahead._replica_values from numba's mangled name (_ZN3sim6kernel9lookahead15_..., Itanium)."""
    if not name.startswith("_ZN"):
        return name[:60]
    parts, pos = [], 3
    while pos < len(name) and name[pos].isdigit():
        digits = re.match(r"\d+", name[pos:])
        assert digits is not None
        pos += len(digits.group())
        length = int(digits.group())
        parts.append(name[pos:pos + length])
        pos += length
    return ".".join(parts) or name[:60]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="inf_2018_asia")
    ap.add_argument("--runs", type=int, default=150)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.scenario, a.runs, Path(a.child[0]), Path(a.child[1]))
        return
    if shutil.which("perf") is None:
        sys.exit("profile_kernels: perf is not installed; allowed: Linux with perf (apt-get install linux-perf)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "NUMBA_CACHE_DIR": str(folder / "numba")}
        data, addresses, started = folder / "perf.data", folder / "addresses.json", folder / "started"
        subprocess.run(["perf", "record", "-q", "-k", "CLOCK_MONOTONIC", "-F", "999", "-o", str(data),
                        sys.executable, __file__,
                        "--scenario", a.scenario, "--runs", str(a.runs), "--child", str(addresses), str(started)],
                       check=True, env=env)
        table = sorted((address, name) for name, address in json.loads(addresses.read_text()).items())
        since = float(started.read_text())
        starts = [address for address, _ in table]
        script = subprocess.run(["perf", "script", "-i", str(data), "-F", "time,ip,sym"], check=True,
                                capture_output=True, text=True).stdout.splitlines()
    samples = [line.split(None, 2) for line in script if line.strip()]
    samples = [s for s in samples if len(s) >= 2]
    if not samples:
        sys.exit("profile_kernels: perf recorded no samples")
    timed = [s for s in samples if float(s[0].rstrip(":")) >= since]     # the timed run's samples only
    counts: collections.Counter[str] = collections.Counter()
    for s in timed:
        ip = int(s[1], 16)
        symbol = s[2].strip() if len(s) > 2 else ""
        if symbol and symbol != "[unknown]":
            counts[f"(native) {symbol[:50]}"] += 1
            continue
        k = bisect.bisect_right(starts, ip) - 1
        counts[short(table[k][1]) if k >= 0 and ip - starts[k] < 100_000 else "(unnamed)"] += 1
    total = sum(counts.values())
    print(f"{a.scenario}, {a.runs} runs x 60 turns: {total} samples of the timed run")
    for name, count in counts.most_common(a.top):
        print(f"{100 * count / total:6.1f}%  {name}")


if __name__ == "__main__":
    main()
