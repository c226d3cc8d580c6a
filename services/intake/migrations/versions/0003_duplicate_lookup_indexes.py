"""duplicate look-up indexes end in registered_at

The newest open complaints of one person in one category are then an index range read
backwards that stops after a few rows, instead of every complaint of that person sorted.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_OLD = {"ix_complaints_nik_category": ["complainant_nik", "category"],
        "ix_complaints_kk_category": ["complainant_kk", "category"]}
_NEW = {"ix_complaints_nik_category_registered": ["complainant_nik", "category",
                                                  "registered_at"],
        "ix_complaints_kk_category_registered": ["complainant_kk", "category",
                                                 "registered_at"]}


def upgrade() -> None:
    for name, columns in _NEW.items():
        op.create_index(name, "complaints", columns)
    for name in _OLD:
        op.drop_index(name, table_name="complaints")


def downgrade() -> None:
    for name, columns in _OLD.items():
        op.create_index(name, "complaints", columns)
    for name in _NEW:
        op.drop_index(name, table_name="complaints")
