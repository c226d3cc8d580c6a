"""`GET /v1/complaints:stats` on SQLite and PostgreSQL: counts by category and status, scoped to
the caller's region (narrowed on request, never widened) and to a registration period."""

from __future__ import annotations

import datetime as dt

import pytest

from services.intake.adapters.stats import in_region
from services.intake.adapters.tables import complaints

from .conftest import Desk, with_

pytestmark = pytest.mark.integration

STATS = "/v1/complaints:stats"


async def _seed(desk: Desk) -> list[str]:
    bodies = [
        with_(),  # education, Sidomulyo (Bambanglipuro 340205)
        with_(category="health", subcategory="pbi_jk", complainant_nik=None,
              complainant_has_no_nik=True),
        with_(village_code="3402062003", category="health", subcategory="pbi_jk",
              complainant_nik=None, complainant_has_no_nik=True),  # Gilangharjo (Pandak)
        with_(village_code="3402012001", category="housing", subcategory="rtlh",
              complainant_nik=None, complainant_has_no_nik=True),  # Poncosari (Srandakan)
    ]
    ids = []
    for body in bodies:
        r = await desk.client.post("/v1/complaints", json=body, headers=desk.auth())
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    r = await desk.client.post(f"/v1/complaints/{ids[3]}/withdraw", json={"reason": "selesai"},
                               headers=desk.auth())
    assert r.status_code == 202, r.text
    return ids


async def test_counts_by_category_and_status_in_the_callers_region(any_desk: Desk) -> None:
    await _seed(any_desk)
    r = await any_desk.client.get(STATS, headers=any_desk.auth("manager"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["region"] == "3402" and body["total"] == 4
    assert body["by_category"]["health"] == 2
    assert body["by_category"]["education"] == 1 and body["by_category"]["housing"] == 1
    assert body["by_category"]["other"] == 0  # every sector listed
    assert body["by_status"] == {"registered": 3, "assessed": 0, "referred": 0,
                                 "in_progress": 0, "resolved": 0, "closed": 0, "withdrawn": 1}

    narrow = (await any_desk.client.get(STATS, params={"region": "340205"},
                                        headers=any_desk.auth("manager"))).json()
    assert narrow["region"] == "340205" and narrow["total"] == 2
    village = (await any_desk.client.get(STATS, params={"region": "3402062003"},
                                         headers=any_desk.auth("back_office"))).json()
    assert village["by_category"]["health"] == 1 and village["total"] == 1
    national = (await any_desk.client.get(STATS, params={"region": "34"},
                                          headers=any_desk.auth("national_admin", ""))).json()
    assert national["total"] == 4
    elsewhere = (await any_desk.client.get(STATS, headers=any_desk.auth("manager", "3471")))
    assert elsewhere.json()["total"] == 0


async def test_a_region_beside_ones_own_is_refused(desk: Desk) -> None:
    r = await desk.client.get(STATS, params={"region": "3404"}, headers=desk.auth("manager"))
    assert r.status_code == 403
    assert "3404" in r.json()["detail"]
    r = await desk.client.get(STATS, params={"region": "34"}, headers=desk.auth("manager"))
    assert r.status_code == 200 and r.json()["region"] == "3402"  # the caller's part of it
    r = await desk.client.get(STATS, params={"region": "340"}, headers=desk.auth("manager"))
    assert r.status_code == 422


async def test_only_watching_roles_may_count(desk: Desk) -> None:
    for role, agency in (("agency_officer", "disdik-3402"), ("front_office", None),
                         ("puskesos_operator", None)):
        r = await desk.client.get(STATS, headers=desk.auth(role, "3402", agency))
        assert r.status_code == 403, role
    assert (await desk.client.get(STATS)).status_code == 401


async def test_the_period_bounds_registration_time(desk: Desk) -> None:
    await _seed(desk)
    now = dt.datetime.now(dt.UTC)
    def window(start: dt.datetime, end: dt.datetime) -> dict[str, str]:
        return {"from": start.isoformat(), "to": end.isoformat()}
    around = await desk.client.get(STATS, params=window(now - dt.timedelta(hours=1),
                                                        now + dt.timedelta(hours=1)),
                                   headers=desk.auth("manager"))
    assert around.json()["total"] == 4
    before = await desk.client.get(STATS, params=window(now - dt.timedelta(days=30),
                                                        now - dt.timedelta(days=1)),
                                   headers=desk.auth("manager"))
    assert before.json()["total"] == 0 and before.json()["by_category"]["health"] == 0
    backwards = await desk.client.get(STATS, params=window(now, now - dt.timedelta(days=1)),
                                      headers=desk.auth("manager"))
    assert backwards.status_code == 422
    naive = await desk.client.get(STATS, params={"from": "2026-01-01T00:00:00"},
                                  headers=desk.auth("manager"))
    assert naive.status_code == 422


def test_region_prefix_is_an_index_range() -> None:
    c = complaints.c.village_code
    assert [str(w.compile(compile_kwargs={"literal_binds": True}))
            for w in in_region(c, "3402")] == ["complaints.village_code >= '3402'",
                                                "complaints.village_code < '3403'"]
    assert [str(w.compile(compile_kwargs={"literal_binds": True}))
            for w in in_region(c, "3409")][1] == "complaints.village_code < '3410'"
    assert len(in_region(c, "99")) == 1 and in_region(c, "") == []
