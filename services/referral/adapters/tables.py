"""Referral's own tables: cases, referrals and their history."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, MetaData, String, Table

from slrt.outbox import plumbing_tables
from slrt.sqltypes import UtcDateTime

metadata = MetaData()
outbox, inbox, service_meta = plumbing_tables(metadata)

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("complaint_id", String(36), nullable=False, unique=True),
    Column("complaint_number", String(32), nullable=False),
    Column("village_code", String(10), nullable=False, index=True),
    Column("category", String(40), nullable=False),
    Column("urgency", String(12), nullable=False),
    Column("household_id", String(36)),
    Column("status", String(20), nullable=False),
    # Needs no agency is configured for: the back office routes them by hand.
    Column("unrouted_needs", JSON, nullable=False),
    Column("routing_explanations", JSON, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
)

referrals = Table(
    "referrals",
    metadata,
    Column("referral_id", String(36), primary_key=True),
    Column("case_id", String(36), ForeignKey("cases.case_id"), nullable=False, index=True),
    Column("complaint_id", String(36), nullable=False),
    Column("agency_id", String(64), nullable=False),
    Column("sector", String(40), nullable=False),
    Column("need_codes", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("time_zone", String(40), nullable=False),
    Column("accept_due_at", UtcDateTime, nullable=False),
    Column("resolve_due_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_referrals_agency_status", "agency_id", "status"),
)
