"""outbox: the relay claims through a partial index of unpublished rows

Revision ID: 0004
Revises: 0003
"""

from slrt.migrations import (
    index_unpublished_outbox_rows_v2,
    index_unpublished_outbox_rows_v2_downgrade,
)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    index_unpublished_outbox_rows_v2()


def downgrade() -> None:
    index_unpublished_outbox_rows_v2_downgrade()
