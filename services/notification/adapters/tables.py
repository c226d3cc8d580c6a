"""Notification's own tables."""

from __future__ import annotations

from sqlalchemy import Column, Index, MetaData, String, Table

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
    # The scheduler's scan: open deadlines by due time.
    Index("ix_deadlines_state_due", "state", "due_at"),
    Index("ix_deadlines_agency", "agency_id", "state"),
)
