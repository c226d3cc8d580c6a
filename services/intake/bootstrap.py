"""Composition root of intake: wires settings, tables, routes and subscriptions."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from slrt.runtime import Runtime, ServiceDefinition, create_app

from .adapters.numbering import NumberBlocks
from .adapters.tables import metadata
from .entrypoints.api import desk_queue, router
from .entrypoints.api_stats import register as register_stats
from .entrypoints.handlers import subscriptions
from .settings import Settings

register_stats(router)  # GET /v1/complaints:stats (dashboards)


def _prepare(runtime: Runtime) -> None:
    runtime.extras["desk"] = desk_queue(runtime)
    # PostgreSQL: complaint numbers from blocks reserved ahead (see adapters/numbering.py);
    # SQLite has one writer, and numbers are taken inside the submission's transaction.
    if runtime.engine.dialect.name == "postgresql":
        runtime.extras["numbers"] = NumberBlocks(runtime.settings.database_url)


async def _shutdown(runtime: Runtime) -> None:
    await runtime.extras["desk"].wait_idle()
    if (numbers := runtime.extras.get("numbers")) is not None:
        await numbers.close()


DEFINITION = ServiceDefinition(
    name="intake",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    router=router,
    subscriptions=subscriptions,
    prepare=_prepare,
    on_shutdown=_shutdown,
    title="SLRT Intake",
)


def build_app(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, settings or Settings())
