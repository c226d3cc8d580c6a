"""Notification on PostgreSQL: the scheduler's scan over 1M open deadlines, and sending
throughput to a local webhook receiver.

Setup (unmeasured): a fresh database `slrt_bench_notif_<hex>` on 127.0.0.1:5432 migrated with
notification's migrations; `--deadlines` open deadlines inserted with one SQL statement, their
next-due times spread over 60 days, of which `--due` are due now; ANALYZE.

Measured:
* scan: the claim query of a planning pass (`FOR UPDATE SKIP LOCKED`, `LIMIT batch`) over the
  `next_due_at` index, repeated `--repeat` times and rolled back (p50, max);
* pass: one full planning pass (`plan_due`) at "now": every due deadline claimed, its steps
  computed, reminders, inbox messages and pending deliveries written, next-due times updated;
* send: `deliver_due` over the pending webhook deliveries that pass created, to the HMAC-checking
  receiver (`slrt.embedded.receiver`) running in another process, through the service's own
  HTTP client (`delivery_client`); reminders/s = deliveries marked sent / wall time (lease,
  HTTP POST, mark sent and ReminderSentV1 outbox rows); also the sender's CPU per delivery.

Targets (issue 6): scan < 1 s per pass over 1M; ≥ 500 reminders/s to a local webhook.

    .venv/bin/python bench/notification.py [--deadlines 1000000] [--due 5000] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import multiprocessing
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_url, pg_admin  # noqa: E402

SECRET = "bench-secret"
NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)  # Tuesday 09:00 WIB


def _receive(port: int, ready: Any, stop: Any) -> None:
    from slrt.embedded.receiver import Receiver

    receiver = Receiver(secret=SECRET, port=port).start()
    ready.set()
    stop.wait()
    print(f"receiver: {len(receiver.accepted)} accepted, {receiver.bad_signatures} bad "
          f"signatures, {receiver.requests} requests", flush=True)
    receiver.stop()


async def _fill(url: str, n: int, due: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        # Due ones: due date a week ago (overdue); the others: due in the next 60 days.
        await conn.execute("""
            INSERT INTO deadlines (referral_id, kind, case_id, complaint_number, agency_id,
                                   time_zone, due_at, state, updated_at, next_due_at)
            SELECT md5(i::text)::uuid::text, 'resolve', md5('c' || i)::uuid::text,
                   'SLRT-3402-2026-' || lpad(i::text, 6, '0'),
                   (ARRAY['disdik','dinkes','dinsos','dukcapil','perkim'])[1 + i % 5]
                       || '-340' || (1 + i % 4),
                   'Asia/Jakarta',
                   CASE WHEN i <= $2 THEN $3::timestamptz - interval '7 days'
                        ELSE $3::timestamptz + (i % 86400) * interval '1 minute' END,
                   'open', $3::timestamptz,
                   CASE WHEN i <= $2 THEN $3::timestamptz - interval '1 hour'
                        ELSE $3::timestamptz + interval '1 hour' + (i % 86400) * interval '1 minute'
                   END
            FROM generate_series(1, $1) AS i""", n, due, NOW)
        await conn.execute("ANALYZE deadlines")
    finally:
        await conn.close()


async def _run(args: argparse.Namespace, name: str, hook_url: str) -> dict[str, Any]:
    from sqlalchemy import func, select
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from services.notification.adapters.channels import Webhook
    from services.notification.adapters.http_client import delivery_client
    from services.notification.adapters.scheduler_store import SchedulerStore
    from services.notification.adapters.tables import deliveries, metadata
    from services.notification.bootstrap import DEFINITION
    from services.notification.domain.contacts import contacts_from_dict
    from services.notification.domain.policy import load_policy
    from services.notification.service_layer.context import Notifier
    from services.notification.service_layer.delivery import deliver_due
    from services.notification.service_layer.scheduling import plan_due
    from slrt.db import UnitOfWork, make_engine
    from slrt.migrations import upgrade
    from slrt.outbox import OutboxWriter

    url = database_url(name)
    await asyncio.to_thread(upgrade, DEFINITION.migrations, url)
    t0 = time.perf_counter()
    await _fill(url, args.deadlines, args.due)
    fill_s = time.perf_counter() - t0
    engine = make_engine(url, pool_size=args.concurrency + 4)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    tables = metadata.tables
    writer = OutboxWriter(tables["outbox"], "/slrt/notification", clock=lambda: NOW)

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, writer, tables["inbox"])

    scans = []
    for _ in range(args.repeat):
        async with sessions() as session:
            t = time.perf_counter()
            rows = await SchedulerStore(session).claim_due_deadlines(NOW, args.batch)
            scans.append(time.perf_counter() - t)
            await session.rollback()
    assert len(rows) == min(args.batch, args.due)
    # The service's own client (bootstrap): keep-alive pool of `--concurrency` connections.
    async with delivery_client(10.0, args.concurrency) as client:
        # No digest here: one webhook delivery per reminder is what throughput is about.
        notifier = Notifier(
            policy=dataclasses.replace(load_policy(), digest_more_than=10**9),
            contacts=contacts_from_dict({"defaults": {"agency": {"webhook": hook_url}}}),
            channels={"webhook": Webhook(client, SECRET)}, batch_size=args.batch,
            concurrency=args.concurrency)
        t = time.perf_counter()
        recorded = await plan_due(notifier, uow, NOW)
        pass_s = time.perf_counter() - t
        t, cpu = time.perf_counter(), time.process_time()
        sent, failed = await deliver_due(notifier, uow, lambda: NOW)
        send_s, send_cpu_s = time.perf_counter() - t, time.process_time() - cpu
    async with sessions() as session:
        sent_rows = (await session.execute(select(func.count()).select_from(deliveries).where(
            deliveries.c.status == "sent", deliveries.c.channel == "webhook"))).scalar_one()
    await engine.dispose()
    scans.sort()
    return {
        "deadlines": args.deadlines, "due": args.due, "fill_s": round(fill_s, 1),
        "scan_claim_ms_p50": round(scans[len(scans) // 2] * 1000, 2),
        "scan_claim_ms_max": round(scans[-1] * 1000, 2),
        "pass_s": round(pass_s, 3), "reminders_recorded": recorded,
        "pass_reminders_per_s": round(recorded / pass_s),
        "sent": sent, "failed": failed, "sent_rows": sent_rows, "send_s": round(send_s, 3),
        "sent_per_s": round(sent / send_s) if send_s else None,
        "send_cpu_us_per_delivery": round(send_cpu_s / sent * 1e6) if sent else None,
    }


async def _with_database(args: argparse.Namespace, hook_url: str) -> dict[str, Any]:
    name = f"slrt_bench_notif_{uuid.uuid4().hex[:8]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    try:
        return await _run(args, name, hook_url)
    finally:
        if not args.keep:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deadlines", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from slrt.embedded.ports import free_port

    port = free_port()
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    receiver = multiprocessing.Process(target=_receive, args=(port, ready, stop), daemon=True)
    receiver.start()
    ready.wait(10)
    try:
        result = asyncio.run(_with_database(args, f"http://127.0.0.1:{port}/hook"))
    finally:
        stop.set()
        receiver.join(10)
    result["command"] = " ".join([".venv/bin/python", "bench/notification.py", *sys.argv[1:]])
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    ok = result["scan_claim_ms_max"] < 1000 and (result["sent_per_s"] or 0) >= 500
    return 0 if ok and result["failed"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
