"""Agencies answer on `slrt.agency.responses.v1` (SQLite and PostgreSQL): an answer changes the
referral once however often it arrives; an answer for an unknown referral, from the wrong
agency, or that the status does not allow goes to the dead-letter topic with the reason and
changes nothing; and the example listener (`slrt agency listen --accept`) works end to end."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from contracts import (
    AgencyAction,
    AgencyResponseV1,
    EscalationLevel,
    EscalationRaisedV1,
    ReferralEscalatedV1,
    ReferralStatusChangedV1,
    dlq,
)
from services.referral.entrypoints.cli import listen

from .conftest import eventually, read_topic
from .referral_env import ReferralEnv, headers_of, json_of, referral_env

pytestmark = pytest.mark.integration
DLQ = dlq(AgencyResponseV1.topic)
FAST = 1500  # Tansu joins groups in session_timeout/2; Apache Kafka would refuse < 6000


@pytest_asyncio.fixture(scope="module", params=["sqlite", "postgresql"])
async def env(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ReferralEnv]:
    async for running in referral_env(request.param, tmp_path_factory.mktemp("responses")):
        yield running


async def referral_at(env: ReferralEnv, referral_id: str, status: str) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        seen = await env.referral(referral_id)
        return seen if seen["status"] == status else None
    return await eventually(reached)  # type: ignore[no-any-return]


async def dead_letter(env: ReferralEnv, referral_id: str) -> dict[str, str]:
    records = await read_topic(env.bootstrap, DLQ, lambda rs: any(
        json_of(r)["referral_id"] == referral_id for r in rs))
    return headers_of(next(r for r in records if json_of(r)["referral_id"] == referral_id))


async def test_an_answer_changes_the_referral_once(env: ReferralEnv) -> None:
    case = await env.opened()
    rid = case["referrals"][0]["referral_id"]
    event_id, response_id = uuid.uuid4(), uuid.uuid4()
    await env.respond(rid, "disdik-3402", AgencyAction.ACCEPT, "siap", response_id, event_id)
    await env.respond(rid, "disdik-3402", AgencyAction.ACCEPT, "siap", response_id, event_id)
    # The same answer again under a new envelope id (the agency re-sent it).
    await env.respond(rid, "disdik-3402", AgencyAction.ACCEPT, "siap", response_id)
    accepted = await referral_at(env, rid, "accepted")
    assert accepted["version"] == 3
    # Then a later answer goes through: the redeliveries did not block the consumer.
    await env.respond(rid, "disdik-3402", AgencyAction.RESOLVE, "selesai")
    resolved = await referral_at(env, rid, "resolved")
    assert resolved["version"] == 4

    events = await read_topic(env.bootstrap, ReferralStatusChangedV1.topic, lambda rs: len(
        [r for r in rs if json_of(r)["referral_id"] == rid]) >= 3)
    moves = [(e["to_status"], e["changed_by"]) for e in map(json_of, events)
             if e["referral_id"] == rid]
    assert moves == [("delivered", "referral-service"), ("accepted", "officer-disdik-3402"),
                     ("resolved", "officer-disdik-3402")]
    timeline = await env.client.get(f"/v1/cases/{case['case_id']}/timeline",
                                    headers=env.headers())
    kinds = [t["to_status"] for t in timeline.json()["items"] if t["referral_id"] == rid]
    assert kinds == ["referred", "delivered", "accepted", "resolved"]


async def test_refused_answers_go_to_the_dead_letter_topic(env: ReferralEnv) -> None:
    case = await env.opened()
    rid = case["referrals"][0]["referral_id"]
    unknown = str(uuid.uuid4())
    await env.respond(unknown, "disdik-3402", AgencyAction.ACCEPT)
    await env.respond(rid, "dinkes-3402", AgencyAction.ACCEPT)  # not its referral
    await env.respond(rid, "disdik-3402", AgencyAction.RESOLVE)  # not allowed yet
    await env.respond(rid, "disdik-3402", AgencyAction.REJECT)  # a reason is required

    letters = await read_topic(env.bootstrap, DLQ, lambda rs: len(
        [r for r in rs if json_of(r)["referral_id"] in (unknown, rid)]) >= 4)
    def reasons(referral_id: str) -> list[tuple[str, str]]:
        return [(headers_of(r)["dlq_error_type"], headers_of(r)["dlq_error"])
                for r in letters if json_of(r)["referral_id"] == referral_id]

    # (The unknown referral's answer has another key, hence maybe another partition: its
    # letter may come before or after the others, which keep their order.)
    ((kind, reason),) = reasons(unknown)
    assert kind == "UnknownReferral" and f"unknown referral {unknown}" in reason
    refused = reasons(rid)
    assert [kind for kind, _ in refused] == ["WrongAgency", "ResponseRefused",
                                             "ResponseRefused"]
    assert "another agency than dinkes-3402" in refused[0][1]
    assert "allowed: accept, reject, return" in refused[1][1]
    assert "a note is required" in refused[2][1]
    assert all(headers_of(r)["dlq_attempts"] == "1" for r in letters
               if json_of(r)["referral_id"] in (unknown, rid))
    # Nothing changed; a good answer afterwards still goes through.
    assert (await env.referral(rid))["version"] == 1
    await env.respond(rid, "disdik-3402", AgencyAction.RETURN, "mohon fotokopi KK")
    returned = await referral_at(env, rid, "returned")
    assert returned["answer_due_at"] is not None


async def test_example_listener_prints_and_accepts(env: ReferralEnv) -> None:
    case = await env.opened(needs=())  # no needs: nothing routed, nothing to print
    assert case["referrals"] == []
    target = await env.opened("3403012001")  # Gunungkidul: disdik-3403 has only this one
    rid = target["referrals"][0]["referral_id"]
    printed: list[str] = []
    read = await listen(env.bootstrap, "disdik-3403", accept=True, max_records=1,
                        idle_seconds=15, session_timeout_ms=FAST, out=printed.append)
    assert read == 1
    assert rid in printed[0] and "education.kip" in printed[0]
    assert "Siti" not in "\n".join(printed)  # no contact details unless asked for
    await referral_at(env, rid, "accepted")
    # Another listener (a fresh group) reads it again and sends the same accept again: the
    # answer's id is derived from the referral, so nothing changes.
    again: list[str] = []
    before = await _responses_handled(env)
    assert await listen(env.bootstrap, "disdik-3403", accept=True, group="agency.replay",
                        max_records=1, idle_seconds=15, session_timeout_ms=FAST,
                        out=again.append) == 1
    await eventually(lambda: _more_than(env, before))
    assert (await env.referral(rid))["version"] == 3


async def _responses_handled(env: ReferralEnv) -> int:
    """How many responses the service has consumed (the inbox holds their ids)."""
    inbox = env.runtime.inbox
    async with env.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(inbox).where(
            inbox.c.topic == AgencyResponseV1.topic))).scalar_one())


async def _more_than(env: ReferralEnv, count: int) -> bool:
    return await _responses_handled(env) > count


async def test_an_escalation_notification_raised_is_recorded_once(env: ReferralEnv) -> None:
    case = await env.opened()
    ref = case["referrals"][0]
    raised = dt.datetime.now(dt.UTC)
    event = EscalationRaisedV1(
        escalation_id=uuid.uuid4(), referral_id=ref["referral_id"], case_id=case["case_id"],
        agency_id=ref["agency_id"], complaint_number=case["complaint_number"],
        level=EscalationLevel.DISTRICT, deadline="accept", due_at=raised - dt.timedelta(days=4),
        working_days_overdue=3, recipient="manager:3402", step="accept.escalate.district",
        policy_version="reminders-2026.1", raised_at=raised)
    await env.publish(event)
    await env.publish(event)  # delivered twice: recorded once
    escalated = await eventually(lambda: _escalated(env, ref["referral_id"]))
    assert escalated["escalation_level"] == "district"
    assert escalated["status"] == ref["status"]  # a flag, not a status
    records = await read_topic(env.bootstrap, ReferralEscalatedV1.topic, lambda rs: any(
        json_of(r)["referral_id"] == ref["referral_id"] for r in rs))
    mine = [r for r in records if json_of(r)["referral_id"] == ref["referral_id"]]
    assert len(mine) == 1 and json_of(mine[0])["level"] == "district"


async def _escalated(env: ReferralEnv, referral_id: str) -> dict[str, Any] | None:
    seen = await env.referral(referral_id)
    return seen if seen.get("escalation_level") else None
