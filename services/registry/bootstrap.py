"""Composition root of registry: needs rules, routes, subscriptions, demo data loading."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from slrt.db import make_engine
from slrt.runtime import Runtime, ServiceDefinition, create_app

from .adapters.tables import metadata
from .domain.demo import demo_registry
from .domain.rules import load_rules
from .entrypoints.api import router
from .entrypoints.handlers import subscriptions
from .settings import Settings


def _prepare(runtime: Runtime) -> None:
    assert isinstance(runtime.settings, Settings)
    runtime.extras["rules"] = load_rules(runtime.settings.rules_file)


DEFINITION = ServiceDefinition(
    name="registry",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    router=router,
    subscriptions=subscriptions,
    prepare=_prepare,
    title="SLRT Registry",
)


def build_app(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, settings or Settings())


async def load_demo_registry(database_url: str) -> int:
    """Load the small demo registry (real Bantul villages) into a migrated database."""
    import datetime as dt

    from sqlalchemy.ext.asyncio import async_sessionmaker

    from slrt.db import UnitOfWork
    from slrt.outbox import OutboxWriter

    from .adapters.tables import inbox, outbox
    from .service_layer.services import load_households

    engine = make_engine(database_url)
    try:
        uow = UnitOfWork(async_sessionmaker(engine, expire_on_commit=False),
                         OutboxWriter(outbox, "/slrt/registry"), inbox)
        async with uow:
            return await load_households(uow, demo_registry(), "demo",
                                         dt.datetime.now(dt.UTC))
    finally:
        await engine.dispose()
