"""Referral state transitions per second on PostgreSQL, through the service layer.

Setup: a fresh PostgreSQL database `slrt_bench_<hex>` on 127.0.0.1:5432 migrated with referral's
migrations; `--referrals` cases are opened from assessments (`opening.open_case`, the Kafka
handler's use case) and each referral is delivered — all unmeasured.

Measured: every referral goes accept → progress → resolve, each answer in its own unit of work
through `agency_work.respond` (the use case behind the HTTP and Kafka answers): load the
referral, apply the domain change, update the row with its version check, record the change in
the timeline, write the `ReferralStatusChangedV1` outbox row, commit. `--concurrency` referrals
are worked on at once per process, in `--processes` processes (each with its own event loop and
connection pool). Transitions/s = status changes committed / wall time from the common start to
the last commit. The outbox relay does not run (no broker): rows stay pending, which is what a
relay that keeps up leaves behind. Afterwards every referral must be resolved at version 5 with
three changes more in the timeline, else the script exits 1.

Target (issue 5): ≥ 1,000 transitions/s on 2 cores with PostgreSQL.

    .venv/bin/python bench/referral_transitions.py [--referrals 3000] [--concurrency 12]
        [--processes 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Run as a script from the repository root: make the project's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    command_line,
    database_url,
    pg_admin,
    process_cpu_s,
    summary,
)
from contracts import AgencyAction, ComplaintAssessedV1, Need, ReferralStatus, Sector  # noqa: E402
from services.referral.adapters.tables import case_changes, metadata, referrals  # noqa: E402
from services.referral.bootstrap import DEFINITION, load_policy  # noqa: E402
from services.referral.service_layer import agency_work, opening  # noqa: E402
from services.referral.service_layer.unit import Work  # noqa: E402
from services.referral.settings import Settings  # noqa: E402
from slrt.auth import Principal, Role  # noqa: E402
from slrt.db import UnitOfWork, make_engine  # noqa: E402
from slrt.migrations import upgrade  # noqa: E402
from slrt.outbox import OutboxWriter, utcnow  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "contracts/samples/complaint.assessed.v1.json"
ACTIONS = (AgencyAction.ACCEPT, AgencyAction.PROGRESS, AgencyAction.RESOLVE)
AGENCY = "disdik-3402"
TARGET_PER_S = 1000.0
START_DELAY_S = 1.5  # processes start together at a common instant after their set-up


def machine_cpu() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine so far (Linux /proc/stat; else None).
    Busy time over the run, per transition, is what a transition costs everything involved:
    Python, PostgreSQL and the kernel — and whatever else runs on the machine meanwhile."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields) - idle) / tick, sum(fields) / tick


def _url(database: str) -> str:
    return database_url(database)


class Units:
    """Units of work as the runtime makes them, without HTTP or broker."""

    def __init__(self, url: str, pool: int) -> None:
        self.engine = make_engine(url, pool_size=pool, max_overflow=0)
        from sqlalchemy.ext.asyncio import async_sessionmaker

        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        tables = metadata.tables
        self.outbox = OutboxWriter(tables["outbox"], source="/slrt/referral-bench")
        self.inbox = tables["inbox"]

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.outbox, self.inbox)


async def _seed(url: str, count: int, concurrency: int) -> list[str]:
    """Open `count` cases (one referral each) and deliver the referrals; their ids."""
    units = Units(url, concurrency)
    policy = load_policy(Settings())
    base = ComplaintAssessedV1.model_validate_json(SAMPLE.read_text())
    need = Need(code="education.kip", sector=Sector.EDUCATION, program="KIP",
                rule_id="bench", reason="bench")
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            event = base.model_copy(update={
                "complaint_id": uuid.uuid4(), "complaint_number": f"SLRT-3402-2026-{n:06d}",
                "category": Sector.EDUCATION, "needs": [need]})
            async with units() as uow:
                await opening.open_case(Work(uow, utcnow()), policy, event)
                await uow.commit()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    from sqlalchemy import select, update

    async with units.sessions() as session, session.begin():
        # Delivery is the agency's first contact; done here in bulk so that every measured
        # unit is exactly one transition.
        ids = [r for (r,) in await session.execute(select(referrals.c.referral_id))]
        await session.execute(update(referrals).values(status=ReferralStatus.DELIVERED.value,
                                                       version=2))
    await units.engine.dispose()
    return ids


async def _work(url: str, ids: Sequence[str], concurrency: int,
                start_at: float) -> dict[str, Any]:
    units = Units(url, concurrency)
    officer = Principal(subject="officer-bench", role=Role.AGENCY_OFFICER, agency_id=AGENCY)
    backends = await _open_pool(units, concurrency)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for rid in ids:
        queue.put_nowait(rid)
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            rid = uuid.UUID(queue.get_nowait())
            for action in ACTIONS:
                began = time.perf_counter()
                async with units() as uow:
                    await agency_work.respond(Work(uow, utcnow()), rid, action, officer)
                    await uow.commit()
                latencies.append(time.perf_counter() - began)

    await asyncio.sleep(max(0.0, start_at - time.time()))
    cpu0, pg0, began = time.process_time(), _cpu_of(backends), time.time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    ended, cpu, pg = time.time(), time.process_time() - cpu0, _cpu_of(backends) - pg0
    await units.engine.dispose()
    return {"began": began, "ended": ended, "transitions": len(latencies),
            "latencies": latencies, "cpu_s": cpu, "pg_cpu_s": pg if backends else None}


async def _open_pool(units: Units, size: int) -> list[int]:
    """Open every pooled connection now (not during the run) and return the PostgreSQL
    backend pid of each, to read their CPU time from /proc."""
    from sqlalchemy import text

    async def one(hold: asyncio.Event, pids: list[int]) -> None:
        async with units.sessions() as session:
            pids.append(int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()))
            await hold.wait()  # keep it checked out until all are open

    hold, pids = asyncio.Event(), list[int]()
    tasks = [asyncio.create_task(one(hold, pids)) for _ in range(size)]
    while len(pids) < size:
        await asyncio.sleep(0.01)
    hold.set()
    await asyncio.gather(*tasks)
    return pids


def _cpu_of(pids: Sequence[int]) -> float:
    """CPU seconds (user + system) used so far by these local processes (0 if unreadable)."""
    return sum(process_cpu_s(pid) or 0.0 for pid in pids)


def _process(url: str, ids: list[str], concurrency: int, start_at: float,
             results: Any) -> None:
    results.put(asyncio.run(_work(url, ids, concurrency, start_at)))


async def _check(url: str, expected: int) -> list[str]:
    """Every referral resolved at version 5, three changes each in the timeline."""
    from sqlalchemy import func, select

    units = Units(url, 1)
    async with units.sessions() as session:
        statuses = dict((await session.execute(
            select(referrals.c.status, func.count()).group_by(referrals.c.status))).all())
        versions = dict((await session.execute(
            select(referrals.c.version, func.count()).group_by(referrals.c.version))).all())
        moves = (await session.execute(select(func.count()).select_from(case_changes).where(
            case_changes.c.kind == "status_changed"))).scalar_one()
    await units.engine.dispose()
    problems = []
    if statuses != {ReferralStatus.RESOLVED.value: expected}:
        problems.append(f"statuses {statuses}")
    if versions != {5: expected}:
        problems.append(f"versions {versions}")
    if moves != 3 * expected:
        problems.append(f"{moves} status changes in the timeline, expected {3 * expected}")
    return problems


async def _database(action: str, name: str) -> None:
    await pg_admin(f'CREATE DATABASE "{name}"' if action == "create"
                   else f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--referrals", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=12, help="per process")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    name = f"slrt_bench_{uuid.uuid4().hex[:10]}"
    url = _url(name)
    asyncio.run(_database("create", name))
    try:
        upgrade(DEFINITION.migrations, url)
        t0 = time.time()
        ids = asyncio.run(_seed(url, args.referrals, args.concurrency))
        print(f"seeded {len(ids)} delivered referrals in {time.time() - t0:.1f} s")
        start_at = time.time() + START_DELAY_S
        ctx = multiprocessing.get_context("spawn")
        results = ctx.Queue()
        shares = [ids[i::args.processes] for i in range(args.processes)]
        procs = [ctx.Process(target=_process, args=(url, share, args.concurrency, start_at,
                                                    results)) for share in shares]
        for proc in procs:
            proc.start()
        time.sleep(max(0.0, start_at - time.time()))
        cpu_before = machine_cpu()
        done = [results.get() for _ in procs]
        cpu_after = machine_cpu()
        for proc in procs:
            proc.join()
        problems = asyncio.run(_check(url, len(ids)))
    finally:
        if not args.keep:
            asyncio.run(_database("drop", name))
    began = min(d["began"] for d in done)
    ended = max(d["ended"] for d in done)
    transitions = sum(d["transitions"] for d in done)
    rate = transitions / (ended - began)
    latency = summary([x for d in done for x in d["latencies"]])
    figures = {
        "command": command_line("bench/referral_transitions.py", argv),
        "referrals": len(ids), "processes": args.processes,
        "concurrency_per_process": args.concurrency, "transitions": transitions,
        "seconds": round(ended - began, 3), "transitions_per_s": round(rate, 1),
        "unit_latency_ms": latency,
        "python_cpu_ms_per_transition": round(1000 * sum(d["cpu_s"] for d in done)
                                              / transitions, 3),
        "postgres_cpu_ms_per_transition": round(1000 * sum(d["pg_cpu_s"] or 0 for d in done)
                                                / transitions, 3),
        "machine_cpu_ms_per_transition": round(
            1000 * (cpu_after[0] - cpu_before[0]) / transitions, 3)
        if cpu_before and cpu_after else None,
        "machine_busy_share": round((cpu_after[0] - cpu_before[0])
                                    / (cpu_after[1] - cpu_before[1]), 3)
        if cpu_before and cpu_after else None,
        "load_average_after": round(os.getloadavg()[0], 2),
        "target_per_s": TARGET_PER_S, "problems": problems,
    }
    own = figures["python_cpu_ms_per_transition"] + figures["postgres_cpu_ms_per_transition"]
    # What two cores would carry if they did nothing else: the measured rate is lower when
    # other work shares the machine (see machine_cpu_ms_per_transition).
    figures["capacity_2_cores_per_s"] = round(2000 / own, 1) if own else None
    print(json.dumps(figures, indent=2))
    print(f"{rate:,.0f} transitions/s ({'meets' if rate >= TARGET_PER_S else 'misses'} the "
          f"target of {TARGET_PER_S:,.0f}/s)  —  {figures['command']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
