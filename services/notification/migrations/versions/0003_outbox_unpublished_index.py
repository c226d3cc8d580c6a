"""outbox: the relay claims through a partial index of unpublished rows

Revision ID: 0003
Revises: 0002
"""

from slrt.migrations import (
    index_unpublished_outbox_rows_v2,
    index_unpublished_outbox_rows_v2_downgrade,
)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    index_unpublished_outbox_rows_v2()


def downgrade() -> None:
    index_unpublished_outbox_rows_v2_downgrade()
