"""Dashboard load check: concurrent requests on loopback against a running ``equipoise serve``.

Starts the dashboard (uvicorn, one worker process, warmed up as ``equipoise serve`` does) on
127.0.0.1 at a free port, on the embedded Kazakhstan data, then sends a bounded number of requests per scenario from a pool of client
threads (keep-alive connections), and prints throughput, p50/p99 latency and errors for each,
with throughput as a ratio to the baseline scenario run in the same process (``/api/health``,
which does no work: the server and client overhead alone). Every scenario stops after
``--requests`` requests or ``--seconds`` seconds, whichever comes first; the server is stopped
at the end. Traffic goes to 127.0.0.1 only.

Scenarios (the first request of a key computes, later ones are served from the memo):

* ``health``: baseline;
* ``assess``: ``/api/assess`` (the whole assessment as JSON);
* ``shock``: ``/api/shock`` over 6 partners x 10 intensities (60 keys, computed on first use);
* ``whatif``: the what-if HTML fragment over the same keys (shock + corridors + SVG chart);
* ``overview``: the overview page (HTML with three inline SVG charts);
* ``shock-memo``: ``shock`` again, every key memoised (the steady state).

Each response body is compared with the first body seen for its URL: a difference counts as an
error (shared state corrupted under concurrency).

``--heavy`` instead measures how ``/api/health`` answers while the largest allowed uploads are
worked on (two actions at the change cap and two flows files at the row cap, half EU27 rows, at
once), with the heavy work in forked worker processes and then in threads (``processes=False``):
health latency idle (the baseline) and under load, and each upload's status and time.

Usage: python benchmarks/bench_web.py [--requests 400] [--concurrency 8] [--seconds 60]
       python benchmarks/bench_web.py --heavy [--budget 30]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HOST = "127.0.0.1"
PARTNERS = ["RUS", "CHN", "USA", "EU27", "AZE", "TUR"]
INTENSITIES = [f"{x:.1f}" for x in np.linspace(0.1, 1.0, 10)]

SERVER = """
import sys, uvicorn
from equipoise.present.web import create_app
procs = {"1": True, "0": False}.get(sys.argv[2]) if len(sys.argv) > 2 else None
budget = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
app = create_app(focal="KAZ", allowed_hosts=["127.0.0.1"], alignment_reps=50, mc_runs=2000,
                 warm=True, processes=procs, time_budget=budget)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="error", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(port: int, timeout: float = 90.0, *extra: str) -> subprocess.Popen:
    import httpx

    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), *extra],
                            cwd=Path(__file__).resolve().parents[1],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "NO_COLOR": "1"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://{HOST}:{port}/api/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    proc.kill()
    raise RuntimeError(f"server did not answer within {timeout} s")


def scenario_urls(name: str) -> list[str]:
    keys = [(p, i) for p in PARTNERS for i in INTENSITIES]
    if name == "health":
        return ["/api/health"]
    if name == "assess":
        return ["/api/assess"]
    if name == "shock":
        return [f"/api/shock?partner={p}&intensity={i}" for p, i in keys]
    if name == "whatif":
        return [f"/whatif/result?partner={p}&intensity={i}" for p, i in keys]
    if name == "overview":
        return ["/"]
    raise ValueError(name)


def run_scenario(base: str, name: str, n: int, conc: int, seconds: float) -> dict:
    import httpx

    urls = scenario_urls(name)
    lat: list[float] = []
    errors = 0
    first: dict[str, bytes] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    counter = iter(range(n))
    clients = threading.local()

    def work(_):
        nonlocal errors
        c = getattr(clients, "c", None)
        if c is None:
            c = clients.c = httpx.Client(base_url=base, timeout=60)
        while time.monotonic() < stop_at:
            with lock:
                k = next(counter, None)
            if k is None:
                return
            u = urls[k % len(urls)]
            t0 = time.perf_counter()
            try:
                r = c.get(u)
                ok = r.status_code == 200
                body = r.content
            except httpx.HTTPError:
                ok, body = False, b""
            dt = time.perf_counter() - t0
            with lock:
                lat.append(dt)
                if ok and u not in first:
                    first[u] = body
                elif ok and u != "/api/health" and not _same(first[u], body, u):
                    ok = False
                errors += not ok

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conc) as pool:
        list(pool.map(work, range(conc)))
    wall = time.perf_counter() - t0
    a = np.array(lat) * 1000
    return {"scenario": name, "requests": len(lat), "seconds": wall,
            "throughput": len(lat) / wall if wall else float("nan"),
            "p50_ms": float(np.percentile(a, 50)) if len(a) else float("nan"),
            "p99_ms": float(np.percentile(a, 99)) if len(a) else float("nan"),
            "errors": errors, "keys": len(urls)}


def _same(a: bytes, b: bytes, url: str) -> bool:
    if a == b:
        return True
    if url.startswith("/api"):
        return json.loads(a) == json.loads(b)
    return False


def heavy(budget: float) -> int:
    """Health latency while the largest allowed uploads run, processes vs threads."""
    import httpx

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from equipoise.present import web
    from tests.adversarial.test_web import action_toml, flows_csv

    action = action_toml(web.MAX_ACTION_CHANGES)
    csv = flows_csv(web.MAX_UPLOAD_ROWS)
    jobs = [("/api/action", {"file": ("a1.toml", action, "text/plain")}, {}),
            ("/api/action", {"file": ("a2.toml", action + b"\n# 2\n", "text/plain")}, {}),
            ("/api/assess", {"file": ("f1.csv", csv, "text/csv")}, {"lenient": "true"}),
            ("/api/assess", {"file": ("f2.csv", csv + b"\n", "text/csv")}, {"lenient": "true"})]
    print(f"heavy: {len(jobs)} uploads at once (action {len(action):,} B with "
          f"{web.MAX_ACTION_CHANGES:,} changes x2, flows {len(csv):,} B with "
          f"{web.MAX_UPLOAD_ROWS:,} rows x2), time budget {budget:g} s, {os.cpu_count()} cores")
    worst = 0.0
    for mode in ("1", "0"):
        port = free_port()
        proc = start_server(port, 120.0, mode, str(budget))
        base = f"http://{HOST}:{port}"
        try:
            poller = httpx.Client(base_url=base, timeout=60)  # one keep-alive connection
            idle = []
            for _ in range(20):
                t = time.perf_counter()
                poller.get("/api/health")
                idle.append(time.perf_counter() - t)
            results: dict[int, tuple[int, float]] = {}

            def post(i, u, files, data, base=base, results=results):
                t = time.perf_counter()
                try:
                    r = httpx.post(base + u, files=files, data=data, timeout=600)
                    results[i] = (r.status_code, time.perf_counter() - t)
                except httpx.HTTPError:
                    results[i] = (0, time.perf_counter() - t)

            ths = [threading.Thread(target=post, args=(i, *j)) for i, j in enumerate(jobs)]
            for th in ths:
                th.start()
            time.sleep(0.5)
            busy = []
            while any(th.is_alive() for th in ths):
                t = time.perf_counter()
                with contextlib.suppress(httpx.HTTPError):
                    poller.get("/api/health")
                busy.append(time.perf_counter() - t)
                time.sleep(0.2)
            for th in ths:
                th.join()
            poller.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        b = np.array(busy or [float("nan")]) * 1000
        i50 = float(np.median(idle)) * 1000
        name = "processes" if mode == "1" else "threads"
        print(f"{name:<10} health idle p50 {i50:7.1f} ms | under load p50 {np.median(b):8.1f} ms "
              f"(x{np.median(b) / i50:.1f}) max {b.max():8.1f} ms over {len(busy)} polls | "
              "uploads " + ", ".join(f"{jobs[i][0].rsplit('/', 1)[1]} {s} in {t:.1f} s"
                                     for i, (s, t) in sorted(results.items())))
        if mode == "1":
            worst = float(b.max())
    return 0 if worst < 1000 else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=400, help="requests per scenario (bound)")
    ap.add_argument("--concurrency", type=int, default=8, help="client threads")
    ap.add_argument("--seconds", type=float, default=60.0, help="time bound per scenario")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--heavy", action="store_true", help="health latency under the largest "
                    "allowed uploads, worker processes vs threads")
    ap.add_argument("--budget", type=float, default=30.0, help="time budget (s) with --heavy")
    args = ap.parse_args(argv)
    if args.heavy:
        return heavy(args.budget)
    port = free_port()
    proc = start_server(port)
    base = f"http://{HOST}:{port}"
    try:
        run_scenario(base, "health", 100, args.concurrency, 10)  # connections and threads up
        rows = [run_scenario(base, s, args.requests, args.concurrency, args.seconds)
                for s in ("health", "assess", "shock", "whatif", "overview")]
        warm = run_scenario(base, "shock", args.requests, args.concurrency, args.seconds)
        warm["scenario"] = "shock-memo"  # the same 60 keys again, all memoised now
        rows.append(warm)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    base_tp = rows[0]["throughput"]
    print(f"dashboard load check on {base} ({os.cpu_count()} cores), {args.concurrency} client "
          f"threads, <= {args.requests} requests or {args.seconds:g} s per scenario")
    print(f"{'scenario':<10} {'keys':>5} {'requests':>8} {'req/s':>8} {'vs health':>9} "
          f"{'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for r in rows:
        print(f"{r['scenario']:<10} {r['keys']:>5} {r['requests']:>8} {r['throughput']:>8.1f} "
              f"{r['throughput'] / base_tp:>9.3f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} "
              f"{r['errors']:>6}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
