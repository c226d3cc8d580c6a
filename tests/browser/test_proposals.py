"""Usulan in real Chromium against `slrt up`: the Puskesos operator of Bambanglipuro proposes a
correction for Sutrisno's household, the back office verifies it, the district manager approves
and applies it; another usulan is rejected with a reason; applying one made on a household that
changed since is refused with a clear message."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from .conftest import ConsoleStack, shot

DEMO_NIK = "3402051508809001"  # Sutrisno's household, village 3402052001


def registry(stack: ConsoleStack, method: str, path: str, role: str, region: str,
             body: Any = None) -> Any:
    token = stack.token("--role", role, "--region", region, "--subject", f"api-{role}")
    answer = httpx.request(method, f"{stack.service_url('registry')}{path}", json=body,
                           headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code < 300, answer.text
    return answer.json()


def sutrisno(stack: ConsoleStack) -> dict[str, Any]:
    found = registry(stack, "GET", f"/v1/households/search?nik={DEMO_NIK}",
                     "puskesos_operator", "340205")
    return registry(stack, "GET", f"/v1/households/{found['results'][0]['household_id']}",
                    "puskesos_operator", "340205")


def propose_by_api(stack: ConsoleStack, details: dict[str, Any], note: str) -> str:
    household = sutrisno(stack)
    made = registry(stack, "POST", "/v1/proposals", "puskesos_operator", "340205",
                    {"kind": "correct_field", "household_id": household["household_id"],
                     "details": details, "note": note})
    return str(made["proposal_id"])


def accept_dialogs(page: Page) -> None:
    """Buttons with data-confirm ask first; the user says yes."""
    page.on("dialog", lambda dialog: dialog.accept())


def test_an_usulan_is_proposed_verified_approved_and_applied(
        console_stack: ConsoleStack, page_as: Callable[..., Page]) -> None:
    village = page_as("puskesos-bambanglipuro")
    village.goto("/proposals")
    village.get_by_test_id("new-proposal").click()
    village.get_by_label("NIK anggota").fill(DEMO_NIK)
    village.get_by_role("button", name="Cari").click()
    expect(village).to_have_url(f"{console_stack.url}/proposals/new/search")  # NIK not in URL
    results = village.get_by_test_id("search-results")
    expect(results).to_contain_text("Sutrisno")
    shot(village, "proposals-household-search")

    results.get_by_role("link", name="Pilih rumah tangga Sutrisno").click()
    expect(village.get_by_test_id("household")).to_contain_text("Ayu Lestari")
    village.get_by_label("Apa yang berubah?").select_option("correct.member.school_enrolled")
    village.get_by_role("button", name="Lanjut").click()
    form = village.get_by_test_id("proposal-form")
    form.get_by_label("Anggota").select_option(label="Ayu Lestari (Anak)")
    form.get_by_label("Nilai yang benar").select_option("yes")
    form.get_by_label("Alasan dan dokumen pendukung (wajib)").fill(
        "Ayu masuk TK ABA Sidomulyo, surat keterangan sekolah terlampir")
    shot(village, "proposals-new-form")
    form.get_by_role("button", name="Kirim usulan").click()

    expect(village.get_by_role("status")).to_have_text("Usulan terkirim; menunggu verifikasi.")
    expect(village.get_by_test_id("proposal-state")).to_have_text("Diusulkan")
    expect(village.get_by_test_id("proposal-changes")).to_contain_text("Ayu Lestari")
    expect(village.get_by_test_id("waiting-for")).to_contain_text("verifikasi")
    expect(village.get_by_test_id("step-verify")).to_have_count(0)  # the back office's step
    expect(village.get_by_test_id("step-reject")).to_be_visible()  # the proposer may withdraw
    shot(village, "proposals-detail-proposed")
    match = re.search(r"/proposals/([0-9a-f-]{36})", village.url)
    assert match is not None
    proposal_url = f"/proposals/{match.group(1)}"

    back_office = page_as("back-office-bantul")
    back_office.goto("/proposals?state=proposed")
    row = back_office.locator(f'tr[data-proposal="{match.group(1)}"]')
    expect(row.get_by_test_id("waiting-for-you")).to_be_visible()
    shot(back_office, "proposals-list-back-office")
    row.get_by_role("link").click()
    expect(back_office.get_by_test_id("step-approve")).to_have_count(0)
    verify = back_office.get_by_test_id("step-verify")
    verify.get_by_label("Catatan verifikasi (tidak wajib)").fill("Dicocokkan dengan surat TK")
    verify.get_by_role("button", name="Verifikasi").click()
    expect(back_office.get_by_test_id("proposal-state")).to_have_text("Terverifikasi")
    shot(back_office, "proposals-detail-verified")

    manager = page_as("manager-bantul")
    accept_dialogs(manager)
    manager.goto(proposal_url)
    manager.get_by_test_id("step-approve").get_by_role("button", name="Validasi").click()
    expect(manager.get_by_test_id("proposal-state")).to_have_text("Tervalidasi")
    manager.get_by_test_id("step-apply").get_by_role("button", name="Terapkan ke data").click()
    expect(manager.get_by_test_id("proposal-state")).to_have_text("Diterapkan")
    expect(manager.get_by_role("status")).to_contain_text("diterapkan")
    history = manager.get_by_test_id("proposal-history")
    for step in ("Diusulkan", "Diverifikasi", "Divalidasi", "Diterapkan"):
        expect(history).to_contain_text(step)
    shot(manager, "proposals-detail-applied")
    ayu = [m for m in sutrisno(console_stack)["members"] if m["name"] == "Ayu Lestari"][0]
    assert ayu["school_enrolled"] is True


def test_an_usulan_is_rejected_with_a_reason(
        console_stack: ConsoleStack, page_as: Callable[..., Page]) -> None:
    proposal_id = propose_by_api(console_stack, {"entity": "household", "field": "address",
                                                 "value": "Dusun Krajan RT 04/RW 01"},
                                 "pindah RT")
    back_office = page_as("back-office-bantul")
    accept_dialogs(back_office)
    back_office.goto(f"/proposals/{proposal_id}")
    reject = back_office.get_by_test_id("step-reject")
    reject.get_by_label("Alasan penolakan (wajib)").fill(
        "Tidak ada surat keterangan RT; lengkapi lalu usulkan lagi")
    reject.get_by_role("button", name="Tolak").click()
    expect(back_office.get_by_test_id("proposal-state")).to_have_text("Ditolak")
    expect(back_office.get_by_test_id("rejection-reason")).to_have_text(
        "Tidak ada surat keterangan RT; lengkapi lalu usulkan lagi")
    shot(back_office, "proposals-detail-rejected")

    village = page_as("puskesos-bambanglipuro")
    village.goto("/proposals?state=rejected")
    expect(village.locator(f'tr[data-proposal="{proposal_id}"]')).to_contain_text("Ditolak")


def test_applying_on_a_household_that_changed_since_is_refused_clearly(
        console_stack: ConsoleStack, page_as: Callable[..., Page]) -> None:
    ids = [propose_by_api(console_stack, {"entity": "household", "field": "address",
                                          "value": f"Dusun Krajan RT 0{n}/RW 01"},
                          f"koreksi alamat {n}") for n in (5, 6)]
    for proposal_id in ids:
        registry(console_stack, "POST", f"/v1/proposals/{proposal_id}/verify", "back_office",
                 "3402", {"note": ""})
        registry(console_stack, "POST", f"/v1/proposals/{proposal_id}/approve", "manager",
                 "3402", {"note": ""})
    registry(console_stack, "POST", f"/v1/proposals/{ids[0]}/apply", "manager", "3402")

    manager = page_as("manager-bantul")
    accept_dialogs(manager)
    manager.goto(f"/proposals/{ids[1]}")
    manager.get_by_test_id("step-apply").get_by_role("button", name="Terapkan ke data").click()
    error = manager.get_by_test_id("step-error")
    expect(error).to_contain_text("data rumah tangga sudah berubah")
    expect(manager.get_by_test_id("proposal-state")).to_have_text("Tervalidasi")
    expect(manager.get_by_test_id("stale-help").get_by_role("link")).to_be_visible()
    shot(manager, "proposals-stale-household")
