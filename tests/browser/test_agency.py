"""The agency officer's inbox in real Chromium against `slrt up`: a complaint posted to intake is
assessed and referred to Dinas Pendidikan Bantul; its officer accepts and resolves it, returns
another for information, meets a stale answer, and an officer of another agency gets 404.

An overdue referral is not reachable here (the stack runs on the real clock and the first
deadline is days away); the highlighting is tested through the app with fake services in
tests/unit/console/test_agency.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect

from .conftest import ConsoleStack, shot

DEMO_NIK = "3402051508809001"  # Sutrisno, a Bantul household with a school child


def refer_to_disdik(stack: ConsoleStack, description: str) -> tuple[str, str]:
    """Post the demo complaint to intake and wait for its referral to Disdik Bantul's inbox;
    (referral id, complaint number)."""
    front = stack.token("--role", "front_office", "--region", "3402")
    made = httpx.post(f"{stack.service_url('intake')}/v1/complaints",
                      headers={"Authorization": f"Bearer {front}"},
                      json={"channel": "puskesos", "village_code": "3402052001",
                            "category": "education", "subcategory": "kip_pip",
                            "description": description,
                            "complainant": {"name": "Sutrisno", "nik": DEMO_NIK},
                            "consent_given": True}, timeout=10)
    assert made.status_code == 201, made.text
    complaint_id, number = made.json()["id"], made.json()["number"]
    officer = stack.token("--role", "agency_officer", "--region", "3402",
                          "--agency", "disdik-3402")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        inbox = httpx.get(f"{stack.service_url('referral')}/v1/agencies/disdik-3402/referrals",
                          headers={"Authorization": f"Bearer {officer}"},
                          params={"limit": 500}, timeout=10).json()
        for item in inbox["items"]:
            if item["complaint_id"] == complaint_id:
                return item["referral_id"], number
        time.sleep(0.3)
    raise AssertionError(f"complaint {number} was not referred to disdik-3402 within 20 s")


def open_referral(page: Page, referral_id: str) -> None:
    page.goto(f"/agency/referrals/{referral_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rujukan")


def test_an_officer_accepts_then_resolves_a_referral(
        console_stack: ConsoleStack, page_as: Callable[..., Page]) -> None:
    referral_id, number = refer_to_disdik(console_stack, "Anak sekolah belum menerima KIP")
    page = page_as("disdik-bantul")
    expect(page).to_have_url(f"{console_stack.url}/agency")  # the officer's landing page
    row = page.locator(f'tr[data-referral="{referral_id}"]')
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("Baru")
    expect(row).to_contain_text("WIB")  # due times in the referral's zone
    shot(page, "agency-inbox")
    page.set_viewport_size({"width": 800, "height": 1280})  # the tablet upright
    expect(row).to_be_visible()
    shot(page, "agency-inbox-portrait")
    page.set_viewport_size({"width": 1280, "height": 800})

    row.get_by_role("link", name=number).click()
    expect(page.get_by_test_id("referral-status")).to_have_text("Baru")
    expect(page.get_by_test_id("complaint-description")).to_have_text(
        "Anak sekolah belum menerima KIP")
    expect(page.get_by_test_id("action-progress")).to_have_count(0)  # not allowed yet
    shot(page, "agency-referral")

    page.get_by_test_id("action-accept").get_by_role("button", name="Terima").click()
    expect(page.get_by_role("status")).to_have_text("Rujukan diterima.")
    expect(page.get_by_test_id("referral-status")).to_have_text("Diterima")
    expect(page.get_by_test_id("action-accept")).to_have_count(0)

    resolve = page.get_by_test_id("action-resolve")
    resolve.get_by_label("Hasil penanganan").fill("KIP diterbitkan untuk Dimas dan Ayu")
    resolve.get_by_role("button", name="Selesaikan").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("Selesai")
    expect(page.get_by_test_id("history")).to_contain_text("KIP diterbitkan untuk Dimas dan Ayu")
    expect(page.get_by_test_id("no-actions")).to_be_visible()
    shot(page, "agency-referral-resolved")

    page.goto("/agency?status=resolved")
    expect(page.locator(f'tr[data-referral="{referral_id}"]')).to_contain_text("Selesai")


def test_an_officer_returns_a_referral_asking_for_information(
        console_stack: ConsoleStack, page_as: Callable[..., Page]) -> None:
    referral_id, _ = refer_to_disdik(console_stack, "KIP anak belum cair semester ini")
    page = page_as("disdik-bantul")
    open_referral(page, referral_id)
    ask = page.get_by_test_id("action-return")
    ask.get_by_label("Informasi yang diperlukan (wajib)").fill(
        "Mohon lampirkan nomor induk siswa dan nama sekolah")
    ask.get_by_role("button", name="Minta informasi").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("Dikembalikan")
    expect(page.get_by_test_id("history")).to_contain_text("nomor induk siswa")
    # The back office answers now; meanwhile the agency may still only refuse it.
    expect(page.get_by_test_id("action-return")).to_have_count(0)
    expect(page.get_by_test_id("action-reject")).to_be_visible()
    shot(page, "agency-referral-returned")


def test_a_stale_answer_says_so_and_shows_the_referral_as_it_is(
        console_stack: ConsoleStack, page_as: Callable[..., Page]) -> None:
    referral_id, _ = refer_to_disdik(console_stack, "Pendaftaran PIP ditolak sekolah")
    first, second = page_as("disdik-bantul"), page_as("disdik-bantul")
    open_referral(first, referral_id)
    open_referral(second, referral_id)
    first.get_by_test_id("action-accept").get_by_role("button", name="Terima").click()
    expect(first.get_by_test_id("referral-status")).to_have_text("Diterima")

    second.get_by_test_id("action-accept").get_by_role("button", name="Terima").click()
    expect(second.get_by_test_id("answer-error")).to_contain_text("sudah diubah orang lain")
    expect(second.get_by_test_id("answer-error")).to_contain_text("status: Diterima")
    expect(second.get_by_test_id("referral-status")).to_have_text("Diterima")
    expect(second.get_by_test_id("action-accept")).to_have_count(0)
    expect(second.get_by_test_id("action-resolve")).to_be_visible()
    shot(second, "agency-referral-stale")


def test_another_agencys_officer_gets_not_found(
        console_stack: ConsoleStack, page_as: Callable[..., Page]) -> None:
    referral_id, number = refer_to_disdik(console_stack, "Seragam sekolah bantuan belum ada")
    page = page_as("disdik-sleman")
    response = page.goto(f"/agency/referrals/{referral_id}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Tidak ditemukan")
    shot(page, "agency-other-agency-404")
    page.goto("/agency?status=all")
    expect(page.get_by_test_id("inbox-agency")).to_have_text("disdik-3404")
    expect(page.get_by_text(number)).to_have_count(0)


def test_a_coordinator_opens_an_agencys_inbox_of_the_region(
        console_stack: ConsoleStack, page_as: Callable[..., Page]) -> None:
    referral_id, number = refer_to_disdik(console_stack, "Beasiswa PIP belum diterima")
    page = page_as("back-office-bantul")
    page.goto("/agency")
    expect(page.get_by_test_id("agency-choose-first")).to_be_visible()
    page.get_by_label("Dinas").select_option("disdik-3402")
    page.get_by_role("button", name="Buka kotak masuk").click()
    expect(page.locator(f'tr[data-referral="{referral_id}"]')).to_contain_text(number)
    shot(page, "agency-inbox-coordinator")
    page.locator(f'tr[data-referral="{referral_id}"]').get_by_role("link").click()
    expect(page.get_by_text("atas nama disdik-3402")).to_be_visible()
