"""Human-readable complaint numbers: `SLRT-<regency>-<year>-<sequence>`, e.g. SLRT-3402-2026-000123.

The sequence (per regency and year) comes from storage; this module only formats and parses.
Sequences beyond 999999 simply get more digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "SLRT"
SEQUENCE_WIDTH = 6

_PATTERN = re.compile(r"^SLRT-(\d{4})-(\d{4})-(\d{6,})$")
_REGENCY = re.compile(r"^\d{4}$")


@dataclass(frozen=True, slots=True)
class ComplaintNumber:
    regency_code: str
    year: int
    sequence: int

    def __str__(self) -> str:
        return complaint_number(self.regency_code, self.year, self.sequence)


def complaint_number(regency_code: str, year: int, sequence: int) -> str:
    """Formats a complaint number; raises ValueError on a malformed part."""
    regency = regency_code.replace(".", "").strip()
    if not _REGENCY.match(regency):
        raise ValueError("regency_code must be 4 digits")
    if not 1000 <= year <= 9999:
        raise ValueError("year must have 4 digits")
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{PREFIX}-{regency}-{year}-{sequence:0{SEQUENCE_WIDTH}d}"


def parse_complaint_number(text: str) -> ComplaintNumber:
    """Parses `SLRT-3402-2026-000123` (case-insensitive, surrounding spaces ignored)."""
    match = _PATTERN.match(text.strip().upper())
    if match is None:
        raise ValueError("not a complaint number (expected SLRT-RRRR-YYYY-NNNNNN)")
    regency, year, sequence = match.groups()
    if int(sequence) < 1:
        raise ValueError("sequence starts at 1")
    return ComplaintNumber(regency, int(year), int(sequence))
