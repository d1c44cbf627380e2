"""Load on the web classroom: simulated students polling and submitting through a whole game.

Starts `run_sim.py classroom` in a fresh process (the real server, uvicorn, one process), then CLIENTS
simulated devices: a projector, the facilitator, and the rest spread over the teams, every device polling
its view once a second as the pages do, one device per team submitting a move 1 to 3 seconds into each
turn. Prints the server's latency (as the clients measure it, on this machine) by kind of request.

    python bench/classroom_load.py                 # 40 clients, inf_2018_asia, 7 teams, 8 turns
    python bench/classroom_load.py --clients 10 --turns 2
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(scenario: str, turns: int, port: int, out: Path) -> tuple[subprocess.Popen, str, dict[str, str]]:
    proc = subprocess.Popen([sys.executable, "run_sim.py", "classroom", scenario, "--turns", str(turns),
                             "--turn-seconds", "0", "--port", str(port), "--band-runs", "50", "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    while not any(line.startswith("Ctrl-C") for line in lines):
        line = proc.stdout.readline()
        if not line:
            raise SystemExit(f"the server did not start: {proc.stderr.read() if proc.stderr else ''}")
        lines.append(line)
    text = "".join(lines)
    pin = re.search(r"PIN (\w+)", text)
    assert pin is not None
    return proc, pin.group(1), dict(re.findall(r"team (\w+)\s+code (\w+)", text))


async def device(base: str, kind: str, cookie: dict[str, str], team: str | None, submitter: bool,
                 latencies: dict[str, list[float]], done: asyncio.Event, rng: random.Random) -> None:
    """One page: poll once a second (with ?since=, as the pages do); a submitter also plays each turn."""
    url = {"projector": "/api/projector", "team": "/api/team", "facilitator": "/api/facilitator"}[kind]
    version, turn_submitted = -1, 0
    async with httpx.AsyncClient(base_url=base, cookies=cookie, timeout=30) as client:
        await asyncio.sleep(rng.uniform(0, 1))
        while not done.is_set():
            t = time.perf_counter()
            r = await client.get(f"{url}?since={version}")
            latencies[f"poll {kind}"].append(time.perf_counter() - t)
            view = r.json()
            version = view["version"]
            if not view.get("same"):
                if view["phase"] == "over":
                    done.set()
                if submitter and view["phase"] == "playing" and view["next_turn"] > turn_submitted \
                        and view["me"]["moves"]:
                    turn_submitted = view["next_turn"]
                    await asyncio.sleep(rng.uniform(1, 3))
                    move = rng.choice([m["move"] for m in view["me"]["moves"]])
                    t = time.perf_counter()
                    r = await client.post("/api/team/move", json={"move": move})
                    latencies["submit"].append(time.perf_counter() - t)
            await asyncio.sleep(1.0)


async def game(base: str, pin: str, codes: dict[str, str], clients: int, seed: int) -> dict[str, list[float]]:
    rng = random.Random(seed)
    latencies: dict[str, list[float]] = defaultdict(list)
    done = asyncio.Event()
    teams = list(codes)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for code in codes.values():
            await client.post("/join", data={"code": code})
        await client.post("/api/facilitator/start", cookies={"pin": pin})
    tasks = [device(base, "projector", {}, None, False, latencies, done, rng),
             device(base, "facilitator", {"pin": pin}, None, False, latencies, done, rng)]
    for k in range(clients - 2):
        team = teams[k % len(teams)]
        tasks.append(device(base, "team", {"team": codes[team]}, team, k < len(teams), latencies, done, rng))
    await asyncio.gather(*tasks)
    return latencies


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=40)
    ap.add_argument("--turns", type=int, default=8)
    ap.add_argument("--scenario", default="inf_2018_asia")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc, pin, codes = start_server(args.scenario, args.turns, port, Path(tmp) / "lesson")
        try:
            start = time.perf_counter()
            latencies = asyncio.run(game(f"http://127.0.0.1:{port}", pin, codes, args.clients, args.seed))
            wall = time.perf_counter() - start
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"{args.scenario}: {len(codes)} teams, {args.clients} clients, {args.turns} turns in {wall:.0f} s; "
          "latency in ms as the clients saw it (server and clients on this 2-core machine)")
    print(f"{'request':<18} {'count':>6} {'median':>8} {'p99':>8} {'max':>8}")
    for kind in sorted(latencies):
        ms = sorted(1000 * x for x in latencies[kind])
        p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
        print(f"{kind:<18} {len(ms):>6} {statistics.median(ms):>8.1f} {p99:>8.1f} {ms[-1]:>8.1f}")


if __name__ == "__main__":
    main()
