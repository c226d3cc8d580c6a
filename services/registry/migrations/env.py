"""Alembic environment of the registry database."""

from services.registry.adapters.tables import metadata
from slrt.migrations import run_env

run_env(metadata)
