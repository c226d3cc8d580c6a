"""A complaint as the operator submitted it, and its validation into a normalised complaint.

Validation collects every issue at once (operators fix a form in one pass). Errors block
registration; warnings are shown but accepted (e.g. a NIK issued in another district, which is
legal after a move). Messages are Bahasa Indonesia and never echo personal data.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from contracts.vocabulary import Channel, ComplaintKind, Relation, Sector, Urgency
from services.intake.domain.categories import SECTOR_LABELS, allowed_codes, is_valid_pair
from slrt.reference import Region, check_kk, check_nik, normalize_phone, plain_code, village

NAME_MAX = 200
DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 5000
ADDRESS_MAX = 500
RESOLUTION_MIN = 10
RESOLUTION_MAX = 5000
#: A tablet's clock may run a little fast; beyond this a capture time is refused.
CLOCK_SKEW = dt.timedelta(minutes=10)
#: Older captures are accepted with a warning: a blank-spot village may sync weeks later.
STALE_CAPTURE = dt.timedelta(days=30)

_TEN_DIGITS = re.compile(r"[0-9]{10}")  # ASCII: \d would also take fullwidth digits
#: What may stand between the digits of a KK number: the same as lokal allows in a NIK
#: (spaces, no-break spaces, a BOM from a pasted spreadsheet cell, dots, dashes).
_SEPARATORS = re.compile(r"[\s.\-\ufeff]")


@dataclass(frozen=True, slots=True)
class ComplainantData:
    """The person the complaint is about. A person without NIK is still accepted.

    Used both as submitted (in `ComplaintDraft`) and as normalised (in `NormalisedComplaint`).
    """

    name: str
    nik: str | None = None
    has_no_nik: bool = False
    kk_number: str | None = None
    phone: str | None = None
    address: str | None = None
    relation: Relation | None = None


@dataclass(frozen=True, slots=True)
class OfflineCapture:
    """Where and when a field tablet captured the complaint before it could sync."""

    captured_at: dt.datetime
    device_id: str


@dataclass(frozen=True, slots=True)
class ComplaintDraft:
    """What the operator submitted, already parsed into types but not yet checked."""

    channel: Channel
    village_code: str
    category: Sector
    subcategory: str | None
    urgency: Urgency
    description: str
    complainant: ComplainantData
    kind: ComplaintKind = ComplaintKind.COMPLAINT
    consent_given: bool = False
    offline: OfflineCapture | None = None
    #: Set when the desk answered or solved it itself: closed at intake, never referred.
    desk_resolution: str | None = None


@dataclass(frozen=True, slots=True)
class NormalisedComplaint:
    """A draft that passed validation: plain-digit codes, E.164 phone, trimmed text."""

    channel: Channel
    village_code: str
    category: Sector
    subcategory: str | None
    urgency: Urgency
    description: str
    complainant: ComplainantData
    kind: ComplaintKind = ComplaintKind.COMPLAINT
    consent_given: bool = True
    offline: OfflineCapture | None = None
    desk_resolution: str | None = None


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """One problem with one field; `field` is a dotted path such as "complainant.nik"."""

    field: str
    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class Validation:
    errors: list[FieldIssue] = field(default_factory=list)
    warnings: list[FieldIssue] = field(default_factory=list)
    normalised: NormalisedComplaint | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _check_village(code: str, errors: list[FieldIssue]) -> Region | None:
    plain = plain_code(code)
    if not _TEN_DIGITS.fullmatch(plain):
        errors.append(FieldIssue("village_code", "village_code.format",
                                 "Kode desa/kelurahan harus terdiri dari 10 digit angka."))
        return None
    found = village(plain)
    if found is None:
        errors.append(FieldIssue("village_code", "village_code.unknown",
                                 f"Kode desa/kelurahan {plain} tidak dikenal."))
    return found


def _check_subcategory(draft: ComplaintDraft, sub: str | None, errors: list[FieldIssue]) -> None:
    if sub is None or is_valid_pair(draft.category, sub):
        return
    allowed = ", ".join(allowed_codes(draft.category))
    errors.append(FieldIssue(
        "subcategory", "subcategory.invalid",
        f"Subkategori tidak sesuai dengan kategori {SECTOR_LABELS[draft.category]}. "
        f"Pilihan yang diperbolehkan: {allowed}.",
    ))


def _check_nik(nik: str | None, has_no_nik: bool, today: dt.date, region: Region | None,
               errors: list[FieldIssue], warnings: list[FieldIssue]) -> str | None:
    """Checks the NIK and returns it as plain digits (None when absent)."""
    if nik is None:
        return None
    path = "complainant.nik"
    if has_no_nik:
        errors.append(FieldIssue(path, "nik.conflict_has_no_nik",
                                 "NIK diisi padahal ditandai tidak punya NIK. Pilih salah satu."))
    result = check_nik(nik, today)
    errors.extend(FieldIssue(path, f.rule, f.message) for f in result.errors)
    warnings.extend(FieldIssue(path, f.rule, f.message) for f in result.warnings)
    if not result.valid:
        return None
    if region is not None and result.district_code not in (None, region.district_code):
        warnings.append(FieldIssue(
            path, "nik.region_mismatch",
            "Kecamatan pada NIK berbeda dengan kecamatan desa/kelurahan pengaduan "
            "(wajar bila penduduk pindah domisili).",
        ))
    return result.digits


def _check_text(value: str, path: str, rule: str, label: str, limits: tuple[int, int],
                errors: list[FieldIssue]) -> str:
    """Trims `value` and checks its length against (min, max) characters."""
    text = value.strip()
    lo, hi = limits
    if not text:
        errors.append(FieldIssue(path, f"{rule}.required", f"{label} wajib diisi."))
    elif len(text) < lo:
        errors.append(FieldIssue(path, f"{rule}.too_short", f"{label} minimal {lo} karakter."))
    elif len(text) > hi:
        errors.append(FieldIssue(path, f"{rule}.too_long", f"{label} maksimal {hi} karakter."))
    return text


def validate_draft(draft: ComplaintDraft, now: dt.datetime) -> Validation:
    """Checks every field of `draft`; `normalised` is set only when there is no error."""
    today = now.date()
    errors: list[FieldIssue] = []
    warnings: list[FieldIssue] = []
    person = draft.complainant

    region = _check_village(draft.village_code, errors)
    sub = _blank_to_none(draft.subcategory)
    _check_subcategory(draft, sub, errors)
    nik = _check_nik(_blank_to_none(person.nik), person.has_no_nik, today, region,
                     errors, warnings)

    kk = _blank_to_none(person.kk_number)
    if kk is not None:
        kk = _SEPARATORS.sub("", kk)
        errors.extend(FieldIssue("complainant.kk_number", f.rule, f.message) for f in check_kk(kk))

    raw_phone = _blank_to_none(person.phone)
    phone = normalize_phone(raw_phone) if raw_phone is not None else None
    if raw_phone is not None and phone is None:
        errors.append(FieldIssue("complainant.phone", "phone.invalid",
                                 "Nomor telepon tidak valid (contoh: 0812-3456-7890)."))

    name = _check_text(person.name, "complainant.name", "name", "Nama", (1, NAME_MAX), errors)
    description = _check_text(draft.description, "description", "description", "Uraian keluhan",
                              (DESCRIPTION_MIN, DESCRIPTION_MAX), errors)
    address = _blank_to_none(person.address)
    if address is not None:
        address = _check_text(address, "complainant.address", "address", "Alamat",
                              (1, ADDRESS_MAX), errors)
    if not draft.consent_given:
        errors.append(FieldIssue("consent_given", "consent.required",
                                 "Persetujuan pemrosesan data pribadi wajib dicatat sebelum "
                                 "pengaduan disimpan."))
    resolution = _blank_to_none(draft.desk_resolution)
    if resolution is not None:
        resolution = _check_text(resolution, "desk_resolution", "desk_resolution",
                                 "Catatan penyelesaian", (RESOLUTION_MIN, RESOLUTION_MAX), errors)
    if draft.offline is not None:
        _check_offline(draft.offline, now, errors, warnings)

    if errors or region is None:
        return Validation(errors, warnings, None)
    normalised = NormalisedComplaint(
        channel=draft.channel,
        village_code=region.code,
        category=draft.category,
        subcategory=sub,
        urgency=draft.urgency,
        description=description,
        complainant=ComplainantData(name=name, nik=nik, has_no_nik=person.has_no_nik,
                                     kk_number=kk, phone=phone, address=address,
                                     relation=person.relation),
        kind=draft.kind,
        consent_given=True,
        offline=draft.offline,
        desk_resolution=resolution,
    )
    return Validation(errors, warnings, normalised)


def _check_offline(offline: OfflineCapture, now: dt.datetime, errors: list[FieldIssue],
                   warnings: list[FieldIssue]) -> None:
    if offline.captured_at.tzinfo is None:
        errors.append(FieldIssue("captured_at", "captured_at.timezone",
                                 "Waktu pencatatan harus menyertakan zona waktu."))
        return
    if offline.captured_at > now + CLOCK_SKEW:
        errors.append(FieldIssue("captured_at", "captured_at.future",
                                 "Waktu pencatatan di masa depan: periksa jam perangkat."))
    elif offline.captured_at < now - STALE_CAPTURE:
        warnings.append(FieldIssue("captured_at", "captured_at.stale",
                                   "Pengaduan dicatat lebih dari 30 hari yang lalu."))
    if not offline.device_id.strip():
        errors.append(FieldIssue("device_id", "device_id.required",
                                 "ID perangkat wajib diisi untuk data luring."))
