"""`slrt agency listen AGENCY_ID`: an example agency consumer.

It shows an agency how to subscribe: it reads only `slrt.agency.<agency_id>.referrals.v1` (the
topic an ACL can grant to that agency alone) in its own consumer group, so a restart continues
where it stopped, prints each referral, and with `--accept` answers `accept` on
`slrt.agency.responses.v1`. The answer carries a `response_id` derived from the referral, so
running the listener twice never accepts anything twice. Contact details are printed only with
`--show-contact` (the terminal may be recorded).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated

import typer
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts import AgencyAction, AgencyReferralV1, AgencyResponseV1, agency_topic
from contracts.envelope import decode, encode, headers_for

agency_app = typer.Typer(no_args_is_help=True,
                         help="Agencies: receive your referrals over Kafka and answer them")

Printer = Callable[[str], None]


def describe(referral: AgencyReferralV1, show_contact: bool = False) -> str:
    """What an officer reads about one referral (no NIK: the contract carries none)."""
    lines = [
        f"referral {referral.referral_id}  case {referral.case_id}  {referral.complaint_number}",
        f"  {referral.sector.value}/{referral.subcategory or '-'}  urgency "
        f"{referral.urgency.value}  village {referral.village_code}",
        f"  accept by {referral.accept_due_at.isoformat()}  "
        f"resolve by {referral.resolve_due_at.isoformat()}",
        *(f"  need {n.code}: {n.reason}" for n in referral.needs),
    ]
    if show_contact:
        lines.append(f"  contact: {referral.contact_name or '-'} {referral.contact_phone or ''}")
    return "\n".join(lines)


def acceptance(referral: AgencyReferralV1, officer: str, at: dt.datetime) -> AgencyResponseV1:
    """The listener's `accept`, with an id derived from the referral (idempotent)."""
    return AgencyResponseV1(
        referral_id=referral.referral_id, agency_id=referral.agency_id,
        action=AgencyAction.ACCEPT, note="accepted by the agency's listener", responded_at=at,
        officer=officer, response_id=uuid.uuid5(referral.referral_id, "listener-accept"))


async def listen(bootstrap: str, agency_id: str, *, accept: bool = False,
                 officer: str | None = None, group: str | None = None,
                 max_records: int | None = None, idle_seconds: float | None = None,
                 show_contact: bool = False, session_timeout_ms: int = 6000,
                 out: Printer = print) -> int:
    """Print (and maybe accept) the agency's referrals; returns how many were read. Stops
    after `max_records`, or after `idle_seconds` without a record, or never."""
    topic = agency_topic(agency_id)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group or f"agency.{agency_id}",
        auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_wait_ms=100,
        session_timeout_ms=session_timeout_ms, heartbeat_interval_ms=session_timeout_ms // 6)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all",
                                enable_idempotence=False) if accept else None
    await consumer.start()
    if producer is not None:
        await producer.start()
    read, idle = 0, 0.0
    try:
        while max_records is None or read < max_records:
            batch = await consumer.getmany(timeout_ms=500)
            idle = 0.0 if batch else idle + 0.5
            if idle_seconds is not None and idle >= idle_seconds:
                break
            for records in batch.values():
                for record in records:
                    read += 1
                    try:
                        referral = decode(AgencyReferralV1, record.value or b"")
                    except ValueError as exc:
                        out(f"skipped record {record.partition}:{record.offset}: "
                            f"{type(exc).__name__}")
                        continue
                    out(describe(referral, show_contact))
                    if producer is not None:
                        answer = acceptance(referral, officer or f"listener-{agency_id}",
                                            dt.datetime.now(dt.UTC))
                        await producer.send_and_wait(
                            answer.topic, encode(answer), key=answer.key().encode(),
                            headers=[(k, v.encode()) for k, v in headers_for(
                                answer, source=f"/agency/{agency_id}").items()])
                        out(f"  -> accept sent for {referral.referral_id}")
            # Commit after printing and answering: a crash in between shows a referral again,
            # and its answer, sent again, changes nothing (same response_id).
            await consumer.commit()
    finally:
        if producer is not None:
            await producer.stop()
        await consumer.stop()
    return read


@agency_app.command("listen")
def listen_command(
    agency_id: Annotated[str, typer.Argument(help="e.g. disdik-3402")],
    accept: Annotated[bool, typer.Option(help="Answer accept to every referral")] = False,
    bootstrap: Annotated[str, typer.Option(help="Kafka bootstrap servers")] = "127.0.0.1:9092",
    officer: Annotated[str | None, typer.Option(help="User id sent with answers")] = None,
    group: Annotated[str | None, typer.Option(help="Consumer group (default agency.<id>)")]
    = None,
    show_contact: Annotated[bool, typer.Option(help="Also print the contact person")] = False,
    max_records: Annotated[int | None, typer.Option(help="Stop after this many")] = None,
    session_timeout_ms: Annotated[int, typer.Option(
        help="Consumer group session timeout (Apache Kafka refuses < 6000; Tansu joins "
             "faster with 1500)")] = 6000,
) -> None:
    """Print the referrals of AGENCY_ID as they arrive (Ctrl-C stops)."""
    try:
        agency_topic(agency_id)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    try:
        asyncio.run(listen(bootstrap, agency_id, accept=accept, officer=officer, group=group,
                           max_records=max_records, show_contact=show_contact,
                           session_timeout_ms=session_timeout_ms))
    except KeyboardInterrupt:
        pass
