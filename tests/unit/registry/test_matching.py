"""Complainant matching: NIK, then KK, then normalised name in the village."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from contracts.vocabulary import MatchMethod
from services.registry.domain.matching import NOT_FOUND, match_complainant, normalize_name
from services.registry.domain.model import Household, Member, Relation

SIDOMULYO = "3402052001"
OTHER_VILLAGE = "3402052002"
NIK_A = "3402051508800003"
NIK_B = "3402056204830002"


def member(name: str, nik: str | None, born: dt.date, *, relation: Relation = "head",
           deceased: bool = False) -> Member:
    return Member(uuid.uuid4(), nik, name, "L", born, relation, deceased=deceased)


def house(kk: str | None, village: str, *members: Member, hid: int | None = None) -> Household:
    household_id = uuid.UUID(int=hid) if hid is not None else uuid.uuid4()
    return Household(household_id, kk, village, "RT 01/RW 01", 3, list(members))


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Bapak H. Sutrisno", "sutrisno"),
        ("  Hj.  Siti   Rahayu ", "siti rahayu"),
        ("IBU SRI", "sri"),
        ("Bu Sri", "sri"),
        ("Pak Slamet", "slamet"),
        ("Sdr. Eko-Prasetyo", "eko prasetyo"),
        ("Almarhum Bapak Joko", "joko"),
        ("Joko (alm.)", "joko"),
        ("Ma'ruf Amin", "maruf amin"),
        ("Budi H", "budi h"),  # a trailing H is an initial, not Haji
        ("Dwi Ségar", "dwi segar"),
        ("Bapak", ""),
    ],
)
def test_normalize_name(raw: str, normal: str) -> None:
    assert normalize_name(raw) == normal


@pytest.fixture
def sutrisno() -> Member:
    return member("Sutrisno", NIK_A, dt.date(1980, 8, 15))


def test_nik_exact_wins_over_kk_and_name(sutrisno: Member) -> None:
    target = house("3402051003120001", SIDOMULYO, sutrisno)
    decoy = house("3402051003120002", SIDOMULYO, member("Sutrisno", None, dt.date(1980, 8, 15)))
    result = match_complainant([decoy, target], NIK_A, "3402051003120002", "Sutrisno",
                               dt.date(1980, 8, 15), SIDOMULYO)
    assert result.household_id == target.household_id
    assert result.member_id == sutrisno.member_id
    assert (result.method, result.confidence) == (MatchMethod.NIK, 1.0)
    assert result.reason == "NIK exact match"
    assert NIK_A not in result.reason


def test_nik_with_separators_still_matches(sutrisno: Member) -> None:
    h = house(None, SIDOMULYO, sutrisno)
    result = match_complainant([h], "3402 0515.0880-0003", None, None, None, None)
    assert (result.household_id, result.method) == (h.household_id, MatchMethod.NIK)


def test_unknown_nik_falls_back_to_kk(sutrisno: Member) -> None:
    spouse = member("Ibu Wartini", NIK_B, dt.date(1983, 4, 22), relation="spouse")
    h = house("3402051003120001", OTHER_VILLAGE, sutrisno, spouse)
    result = match_complainant([h], "3402050101900001", "3402051003120001", "Wartini", None,
                               SIDOMULYO)
    assert (result.household_id, result.member_id) == (h.household_id, spouse.member_id)
    assert (result.method, result.confidence) == (MatchMethod.KK, 0.9)
    assert result.reason == "KK exact match"


def test_kk_match_without_name_has_no_member(sutrisno: Member) -> None:
    h = house("3402051003120001", SIDOMULYO, sutrisno)
    result = match_complainant([h], None, "3402051003120001", None, None, None)
    assert (result.household_id, result.member_id, result.confidence) == (h.household_id, None,
                                                                          0.9)


def test_name_birth_and_village(sutrisno: Member) -> None:
    h = house(None, SIDOMULYO, sutrisno)
    result = match_complainant([h], None, None, "Bapak H. SUTRISNO", dt.date(1980, 8, 15),
                               SIDOMULYO)
    assert (result.household_id, result.member_id) == (h.household_id, sutrisno.member_id)
    assert (result.method, result.confidence) == (MatchMethod.NAME_BIRTH_VILLAGE, 0.8)


def test_name_and_village_without_birth_date(sutrisno: Member) -> None:
    h = house(None, SIDOMULYO, sutrisno)
    result = match_complainant([h], None, None, "sutrisno", None, SIDOMULYO)
    assert (result.method, result.confidence) == (MatchMethod.NAME_BIRTH_VILLAGE, 0.6)
    assert result.reason == "name and village match; no birth date given"


@pytest.mark.parametrize(
    ("name", "birth", "village"),
    [
        ("Sutrisno", dt.date(1980, 8, 15), OTHER_VILLAGE),  # other village
        ("Sutrisno", dt.date(1981, 8, 15), SIDOMULYO),  # other birth date
        ("Sutrisna", None, SIDOMULYO),  # other name
        (None, None, SIDOMULYO),
        ("Sutrisno", None, None),
    ],
)
def test_name_rules_reject(sutrisno: Member, name: str | None, birth: dt.date | None,
                           village: str | None) -> None:
    h = house(None, SIDOMULYO, sutrisno)
    assert match_complainant([h], None, None, name, birth, village) == NOT_FOUND


def test_ambiguous_name_is_not_guessed(sutrisno: Member) -> None:
    other = member("Sutrisno", None, dt.date(1950, 1, 1), relation="parent")
    homes = [house(None, SIDOMULYO, sutrisno), house(None, SIDOMULYO, other)]
    result = match_complainant(homes, None, None, "Sutrisno", None, SIDOMULYO)
    assert (result.household_id, result.method, result.confidence) == (None, MatchMethod.NONE,
                                                                        0.0)
    assert result.reason == "not found: 2 members share name and village"
    dated = match_complainant(homes, None, None, "Sutrisno", dt.date(1950, 1, 1), SIDOMULYO)
    assert dated.member_id == other.member_id


def test_deceased_namesake_is_ignored(sutrisno: Member) -> None:
    late = member("Sutrisno", None, dt.date(1940, 1, 1), relation="parent", deceased=True)
    h = house(None, SIDOMULYO, sutrisno, late)
    result = match_complainant([h], None, None, "Sutrisno", None, SIDOMULYO)
    assert result.member_id == sutrisno.member_id


def test_nothing_matches() -> None:
    result = match_complainant([], NIK_A, "3402051003120001", "Sutrisno", None, SIDOMULYO)
    assert result == NOT_FOUND
    assert (result.household_id, result.member_id) == (None, None)
    assert (result.method, result.confidence, result.reason) == (MatchMethod.NONE, 0.0,
                                                                 "not found")


def test_same_nik_in_two_households_is_flagged(sutrisno: Member) -> None:
    copy = member("Sutrisno", NIK_A, dt.date(1980, 8, 15))
    first, second = house(None, SIDOMULYO, copy, hid=1), house(None, SIDOMULYO, sutrisno, hid=2)
    result = match_complainant([second, first], NIK_A, None, None, None, None)
    assert result.household_id == first.household_id
    assert (result.method, result.confidence) == (MatchMethod.NIK, 0.9)
    assert result.reason == "NIK exact match in 2 households; first by id chosen"


def test_candidates_may_be_a_generator(sutrisno: Member) -> None:
    h = house(None, SIDOMULYO, sutrisno)
    result = match_complainant((x for x in [h]), NIK_A, None, None, None, None)
    assert result.household_id == h.household_id
