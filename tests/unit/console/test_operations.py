"""The operator view: what was typed to find a case, the trace link, the raw timeline, and the
pages against answering fakes of the referral service (find by case id, complaint id or
number; the case with its trace link and raw entries; no access for case workers)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.console.adapters.identity import DevSignIn
from services.console.bootstrap import build_app
from services.console.domain import operations as ops
from services.console.entrypoints.session import SESSION_COOKIE
from services.console.settings import Settings

CASE = "18211ac2-dec6-4e10-9f35-c09b284b458a"
COMPLAINT = "72847074-9445-47b1-8e2e-42c69ed53b86"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
TEMPLATE = "http://traces.example/trace/{trace_id}"


def test_a_lookup_is_an_id_or_a_complaint_number() -> None:
    assert ops.parse_lookup(f" {CASE.upper()} ") == ops.Lookup("id", CASE)
    assert ops.parse_lookup("slrt-3402-2026-000001") == ops.Lookup(
        "complaint_number", "SLRT-3402-2026-000001")
    assert ops.parse_lookup("Sutrisno") is None and ops.parse_lookup("") is None


def test_the_trace_link_needs_a_real_trace_id() -> None:
    assert ops.trace_link(TEMPLATE, TRACE) == f"http://traces.example/trace/{TRACE}"
    for bad in (None, "", "0" * 32, "xyz", TRACE.upper(), TRACE + "0"):
        assert ops.trace_link(TEMPLATE, bad) is None


def test_raw_entries_keep_each_change_as_sent() -> None:
    item = {"kind": "status_changed", "at": "2026-12-04T10:00:00Z", "by": "officer-1",
            "role": "agency_officer", "referral_id": "r1", "note": None,
            "note_redacted": True, "detail": {"answer_due_at": None}}
    (entry,) = ops.raw_entries([item])
    assert (entry.kind, entry.at, entry.actor, entry.role) == (
        "status_changed", "2026-12-04T10:00:00Z", "officer-1", "agency_officer")
    assert json.loads(entry.raw) == item
    assert ops.status_counts([{"status": "created"}, {"status": "created"},
                              {"status": "rejected"}]) == {"created": 2, "rejected": 1}


# --- pages against a fake referral service --------------------------------------------------

def case_view(**changes: Any) -> dict[str, Any]:
    base = {"case_id": CASE, "complaint_id": COMPLAINT,
            "complaint_number": "SLRT-3402-2026-000001", "village_code": "3402052001",
            "category": "education", "status": "referred", "version": 2,
            "opened_at": "2026-12-04T09:31:03Z", "trace_id": TRACE,
            "referrals": [{"referral_id": "r1", "agency_id": "disdik-3402",
                           "status": "created", "version": 1, "overdue": [],
                           "accept_due_at": "2026-12-08T16:59:59Z",
                           "resolve_due_at": "2026-12-28T16:59:59Z",
                           "time_zone": "Asia/Jakarta"}]}
    return {**base, **changes}


class FakeReferral:
    def __init__(self) -> None:
        self.case = case_view()
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        path = request.url.path
        if path == f"/v1/cases/{CASE}":
            return httpx.Response(200, json=self.case)
        if path == f"/v1/cases/{CASE}/timeline":
            return httpx.Response(200, json={"case_id": CASE, "items": [
                {"kind": "opened", "at": "2026-12-04T09:31:03Z", "by": "referral-service",
                 "role": "system", "note": None, "note_redacted": False,
                 "detail": {"merged_into": None}, "referral_id": None},
                {"kind": "status_changed", "at": "2026-12-04T10:00:00Z",
                 "by": "officer-disdik", "role": "agency_officer", "note": None,
                 "note_redacted": True, "detail": {}, "referral_id": "r1"}]})
        if path == "/v1/cases":
            params = request.url.params
            hit = (params.get("complaint_id") == COMPLAINT
                   or params.get("complaint_number") == "SLRT-3402-2026-000001")
            return httpx.Response(200, json={"items": [{"case_id": CASE}] if hit else []})
        return httpx.Response(404, json={"detail": f"case {path} not found"})


@pytest.fixture(scope="module")
def fake() -> FakeReferral:
    return FakeReferral()


@pytest.fixture(scope="module")
def client_as(tmp_path_factory: pytest.TempPathFactory,
              fake: FakeReferral) -> Iterator[Callable[..., TestClient]]:
    keys = tmp_path_factory.mktemp("keys")
    settings = Settings(dev_keys_dir=keys, referral_url="http://referral",
                        trace_url_template=TEMPLATE)
    issuer = DevSignIn(keys)
    with TestClient(build_app(settings, transport=httpx.MockTransport(fake))) as client:
        def sign_in(role: str = "operator", region: str = "") -> TestClient:
            client.cookies.set(SESSION_COOKIE, issuer.token_for(role, region, None, "dev-op"))
            return client
        yield sign_in


@pytest.mark.parametrize("typed", [CASE, COMPLAINT, "slrt-3402-2026-000001"])
def test_a_case_is_found_by_its_id_its_complaints_id_or_number(
        client_as: Callable[..., TestClient], typed: str) -> None:
    found = client_as().get("/operations", params={"q": typed}, follow_redirects=False)
    assert found.status_code == 303
    assert found.headers["location"] == f"/operations/cases/{CASE}"


def test_what_cannot_be_found_is_said_on_the_search_page(
        client_as: Callable[..., TestClient]) -> None:
    client = client_as()
    invalid = client.get("/operations", params={"q": "Sutrisno"})
    assert invalid.status_code == 422 and "Bukan ID (UUID)" in invalid.text
    missing = client.get("/operations", params={"q": "SLRT-3402-2026-999999"})
    assert missing.status_code == 404 and 'data-testid="find-problem"' in missing.text
    assert 'aria-invalid="true"' in missing.text
    assert client.get("/operations").status_code == 200


def test_the_case_links_its_trace_and_shows_the_raw_timeline(
        client_as: Callable[..., TestClient], fake: FakeReferral) -> None:
    html = client_as().get(f"/operations/cases/{CASE}").text
    assert f'href="http://traces.example/trace/{TRACE}"' in html
    assert f'data-testid="trace-id">{TRACE}<' in html
    assert html.count('data-testid="raw-entry"') == 2
    assert "&#34;note_redacted&#34;: true" in html and "officer-disdik" in html
    fake.case = case_view(trace_id=None)
    try:
        untraced = client_as().get(f"/operations/cases/{CASE}").text
    finally:
        fake.case = case_view()
    assert 'data-testid="trace-link"' not in untraced and "tidak menyimpan ID trace" in untraced


def test_case_workers_do_not_get_the_operator_view(
        client_as: Callable[..., TestClient]) -> None:
    assert client_as("back_office", "3402").get("/operations").status_code == 403
    assert client_as("national_admin").get(f"/operations/cases/{CASE}").status_code == 200
    assert client_as().get("/operations/cases/nope").status_code == 404
    assert client_as().get("/back-office").status_code == 403
