"""Composition root of notification: policy, contacts, channels, the scheduler loop."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import httpx
from fastapi import FastAPI

from slrt.outbox import Clock, utcnow
from slrt.runtime import Runtime, ServiceDefinition, create_app

from .adapters.channels import Channel, SmsGateway, SmtpEmail, Webhook
from .adapters.http_client import delivery_client
from .adapters.tables import metadata
from .domain.contacts import load_contacts
from .domain.policy import load_policy
from .entrypoints.api import router
from .entrypoints.handlers import subscriptions
from .entrypoints.scheduler import Scheduler
from .service_layer.context import Notifier
from .settings import Settings


def build_notifier(settings: Settings, client: httpx.AsyncClient) -> Notifier:
    channels: dict[str, Channel] = {"webhook": Webhook(client, settings.webhook_secret)}
    if settings.smtp_host:
        channels["email"] = SmtpEmail(settings.smtp_host, settings.smtp_port,
                                      settings.smtp_sender, settings.delivery_timeout_s)
    if settings.sms_gateway_url:
        channels["sms"] = SmsGateway(client, settings.sms_gateway_url)
    return Notifier(
        policy=load_policy(settings.policy_file) if settings.policy_file else load_policy(),
        contacts=load_contacts(settings.contacts_file), channels=channels,
        referral_link=settings.referral_link, batch_size=settings.scheduler_batch_size,
        lease_s=settings.scheduler_lease_s, max_attempts=settings.delivery_max_attempts,
        backoff_s=settings.delivery_backoff_s, backoff_max_s=settings.delivery_backoff_max_s,
        concurrency=settings.delivery_concurrency)


def prepare(runtime: Runtime) -> None:
    settings = cast(Settings, runtime.settings)
    # Webhooks and SMS share one pool, as large as the sends a pass keeps in flight.
    client = delivery_client(settings.delivery_timeout_s, settings.delivery_concurrency)
    runtime.extras["http_client"] = client
    notifier = build_notifier(settings, client)
    runtime.extras["notifier"] = notifier
    scheduler = Scheduler(runtime, notifier, settings.scheduler_interval_s)
    runtime.extras["scheduler"] = scheduler
    if settings.scheduler_enabled and not runtime.api_only:  # background work: "all" only
        scheduler.start()


async def shutdown(runtime: Runtime) -> None:
    await runtime.extras["scheduler"].stop()
    await runtime.extras["http_client"].aclose()


DEFINITION = ServiceDefinition(
    name="notification",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    router=router,
    subscriptions=subscriptions,
    prepare=prepare,
    on_shutdown=shutdown,
    title="SLRT Notification",
)


def build_app(settings: Settings | None = None, clock: Clock = utcnow) -> FastAPI:
    return create_app(DEFINITION, settings or Settings(), clock)
