"""The printable receipt (*tanda terima*) of a complaint, as HTML and as an A5 PDF.

Both render the dict of intake's `GET /v1/complaints/{id}`; one `_Receipt` built from it feeds
both formats so they never disagree. Personal numbers are masked before rendering: the paper
leaves the office with the resident.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contracts.vocabulary import Sector
from services.intake.domain.categories import SECTOR_LABELS, subcategory_label
from services.intake.domain.masking import mask_nik, mask_phone
from slrt import reference

TITLE = "TANDA TERIMA PENGADUAN SLRT"
FOLLOW_UP = ("Simpan tanda terima ini. "
             "Sebutkan nomor pengaduan untuk menanyakan perkembangan.")

# WIB has been UTC+7 without DST since 1964; a fixed offset needs no tz database on the host.
WIB = dt.timezone(dt.timedelta(hours=7), "WIB")

MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember")

CHANNEL_LABELS: dict[str, str] = {
    "puskesos": "Puskesos",
    "front_office": "Front office SLRT kabupaten/kota",
    "field_tablet": "Petugas lapangan (tablet)",
    "web": "Situs web",
    "hotline": "Layanan telepon (hotline)",
    "sms": "SMS",
}

STATUS_LABELS: dict[str, str] = {
    "registered": "Tercatat",
    "assessed": "Telah dinilai",
    "referred": "Dirujuk ke instansi terkait",
    "in_progress": "Sedang ditangani",
    "resolved": "Selesai ditangani",
    "closed": "Ditutup",
    "withdrawn": "Dicabut oleh pelapor",
}

URGENCY_LABELS: dict[str, str] = {
    "normal": "Biasa",
    "urgent": "Mendesak",
    "emergency": "Darurat",
}

_TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True, slots=True)
class _Receipt:
    """Everything printed, as plain display strings (unescaped: each format escapes its own)."""

    number: str
    complaint_rows: list[tuple[str, str]]
    complainant_rows: list[tuple[str, str]]
    description: str
    follow_up: str
    printed: str


def format_wib(moment: dt.datetime | str) -> str:
    """'23 November 2026 20:03 WIB'; naive datetimes are taken as UTC, as stored."""
    if isinstance(moment, str):  # the view after a JSON round trip carries ISO strings
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(WIB)
    return f"{local.day} {MONTHS_ID[local.month - 1]} {local.year} {local:%H:%M} WIB"


def _text(value: Any, default: str = "-") -> str:
    return default if value is None or str(value).strip() == "" else str(value)


def _village_rows(code: str) -> list[tuple[str, str]]:
    region = reference.village(code)
    if region is None:  # unknown to this data vintage: still print what was recorded
        return [("Desa/Kelurahan", reference.dotted_code(code))]
    return [("Desa/Kelurahan", f"{region.name} ({reference.dotted_code(code)})"),
            ("Wilayah", region.path)]


def _category_labels(category: str, subcategory: str) -> tuple[str, str]:
    try:
        sector = Sector(category)
    except ValueError:
        return category, subcategory
    return (SECTOR_LABELS.get(sector, category),
            subcategory_label(sector, subcategory) or subcategory)


def _nik_display(complainant: Mapping[str, Any]) -> str:
    if complainant.get("has_no_nik"):
        return "tidak memiliki NIK"
    nik = complainant.get("nik")
    return mask_nik(nik) if nik else "-"


def _build(view: Mapping[str, Any], printed_at: dt.datetime) -> _Receipt:
    complainant: Mapping[str, Any] = view.get("complainant") or {}
    sector, sub = _category_labels(_text(view.get("category")), _text(view.get("subcategory")))
    status = _text(view.get("status"))
    urgency = _text(view.get("urgency"))
    channel = _text(view.get("channel"))
    phone = complainant.get("phone")
    complaint_rows = [
        ("Tanggal dicatat", format_wib(view["registered_at"])),
        *_village_rows(_text(view.get("village_code"))),
        ("Saluran", CHANNEL_LABELS.get(channel, channel)),
        ("Kategori", sector),
        ("Subkategori", sub),
        ("Tingkat urgensi", URGENCY_LABELS.get(urgency, urgency)),
        ("Status saat ini", STATUS_LABELS.get(status, status)),
    ]
    complainant_rows = [
        ("Nama", _text(complainant.get("name"))),
        ("NIK", _nik_display(complainant)),
        ("Telepon", mask_phone(phone) if phone else "-"),
    ]
    return _Receipt(number=_text(view.get("number")), complaint_rows=complaint_rows,
                    complainant_rows=complainant_rows,
                    description=_text(view.get("description")), follow_up=FOLLOW_UP,
                    printed=format_wib(printed_at))


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Autoescape on for everything: the description and the name are typed by residents.
    return Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_receipt_html(view: Mapping[str, Any], *, printed_at: dt.datetime) -> str:
    """The receipt as a self-contained, printable HTML page (Bahasa Indonesia)."""
    return _environment().get_template("receipt.html").render(r=_build(view, printed_at))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName="Helvetica", fontSize=9, leading=11.5)
    return {
        "title": ParagraphStyle("title", base, fontName="Helvetica-Bold", fontSize=12.5,
                                leading=15, alignment=TA_CENTER),
        "sub": ParagraphStyle("sub", base, fontSize=8, alignment=TA_CENTER, spaceAfter=3 * mm),
        "number_label": ParagraphStyle("number_label", base, fontSize=8, alignment=TA_CENTER),
        "number": ParagraphStyle("number", base, fontName="Courier-Bold", fontSize=15,
                                 leading=18, alignment=TA_CENTER),
        "h2": ParagraphStyle("h2", base, fontName="Helvetica-Bold", spaceBefore=3 * mm,
                             spaceAfter=1 * mm),
        "cell": base,
        "body": base,
        "foot": ParagraphStyle("foot", base, fontSize=8, leading=10),
        "foot_bold": ParagraphStyle("foot_bold", base, fontName="Helvetica-Bold", fontSize=8,
                                    leading=10),
    }


def _rows_table(rows: list[tuple[str, str]], width: float,
                style: ParagraphStyle) -> Table:
    data = [[Paragraph(escape(label), style), Paragraph(escape(value), style)]
            for label, value in rows]
    table = Table(data, colWidths=[0.34 * width, 0.66 * width])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 0.5 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5 * mm),
    ]))
    return table


def _heading(text: str, width: float, style: ParagraphStyle) -> Table:
    # A one-cell table gives the rule under the heading that the HTML draws with a border.
    table = Table([[Paragraph(escape(text.upper()), style)]], colWidths=[width])
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, -1), 0.75, colors.black),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5 * mm),
    ]))
    return table


def render_receipt_pdf(view: Mapping[str, Any], *, printed_at: dt.datetime) -> bytes:
    """The receipt as a one-page A5 portrait PDF.

    Built with `invariant=1` (same input, same bytes) and without page compression: a
    one-page receipt is a few kilobytes anyway, and its text stays searchable in the file.
    """
    r = _build(view, printed_at)
    s = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A5, leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, invariant=1,
                            pageCompression=0, title=f"Tanda terima {r.number}",
                            author="SLRT", subject=TITLE, lang="id-ID")
    width = doc.width
    number_box = Table([[Paragraph("Nomor pengaduan", s["number_label"])],
                        [Paragraph(escape(r.number), s["number"])]], colWidths=[width])
    number_box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                                    ("TOPPADDING", (0, 0), (-1, -1), 1 * mm),
                                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1 * mm)]))
    # User text: escape reportlab's mini-markup, then keep the resident's line breaks.
    description = escape(r.description).replace("\r\n", "\n").replace("\n", "<br/>")
    story = [
        Paragraph(TITLE, s["title"]),
        Paragraph("Sistem Layanan dan Rujukan Terpadu", s["sub"]),
        number_box,
        _heading("Pengaduan", width, s["h2"]),
        _rows_table(r.complaint_rows, width, s["cell"]),
        _heading("Pelapor", width, s["h2"]),
        _rows_table(r.complainant_rows, width, s["cell"]),
        _heading("Uraian pengaduan", width, s["h2"]),
        Paragraph(description, s["body"]),
        Spacer(1, 5 * mm),
        Paragraph(escape(r.follow_up), s["foot_bold"]),
        Paragraph(escape(f"Dicetak: {r.printed}"), s["foot"]),
    ]
    doc.build(story)
    return buffer.getvalue()
