"""referral workflow: versions and lifecycle columns, case changes (timeline), agencies as data
with an audit trail, early withdrawals

The agencies table is seeded from the packaged demo directory (`domain/agencies_demo.json`) as
it is when the migration runs; from then on agencies are edited through the API.

Revision ID: 0002
Revises: 0001
"""

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_DEMO = Path(__file__).resolve().parents[2] / "domain" / "agencies_demo.json"


def _seed_agencies(table: sa.Table) -> None:
    document = json.loads(_DEMO.read_text(encoding="utf-8"))
    now = dt.datetime.now(dt.UTC)
    rows = [{
        "agency_id": a["agency_id"], "name": a["name"], "kind": a["kind"],
        "region_code": a["region_code"], "sectors": a["sectors"],
        "is_partner": bool(a.get("is_partner", False)), "contacts": a.get("contacts", {}),
        "delivery": a.get("delivery", {"kafka": True}), "active": True, "version": 1,
        "created_at": now, "updated_at": now, "updated_by": "migration-0002",
    } for a in document["agencies"]]
    op.bulk_insert(table, rows)


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subcategory", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("needs", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("unrouted_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("contact_name", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("informed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("merged_into", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_cases_status", ["status"], unique=False)

    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("village_code", sa.String(length=10), server_default="", nullable=False))
        batch_op.add_column(sa.Column("sla", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("calendar_complete", sa.Boolean(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("answer_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rerouted_from", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("rerouted_to", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("escalation_level", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_referrals_village_code", ["village_code"], unique=False)
        # The inbox's index without the status, which every transition changes (see tables.py).
        batch_op.drop_index("ix_referrals_agency_status")
        batch_op.create_index("ix_referrals_agency_due", ["agency_id", "accept_due_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Room on each page for the updated row versions, so that updates stay in place (HOT).
        op.execute("ALTER TABLE referrals SET (fillfactor = 70)")
    # Referrals made before this migration take their village from their case.
    op.execute("UPDATE referrals SET village_code = (SELECT cases.village_code FROM cases "
               "WHERE cases.case_id = referrals.case_id)")
    op.execute("UPDATE cases SET unrouted_count = 1 WHERE unrouted_needs IS NOT NULL "
               "AND CAST(unrouted_needs AS TEXT) NOT IN ('[]', '')")
    # The first schema left every case `open`; one with referrals is `referred` in the machine.
    op.execute("UPDATE cases SET status = 'referred' WHERE status = 'open' AND EXISTS "
               "(SELECT 1 FROM referrals WHERE referrals.case_id = cases.case_id)")

    op.create_table(
        "case_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("change_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("change_id"),
    )
    with op.batch_alter_table("case_changes", schema=None) as batch_op:
        batch_op.create_index("ix_case_changes_case", ["case_id", "id"], unique=False)

    op.create_table(
        "early_withdrawals",
        sa.Column("complaint_id", sa.String(length=36), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_by", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("complaint_id"),
    )

    agencies = op.create_table(
        "agencies",
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("region_code", sa.String(length=4), nullable=False),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("is_partner", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("delivery", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("agency_id"),
    )
    assert agencies is not None
    _seed_agencies(agencies)

    op.create_table(
        "agency_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agency_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_audit_agency_id"), ["agency_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agency_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_audit_agency_id"))
    op.drop_table("agency_audit")
    op.drop_table("agencies")
    op.drop_table("early_withdrawals")
    with op.batch_alter_table("case_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_case_changes_case")
    op.drop_table("case_changes")

    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE referrals RESET (fillfactor)")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_agency_due")
        batch_op.create_index("ix_referrals_agency_status", ["agency_id", "status"], unique=False)
        batch_op.drop_index("ix_referrals_village_code")
        for name in ("escalated_at", "escalation_level", "rerouted_to", "rerouted_from",
                     "ended_at", "accepted_at", "paused_at", "answer_due_at",
                     "calendar_complete", "sla", "village_code"):
            batch_op.drop_column(name)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_status")
        for name in ("updated_at", "closed_at", "merged_into", "informed_at", "outcome",
                     "contact_phone", "contact_name", "unrouted_count", "needs", "version",
                     "subcategory"):
            batch_op.drop_column(name)
