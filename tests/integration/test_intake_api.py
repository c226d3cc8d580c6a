"""Intake's HTTP edge on a real SQLite file: access, validation that teaches, scoping, audit.
(No broker needed: intake keeps accepting complaints into its outbox while the broker is away.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.intake.adapters.tables import audit_log

from .conftest import COMPLAINT, Desk, with_

pytestmark = pytest.mark.integration


async def test_bearer_token_is_required(desk: Desk) -> None:
    r = await desk.client.post("/v1/complaints", json=COMPLAINT)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    r = await desk.client.post("/v1/complaints", json=COMPLAINT,
                               headers={"Authorization": "Bearer not-a-jwt"})
    assert r.status_code == 401


async def test_agency_officers_do_not_record_complaints(desk: Desk) -> None:
    r = await desk.client.post("/v1/complaints", json=COMPLAINT,
                               headers=desk.auth("agency_officer", "3402", "dinkes-3402"))
    assert r.status_code == 403
    assert "allowed roles" in r.json()["detail"]


async def test_village_outside_the_callers_region_is_refused(desk: Desk) -> None:
    r = await desk.client.post("/v1/complaints", json=COMPLAINT, headers=desk.auth(region="3471"))
    assert r.status_code == 403
    assert "3402052001" in r.json()["detail"]


async def test_every_invalid_field_is_named_with_its_rule(desk: Desk) -> None:
    body = with_(village_code="3402059999", subcategory="rtlh", complainant_nik="1234",
                 complainant_phone="12")
    r = await desk.client.post("/v1/complaints", json=body, headers=desk.auth())
    assert r.status_code == 422
    found = {(tuple(d["loc"]), d["type"]) for d in r.json()["detail"]}
    assert found >= {(("body", "village_code"), "village_code.unknown"),
                     (("body", "subcategory"), "subcategory.invalid"),
                     (("body", "complainant", "phone"), "phone.invalid")}
    assert any(loc == ("body", "complainant", "nik") for loc, _ in found)
    assert all(d["msg"] for d in r.json()["detail"])


async def test_unknown_channel_is_a_schema_error(desk: Desk) -> None:
    r = await desk.client.post("/v1/complaints", json=with_(channel="fax"), headers=desk.auth())
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "channel"]


async def test_moved_person_gets_a_warning_not_an_error(desk: Desk) -> None:
    # A valid NIK issued in Kota Yogyakarta (3471..) while living in Bantul: legal, flagged.
    r = await desk.client.post("/v1/complaints", json=with_(complainant_nik="3471014101900001"),
                               headers=desk.auth())
    assert r.status_code == 201, r.text
    assert [w["type"] for w in r.json()["warnings"]] == ["nik.region_mismatch"]


async def test_numbers_count_up_and_reads_are_scoped_and_audited(desk: Desk) -> None:
    first = (await desk.client.post("/v1/complaints", json=COMPLAINT, headers=desk.auth())).json()
    second = (await desk.client.post("/v1/complaints", json=with_(complainant_has_no_nik=True,
                                                                  complainant_nik=None),
                                     headers=desk.auth())).json()
    n1, n2 = (int(c["number"].rsplit("-", 1)[1]) for c in (first, second))
    assert n2 == n1 + 1
    mine = await desk.client.get(f"/v1/complaints/{first['id']}", headers=desk.auth())
    assert mine.status_code == 200
    assert mine.json()["status"] == "registered"
    other_region = await desk.client.get(f"/v1/complaints/{first['id']}",
                                         headers=desk.auth(region="3471"))
    assert other_region.status_code == 404
    async with desk.app.state.runtime.sessions() as session:
        actions = [(r.action, r.complaint_id) for r in await session.execute(
            select(audit_log.c.action, audit_log.c.complaint_id).order_by(audit_log.c.id))]
    assert actions == [("create", first["id"]), ("create", second["id"]), ("read", first["id"])]


async def test_an_agency_officer_reads_only_complaints_referred_to_its_agency(
        any_desk: Desk) -> None:
    import datetime as dt
    import uuid

    from services.intake.adapters.repository import ComplaintRepository

    desk = any_desk
    made = [(await desk.client.post("/v1/complaints", json=COMPLAINT,
                                    headers={**desk.auth(), "Idempotency-Key": str(n)})
             ).json()["id"] for n in range(2)]
    async with desk.app.state.runtime.uow() as uow:  # what ReferralCreatedV1 folds in
        await ComplaintRepository(uow.session).upsert_referral({
            "referral_id": str(uuid.uuid4()), "complaint_id": made[0],
            "agency_id": "disdik-3402", "status": "created",
            "updated_at": dt.datetime.now(dt.UTC)})
        await uow.commit()

    disdik = desk.auth("agency_officer", "3402", "disdik-3402")
    dinkes = desk.auth("agency_officer", "3402", "dinkes-3402")
    assert (await desk.client.get(f"/v1/complaints/{made[0]}", headers=disdik)).status_code \
        == 200
    assert (await desk.client.get(f"/v1/complaints/{made[1]}", headers=disdik)).status_code \
        == 404  # same region, but never referred to disdik
    assert (await desk.client.get(f"/v1/complaints/{made[0]}", headers=dinkes)).status_code \
        == 404
    listed = (await desk.client.get("/v1/complaints", headers=disdik)).json()
    assert [item["id"] for item in listed["items"]] == [made[0]]
    assert (await desk.client.get("/v1/complaints", headers=dinkes)).json()["items"] == []
    # The desk still sees both.
    assert len((await desk.client.get("/v1/complaints", headers=desk.auth())).json()["items"]) \
        == 2
