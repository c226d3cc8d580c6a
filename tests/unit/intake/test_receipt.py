"""The printable complaint receipt (HTML and PDF) and the masking of personal numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from contracts.vocabulary import Channel, Urgency
from services.intake.adapters.receipt import (
    CHANNEL_LABELS,
    FOLLOW_UP,
    STATUS_LABELS,
    TITLE,
    URGENCY_LABELS,
    format_wib,
    render_receipt_html,
    render_receipt_pdf,
)
from services.intake.domain.masking import mask_digits, mask_nik, mask_phone
from services.intake.domain.status import ComplaintStatus

NUMBER = "SLRT-3402-2026-000123"
NIK = "3402051508809001"
PHONE = "0812-3456-7890"
VILLAGE_PATH = "Sidomulyo, Bambanglipuro, Kabupaten Bantul, Daerah Istimewa Yogyakarta"
PRINTED_AT = dt.datetime(2026, 11, 24, 2, 15, tzinfo=dt.UTC)


def _view(**overrides: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": "0b6f2f4e-8a0e-4c55-9d8e-3f0c1b2a7e10", "number": NUMBER, "status": "referred",
        "channel": "puskesos", "village_code": "3402052001", "category": "education",
        "subcategory": "kip_pip", "urgency": "normal",
        "description": "Anak kami sekolah tetapi belum menerima KIP",
        "household_id": None,
        "complainant": {"name": "Sutrisno", "nik": NIK, "has_no_nik": False,
                        "kk_number": "3402050101090001", "phone": PHONE},
        "registered_at": dt.datetime(2026, 11, 23, 13, 3, tzinfo=dt.UTC),
        "updated_at": dt.datetime(2026, 11, 23, 13, 3, tzinfo=dt.UTC),
        "referrals": [], "timeline": [],
    }
    view.update(overrides)
    return view


# --- masking -----------------------------------------------------------------------------

def test_mask_digits_keeps_the_requested_ends() -> None:
    assert mask_digits("1234567890", 2, 3) == "12*****890"
    assert mask_digits("1234567890", 0, 3) == "*******890"
    assert mask_digits("1234567890", 2, 0) == "12********"


def test_mask_digits_drops_separators() -> None:
    assert mask_digits("0812-3456 7890", 0, 3) == "*********890"


def test_mask_digits_masks_everything_when_nothing_would_be_hidden() -> None:
    assert mask_digits("12345", 3, 2) == "*****"
    assert mask_digits("", 6, 2) == ""


def test_mask_digits_rejects_negative_counts() -> None:
    with pytest.raises(ValueError):
        mask_digits("123", -1, 0)


def test_mask_nik_and_phone() -> None:
    assert mask_nik(NIK) == "340205********01"
    assert mask_phone(PHONE) == "*********890"
    assert mask_phone("+62 812 3456 7890").endswith("890")


# --- dates -------------------------------------------------------------------------------

def test_format_wib_uses_jakarta_time_and_indonesian_months() -> None:
    assert format_wib(dt.datetime(2026, 11, 23, 13, 3, tzinfo=dt.UTC)) == (
        "23 November 2026 20:03 WIB")
    # crossing midnight in WIB; ISO strings (the view after JSON) and naive UTC work too
    assert format_wib("2026-08-16T18:30:00+00:00") == "17 Agustus 2026 01:30 WIB"
    assert format_wib(dt.datetime(2026, 1, 1, 0, 0)) == "1 Januari 2026 07:00 WIB"


def test_every_code_has_an_indonesian_label() -> None:
    assert set(STATUS_LABELS) == {str(s) for s in ComplaintStatus}
    assert set(CHANNEL_LABELS) == {str(c) for c in Channel}
    assert set(URGENCY_LABELS) == {str(u) for u in Urgency}


# --- HTML --------------------------------------------------------------------------------

def test_html_shows_the_receipt_content() -> None:
    html = render_receipt_html(_view(), printed_at=PRINTED_AT)
    assert TITLE in html
    assert NUMBER in html
    assert VILLAGE_PATH in html
    assert "23 November 2026 20:03 WIB" in html
    assert "Pendidikan" in html and "Belum menerima KIP/PIP" in html
    assert "Puskesos" in html
    assert "Dirujuk" in html
    assert "Sutrisno" in html
    assert FOLLOW_UP in html
    assert "Dicetak: 24 November 2026 09:15 WIB" in html


def test_html_masks_nik_and_phone() -> None:
    html = render_receipt_html(_view(), printed_at=PRINTED_AT)
    assert "340205********01" in html
    assert "*********890" in html
    assert NIK not in html
    assert PHONE not in html and "081234567890" not in html
    assert "3402050101090001" not in html  # the KK number is not printed at all


def test_html_without_nik() -> None:
    complainant = {"name": "Mbah Sarinah", "nik": None, "has_no_nik": True,
                   "kk_number": None, "phone": None}
    html = render_receipt_html(_view(complainant=complainant), printed_at=PRINTED_AT)
    assert "tidak memiliki NIK" in html


def test_html_escapes_user_text() -> None:
    view = _view(description='<script>alert("x")</script> & co',
                 complainant={"name": "<b>Budi</b>", "nik": NIK, "has_no_nik": False,
                              "kk_number": None, "phone": PHONE})
    html = render_receipt_html(view, printed_at=PRINTED_AT)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;Budi&lt;/b&gt;" in html


def test_html_is_self_contained() -> None:
    html = render_receipt_html(_view(), printed_at=PRINTED_AT)
    assert "http://" not in html and "https://" not in html
    assert "@font-face" not in html and "<link" not in html


def test_unknown_codes_still_render() -> None:
    view = _view(village_code="9999999999", category="mystery", subcategory="x",
                 status="new_status", channel="pigeon", registered_at="2026-11-23T13:03:00Z")
    html = render_receipt_html(view, printed_at=PRINTED_AT)
    assert "99.99.99.9999" in html and "mystery" in html and "pigeon" in html


# --- PDF ---------------------------------------------------------------------------------

def test_pdf_is_a_pdf_with_the_number() -> None:
    pdf = render_receipt_pdf(_view(), printed_at=PRINTED_AT)
    assert pdf.startswith(b"%PDF-")
    # page compression is off, so the text is in the content stream as written
    assert NUMBER.encode() in pdf
    assert b"340205********01" in pdf
    assert NIK.encode() not in pdf


def test_pdf_is_deterministic() -> None:
    assert (render_receipt_pdf(_view(), printed_at=PRINTED_AT)
            == render_receipt_pdf(_view(), printed_at=PRINTED_AT))


def test_pdf_escapes_markup_in_user_text() -> None:
    # unescaped, reportlab's paragraph parser would reject the unknown <script> tag
    view = _view(description="<script>alert(1)</script> & <b>tebal</b>\nbaris dua")
    pdf = render_receipt_pdf(view, printed_at=PRINTED_AT)
    assert pdf.startswith(b"%PDF-")
    assert b"script" in pdf
