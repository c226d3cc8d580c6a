"""The manager dashboard in real Chromium against `slrt up`: complaints seeded through intake and
referred by the pipeline, one referral accepted and resolved by its agency; then the charts and
tables show those numbers, filters by region and period change them (and stay in the address),
the CSV exports carry the same figures, English labels, another district for the national
admin, and a 403 for an agency officer.

Dlingo (kecamatan 340211) holds only this module's complaints, so figures filtered to it are
exact; figures of the whole district are compared with intake's own complaint list.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from .conftest import ConsoleStack, shot

pytestmark = pytest.mark.browser

WIB = ZoneInfo("Asia/Jakarta")
DLINGO, MANGUNAN, MUNTUK = "340211", "3402112001", "3402112002"
DEMO = {"channel": "puskesos", "village_code": "3402052001", "category": "education",
        "subcategory": "kip_pip", "description": "Anak sekolah belum menerima KIP",
        "complainant": {"name": "Sutrisno", "nik": "3402051508809001"}, "consent_given": True}
SEEDS = [
    DEMO,
    {"channel": "front_office", "village_code": MANGUNAN, "category": "health",
     "subcategory": "pbi_jk", "description": "Belum punya KIS walau sakit menahun",
     "complainant": {"name": "Ngatini Dlingo", "nik": "3402114107709001"},
     "consent_given": True},
    {"channel": "puskesos", "village_code": MUNTUK, "category": "housing",
     "subcategory": "rtlh", "description": "Rumah bambu hampir roboh",
     "complainant": {"name": "Pawiro Muntuk", "has_no_nik": True}, "consent_given": True},
    {"channel": "puskesos", "village_code": MANGUNAN, "category": "social_assistance",
     "subcategory": "pkh", "description": "Tidak menerima PKH",
     "complainant": {"name": "Tukiyem Mangunan", "has_no_nik": True}, "consent_given": True},
]


def _today() -> dt.date:
    return dt.datetime.now(WIB).date()


def _wait(check: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def seeded(console_stack: ConsoleStack) -> dict[str, Any]:
    """The seeds registered and referred; the health referral accepted and resolved."""
    intake = console_stack.service_url("intake")
    desk = {"Authorization": "Bearer " + console_stack.token("--role", "front_office",
                                                             "--region", "3402")}
    ids = []
    for body in SEEDS:
        answer = httpx.post(f"{intake}/v1/complaints", json=body, headers=desk, timeout=30)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    views: dict[str, dict[str, Any]] = {}

    def referred() -> bool:
        for cid in ids:
            view = httpx.get(f"{intake}/v1/complaints/{cid}", headers=desk, timeout=30).json()
            views[cid] = view
        return all(v["status"] == "referred" and v["referrals"] for v in views.values())
    _wait(referred, "every seeded complaint referred")

    health = views[ids[1]]["referrals"][0]
    officer = {"Authorization": "Bearer " + console_stack.token(
        "--role", "agency_officer", "--region", "3402", "--agency", health["agency_id"])}
    referral = console_stack.service_url("referral")
    for action in ("accept", "resolve"):
        answer = httpx.post(f"{referral}/v1/referrals/{health['referral_id']}/{action}",
                            headers=officer, timeout=30)
        assert answer.status_code == 200, answer.text
    _wait(lambda: httpx.get(f"{intake}/v1/complaints/{ids[1]}", headers=desk,
                            timeout=30).json()["status"] == "resolved",
          "the resolved referral seen by intake")
    # A complaint may need several agencies (e.g. housing): count the referrals themselves.
    in_dlingo = sum(len(views[cid]["referrals"]) for cid in ids[1:])
    return {"ids": ids, "agency": health["agency_id"], "dlingo_referrals": in_dlingo}


def _listed(stack: ConsoleStack, region: str, category: str) -> int:
    """How many complaints intake's own list gives for the dashboard's default period."""
    today = _today()
    start = dt.datetime.combine(today - dt.timedelta(days=29), dt.time(), WIB)
    token = stack.token("--role", "manager", "--region", region)
    answer = httpx.get(f"{stack.service_url('intake')}/v1/complaints", timeout=30,
                       params={"category": category, "registered_from": start.isoformat(),
                               "limit": 1}, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["total"])


def _table(page: Page, name: str) -> dict[str, list[str]]:
    """A dashboard table as {first cell: row cells}."""
    rows = page.eval_on_selector_all(
        f"[data-testid=table-{name}] tbody tr",
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")
    return {row[0]: row for row in rows}


def _footer(page: Page, name: str) -> list[str]:
    return page.eval_on_selector_all(
        f"[data-testid=table-{name}] tfoot td", "cells => cells.map(c => c.innerText.trim())")


def _download(page: Page, name: str) -> list[list[str]]:
    with page.expect_download() as info:
        page.get_by_test_id(f"export-{name}").click()
    download = info.value
    assert download.suggested_filename.startswith(f"slrt-{name}-")
    text = Path(download.path()).read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def manager(page_as: Callable[..., Page], seeded: dict[str, Any]) -> Iterator[Page]:
    yield page_as("manager-bantul")


def test_charts_and_tables_show_the_seeded_figures(manager: Page,
                                                   console_stack: ConsoleStack) -> None:
    page = manager
    page.goto("/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dasbor pemantauan")
    expect(page.get_by_test_id("showing")).to_contain_text("Kabupaten Bantul (3402)")
    charts = page.locator("svg.chart[role=img]")
    expect(charts).to_have_count(6)
    expect(page.get_by_role("img", name="Pengaduan per sektor")).to_be_visible()
    expect(page.get_by_role("img", name="Kesalahan eksklusi per desa/kelurahan")).to_be_visible()
    sectors = _table(page, "sectors")
    for category, label in (("education", "Pendidikan"), ("health", "Kesehatan"),
                            ("housing", "Perumahan"), ("social_assistance", "Bantuan sosial")):
        listed = _listed(console_stack, "3402", category)
        assert listed >= 1
        assert sectors[label][1] == str(listed), label
    chart = page.get_by_role("img", name="Pengaduan per sektor")
    expect(chart.locator("g.bar").filter(has_text="Kesehatan").locator("text.value")
           ).to_have_text(sectors["Kesehatan"][1])
    shot(page, "dashboard-manager-default")


def test_filters_by_region_and_period_change_the_figures_and_stay_in_the_address(
        manager: Page, seeded: dict[str, Any]) -> None:
    page = manager
    page.goto("/dashboard")
    page.get_by_label("Wilayah").select_option(DLINGO)
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_test_id("showing")).to_contain_text("Dlingo (340211)")
    assert f"region={DLINGO}" in page.url  # a bookmarkable view
    sectors = _table(page, "sectors")
    assert [sectors[k][1] for k in ("Kesehatan", "Perumahan", "Bantuan sosial", "Pendidikan")
            ] == ["1", "1", "1", "0"]
    assert _footer(page, "sectors")[:2] == ["Jumlah", "3"]
    statuses = _table(page, "statuses")
    assert (statuses["Dirujuk"][1], statuses["Selesai"][1]) == ("2", "1")
    durations = _table(page, "durations")
    assert durations["Sampai diterima"][1] == "1" and durations["Sampai selesai"][1] == "1"
    assert durations["Sampai selesai"][2] != "–"  # a median was measured
    referred = seeded["dlingo_referrals"]
    rate = f"{100 / referred:.1f}"
    rates = _table(page, "resolution")
    assert rates["3402"][1:6] == ["Kabupaten Bantul", str(referred), "1", "1",
                                  rate.replace(".", ",")]
    exclusion = _table(page, "exclusion")
    assert set(exclusion) == {MANGUNAN, MUNTUK}
    assert exclusion[MANGUNAN][1:5] == ["Mangunan", "Dlingo", "2", "0"]
    assert exclusion[MUNTUK][1:5] == ["Muntuk", "Dlingo", "1", "0"]
    assert _table(page, "overdue") == {"Tidak ada data untuk saringan ini": [
        "Tidak ada data untuk saringan ini"]}  # nothing is late yet
    shot(page, "dashboard-manager-dlingo")

    rows = _download(page, "sectors")
    assert rows[0] == ["Sektor", "Pengaduan", "Bagian (%)"]
    assert {r[0]: r[1] for r in rows[1:]} == {label: cells[1] for label, cells in sectors.items()}
    rows = _download(page, "exclusion")
    assert rows[0][:5] == ["Kode", "Desa/kelurahan", "Kecamatan", "Tidak ada di data terpadu",
                           "Layak, belum menerima program"]
    assert sorted(r[:4] for r in rows[1:]) == [[MANGUNAN, "Mangunan", "Dlingo", "2"],
                                               [MUNTUK, "Muntuk", "Dlingo", "1"]]
    href = page.get_by_test_id("export-resolution").get_attribute("href")
    assert href is not None and f"region={DLINGO}" in href
    answer = page.request.get(href)
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    assert list(csv.reader(io.StringIO(answer.text())))[1] == [
        "3402", "Kabupaten Bantul", str(referred), "1", "1", rate, rate]

    yesterday = (_today() - dt.timedelta(days=1)).isoformat()
    page.get_by_label("Dari tanggal").fill(yesterday)
    page.get_by_label("Sampai tanggal").fill(yesterday)
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_test_id("showing")).to_contain_text(f"{yesterday} s.d. {yesterday}")
    assert f"from={yesterday}" in page.url and f"region={DLINGO}" in page.url
    assert _table(page, "sectors")["Kesehatan"][1] == "0"
    assert _footer(page, "sectors")[:2] == ["Jumlah", "0"]
    assert "Tidak ada data untuk saringan ini" in _table(page, "exclusion")
    shot(page, "dashboard-manager-narrow-period")

    page.goto(f"/dashboard?region=3404&from={yesterday}&to=bukan-tanggal")
    expect(page.get_by_role("alert").first).to_contain_text("di luar wilayah kerja Anda")
    expect(page.get_by_label("Wilayah")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("showing")).to_contain_text("Kabupaten Bantul (3402)")
    shot(page, "dashboard-manager-refused-filter")


def test_english_labels(page_as: Callable[..., Page], seeded: dict[str, Any]) -> None:
    page = page_as("manager-bantul", lang="en")
    page.goto(f"/dashboard?region={DLINGO}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring dashboard")
    expect(page.get_by_role("img", name="Complaints by sector")).to_be_visible()
    expect(page.get_by_role("heading", name="Exclusion errors by village")).to_be_visible()
    sectors = _table(page, "sectors")
    assert sectors["Health"][1] == "1" and sectors["Housing"][1] == "1"
    assert _table(page, "resolution")["3402"][5] == f"{100 / seeded['dlingo_referrals']:.1f}"
    rows = _download(page, "statuses")
    assert rows[0] == ["Status", "Complaints"]
    assert {r[0]: r[1] for r in rows[1:]}["Resolved"] == "1"
    page.set_viewport_size({"width": 800, "height": 1280})  # a tablet held upright
    shot(page, "dashboard-manager-english-portrait")


def test_national_admin_chooses_another_district(page_as: Callable[..., Page],
                                                 console_stack: ConsoleStack,
                                                 seeded: dict[str, Any]) -> None:
    page = page_as("national-admin")
    page.goto("/dashboard")
    expect(page.get_by_test_id("showing")).to_contain_text("Nasional")
    page.get_by_label("Wilayah").select_option("3404")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_test_id("showing")).to_contain_text("Kabupaten Sleman (3404)")
    sleman = _table(page, "sectors")
    assert sleman["Kesehatan"][1] == str(_listed(console_stack, "3404", "health"))
    assert sleman["Pendidikan"][1] == str(_listed(console_stack, "3404", "education"))
    assert MANGUNAN not in _table(page, "exclusion")
    shot(page, "dashboard-national-sleman")
    page.get_by_label("Wilayah").select_option("3402")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_test_id("showing")).to_contain_text("Kabupaten Bantul (3402)")
    assert _table(page, "sectors")["Kesehatan"][1] == str(
        _listed(console_stack, "3402", "health"))
    assert MANGUNAN in _table(page, "exclusion")


def test_an_agency_officer_may_not_open_the_dashboard(page_as: Callable[..., Page]) -> None:
    page = page_as("disdik-bantul")
    answer = page.goto("/dashboard")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("link", name="Dasbor")).to_have_count(0)
    assert page.request.get("/dashboard/export/sectors.csv").status == 403
    shot(page, "dashboard-agency-officer-403")
