"""The SLRT two-level category taxonomy."""

from __future__ import annotations

import pytest

from contracts.vocabulary import Sector
from services.intake.domain.categories import (
    SECTOR_LABELS,
    SUBCATEGORIES,
    allowed_codes,
    is_valid_pair,
    subcategory_label,
)


def test_every_sector_has_a_label_and_subcategories() -> None:
    assert set(SECTOR_LABELS) == set(Sector)
    assert set(SUBCATEGORIES) == set(Sector)
    for sector, subs in SUBCATEGORIES.items():
        assert subs, sector
        assert all(label.strip() for label in subs.values())


@pytest.mark.parametrize(
    ("sector", "sub"),
    [
        (Sector.CIVIL_REGISTRATION, "nik"),
        (Sector.CIVIL_REGISTRATION, "akta_kelahiran"),
        (Sector.HEALTH, "pbi_jk"),
        (Sector.EDUCATION, "kip_pip"),
        (Sector.SOCIAL_ASSISTANCE, "bpnt_sembako"),
        (Sector.DATA_UPDATE, "pindah"),
        (Sector.HOUSING, "rtlh"),
        (Sector.BASIC_INFRASTRUCTURE, "air_bersih"),
        (Sector.ELDERLY_DISABILITY, "aslut"),
        (Sector.CHILD_PROTECTION, "anak_terlantar"),
        (Sector.OTHER, "lainnya"),
    ],
)
def test_valid_pairs(sector: Sector, sub: str) -> None:
    assert is_valid_pair(sector, sub)


@pytest.mark.parametrize(
    ("sector", "sub"),
    [
        (Sector.HEALTH, "pkh"),  # belongs to social_assistance
        (Sector.HOUSING, "listrik"),
        (Sector.CIVIL_REGISTRATION, "NIK"),  # codes are case-sensitive
        (Sector.OTHER, ""),
    ],
)
def test_invalid_pairs(sector: Sector, sub: str) -> None:
    assert not is_valid_pair(sector, sub)


def test_subcategory_codes_are_unique_across_sectors() -> None:
    codes = [code for subs in SUBCATEGORIES.values() for code in subs]
    assert len(codes) == len(set(codes))


def test_helpers() -> None:
    assert allowed_codes(Sector.HEALTH) == ("pbi_jk", "layanan_faskes", "biaya_rs")
    assert subcategory_label(Sector.CIVIL_REGISTRATION, "nik") == "Belum punya NIK"
    assert subcategory_label(Sector.HEALTH, "nik") is None
