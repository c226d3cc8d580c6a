"""Notification alone on a real database, with a moved clock, a local SMTP sink and a local
webhook receiver that verifies signatures (and can be told to fail)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from contracts import Contract, ReferralCreatedV1
from services.notification.bootstrap import build_app
from services.notification.entrypoints.scheduler import Scheduler
from services.notification.service_layer import services
from services.notification.settings import Settings
from slrt.auth import DevTokenIssuer, ensure_dev_keys
from slrt.embedded.ports import free_port
from slrt.embedded.receiver import Receiver
from slrt.migrations import upgrade
from slrt.runtime import Runtime

SECRET = "test-webhook-secret"


class MovedClock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


@contextlib.contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver(secret=SECRET).start()
    try:
        yield receiver
    finally:
        receiver.stop()


@dataclass
class Notification:
    app: Any
    client: httpx.AsyncClient
    issuer: DevTokenIssuer

    @property
    def runtime(self) -> Runtime:
        return self.app.state.runtime  # type: ignore[no-any-return]

    @property
    def scheduler(self) -> Scheduler:
        return self.runtime.extras["scheduler"]  # type: ignore[no-any-return]

    def auth(self, role: str, region: str = "3402", agency: str | None = None
             ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(role, region, agency)}"}


async def migrate(url: str) -> None:
    from services.notification.bootstrap import DEFINITION

    await asyncio.to_thread(upgrade, DEFINITION.migrations, url)


@contextlib.asynccontextmanager
async def running(tmp: Path, url: str, clock: MovedClock, bootstrap: str | None = None,
                  **overrides: Any) -> AsyncIterator[Notification]:
    """One notification instance (scheduler loop off: tests call `tick()` at moved times)."""
    _, public_key = ensure_dev_keys(tmp / "keys")
    contacts = tmp / "contacts.json"
    if "contacts" in overrides:
        contacts.write_text(json.dumps(overrides.pop("contacts")))
        overrides["contacts_file"] = contacts
    settings = Settings(
        database_url=url, auth_public_key_file=public_key, webhook_secret=SECRET,
        kafka_bootstrap_servers=bootstrap or f"127.0.0.1:{free_port()}",
        kafka_consumer_group_prefix=f"test-{uuid.uuid4().hex[:6]}",
        scheduler_enabled=False, delivery_backoff_s=1.0, **overrides)
    app = build_app(settings, clock)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://notification") as client:
        yield Notification(app, client, DevTokenIssuer.from_folder(tmp / "keys"))


async def feed(n: Notification, event: Contract, event_id: str | None = None) -> None:
    """What the Kafka consumer does with one event (inbox mark + handler, one transaction)."""
    handlers = {"ReferralCreatedV1": services.on_referral_created,
                "ReferralStatusChangedV1": services.on_referral_status_changed,
                "CaseClosedV1": services.on_case_closed}
    async with n.runtime.uow() as uow:
        if await uow.already_handled(event_id or str(uuid.uuid4()), event.topic):
            return
        await handlers[type(event).__name__](n.runtime.extras["notifier"], event, None, uow)
        await uow.commit()


def referral(agency_id: str = "disdik-3402", tz: str = "Asia/Jakarta",
             accept_due: dt.datetime | None = None, resolve_due: dt.datetime | None = None,
             created: dt.datetime | None = None, number: int = 1) -> ReferralCreatedV1:
    created = created or dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC)
    return ReferralCreatedV1(
        referral_id=uuid.uuid4(), case_id=uuid.uuid4(), complaint_id=uuid.uuid4(),
        complaint_number=f"SLRT-3402-2026-{number:06d}", agency_id=agency_id,
        sector="education", need_codes=["education.kip"], village_code="3402052001",
        created_at=created, time_zone=tz,
        accept_due_at=accept_due or dt.datetime(2026, 3, 4, 16, 59, 59, tzinfo=dt.UTC),
        resolve_due_at=resolve_due or dt.datetime(2026, 3, 17, 16, 59, 59, tzinfo=dt.UTC))
