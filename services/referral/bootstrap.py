"""Composition root of referral: routing and SLA data, routes, subscriptions, agency topics."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from contracts import agency_topic
from slrt.embedded.topics import ensure_topics
from slrt.runtime import Runtime, ServiceDefinition, create_app

from .adapters.tables import metadata
from .domain.agencies import load_agency_directory
from .domain.routing import default_rules
from .domain.sla import default_policy
from .entrypoints.api import router
from .entrypoints.handlers import subscriptions
from .service_layer.services import ReferralPolicy
from .settings import Settings


def load_policy(settings: Settings) -> ReferralPolicy:
    return ReferralPolicy(load_agency_directory(settings.agency_directory_file), default_rules(),
                          default_policy())


def _prepare(runtime: Runtime) -> None:
    assert isinstance(runtime.settings, Settings)
    runtime.extras["policy"] = load_policy(runtime.settings)


async def _ensure_agency_topics(runtime: Runtime) -> None:
    """Every agency in the directory gets its own delivery topic, created explicitly."""
    directory = runtime.extras["policy"].directory
    await ensure_topics(runtime.settings.kafka_bootstrap_servers,
                        {agency_topic(a.agency_id): 1 for a in directory.all()})


DEFINITION = ServiceDefinition(
    name="referral",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    router=router,
    subscriptions=subscriptions,
    prepare=_prepare,
    on_broker_ready=(_ensure_agency_topics,),
    title="SLRT Referral",
)


def build_app(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, settings or Settings())
