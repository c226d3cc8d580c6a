"""Notification end to end on real databases: the deadline book, reminders at moved times over
Lebaran, email read back from the SMTP sink, signed webhooks that fail then recover, exactly
one reminder per (referral, step) across duplicates, restarts and two instances, inbox scope."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from contracts import CaseClosedV1, ReferralStatus, ReferralStatusChangedV1
from services.notification.adapters.scheduler_store import SchedulerStore
from services.notification.adapters.tables import deliveries, outbox, reminders
from services.notification.service_layer.scheduling import plan_due
from slrt.embedded.mailsink import MailSink
from slrt.embedded.ports import free_port

from .notification_env import MovedClock, Notification, feed, migrate, receiving, referral, running

pytestmark = pytest.mark.integration
UTC = dt.UTC


def at(day: str, hour_utc: float = 1.5) -> dt.datetime:
    """A UTC instant: by default 08:30 WIB of `day`."""
    base = dt.datetime.fromisoformat(day).replace(tzinfo=UTC)
    return base + dt.timedelta(hours=hour_utc)


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path, pg_databases: Any
                 ) -> AsyncIterator[str]:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'notification.db'}" if request.param == "sqlite"
           else await pg_databases("notification"))
    await migrate(url)
    yield url


def status(event: Any, to: ReferralStatus, when: dt.datetime) -> ReferralStatusChangedV1:
    return ReferralStatusChangedV1(
        referral_id=event.referral_id, case_id=event.case_id, complaint_id=event.complaint_id,
        agency_id=event.agency_id, from_status=ReferralStatus.DELIVERED, to_status=to,
        changed_at=when, changed_by="officer-1")


async def steps_of(n: Notification) -> list[str]:
    async with n.runtime.sessions() as s:
        return sorted((await s.execute(select(reminders.c.step))).scalars())


async def count(n: Notification, table: Any, *where: Any) -> int:
    async with n.runtime.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(table).where(*where)))
                   .scalar_one())


def contacts(hook: str) -> dict[str, Any]:
    return {"defaults": {"agency": {"email": "{agency_id}@instansi.test", "webhook": hook},
                         "manager": {"email": "manajer-{region}@slrt.test"}}}


async def test_reminders_over_lebaran_by_email_and_webhook(tmp_path: Path, db_url: str) -> None:
    clock = MovedClock(at("2026-03-02"))
    sink = MailSink(tmp_path / "mail", port=free_port())
    sink.start()
    try:
        with receiving() as hook:
            async with running(tmp_path, db_url, clock, smtp_host=sink.host,
                               smtp_port=sink.port, contacts=contacts(hook.url + "/hook")) as n:
                await _lebaran(n, clock, sink, hook)
    finally:
        sink.stop()


async def _lebaran(n: Notification, clock: MovedClock, sink: MailSink, hook: Any) -> None:
    created = referral(resolve_due=dt.datetime(2026, 3, 17, 16, 59, 59, tzinfo=UTC))
    event_id = str(uuid.uuid4())
    for eid in (event_id, event_id, None):  # a redelivery, then a replay under a new id
        await feed(n, created, eid)
    tick = n.scheduler.tick

    clock.at = at("2026-03-03")  # Tuesday 08:30 WIB: one working day before acceptance is due
    assert (await tick())[0] == 1
    await feed(n, status(created, ReferralStatus.ACCEPTED, at("2026-03-03", 3)))
    assert await tick() == (0, 0, 0)
    clock.at = at("2026-03-16")  # Monday before the due Tuesday
    await tick()
    clock.at = at("2026-03-17")
    await tick()
    for day in ("2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24"):  # cuti bersama Lebaran
        clock.at = at(day)
        assert (await tick())[0] == 0, day
    clock.at = at("2026-03-25")
    await tick()
    await tick()  # again at the same time: nothing new
    assert await steps_of(n) == ["accept.before_due.1", "resolve.at_due",
                                 "resolve.before_due.1", "resolve.overdue.1"]
    mails = sink.messages()
    assert len(mails) == 4
    assert all(m["To"] == "disdik-3402@instansi.test" for m in mails)
    assert "SLRT-3402-2026-000001" in mails[-1]["Subject"]
    assert "terlambat 1 hari kerja" in mails[-1]["Subject"]
    body = mails[-1].get_payload(decode=True).decode()
    assert "17-03-2026 23:59 WIB" in body and f"/v1/referrals/{created.referral_id}" in body
    assert len(hook.accepted) == 4 and hook.bad_signatures == 0
    assert all(h["signed"] for h in hook.accepted.values())
    # ReminderSentV1 per reminder and channel (inbox, email, webhook).
    assert await count(n, outbox, outbox.c.topic == "slrt.notification.sent.v1") == 12

    await feed(n, status(created, ReferralStatus.RESOLVED, at("2026-03-25", 4)))
    clock.at = at("2026-04-06")
    assert await tick() == (0, 0, 0)  # nothing is reminded after resolution


async def test_webhook_that_fails_then_recovers_gets_each_reminder_once(
        tmp_path: Path, db_url: str) -> None:
    clock = MovedClock(at("2026-03-03"))
    with receiving() as hook:
        async with running(tmp_path, db_url, clock, contacts=contacts(hook.url + "/hook"),
                           delivery_max_attempts=4) as n:
            for i in range(3):
                await feed(n, referral(number=i + 1))
            hook.fail_next = 5  # three deliveries, two rounds of failures (5 of 6 fail)
            recorded, sent, failed = await n.scheduler.tick()
            assert (recorded, sent, failed) == (3, 0, 3)
            clock.at += dt.timedelta(seconds=1)  # first backoff: 1 s
            assert (await n.scheduler.tick())[1:] == (1, 2)
            clock.at += dt.timedelta(seconds=1)
            assert (await n.scheduler.tick())[1:] == (0, 0)  # second backoff is 2 s
            clock.at += dt.timedelta(seconds=1)
            assert (await n.scheduler.tick())[1:] == (2, 0)
            assert len(hook.accepted) == 3 and hook.requests == 8
            assert await count(n, deliveries, deliveries.c.status == "sent",
                               deliveries.c.channel == "webhook") == 3

            # A receiver that never recovers: failed after 4 tries, the manager is told.
            await feed(n, referral(number=9))
            hook.fail_next = 100
            for _ in range(4):
                await n.scheduler.tick()
                clock.at += dt.timedelta(seconds=10)
            manager = n.auth("manager", "3402")
            listed = await n.client.get("/v1/deliveries", params={"status": "failed"},
                                        headers=manager)
            assert listed.status_code == 200, listed.text
            failed_list = listed.json()["items"]
            assert [(d["channel"], d["attempts"], d["last_error"]) for d in failed_list] == [
                ("webhook", 4, "webhook: HTTP 503")]
            inbox = (await n.client.get("/v1/inbox/managers/3402", headers=manager)).json()
            assert [m["kind"] for m in inbox["items"]] == ["delivery_failed"]
            other = n.auth("manager", "3401")
            assert (await n.client.get("/v1/deliveries", params={"status": "failed"},
                                       headers=other)).json()["items"] == []
            hook.fail_next = 0
            retried = await n.client.post(f"/v1/deliveries/{failed_list[0]['id']}/retry",
                                          headers=manager)
            assert retried.status_code == 202
            assert (await n.scheduler.tick())[1] == 1
            assert len(hook.accepted) == 4


async def test_restart_mid_send_and_two_instances_send_each_reminder_once(
        tmp_path: Path, pg_databases: Any) -> None:
    url = await pg_databases("notification2")
    await migrate(url)
    clock = MovedClock(at("2026-03-03"))
    with receiving() as hook:
        kw: dict[str, Any] = {"contacts": contacts(hook.url + "/hook"), "scheduler_batch_size": 50}
        async with running(tmp_path, url, clock, **kw) as a:
            events = [referral(number=i) for i in range(120)]
            for e in events:
                await feed(a, e)
            # Instance a records the reminders and leases a batch of deliveries, then stops
            # before sending them (a crash mid-send).
            await asyncio.gather(*(feed(a, e) for e in events[:5]))  # duplicates change nothing
            assert await plan_due(a.runtime.extras["notifier"], a.runtime.uow, clock()) == 120
            async with a.runtime.uow() as uow:
                leased = await SchedulerStore(uow.session).claim_deliveries(
                    clock(), 50, clock() + dt.timedelta(seconds=60))
                await uow.commit()
            assert len(leased) == 50
        async with running(tmp_path, url, clock, **kw) as b, \
                running(tmp_path, url, clock, **kw) as c:
            # Two instances at once: the unleased 70 are shared out, never sent twice.
            results = await asyncio.gather(b.scheduler.tick(), c.scheduler.tick())
            assert sum(r[1] for r in results) == 70
            assert sum(r[0] for r in results) == 0  # every reminder was recorded already
            clock.at += dt.timedelta(seconds=61)  # the dead instance's lease runs out
            results = await asyncio.gather(b.scheduler.tick(), c.scheduler.tick())
            assert sum(r[1] for r in results) == 50
            clock.at = at("2026-03-04")  # due day: both instances plan the at_due step
            results = await asyncio.gather(b.scheduler.tick(), c.scheduler.tick())
            assert sum(r[0] for r in results) == 120
            assert await count(b, reminders) == 240
            assert len(hook.accepted) == 240 and hook.requests == 240


async def test_inbox_is_scoped_and_case_closure_stops_reminders(
        tmp_path: Path, db_url: str) -> None:
    clock = MovedClock(at("2026-03-05"))
    async with running(tmp_path, db_url, clock) as n:
        late = referral(accept_due=dt.datetime(2026, 3, 2, 16, 59, 59, tzinfo=UTC))
        other = referral(agency_id="dinkes-3401", number=2,
                         accept_due=dt.datetime(2026, 3, 2, 16, 59, 59, tzinfo=UTC))
        await feed(n, late)
        await feed(n, other)
        await n.scheduler.tick()  # three working days overdue: reminder and escalation
        officer = n.auth("agency_officer", "3402", "disdik-3402")
        own = await n.client.get("/v1/inbox/agencies/disdik-3402", headers=officer)
        assert own.status_code == 200
        assert [m["subject"] for m in own.json()["items"]] == [
            "[SLRT] Rujukan SLRT-3402-2026-000001 terlambat 3 hari kerja"]
        assert "3402052001" not in own.json()["items"][0]["body"]
        foreign = await n.client.get("/v1/inbox/agencies/dinkes-3401", headers=officer)
        assert foreign.status_code == 404
        assert (await n.client.get("/v1/inbox/managers/3402", headers=officer)).status_code == 403
        manager = n.auth("manager", "3402")
        escalations = (await n.client.get("/v1/inbox/managers/3402", headers=manager)).json()
        assert [m["kind"] for m in escalations["items"]] == ["escalation"]
        assert (await n.client.get("/v1/inbox/managers/3401", headers=manager)).status_code == 404
        assert (await n.client.get("/v1/inbox/agencies/disdik-3402",
                                   headers=manager)).status_code == 200
        message_id = own.json()["items"][0]["id"]
        read = await n.client.post(f"/v1/inbox/messages/{message_id}/read", headers=officer)
        assert read.status_code == 200 and read.json()["read_at"]
        stranger = n.auth("agency_officer", "3401", "dinkes-3401")
        assert (await n.client.post(f"/v1/inbox/messages/{message_id}/read",
                                    headers=stranger)).status_code == 404
        assert await count(n, outbox, outbox.c.topic ==
                           "slrt.notification.escalation-raised.v1") == 2
        await feed(n, CaseClosedV1(case_id=late.case_id, complaint_id=late.complaint_id,
                                   complaint_number=late.complaint_number,
                                   village_code="3402052001", outcome="withdrawn",
                                   closed_at=clock(), closed_by="bo-1"))
        clock.at = at("2026-03-12")
        recorded, _, _ = await n.scheduler.tick()
        assert recorded == 2  # only the other agency's referral (overdue + province)
        steps = set(await steps_of(n))
        assert "accept.escalate.province" in steps


async def test_over_kafka_duplicates_book_once_and_escalation_is_published(
        tmp_path: Path, tansu: Any) -> None:
    from contracts.envelope import encode, headers_for
    from slrt.embedded.stack import create_topics

    from .conftest import eventually, produce, read_topic

    await create_topics(tansu.bootstrap)
    url = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"
    await migrate(url)
    clock = MovedClock(at("2026-03-05"))
    async with running(tmp_path, url, clock, bootstrap=tansu.bootstrap) as n:
        await asyncio.wait_for(n.runtime.broker_ready.wait(), 30)
        created = referral(accept_due=dt.datetime(2026, 3, 2, 16, 59, 59, tzinfo=UTC))
        headers = headers_for(created, source="/test", event_id=uuid.uuid4(), time=clock())
        for _ in range(2):  # the same event delivered twice
            await produce(tansu.bootstrap, created.topic, encode(created),
                          created.key().encode(), headers)

        async def booked() -> int:
            return await count(n, reminders) + len(await _deadlines(n))

        await eventually(booked)
        await n.scheduler.tick()
        await n.scheduler.tick()
        assert await steps_of(n) == ["accept.escalate.district", "accept.overdue.3"]
        records = await read_topic(tansu.bootstrap, "slrt.notification.escalation-raised.v1",
                                   lambda rs: len(rs) >= 1)
        assert len(records) == 1 and b"accept.escalate.district" in records[0].value


async def _deadlines(n: Notification) -> list[Any]:
    from services.notification.adapters.tables import deadlines

    async with n.runtime.sessions() as s:
        return list((await s.execute(select(deadlines.c.kind))).scalars())
