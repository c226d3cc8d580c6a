"""The back-office screens' view logic (queue filters and pages, needs with their explanations,
which referral can be rerouted, the forms and the service's refusals) and its pages rendered by
the app against answering fakes of the services (httpx MockTransport)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from contracts import CaseOutcome, ReferralStatus, Sector, Urgency
from services.console.adapters.backends import BackendError
from services.console.adapters.identity import DevSignIn
from services.console.domain import back_office as bo
from services.console.domain.i18n import catalog, translator
from services.console.entrypoints.session import SESSION_COOKIE
from slrt.auth import Role

CASE = "18211ac2-dec6-4e10-9f35-c09b284b458a"
OTHER_CASE = "5b0e8e7e-5a43-4d4e-9d8a-0c6c1f7f2a11"
COMPLAINT = "72847074-9445-47b1-8e2e-42c69ed53b86"
HOUSEHOLD = "08e43798-d10f-5db6-ae74-de2ca61148af"
REJECTED = "278553dc-7d04-4e0d-954e-b32e85216d37"
OPEN = "11111111-1111-1111-1111-111111111111"


def referral(referral_id: str = REJECTED, **changes: Any) -> dict[str, Any]:
    base = {"referral_id": referral_id, "case_id": CASE, "agency_id": "disdik-3402",
            "need_codes": ["education.kip"], "status": "rejected", "version": 3,
            "created_at": "2026-12-04T09:31:03Z", "accepted_at": None,
            "ended_at": "2026-12-04T10:00:00Z", "accept_due_at": "2026-12-08T16:59:59Z",
            "resolve_due_at": "2026-12-28T16:59:59Z", "answer_due_at": None, "overdue": [],
            "time_zone": "Asia/Jakarta", "rerouted_from": None, "escalation_level": None}
    return {**base, **changes}


def case(**changes: Any) -> dict[str, Any]:
    base = {
        "case_id": CASE, "complaint_id": COMPLAINT, "complaint_number": "SLRT-3402-2026-000001",
        "village_code": "3402052001", "category": "education", "subcategory": "kip_pip",
        "urgency": "normal", "household_id": HOUSEHOLD, "status": "referred", "version": 4,
        "outcome": None, "informed_at": None, "merged_into": None,
        "opened_at": "2026-12-04T09:31:03Z", "closed_at": None,
        "needs": ["education.complaint", "education.kip"], "unrouted_needs": [],
        "routing_explanations": [
            "need education.complaint: rule routing-2026.2/education/*/3402 (regency); "
            "matched: disdik-3402 (Dinas Pendidikan Kabupaten Bantul)",
            "need education.kip: rule routing-2026.2/education/*/3402 (regency); "
            "matched: disdik-3402 (Dinas Pendidikan Kabupaten Bantul)"],
        "available_actions": ["add_referral", "reroute", "inform_complainant", "merge"],
        "attention": ["rejected", "outcome_pending"], "trace_id": None,
        "referrals": [referral()],
    }
    return {**base, **changes}


ASSESSMENT = {"complaint_id": COMPLAINT, "household_id": HOUSEHOLD, "needs": [
    {"code": "education.complaint", "sector": "education", "program": None,
     "rule_id": "R-COMPLAINT-ROUTE", "reason": "The complaint itself must be handled."},
    {"code": "education.kip", "sector": "education", "program": "KIP", "rule_id": "R-EDU-KIP",
     "reason": "Desil 2 household with 2 school-age children and no active KIP."}]}
PROFILE = {"household_id": HOUSEHOLD, "village_code": "3402052001", "head_name": "Sutrisno",
           "address": "Dusun Krajan RT 03/RW 01", "kk_number": "3402051003129001",
           "welfare_decile": 2, "registry_status": "active",
           "members": [{"name": "Sutrisno", "nik": "3402051508809001", "relation": "head",
                        "birth_date": "1980-08-15", "sex": "L"},
                       {"name": "Dimas Prasetyo", "nik": "3402050509139001",
                        "relation": "child", "birth_date": "2013-09-05", "sex": "L",
                        "school_enrolled": True}],
           "programs": [{"program": "KIP", "status": "ended"}], "needs": []}
AGENCIES = [{"agency_id": "disdik-3402", "name": "Dinas Pendidikan Kabupaten Bantul",
             "region_code": "3402", "active": True},
            {"agency_id": "dinsos-3402", "name": "Dinas Sosial Kabupaten Bantul",
             "region_code": "3402", "active": True},
            {"agency_id": "dinsos-34", "name": "Dinas Sosial DIY", "region_code": "34",
             "active": True},
            {"agency_id": "disdik-3404", "name": "Disdik Sleman", "region_code": "3404",
             "active": True},
            {"agency_id": "old-3402", "name": "Old", "region_code": "3402", "active": False}]


# --- the queue ------------------------------------------------------------------------------

def test_queue_filters_are_read_checked_and_kept_in_links() -> None:
    query = bo.QueueQuery.parse({"reason": "rejected", "category": "housing",
                                 "urgency": "urgent", "area": "34.02.05", "overdue": "1",
                                 "page": "3"})
    assert query.errors == {} and query.area == "340205" and query.overdue
    assert query.api_params() == {"reason": "rejected", "category": "housing",
                                  "urgency": "urgent", "area": "340205", "overdue": "true",
                                  "limit": bo.PAGE_SIZE, "offset": 2 * bo.PAGE_SIZE}
    assert query.url(1) == ("/back-office?reason=rejected&category=housing&urgency=urgent"
                            "&area=340205&overdue=1")
    bad = bo.QueueQuery.parse({"reason": "lost", "area": "34x", "page": "-2"})
    assert bad.errors == {"reason": "back_office.filter.invalid_choice",
                          "area": "back_office.filter.invalid_area"}
    assert (bad.reason, bad.area, bad.page, bad.filtered) == ("", "", 1, False)
    assert bo.QueueQuery.parse({}).api_params()["overdue"] is None


def test_the_pager_counts_pages_and_links_neighbours() -> None:
    query = bo.QueueQuery.parse({"reason": "unrouted", "page": "2"})
    pager = bo.pager(query, total=45, shown=20)
    assert (pager.pages, pager.first, pager.last) == (3, 21, 40)
    assert pager.prev_url == "/back-office?reason=unrouted"
    assert pager.next_url == "/back-office?reason=unrouted&page=3"
    empty = bo.pager(bo.QueueQuery.parse({}), total=0, shown=0)
    assert (empty.pages, empty.first, empty.prev_url, empty.next_url) == (1, 0, None, None)


def test_a_queue_row_is_overdue_when_one_of_its_referrals_is() -> None:
    item = {"case_id": CASE, "complaint_number": "N", "village_code": "3402052001",
            "category": "education", "urgency": "normal", "status": "referred",
            "attention": ["returned"], "referrals": [
                {"agency_id": "dinsos-3402", "status": "returned", "overdue": ["answer"]}]}
    assert bo.queue_row(item)["overdue"] is True
    item["referrals"][0]["overdue"] = []
    assert bo.queue_row(item)["overdue"] is False


# --- the case page --------------------------------------------------------------------------

def test_each_need_carries_its_rule_explanation_and_its_routing() -> None:
    rows = bo.need_rows(case(unrouted_needs=["education.kip"]), ASSESSMENT)
    assert [(r.code, r.rule_id, r.unrouted) for r in rows] == [
        ("education.complaint", "R-COMPLAINT-ROUTE", False), ("education.kip", "R-EDU-KIP", True)]
    assert rows[1].reason.startswith("Desil 2") and rows[1].program == "KIP"
    assert rows[1].routing is not None and rows[1].routing.startswith("rule routing-2026.2")
    unassessed = bo.need_rows(case(), None)
    assert [(r.code, r.reason) for r in unassessed] == [("education.complaint", None),
                                                        ("education.kip", None)]


def test_rerouting_is_offered_for_open_and_for_rejected_not_yet_rerouted_referrals() -> None:
    replacement = referral("22222222-2222-2222-2222-222222222222", agency_id="dinsos-3402",
                           status="created", rerouted_from=REJECTED, ended_at=None)
    rows = bo.referral_rows(case(referrals=[referral(), replacement,
                                            referral(OPEN, status="delivered", ended_at=None,
                                                     overdue=["accept"]),
                                            referral("33333333-3333-3333-3333-333333333333",
                                                     status="resolved")]))
    assert [(r.reroutable, r.rerouted_to, r.ended, r.overdue) for r in rows] == [
        (False, "22222222-2222-2222-2222-222222222222", True, ()),
        (True, None, False, ()), (True, None, False, ("accept",)), (False, None, True, ())]
    assert bo.referral_rows(case(referrals=[referral()]))[0].reroutable
    closed = case(status="closed", referrals=[referral(OPEN, status="delivered")])
    assert not bo.referral_rows(closed)[0].reroutable


def test_agency_choices_cover_the_village_and_leave_out_the_current_one() -> None:
    found = bo.agency_choices(AGENCIES, "3402052001", exclude="disdik-3402")
    assert [a["agency_id"] for a in found] == ["dinsos-3402", "dinsos-34"]


def test_case_actions_are_shown_when_the_case_allows_them_and_the_role_may_act() -> None:
    allowed = case(available_actions=["reroute", "merge", "inform_complainant"])
    assert bo.case_forms(allowed, Role.BACK_OFFICE) == ["inform_complainant", "merge"]
    assert bo.case_forms(allowed, Role.MANAGER) == ["inform_complainant", "merge"]
    assert bo.case_forms(allowed, Role.NATIONAL_ADMIN) == []
    assert bo.case_forms(case(status="closed", available_actions=["reopen"]),
                         Role.BACK_OFFICE) == ["reopen"]


def test_the_household_shows_people_with_identity_numbers_masked() -> None:
    view = bo.household_view(PROFILE, dt.date(2026, 12, 4))
    assert view["kk"] == "3402••••••••9001"
    assert [(m["name"], m["age"], m["nik"], m["flags"]) for m in view["members"]] == [
        ("Sutrisno", 46, "3402••••••••9001", []),
        ("Dimas Prasetyo", 13, "3402••••••••9001", ["school_enrolled"])]
    assert bo.age("not a date", dt.date(2026, 1, 1)) is None and bo.mask(None) == ""


def test_times_read_in_the_districts_zone() -> None:
    assert bo.local_time("2026-12-08T16:59:59Z") == "08-12-2026 23:59 WIB"
    assert bo.local_time("2026-12-08T16:59:59Z", "Asia/Makassar") == "09-12-2026 00:59 WITA"
    assert bo.local_time(None) == "" and bo.local_time("yesterday") == "yesterday"


def test_timeline_rows_name_the_agency_of_their_referral() -> None:
    rows = bo.timeline_rows([{"kind": "status_changed", "referral_id": REJECTED, "detail": {}},
                             {"kind": "opened", "referral_id": None, "detail": None}],
                            [referral()])
    assert [r["agency_id"] for r in rows] == ["disdik-3402", None]


# --- the forms ------------------------------------------------------------------------------

def test_forms_are_checked_before_the_service_is_asked() -> None:
    puskesos = bo.parse_action("handle_at_puskesos", {"note": "  ", "version": "4"})
    assert puskesos.errors == {"note": "back_office.form.note_required"}
    assert puskesos.values["version"] == 4
    assert bo.parse_action("close", {"version": "x"}).values["version"] is None
    reroute = bo.parse_action("reroute", {"referral_id": "nope", "agency_id": ""})
    assert set(reroute.errors) == {"referral_id", "agency_id"}
    long = bo.parse_action("close", {"note": "x" * 2001})
    assert long.errors == {"note": "back_office.form.note_too_long"}
    refer = bo.parse_action("add_referral", {"agency_id": "dinsos-3402",
                                             "need_codes": ["education.kip"]})
    assert refer.errors == {} and refer.values["need_codes"] == ["education.kip"]
    assert bo.parse_action("merge", {"target": "case 7"}).errors == {
        "target": "back_office.form.target_invalid"}


def test_a_merge_target_is_a_case_id_or_a_complaint_number() -> None:
    assert bo.merge_target(f" {OTHER_CASE} ") == ("case_id", OTHER_CASE)
    assert bo.merge_target("slrt-3402-2026-000007") == ("complaint_number",
                                                         "SLRT-3402-2026-000007")
    assert bo.merge_target("SLRT-3402-26-7") is None


def test_each_action_goes_to_its_referral_api_call() -> None:
    assert bo.request_for("reroute", CASE, {"referral_id": REJECTED, "agency_id": "dinsos-3402",
                                            "note": ""}) == (
        f"/v1/referrals/{REJECTED}/reroute", {"agency_id": "dinsos-3402", "note": None})
    assert bo.request_for("handle_at_puskesos", CASE, {"note": "sudah"}) == (
        f"/v1/cases/{CASE}/handle-at-puskesos", {"note": "sudah"})
    assert bo.request_for("inform_complainant", CASE, {"note": "x"})[0].endswith("/inform")
    assert bo.request_for("add_referral", CASE, {"agency_id": "a", "need_codes": [],
                                                 "note": None}) == (
        f"/v1/cases/{CASE}/referrals", {"agency_id": "a", "need_codes": None, "note": None})
    assert bo.request_for("merge", CASE, {"into_case_id": OTHER_CASE, "note": "sama"})[1] == {
        "into_case_id": OTHER_CASE, "note": "sama"}


def test_a_refusal_keeps_the_services_words_and_its_fields() -> None:
    stale = bo.refusal(BackendError("referral", 412, "referral x is at version 4, not 3"))
    assert stale.lead_key == "back_office.refused.stale" and "version 4" in stale.message
    issues = [{"loc": ["body", "into_case_id"], "msg": "Input should be a valid UUID"},
              {"loc": ["body"], "msg": "bad body"}]
    invalid = bo.refusal(BackendError("referral", 422, "x", issues))
    assert invalid.fields == {"target": "Input should be a valid UUID"}
    assert bo.refusal(BackendError("referral", 418, "?")).lead_key == "back_office.refused.other"


def test_labels_come_from_the_catalog_for_every_known_code() -> None:
    words = catalog()
    families = {
        "sector": [s.value for s in Sector], "urgency": [u.value for u in Urgency],
        "reason": list(bo.REASONS), "outcome": [o.value for o in CaseOutcome],
        "status": [s.value for s in ReferralStatus] + ["open", "referred", "closed", "merged"],
        "kind": ["opened", "referral_added", "rerouted", "complainant_informed", "closed",
                 "handled_at_puskesos", "merged", "reopened", "withdrawn", "status_changed",
                 "escalated"],
        "overdue": ["accept", "resolve", "answer"], "done": list(bo.ACTIONS),
        "action": list(bo.CASE_FORMS), "action_help": list(bo.CASE_FORMS),
        "relation": ["head", "spouse", "child", "child_in_law", "grandchild", "parent",
                     "parent_in_law", "sibling", "other"],
        "program": ["active", "suspended", "ended"],
        "member": ["school_enrolled", "disability", "chronic_illness", "pregnant",
                   "deceased"]}
    missing = [f"back_office.{family}.{code}" for family, codes in families.items()
               for code in codes if f"back_office.{family}.{code}" not in words]
    assert not missing
    label = bo.labeler(translator("en"))
    assert label("sector", "housing") == "Housing" and label("sector", "space") == "space"
    assert label("status", None) == ""


# --- pages against fake services ------------------------------------------------------------

class FakeServices:
    """Answers the console's calls like the services do; records what was sent."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.case = case()
        self.sent: list[httpx.Request] = []
        self.refuse_with: tuple[int, Any] | None = None
        self.queue_items: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        path, host = request.url.path, request.url.host
        if request.method == "POST":
            if self.refuse_with is not None:
                status, detail = self.refuse_with
                return httpx.Response(status, json={"detail": detail})
            return httpx.Response(200, json=self.case)
        if host == "referral" and path == "/v1/back-office/queue":
            return httpx.Response(200, json={"items": self.queue_items,
                                             "total": len(self.queue_items)})
        if host == "referral" and path == f"/v1/cases/{CASE}":
            return httpx.Response(200, json=self.case)
        if host == "referral" and path == f"/v1/cases/{CASE}/timeline":
            return httpx.Response(200, json={"case_id": CASE, "items": [
                {"kind": "status_changed", "referral_id": REJECTED, "from_status": "delivered",
                 "to_status": "rejected", "at": "2026-12-04T10:00:00Z",
                 "by": "dev-disdik-bantul", "role": "agency_officer",
                 "note": "bukan kewenangan kami", "detail": {}}]})
        if host == "referral" and path == "/v1/cases":
            number = request.url.params.get("complaint_number")
            found = [{"case_id": OTHER_CASE}] if number == "SLRT-3402-2026-000009" else []
            return httpx.Response(200, json={"items": found})
        if host == "referral" and path == "/v1/agencies":
            return httpx.Response(200, json={"items": AGENCIES})
        if host == "registry" and path == f"/v1/assessments/{COMPLAINT}":
            return httpx.Response(200, json=ASSESSMENT)
        if host == "registry" and path == f"/v1/households/{HOUSEHOLD}":
            return httpx.Response(200, json=PROFILE)
        return httpx.Response(404, json={"detail": f"no {path}"})


@pytest.fixture(scope="module")
def services() -> FakeServices:
    return FakeServices()




@pytest.fixture
def client_as(client: tuple[TestClient, DevSignIn],
              fake: FakeServices) -> Callable[..., TestClient]:
    app_client, issuer = client

    def sign_in(role: str, region: str = "3402", agency: str | None = None) -> TestClient:
        app_client.cookies.set(SESSION_COOKIE, issuer.token_for(role, region, agency,
                                                                f"dev-{role}"))
        return app_client
    return sign_in


def _posts(fake: FakeServices) -> list[httpx.Request]:
    return [r for r in fake.sent if r.method == "POST"]


def test_the_queue_asks_for_the_filters_and_marks_overdue_cases(
        client_as: Callable[..., TestClient], fake: FakeServices) -> None:
    fake.queue_items = [{"case_id": CASE, "complaint_number": "SLRT-3402-2026-000001",
                         "village_code": "3402052001", "category": "housing",
                         "urgency": "urgent", "status": "referred", "attention": ["returned"],
                         "opened_at": "2026-12-04T09:31:03Z", "overdue": True,
                         "referrals": [{"agency_id": "perkim-3402", "status": "returned",
                                        "overdue": ["answer"]}]}]
    page = client_as("back_office").get("/back-office?category=housing&overdue=1&area=3402x")
    assert page.status_code == 200
    asked = [r for r in fake.sent if r.url.path == "/v1/back-office/queue"][0]
    assert dict(asked.url.params) == {"category": "housing", "overdue": "true",
                                      "limit": str(bo.PAGE_SIZE), "offset": "0"}
    assert 'class="overdue"' in page.text and "Lewat tenggat" in page.text
    assert "Masukkan 2 sampai 10 angka" in page.text  # the bad area is named, not sent
    assert f'href="/cases/{CASE}"' in page.text and "Diminta info" in page.text


def test_agency_officers_and_operators_cannot_open_the_back_office(
        client_as: Callable[..., TestClient]) -> None:
    assert client_as("agency_officer", "3402", "disdik-3402").get(
        "/back-office").status_code == 403
    assert client_as("operator", "").get(f"/cases/{CASE}").status_code == 403


def test_the_case_page_shows_household_needs_referrals_timeline_and_allowed_tools(
        client_as: Callable[..., TestClient]) -> None:
    html = client_as("back_office").get(f"/cases/{CASE}").text
    assert "Sutrisno" in html and "3402051508809001" not in html and "3402••••••••9001" in html
    assert "R-EDU-KIP" in html and "Desil 2 household" in html and "matched: disdik-3402" in html
    assert f'data-referral-id="{REJECTED}"' in html
    assert 'data-testid="reroute-disdik-3402"' in html
    assert 'value="dinsos-3402"' in html and 'value="disdik-3404"' not in html
    assert 'data-testid="form-inform_complainant"' in html
    assert 'data-testid="form-close"' not in html and 'data-testid="form-reopen"' not in html
    assert "bukan kewenangan kami" in html


def test_a_national_admin_reads_the_case_without_tools(
        client_as: Callable[..., TestClient], fake: FakeServices) -> None:
    html = client_as("national_admin", "").get(f"/cases/{CASE}").text
    assert 'data-testid="actions"' not in html and "reroute-disdik-3402" not in html
    assert not [r for r in fake.sent if r.url.path == "/v1/agencies"]
    refused = client_as("national_admin", "").post(f"/cases/{CASE}/close", data={})
    assert refused.status_code == 403 and not _posts(fake)


def test_a_reroute_is_sent_with_the_referrals_version(
        client_as: Callable[..., TestClient], fake: FakeServices) -> None:
    done = client_as("back_office").post(
        f"/cases/{CASE}/reroute", follow_redirects=False,
        data={"referral_id": REJECTED, "version": "3", "agency_id": "dinsos-3402",
              "note": "lewat Dinas Sosial"})
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{CASE}?done=reroute"
    (posted,) = _posts(fake)
    assert posted.url.path == f"/v1/referrals/{REJECTED}/reroute"
    assert posted.headers["If-Match"] == '"3"'
    assert json.loads(posted.content) == {"agency_id": "dinsos-3402",
                                          "note": "lewat Dinas Sosial"}
    assert "Rujukan dialihkan." in client_as("back_office").get(done.headers["location"]).text


def test_a_stale_version_shows_the_services_message_over_the_case_as_it_is_now(
        client_as: Callable[..., TestClient], fake: FakeServices) -> None:
    fake.refuse_with = (412, "referral 278553dc is at version 4, the change expected 3")
    page = client_as("back_office").post(
        f"/cases/{CASE}/reroute", data={"referral_id": REJECTED, "version": "3",
                                        "agency_id": "dinsos-3402", "note": "x"})
    assert page.status_code == 412
    assert "sudah diubah orang lain" in page.text and "is at version 4" in page.text
    assert 'role="alert"' in page.text and f'data-referral-id="{REJECTED}"' in page.text


def test_a_refused_action_names_the_field_the_service_refused(
        client_as: Callable[..., TestClient], fake: FakeServices) -> None:
    fake.refuse_with = (409, "case is referred: allowed add_referral, merge; referrals still "
                             "open")
    page = client_as("back_office").post(f"/cases/{CASE}/inform_complainant",
                                         data={"version": "4", "note": "ditelepon"})
    assert page.status_code == 409 and "tidak dapat dilakukan sekarang" in page.text
    assert "referrals still open" in page.text and "ditelepon" in page.text  # kept
    fake.refuse_with = (422, [{"loc": ["body", "note"], "msg": "String should have at most "
                                                              "2000 characters"}])
    page = client_as("back_office").post(f"/cases/{CASE}/inform_complainant",
                                         data={"version": "4", "note": "ok"})
    assert page.status_code == 422 and 'aria-invalid="true"' in page.text
    assert "inform_complainant-case-note-msg" in page.text and "at most 2000" in page.text


def test_a_missing_note_is_refused_without_calling_the_service(
        client_as: Callable[..., TestClient], fake: FakeServices) -> None:
    fake.case = case(status="open", referrals=[], available_actions=[
        "add_referral", "handle_at_puskesos", "merge"])
    page = client_as("back_office").post(f"/cases/{CASE}/handle_at_puskesos",
                                         data={"version": "4", "note": ""})
    assert page.status_code == 422 and "Catatan wajib diisi" in page.text
    assert not _posts(fake)


def test_a_merge_by_complaint_number_goes_into_that_complaints_case(
        client_as: Callable[..., TestClient], fake: FakeServices) -> None:
    client = client_as("manager")
    done = client.post(f"/cases/{CASE}/merge", follow_redirects=False,
                       data={"version": "4", "target": "slrt-3402-2026-000009", "note": "sama"})
    assert done.status_code == 303
    (posted,) = _posts(fake)
    assert json.loads(posted.content) == {"into_case_id": OTHER_CASE, "note": "sama"}
    assert posted.headers["If-Match"] == '"4"'
    unknown = client.post(f"/cases/{CASE}/merge",
                          data={"version": "4", "target": "SLRT-3402-2026-000404"})
    assert unknown.status_code == 422 and "Tidak ada kasus dengan nomor" in unknown.text
    assert len(_posts(fake)) == 1


def test_an_unknown_action_or_case_id_is_not_found(
        client_as: Callable[..., TestClient]) -> None:
    client = client_as("back_office")
    assert client.post(f"/cases/{CASE}/explode", data={}).status_code == 404
    assert client.get("/cases/not-a-uuid").status_code == 404
