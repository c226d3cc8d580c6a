"""Transactional outbox: rows written with the state change, published later by `OutboxRelay`.

Rows are claimed with a lease (plus `FOR UPDATE SKIP LOCKED` on PostgreSQL), never by "id > last
seen", so two relays never publish the same row at once and a crashed relay's rows come back.
Published rows are kept for a retention window: a relay that finds a fresh broker (embedded Tansu
loses everything on restart) publishes them again; consumers' inboxes make that harmless.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from contracts import Contract
from contracts.envelope import encode, headers_for

from .sqltypes import UtcDateTime

Clock = Callable[[], dt.datetime]

#: PostgreSQL channel on which an API-only process's commits wake the relay of the service.
OUTBOX_CHANNEL = "slrt_outbox"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(255), nullable=False),
        Column("key", String(255), nullable=False),
        Column("headers", Text, nullable=False),  # JSON object of str -> str
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("claimed_until", UtcDateTime),
        Column("published_at", UtcDateTime),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text),
        # The relay's claim reads unpublished rows in id order; the purge and a republish read
        # published ones by time (see the migration helper split_outbox_index_v2).
        Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL"),
              sqlite_where=text("published_at IS NULL")),
        Index("ix_outbox_published", "published_at",
              postgresql_where=text("published_at IS NOT NULL"),
              sqlite_where=text("published_at IS NOT NULL")),
    )


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("event_id", String(64), primary_key=True),
        Column("topic", String(255), nullable=False),
        Column("handled_at", UtcDateTime, nullable=False),
    )


def current_traceparent() -> str | None:
    """The W3C traceparent of the active span, so the relay can continue the same trace."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier.get("traceparent")


class OutboxWriter:
    """Turns an event into an outbox row (headers fixed now: id, time and trace of the change)."""

    def __init__(self, table: Table, source: str, clock: Clock = utcnow) -> None:
        self.table = table
        self.source = source
        self.clock = clock

    def row_for(self, event: Contract, *, topic: str | None = None,
                traceparent: str | None = None) -> dict[str, Any]:
        """`traceparent`: of the change that emits the event (default: the active span's)."""
        now = self.clock()
        event_id = uuid.uuid4()
        headers = headers_for(event, source=self.source, event_id=event_id, time=now,
                              traceparent=traceparent or current_traceparent())
        return {
            "event_id": headers["ce_id"],  # str(event_id), made once
            "topic": topic or event.topic,
            "key": event.key(),
            "headers": json.dumps(headers),
            "payload": encode(event),
            "created_at": now,
            "attempts": 0,
        }


def service_meta_table(metadata: MetaData) -> Table:
    """Small key/value facts a service keeps about itself (e.g. the broker epoch it last saw)."""
    return Table(
        "service_meta",
        metadata,
        Column("key", String(64), primary_key=True),
        Column("value", Text, nullable=False),
    )


def plumbing_tables(metadata: MetaData) -> tuple[Table, Table, Table]:
    """(outbox, inbox, service_meta) on a service's own metadata."""
    return outbox_table(metadata), inbox_table(metadata), service_meta_table(metadata)
