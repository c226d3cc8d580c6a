"""The front office screens' view logic (the complaint form as intake's body, intake's issues
per field, villages and taxonomy, search, list filters, timeline, follow-ups) and the pages
rendered by the app against answering fakes of the services (httpx MockTransport)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from services.console.adapters.identity import DevSignIn
from services.console.domain import front_office as view
from services.console.domain import front_office_form as form
from services.console.domain.i18n import translator
from services.console.domain.paging import Pager
from services.console.entrypoints.session import SESSION_COOKIE

CID = "7b1c2afc-0d7b-4990-b7e9-54a03ed64c8f"
DUP = "8e3b556d-17e9-46f3-adef-e728e2591489"
HID = "08e43798-d10f-5db6-ae74-de2ca61148af"
ID_, EN = translator("id"), translator("en")

FILLED = {"channel": "puskesos", "village_code": "3402052001", "category": "education",
          "subcategory": "kip_pip", "kind": "complaint", "urgency": "normal",
          "description": "  Anak sekolah belum menerima KIP  ", "complainant.name": "Sutrisno",
          "complainant.nik": "3402051508809001", "complainant.kk_number": "",
          "complainant.phone": "", "complainant.address": "", "complainant.relation": "head",
          "desk_resolution": "", "consent_given": "on", "idempotency_key": "x"}


# --- the form ------------------------------------------------------------------------------

def test_the_form_becomes_intakes_body() -> None:
    body = form.complaint_body(FILLED)
    assert body == {"channel": "puskesos", "village_code": "3402052001",
                    "category": "education", "subcategory": "kip_pip", "kind": "complaint",
                    "urgency": "normal", "description": "Anak sekolah belum menerima KIP",
                    "consent_given": True,
                    "complainant": {"name": "Sutrisno", "nik": "3402051508809001",
                                    "relation": "head", "has_no_nik": False}}
    empty = form.complaint_body({})
    assert empty == {"consent_given": False, "complainant": {"has_no_nik": False}}


def test_a_nik_or_the_explicit_tick_is_asked_for() -> None:
    assert form.form_issues(FILLED) == []
    assert form.form_issues({**FILLED, "complainant.nik": "",
                             "complainant.has_no_nik": "on"}) == []
    [issue] = form.form_issues({**FILLED, "complainant.nik": " "})
    assert issue["loc"] == ["body", "complainant", "nik"]
    assert "Pelapor tidak punya NIK" in form.issue_text(ID_, "id", issue)
    assert "has no NIK" in form.issue_text(EN, "en", issue)


def test_issues_land_on_their_fields_in_the_users_language() -> None:
    errors = [{"loc": ["body", "complainant", "nik"], "type": "nik.birth_date",
               "msg": "Tanggal lahir di NIK tidak valid."},
              {"loc": ["body", "description"], "type": "missing", "msg": "Field required"},
              {"loc": ["body", "village_code"], "type": "scope.region",
               "msg": "Desa 3401012001 di luar wilayah tugas Anda (340205)."},
              {"loc": ["body", "client_ref"], "type": "idempotency.conflict", "msg": "Kunci"}]
    warnings = [{"loc": ["body", "complainant", "nik"], "type": "nik.region_mismatch",
                 "msg": "Kecamatan pada NIK berbeda."}]
    said = form.feedback(ID_, "id", errors, warnings)
    # Intake's own Indonesian words are kept as they are (they may name the village).
    assert said.errors["complainant.nik"] == "Tanggal lahir di NIK tidak valid."
    assert said.errors["village_code"].startswith("Desa 3401012001")
    assert said.errors["description"] == "Wajib diisi."  # the schema's English, in Indonesian
    assert said.warnings["complainant.nik"] == "Kecamatan pada NIK berbeda."
    assert said.general == ["client_ref: Kunci"]
    assert [name for name, _ in said.summary] == ["village_code", "description",
                                                  "complainant.nik"]
    english = form.feedback(EN, "en", errors, warnings)
    assert english.errors["complainant.nik"] == "The birth date in the NIK is impossible."
    assert english.errors["description"] == "Required."
    assert english.warnings["complainant.nik"].startswith("The NIK was issued in another")
    unknown = {"loc": ["body", "kind"], "type": "new.rule", "msg": "Aturan baru."}
    assert form.feedback(EN, "en", [unknown]).errors["kind"] == "Aturan baru."


def test_while_typing_a_blank_field_is_not_yet_an_error() -> None:
    errors = [{"loc": ["body", "channel"], "type": "missing", "msg": "Field required"},
              {"loc": ["body", "complainant", "name"], "type": "name.required", "msg": "Nama"},
              {"loc": ["body", "consent_given"], "type": "consent.required", "msg": "Setuju"},
              {"loc": ["body", "complainant", "nik"], "type": form.NIK_OR_FLAG, "msg": ""},
              {"loc": ["body", "description"], "type": "description.too_short",
               "msg": "Uraian keluhan minimal 10 karakter."}]
    typed = {"description": "pendek"}
    said = form.feedback(ID_, "id", errors, form=typed)
    assert said.errors == {"description": "Uraian keluhan minimal 10 karakter."}
    assert set(form.feedback(ID_, "id", errors).errors) == {
        "channel", "description", "complainant.name", "consent_given", "complainant.nik"}


def test_villages_of_a_district_a_regency_and_none_for_a_province() -> None:
    [bambanglipuro] = form.villages_of("340205")
    assert bambanglipuro.label == "Bambanglipuro"
    assert form.Option("3402052001", "Sidomulyo") in bambanglipuro.options
    bantul = form.villages_of("3402")
    assert bantul is not None and len(bantul) == 17
    assert sum(len(g.options) for g in bantul) == 75
    assert form.villages_of("34") is None and form.villages_of("") is None
    assert form.villages_of("3402052001") == (form.Group(
        "Bambanglipuro", (form.Option("3402052001", "Sidomulyo"),), "340205"),)
    assert len(form.districts_of("3402")) == 17
    assert form.districts_of("340205") == (form.Option("340205", "Bambanglipuro"),)
    assert form.districts_of("") == ()
    assert form.place("3402052001") == "Sidomulyo, Bambanglipuro"
    assert form.place("9999999999") == "9999999999"


TAXONOMY = [{"code": "education", "label": {"id": "Pendidikan", "en": "Education"},
             "subcategories": [{"code": "kip_pip", "label": {"id": "Belum menerima KIP/PIP",
                                                             "en": "KIP/PIP not received"}}]},
            {"code": "other", "label": {"id": "Lainnya", "en": "Other"},
             "subcategories": [{"code": "lainnya", "label": {"id": "Lainnya", "en": "Other"}}]}]


def test_the_taxonomy_in_one_language() -> None:
    english = form.taxonomy(TAXONOMY, "en")
    assert [o.label for o in english.categories] == ["Education", "Other"]
    assert english.subcategory("education", "kip_pip") == "KIP/PIP not received"
    assert english.subcategory("health", "pbi_jk") == "pbi_jk"  # unknown: the code
    assert form.taxonomy(TAXONOMY, "id").category("education") == "Pendidikan"


def test_a_household_prefills_the_form() -> None:
    household = {"village_code": "3402052001", "kk_number": "3402051003129001",
                 "address": "Dusun Krajan", "members": [
                     {"member_id": "a", "name": "Sutrisno", "nik": "3402051508809001",
                      "relation": "head"},
                     {"member_id": "b", "name": "Mbah Sri", "nik": None, "no_nik": True,
                      "relation": "parent_in_law"}]}
    head = form.prefill(household)
    assert head["complainant.name"] == "Sutrisno" and head["complainant.relation"] == "head"
    assert head["complainant.kk_number"] == "3402051003129001"
    grandma = form.prefill(household, "b")
    assert grandma["complainant.nik"] == "" and grandma["complainant.has_no_nik"] == "on"
    assert grandma["complainant.relation"] == "other_member"
    assert form.prefill(None) == {}
    assert form.default_channel("puskesos_operator") == "puskesos"
    assert form.default_channel("front_office") == "front_office"


# --- search, list, complaint ----------------------------------------------------------------

def test_the_search_form() -> None:
    found, problem = view.search_from_form("nik", "3402 0515 0880 9001", "")
    assert problem is None and found is not None
    assert found.params == {"nik": "3402051508809001"}
    assert view.search_from_form("kk", "3402", "")[1] == "front_office.search.bad_kk"
    assert view.search_from_form("name", " ", "")[1] == "front_office.search.empty"
    assert view.search_from_form("name", "S", "")[1] == "front_office.search.too_short"
    assert view.search_from_form("name", "Sutrisno", "34.02")[0] == view.Search(
        "name", "Sutrisno", "3402")
    assert view.search_from_form("name", "Sutrisno", "Bantul")[1] == (
        "front_office.search.bad_region")
    assert view.search_from_form("shoe size", "Sutrisno", "")[0] == view.Search(
        "name", "Sutrisno", "")


def test_list_filters_and_intakes_query() -> None:
    f = view.list_filters({"status": "referred", "village": "3402.05.2001", "district": "12",
                           "category": "education", "urgency": "loud",
                           "date_from": "2026-12-01", "date_to": "2026-12-04",
                           "overdue": "1", "sort": "drop table", "offset": "-5"})
    assert (f.status, f.village, f.district, f.urgency, f.sort, f.offset) == (
        "referred", "3402052001", "", "", view.DEFAULT_SORT, 0)
    assert f.problems == ("front_office.list.bad_district",)
    params = view.list_params(f, "3402")
    assert params["registered_from"] == "2026-12-01T00:00:00+07:00"
    assert params["registered_to"] == "2026-12-05T00:00:00+07:00"  # the "to" day included
    assert params["overdue"] == "true" and params["limit"] == view.PAGE_SIZE
    makassar = view.list_params(view.list_filters({"date_from": "2026-12-01"}), "7371")
    assert makassar["registered_from"] == "2026-12-01T00:00:00+08:00"
    url = f.url(offset=25)
    assert parse_qs(urlsplit(url).query) == {
        "status": ["referred"], "village": ["3402052001"], "category": ["education"],
        "date_from": ["2026-12-01"], "date_to": ["2026-12-04"], "overdue": ["1"],
        "offset": ["25"]}
    assert view.list_filters({"date_from": "4 Dec"}).problems == ("front_office.list.bad_date",)
    assert view.ListFilters().url() == "/complaints"


def test_pager() -> None:
    pager = Pager(25, 25, 60)
    assert (pager.previous, pager.next, pager.first, pager.last) == (0, 50, 26, 50)
    assert Pager(50, 25, 60).next is None and Pager(0, 25, 0).first == 0


def test_referrals_are_marked_late_as_intake_marks_them() -> None:
    now = dt.datetime(2026, 12, 10, tzinfo=dt.UTC)
    rows = view.referral_rows([
        {"status": "delivered", "accept_due_at": "2026-12-08T16:59:59Z",
         "resolve_due_at": "2026-12-28T16:59:59Z"},
        {"status": "accepted", "accept_due_at": "2026-12-08T16:59:59Z",
         "resolve_due_at": "2026-12-28T16:59:59Z"},
        {"status": "in_progress", "accept_due_at": None, "resolve_due_at": "2026-12-09T00:00Z"},
        {"status": "resolved", "accept_due_at": None, "resolve_due_at": "2026-12-09T00:00Z"},
    ], "3402052001", now)
    assert [r["overdue"] for r in rows] == [True, False, True, False]
    assert rows[0]["accept_due"] == "08-12-2026 23:59 WIB"


def test_the_timeline_in_words() -> None:
    items = [{"at": "2026-12-04T09:39:58Z", "kind": "referred",
              "detail": {"agency_id": "disdik-3402", "referral_id": "r",
                         "needs": ["education.kip"],
                         "accept_due_at": "2026-12-08T16:59:59+00:00"}},
             {"at": "2026-12-04T09:39:52Z", "kind": "registered",
              "detail": {"by": "dev", "channel": "puskesos", "possible_duplicate_of": []}},
             {"at": "2026-12-04T10:00:00Z", "kind": "something_new", "detail": None}]
    registered, referred, new = view.timeline_entries(EN, items, "3402052001")
    assert registered["label"] == "Registered" and registered["when"] == "04-12-2026 16:39 WIB"
    assert registered["facts"] == [("Channel", "Puskesos"), ("By", "dev")]
    assert ("Accept by", "08-12-2026 23:59 WIB") in referred["facts"]
    assert ("Needs", "education.kip") in referred["facts"]
    assert new["label"] == "something_new" and new["facts"] == []


def test_follow_ups_offered_by_status() -> None:
    assert view.follow_ups({"status": "referred"}) == view.FollowUps(True, True, False)
    assert view.follow_ups({"status": "resolved"}) == view.FollowUps(False, False, True)
    assert view.follow_ups({"status": "closed", "satisfaction_score": 4}) == view.FollowUps(
        False, False, False)
    assert view.follow_up_body("satisfaction", {"score": "4", "comment": " "}) == {
        "score": 4, "comment": None}
    assert view.follow_up_body("satisfaction", {})["score"] is None
    assert view.follow_up_body("withdraw", {"reason": " pindah "}) == {"reason": "pindah"}
    assert view.follow_up_body("information", {"note": ""}) == {"note": None}


def test_time_zones_by_province() -> None:
    assert view.local_time("2026-12-08T16:59:59Z", "3402") == "08-12-2026 23:59 WIB"
    assert view.local_time("2026-12-08T16:59:59Z", "5171") == "09-12-2026 00:59 WITA"
    assert view.local_time("2026-12-08T16:59:59Z", "9171") == "09-12-2026 01:59 WIT"
    assert view.local_time(None, "3402") == "" and view.local_time("soon", "3402") == ""


# --- pages against fake services -----------------------------------------------------------

def complaint(**changes: Any) -> dict[str, Any]:
    base = {"id": CID, "number": "SLRT-3402-2026-000001", "status": "referred",
            "kind": "complaint", "channel": "puskesos", "village_code": "3402052001",
            "category": "education", "subcategory": "kip_pip", "urgency": "normal",
            "description": "Anak sekolah belum menerima KIP", "household_id": HID,
            "registered_at": "2026-12-04T09:39:52Z", "updated_at": "2026-12-04T09:39:58Z",
            "possible_duplicate_of": [], "satisfaction_score": None,
            "complainant": {"name": "Sutrisno", "nik": "3402051508809001", "has_no_nik": False,
                            "kk_number": None, "phone": None, "address": None,
                            "relation": None},
            "referrals": [], "timeline": []}
    return {**base, **changes}


class FakeServices:
    """Answers the console's calls like intake and the registry do; records what was sent."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.sent: list[httpx.Request] = []
        self.create: tuple[int, Any] = (201, {"id": CID, "number": "SLRT-3402-2026-000001",
                                              "status": "registered", "possible_duplicate_of": [],
                                              "warnings": [{"loc": ["body", "complainant", "nik"],
                                                            "type": "nik.region_mismatch",
                                                            "msg": "Kecamatan berbeda."}]})
        self.check: dict[str, Any] = {"errors": [], "warnings": []}
        self.complaint = complaint()
        self.follow_up: tuple[int, Any] = (202, {"ok": True})

    def body(self, request: httpx.Request) -> Any:
        return json.loads(request.content) if request.content else None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        path, host, method = request.url.path, request.url.host, request.method
        if host == "intake" and path == "/v1/categories":
            return httpx.Response(200, json={"items": TAXONOMY})
        if host == "intake" and path == "/v1/complaints:validate":
            return httpx.Response(200, json=self.check)
        if host == "intake" and path == "/v1/complaints" and method == "POST":
            return httpx.Response(self.create[0], json=self.create[1])
        if host == "intake" and path == "/v1/complaints":
            return httpx.Response(200, json={"total": 1, "limit": 25, "offset": 0, "items": [
                {k: self.complaint[k] for k in ("id", "number", "status", "kind", "channel",
                                                "village_code", "category", "subcategory",
                                                "urgency", "registered_at", "updated_at",
                                                "possible_duplicate_of")}
                | {"complainant_name": "Sutrisno"}]})
        if host == "intake" and path == f"/v1/complaints/{CID}":
            return httpx.Response(200, json=self.complaint)
        if host == "intake" and path == f"/v1/complaints/{DUP}":
            return httpx.Response(200, json=complaint(id=DUP, number="SLRT-3402-2026-000002"))
        if host == "intake" and path == f"/v1/complaints/{CID}/receipt.pdf":
            return httpx.Response(200, content=b"%PDF-1.4 fake", headers={
                "content-type": "application/pdf",
                "content-disposition": 'inline; filename="SLRT-3402-2026-000001.pdf"'})
        if host == "intake" and path.startswith(f"/v1/complaints/{CID}/"):
            return httpx.Response(self.follow_up[0], json=self.follow_up[1])
        if host == "registry" and path == "/v1/households/search":
            return httpx.Response(200, json={"method": "nik", "count": 1, "results": [
                {"household_id": HID, "village_code": "3402052001", "address": "Dusun Krajan",
                 "kk_number": "3402051003129001", "welfare_decile": 2, "head_name": "Sutrisno",
                 "members": 4, "registry_status": "active", "version": 1}]})
        if host == "registry" and path == f"/v1/households/{HID}":
            return httpx.Response(200, json={
                "household_id": HID, "village_code": "3402052001", "address": "Dusun Krajan",
                "kk_number": "3402051003129001", "welfare_decile": 2, "head_name": "Sutrisno",
                "registry_status": "active", "version": 1, "source": "demo",
                "housing": {"floor": "earth", "wall": None, "roof": None, "water_source": None,
                            "sanitation": None, "electricity": "pln_450"},
                "members": [{"member_id": "m1", "nik": "3402051508809001", "name": "Sutrisno",
                             "sex": "L", "birth_date": "1980-08-15", "relation": "head",
                             "school_enrolled": False, "no_nik": False}],
                "programs": [{"program": "PKH", "status": "active", "since": None,
                              "until": None}],
                "needs": [], "rules_version": "needs-2026.1"})
        return httpx.Response(404, json={"detail": f"no {path}"})


FOLLOW_REDIRECTS = False  # the pages' redirects are checked themselves


@pytest.fixture(scope="module")
def services() -> FakeServices:
    return FakeServices()




@pytest.fixture
def desk(client: tuple[TestClient, DevSignIn], fake: FakeServices) -> TestClient:
    app_client, issuer = client
    app_client.cookies.set(SESSION_COOKIE,
                           issuer.token_for("puskesos_operator", "340205", None, "tester"))
    return app_client


def test_a_nik_search_posts_and_lists_the_household(desk: TestClient,
                                                    fake: FakeServices) -> None:
    page = desk.post("/front-office/search", data={"method": "nik",
                                                   "value": "3402051508809001"})
    assert page.status_code == 200
    assert f"/front-office/households/{HID}" in page.text and "Sidomulyo" in page.text
    [sent] = [r for r in fake.sent if r.url.host == "registry"]
    assert sent.url.params["nik"] == "3402051508809001"
    refused = desk.post("/front-office/search", data={"method": "nik", "value": "12"})
    assert refused.status_code == 422 and 'role="alert"' in refused.text


def test_the_household_page_offers_a_complaint_for_it(desk: TestClient) -> None:
    page = desk.get(f"/front-office/households/{HID}")
    assert page.status_code == 200
    assert f"/front-office/complaints/new?household={HID}" in page.text
    assert "Tanah" in page.text and "PLN 450 VA" in page.text  # housing in words
    assert desk.get("/front-office/households/not-an-id").status_code == 404


def test_the_form_prefilled_from_a_household(desk: TestClient) -> None:
    page = desk.get(f"/front-office/complaints/new?household={HID}")
    assert page.status_code == 200
    assert 'value="3402051508809001"' in page.text
    assert '<option value="3402052001" selected>' in page.text
    assert 'data-live="/front-office/complaints/check"' in page.text
    assert page.text.count('name="idempotency_key"') == 1


def test_the_live_check_maps_intakes_issues_to_fields(desk: TestClient,
                                                      fake: FakeServices) -> None:
    fake.check = {"errors": [{"loc": ["body", "complainant", "nik"], "type": "nik.birth_date",
                              "msg": "Tanggal lahir di NIK tidak valid."},
                             {"loc": ["body", "description"], "type": "missing",
                              "msg": "Field required"}],
                  "warnings": []}
    answer = desk.post("/front-office/complaints/check",
                       data={"complainant.nik": "3402051513809001"})
    assert answer.status_code == 200
    assert answer.json() == {"errors": {"complainant.nik": "Tanggal lahir di NIK tidak valid."},
                             "warnings": {}}
    [sent] = [r for r in fake.sent if r.url.path == "/v1/complaints:validate"]
    assert fake.body(sent)["complainant"] == {"nik": "3402051513809001", "has_no_nik": False}


def test_a_valid_form_registers_once_with_its_key(desk: TestClient, fake: FakeServices) -> None:
    key = "4b0c4b5e-2d3c-4a0e-9a59-1f3b2a0d9c11"
    answer = desk.post("/front-office/complaints", data={**FILLED, "idempotency_key": key})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/complaints/{CID}?new=1&warn=nik.region_mismatch"
    [sent] = [r for r in fake.sent if r.url.path == "/v1/complaints"]
    assert sent.headers["Idempotency-Key"] == key
    assert "idempotency_key" not in fake.body(sent)
    page = desk.get(answer.headers["location"])
    assert "SLRT-3402-2026-000001" in page.text and 'data-testid="created"' in page.text
    assert "Kecamatan pada NIK berbeda" in page.text  # the warning, in words


def test_a_refused_form_comes_back_with_its_messages(desk: TestClient,
                                                     fake: FakeServices) -> None:
    fake.create = (422, {"detail": [{"loc": ["body", "description"],
                                     "type": "description.too_short",
                                     "msg": "Uraian keluhan minimal 10 karakter."}]})
    fake.check = {"errors": [{"loc": ["body", "description"], "type": "description.too_short",
                              "msg": "Uraian keluhan minimal 10 karakter."},
                             {"loc": ["body", "complainant", "phone"], "type": "phone.invalid",
                              "msg": "Nomor telepon tidak valid."}],
                  "warnings": [{"loc": ["body", "complainant", "nik"],
                                "type": "nik.region_mismatch", "msg": "Beda."}]}
    page = desk.post("/front-office/complaints", data={**FILLED, "description": "pendek"})
    assert page.status_code == 422
    assert 'role="alert"' in page.text
    assert page.text.count("Uraian keluhan minimal 10 karakter.") == 2  # summary and field
    assert "Nomor telepon tidak valid." in page.text  # the check's word on another field
    assert ">pendek</textarea>" in page.text  # what was typed stays
    assert "Beda." in page.text  # the warning came from the check


def test_the_forms_own_rule_is_checked_with_intakes(desk: TestClient,
                                                    fake: FakeServices) -> None:
    page = desk.post("/front-office/complaints", data={**FILLED, "complainant.nik": ""})
    assert page.status_code == 422
    assert "Pelapor tidak punya NIK" in page.text
    assert not [r for r in fake.sent if r.url.path == "/v1/complaints"]


def test_a_village_outside_the_region_and_a_reused_key(desk: TestClient,
                                                       fake: FakeServices) -> None:
    fake.create = (403, {"detail": "Desa 3401012001 di luar wilayah tugas Anda (340205)."})
    page = desk.post("/front-office/complaints", data=FILLED)
    assert page.status_code == 403 and "di luar wilayah tugas Anda" in page.text
    fake.create = (409, {"detail": "Kunci sudah dipakai"})
    page = desk.post("/front-office/complaints", data=FILLED)
    assert page.status_code == 409 and "Kunci sudah dipakai" in page.text


def test_the_complaint_page_links_a_possible_duplicate(desk: TestClient,
                                                       fake: FakeServices) -> None:
    fake.complaint = complaint(possible_duplicate_of=[DUP])
    page = desk.get(f"/complaints/{CID}")
    assert page.status_code == 200
    assert f'href="/complaints/{DUP}"' in page.text and "SLRT-3402-2026-000002" in page.text
    assert "follow-up-withdraw" in page.text and "follow-up-satisfaction" not in page.text
    assert desk.get("/complaints/nope").status_code == 404


def test_the_receipt_is_passed_through(desk: TestClient) -> None:
    pdf = desk.get(f"/complaints/{CID}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store"
    assert desk.get(f"/complaints/{CID}/receipt.exe").status_code == 404


def test_a_refused_follow_up_is_shown_over_the_complaint(desk: TestClient,
                                                         fake: FakeServices) -> None:
    fake.follow_up = (422, {"detail": [{"loc": ["body", "reason"], "type": "string_too_short",
                                        "msg": "String should have at least 3 characters",
                                        "ctx": {"min_length": 3}}]})
    page = desk.post(f"/complaints/{CID}/withdraw", data={"reason": "x"})
    assert page.status_code == 422 and "Teks terlalu pendek (minimal 3 karakter)." in page.text
    fake.follow_up = (202, {"ok": True})
    done = desk.post(f"/complaints/{CID}/withdraw", data={"reason": "pindah rumah"})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=withdraw")
    assert desk.post(f"/complaints/{CID}/delete", data={}).status_code == 404


def test_the_list_asks_intake_for_the_filters(desk: TestClient, fake: FakeServices) -> None:
    page = desk.get("/complaints?category=education&overdue=1&date_from=2026-12-01")
    assert page.status_code == 200 and "SLRT-3402-2026-000001" in page.text
    [sent] = [r for r in fake.sent if r.url.path == "/v1/complaints"]
    assert sent.url.params["category"] == "education"
    assert sent.url.params["overdue"] == "true"
    assert sent.url.params["registered_from"] == "2026-12-01T00:00:00+07:00"


def test_roles_without_the_screen_get_403(client: tuple[TestClient, DevSignIn],
                                          fake: FakeServices) -> None:
    app_client, issuer = client
    app_client.cookies.set(SESSION_COOKIE, issuer.token_for("agency_officer", "3402",
                                                            "disdik-3402", "tester"))
    assert app_client.get("/front-office").status_code == 403
    assert app_client.get(f"/complaints/{CID}").status_code == 403


