"""name search keys, data update proposals (usulan), audit log

`name_keys` holds the blocking keys of member names for typo-tolerant search (filled here for
the members already stored); `proposals` the usulan and their verivali steps; `audit_log` every
read or change of personal data through the API.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from services.registry.adapters.name_keys import member_keys

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BACKFILL_BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "name_keys",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("village_code", sa.String(length=10), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("key", "village_code", "member_id"),
    )
    with op.batch_alter_table("name_keys", schema=None) as batch_op:
        batch_op.create_index("ix_name_keys_member", ["member_id"], unique=False)

    op.create_table(
        "proposals",
        sa.Column("proposal_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("village_code", sa.String(length=10), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("source_complaint_id", sa.String(length=36), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("proposed_by", sa.String(length=100), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.String(length=100), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_by", sa.String(length=100), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_version", sa.Integer(), nullable=True),
        sa.Column("rejected_by", sa.String(length=100), nullable=True),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("proposal_id"),
        sa.UniqueConstraint("source_complaint_id"),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_household_id"), ["household_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_village_code"), ["village_code"],
                              unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=36), nullable=True),
        sa.Column("results", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    _backfill_name_keys()


def _backfill_name_keys() -> None:
    """Keys of the members already stored, in batches (keyset on member id)."""
    conn = op.get_bind()
    members = sa.table("members", sa.column("member_id"), sa.column("household_id"),
                       sa.column("village_code"), sa.column("name"))
    keys = sa.table("name_keys", sa.column("key"), sa.column("village_code"),
                    sa.column("member_id"), sa.column("household_id"))
    last = ""
    while True:
        rows = conn.execute(
            sa.select(members.c.member_id, members.c.household_id, members.c.village_code,
                      members.c.name)
            .where(members.c.member_id > last).order_by(members.c.member_id)
            .limit(_BACKFILL_BATCH)).all()
        if not rows:
            return
        conn.execute(keys.insert(), [
            {"key": key, "village_code": village, "member_id": mid, "household_id": hid}
            for mid, hid, village, name in rows for key in member_keys(name)])
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_table("audit_log")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_village_code"))
        batch_op.drop_index(batch_op.f("ix_proposals_household_id"))
    op.drop_table("proposals")
    with op.batch_alter_table("name_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_name_keys_member")
    op.drop_table("name_keys")
