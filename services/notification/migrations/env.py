"""Alembic environment of the notification database."""

from services.notification.adapters.tables import metadata
from slrt.migrations import run_env

run_env(metadata)
