"""The embedded broker forgets everything on restart; SLRT must not.

* intake accepts complaints while the broker is down (outbox), and publishes them when it is back;
* after a fresh broker, relays publish their retained rows again (broker epoch changed) and the
  consumers' inboxes make the replay harmless: no second case, no second referral.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from slrt.embedded.broker import TansuBroker
from slrt.embedded.ports import free_port
from slrt.services import SERVICE_NAMES

from .conftest import COMPLAINT, eventually, read_topic, start_system

pytestmark = pytest.mark.integration
AGENCY_TOPIC = "slrt.agency.disdik-3402.referrals.v1"


async def _view(system: Any, complaint_id: str) -> dict[str, Any]:
    r = await system.clients["intake"].get(f"/v1/complaints/{complaint_id}",
                                           headers=system.headers())
    return r.json()  # type: ignore[no-any-return]


async def test_nothing_is_lost_across_a_broker_restart(tmp_path: Path) -> None:
    port = free_port()
    urls = {n: f"sqlite+aiosqlite:///{tmp_path / (n + '.db')}" for n in SERVICE_NAMES}

    first = TansuBroker(tmp_path / "tansu1", port=port)
    first.start()
    try:
        async for system in start_system(tmp_path, first.bootstrap, urls):
            created = await system.clients["intake"].post("/v1/complaints", json=COMPLAINT,
                                                          headers=system.headers())
            complaint_id = created.json()["id"]

            async def referred(s: Any = system, cid: str = complaint_id) -> bool:
                return (await _view(s, cid))["status"] == "referred"

            await eventually(referred)
    finally:
        first.stop()

    # A fresh, empty broker on the same port; the services start again on their databases.
    second = TansuBroker(tmp_path / "tansu2", port=port)
    second.start()
    try:
        async for system in start_system(tmp_path, second.bootstrap, urls):
            # The referral reaches the new broker's agency topic again (re-published)...
            records = await read_topic(second.bootstrap, AGENCY_TOPIC, lambda rs: len(rs) >= 1)
            assert {json.loads(r.value)["complaint_number"] for r in records} == {
                created.json()["number"]}
            # ...the replayed events reach every consumer, whose inboxes ignore them...
            await asyncio.sleep(2.0)
            view = await _view(system, complaint_id)
            assert view["status"] == "referred"
            assert len(view["referrals"]) == 1
            assert [t["kind"] for t in view["timeline"]] == ["registered", "assessed", "referred"]
            inbox = await system.clients["referral"].get(
                "/v1/agencies/disdik-3402/referrals",
                headers=system.headers("agency_officer", "3402", "disdik-3402"))
            assert len(inbox.json()["items"]) == 1
            # ...and only one agency delivery exists: the referral service did not open a 2nd case.
            records = await read_topic(second.bootstrap, AGENCY_TOPIC, lambda rs: True)
            assert len(records) == 1
    finally:
        second.stop()


async def test_intake_accepts_while_broker_is_down_then_publishes(tmp_path: Path) -> None:
    port = free_port()
    urls = {n: f"sqlite+aiosqlite:///{tmp_path / (n + '.db')}" for n in SERVICE_NAMES}
    from slrt.auth import DevTokenIssuer, ensure_dev_keys
    from slrt.migrations import upgrade
    from slrt.services import service

    _, public_key = ensure_dev_keys(tmp_path / "keys")
    await asyncio.to_thread(upgrade, service("intake").bootstrap.DEFINITION.migrations,
                            urls["intake"])
    entry = service("intake")
    settings = entry.settings_cls(database_url=urls["intake"],
                                  kafka_bootstrap_servers=f"127.0.0.1:{port}",
                                  auth_public_key_file=public_key)
    app = entry.bootstrap.build_app(settings)
    import httpx

    token = DevTokenIssuer.from_folder(tmp_path / "keys").issue("front_office", "3402")
    auth = {"Authorization": f"Bearer {token}"}
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
        created = await client.post("/v1/complaints", json=COMPLAINT, headers=auth)
        assert created.status_code == 201
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["outbox"]["pending"] == 1
        assert ready.json()["checks"]["broker"] == "connecting"
        metrics = (await client.get("/metrics")).text
        assert 'slrt_outbox_pending{service="intake"} 1.0' in metrics
        assert 'slrt_broker_connected{service="intake"} 0.0' in metrics

        broker = TansuBroker(tmp_path / "tansu", port=port)
        broker.start()
        try:
            from slrt.embedded.stack import create_topics

            await create_topics(broker.bootstrap)

            async def drained() -> bool:
                r = await client.get("/readyz")
                return r.status_code == 200 and r.json()["checks"]["outbox"]["pending"] == 0

            await eventually(drained, timeout=30)
            records = await read_topic(broker.bootstrap, "slrt.complaint.registered.v1",
                                       lambda rs: len(rs) >= 1)
            assert json.loads(records[0].value)["complaint_id"] == created.json()["id"]
        finally:
            broker.stop()
