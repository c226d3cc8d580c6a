"""Human-readable complaint numbers."""

from __future__ import annotations

import pytest

from services.intake.domain.numbering import (
    ComplaintNumber,
    complaint_number,
    parse_complaint_number,
)


def test_format() -> None:
    assert complaint_number("3402", 2026, 123) == "SLRT-3402-2026-000123"
    assert complaint_number("34.02", 2026, 1) == "SLRT-3402-2026-000001"


def test_large_sequence_widens() -> None:
    assert complaint_number("3402", 2026, 1234567) == "SLRT-3402-2026-1234567"


def test_round_trip() -> None:
    for seq in (1, 99, 999_999, 1_000_000):
        text = complaint_number("3171", 2027, seq)
        parsed = parse_complaint_number(text)
        assert parsed == ComplaintNumber("3171", 2027, seq)
        assert str(parsed) == text


def test_parse_tolerates_case_and_spaces() -> None:
    assert parse_complaint_number("  slrt-3402-2026-000123 ") == ComplaintNumber("3402", 2026, 123)


@pytest.mark.parametrize(
    ("regency", "year", "seq"),
    [("340", 2026, 1), ("34021", 2026, 1), ("34ab", 2026, 1), ("3402", 26, 1), ("3402", 2026, 0)],
)
def test_format_rejects_bad_parts(regency: str, year: int, seq: int) -> None:
    with pytest.raises(ValueError):
        complaint_number(regency, year, seq)


@pytest.mark.parametrize(
    "text",
    ["", "SLRT-3402-2026-123", "SLRT-3402-26-000123", "RUJ-3402-2026-000123",
     "SLRT-3402-2026-000000", "SLRT-3402-2026-000123-1"],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_complaint_number(text)
