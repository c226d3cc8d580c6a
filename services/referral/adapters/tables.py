"""Referral's own tables: cases, referrals, their changes (the timeline), agencies and the
agency audit trail.

Cases and referrals hold the current state of the domain objects (with their versions, checked
on every update); `case_changes` holds every change with who, when and its change id, which is
unique, so a change applied twice is refused by the database too.
"""

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

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("complaint_id", String(36), nullable=False, unique=True),
    Column("complaint_number", String(32), nullable=False),
    Column("village_code", String(10), nullable=False, index=True),
    Column("category", String(40), nullable=False),
    Column("subcategory", String(64)),
    Column("urgency", String(12), nullable=False),
    Column("household_id", String(36)),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    # The assessed needs (code, sector, program, rule, reason), for referrals made later by hand.
    Column("needs", JSON, nullable=False, server_default="[]"),
    # Needs no agency is configured for: the back office routes them by hand.
    Column("unrouted_needs", JSON, nullable=False),
    Column("unrouted_count", Integer, nullable=False, server_default="0"),
    Column("routing_explanations", JSON, nullable=False),
    # Who the agency contacts (personal data: never logged; only sent to the acting agency).
    Column("contact_name", Text),
    Column("contact_phone", String(20)),
    Column("outcome", String(32)),
    Column("informed_at", UtcDateTime),
    Column("merged_into", String(36)),
    Column("closed_at", UtcDateTime),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime),
    # The W3C trace id of the complaint's journey (from the assessment event that opened the
    # case), for the operators' link to the trace UI. Not personal data.
    Column("trace_id", String(32)),
    Index("ix_cases_status", "status"),
)

referrals = Table(
    "referrals",
    metadata,
    Column("referral_id", String(36), primary_key=True),
    Column("case_id", String(36), ForeignKey("cases.case_id"), nullable=False, index=True),
    Column("complaint_id", String(36), nullable=False),
    Column("agency_id", String(64), nullable=False),
    Column("village_code", String(10), nullable=False, server_default=""),
    Column("sector", String(40), nullable=False),
    Column("need_codes", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("time_zone", String(40), nullable=False),
    # The SLA terms the referral was created with (zone, limits, policy version and rule).
    Column("sla", JSON),
    Column("calendar_complete", Boolean, nullable=False, server_default="1"),
    Column("accept_due_at", UtcDateTime, nullable=False),
    Column("resolve_due_at", UtcDateTime, nullable=False),
    Column("answer_due_at", UtcDateTime),
    Column("paused_at", UtcDateTime),
    Column("accepted_at", UtcDateTime),
    Column("ended_at", UtcDateTime),
    Column("rerouted_from", String(36)),
    Column("rerouted_to", String(36)),
    Column("escalation_level", String(16)),
    Column("escalated_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # No index holds a column a transition changes (status, versions): PostgreSQL can then
    # update a referral in place (HOT, with the fill factor set in migration 0002) without
    # touching any index, which is most of an agency's answer's database work.
    Index("ix_referrals_agency_due", "agency_id", "accept_due_at"),
    Index("ix_referrals_village_code", "village_code"),
)

case_changes = Table(
    "case_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("change_id", String(36), nullable=False, unique=True),
    Column("case_id", String(36), nullable=False),
    Column("referral_id", String(36)),
    Column("kind", String(32), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("by", String(128), nullable=False),
    Column("role", String(32)),
    Column("note", Text),  # personal data possible: shown to scoped readers, never logged
    Column("version", Integer, nullable=False),
    Column("detail", JSON),
    Index("ix_case_changes_case", "case_id", "id"),
)

# A withdrawal that arrived before the case was opened (the topics are not ordered with each
# other): the case is closed as soon as it opens.
early_withdrawals = Table(
    "early_withdrawals",
    metadata,
    Column("complaint_id", String(36), primary_key=True),
    Column("withdrawn_at", UtcDateTime, nullable=False),
    Column("withdrawn_by", String(128), nullable=False),
    Column("reason", Text, nullable=False),
)

agencies = Table(
    "agencies",
    metadata,
    Column("agency_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("region_code", String(4), nullable=False),
    Column("sectors", JSON, nullable=False),
    Column("is_partner", Boolean, nullable=False, server_default="0"),
    Column("contacts", JSON, nullable=False),  # office contacts, not personal ones
    Column("delivery", JSON, nullable=False),  # kafka topic, webhook URL, email
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(128), nullable=False),
)

agency_audit = Table(
    "agency_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("role", String(32), nullable=False),
    Column("action", String(16), nullable=False),  # create, update, deactivate
    Column("agency_id", String(64), nullable=False, index=True),
    Column("before", JSON),
    Column("after", JSON),
)
