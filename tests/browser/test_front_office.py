"""The front office and Puskesos screens in Chromium against the whole system: household search
and profile, the complaint form (live checks, per-field refusals, registration, possible
duplicates, one complaint per form even when sent twice), receipts, the complaint list and its
filters, follow-ups, English, and the region a desk may see."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from .conftest import ConsoleStack, shot

SUTRISNO_NIK = "3402051508809001"
WARTINI_NIK = "3402056204839001"  # Sutrisno's wife
BAD_BIRTH_DATE_NIK = "3402051513809001"  # month 13
MOVED_NIK = "3471014101900001"  # issued in Kota Yogyakarta: a warning in Bantul
JANGKARAN = "3401012001"  # a village of Temon, Kulon Progo: outside Bambanglipuro (340205)
PageAs = Callable[..., Page]


def _api(stack: ConsoleStack, token: str, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, stack.service_url("intake") + path,
                             headers={"Authorization": f"Bearer {token}"}, timeout=30, **kwargs)
    assert response.status_code < 300, response.text
    return response.json()


def _complaint(stack: ConsoleStack, token: str, **changes: Any) -> dict[str, Any]:
    body = {"channel": "front_office", "village_code": "3402052001", "category": "education",
            "subcategory": "kip_pip", "description": "Anak sekolah belum menerima KIP",
            "complainant": {"name": "Warga uji", "has_no_nik": True}, "consent_given": True,
            **changes}
    return _api(stack, token, "POST", "/v1/complaints", json=body)


def _search(page: Page, method: str, value: str) -> None:
    page.goto("/front-office")
    page.get_by_label("Cari berdasarkan").select_option(method)
    page.get_by_label("Kata kunci").fill(value)
    page.get_by_role("button", name="Cari", exact=True).click()


def _fill_complaint(page: Page, *, category: str, subcategory: str, description: str) -> None:
    page.get_by_label("Kategori *").select_option(category)
    page.get_by_label("Subkategori").select_option(subcategory)
    page.get_by_label("Uraian keluhan *").fill(description)
    page.get_by_label("Pelapor menyetujui pemrosesan data pribadi").check()


def test_search_by_nik_finds_sutrisno_and_opens_the_household(page_as: PageAs) -> None:
    page = page_as("puskesos-bambanglipuro")
    expect(page.get_by_role("heading", name="Cari rumah tangga")).to_be_visible()
    _search(page, "nik", SUTRISNO_NIK)
    rows = page.get_by_test_id("household-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sutrisno")
    expect(rows.first).to_contain_text("Sidomulyo, Bambanglipuro")
    assert SUTRISNO_NIK not in page.url  # the form posts: the NIK stays out of the address bar
    shot(page, "front-office-search-nik")
    rows.first.get_by_role("link", name="Sutrisno").click()
    expect(page.get_by_role("heading", name="Rumah tangga Sutrisno")).to_be_visible()
    members = page.get_by_test_id("member-row")
    expect(members).to_have_count(4)
    expect(page.get_by_test_id("members")).to_contain_text(SUTRISNO_NIK)
    expect(page.get_by_test_id("programs")).to_contain_text("PKH")
    expect(page.get_by_test_id("needs")).to_contain_text("KIP")
    assert re.search(r"/front-office/households/[0-9a-f-]{36}$", page.url)
    shot(page, "front-office-household")


def test_search_by_name_and_a_bad_nik(page_as: PageAs) -> None:
    page = page_as("front-office-bantul")
    _search(page, "name", "Sutrisno")
    expect(page.get_by_test_id("household-row").first).to_contain_text("Sutrisno")
    shot(page, "front-office-search-name")
    _search(page, "nik", "3402-05")
    expect(page.get_by_test_id("search-error")).to_contain_text("16 digit")
    expect(page.get_by_label("Kata kunci")).to_have_attribute("aria-invalid", "true")


def test_the_form_checks_the_nik_while_typing(page_as: PageAs) -> None:
    page = page_as("puskesos-bambanglipuro")
    page.goto("/front-office/complaints/new")
    page.get_by_label("Desa/kelurahan *").select_option("3402052001")
    nik = page.get_by_label("NIK", exact=True)
    message = page.locator("[data-msg-for='complainant.nik']")
    nik.fill(BAD_BIRTH_DATE_NIK)
    expect(message).to_have_text("Tanggal lahir di NIK tidak valid.")
    expect(message).to_have_class("field-error")
    expect(nik).to_have_attribute("aria-invalid", "true")
    # Fields not yet filled in are not errors while typing: "required" waits for the submit.
    expect(page.locator("[data-msg-for='description']")).to_have_text("")
    shot(page, "front-office-form-live-error")
    nik.fill(MOVED_NIK)
    expect(message).to_contain_text("Kecamatan pada NIK berbeda")
    expect(message).to_have_class("field-warning")
    expect(nik).not_to_have_attribute("aria-invalid", "true")
    shot(page, "front-office-form-live-warning")


def test_a_refused_form_names_every_field_at_the_top_and_beside_it(page_as: PageAs) -> None:
    page = page_as("puskesos-bambanglipuro")
    page.goto("/front-office/complaints/new")
    page.get_by_label("NIK", exact=True).fill(BAD_BIRTH_DATE_NIK)
    page.get_by_test_id("submit-complaint").click()
    summary = page.get_by_role("alert").filter(has_text="Periksa")
    expect(summary).to_be_visible()
    for text in ("Desa/kelurahan", "Kategori", "Uraian keluhan", "Nama pelapor",
                 "Tanggal lahir di NIK tidak valid", "Persetujuan pemrosesan"):
        expect(summary).to_contain_text(text)
    expect(page.locator("[data-msg-for='consent_given']")).to_contain_text("Persetujuan")
    expect(page.get_by_label("Uraian keluhan *")).to_have_attribute("aria-invalid", "true")
    # No NIK and no "has no NIK" tick: the form asks for one of them.
    page.get_by_label("NIK", exact=True).fill("")
    page.get_by_test_id("submit-complaint").click()
    expect(page.locator("[data-msg-for='complainant.nik']")).to_contain_text(
        "Pelapor tidak punya NIK")
    shot(page, "front-office-form-refused")


def test_register_from_the_household_then_a_possible_duplicate(
        page_as: PageAs, console_stack: ConsoleStack) -> None:
    page = page_as("puskesos-bambanglipuro")
    _search(page, "nik", SUTRISNO_NIK)
    page.get_by_test_id("household-row").first.get_by_role("link").click()
    # The wife complains: her row's link prefills her as the complainant.
    page.get_by_test_id("member-row").filter(has_text="Wartini").get_by_role("link").click()
    expect(page.get_by_label("NIK", exact=True)).to_have_value(WARTINI_NIK)
    expect(page.get_by_label("Nama pelapor *")).to_have_value("Wartini")
    expect(page.get_by_label("Desa/kelurahan *")).to_have_value("3402052001")
    expect(page.get_by_label("Saluran *")).to_have_value("puskesos")
    _fill_complaint(page, category="health", subcategory="pbi_jk",
                    description="Istri belum punya KIS, berobat harus bayar sendiri.")
    shot(page, "front-office-form-filled")
    form_key = page.locator("input[name=idempotency_key]").input_value()
    fields = page.eval_on_selector(
        "form[data-testid=complaint-form]",
        "f => Object.fromEntries(new FormData(f).entries())")
    page.get_by_test_id("submit-complaint").click()
    number = page.get_by_test_id("complaint-number")
    expect(number).to_have_text(re.compile(r"^SLRT-3402-\d{4}-\d{6}$"))
    expect(page.get_by_test_id("created")).to_contain_text(number.inner_text())
    first_number, first_url = number.inner_text(), page.url.split("?")[0]
    shot(page, "front-office-complaint-created")

    # The same form sent again (a double click, a retry): the same complaint, not a second.
    assert fields["idempotency_key"] == form_key
    again = page.request.post("/front-office/complaints", form=fields)
    assert again.ok and again.url.split("?")[0] == first_url

    # Receipts, with the user's token: a real PDF, and the HTML with the number.
    pdf = page.request.get(first_url + "/receipt.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    page.goto(first_url + "/receipt.html")
    expect(page.get_by_text(first_number)).to_be_visible()
    shot(page, "front-office-receipt")

    # A second complaint by the same person in the same category: flagged, linked.
    page.goto("/front-office/complaints/new")
    page.get_by_label("Desa/kelurahan *").select_option("3402052001")
    page.get_by_label("Nama pelapor *").fill("Wartini")
    page.get_by_label("NIK", exact=True).fill(WARTINI_NIK)
    _fill_complaint(page, category="health", subcategory="pbi_jk",
                    description="Menanyakan lagi soal KIS yang belum terbit.")
    page.get_by_test_id("submit-complaint").click()
    duplicate = page.get_by_test_id("possible-duplicate")
    expect(duplicate).to_contain_text("Mungkin sama")
    expect(duplicate.get_by_role("link", name=first_number)).to_be_visible()
    assert page.get_by_test_id("complaint-number").inner_text() != first_number
    shot(page, "front-office-complaint-duplicate")
    duplicate.get_by_role("link", name=first_number).click()
    expect(page.get_by_test_id("complaint-number")).to_have_text(first_number)


def test_the_complaint_page_follows_the_pipeline(page_as: PageAs,
                                                 console_stack: ConsoleStack) -> None:
    token = console_stack.token("--role", "front_office", "--region", "3402")
    created = _complaint(console_stack, token, complainant={"name": "Sutrisno",
                                                            "nik": SUTRISNO_NIK})
    page = page_as("front-office-bantul")
    deadline = time.monotonic() + 20
    while True:  # assessment and referral take a second or two
        page.goto(f"/complaints/{created['id']}")
        if page.get_by_test_id("referrals").count() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    expect(page.get_by_test_id("referrals")).to_contain_text("disdik-3402")
    timeline = page.get_by_test_id("timeline")
    for step in ("Dicatat", "Dinilai oleh registri", "Dirujuk ke dinas"):
        expect(timeline).to_contain_text(step)
    expect(page.get_by_test_id("complaint-status")).to_have_text("Dirujuk")
    shot(page, "front-office-complaint-referred")


def test_follow_ups_information_withdrawal_and_satisfaction(
        page_as: PageAs, console_stack: ConsoleStack) -> None:
    token = console_stack.token("--role", "front_office", "--region", "3402")
    open_one = _complaint(console_stack, token, category="housing", subcategory="rtlh",
                          description="Atap rumah bocor parah saat hujan.")
    page = page_as("front-office-bantul")
    page.goto(f"/complaints/{open_one['id']}")
    information = page.get_by_test_id("follow-up-information")
    information.get_by_role("button").click()  # an empty note: intake's refusal, shown
    expect(page.get_by_role("alert")).to_contain_text("Isi catatan, lampiran, atau keduanya")
    page.get_by_test_id("follow-up-information").get_by_label("Catatan").fill(
        "Foto atap menyusul lewat kader desa.")
    page.get_by_test_id("follow-up-information").get_by_role("button").click()
    expect(page.get_by_role("status").filter(has_text="Informasi ditambahkan")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text("Informasi ditambahkan")

    withdraw = page.get_by_test_id("follow-up-withdraw")
    withdraw.get_by_label("Alasan pencabutan *").fill("ok")  # too short for intake
    page.once("dialog", lambda dialog: dialog.accept())
    withdraw.get_by_role("button").click()
    expect(page.get_by_role("alert")).to_contain_text("Tidak tersimpan")
    shot(page, "front-office-follow-up-refused")
    page.get_by_test_id("follow-up-withdraw").get_by_label("Alasan pencabutan *").fill(
        "Atap sudah diperbaiki swadaya warga.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("follow-up-withdraw").get_by_role("button").click()
    expect(page.get_by_test_id("complaint-status")).to_have_text("Dicabut")
    expect(page.get_by_test_id("follow-up-withdraw")).to_have_count(0)

    closed = _complaint(console_stack, token, kind="question",
                        desk_resolution="Dijelaskan jadwal pencairan KIP di sekolah.")
    page.goto(f"/complaints/{closed['id']}")
    satisfaction = page.get_by_test_id("follow-up-satisfaction")
    satisfaction.get_by_label("4 – Puas").check()
    shot(page, "front-office-follow-up-satisfaction")
    satisfaction.get_by_role("button").click()
    expect(page.get_by_test_id("satisfaction-score")).to_have_text("4 / 5")
    expect(page.get_by_test_id("follow-up-satisfaction")).to_have_count(0)


def test_the_list_filters(page_as: PageAs, console_stack: ConsoleStack) -> None:
    token = console_stack.token("--role", "front_office", "--region", "3402")
    _complaint(console_stack, token, village_code="3402062003", category="health",
               subcategory="pbi_jk", urgency="urgent",
               description="Butuh KIS segera untuk operasi.")  # Gilangharjo, Pandak
    _complaint(console_stack, token, village_code="3402012001", category="housing",
               subcategory="rtlh", description="Rumah tidak layak huni di Poncosari.")
    page = page_as("front-office-bantul")
    page.goto("/complaints")
    expect(page.get_by_test_id("complaint-row").first).to_be_visible()
    filters = page.get_by_test_id("complaint-filters")
    filters.get_by_label("Kategori").select_option("housing")
    filters.get_by_role("button", name="Terapkan").click()
    rows = page.get_by_test_id("complaint-row")
    expect(rows.first).to_be_visible()
    for category in page.get_by_test_id("row-category").all_inner_texts():
        assert category.startswith("Perumahan")
    page.get_by_test_id("complaint-filters").get_by_label("Kategori").select_option("")
    page.get_by_test_id("complaint-filters").get_by_label("Kecamatan").select_option("340206")
    page.get_by_test_id("complaint-filters").get_by_label("Urgensi").select_option("urgent")
    page.get_by_test_id("complaint-filters").get_by_role("button", name="Terapkan").click()
    expect(page).to_have_url(re.compile(r"district=340206.*urgency=urgent"))
    expect(rows).not_to_have_count(0)
    for text in rows.all_inner_texts():
        assert "Pandak" in text and "Mendesak" in text
    shot(page, "front-office-list-filtered")
    today = time.strftime("%Y-%m-%d")
    page.goto("/complaints?date_from=2001-01-01&date_to=2001-01-31")
    expect(page.get_by_test_id("list-empty")).to_be_visible()
    page.goto(f"/complaints?date_from={today}&status=withdrawn&sort=number")
    expect(page.get_by_label("Status")).to_have_value("withdrawn")
    page.goto("/complaints?village=12")
    expect(page.get_by_role("alert")).to_contain_text("10 digit")


def test_english_labels(page_as: PageAs) -> None:
    page = page_as("front-office-bantul", lang="en")
    page.goto("/front-office/complaints/new")
    expect(page.get_by_role("heading", name="Register a complaint")).to_be_visible()
    page.get_by_label("Category *").select_option("education")
    expect(page.get_by_label("Category *").locator("option:checked")).to_have_text("Education")
    page.get_by_label("Subcategory").select_option("kip_pip")
    expect(page.get_by_label("Subcategory").locator("option:checked")).to_have_text(
        "KIP/PIP not received")
    page.get_by_label("NIK", exact=True).fill(BAD_BIRTH_DATE_NIK)
    expect(page.locator("[data-msg-for='complainant.nik']")).to_have_text(
        "The birth date in the NIK is impossible.")
    shot(page, "front-office-form-en")
    page.goto("/complaints")
    expect(page.get_by_role("heading", name="Complaints")).to_be_visible()
    expect(page.get_by_test_id("complaint-filters").get_by_label("Category")).to_be_visible()
    shot(page, "front-office-list-en")


def test_a_puskesos_operator_cannot_open_another_districts_complaint(
        page_as: PageAs, console_stack: ConsoleStack) -> None:
    admin = console_stack.token("--role", "national_admin")
    elsewhere = _complaint(console_stack, admin, village_code=JANGKARAN, category="housing",
                           subcategory="rtlh", description="Rumah hampir roboh di Jangkaran.")
    page = page_as("puskesos-bambanglipuro")
    response = page.goto(f"/complaints/{elsewhere['id']}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Tidak ditemukan")).to_be_visible()
    shot(page, "front-office-other-district-404")
    receipt = page.request.get(f"/complaints/{elsewhere['id']}/receipt.pdf")
    assert receipt.status == 404
    page.goto("/complaints")
    expect(page.get_by_test_id("complaint-list")).not_to_contain_text(elsewhere["number"])
    # Nor may the form register a complaint in a village outside the operator's district.
    page.goto("/front-office/complaints/new")
    expect(page.get_by_label("Desa/kelurahan *").locator("option")).not_to_have_count(0)
    assert page.get_by_label("Desa/kelurahan *").locator(
        f"option[value='{JANGKARAN}']").count() == 0


def test_the_form_at_a_portrait_tablet(page_as: PageAs) -> None:
    page = page_as("front-office-bantul")
    page.set_viewport_size({"width": 800, "height": 1280})
    page.goto("/front-office/complaints/new")
    expect(page.get_by_test_id("submit-complaint")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 800, f"the form scrolls sideways ({width}px)"
    shot(page, "front-office-form-portrait")
