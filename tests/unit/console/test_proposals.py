"""The usulan screen's view logic (the registry's request built from the form, its refusals on
the form's fields, what an usulan changes, the steps shown) and its pages rendered by the app
against an answering fake of the registry (httpx MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.console.adapters.identity import DevSignIn
from services.console.domain import proposals as usulan
from services.console.entrypoints.session import SESSION_COOKIE

from .console_app import console_with

HID = "08e43798-d10f-5db6-ae74-de2ca61148af"
HEAD = "396995a2-9f8c-548b-8e6b-7b777366d153"
CHILD = "27ccc03e-fa5b-576a-99d3-7124a33a530b"
PID = "5d0c3a52-7a55-4a7b-9d56-5f2d1c8b0e11"
HOUSEHOLD: dict[str, Any] = {
    "household_id": HID, "village_code": "3402052001", "head_name": "Sutrisno",
    "address": "Dusun Krajan RT 03/RW 01, Sidomulyo", "kk_number": "3402051003129001",
    "version": 1, "members": [
        {"member_id": HEAD, "nik": "3402051508809001", "name": "Sutrisno", "sex": "L",
         "birth_date": "1980-08-15", "relation": "head", "school_enrolled": False},
        {"member_id": CHILD, "nik": "3402057006199001", "name": "Ayu Lestari", "sex": "P",
         "birth_date": "2019-06-30", "relation": "child", "school_enrolled": False}]}


def proposal(**changes: Any) -> dict[str, Any]:
    base = {"proposal_id": PID, "kind": "correct_field", "state": "proposed",
            "village_code": "3402052001", "household_id": HID, "base_version": 1,
            "applied_version": None,
            "details": {"entity": "member", "field": "school_enrolled", "value": True,
                        "member_id": CHILD},
            "problems": [], "source_complaint_id": None, "rejection_reason": None,
            "history": [{"action": "propose", "state": "proposed",
                         "by": "dev-puskesos-bambanglipuro", "role": "puskesos_operator",
                         "at": "2026-12-04T09:31:03Z", "note": "sesuai surat sekolah"}],
            "allowed_actions": ["verify", "reject"]}
    return {**base, **changes}


# --- view logic ---------------------------------------------------------------------------

def test_a_correction_becomes_the_registrys_request_with_a_typed_value() -> None:
    chosen = usulan.change("correct.member.school_enrolled")
    assert chosen is not None and chosen.needs_member
    body, errors = usulan.build_request(
        chosen, HID, {"member_id": CHILD, "value": "yes", "note": " sesuai surat sekolah "},
        [HEAD, CHILD])
    assert errors == {}
    assert body == {"kind": "correct_field", "household_id": HID, "note": "sesuai surat sekolah",
                    "details": {"entity": "member", "field": "school_enrolled", "value": True,
                                "member_id": CHILD}}


def test_the_form_is_checked_field_by_field() -> None:
    chosen = usulan.change("correct.member.nik")
    assert chosen is not None
    body, errors = usulan.build_request(chosen, HID, {"member_id": "someone", "value": "12"},
                                        [HEAD])
    assert body is None
    assert errors == {"note": "proposals.error.reason", "member_id": "proposals.error.member",
                      "value": "proposals.error.digits16"}


def test_a_new_member_may_have_no_nik_but_needs_the_rest() -> None:
    chosen = usulan.change("add_member")
    assert chosen is not None and not chosen.needs_member
    form = {"name": "Bayu", "sex": "L", "birth_date": "2025-01-31", "relation": "grandchild",
            "note": "lahir, akta no. 12"}
    body, errors = usulan.build_request(chosen, HID, form, [HEAD])
    assert errors == {} and body is not None
    assert body["details"]["member"] == {"name": "Bayu", "sex": "L", "birth_date": "2025-01-31",
                                         "relation": "grandchild", "nik": None}
    _, errors = usulan.build_request(chosen, HID, {**form, "birth_date": "31-01-2025",
                                                   "relation": "cousin", "nik": "x"}, [HEAD])
    assert errors == {"birth_date": "proposals.error.date", "relation": "proposals.error.choice",
                      "nik": "proposals.error.digits16"}


def test_a_move_needs_a_village_code_and_an_address() -> None:
    chosen = usulan.change("moved")
    assert chosen is not None
    body, errors = usulan.build_request(chosen, HID, {"village_code": "34.02.05.2002",
                                                      "address": "Dusun Kidul", "note": "pindah"},
                                        [HEAD])
    assert errors == {} and body is not None
    assert body["details"] == {"village_code": "3402052002", "address": "Dusun Kidul"}
    _, errors = usulan.build_request(chosen, HID, {"village_code": "34", "note": "x"}, [HEAD])
    assert set(errors) == {"village_code", "address"}


def test_the_registrys_refusal_lands_on_the_forms_fields() -> None:
    assert usulan.service_field_errors("member.birth_date: must be a date") == \
        {"birth_date": "must be a date"}
    assert usulan.service_field_errors(
        "the usulan is incomplete: value: must be 16 digits; member_id: missing") == \
        {"value": "must be 16 digits", "member_id": "missing"}
    assert usulan.service_field_errors("role manager may not propose an usulan") == {}


def test_only_the_review_steps_the_registry_allows_the_caller_are_shown() -> None:
    assert usulan.visible_steps(proposal(allowed_actions=["reject", "verify", "amend"])) == \
        ["verify", "reject"]
    assert usulan.visible_steps(proposal(allowed_actions=[])) == []
    assert usulan.visible_steps(proposal(allowed_actions=["apply", "reject"])) == \
        ["apply", "reject"]


def test_what_an_usulan_changes_is_told_against_the_household_now() -> None:
    lines = usulan.describe(proposal(), HOUSEHOLD)
    assert [(ln.label_key, ln.proposed.text, ln.now.text if ln.now else None)
            for ln in lines] == [
        ("proposals.field.member", "Ayu Lestari", None),
        ("proposals.change.correct.member.school_enrolled", "proposals.yes", "proposals.no")]
    assert lines[1].proposed.key
    unread = usulan.describe(proposal(), None)  # the household could not be read
    assert unread[0].proposed.text == CHILD and unread[1].now is None
    moved = usulan.describe(proposal(kind="moved", details={"village_code": "3402052002",
                                                            "address": "Dusun Kidul"}),
                            HOUSEHOLD)
    assert [(ln.proposed.text, ln.now.text if ln.now else "") for ln in moved] == [
        ("3402052002", "3402052001"), ("Dusun Kidul", "Dusun Krajan RT 03/RW 01, Sidomulyo")]


def test_a_stale_household_refusal_is_recognised() -> None:
    assert usulan.stale_versions({"message": "the household changed", "based_on_version": 1,
                                  "current_version": 2}) == ("1", "2")
    assert usulan.stale_versions("cannot apply an usulan that is proposed") is None


def test_list_links_keep_the_filter() -> None:
    assert usulan.list_url("", 1) == "/proposals"
    assert usulan.list_url("verified", 3) == "/proposals?state=verified&page=3"


# --- pages against a fake registry -------------------------------------------------------

class FakeRegistry:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.proposal = proposal()
        self.sent: list[httpx.Request] = []
        self.refuse: tuple[int, Any] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        path = request.url.path
        if path == "/v1/households/search":
            found = [HOUSEHOLD] if request.url.params.get("nik") == "3402051508809001" else []
            return httpx.Response(200, json={"method": "nik", "count": len(found),
                                             "results": [{**h, "members": 2} for h in found]})
        if path == f"/v1/households/{HID}":
            return httpx.Response(200, json=HOUSEHOLD)
        if self.refuse is not None and request.method == "POST":
            return httpx.Response(self.refuse[0], json={"detail": self.refuse[1]})
        if path == "/v1/proposals" and request.method == "POST":
            return httpx.Response(201, json=self.proposal)
        if path == "/v1/proposals":
            return httpx.Response(200, json={"page": 1, "page_size": 25,
                                             "items": [self.proposal]})
        if path == f"/v1/proposals/{PID}" and request.method == "GET":
            return httpx.Response(200, json=self.proposal)
        if path.startswith(f"/v1/proposals/{PID}/"):
            self.proposal = proposal(state="verified", allowed_actions=[])
            return httpx.Response(200, json=self.proposal)
        return httpx.Response(404, json={"detail": f"no {path}"})


@pytest.fixture(scope="module")
def registry() -> FakeRegistry:
    return FakeRegistry()


@pytest.fixture
def fake(registry: FakeRegistry) -> FakeRegistry:
    registry.reset()
    return registry


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory,
           registry: FakeRegistry) -> Iterator[tuple[TestClient, DevSignIn]]:
    keys = tmp_path_factory.mktemp("keys")
    with console_with(keys, registry) as opened:
        yield opened


@pytest.fixture
def client_as(client: tuple[TestClient, DevSignIn],
              fake: FakeRegistry) -> Callable[..., TestClient]:
    app_client, issuer = client

    def sign_in(role: str, region: str) -> TestClient:
        app_client.cookies.set(SESSION_COOKIE, issuer.token_for(role, region, None,
                                                                f"dev-{role}"))
        return app_client
    return sign_in


def test_the_household_is_found_by_a_posted_nik(client_as: Callable[..., TestClient],
                                                 fake: FakeRegistry) -> None:
    client = client_as("puskesos_operator", "340205")
    page = client.post("/proposals/new/search", data={"nik": "3402051508809001"})
    assert page.status_code == 200 and "Sutrisno" in page.text
    assert f"/proposals/new?household_id={HID}" in page.text
    refused = client.post("/proposals/new/search", data={"nik": "12", "kk": ""})
    assert refused.status_code == 422 and "Harus 16 angka." in refused.text
    assert client.post("/proposals/new/search", data={}).status_code == 422


def test_a_proposal_is_sent_and_the_form_keeps_its_errors(
        client_as: Callable[..., TestClient], fake: FakeRegistry) -> None:
    client = client_as("puskesos_operator", "340205")
    form = client.get(f"/proposals/new?household_id={HID}"
                      "&change=correct.member.school_enrolled")
    assert 'data-testid="proposal-form"' in form.text and "Ayu Lestari" in form.text
    bad = client.post("/proposals/new", data={"household_id": HID,
                                              "change": "correct.member.school_enrolled",
                                              "member_id": CHILD, "value": "yes"})
    assert bad.status_code == 422 and "Tuliskan alasan usulan." in bad.text
    assert 'id="note-error"' in bad.text and 'aria-invalid="true"' in bad.text
    made = client.post("/proposals/new", data={
        "household_id": HID, "change": "correct.member.school_enrolled", "member_id": CHILD,
        "value": "yes", "note": "sesuai surat sekolah"}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == \
        f"/proposals/{PID}?done=propose"
    sent = json.loads([r for r in fake.sent if r.method == "POST"][0].content)
    assert sent["details"]["value"] is True and sent["household_id"] == HID


def test_the_registrys_field_refusal_is_shown_on_the_field(
        client_as: Callable[..., TestClient], fake: FakeRegistry) -> None:
    fake.refuse = (422, "value: must be one of ['L', 'P']")
    page = client_as("puskesos_operator", "340205").post("/proposals/new", data={
        "household_id": HID, "change": "correct.member.sex", "member_id": CHILD,
        "value": "L", "note": "akta"})
    assert page.status_code == 422 and 'id="value-error"' in page.text
    assert "must be one of" in page.text


def test_roles_that_do_not_propose_get_no_form(client_as: Callable[..., TestClient]) -> None:
    client = client_as("manager", "3402")
    assert client.get("/proposals/new").status_code == 403
    assert 'data-testid="new-proposal"' not in client.get("/proposals").text


def test_the_list_marks_what_waits_for_the_caller(client_as: Callable[..., TestClient]) -> None:
    page = client_as("back_office", "3402").get("/proposals?state=proposed")
    assert 'data-testid="waiting-for-you"' in page.text and "Verifikasi" in page.text


def test_the_detail_offers_the_allowed_steps_and_takes_one(
        client_as: Callable[..., TestClient], fake: FakeRegistry) -> None:
    client = client_as("back_office", "3402")
    page = client.get(f"/proposals/{PID}")
    assert 'data-testid="step-verify"' in page.text and 'data-testid="step-reject"' in page.text
    assert 'data-testid="step-approve"' not in page.text
    assert "Ayu Lestari" in page.text and "sesuai surat sekolah" in page.text
    done = client.post(f"/proposals/{PID}/verify", data={"note": "dicek"},
                       follow_redirects=False)
    assert done.status_code == 303
    assert json.loads([r for r in fake.sent if r.method == "POST"][0].content) == \
        {"note": "dicek"}
    assert "Usulan terverifikasi." in client.get(done.headers["location"]).text


def test_a_rejection_needs_a_reason(client_as: Callable[..., TestClient],
                                    fake: FakeRegistry) -> None:
    page = client_as("back_office", "3402").post(f"/proposals/{PID}/reject", data={"note": ""})
    assert page.status_code == 422 and "Tuliskan alasan penolakan." in page.text
    assert not [r for r in fake.sent if r.method == "POST"]


def test_a_stale_household_on_apply_is_explained(client_as: Callable[..., TestClient],
                                                 fake: FakeRegistry) -> None:
    fake.proposal = proposal(state="approved", allowed_actions=["apply", "reject"])
    fake.refuse = (409, {"message": "the household changed since the usulan was made",
                         "based_on_version": 1, "current_version": 2})
    page = client_as("manager", "3402").post(f"/proposals/{PID}/apply")
    assert page.status_code == 409
    assert "berdasarkan versi 1, sekarang versi 2" in page.text
    assert 'data-testid="stale-help"' in page.text
    assert f"/proposals/new?household_id={HID}" in page.text


def test_an_unknown_step_or_id_is_not_found(client_as: Callable[..., TestClient]) -> None:
    client = client_as("manager", "3402")
    assert client.post(f"/proposals/{PID}/amend").status_code == 404
    assert client.get("/proposals/not-an-id").status_code == 404
