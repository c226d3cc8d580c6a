"""Alembic environment of the intake database."""

from services.intake.adapters.tables import metadata
from slrt.migrations import run_env

run_env(metadata)
