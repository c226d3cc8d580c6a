"""`POST /v1/complaints:validate` (the desk form's live check) and `GET /v1/categories`: the
check says what registration would say, about complete and half-filled bodies alike, and
stores nothing; the taxonomy lists every code with both labels."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from contracts.vocabulary import Sector
from services.intake.adapters.tables import audit_log, complaints, outbox
from services.intake.domain.categories import SUBCATEGORIES

from .conftest import COMPLAINT, Desk, with_

pytestmark = pytest.mark.integration

VALIDATE = "/v1/complaints:validate"


def _types(answer: dict[str, Any], kind: str) -> set[tuple[str, str]]:
    return {(".".join(str(p) for p in i["loc"][1:]), i["type"]) for i in answer[kind]}


async def _count(desk: Desk, table: Any) -> int:
    async with desk.app.state.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_valid_complaint_has_no_issue_and_nothing_is_stored(desk: Desk) -> None:
    r = await desk.client.post(VALIDATE, json=COMPLAINT, headers=desk.auth())
    assert r.status_code == 200, r.text
    assert r.json() == {"errors": [], "warnings": []}
    assert [await _count(desk, t) for t in (complaints, outbox, audit_log)] == [0, 0, 0]


async def test_the_issues_are_those_registration_gives(desk: Desk) -> None:
    body = with_(village_code="3402059999", subcategory="rtlh", complainant_nik="1234",
                 complainant_phone="12", description="short", consent_given=False)
    checked = (await desk.client.post(VALIDATE, json=body, headers=desk.auth())).json()
    refused = await desk.client.post("/v1/complaints", json=body, headers=desk.auth())
    assert refused.status_code == 422
    assert _types(checked, "errors") == {
        (".".join(str(p) for p in d["loc"][1:]), d["type"]) for d in refused.json()["detail"]}
    assert ("complainant.nik", "nik.format") in _types(checked, "errors")


async def test_a_moved_person_is_a_warning(desk: Desk) -> None:
    r = await desk.client.post(VALIDATE, json=with_(complainant_nik="3471014101900001"),
                               headers=desk.auth())
    assert r.json()["errors"] == []
    assert _types(r.json(), "warnings") == {("complainant.nik", "nik.region_mismatch")}


async def test_a_half_filled_form_still_gets_its_nik_checked(desk: Desk) -> None:
    body = {"village_code": "3402052001", "category": "", "subcategory": "kip_pip",
            "complainant": {"nik": "3402051513809001", "relation": "cousin"},
            "unknown": 1}
    r = await desk.client.post(VALIDATE, json=body, headers=desk.auth())
    assert r.status_code == 200, r.text
    found = _types(r.json(), "errors")
    assert ("complainant.nik", "nik.birth_date") in found
    assert {("channel", "missing"), ("description", "missing"), ("consent_given", "missing"),
            ("complainant.name", "missing"), ("category", "enum"),
            ("complainant.relation", "enum"), ("unknown", "extra_forbidden")} <= found
    # Nothing about the stand-ins: no subcategory mismatch against a category never given,
    # no "description required" twice.
    assert not any(f == "subcategory" for f, _ in found)
    assert sum(1 for f, _ in found if f == "description") == 1


async def test_a_complainant_that_is_not_an_object(desk: Desk) -> None:
    r = await desk.client.post(VALIDATE, json=with_(complainant="Sutrisno"), headers=desk.auth())
    assert r.status_code == 200
    assert ("complainant", "model_type") in _types(r.json(), "errors")


async def test_a_village_outside_the_callers_region_is_an_error_not_a_403(desk: Desk) -> None:
    body = with_(village_code="3401012001", consent_given=False)
    r = await desk.client.post(VALIDATE, json=body, headers=desk.auth(region="340205"))
    assert r.status_code == 200
    assert {("village_code", "scope.region"), ("consent_given", "consent.required")} <= _types(
        r.json(), "errors")


async def test_only_desk_roles_may_check(desk: Desk) -> None:
    r = await desk.client.post(VALIDATE, json=COMPLAINT,
                               headers=desk.auth("agency_officer", "3402", "dinkes-3402"))
    assert r.status_code == 403
    assert (await desk.client.post(VALIDATE, json=COMPLAINT)).status_code == 401
    r = await desk.client.post(VALIDATE, json=[COMPLAINT], headers=desk.auth())
    assert r.status_code == 422  # not an object at all


async def test_categories_list_every_code_with_both_labels(desk: Desk) -> None:
    r = await desk.client.get("/v1/categories", headers=desk.auth("agency_officer", "3402",
                                                                  "dinkes-3402"))
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["code"] for i in items] == [str(s) for s in Sector]
    for item in items:
        assert item["label"]["id"] and item["label"]["en"]
        assert [s["code"] for s in item["subcategories"]] == list(
            SUBCATEGORIES[Sector(item["code"])])
        assert all(s["label"]["id"] and s["label"]["en"] for s in item["subcategories"])
    education = next(i for i in items if i["code"] == "education")
    assert education["label"] == {"id": "Pendidikan", "en": "Education"}
