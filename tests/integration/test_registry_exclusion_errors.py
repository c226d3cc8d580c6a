"""`GET /v1/registry/exclusion-errors`: complainants the registry did not know and eligible
households without their programs, per village, scoped and bounded by assessment time; and the
0004 backfill of the village and programs of assessments made before it."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from contracts import ComplaintRegisteredV1
from services.registry.adapters.tables import assessments, households, proposals
from services.registry.bootstrap import DEFINITION
from services.registry.domain.demo import DEMO_NIK_WITH_SCHOOL_CHILD
from services.registry.service_layer.services import assess_complaint
from slrt.migrations import alembic_config, upgrade

from .test_registry_api import Registry, registry  # noqa: F401 - the fixture, both backends

pytestmark = pytest.mark.integration
EXCLUSION = "/v1/registry/exclusion-errors"
AT = dt.datetime(2026, 3, 2, 3, tzinfo=dt.UTC)
SIDOMULYO, GILANGHARJO, BALECATUR = "3402052001", "3402062003", "3404012001"


def _event(village: str, category: str, subcategory: str, **person: Any) -> ComplaintRegisteredV1:
    return ComplaintRegisteredV1.model_validate({
        "complaint_id": str(uuid.uuid4()), "complaint_number": "SLRT-3402-2026-000001",
        "registered_at": "2026-03-02T02:15:04Z", "channel": "puskesos",
        "village_code": village, "category": category, "subcategory": subcategory,
        "description": "-", "complainant": person, "recorded_by": "desk-1"})


async def _assess(r: Registry) -> None:
    runtime = r.app.state.runtime
    events = [
        _event(SIDOMULYO, "education", "kip_pip", name="Sutrisno",
               nik=DEMO_NIK_WITH_SCHOOL_CHILD),  # desil 2, child without KIP
        _event(SIDOMULYO, "health", "pbi_jk", name="Sutrisno",
               nik=DEMO_NIK_WITH_SCHOOL_CHILD),  # the same household again: counted once
        _event(SIDOMULYO, "education", "kip_pip", name="Tidak Dikenal", has_no_nik=True),
        _event(GILANGHARJO, "health", "pbi_jk", name="Bambang Wijayakusuma",
               nik="3402061111119999"),
        _event(BALECATUR, "health", "pbi_jk", name="Orang Sleman", nik="3404011111119999"),
    ]
    for event in events:
        async with runtime.uow() as uow:
            await assess_complaint(event, runtime.extras["rules"], uow, AT)
            await uow.commit()


async def test_exclusion_errors_per_village_in_scope(registry: Registry) -> None:  # noqa: F811
    r = registry
    await _assess(r)
    answer = await r.get(EXCLUSION, role="manager")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["region"] == "3402"
    by_village = {i["village_code"]: i for i in body["items"]}
    assert set(by_village) == {SIDOMULYO, GILANGHARJO}  # Sleman's is not ours
    sidomulyo = by_village[SIDOMULYO]
    assert sidomulyo["not_registered"] == 1 and sidomulyo["eligible_not_enrolled"] == 1
    assert sidomulyo["programs"]["KIP"] == 1
    assert by_village[GILANGHARJO] == {"village_code": GILANGHARJO, "not_registered": 1,
                                       "eligible_not_enrolled": 0, "programs": {}}
    assert body["total"] == {"not_registered": 2, "eligible_not_enrolled": 1}
    assert body["items"][0]["village_code"] == SIDOMULYO  # most errors first
    assert "KIP" in body["programs"]

    pandak = (await r.get(EXCLUSION, role="back_office", region="340206")).json()
    assert [i["village_code"] for i in pandak["items"]] == [GILANGHARJO]
    national = (await r.get(EXCLUSION, role="national_admin", scope="")).json()
    assert {i["village_code"] for i in national["items"]} == {SIDOMULYO, GILANGHARJO,
                                                              BALECATUR}
    assert (await r.get(EXCLUSION, role="manager", region="3404")).status_code == 403
    assert (await r.get(EXCLUSION, role="manager", region="34x")).status_code == 400
    for role in ("puskesos_operator", "front_office"):
        assert (await r.get(EXCLUSION, role=role)).status_code == 403, role
    officer = {"Authorization": "Bearer " + r.issuer.issue("agency_officer", "3402",
                                                           "disdik-3402")}
    assert (await r.client.get(EXCLUSION, headers=officer)).status_code == 403


@pytest.mark.parametrize("registry", ["sqlite"], indirect=True)
async def test_the_period_bounds_assessment_time(registry: Registry) -> None:  # noqa: F811
    r = registry
    await _assess(r)
    hour = dt.timedelta(hours=1)

    async def total(start: dt.datetime, end: dt.datetime) -> Any:
        return await r.get(EXCLUSION, role="manager", **{"from": start.isoformat(),
                                                         "to": end.isoformat()})
    assert (await total(AT - hour, AT + hour)).json()["total"]["not_registered"] == 2
    assert (await total(AT + hour, AT + 2 * hour)).json()["items"] == []
    assert (await total(AT, AT - hour)).status_code == 422


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_migration_0004_fills_village_and_programs(backend: str, tmp_path: Path,
                                                         pg_databases: Any) -> None:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}" if backend == "sqlite"
           else await pg_databases("registry0004"))
    config = alembic_config(DEFINITION.migrations, url)
    await asyncio.to_thread(command.upgrade, config, "0003")
    engine = create_async_engine(url)
    matched, unmatched, unknown = (str(uuid.uuid4()) for _ in range(3))
    household = str(uuid.uuid4())
    kip = [{"code": "education.kip", "sector": "education", "program": "KIP",
            "rule_id": "R-EDU-KIP", "reason": "-"},
           {"code": "health.pbi_jk", "sector": "health", "program": "PBI-JK",
            "rule_id": "R-HEALTH-PBI-JK", "reason": "-"}]
    route = [{"code": "health.complaint", "sector": "health", "program": None,
              "rule_id": "R-COMPLAINT-ROUTE", "reason": "-"}]
    try:
        async with engine.begin() as conn:  # rows as 0003 knew them (no village, no programs)
            await conn.execute(insert(households).values(
                household_id=household, village_code=SIDOMULYO, address="-",
                welfare_decile=2, source="test", updated_at=AT))
            await conn.execute(insert(proposals).values(
                proposal_id=str(uuid.uuid4()), kind="new_household", state="draft",
                village_code=GILANGHARJO, details={}, history=[],
                source_complaint_id=unmatched, proposed_by="desk-1", proposed_at=AT,
                updated_at=AT))
            for cid, hid, needs in ((matched, household, kip), (unmatched, None, route),
                                    (unknown, None, route)):
                await conn.execute(insert(assessments).values(
                    complaint_id=cid, household_id=hid, match_method="nik" if hid else "none",
                    match_confidence=1.0 if hid else 0.0, match_reason="-",
                    rules_version="needs-2026.1", needs=needs, assessed_at=AT))
    finally:
        await engine.dispose()
    await asyncio.to_thread(upgrade, DEFINITION.migrations, url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = {r.complaint_id: (r.village_code, r.eligible_programs)
                    for r in await conn.execute(select(assessments))}
    finally:
        await engine.dispose()
    assert rows == {matched: (SIDOMULYO, "KIP,PBI-JK"), unmatched: (GILANGHARJO, None),
                    unknown: (None, None)}
