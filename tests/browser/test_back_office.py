"""The back office in real Chromium against `slrt up`: a complaint whose referral the agency
rejects lands in the queue; the officer filters the queue, opens the case (household, needs with
their explanations, referrals, timeline), reroutes the referral to Dinas Sosial, meets a stale
version, and on another case informs, closes, reopens and handles it at the Puskesos. An
agency officer cannot open the back office."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from .conftest import ConsoleStack, shot

SUTRISNO = {"name": "Sutrisno", "nik": "3402051508809001"}


def file_complaint(stack: ConsoleStack, category: str = "education",
                   subcategory: str = "kip_pip", description: str = "Anak sekolah belum "
                   "menerima KIP", complainant: dict[str, Any] | None = None) -> dict[str, Any]:
    """A complaint filed over intake's API, as the front office would; its id and number."""
    token = stack.token("--role", "front_office", "--region", "3402")
    body = {"channel": "front_office", "village_code": "3402052001", "category": category,
            "subcategory": subcategory, "description": description,
            "complainant": complainant or SUTRISNO, "consent_given": True}
    created = httpx.post(stack.service_url("intake") + "/v1/complaints", json=body,
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


def case_of(stack: ConsoleStack, complaint_id: str, *, role: str = "back_office",
            region: str = "3402", until: Callable[[dict[str, Any]], bool] | None = None
            ) -> dict[str, Any]:
    """The complaint's case as referral has it, once opened (assessment and routing take a
    second or two) and, with `until`, once that holds."""
    token = stack.token("--role", role, "--region", region)
    deadline = time.monotonic() + 20
    while True:
        found = httpx.get(stack.service_url("referral") + "/v1/cases",
                          params={"complaint_id": complaint_id},
                          headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
        items = found.get("items", [])
        if items and (until is None or until(items[0])):
            return items[0]  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"no case for {complaint_id} in 20 s: {found}"
        time.sleep(0.3)


def agency_answers(stack: ConsoleStack, referral: dict[str, Any], action: str,
                   note: str) -> None:
    """The referral's agency answers it over the referral API (as its own system would)."""
    agency = referral["agency_id"]
    token = stack.token("--role", "agency_officer", "--region", "3402", "--agency", agency)
    done = httpx.post(f"{stack.service_url('referral')}/v1/referrals/"
                      f"{referral['referral_id']}/{action}", json={"note": note},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert done.status_code == 200, done.text


def rejected_case(stack: ConsoleStack, **complaint: Any) -> tuple[dict[str, Any], str]:
    """A new complaint whose every referral its agency rejected: it waits in the queue."""
    filed = file_complaint(stack, **complaint)
    case = case_of(stack, filed["id"], until=lambda c: bool(c["referrals"]))
    for referral in case["referrals"]:
        agency_answers(stack, referral, "reject", "bukan kewenangan kami")
    return case, filed["number"]


def accept_dialogs(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_queue_filters_case_page_reroute_and_a_stale_version(page_as: Callable[..., Page],
                                                             console_stack: ConsoleStack
                                                             ) -> None:
    case, number = rejected_case(console_stack)
    page = page_as("back-office-bantul")
    page.goto("/back-office")
    row = page.locator(f'tr[data-case-id="{case["case_id"]}"]')
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("Ditolak dinas")
    shot(page, "back-office-queue")

    # Filters: by reason and sector it stays, by another sector it goes.
    page.get_by_label("Alasan").select_option("rejected")
    page.get_by_label("Sektor").select_option("education")
    page.get_by_role("button", name="Terapkan").click()
    expect(page).to_have_url(re.compile(r"/back-office\?reason=rejected&category=education"))
    expect(row).to_be_visible()
    shot(page, "back-office-queue-filtered")
    page.get_by_label("Sektor").select_option("housing")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.get_by_label("Sektor")).to_have_value("housing")
    expect(page.locator(f'tr[data-case-id="{case["case_id"]}"]')).to_have_count(0)
    page.get_by_label("Kecamatan atau desa").fill("34x")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.get_by_role("alert")).to_contain_text("2 sampai 10 angka")

    # The case page: household, needs and why, referrals, timeline.
    page.goto("/back-office?reason=rejected")
    page.get_by_role("link", name=number).click()
    expect(page).to_have_url(f"{console_stack.url}/cases/{case['case_id']}")
    expect(page.get_by_test_id("household")).to_contain_text("Sutrisno")
    expect(page.get_by_test_id("household")).not_to_contain_text(SUTRISNO["nik"])
    expect(page.get_by_test_id("needs")).to_contain_text("R-EDU-KIP")
    expect(page.get_by_test_id("needs")).to_contain_text("matched: disdik-3402")
    disdik = page.locator('tr[data-agency="disdik-3402"]')
    expect(disdik.get_by_test_id("referral-status")).to_have_text("Ditolak")
    expect(page.get_by_test_id("timeline")).to_contain_text("bukan kewenangan kami")
    expect(page.get_by_test_id("form-close")).to_have_count(0)  # not allowed yet
    shot(page, "back-office-case")

    # Reroute the rejected referral to Dinas Sosial.
    form = page.get_by_test_id("reroute-disdik-3402")
    form.get_by_label("Dinas tujuan").select_option("dinsos-3402")
    form.get_by_label("Catatan").fill("Lewat Dinas Sosial: PIP diusulkan dari DTKS")
    form.get_by_role("button", name="Alihkan").click()
    expect(page.get_by_role("status")).to_have_text("Rujukan dialihkan.")
    dinsos = page.locator('tr[data-agency="dinsos-3402"]')
    expect(dinsos).to_contain_text("Dinas Sosial Kabupaten Bantul")
    expect(dinsos.get_by_test_id("referral-status")).to_have_text(re.compile("Dibuat|Terkirim"))
    expect(disdik).to_contain_text("(sudah dialihkan)")
    expect(page.get_by_test_id("timeline")).to_contain_text("Rujukan dialihkan")
    shot(page, "back-office-case-rerouted")

    # Dinas Sosial accepts meanwhile: a reroute sent with the version shown is refused (412).
    page.reload()
    rerouted = case_of(console_stack, case["complaint_id"])
    new = next(r for r in rerouted["referrals"] if r["agency_id"] == "dinsos-3402")
    agency_answers(console_stack, new, "accept", "akan kami proses")
    form = page.get_by_test_id("reroute-dinsos-3402")
    form.locator("summary").click()
    form.get_by_label("Dinas tujuan").select_option("dinsos-34")
    form.get_by_role("button", name="Alihkan").click()
    refusal = page.get_by_test_id("refusal")
    expect(refusal).to_contain_text("sudah diubah orang lain")
    expect(refusal).to_contain_text("version")
    expect(page.locator('tr[data-agency="dinsos-3402"]').get_by_test_id(
        "referral-status")).to_have_text("Diterima")
    shot(page, "back-office-stale-version")

    # The case page also works in portrait on a tablet.
    page.set_viewport_size({"width": 800, "height": 1280})
    page.goto(f"/cases/{case['case_id']}")
    expect(page.get_by_test_id("referrals")).to_be_visible()
    shot(page, "back-office-case-portrait")


def test_inform_close_reopen_and_handle_at_the_puskesos(page_as: Callable[..., Page],
                                                         console_stack: ConsoleStack) -> None:
    case, number = rejected_case(console_stack, category="housing", subcategory="rtlh",
                                 description="Atap rumah bocor parah",
                                 complainant={"name": "Warsini", "has_no_nik": True})
    page = page_as("back-office-bantul")
    accept_dialogs(page)
    page.goto("/back-office?reason=outcome_pending&category=housing")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_test_id("form-handle_at_puskesos")).to_have_count(0)  # referred

    def act(action: str, note: str | None, done: str) -> None:
        form = page.get_by_test_id(f"form-{action}")
        if note is not None:
            form.get_by_label("Catatan").fill(note)
        form.get_by_role("button").click()
        expect(page.get_by_role("status")).to_have_text(done)

    act("inform_complainant", "Ditelepon: dinas menolak, akan ditangani Puskesos",
        "Tercatat: pelapor sudah diberi tahu.")
    act("close", None, "Kasus ditutup.")
    expect(page.get_by_test_id("case-status")).to_have_text("Selesai")
    act("reopen", "Pelapor datang lagi ke Puskesos", "Kasus dibuka kembali.")
    expect(page.get_by_test_id("case-status")).to_have_text("Terbuka")
    shot(page, "back-office-reopened")
    act("handle_at_puskesos", "Puskesos menyalurkan bantuan bahan bangunan dari Baznas",
        "Kasus ditutup: ditangani di Puskesos.")
    expect(page.get_by_test_id("case-status")).to_have_text("Selesai")
    expect(page.get_by_test_id("timeline")).to_contain_text("Ditangani di Puskesos")
    expect(page.get_by_test_id("actions")).to_contain_text("Buka kembali")
    shot(page, "back-office-handled-at-puskesos")
    after = case_of(console_stack, case["complaint_id"])
    assert after["status"] == "closed"


def test_an_agency_officer_cannot_open_the_back_office(page_as: Callable[..., Page]) -> None:
    page = page_as("disdik-bantul")
    response = page.goto("/back-office")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("tidak dapat membuka")
    shot(page, "back-office-forbidden")
