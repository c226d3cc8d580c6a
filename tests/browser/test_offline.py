"""The offline form of a field tablet in real Chromium: the service worker keeps the page, the
network is cut (Playwright's offline emulation, which Chromium applies to pages and service
workers alike), two complaints are queued in IndexedDB and survive a reload, the session
ends before the network comes back (the queue is kept, the user signs in again), then the
queue syncs: one created with its number, one rejected for its NIK. A retried item comes back
as a duplicate of the same complaint, checked against intake's API."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from .conftest import ConsoleStack, shot

VALID_NIK = "3402051508809001"  # Sutrisno, demo household in 3402052001
BAD_NIK = "3402050000000000"  # day 00, serial 0000: intake refuses it
PERSONA = "puskesos-bambanglipuro"

# The page's own store, read as it is (the test only copies a record back, see below).
READ_QUEUE = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("slrt-offline");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const get = open.result.transaction("queue").objectStore("queue").getAll();
    get.onsuccess = () => { resolve(get.result); open.result.close(); };
    get.onerror = () => reject(get.error);
  };
})"""
NETWORK_PROBE = "fetch('/healthz', {cache: 'no-store'}).then(() => 'reached', () => 'failed')"
PUT_BACK = """(row) => new Promise((resolve, reject) => {
  const open = indexedDB.open("slrt-offline");
  open.onsuccess = () => {
    const tx = open.result.transaction("queue", "readwrite");
    tx.objectStore("queue").put(row);
    tx.oncomplete = () => { resolve(true); open.result.close(); };
    tx.onerror = () => reject(tx.error);
  };
})"""


def capture(page: Page, name: str, nik: str) -> None:
    page.get_by_label("Village code").fill("3402052001")
    page.get_by_label(re.compile(r"^Category")).select_option("education")
    page.get_by_label("Subcategory").select_option("kip_pip")
    page.get_by_label(re.compile(r"^Urgency")).select_option("urgent")
    page.get_by_label(re.compile(r"^Description")).fill("Anak sekolah belum menerima KIP/PIP")
    page.get_by_label(re.compile(r"^Complainant's name")).fill(name)
    page.get_by_label(re.compile(r"^NIK")).fill(nik)
    page.get_by_label("Phone number").fill("0812-3456-7890")
    page.get_by_label(re.compile(r"consents to the processing")).check()
    page.get_by_role("button", name="Save on this device").click()


def field_tablet_complaints(stack: ConsoleStack, token: str, device_id: str
                            ) -> list[dict[str, Any]]:
    """Complaints of village 3402052001 that this tablet (device id) sent, from intake."""
    auth = {"Authorization": f"Bearer {token}"}
    base = stack.service_url("intake")
    listed = httpx.get(f"{base}/v1/complaints", headers=auth,
                       params={"village": "3402052001", "limit": 200}).json()["items"]
    found = []
    for row in listed:
        if row["channel"] != "field_tablet":
            continue
        full = httpx.get(f"{base}/v1/complaints/{row['id']}", headers=auth).json()
        if full["device_id"] == device_id:
            found.append(full)
    return found


def test_a_tablet_queues_offline_and_syncs_once_when_back_online(
        page_as: Callable[..., Page], console_stack: ConsoleStack) -> None:
    page = page_as(PERSONA, lang="en")
    context: BrowserContext = page.context
    page.goto("/offline")
    expect(page.get_by_role("heading", name="Offline complaint form")).to_be_visible()
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.state)") \
        in ("activating", "activated")
    expect(page.get_by_test_id("queue-count")).to_have_text(re.compile(r"^Waiting to sync: 0"))
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    # Network cut: the page still opens, from the service worker's cache. Chromium's offline
    # emulation covers the worker too: its own fetches fail, so the page is not from the net.
    context.set_offline(True)
    [worker] = context.service_workers
    assert worker.evaluate(NETWORK_PROBE) == "failed"
    reloaded = page.reload()
    assert reloaded is not None and reloaded.from_service_worker and reloaded.ok
    expect(page.get_by_test_id("network")).to_have_text("Offline")
    assert page.evaluate("navigator.onLine") is False
    assert page.evaluate(NETWORK_PROBE) == "failed"

    # A slip the tablet can see by itself is shown at the field, nothing is queued.
    page.get_by_role("button", name="Save on this device").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("Village code")
    expect(page.get_by_label("Village code")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("queue-count")).to_have_text(re.compile(r"^Waiting to sync: 0"))

    capture(page, "Sutrisno", VALID_NIK)
    expect(page.get_by_test_id("status")).to_have_text("Saved on this device. "
                                                        "Waiting to sync: 1.")
    capture(page, "Tukiyem", BAD_NIK)
    expect(page.get_by_test_id("queue-count")).to_have_text("Waiting to sync: 2")
    page.reload()  # still offline: the queue is read back from IndexedDB
    expect(page.get_by_test_id("queue-count")).to_have_text("Waiting to sync: 2")
    expect(page.get_by_test_id("queue-item")).to_have_count(2)
    shot(page, "offline-queue-offline")

    queued = {row["item"]["complainant"]["name"]: row for row in page.evaluate(READ_QUEUE)}
    valid = queued["Sutrisno"]
    device_id = page.evaluate("localStorage.getItem('slrt.offline.device_id')")
    assert valid["item"]["channel"] == "field_tablet" and device_id.startswith("tablet-")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d",
                        valid["item"]["captured_at"])
    assert re.fullmatch(r"[0-9a-f-]{36}", valid["client_ref"])

    # The session ends while offline: the sync is refused, every item stays.
    context.clear_cookies(name="slrt_session")
    context.set_offline(False)
    expect(page.get_by_test_id("status")).to_contain_text("Your session has ended")
    expect(page.get_by_test_id("queue-count")).to_have_text("Waiting to sync: 2")
    shot(page, "offline-session-expired")
    page.get_by_test_id("sign-in-link").click()
    page.get_by_test_id(f"persona-{PERSONA}").click()
    expect(page).to_have_url(re.compile(r"/offline$"))

    # Back online and signed in: opening the page syncs the queue.
    results = page.get_by_test_id("result-item")
    expect(results).to_have_count(2, timeout=20_000)
    created = page.locator("[data-testid=result-item][data-outcome=created]")
    expect(created).to_contain_text("Sutrisno")
    number = created.get_by_test_id("complaint-number").inner_text().strip()
    assert re.fullmatch(r"SLRT-3402-\d{4}-\d{6}", number)
    rejected = page.locator("[data-testid=result-item][data-outcome=rejected]")
    expect(rejected).to_contain_text("Tukiyem")
    expect(rejected).to_contain_text("NIK (national ID number): Tanggal lahir di NIK tidak valid")
    # The rejected item stays queued with its reasons, to be fixed or deleted.
    expect(page.get_by_test_id("queue-count")).to_have_text("Waiting to sync: 0 · to fix: 1")
    left = page.get_by_test_id("queue-item")
    expect(left).to_have_count(1)
    expect(left).to_have_attribute("data-state", "rejected")
    expect(left).to_contain_text("Nomor urut NIK tidak boleh 0000")
    shot(page, "offline-results-after-sync")

    token = console_stack.token("--role", "puskesos_operator", "--region", "340205")
    [complaint] = field_tablet_complaints(console_stack, token, device_id)
    assert complaint["number"] == number
    assert complaint["complainant"]["name"] == "Sutrisno"

    # Nothing waits any more: syncing again sends nothing.
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_test_id("status")).to_have_text("No complaint is waiting to sync.")

    # An answer lost on the way (the item registered, the tablet never told) means the item
    # is still queued: the next sync gets the same complaint back, not a second one.
    page.evaluate(PUT_BACK, valid)
    page.reload()
    duplicate = page.locator("[data-testid=result-item][data-outcome=duplicate]")
    expect(duplicate).to_be_visible(timeout=20_000)
    expect(duplicate.get_by_test_id("complaint-number")).to_have_text(number)
    expect(page.get_by_test_id("queue-item")).to_have_count(1)  # only the rejected one
    shot(page, "offline-duplicate-after-retry")
    assert len(field_tablet_complaints(console_stack, token, device_id)) == 1
    # Intake itself knows the client_ref: the same item sent directly is that complaint.
    again = httpx.post(f"{console_stack.service_url('intake')}/v1/complaints:batch",
                       headers={"Authorization": f"Bearer {token}"},
                       json={"device_id": device_id, "items": [valid["item"]]}).json()
    assert [(i["outcome"], i["number"]) for i in again["items"]] == [("duplicate", number)]

    # The operator fixes the rejected item (a NIK is not known after all) and syncs it.
    left.get_by_role("button", name="Fix: Tukiyem").click()
    expect(page.get_by_label(re.compile(r"^NIK"))).to_have_attribute("aria-invalid", "true")
    page.get_by_label(re.compile(r"^NIK")).fill("")
    page.get_by_label("The complainant has no NIK").check()
    page.get_by_role("button", name="Save on this device").click()
    fixed = page.locator("[data-testid=result-item][data-outcome=created]")
    expect(fixed).to_contain_text("Tukiyem", timeout=20_000)
    expect(page.get_by_test_id("queue-count")).to_have_text(re.compile(r"^Waiting to sync: 0"))
    expect(page.get_by_test_id("queue-item")).to_have_count(0)
    deadline = time.monotonic() + 20
    while len(field_tablet_complaints(console_stack, token, device_id)) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.5)


def test_a_queued_item_can_be_deleted_and_the_page_speaks_indonesian(
        page_as: Callable[..., Page]) -> None:
    page = page_as(PERSONA)  # Bahasa Indonesia, the default
    page.goto("/offline")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("network")).to_have_text("Tanpa jaringan")
    page.get_by_label("Kode desa/kelurahan").fill("3402052001")
    page.get_by_label(re.compile(r"^Kategori")).select_option("health")
    page.get_by_label(re.compile(r"^Uraian keluhan")).fill("Belum punya kartu KIS")
    page.get_by_label(re.compile(r"^Nama pengadu")).fill("Painem")
    page.get_by_label("Pengadu tidak memiliki NIK").check()
    page.get_by_label(re.compile("Pengadu menyetujui")).check()
    page.get_by_role("button", name="Simpan di perangkat").click()
    expect(page.get_by_test_id("queue-count")).to_have_text("Menunggu dikirim: 1")
    expect(page.get_by_test_id("queue-item")).to_contain_text("tanpa NIK")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Hapus: Painem").click()
    expect(page.get_by_test_id("status")).to_have_text("Pengaduan Painem dihapus dari antrean.")
    expect(page.get_by_test_id("queue-count")).to_have_text(re.compile(r"^Menunggu dikirim: 0"))
    page.set_viewport_size({"width": 800, "height": 1280})
    shot(page, "offline-portrait-id")
