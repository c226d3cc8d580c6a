"""assessments: the complaint's village and the missing programs, for exclusion-error counts

`village_code` and `eligible_programs` let the dashboards count exclusion errors per village in
SQL (`domain/exclusion.py`). Existing rows are filled: the village from the matched household,
or from the registration usulan of an unmatched complaint (else it stays unknown); the programs
from the stored needs.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BATCH = 1000

_assessments = sa.table("assessments", sa.column("complaint_id", sa.String),
                        sa.column("household_id", sa.String),
                        sa.column("village_code", sa.String),
                        sa.column("needs", sa.JSON),
                        sa.column("eligible_programs", sa.String))
_households = sa.table("households", sa.column("household_id", sa.String),
                       sa.column("village_code", sa.String))
_proposals = sa.table("proposals", sa.column("source_complaint_id", sa.String),
                      sa.column("village_code", sa.String))


def _programs(needs: list[dict] | None) -> str | None:
    """Frozen copy of `domain.exclusion.missing_programs` as it was at this revision."""
    codes = sorted({str(n["program"]) for n in needs or () if n.get("program")})
    return ",".join(codes) if codes else None


def _backfill() -> None:
    a = _assessments.c
    op.execute(_assessments.update().where(a.household_id.is_not(None)).values(
        village_code=sa.select(_households.c.village_code)
        .where(_households.c.household_id == a.household_id).scalar_subquery()))
    op.execute(_assessments.update().where(a.village_code.is_(None)).values(
        village_code=sa.select(_proposals.c.village_code)
        .where(_proposals.c.source_complaint_id == a.complaint_id).scalar_subquery()))
    bind = op.get_bind()
    last = ""
    while True:  # keyset batches: a large registry is not read into memory at once
        rows = bind.execute(sa.select(a.complaint_id, a.needs).where(a.complaint_id > last)
                            .order_by(a.complaint_id).limit(_BATCH)).all()
        if not rows:
            return
        updates = [{"id": cid, "programs": programs} for cid, needs in rows
                   if (programs := _programs(needs)) is not None]
        if updates:
            bind.execute(_assessments.update().where(a.complaint_id == sa.bindparam("id"))
                         .values(eligible_programs=sa.bindparam("programs")), updates)
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("village_code", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("eligible_programs", sa.String(length=100),
                                      nullable=True))
        batch_op.create_index("ix_assessments_village_assessed",
                              ["village_code", "assessed_at"], unique=False)
    _backfill()


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_village_assessed")
        batch_op.drop_column("eligible_programs")
        batch_op.drop_column("village_code")
