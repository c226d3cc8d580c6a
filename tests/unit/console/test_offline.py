"""The offline form's view logic (the category list it embeds, the checks on a sync request,
intake's per-item batch results shaped for the page) and its routes against a fake intake
(httpx MockTransport): the page, the relay of a queue, a refusal, a signed-out sync."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.console.adapters.identity import DevSignIn
from services.console.domain import offline as view
from services.console.domain.i18n import translator
from services.console.entrypoints.session import SESSION_COOKIE

from .console_app import console_with

LISTING = {"items": [
    {"code": "education", "label": {"id": "Pendidikan", "en": "Education"},
     "subcategories": [{"code": "kip_pip", "label": {"id": "Belum menerima KIP/PIP",
                                                     "en": "No KIP/PIP yet"}}]},
    {"code": "other", "label": {"id": "Lainnya"}, "subcategories": []},
]}
CREATED_ID = "7b0a5f43-8f0e-4a39-9d36-1e3c1d6f3b01"


def item(ref: str, **changes: Any) -> dict[str, Any]:
    base = {"client_ref": ref, "captured_at": "2026-05-04T09:12:33+07:00",
            "channel": "field_tablet", "village_code": "3402052001", "category": "education",
            "subcategory": "kip_pip", "kind": "complaint", "urgency": "normal",
            "description": "Anak sekolah belum menerima KIP",
            "complainant": {"name": "Sutrisno", "nik": "3402051508809001",
                            "has_no_nik": False, "phone": None},
            "consent_given": True}
    return {**base, **changes}


#: intake's BatchOut for [created, rejected (bad NIK), duplicate, conflict].
BATCH_OUT = {
    "device_id": "tablet-1", "created": 1, "duplicates": 1, "rejected": 2,
    "items": [
        {"index": 0, "client_ref": "a", "outcome": "created", "id": CREATED_ID,
         "number": "SLRT-3402-2026-000042", "status": "registered", "errors": [],
         "warnings": [{"loc": ["items", 0, "complainant", "nik"], "type": "nik.region_mismatch",
                       "msg": "Kecamatan pada NIK berbeda"}],
         "possible_duplicate_of": ["0b6c2d1e-1111-4222-8333-944455556666"]},
        {"index": 1, "client_ref": "b", "outcome": "rejected", "id": None, "number": None,
         "status": None, "errors": [
             {"loc": ["items", 1, "complainant", "nik"], "type": "nik.birth_date",
              "msg": "Tanggal lahir di NIK tidak valid."},
             {"loc": ["items", 1, "complainant", "nik"], "type": "nik.serial",
              "msg": "Nomor urut NIK tidak boleh 0000."}],
         "warnings": [], "possible_duplicate_of": []},
        {"index": 2, "client_ref": "c", "outcome": "duplicate", "id": CREATED_ID,
         "number": "SLRT-3402-2026-000040", "status": "referred", "errors": [], "warnings": [],
         "possible_duplicate_of": []},
        {"index": 3, "client_ref": "d", "outcome": "conflict", "errors": [
            {"loc": ["items", 3, "client_ref"], "type": "idempotency.conflict",
             "msg": "Kunci 'd' sudah dipakai untuk pengaduan lain dengan isi berbeda."}]},
    ]}


# --- view logic ---------------------------------------------------------------------------

def test_categories_are_shown_in_the_pages_language_with_indonesian_as_fallback() -> None:
    en = view.categories_from_listing(LISTING, "en")
    assert [(c.code, c.label) for c in en] == [("education", "Education"), ("other", "Lainnya")]
    assert en[0].subcategories == (view.Choice("kip_pip", "No KIP/PIP yet"),)
    assert view.categories_from_listing(LISTING, "id")[0].label == "Pendidikan"
    assert view.categories_from_listing({"items": []}, "id") == []


def test_the_page_config_carries_categories_and_every_script_text_in_both_languages() -> None:
    for lang in ("id", "en"):
        config = view.page_config(view.categories_from_listing(LISTING, lang),
                                  translator(lang), "/sign-in?next=%2Foffline")
        assert config["channel"] == "field_tablet" and config["max_batch"] == 500
        assert config["categories"][0]["subcategories"][0]["code"] == "kip_pip"
        untranslated = [k for k, text in config["texts"].items() if text.startswith("offline.")]
        assert not untranslated
    texts = view.page_config([], translator("en"), "/sign-in")["texts"]
    assert texts["waiting"].format(n=2) == "Waiting to sync: 2"


def test_the_script_asks_only_for_texts_the_page_embeds() -> None:
    script = (Path(view.__file__).parents[1] / "static" / "offline.js").read_text()
    asked = set(re.findall(r"\bT\.(\w+)", script))
    asked |= set(re.findall(r'\bT\["([\w.]+)"\]', script))
    # Built keys: T["state." + row.state] (a queued row) and T["outcome." + result.outcome].
    asked |= {"state.waiting", "state.rejected"}
    asked |= {f"outcome.{o}" for o in ("created", "duplicate", "rejected", "waiting")}
    assert asked <= set(view.SCRIPT_TEXTS), asked - set(view.SCRIPT_TEXTS)


def test_a_sync_request_is_checked_as_a_whole_and_its_items_left_to_intake() -> None:
    request = view.sync_request({"device_id": " tablet-1 ", "items": [item("a"), {"x": 1}]})
    assert request.device_id == "tablet-1" and len(request.items) == 2
    assert request.refs() == ["a", None]
    bad = [(None, "offline.sync.bad_body"), ([], "offline.sync.bad_body"),
           ({"items": [item("a")]}, "offline.sync.bad_device"),
           ({"device_id": "x" * 101, "items": [item("a")]}, "offline.sync.bad_device"),
           ({"device_id": "t", "items": []}, "offline.sync.no_items"),
           ({"device_id": "t", "items": "a"}, "offline.sync.no_items"),
           ({"device_id": "t", "items": [item(str(i)) for i in range(501)]},
            "offline.sync.too_many"),
           ({"device_id": "t", "items": ["a"]}, "offline.sync.bad_body")]
    for body, key in bad:
        with pytest.raises(view.BadSync) as refused:
            view.sync_request(body)
        assert refused.value.key == key, body


def test_intakes_batch_answer_becomes_one_result_per_queued_item() -> None:
    request = view.sync_request({"device_id": "tablet-1",
                                 "items": [item("a"), item("b"), item("c"), item("d")]})
    results = view.sync_results(request, BATCH_OUT, translator("en"))
    assert [(r.client_ref, r.outcome, r.leaves_queue) for r in results] == [
        ("a", "created", True), ("b", "rejected", False), ("c", "duplicate", True),
        ("d", "rejected", False)]
    created, rejected, duplicate, conflict = results
    assert created.number == "SLRT-3402-2026-000042" and created.complaint_id == CREATED_ID
    assert created.warnings == (view.Reason("complainant.nik", "NIK (national ID number)",
                                            "Kecamatan pada NIK berbeda"),)
    assert created.possible_duplicate_of == ("0b6c2d1e-1111-4222-8333-944455556666",)
    assert [(r.field, r.message) for r in rejected.reasons] == [
        ("complainant.nik", "Tanggal lahir di NIK tidak valid."),
        ("complainant.nik", "Nomor urut NIK tidak boleh 0000.")]
    assert duplicate.number == "SLRT-3402-2026-000040"  # the original's number
    assert conflict.reasons[0].label == "Queue id"
    assert view.counts(results) == {"created": 1, "duplicate": 1, "rejected": 2, "waiting": 0}


def test_an_item_intake_did_not_answer_stays_waiting() -> None:
    request = view.sync_request({"device_id": "t", "items": [item("a"), item("b")]})
    results = view.sync_results(request, {"items": BATCH_OUT["items"][:1]}, translator("id"))
    assert [(r.client_ref, r.outcome, r.leaves_queue) for r in results] == [
        ("a", "created", True), ("b", "waiting", False)]
    assert results[1].reasons[0].message.startswith("Layanan pengaduan tidak menjawab")


def test_field_paths_drop_the_batch_prefix() -> None:
    assert view.field_of(["items", 3, "complainant", "nik"]) == "complainant.nik"
    assert view.field_of(["body", "items", 0, "captured_at"]) == "captured_at"
    assert view.field_of(["village_code"]) == "village_code"
    assert view.field_of([]) == ""
    shown = view.reasons([{"loc": ["items", 0, "mystery"], "msg": "?"}], translator("en"))
    assert shown == (view.Reason("mystery", "mystery", "?"),)


def test_json_answer_for_the_page() -> None:
    request = view.sync_request({"device_id": "t", "items": [item("a"), item("b")]})
    out = view.as_json(view.sync_results(request, BATCH_OUT, translator("en")))
    assert out["counts"] == {"created": 1, "duplicate": 0, "rejected": 1, "waiting": 0}
    assert out["results"][0]["leaves_queue"] is True
    assert out["results"][1]["reasons"][0] == {"field": "complainant.nik",
                                               "label": "NIK (national ID number)",
                                               "message": "Tanggal lahir di NIK tidak valid."}
    json.dumps(out)


# --- routes against a fake intake ---------------------------------------------------------

class FakeIntake:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.sent: list[httpx.Request] = []
        self.batch_answer: tuple[int, Any] = (200, BATCH_OUT)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        path = request.url.path
        if path == "/v1/categories":
            return httpx.Response(200, json=LISTING)
        if path == "/v1/complaints:batch" and request.method == "POST":
            status, body = self.batch_answer
            return httpx.Response(status, json=body)
        return httpx.Response(404, json={"detail": "Not Found"})


@pytest.fixture(scope="module")
def intake() -> FakeIntake:
    return FakeIntake()


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory,
               intake: FakeIntake) -> Iterator[tuple[TestClient, DevSignIn]]:
    keys = tmp_path_factory.mktemp("keys")
    with console_with(keys, intake) as opened:
        yield opened


@pytest.fixture
def client_as(app_client: tuple[TestClient, DevSignIn],
              intake: FakeIntake) -> Callable[..., TestClient]:
    client, issuer = app_client
    intake.reset()

    def sign_in(role: str = "puskesos_operator", region: str = "340205") -> TestClient:
        client.cookies.set(SESSION_COOKIE, issuer.token_for(role, region, None, f"dev-{role}"))
        return client
    return sign_in


def _config(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="offline-config">(.*?)</script>',
                      html, re.S)
    assert found
    return json.loads(found.group(1))


def test_the_form_embeds_intakes_categories_and_never_posts(
        client_as: Callable[..., TestClient]) -> None:
    page = client_as().get("/offline?lang=en")
    assert page.status_code == 200
    assert '<option value="education">Education</option>' in page.text
    assert 'method="post"' not in page.text.split('id="offline-form"')[1].split(">")[0]
    config = _config(page.text)
    assert config["categories"][0]["subcategories"] == [{"code": "kip_pip",
                                                         "label": "No KIP/PIP yet"}]
    assert config["sign_in_url"] == "/sign-in?next=%2Foffline"
    assert 'aria-live="polite"' in page.text
    for field in ("f-village", "f-category", "f-subcategory", "f-kind", "f-urgency",
                  "f-description", "f-name", "f-nik", "f-phone", "f-no-nik", "f-consent"):
        assert f'for="{field}"' in page.text and f'id="{field}"' in page.text


def test_sync_relays_the_queue_with_the_users_token_and_answers_per_item(
        client_as: Callable[..., TestClient], intake: FakeIntake) -> None:
    client = client_as()
    items = [item("a"), item("b"), item("c"), item("d")]
    answer = client.post("/offline/sync", json={"device_id": "tablet-1", "items": items},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 200
    body = answer.json()
    assert [r["outcome"] for r in body["results"]] == ["created", "rejected", "duplicate",
                                                       "rejected"]
    [sent] = [r for r in intake.sent if r.url.path == "/v1/complaints:batch"]
    assert json.loads(sent.content) == {"device_id": "tablet-1", "items": items}
    assert sent.headers["Authorization"].startswith("Bearer ")


def test_a_bad_sync_request_is_refused_before_intake(
        client_as: Callable[..., TestClient], intake: FakeIntake) -> None:
    client = client_as()
    answer = client.post("/offline/sync?lang=en", json={"device_id": "t", "items": []})
    assert answer.status_code == 422
    assert answer.json() == {"error": "There are no complaints to send."}
    broken = client.post("/offline/sync", content=b"{not json",
                         headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert not [r for r in intake.sent if r.url.path == "/v1/complaints:batch"]


def test_intakes_refusal_or_absence_is_said_and_nothing_is_lost(
        client_as: Callable[..., TestClient], intake: FakeIntake) -> None:
    client = client_as()
    body = {"device_id": "t", "items": [item("a")]}
    intake.batch_answer = (403, {"detail": "Peran Anda tidak dapat mencatat pengaduan"})
    refused = client.post("/offline/sync", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"] == "Peran Anda tidak dapat mencatat pengaduan"
    intake.batch_answer = (500, {"detail": "boom"})
    assert client.post("/offline/sync", json=body).status_code == 503


def test_a_signed_out_sync_is_a_401_the_page_can_read(
        app_client: tuple[TestClient, DevSignIn], intake: FakeIntake) -> None:
    client, _ = app_client
    intake.reset()
    client.cookies.clear()
    answer = client.post("/offline/sync", json={"device_id": "t", "items": [item("a")]},
                         headers={"Accept": "application/json"}, follow_redirects=False)
    assert answer.status_code == 401
    assert not [r for r in intake.sent if r.url.path == "/v1/complaints:batch"]


def test_roles_without_the_screen_get_403(client_as: Callable[..., TestClient]) -> None:
    assert client_as("back_office", "3402").get("/offline").status_code == 403
    assert client_as("front_office", "3402").get("/offline").status_code == 200


def test_the_service_worker_is_served_from_the_root_uncached(
        app_client: tuple[TestClient, DevSignIn]) -> None:
    client, _ = app_client
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    assert '"/offline"' in worker.text and "/static/offline.js" in worker.text
