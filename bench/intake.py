"""Intake's throughput against a bare FastAPI endpoint with the same body, and batch sync.

Setup: a Tansu broker with every topic, a fresh PostgreSQL database `slrt_bench_<hex>` migrated
with intake's migrations, development keys, and intake started as in production
(`python -m slrt.cli service intake`, configured by `SLRT_INTAKE_*`). The baseline is
`bench/bare_app.py` under the same uvicorn settings (one worker, uvloop and httptools, no
access log).

* single submissions: a load generator in its own process (asyncio + httpx, `--concurrency`
  workers, closed loop) posts valid complaints, each with a unique `client_ref`, for `--seconds`
  after a 2 s warm-up; first to the bare endpoint, then to intake, never both at once;
* latency at the target rate: intake again, open loop at 0.4 × the bare requests/s (one
  request every 1/rate s, latency from the scheduled send time), then at 0.8 × its own
  closed-loop requests/s (latency below saturation; errors under overload are reported);
* batch sync: `POST /v1/complaints:batch` with 500 offline items, 10 batches one after the other,
  then 10 more of which half repeat earlier batches (the duplicate path).

Targets (2 cores, PostgreSQL): intake ≥ 0.4 × bare requests/s, intake p99 < 100 ms, batch sync
≥ 5,000 complaints/s. Any non-2xx answer or a batch whose counts do not add up exits 1.

    .venv/bin/python bench/intake.py [--concurrency 16] [--seconds 10] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
from rich.console import Console
from rich.table import Table

# Run as a script from the repository root: make the project's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    REPO_ROOT,
    command_line,
    complaint_body,
    database_url,
    pg_admin,
    process_cpu_s,
    summary,
)
from slrt.auth import DevTokenIssuer, Role, ensure_dev_keys  # noqa: E402
from slrt.embedded.broker import TansuBroker  # noqa: E402
from slrt.embedded.ports import LOCALHOST, free_port  # noqa: E402
from slrt.embedded.process import terminate  # noqa: E402
from slrt.embedded.stack import create_topics  # noqa: E402
from slrt.migrations import upgrade  # noqa: E402
from slrt.services import service  # noqa: E402

REGION = "3402"
PATH_SINGLE = "/v1/complaints"
PATH_BATCH = "/v1/complaints:batch"
DEVICE_ID = "tablet-bench"
BATCH_SIZE = 500
BATCHES = 10  # default: fresh batches in round 1; round 2 has as many, half of them replays
MAX_BATCHES = 200
WARMUP_S = 2.0
MAX_SECONDS = 120.0  # keeps a run bounded in time
MAX_CONCURRENCY = 256
REQUEST_TIMEOUT_S = 30.0
BATCH_TIMEOUT_S = 120.0
READY_TIMEOUT_S = 60.0
TARGET_RATIO = 0.4
TARGET_P99_MS = 100.0
TARGET_BATCH_PER_S = 5000.0
# Long lines stay whole in logs; tables get 120 columns when the output is not a terminal.
console = Console(soft_wrap=True, width=shutil.get_terminal_size((120, 24)).columns)


# --- request bodies ----------------------------------------------------------------------------


def distinct_nik(i: int) -> str:
    """A structurally valid NIK of the complaint's kecamatan (340205), different for each `i`."""
    born = dt.date(1980, 8, 15) + dt.timedelta(days=i // 9999)
    return f"340205{born:%d%m%y}{i % 9999 + 1:04d}"


def single_body(i: int, ref: str, nik_mode: str) -> dict[str, Any]:
    body = complaint_body(i)
    body["client_ref"] = ref
    if nik_mode == "distinct":
        body["complainant"]["nik"] = distinct_nik(i)
    return body


# --- load generator (runs in its own process) --------------------------------------------------


async def generate_load(cfg: dict[str, Any]) -> dict[str, Any]:
    """Closed loop (`rate` 0): `concurrency` workers post one complaint after the other until
    time is up. Open loop (`rate` > 0): one request every 1/rate seconds whatever the answers,
    latency counted from the scheduled send time (a slow server cannot hide its queue).

    Requests started in the warm-up are not measured; the window runs from the end of the
    warm-up to the last measured answer, so requests/s = measured answers / window.
    """
    concurrency, tag, rate = int(cfg["concurrency"]), str(cfg["tag"]), float(cfg.get("rate", 0))
    samples: list[tuple[float, float, int | str]] = []
    # One client with one connection per worker: a shared httpx pool with requests queued for
    # its connections cost the load generator ~8 ms of CPU per request in open-loop runs
    # (against ~1 ms), enough to starve the server it measures on 2 cores.
    # Open loop: more workers than the closed loop's clients, so a slow answer delays no
    # other request; requests beyond them wait in a queue, their latency counted from the
    # scheduled time.
    workers = concurrency if rate <= 0 else 4 * concurrency
    one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=cfg["url"], timeout=REQUEST_TIMEOUT_S, limits=one,
                                 headers={"Authorization": f"Bearer {cfg['token']}"})
               for _ in range(workers)]
    t_start = time.perf_counter()
    t_warm = t_start + float(cfg["warmup_s"])
    t_end = t_warm + float(cfg["seconds"])

    async def post(client: httpx.AsyncClient, i: int, t0: float) -> None:
        body = single_body(i, f"{tag}-{i}", cfg["nik_mode"])
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                code: int | str = (await client.post(PATH_SINGLE, json=body)).status_code
        except (httpx.HTTPError, TimeoutError) as exc:
            code = type(exc).__name__
        samples.append((t0, time.perf_counter(), code))

    async def closed_worker(w: int) -> None:
        n = 0
        while (t0 := time.perf_counter()) < t_end:
            await post(clients[w], w + n * concurrency, t0)  # unique across workers
            n += 1

    scheduled: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()

    async def open_worker(w: int) -> None:
        while (item := await scheduled.get()) is not None:
            await post(clients[w], *item)

    async def scheduler() -> None:
        n = 0
        while (t0 := t_start + n / rate) < t_end:
            if (delay := t0 - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            if scheduled.qsize() >= 2 * workers:
                # The server is this far behind: the request is not sent (counted as an
                # error), so an overloaded run ends instead of piling up timeouts.
                samples.append((t0, t0, "not sent: server too far behind"))
            else:
                scheduled.put_nowait((n, t0))
            n += 1
        for _ in range(workers):
            scheduled.put_nowait(None)

    cpu0 = time.process_time()
    try:
        if rate > 0:
            await asyncio.gather(scheduler(), *(open_worker(w) for w in range(workers)))
        else:
            await asyncio.gather(*(closed_worker(w) for w in range(concurrency)))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    cpu_s = time.process_time() - cpu0
    measured = [(t0, t1) for t0, t1, code in samples
                if t0 >= t_warm and not str(code).startswith("not sent")]
    window = max((t1 for _, t1 in measured), default=t_warm) - t_warm
    errors = Counter(str(code) for _, _, code in samples
                     if not (isinstance(code, int) and 200 <= code < 300))
    return {
        "offered_rps": rate or None,
        "requests": len(measured),
        "window_s": round(window, 3),
        "rps": round(len(measured) / window, 1) if window > 0 else 0.0,
        "latency_ms": summary([t1 - t0 for t0, t1 in measured]),
        "warmup_requests": len(samples) - len(measured),
        "errors": dict(errors),
        "loadgen_cpu_s": round(cpu_s, 2),
        "total_requests": len(samples),
    }


def load_worker_main() -> int:
    """`--load-worker`: configuration as JSON on stdin, figures as JSON on stdout."""
    cfg = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(generate_load(cfg))))
    return 0


# --- processes ---------------------------------------------------------------------------------


class Server:
    """One HTTP server process on 127.0.0.1, logging to a file; `stop()` is SIGTERM then kill."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int,
                 log_dir: Path) -> None:
        self.name, self.command, self.env, self.port = name, command, env, port
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"

    def start(self, ready_path: str, ready_status: int) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(self.command, env=self.env, cwd=REPO_ROOT,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)  # Ctrl-C reaches us; we stop it
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                if httpx.get(self.url + ready_path, timeout=1.0).status_code == ready_status:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready after {READY_TIMEOUT_S:.0f}s:\n"
                                   f"{self.log_tail()}")
            time.sleep(0.2)

    def cpu_s(self) -> float | None:
        return process_cpu_s(self.proc.pid) if self.proc is not None else None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            terminate([proc], timeout)
        if self._log is not None:
            self._log.close()
            self._log = None


def server_env(overrides: dict[str, str]) -> dict[str, str]:
    # Intake settings of the caller's shell must not leak in: only ours configure the service.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLRT_INTAKE_")}
    env.update(overrides)
    return env


def cpu_of(servers: Sequence[Server]) -> float | None:
    times = [s.cpu_s() for s in servers]
    return None if None in times else sum(t for t in times if t is not None)


def run_load(server: Server, token: str, tag: str, args: argparse.Namespace,
             rate: float = 0.0, also: Sequence[Server] = ()) -> dict[str, Any]:
    """Run the load generator process against `server` (closed loop, or open loop at `rate`
    requests/s); add the CPU time of the server and of the processes `also` (the service's
    relaying process beside an API-only one)."""
    cfg = {"url": server.url, "token": token, "tag": tag, "concurrency": args.concurrency,
           "warmup_s": WARMUP_S, "seconds": args.seconds, "nik_mode": args.nik, "rate": rate}
    cpu0 = cpu_of([server, *also])
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--load-worker"],
                          input=json.dumps(cfg).encode(), capture_output=True, cwd=REPO_ROOT,
                          timeout=WARMUP_S + args.seconds + REQUEST_TIMEOUT_S + 60, check=False)
    cpu1 = cpu_of([server, *also])
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}):\n"
                           f"{done.stderr.decode(errors='replace')[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    if cpu0 is not None and cpu1 is not None and result["total_requests"]:
        result["server_cpu_s"] = round(cpu1 - cpu0, 2)
        result["server_cpu_ms_per_request"] = round(
            (cpu1 - cpu0) * 1000 / result["total_requests"], 2)
    return result


# --- batch sync --------------------------------------------------------------------------------


@dataclass
class BatchRun:
    kind: str  # "fresh" (round 1), "new" or "replay" (round 2)
    seconds: float
    status: int
    created: int
    duplicates: int
    rejected: int

    def problem(self) -> str | None:
        if self.status != 200:
            return f"status {self.status}"
        if self.created + self.duplicates + self.rejected != BATCH_SIZE:
            return f"created+duplicates+rejected = {self.created + self.duplicates + self.rejected}"
        if self.rejected:
            return f"{self.rejected} rejected"
        expected = BATCH_SIZE if self.kind != "replay" else 0
        if self.created != expected:
            return f"created {self.created}, expected {expected}"
        return None


def batch_body(b: int, tag: str, nik_mode: str) -> dict[str, Any]:
    captured = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(
        timespec="seconds").replace("+00:00", "Z")
    items = []
    for k in range(BATCH_SIZE):
        i = 1_000_000 + b * BATCH_SIZE + k  # apart from the single submissions' numbers
        item = single_body(i, f"{tag}-batch-{b}-{k}", nik_mode)
        item["captured_at"] = captured
        items.append(item)
    return {"device_id": DEVICE_ID, "items": items}


async def run_batches(url: str, token: str, tag: str, nik_mode: str,
                      batches: int = BATCHES) -> list[BatchRun]:
    plan = [("fresh", b) for b in range(batches)]
    # Round 2: new batches alternate with exact repeats of round-1 batches.
    plan += [("new", batches + j // 2) if j % 2 == 0 else ("replay", j // 2)
             for j in range(batches)]
    runs: list[BatchRun] = []
    # Encoded before the clock starts, as a tablet's offline queue holds them: the figure is the
    # server's, not this client's JSON encoder's (about 4 ms of a 100 ms batch).
    encoded: dict[int, bytes] = {}
    async with httpx.AsyncClient(base_url=url, timeout=BATCH_TIMEOUT_S,
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"}) as client:
        for kind, b in plan:
            body = encoded.setdefault(b, json.dumps(batch_body(b, tag, nik_mode)).encode())
            t0 = time.perf_counter()
            response = await client.post(PATH_BATCH, content=body)
            seconds = time.perf_counter() - t0
            # Only counts from the answer: items may echo personal data.
            out = response.json() if response.status_code == 200 else {}
            runs.append(BatchRun(kind, seconds, response.status_code, out.get("created", 0),
                                 out.get("duplicates", 0), out.get("rejected", 0)))
    return runs


def batch_figures(runs: list[BatchRun]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for kind in ("fresh", "new", "replay"):
        group = [r for r in runs if r.kind == kind]
        wall = sum(r.seconds for r in group)
        items = sum(r.duplicates if kind == "replay" else r.created for r in group)
        latency = summary([r.seconds for r in group])
        figures[kind] = {"batches": len(group), "items": items, "wall_s": round(wall, 3),
                         "per_s": round(items / wall, 1) if wall else 0.0,
                         "latency_p50_ms": latency["p50"], "latency_max_ms": latency["max"]}
    figures["problems"] = [f"batch {n} ({r.kind}): {p}" for n, r in enumerate(runs)
                           if (p := r.problem()) is not None]
    return figures


# --- database ----------------------------------------------------------------------------------


def create_database(name: str) -> str:
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    return database_url(name)


def drop_database(name: str) -> None:
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- the run -----------------------------------------------------------------------------------


def bench(tmp: Path, db_name: str, args: argparse.Namespace,
          phases: dict[str, float]) -> dict[str, Any]:
    logs = tmp / "logs"
    tag = uuid.uuid4().hex[:8]
    broker = TansuBroker(logs, port=free_port(LOCALHOST), host=LOCALHOST)
    servers: list[Server] = []
    try:
        t = time.perf_counter()
        with console.status("starting Tansu, creating the database, migrating..."):
            broker.start()
            asyncio.run(create_topics(broker.bootstrap))
            url = create_database(db_name)
            upgrade(service("intake").bootstrap.DEFINITION.migrations, url)
            keys = tmp / "keys"
            _, public_key = ensure_dev_keys(keys)
        token = DevTokenIssuer.from_folder(keys).issue(Role.FRONT_OFFICE, REGION)
        phases["setup_s"] = time.perf_counter() - t

        # Baseline first, alone; stopped before intake starts (its relay and consumer poll).
        port = free_port(LOCALHOST)
        bare = Server("bare", [sys.executable, "-m", "uvicorn", "bench.bare_app:app",
                               "--host", LOCALHOST, "--port", str(port),
                               "--log-level", "warning", "--no-access-log"],
                      server_env({}), port, logs)
        servers.append(bare)
        t = time.perf_counter()
        bare.start("/", 404)  # no route at /: any HTTP answer means it serves
        with console.status(f"bare endpoint: {args.concurrency} workers, {args.seconds:g} s..."):
            bare_result = run_load(bare, token, f"{tag}-bare", args)
        bare.stop()
        phases["bare_s"] = time.perf_counter() - t

        intake_env = {"SLRT_INTAKE_DATABASE_URL": url,
                      "SLRT_INTAKE_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
                      "SLRT_INTAKE_AUTH_PUBLIC_KEY_FILE": str(public_key)}
        command = [sys.executable, "-m", "slrt.cli", "service", "intake"]
        t = time.perf_counter()
        also: list[Server] = []
        if args.layout == "split":
            # Scaled out: the process that relays and consumes, and beside it the API-only
            # process that takes the requests.
            port = free_port(LOCALHOST)
            worker = Server("intake-worker", command,
                            server_env({**intake_env, "SLRT_INTAKE_HTTP_PORT": str(port)}),
                            port, logs)
            servers.append(worker)
            also.append(worker)
            with console.status("starting intake's relaying process..."):
                worker.start("/readyz", 200)
            intake_env["SLRT_INTAKE_PROCESS_ROLE"] = "api"
        port = free_port(LOCALHOST)
        intake = Server("intake", command,
                        server_env({**intake_env, "SLRT_INTAKE_HTTP_PORT": str(port)}),
                        port, logs)
        servers.append(intake)
        with console.status("starting intake..."):
            intake.start("/readyz", 200)
        phases["intake_start_s"] = time.perf_counter() - t
        t = time.perf_counter()
        with console.status(f"intake: {args.concurrency} workers, {args.seconds:g} s..."):
            intake_result = run_load(intake, token, f"{tag}-intake", args, also=also)
        phases["intake_s"] = time.perf_counter() - t
        # Latency is judged at the rate the target asks for, not at saturation, where a closed
        # loop's latency is only concurrency / throughput.
        rate = round(TARGET_RATIO * bare_result["rps"], 1)
        t = time.perf_counter()
        with console.status(f"intake at {rate:g} requests/s (open loop), {args.seconds:g} s..."):
            paced_result = run_load(intake, token, f"{tag}-paced", args, rate=rate, also=also)
        phases["intake_paced_s"] = time.perf_counter() - t
        # And below saturation: at 80 % of what intake itself sustained in the closed loop.
        own_rate = round(0.8 * intake_result["rps"], 1)
        t = time.perf_counter()
        with console.status(f"intake at {own_rate:g} requests/s (open loop)..."):
            own_result = run_load(intake, token, f"{tag}-own", args, rate=own_rate, also=also)
        phases["intake_own_rate_s"] = time.perf_counter() - t

        t = time.perf_counter()
        cpu0 = cpu_of([intake, *also])
        with console.status(f"batch sync: {2 * args.batches} batches of {BATCH_SIZE}..."):
            runs = asyncio.run(run_batches(intake.url, token, tag, args.nik, args.batches))
        cpu1 = cpu_of([intake, *also])
        phases["batch_s"] = time.perf_counter() - t
        batch = batch_figures(runs)
        if cpu0 is not None and cpu1 is not None:
            batch["server_cpu_s"] = round(cpu1 - cpu0, 2)
    finally:
        for server in reversed(servers):
            server.stop()
        broker.stop()
    return {"bare": bare_result, "intake": intake_result, "intake_paced": paced_result,
            "intake_own_rate": own_result, "batch": batch}


def verdicts(result: dict[str, Any]) -> dict[str, Any]:
    bare_rps, intake_rps = result["bare"]["rps"], result["intake"]["rps"]
    ratio = round(intake_rps / bare_rps, 3) if bare_rps else None
    paced = result["intake_paced"]
    p99 = paced["latency_ms"]["p99"]
    # The paced run must also keep up: answers at (nearly) the offered rate, no errors.
    kept_up = paced["rps"] >= 0.95 * paced["offered_rps"] and not paced["errors"]
    batch_rate = result["batch"]["fresh"]["per_s"]
    return {
        "ratio_intake_over_bare": ratio,
        "ratio_met": ratio is not None and ratio >= TARGET_RATIO,
        "intake_p99_met": p99 is not None and p99 < TARGET_P99_MS and kept_up,
        "batch_met": batch_rate >= TARGET_BATCH_PER_S,
    }


def _yes(met: bool) -> str:
    return "[green]yes[/green]" if met else "[red]no[/red]"


def print_report(report: dict[str, Any]) -> None:
    console.print(f"command: {report['command']}")
    console.print(f"cores: {report['cores']}   concurrency: {report['concurrency']}   "
                  f"measured: {report['seconds']:g} s after {WARMUP_S:g} s warm-up   "
                  f"NIK: {report['nik']}   layout: {report['layout']}")
    bare, intake, paced, batch, v = (report["bare"], report["intake"], report["intake_paced"],
                                     report["batch"], report["verdicts"])
    table = Table(title="intake vs bare FastAPI, and batch sync")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_column("met")
    table.add_row("bare requests/s", f"{bare['rps']:.1f}", "", "")
    table.add_row("intake requests/s", f"{intake['rps']:.1f}", "", "")
    table.add_row("ratio intake / bare", f"{v['ratio_intake_over_bare']}",
                  f"≥ {TARGET_RATIO}", _yes(v["ratio_met"]))
    table.add_row(f"intake at {paced['offered_rps']:g}/s: answered/s", f"{paced['rps']:.1f}",
                  f"≥ {0.95 * paced['offered_rps']:.1f}", "")
    table.add_row(f"intake at {paced['offered_rps']:g}/s: p50 (ms)",
                  f"{paced['latency_ms']['p50']}", "", "")
    table.add_row(f"intake at {paced['offered_rps']:g}/s: p99 (ms)",
                  f"{paced['latency_ms']['p99']}", f"< {TARGET_P99_MS:g}",
                  _yes(v["intake_p99_met"]))
    table.add_row("batch sync complaints/s", f"{batch['fresh']['per_s']:.1f}",
                  f"≥ {TARGET_BATCH_PER_S:,.0f}", _yes(v["batch_met"]))
    console.print(table)

    detail = Table(title="single submissions")
    for col in ("target", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors",
                "server CPU ms/req", "loadgen CPU s"):
        detail.add_column(col, justify="left" if col == "target" else "right")
    own = report["intake_own_rate"]
    for name, row in (("bare", bare), ("intake", intake),
                      (f"intake at {paced['offered_rps']:g}/s", paced),
                      (f"intake at {own['offered_rps']:g}/s", own)):
        lat = row["latency_ms"]
        detail.add_row(name, str(row["requests"]), f"{row['rps']:.1f}", str(lat["p50"]),
                       str(lat["p90"]), str(lat["p99"]), str(lat["max"]),
                       str(sum(row["errors"].values())),
                       str(row.get("server_cpu_ms_per_request", "-")), str(row["loadgen_cpu_s"]))
    console.print(detail)

    batches = Table(title=f"batch sync ({BATCH_SIZE} items per batch, one after the other)")
    for col in ("batches", "kind", "items", "wall s", "items/s", "p50 ms", "max ms"):
        batches.add_column(col, justify="left" if col in ("batches", "kind") else "right")
    labels = {"fresh": ("round 1", "created"), "new": ("round 2", "created"),
              "replay": ("round 2", "duplicates (replays)")}
    for kind, (round_label, what) in labels.items():
        row = batch[kind]
        batches.add_row(f"{round_label}: {row['batches']}", what, str(row["items"]),
                        f"{row['wall_s']:.2f}", f"{row['per_s']:.1f}",
                        str(row["latency_p50_ms"]), str(row["latency_max_ms"]))
    console.print(batches)
    for name in ("bare", "intake", "intake_paced", "intake_own_rate"):
        if report[name]["errors"]:
            console.print(f"[red]{name} errors: {report[name]['errors']}[/red]")
    for problem in batch["problems"]:
        console.print(f"[red]{problem}[/red]")
    console.print(f"phases (s): {report['phases_s']}   total: {report['total_s']} s")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16,
                        help="concurrent requests of the load generator")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help=f"measured seconds per target (after {WARMUP_S:g} s warm-up)")
    parser.add_argument("--nik", choices=("demo", "distinct"), default="demo",
                        help="demo: every complaint by the demo NIK (so each is a possible "
                             "duplicate of all earlier ones); distinct: one NIK per complaint")
    parser.add_argument("--layout", choices=("single", "split"), default="single",
                        help="single: one intake process does all, as docker-compose and the "
                             "embedded default run it; split: an API-only process takes the "
                             "requests beside the one that relays and consumes")
    parser.add_argument("--batches", type=int, default=BATCHES,
                        help="fresh batches of round 1 (more: a steadier figure); round 2 has "
                             "as many, half of them replays")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (logs) and print where it is")
    parser.add_argument("--load-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be 1..{MAX_CONCURRENCY}")
    if not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be 1..{MAX_SECONDS:g}")
    if not 2 <= args.batches <= MAX_BATCHES:
        parser.error(f"--batches must be 2..{MAX_BATCHES}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.load_worker:
        return load_worker_main()
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="slrt-bench-"))
    db_name = f"slrt_bench_{uuid.uuid4().hex[:12]}"
    phases: dict[str, float] = {}
    try:
        result = bench(tmp, db_name, args, phases)
    finally:
        try:
            drop_database(db_name)
        except (OSError, asyncpg.PostgresError) as exc:  # do not hide the run's own error
            console.print(f"[red]could not drop database {db_name}: {exc}[/red]")
        if args.keep:
            console.print(f"temporary folder kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report: dict[str, Any] = {
        "command": command_line("bench/intake.py", argv),
        "date": dt.date.today().isoformat(),
        "cores": os.cpu_count(),
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "warmup_s": WARMUP_S,
        "nik": args.nik,
        "layout": args.layout,
        **result,
        "verdicts": verdicts(result),
        "phases_s": {k: round(v, 2) for k, v in phases.items()},
        "total_s": round(time.perf_counter() - started, 2),
    }
    print_report(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    failed = (report["bare"]["errors"] or report["intake"]["errors"]
              or report["batch"]["problems"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
