"""The SMS gateway adapter end to end: reminders leave over HTTP to a local gateway (the embedded
receiver), addressed to the number the contact book gives the recipient's scope, in Bahasa
Indonesia with the case number and no personal data; a 5xx is retried, then the text is sent
exactly once."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from services.notification.adapters.tables import deliveries
from slrt.embedded.receiver import Receiver

from .notification_env import MovedClock, feed, migrate, referral, running

pytestmark = pytest.mark.integration

GATEWAY_NUMBER = "+6227400000042"  # an office number, as the contact book holds them
NIK_LIKE = re.compile(r"\d{16}")


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path, pg_databases: Any
                 ) -> AsyncIterator[str]:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'notification.db'}" if request.param == "sqlite"
           else await pg_databases("notification_sms"))
    await migrate(url)
    yield url


async def test_sms_gateway_gets_each_reminder_once_after_a_5xx(tmp_path: Path,
                                                               db_url: str) -> None:
    gateway = Receiver().start()  # no secret: a gateway is not signed, it is reached by URL
    # Tuesday 08:30 WIB, one working day before acceptance is due (Wednesday 23:59 WIB).
    clock = MovedClock(dt.datetime(2026, 3, 3, 1, 30, tzinfo=dt.UTC))
    book = {"defaults": {"agency": {}},
            "agencies": {"disdik-3402": {"sms": GATEWAY_NUMBER}}}  # dinkes-3401: no number
    try:
        async with running(tmp_path, db_url, clock, contacts=book,
                           sms_gateway_url=gateway.url + "/sms") as n:
            texted = referral(agency_id="disdik-3402", number=7)
            await feed(n, texted)
            await feed(n, referral(agency_id="dinkes-3401", number=8))
            gateway.fail_next = 1  # the gateway is down for the first request
            assert await n.scheduler.tick() == (2, 0, 1)
            clock.at += dt.timedelta(seconds=1)  # the first backoff (1 s) has passed
            assert (await n.scheduler.tick())[1:] == (1, 0)
            clock.at += dt.timedelta(minutes=5)
            assert (await n.scheduler.tick())[1:] == (0, 0)  # nothing is sent twice

            assert gateway.requests == 2 and len(gateway.accepted) == 1
            async with n.runtime.sessions() as s:
                sms = (await s.execute(select(deliveries).where(
                    deliveries.c.channel == "sms"))).mappings().one()
            assert (sms["status"], sms["attempts"], sms["address"]) == (
                "sent", 2, GATEWAY_NUMBER)
            assert sms["recipient"] == "agency:disdik-3402"
            request = gateway.accepted[sms["id"]]
            assert request["path"] == "/sms" and not request["signed"]
            assert set(request) - {"path", "signed"} == {"to", "text", "reference"}
            assert request["to"] == GATEWAY_NUMBER and request["reference"] == sms["id"]
            text: str = request["text"]
            assert text.startswith("[SLRT] Pengingat tenggat penerimaan rujukan "
                                   "SLRT-3402-2026-000007")
            assert f"/v1/referrals/{texted.referral_id}" in text and len(text) <= 300
            assert not NIK_LIKE.search(text) and texted.village_code not in text
    finally:
        gateway.stop()
