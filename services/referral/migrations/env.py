"""Alembic environment of the referral database."""

from services.referral.adapters.tables import metadata
from slrt.migrations import run_env

run_env(metadata)
