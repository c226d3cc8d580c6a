"""The spine over a real broker: intake → registry → referral → notification, and back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts import AgencyReferralV1

from .conftest import COMPLAINT, System, eventually, read_topic

pytestmark = pytest.mark.integration

async def test_complaint_is_assessed_referred_and_tracked(system: System) -> None:
    intake = system.clients["intake"]
    created = await intake.post("/v1/complaints", json=COMPLAINT, headers=system.headers())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["number"].startswith("SLRT-3402-")
    complaint_id = body["id"]

    async def referred() -> dict[str, Any] | None:
        r = await intake.get(f"/v1/complaints/{complaint_id}", headers=system.headers())
        view = r.json()
        return view if view["status"] == "referred" else None

    view = await eventually(referred)
    assert [r["agency_id"] for r in view["referrals"]] == ["disdik-3402"]
    assert view["household_id"] is not None  # matched by NIK in the demo registry
    assert [t["kind"] for t in view["timeline"]] == ["registered", "assessed", "referred"]
    assessed = view["timeline"][1]["detail"]
    assert set(assessed["needs"]) == {"education.complaint", "education.kip"}
    assert view["complainant"]["phone"] == "+6281234567890"
    referral_id = view["referrals"][0]["referral_id"]

    # The agency's own topic holds what it must act on, keyed by case, with CloudEvents headers.
    topic = "slrt.agency.disdik-3402.referrals.v1"
    records = await read_topic(system.bootstrap, topic,
                               lambda rs: any(json.loads(r.value)["referral_id"] == referral_id
                                              for r in rs))
    record = next(r for r in records if json.loads(r.value)["referral_id"] == referral_id)
    delivered = AgencyReferralV1.model_validate_json(record.value)
    headers = {k: v.decode() for k, v in record.headers}
    assert headers["ce_type"] == AgencyReferralV1.event_type
    assert headers["ce_specversion"] == "1.0"
    assert headers["traceparent"].startswith("00-")
    assert record.key.decode() == str(delivered.case_id)
    assert {n.code for n in delivered.needs} == {"education.complaint", "education.kip"}
    assert delivered.accept_due_at < delivered.resolve_due_at

    # Notification has booked both deadlines of the referral.
    officer = system.headers("agency_officer", "3402", "disdik-3402")

    async def booked() -> list[dict[str, Any]] | None:
        r = await system.clients["notification"].get(f"/v1/referrals/{referral_id}/deadlines",
                                                     headers=officer)
        return r.json()["items"] if r.status_code == 200 else None

    deadlines = await eventually(booked)
    assert {(d["kind"], d["state"]) for d in deadlines} == {("accept", "open"),
                                                            ("resolve", "open")}

    # The agency officer sees the referral in the agency inbox; another agency does not.
    inbox = await system.clients["referral"].get("/v1/agencies/disdik-3402/referrals",
                                                 headers=officer)
    assert [r["referral_id"] for r in inbox.json()["items"]] == [referral_id]
    other = system.headers("agency_officer", "3402", "dinkes-3402")
    denied = await system.clients["referral"].get("/v1/agencies/disdik-3402/referrals",
                                                  headers=other)
    assert denied.status_code == 404


async def test_the_front_office_sees_the_case_end_and_reopen(system: System) -> None:
    """Referral's case lifecycle flows back into intake's read model: resolved by the agency,
    closed by the back office (status `closed`), reopened (status from its referrals)."""
    intake, referral = system.clients["intake"], system.clients["referral"]
    created = await intake.post("/v1/complaints", json=COMPLAINT, headers=system.headers())
    complaint_id = created.json()["id"]

    async def view_when(check: Any) -> dict[str, Any] | None:
        view = (await intake.get(f"/v1/complaints/{complaint_id}",
                                 headers=system.headers())).json()
        return view if check(view) else None

    view = await eventually(lambda: view_when(lambda v: v["status"] == "referred"))
    referral_id = view["referrals"][0]["referral_id"]
    officer = system.headers("agency_officer", "3402", "disdik-3402")
    for action in ("accept", "resolve"):
        r = await referral.post(f"/v1/referrals/{referral_id}/{action}", headers=officer,
                                json={"note": "KIP sudah diproses"})
        assert r.status_code == 200, r.text
    case_id = (await referral.get(f"/v1/referrals/{referral_id}",
                                  headers=officer)).json()["case_id"]
    back = system.headers("back_office", "3402")
    r = await referral.post(f"/v1/cases/{case_id}/inform", headers=back,
                            json={"note": "Warga diberi tahu lewat telepon"})
    assert r.status_code == 200, r.text
    r = await referral.post(f"/v1/cases/{case_id}/close", headers=back)
    assert r.status_code == 200, r.text

    closed = await eventually(lambda: view_when(lambda v: v["status"] == "closed"))
    assert "case_closed" in [t["kind"] for t in closed["timeline"]]

    r = await referral.post(f"/v1/cases/{case_id}/reopen", headers=back,
                            json={"note": "Warga melapor kartu KIP belum diterima"})
    assert r.status_code == 200, r.text
    reopened = await eventually(lambda: view_when(lambda v: v["status"] != "closed"))
    assert reopened["status"] == "resolved"  # its one referral is resolved
    assert [t["kind"] for t in reopened["timeline"]][-1] == "case_reopened"
