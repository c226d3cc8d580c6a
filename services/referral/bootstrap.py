"""Composition root of referral: routing and SLA data, routes, subscriptions, agency topics."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from contracts import agency_topic
from slrt.embedded.topics import ensure_topics
from slrt.runtime import Runtime, ServiceDefinition, create_app

from .adapters.agency_store import AgencyRepository
from .adapters.tables import metadata
from .domain.agencies import load_agency_directory
from .domain.routing import load_routing_rules
from .domain.sla import default_policy
from .entrypoints.api import router
from .entrypoints.handlers import subscriptions
from .service_layer.policy import ReferralPolicy
from .settings import Settings


def load_policy(settings: Settings) -> ReferralPolicy:
    """Routing rules checked against the directory they were written for, and the SLA policy.
    (The agencies referrals go to are the database's, which managers edit.)"""
    directory = load_agency_directory(settings.agency_directory_file)
    return ReferralPolicy(load_routing_rules(directory), default_policy(), directory)


def _prepare(runtime: Runtime) -> None:
    assert isinstance(runtime.settings, Settings)
    runtime.extras["policy"] = load_policy(runtime.settings)


async def _ensure_agency_topics(runtime: Runtime) -> None:
    """Every active agency gets its own delivery topic, created explicitly."""
    async with runtime.sessions() as session:
        directory = await AgencyRepository(session).directory()
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
