"""Composition root of notification."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from slrt.runtime import ServiceDefinition, create_app

from .adapters.tables import metadata
from .entrypoints.api import router
from .entrypoints.handlers import subscriptions
from .settings import Settings

DEFINITION = ServiceDefinition(
    name="notification",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    router=router,
    subscriptions=subscriptions,
    title="SLRT Notification",
)


def build_app(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, settings or Settings())
