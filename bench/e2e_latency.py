"""End-to-end latency of one complaint on the embedded default (Tansu + SQLite, four processes).

Starts the whole system as `slrt up` does, on free ports and a temporary data folder, then:

* baseline: Tansu's own produce -> consume latency for one small record (acks=all, the services'
  compression and fetch settings), one record at a time, on a fresh topic of the same broker;
* complaints: POST /v1/complaints, and the moment the AgencyReferralV1 with the complaint's number
  shows up on `slrt.agency.disdik-3402.referrals.v1`; also when GET shows status `referred`.

A complaint crosses three broker hops before the agency sees it (registered -> assessed ->
agency), so the report compares e2e p50 with 3 x hop p50.

    .venv/bin/python bench/e2e_latency.py [--complaints 100] [--rate 0 | N] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from rich.console import Console
from rich.table import Table

# Run as a script from the repository root: make the project's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import command_line, complaint_body, process_cpu_s, summary  # noqa: E402
from contracts import AgencyReferralV1, agency_topic  # noqa: E402
from slrt.auth import DevTokenIssuer, Role  # noqa: E402
from slrt.embedded.ports import LOCALHOST, free_port  # noqa: E402
from slrt.embedded.stack import Stack, StackConfig  # noqa: E402
from slrt.embedded.topics import ensure_topics  # noqa: E402
from slrt.services import SERVICE_NAMES  # noqa: E402
from slrt.settings import ServiceSettings  # noqa: E402

AGENCY_ID = "disdik-3402"
REGION = "3402"
FETCH_MAX_WAIT_MS = 10
HOP_MESSAGES = 100
MAX_COMPLAINTS = 2000  # keeps a run bounded in count
MAX_RATE = 200.0
REFERRED_POLL_S = 0.02
WAIT_S = 30.0  # per complaint / per hop record: give up after this
console = Console(soft_wrap=True)  # long header lines stay whole in logs


# --- the agency topic: arrival times by complaint number --------------------------------------


class Arrivals:
    """Records when each number was first seen, and lets callers wait for a number."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}
        self._waiters: dict[str, asyncio.Future[float]] = {}

    def record(self, key: str, at: float) -> None:
        if key in self.seen:
            return
        self.seen[key] = at
        waiter = self._waiters.pop(key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(at)

    async def wait(self, key: str, timeout: float) -> float | None:
        # The record may already be here (it was consumed before the caller asked).
        if key in self.seen:
            return self.seen[key]
        waiter = self._waiters.setdefault(key, asyncio.get_running_loop().create_future())
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            return None


async def assigned_consumer(bootstrap: str, topic: str) -> tuple[AIOKafkaConsumer, TopicPartition]:
    """A group-less consumer on partition 0, positioned before anything we are about to send.

    `assign()` + `seek_to_beginning()`, not `seek_to_end()`: Tansu's end offsets are wrong. The
    topics are fresh, so "beginning" is just before our first record; `position()` blocks until
    the offset is resolved, so the consumer is really in place before the first send.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest",
                                fetch_max_wait_ms=FETCH_MAX_WAIT_MS)
    await consumer.start()
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    await consumer.seek_to_beginning(tp)
    await consumer.position(tp)
    return consumer, tp


async def pump(consumer: AIOKafkaConsumer, arrivals: Arrivals, key_of: Any) -> None:
    """Read records forever; stamp each with the time the batch reached us."""
    while True:
        batch = await consumer.getmany(timeout_ms=100)
        now = time.perf_counter()
        for records in batch.values():
            for record in records:
                key = key_of(record)
                if key is not None:
                    arrivals.record(key, now)


def complaint_number_of(record: Any) -> str | None:
    try:
        return AgencyReferralV1.model_validate_json(record.value).complaint_number
    except ValueError:  # not ours / not a referral: ignore
        return None


# --- baseline: one broker hop ------------------------------------------------------------------


@dataclass
class HopResult:
    hop_s: list[float] = field(default_factory=list)
    ack_s: list[float] = field(default_factory=list)
    lost: int = 0


async def measure_hop(bootstrap: str, count: int) -> HopResult:
    """Produce `count` small records one at a time; time produce-start -> consumer sees it."""
    settings = ServiceSettings()  # the services' broker settings, so the hop is comparable
    topic = f"slrt.bench.hop.{uuid.uuid4().hex[:12]}"
    await ensure_topics(bootstrap, {topic: 1})
    consumer, _ = await assigned_consumer(bootstrap, topic)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all",
                                enable_idempotence=False,  # Tansu 0.6 fails idempotent producers
                                compression_type=settings.kafka_compression,
                                linger_ms=1)  # as the services' broker (slrt.messaging)
    await producer.start()
    arrivals = Arrivals()
    reader = asyncio.create_task(pump(consumer, arrivals, lambda r: r.value.decode()))
    result = HopResult()
    try:
        for i in range(count):
            key = f"hop-{i}"
            t0 = time.perf_counter()
            await producer.send_and_wait(topic, key.encode(), key=key.encode())
            t_ack = time.perf_counter()
            t_seen = await arrivals.wait(key, WAIT_S)
            if t_seen is None:
                result.lost += 1
                continue
            result.ack_s.append(t_ack - t0)
            result.hop_s.append(t_seen - t0)
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await producer.stop()
        await consumer.stop()
    return result


# --- complaints --------------------------------------------------------------------------------


@dataclass
class ComplaintTiming:
    number: str
    t0: float
    t_201: float
    t_agency: float | None = None
    t_referred: float | None = None


async def poll_referred(client: httpx.AsyncClient, complaint_id: str,
                        deadline: float) -> float | None:
    while time.perf_counter() < deadline:
        response = await client.get(f"/v1/complaints/{complaint_id}")
        if response.status_code == 200 and response.json().get("status") == "referred":
            return time.perf_counter()
        await asyncio.sleep(REFERRED_POLL_S)
    return None


async def one_complaint(client: httpx.AsyncClient, arrivals: Arrivals, i: int,
                        watch_referred: bool) -> ComplaintTiming:
    t0 = time.perf_counter()
    response = await client.post("/v1/complaints", json=complaint_body(i))
    t_201 = time.perf_counter()
    if response.status_code != 201:
        # Only the status: an error body may echo input fields (personal data stays out).
        raise RuntimeError(f"complaint {i}: POST answered {response.status_code}, not 201")
    created = response.json()
    timing = ComplaintTiming(created["number"], t0, t_201)
    referred = (asyncio.create_task(poll_referred(client, created["id"], t_201 + WAIT_S))
                if watch_referred else None)
    timing.t_agency = await arrivals.wait(timing.number, WAIT_S)
    if referred is not None:
        timing.t_referred = await referred
    return timing


async def run_complaints(client: httpx.AsyncClient, arrivals: Arrivals, first: int, count: int,
                         rate: float, referred_every: int) -> list[ComplaintTiming]:
    def watch(i: int) -> bool:
        return referred_every > 0 and (i - first) % referred_every == 0

    if rate <= 0:  # sequential: the next complaint starts when the previous one is done
        return [await one_complaint(client, arrivals, i, watch(i))
                for i in range(first, first + count)]
    start = time.perf_counter()
    tasks: list[asyncio.Task[ComplaintTiming]] = []
    for n, i in enumerate(range(first, first + count)):
        # Open-loop arrivals on a fixed schedule, so a slow answer does not slow the sender.
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one_complaint(client, arrivals, i, watch(i))))
    return list(await asyncio.gather(*tasks))


# --- the run -----------------------------------------------------------------------------------


async def bench(stack: Stack, data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    bootstrap = stack.cfg.bootstrap
    token = DevTokenIssuer.from_folder(data_dir / "keys").issue(Role.FRONT_OFFICE, REGION)
    consumer, _ = await assigned_consumer(bootstrap, agency_topic(AGENCY_ID))
    arrivals = Arrivals()
    reader = asyncio.create_task(pump(consumer, arrivals, complaint_number_of))
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    phases: dict[str, float] = {}
    try:
        async with httpx.AsyncClient(base_url=stack.url("intake"), timeout=WAIT_S, limits=limits,
                                     headers={"Authorization": f"Bearer {token}"}) as client:
            # Warm-up: consumer groups join, connections open, SQLite pages load. Not measured.
            t = time.perf_counter()
            warm = await run_complaints(client, arrivals, 0, args.warmup, 0, 1)
            phases["warmup_s"] = time.perf_counter() - t
            t = time.perf_counter()
            hop = await measure_hop(bootstrap, HOP_MESSAGES)
            phases["hop_baseline_s"] = time.perf_counter() - t
            t = time.perf_counter()
            cpu_before = _cpu_by_process(stack)
            timings = await run_complaints(client, arrivals, args.warmup, args.complaints,
                                           args.rate, args.referred_every)
            phases["complaints_s"] = time.perf_counter() - t
            cpu_after = _cpu_by_process(stack)
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await consumer.stop()

    done = [c for c in timings if c.t_agency is not None]
    referred = [c for c in timings if c.t_referred is not None]
    metrics = {
        "post_to_201": summary([c.t_201 - c.t0 for c in timings]),
        "201_to_agency": summary([c.t_agency - c.t_201 for c in done if c.t_agency]),
        "post_to_agency": summary([c.t_agency - c.t0 for c in done if c.t_agency]),
        "post_to_referred": summary([c.t_referred - c.t0 for c in referred if c.t_referred]),
        "hop": summary(hop.hop_s),
        "hop_produce_ack": summary(hop.ack_s),
    }
    hop_p50 = metrics["hop"]["p50"]
    ratios: dict[str, float | None] = {}
    for name in ("post_to_agency", "201_to_agency"):
        e2e_p50 = metrics[name]["p50"]
        ratios[f"{name}_p50 / (3 x hop_p50)"] = (
            round(e2e_p50 / (3 * hop_p50), 2) if e2e_p50 and hop_p50 else None)
    return {
        "metrics_ms": metrics,
        "ratios": ratios,
        "missing": {"agency": len(timings) - len(done), "hop": hop.lost,
                    "referred": sum(1 for i in range(len(timings))
                                    if args.referred_every and i % args.referred_every == 0)
                    - len(referred)},
        "warmup_first_post_to_agency_ms": (
            round((warm[0].t_agency - warm[0].t0) * 1000, 2) if warm and warm[0].t_agency
            else None),
        "phases_s": {k: round(v, 2) for k, v in phases.items()},
        # CPU ms per complaint over the complaints phase, per process (the bench's own too):
        # at a given rate, the system keeps up only while the total stays under
        # cores x 1000 / rate.
        "cpu_ms_per_complaint": {
            name: round((cpu_after[name] - cpu_before[name]) * 1000 / len(timings), 2)
            for name in cpu_before if name in cpu_after},
    }


def _cpu_by_process(stack: Stack) -> dict[str, float]:
    pids = {name: proc.pid for name, proc in stack.processes.items()}
    if stack.broker.pid is not None:
        pids["tansu"] = stack.broker.pid
    found = {name: process_cpu_s(pid) for name, pid in pids.items()}
    cpu = {name: value for name, value in found.items() if value is not None}
    cpu["bench"] = time.process_time()
    return cpu


LABELS = {
    "post_to_201": "POST → 201",
    "201_to_agency": "201 → agency topic",
    "post_to_agency": "POST → agency topic",
    "post_to_referred": "POST → GET shows referred",
    "hop": "hop: produce → consume (baseline)",
    "hop_produce_ack": "  of which produce → ack",
}


def print_report(report: dict[str, Any]) -> None:
    console.print(f"command: {report['command']}")
    console.print(f"cores: {report['cores']}   complaints: {report['complaints']}   "
                  f"mode: {report['mode']}   warm-up: {report['warmup']}   "
                  f"referred polled for every {report['referred_every']}. complaint")
    table = Table(title="latency (ms)")
    table.add_column("measure")
    for col in ("n", "p50", "p90", "p99", "max"):
        table.add_column(col, justify="right")
    for key, label in LABELS.items():
        row = report["metrics_ms"][key]
        table.add_row(label, *("-" if row[c] is None else str(row[c])
                               for c in ("n", "p50", "p90", "p99", "max")))
    console.print(table)
    for name, value in report["ratios"].items():
        console.print(f"{name} = {value}")
    console.print(f"missing: {report['missing']}   first warm-up POST → agency: "
                  f"{report['warmup_first_post_to_agency_ms']} ms")
    cpu = report["cpu_ms_per_complaint"]
    console.print("CPU ms per complaint: " + ", ".join(f"{k} {v}" for k, v in cpu.items())
                  + f"; services + broker {sum(v for k, v in cpu.items() if k != 'bench'):.2f}")
    console.print(f"stack start: {report['stack_start_s']} s   phases (s): {report['phases_s']}   "
                  f"total: {report['total_s']} s")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="complaints per second (0 = sequential)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured complaints first")
    parser.add_argument("--referred-every", type=int, default=None,
                        help="poll GET for `referred` on every Nth complaint (0 = never; "
                             "default 1 sequential, 10 with --rate: polling adds load)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary data folder (logs) and print where it is")
    args = parser.parse_args(argv)
    if not 1 <= args.complaints <= MAX_COMPLAINTS:
        parser.error(f"--complaints must be 1..{MAX_COMPLAINTS}")
    if not 0 <= args.rate <= MAX_RATE:
        parser.error(f"--rate must be 0..{MAX_RATE:g}")
    if not 0 <= args.warmup <= 20:
        parser.error("--warmup must be 0..20")
    if args.referred_every is None:
        args.referred_every = 1 if args.rate <= 0 else 10
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="slrt-bench-"))
    ports = {name: free_port(LOCALHOST) for name in SERVICE_NAMES}
    stack = Stack(StackConfig(data_dir, free_port(LOCALHOST), ports, host=LOCALHOST,
                              console_port=None))  # the console is not on the measured path
    try:
        t = time.perf_counter()
        with console.status("starting broker, migrating databases, starting services..."):
            stack.start()  # blocking and uses asyncio.run itself: call outside our event loop
        stack_start_s = time.perf_counter() - t
        result = asyncio.run(bench(stack, data_dir, args))
    finally:
        stack.stop()
        if args.keep:
            console.print(f"data folder kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    report: dict[str, Any] = {
        "command": command_line("bench/e2e_latency.py", argv),
        "date": dt.date.today().isoformat(),
        "cores": os.cpu_count(),
        "complaints": args.complaints,
        "mode": "sequential" if args.rate <= 0 else f"{args.rate:g}/s",
        "warmup": args.warmup,
        "referred_every": args.referred_every,
        **result,
        "stack_start_s": round(stack_start_s, 2),
        "total_s": round(time.perf_counter() - started, 2),
    }
    print_report(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if not any(report["missing"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
