"""Registry search, usulan workflow and data-update complaints on a real broker and real
SQLite and PostgreSQL databases: scope by region, typo-tolerant names, 409 on conflicts,
HouseholdUpdatedV1 on the topic, and the gaps command."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select
from typer.testing import CliRunner

from contracts import ComplaintRegisteredV1
from contracts.events import HouseholdUpdatedV1
from services.registry.adapters.tables import audit_log
from services.registry.bootstrap import DEFINITION, build_app, load_demo_registry
from services.registry.domain.demo import DEMO_NIK_WITH_SCHOOL_CHILD
from services.registry.service_layer.services import assess_complaint
from services.registry.settings import Settings
from slrt.auth import DevTokenIssuer, ensure_dev_keys
from slrt.cli import app as cli
from slrt.embedded.broker import TansuBroker
from slrt.embedded.stack import create_topics
from slrt.migrations import upgrade

from .conftest import read_topic

pytestmark = pytest.mark.integration
VILLAGE = "3402052001"  # the demo household with a school-age child lives here


class Registry:
    def __init__(self, client: httpx.AsyncClient, issuer: DevTokenIssuer, app: Any,
                 url: str, bootstrap: str) -> None:
        self.client, self.issuer, self.app, self.url = client, issuer, app, url
        self.bootstrap = bootstrap

    def auth(self, role: str, scope: str = "3402") -> dict[str, str]:
        return {"Authorization": "Bearer " + self.issuer.issue(role, scope)}

    async def get(self, path: str, role: str = "puskesos_operator", scope: str = "3402",
                  **params: Any) -> httpx.Response:
        """GET as `role` of region `scope`; `params` are the query (region= included)."""
        return await self.client.get(path, params=params, headers=self.auth(role, scope))

    async def post(self, path: str, body: dict[str, Any], role: str,
                   scope: str = "3402") -> httpx.Response:
        return await self.client.post(path, json=body, headers=self.auth(role, scope))


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def registry(request: pytest.FixtureRequest, tmp_path: Path, tansu: TansuBroker,
                   pg_databases: Any) -> AsyncIterator[Registry]:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}" if request.param == "sqlite"
           else await pg_databases("registry"))
    _, public_key = ensure_dev_keys(tmp_path / "keys")
    await create_topics(tansu.bootstrap)
    await asyncio.to_thread(upgrade, DEFINITION.migrations, url)
    await load_demo_registry(url)
    settings = Settings(database_url=url, kafka_bootstrap_servers=tansu.bootstrap,
                        auth_public_key_file=public_key,
                        trace_file=tmp_path / "traces.jsonl",
                        kafka_consumer_group_prefix=f"test-{uuid.uuid4().hex[:6]}")
    app = build_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://registry") as client:
        await asyncio.wait_for(app.state.runtime.broker_ready.wait(), 30)
        yield Registry(client, DevTokenIssuer.from_folder(tmp_path / "keys"), app, url,
                       tansu.bootstrap)


async def _demo_household(r: Registry) -> dict[str, Any]:
    found = (await r.get("/v1/households/search", nik=DEMO_NIK_WITH_SCHOOL_CHILD)).json()
    assert found["count"] == 1
    profile = await r.get(f"/v1/households/{found['results'][0]['household_id']}")
    assert profile.status_code == 200
    assert profile.headers["etag"] == f'"{profile.json()["version"]}"'
    return profile.json()  # type: ignore[no-any-return]


async def test_search_is_scoped_typo_tolerant_and_audited(registry: Registry) -> None:
    r = registry
    home = await _demo_household(r)
    hid = home["household_id"]
    assert {m["name"] for m in home["members"]} >= {"Sutrisno", "Wartini"}
    assert home["needs"] and all(n["rule_id"] and "facts" in n for n in home["needs"])

    # Another district's operator finds nothing there and may not ask for it.
    other = await r.get("/v1/households/search", scope="3403", nik=DEMO_NIK_WITH_SCHOOL_CHILD)
    assert other.json()["count"] == 0
    outside = await r.get("/v1/households/search", scope="3403", name="Sutrisno",
                          region=VILLAGE)
    assert outside.status_code == 403
    assert (await r.get(f"/v1/households/{hid}", scope="3403")).status_code == 404

    # Typos in the name still find the household, within the village and the district.
    for typo, region in (("Sutrisna", VILLAGE), ("Soetrisno", "3402"), ("Wartni", VILLAGE)):
        found = (await r.get("/v1/households/search", name=typo, region=region)).json()
        assert hid in [x["household_id"] for x in found["results"]], typo
        assert all(0.75 <= x["score"] <= 1 for x in found["results"])
    assert (await r.get("/v1/households/search", name="Sutrisno")).status_code == 200
    national = await r.get("/v1/households/search", scope="", name="Sutrisno",
                           role="national_admin")
    assert national.status_code == 400  # a name search needs a district or smaller

    kk = (await r.get("/v1/households/search", kk=home["kk_number"])).json()
    assert [x["household_id"] for x in kk["results"]] == [hid]
    street = home["address"].split(",")[0]
    by_address = (await r.get("/v1/households/search", address=street, region=VILLAGE)).json()
    assert hid in [x["household_id"] for x in by_address["results"]]
    if home["latitude"] is not None:
        near = (await r.get("/v1/households/search", radius_km=5,
                            near=f"{home['latitude']},{home['longitude']}")).json()
        assert near["results"][0]["household_id"] == hid
        assert near["results"][0]["distance_km"] == 0
        distances = [x["distance_km"] for x in near["results"]]
        assert distances == sorted(distances)
    assert (await r.get("/v1/households/search", nik="123")).status_code == 400
    assert (await r.get("/v1/households/search", near="x,y")).status_code == 400
    assert (await r.get("/v1/households/search", nik="1", kk="2")).status_code == 400
    assert (await r.get("/v1/households/search", role="operator",
                        nik=DEMO_NIK_WITH_SCHOOL_CHILD)).status_code == 403

    async with r.app.state.runtime.uow() as uow:
        rows = (await uow.session.execute(select(audit_log))).mappings().all()
    actions = {row["action"] for row in rows}
    assert {"search:nik", "search:name", "read"} <= actions
    text = json.dumps([dict(row) for row in rows], default=str)
    assert DEMO_NIK_WITH_SCHOOL_CHILD not in text and "Sutrisn" not in text


async def _through_review(r: Registry, body: dict[str, Any]) -> str:
    made = await r.post("/v1/proposals", body, "puskesos_operator")
    assert made.status_code == 201, made.text
    pid = made.json()["proposal_id"]
    assert made.json()["allowed_actions"] == ["amend", "reject"]
    verified = await r.post(f"/v1/proposals/{pid}/verify", {"note": "checked KK"},
                            "back_office")
    assert verified.status_code == 200, verified.text
    approved = await r.post(f"/v1/proposals/{pid}/approve", {}, "manager")
    assert approved.json()["state"] == "approved"
    return pid  # type: ignore[no-any-return]


async def test_usulan_workflow_rejection_conflict_and_event(registry: Registry) -> None:
    r = registry
    home = await _demo_household(r)
    hid, version = home["household_id"], home["version"]
    wife = next(m for m in home["members"] if m["relation"] == "spouse")

    # Two usulan on the same household version; the second to apply meets a newer one.
    first = await _through_review(r, {"kind": "correct_field", "household_id": hid,
                                      "details": {"entity": "household", "field": "address",
                                                  "value": "Dusun Baru RT 01/RW 02"}})
    second = await _through_review(r, {"kind": "mark_deceased", "household_id": hid,
                                       "details": {"member_id": wife["member_id"]}})
    applied = await r.post(f"/v1/proposals/{first}/apply", {}, "manager")
    assert applied.status_code == 200, applied.text
    assert applied.json()["state"] == "applied"
    assert applied.json()["applied_version"] == version + 1
    conflict = await r.post(f"/v1/proposals/{second}/apply", {}, "manager")
    assert conflict.status_code == 409
    assert conflict.json()["detail"]["based_on_version"] == version
    assert conflict.json()["detail"]["current_version"] == version + 1
    after = (await r.get(f"/v1/households/{hid}")).json()
    assert after["address"] == "Dusun Baru RT 01/RW 02" and after["version"] == version + 1

    # Rejected with a reason; nothing is allowed after, and the 409 says so.
    made = await r.post("/v1/proposals", {"kind": "remove_member", "household_id": hid,
                                          "details": {"member_id": wife["member_id"]}},
                        "puskesos_operator")
    pid = made.json()["proposal_id"]
    no_reason = await r.post(f"/v1/proposals/{pid}/reject", {"reason": ""}, "back_office")
    assert no_reason.status_code == 422
    rejected = await r.post(f"/v1/proposals/{pid}/reject",
                            {"reason": "she still lives there (home visit)"}, "back_office")
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["rejection_reason"] == "she still lives there (home visit)"
    late = await r.post(f"/v1/proposals/{pid}/verify", {}, "back_office")
    assert late.status_code == 409 and late.json()["detail"]["allowed_actions"] == []
    too_early = await r.post(f"/v1/proposals/{second}/verify", {}, "back_office")
    assert too_early.status_code == 409
    assert too_early.json()["detail"]["allowed_actions"] == ["apply", "reject"]
    wrong_role = await r.post("/v1/proposals", {"kind": "mark_deceased", "household_id": hid,
                                                "details": {}}, "manager")
    assert wrong_role.status_code == 403
    bad = await r.post("/v1/proposals", {"kind": "teleport", "household_id": hid},
                       "puskesos_operator")
    assert bad.status_code == 422
    hidden = await r.get(f"/v1/proposals/{pid}", scope="3403")
    assert hidden.status_code == 404

    # The change went out with field names only, keyed by household.
    records = await read_topic(r.bootstrap, HouseholdUpdatedV1.topic,
                               lambda recs: len(recs) >= 1)
    event = HouseholdUpdatedV1.model_validate_json(records[0].value)
    assert records[0].key == hid.encode()
    assert (str(event.household_id), event.version) == (hid, version + 1)
    assert event.changed_fields == ["household.address"]
    assert "Dusun Baru" not in records[0].value.decode()
    assessed = await read_topic(r.bootstrap, "slrt.household.assessed.v1",
                                lambda recs: len(recs) >= 1)
    assert json.loads(assessed[0].value)["household_id"] == hid


def _complaint(subcategory: str | None, category: str, **person: Any) -> ComplaintRegisteredV1:
    return ComplaintRegisteredV1.model_validate({
        "complaint_id": str(uuid.uuid4()), "complaint_number": "SLRT-3402-2026-000001",
        "registered_at": "2026-03-02T02:15:04Z", "channel": "puskesos",
        "village_code": VILLAGE, "category": category, "subcategory": subcategory,
        "description": "-", "complainant": person, "recorded_by": "desk-1"})


async def test_data_update_and_unmatched_complaints_make_usulan(registry: Registry) -> None:
    r = registry
    runtime = r.app.state.runtime
    now = dt.datetime(2026, 3, 2, 3, tzinfo=dt.UTC)
    died = _complaint("meninggal", "data_update", name="Sutrisno",
                      nik=DEMO_NIK_WITH_SCHOOL_CHILD)
    stranger = _complaint("kip_pip", "education", name="Bambang Wijayakusuma",
                          nik="3402051111119999")
    # No NIK, old spelling: only the name keys bring this household into matching.
    typo = _complaint("kip_pip", "education", name="Soetrisno")
    for event in (died, stranger, typo, died):  # `died` twice: one usulan only
        async with runtime.uow() as uow:
            await assess_complaint(event, runtime.extras["rules"], uow, now)
            await uow.commit()
    listed = (await r.get("/v1/proposals", complaint_id=str(died.complaint_id))).json()
    assert [p["kind"] for p in listed["items"]] == ["mark_deceased"]
    assert listed["items"][0]["problems"] == ["member_id: missing"]
    assessment = (await r.get(f"/v1/assessments/{stranger.complaint_id}",
                              role="back_office")).json()
    assert assessment["match_method"] == "none" and assessment["proposal_id"]
    registration = (await r.get(f"/v1/proposals/{assessment['proposal_id']}")).json()
    assert registration["kind"] == "new_household"
    assert registration["details"]["members"][0]["nik"] == "3402051111119999"
    fuzzy = (await r.get(f"/v1/assessments/{typo.complaint_id}", role="back_office")).json()
    assert fuzzy["match_method"] != "none" and fuzzy["household_id"]
    assert fuzzy["proposal_id"] is None


@pytest.mark.parametrize("registry", ["sqlite"], indirect=True)
async def test_gaps_and_duplicates(registry: Registry) -> None:
    r = registry
    result = await asyncio.to_thread(CliRunner().invoke, cli, [
        "registry", "gaps", "--region", "3402", "--database-url", r.url, "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert lines and all(g["rule_id"] and g["facts"] and g["program"]
                         for line in lines for g in line["gaps"])
    assert all(line["village_code"].startswith("3402") for line in lines)
    none = await asyncio.to_thread(CliRunner().invoke, cli, [
        "registry", "gaps", "--region", "3403", "--database-url", r.url])
    assert none.exit_code == 0 and "0 household(s)" in none.output
    report = await r.get("/v1/registry/duplicates", role="back_office", region="3402")
    assert report.status_code == 200
    assert report.json()["households"] >= 40
    assert (await r.get("/v1/registry/duplicates", role="back_office",
                        region="3403")).status_code == 403
