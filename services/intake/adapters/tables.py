"""Intake's own tables (its database only; no other service reads them)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from slrt.outbox import plumbing_tables
from slrt.sqltypes import UtcDateTime

metadata = MetaData()
outbox, inbox, service_meta = plumbing_tables(metadata)

complaint_counters = Table(
    "complaint_counters",
    metadata,
    Column("regency_code", String(4), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last_sequence", Integer, nullable=False),
)

complaints = Table(
    "complaints",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("channel", String(20), nullable=False),
    Column("village_code", String(10), nullable=False),
    Column("category", String(40), nullable=False),
    Column("subcategory", String(40)),
    Column("urgency", String(12), nullable=False),
    Column("description", Text, nullable=False),
    Column("complainant_nik", String(16)),
    Column("complainant_has_no_nik", Boolean, nullable=False),
    Column("complainant_kk", String(16)),
    Column("complainant_name", String(200), nullable=False),
    Column("complainant_phone", String(20)),
    Column("complainant_address", Text),
    Column("complainant_relation", String(20)),
    Column("kind", String(12), nullable=False, server_default="complaint"),
    Column("consent_recorded_at", UtcDateTime),
    Column("captured_at", UtcDateTime),
    Column("device_id", String(100)),
    Column("desk_resolution", Text),
    Column("possible_duplicate_of", JSON, nullable=False, server_default="[]"),
    Column("satisfaction_score", Integer),
    Column("recorded_by", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("household_id", String(36)),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The Idempotency-Key header or the device's client_ref it was submitted under, and the
    # hash of that body: a retry finds its original here. Unique across callers (UUIDs, in
    # practice), so a tablet's retry through another operator's token still finds it. On the
    # row, not in a table of its own: one write per complaint instead of two, and no foreign
    # key to check.
    Column("idempotency_key", String(200)),
    Column("request_hash", String(64)),
    Index("ix_complaints_village", "village_code"),
    Index("ix_complaints_status", "status"),
    Index("ix_complaints_registered", "registered_at"),
    # Possible-duplicate look-ups: the newest of the same person or household in the same
    # category, read backwards from the newest.
    Index("ix_complaints_nik_category_registered", "complainant_nik", "category",
          "registered_at"),
    Index("ix_complaints_kk_category_registered", "complainant_kk", "category",
          "registered_at"),
    Index("ux_complaints_idempotency_key", "idempotency_key", unique=True),
)

complaint_referrals = Table(
    "complaint_referrals",
    metadata,
    Column("referral_id", String(36), primary_key=True),
    Column("complaint_id", String(36), ForeignKey("complaints.id"), nullable=False, index=True),
    Column("agency_id", String(64), nullable=False),
    Column("sector", String(40)),  # unknown until ReferralCreatedV1 arrives
    Column("status", String(20), nullable=False),
    Column("accept_due_at", UtcDateTime),
    Column("resolve_due_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
)

# What happened to a complaint after its registration. The registration itself (and a closing
# at the desk) is read off the complaint row: written again here, it doubled a submission's
# rows.
complaint_timeline = Table(
    "complaint_timeline",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("complaint_id", String(36), ForeignKey("complaints.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("detail", JSON, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("subject", String(100), nullable=False),
    Column("role", String(40), nullable=False),
    Column("action", String(40), nullable=False),
    Column("complaint_id", String(36), nullable=False),
)
