"""The agency screen's view logic (overdue marking, local due times, visible answers, refusals)
and its pages rendered by the app against answering fakes of the services (httpx
MockTransport): the overdue row of the inbox, answers sent with If-Match, a stale answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.console.adapters.identity import DevSignIn
from services.console.domain import agency as view
from services.console.domain.i18n import translator
from services.console.domain.paging import Pager
from services.console.entrypoints.session import SESSION_COOKIE
from slrt.auth import Principal, Role

RID = "278553dc-7d04-4e0d-954e-b32e85216d37"
CID = "18211ac2-dec6-4e10-9f35-c09b284b458a"
COMPLAINT = "72847074-9445-47b1-8e2e-42c69ed53b86"


def referral(**changes: Any) -> dict[str, Any]:
    base = {
        "referral_id": RID, "case_id": CID, "complaint_id": COMPLAINT,
        "agency_id": "disdik-3402", "village_code": "3402052001", "sector": "education",
        "need_codes": ["education.kip"], "status": "created", "version": 1,
        "allowed_actions": ["accept", "reject", "return"],
        "created_at": "2026-12-04T09:31:03Z", "accepted_at": None, "ended_at": None,
        "accept_due_at": "2026-12-08T16:59:59Z", "resolve_due_at": "2026-12-28T16:59:59Z",
        "answer_due_at": None, "calendar_complete": True, "overdue": [],
        "time_zone": "Asia/Jakarta", "rerouted_from": None, "escalation_level": None,
        "escalated_at": None, "complaint_number": "SLRT-3402-2026-000001", "urgency": "normal",
    }
    return {**base, **changes}


# --- view logic ---------------------------------------------------------------------------

def test_due_times_are_shown_in_the_referrals_own_time_zone() -> None:
    assert view.local_time("2026-12-08T16:59:59Z", "Asia/Jakarta") == "08-12-2026 23:59 WIB"
    assert view.local_time("2026-12-08T16:59:59Z", "Asia/Makassar") == "09-12-2026 00:59 WITA"
    assert view.local_time("2026-12-08T16:59:59Z", "Asia/Jayapura") == "09-12-2026 01:59 WIT"
    assert view.local_time(None, "Asia/Jakarta") == ""
    assert view.local_time("2026-12-08T16:59:59Z", "Mars/Olympus") == "08-12-2026 23:59 WIB"


def test_an_overdue_referral_row_names_the_deadlines_it_missed() -> None:
    row = view.inbox_row(referral(overdue=["accept"], status="delivered"))
    assert row.is_overdue and row.overdue == ("accept",)
    assert row.accept_due == "08-12-2026 23:59 WIB"
    assert not view.inbox_row(referral()).is_overdue


def test_only_the_allowed_answers_are_offered_and_only_to_roles_that_may_answer() -> None:
    accepted = referral(status="accepted", allowed_actions=["progress", "resolve", "return"])
    shown = [a.action for a in view.visible_actions(accepted, Role.AGENCY_OFFICER)]
    assert shown == ["progress", "resolve", "return"]
    assert [a.action for a in view.visible_actions(accepted, Role.BACK_OFFICE)] == shown
    assert view.visible_actions(accepted, Role.PROVINCE_COORDINATOR) == []
    assert view.visible_actions(accepted, Role.NATIONAL_ADMIN) == []
    assert view.visible_actions(referral(status="resolved", allowed_actions=[]),
                                Role.AGENCY_OFFICER) == []


def test_reject_and_return_need_a_note() -> None:
    reject, accept = view.action_spec("reject"), view.action_spec("accept")
    assert reject is not None and accept is not None
    assert view.note_problem(reject, "  ") == "agency.action.reject.note_required"
    assert view.note_problem(reject, "not ours: health") is None
    assert view.note_problem(accept, "") is None
    assert view.action_spec("delete") is None


def test_coordinators_choose_among_active_agencies_of_their_region() -> None:
    agencies = [{"agency_id": "disdik-3402", "name": "Disdik Bantul", "region_code": "3402"},
                {"agency_id": "dinsos-34", "name": "Dinsos DIY", "region_code": "34"},
                {"agency_id": "kemensos", "name": "Kemensos", "region_code": ""},
                {"agency_id": "old-3402", "name": "Old", "region_code": "3402",
                 "active": False}]
    district = Principal(subject="b", role=Role.BACK_OFFICE, region="3402")
    province = Principal(subject="p", role=Role.PROVINCE_COORDINATOR, region="34")
    assert [a["agency_id"] for a in view.visible_agencies(district, agencies)] == \
        ["disdik-3402"]
    assert [a["agency_id"] for a in view.visible_agencies(province, agencies)] == \
        ["dinsos-34", "disdik-3402"]


def test_status_filter_defaults_to_open_referrals() -> None:
    assert view.status_filter(None) == ("open", view.OPEN_STATUSES)
    assert view.status_filter("nonsense")[0] == "open"
    assert view.status_filter("all") == ("all", ())
    assert view.status_filter("returned") == ("returned", ("returned",))


def test_pager_and_inbox_links() -> None:
    pager = Pager(offset=25, limit=25, total=60)
    assert (pager.previous, pager.next, pager.first, pager.last) == (0, 50, 26, 50)
    assert Pager(0, 25, 10).next is None and Pager(0, 25, 0).first == 0
    assert view.inbox_url("disdik-3402", "open", True, 50) == \
        "/agency?agency=disdik-3402&status=open&overdue=1&offset=50"
    assert view.inbox_url("disdik-3402", "all", False, coordinator=False) == "/agency?status=all"


def test_a_refusal_is_told_against_the_fresh_referral() -> None:
    t = translator("en")
    fresh = referral(status="accepted", version=3,
                     allowed_actions=["progress", "resolve", "return"])
    stale = view.refusal(412, "is at version 3, expected 1", "accept", fresh)
    assert stale.key == "agency.refused.stale"
    assert "Accepted" in view.refusal_text(t, stale)
    not_now = view.refusal(409, "cannot accept", "accept", fresh)
    assert not_now.key == "agency.refused.not_allowed"
    text = view.refusal_text(t, not_now)
    assert "“Accept” is not possible" in text and "Resolve" in text
    assert view.refusal(409, "raced", "resolve", fresh).key == "agency.refused.conflict"
    assert view.refusal(422, "a note is required", "reject", fresh).key == \
        "agency.refused.invalid"


def test_history_keeps_the_referrals_own_changes_in_local_time() -> None:
    timeline = [
        {"kind": "referral_added", "referral_id": RID, "to_status": "referred",
         "at": "2026-12-04T09:31:03Z", "by": "referral-service"},
        {"kind": "status_changed", "referral_id": "other", "to_status": "accepted",
         "at": "2026-12-04T09:32:00Z", "by": "x"},
        {"kind": "status_changed", "referral_id": RID, "to_status": "accepted",
         "at": "2026-12-04T09:33:00Z", "by": "dev-disdik-bantul"},
        {"kind": "mystery", "referral_id": RID, "at": "2026-12-04T09:34:00Z", "by": "y"},
    ]
    got = view.history(timeline, RID, "Asia/Jakarta")
    assert [(e["label_key"], e["status"]) for e in got] == [
        ("agency.history.referral_added", None), ("agency.history.status_changed", "accepted"),
        ("agency.history.other", None)]
    assert got[1]["when"] == "04-12-2026 16:33 WIB"


# --- pages against fake services ----------------------------------------------------------

class FakeServices:
    """Answers the console's calls like the services do; records what was sent."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.referral = referral()
        self.inbox_items = [referral(overdue=["accept"], status="delivered",
                                     complaint_number="SLRT-3402-2026-000007"),
                            referral(referral_id="11111111-1111-1111-1111-111111111111",
                                     complaint_number="SLRT-3402-2026-000008")]
        self.sent: list[httpx.Request] = []
        self.refuse_with: tuple[int, dict[str, Any]] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        path, host = request.url.path, request.url.host
        if host == "referral" and path == "/v1/agencies/disdik-3402/referrals":
            overdue_only = request.url.params.get("overdue") == "true"
            items = [i for i in self.inbox_items if i["overdue"]] if overdue_only \
                else self.inbox_items
            return httpx.Response(200, json={"agency_id": "disdik-3402", "items": items,
                                             "total": len(items), "limit": 25, "offset": 0})
        if host == "referral" and path == f"/v1/referrals/{RID}":
            return httpx.Response(200, json=self.referral,
                                  headers={"ETag": f'"{self.referral["version"]}"'})
        if host == "referral" and path.startswith(f"/v1/referrals/{RID}/"):
            if self.refuse_with is not None:
                status, body = self.refuse_with
                return httpx.Response(status, json=body)
            self.referral = referral(status="accepted", version=3,
                                     allowed_actions=["progress", "resolve", "return"])
            return httpx.Response(200, json=self.referral)
        if host == "referral" and path == f"/v1/cases/{CID}":
            return httpx.Response(200, json={"case_id": CID,
                                             "complaint_number": "SLRT-3402-2026-000001"})
        if host == "referral" and path == f"/v1/cases/{CID}/timeline":
            return httpx.Response(200, json={"case_id": CID, "items": []})
        if host == "referral" and path == "/v1/agencies":
            return httpx.Response(200, json={"items": [
                {"agency_id": "disdik-3402", "name": "Dinas Pendidikan Kabupaten Bantul",
                 "region_code": "3402", "active": True}]})
        if host == "intake" and path == f"/v1/complaints/{COMPLAINT}":
            return httpx.Response(200, json={"number": "SLRT-3402-2026-000001",
                                             "description": "Anak sekolah belum menerima KIP",
                                             "category": "education", "subcategory": "kip_pip",
                                             "complainant": {"name": "Sutrisno"}})
        return httpx.Response(404, json={"detail": f"no {path}"})


@pytest.fixture(scope="module")
def services() -> FakeServices:
    return FakeServices()




@pytest.fixture
def client_as(client: tuple[TestClient, DevSignIn],
              fake: FakeServices) -> Callable[..., TestClient]:
    app_client, issuer = client

    def sign_in(role: str, region: str, agency: str | None = None) -> TestClient:
        app_client.cookies.set(SESSION_COOKIE, issuer.token_for(role, region, agency,
                                                                f"dev-{role}"))
        return app_client
    return sign_in


def test_the_inbox_highlights_an_overdue_referral_by_class_badge_and_text(
        client_as: Callable[..., TestClient]) -> None:
    page = client_as("agency_officer", "3402", "disdik-3402").get("/agency")
    assert page.status_code == 200
    html = page.text
    overdue_row = html.split('data-referral="' + RID)[0].rsplit("<tr", 1)[1]
    assert 'class="overdue"' in overdue_row
    assert 'data-testid="overdue-badge">Terlambat</span>' in html
    assert "batas penerimaan terlewati" in html
    assert "08-12-2026 23:59 WIB" in html
    assert 'data-testid="overdue-summary"' in html and "1 rujukan terbuka" in html
    assert html.count('class="overdue"') == 1  # the other row is on time


def test_the_inbox_asks_for_the_chosen_filters(client_as: Callable[..., TestClient],
                                               fake: FakeServices) -> None:
    client_as("agency_officer", "3402", "disdik-3402").get(
        "/agency?status=returned&overdue=1&offset=25")
    asked = [r for r in fake.sent if r.url.path.endswith("/referrals")][0]
    assert asked.url.params.get_list("status") == ["returned"]
    assert asked.url.params["overdue"] == "true" and asked.url.params["offset"] == "25"


def test_a_coordinator_chooses_the_agency(client_as: Callable[..., TestClient]) -> None:
    client = client_as("back_office", "3402")
    first = client.get("/agency")
    assert 'data-testid="agency-choose-first"' in first.text
    assert "Dinas Pendidikan Kabupaten Bantul" in first.text
    chosen = client.get("/agency?agency=disdik-3402")
    assert 'data-testid="inbox"' in chosen.text
    assert 'data-testid="agency-choose-first"' in client.get("/agency?agency=dinsos-34").text


def test_an_answer_is_sent_with_the_version_shown(client_as: Callable[..., TestClient],
                                                  fake: FakeServices) -> None:
    client = client_as("agency_officer", "3402", "disdik-3402")
    page = client.get(f"/agency/referrals/{RID}")
    assert 'data-testid="action-accept"' in page.text
    assert 'data-testid="action-progress"' not in page.text
    assert "Anak sekolah belum menerima KIP" in page.text
    done = client.post(f"/agency/referrals/{RID}/accept",
                       data={"version": "1", "note": ""}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?done=accept")
    posted = [r for r in fake.sent if r.method == "POST"][0]
    assert posted.headers["If-Match"] == '"1"'
    assert json.loads(posted.content) == {"note": None}
    after = client.get(done.headers["location"])
    assert "Rujukan diterima." in after.text and 'data-testid="action-resolve"' in after.text


def test_a_stale_answer_shows_the_message_and_the_fresh_referral(
        client_as: Callable[..., TestClient], fake: FakeServices) -> None:
    fake.referral = referral(status="accepted", version=3,
                             allowed_actions=["progress", "resolve", "return"])
    fake.refuse_with = (412, {"detail": "referral is at version 3, the change expected "
                                        "version 1", "current_version": 3})
    page = client_as("agency_officer", "3402", "disdik-3402").post(
        f"/agency/referrals/{RID}/accept", data={"version": "1"})
    assert page.status_code == 412
    assert "sudah diubah orang lain" in page.text and "status: Diterima" in page.text
    assert 'data-testid="referral-version">3<' in page.text
    assert 'data-testid="action-accept"' not in page.text


def test_a_missing_reason_is_refused_before_calling_the_service(
        client_as: Callable[..., TestClient], fake: FakeServices) -> None:
    page = client_as("agency_officer", "3402", "disdik-3402").post(
        f"/agency/referrals/{RID}/reject", data={"version": "1", "note": " "})
    assert page.status_code == 422 and "Tuliskan alasan penolakan." in page.text
    assert 'aria-invalid="true"' in page.text
    assert not [r for r in fake.sent if r.method == "POST"]


def test_another_agencys_referral_and_a_bad_id_are_not_found(
        client_as: Callable[..., TestClient], fake: FakeServices) -> None:
    client = client_as("agency_officer", "3404", "disdik-3404")
    assert client.get("/agency/referrals/00000000-0000-0000-0000-000000000000"
                      ).status_code == 404
    assert client.get("/agency/referrals/not-a-uuid").status_code == 404
    assert client.post(f"/agency/referrals/{RID}/delete").status_code == 404


def test_roles_without_the_screen_get_403(client_as: Callable[..., TestClient]) -> None:
    assert client_as("puskesos_operator", "340205").get("/agency").status_code == 403
