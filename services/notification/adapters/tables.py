"""Notification's own tables: the deadline book, the reminders recorded per (referral, step),
the messages (the in-app inbox) and their deliveries per channel."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

from slrt.outbox import plumbing_tables
from slrt.sqltypes import UtcDateTime

metadata = MetaData()
outbox, inbox, service_meta = plumbing_tables(metadata)

deadlines = Table(
    "deadlines",
    metadata,
    Column("referral_id", String(36), primary_key=True),
    Column("kind", String(10), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("complaint_number", String(32), nullable=False),
    Column("agency_id", String(64), nullable=False),
    Column("time_zone", String(40), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("state", String(10), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Scheduler: when to look at this deadline next (NULL: nothing left to send). Claimed with
    # FOR UPDATE SKIP LOCKED inside the transaction that records its reminders, so no lease.
    Column("next_due_at", UtcDateTime),
    Index("ix_deadlines_state_due", "state", "due_at"),
    Index("ix_deadlines_agency", "agency_id", "state"),
    Index("ix_deadlines_next_due", "next_due_at"),
    Index("ix_deadlines_case", "case_id"),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("referral_id", String(36), nullable=False),
    Column("step", String(40), nullable=False),
    Column("case_id", String(36), nullable=False),
    Column("agency_id", String(64), nullable=False),
    Column("audience", String(10), nullable=False),
    Column("recipient", String(80), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("scheduled_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("message_id", String(36), nullable=False),
    # The guarantee: one reminder per (referral, step), whatever the redeliveries and instances.
    UniqueConstraint("referral_id", "step", name="uq_reminders_referral_step"),
    Index("ix_reminders_message", "message_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("dedup_key", String(160), nullable=False, unique=True),
    # agency:<id>, manager:<region> or province:<code>: scopes, never people
    Column("recipient", String(80), nullable=False),
    Column("agency_id", String(64)),  # the agency the message is about
    Column("kind", String(20), nullable=False),  # reminder, digest, escalation, delivery_failed
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(300)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime),
    Index("ix_messages_recipient", "recipient", "created_at"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("message_id", String(36), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("address", String(300), nullable=False),  # never logged
    Column("status", String(10), nullable=False),  # pending, sent, failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("lease_until", UtcDateTime),
    Column("last_error", Text),
    Column("recipient", String(80), nullable=False),
    Column("agency_id", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    UniqueConstraint("message_id", "channel", name="uq_deliveries_message_channel"),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
)
