"""outbox: partial indexes of unpublished rows (the relay's claim) and of published ones

Revision ID: 0003
Revises: 0002
"""

from slrt.migrations import (
    split_outbox_index_v2,
    split_outbox_index_v2_downgrade,
)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    split_outbox_index_v2()


def downgrade() -> None:
    split_outbox_index_v2_downgrade()
