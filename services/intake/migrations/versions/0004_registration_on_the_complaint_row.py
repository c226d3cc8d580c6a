"""a complaint's registration lives on its row: idempotency key and hash, timeline entries

The idempotency key and request hash move from their own table onto the complaint row, and
the timeline's "registered" and "closed_at_desk" entries, which repeated what the row holds,
are no longer stored: the repository reads them off the row. A submission then writes one
row per complaint where it wrote three, and checks no foreign key.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# What a registration wrote to the timeline before: derived from the complaint row now.
_REGISTRATION_KINDS = ("registered", "closed_at_desk")


def upgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("request_hash", sa.String(length=64), nullable=True))
    # Correlated subqueries, not UPDATE … FROM: both databases take them alike. A complaint
    # has at most one key (a repeat within a batch wrote none).
    op.execute(
        "UPDATE complaints SET idempotency_key = (SELECT min(k.key) FROM idempotency_keys k "
        "WHERE k.complaint_id = complaints.id) "
        "WHERE EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.complaint_id = complaints.id)")
    op.execute(
        "UPDATE complaints SET request_hash = (SELECT k.request_hash FROM idempotency_keys k "
        "WHERE k.key = complaints.idempotency_key) WHERE idempotency_key IS NOT NULL")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ux_complaints_idempotency_key", ["idempotency_key"], unique=True)
    op.drop_table("idempotency_keys")
    timeline = sa.table("complaint_timeline", sa.column("kind", sa.String))
    op.execute(timeline.delete().where(timeline.c.kind.in_(_REGISTRATION_KINDS)))


def downgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("complaint_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"]),
        sa.PrimaryKeyConstraint("key"),
    )
    op.execute(
        "INSERT INTO idempotency_keys (key, request_hash, complaint_id, created_at) "
        "SELECT idempotency_key, request_hash, id, registered_at FROM complaints "
        "WHERE idempotency_key IS NOT NULL")
    complaints = sa.table(
        "complaints", sa.column("id", sa.String), sa.column("registered_at", sa.DateTime),
        sa.column("recorded_by", sa.String), sa.column("channel", sa.String),
        sa.column("possible_duplicate_of", sa.JSON), sa.column("desk_resolution", sa.Text))
    timeline = sa.table(
        "complaint_timeline", sa.column("complaint_id", sa.String),
        sa.column("at", sa.DateTime(timezone=True)), sa.column("kind", sa.String),
        sa.column("detail", sa.JSON))
    rows = []
    for c in op.get_bind().execute(sa.select(complaints)):
        rows.append({"complaint_id": c.id, "at": c.registered_at, "kind": "registered",
                     "detail": {"by": c.recorded_by, "channel": c.channel,
                                "possible_duplicate_of": c.possible_duplicate_of or []}})
        if c.desk_resolution:
            rows.append({"complaint_id": c.id, "at": c.registered_at, "kind": "closed_at_desk",
                         "detail": {"by": c.recorded_by}})
    if rows:
        op.bulk_insert(timeline, rows)
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ux_complaints_idempotency_key")
        batch_op.drop_column("request_hash")
        batch_op.drop_column("idempotency_key")
