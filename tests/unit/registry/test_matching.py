"""Complainant matching: NIK, then KK, then normalised name in the village."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --- fuzzy names, ambiguity and registration proposals ------------------------------------

BORN = dt.date(1980, 8, 15)


def test_typo_with_birth_date_and_village_matches_with_lower_confidence(sutrisno: Member) -> None:
    h = house(None, SIDOMULYO, sutrisno)
    result = match_complainant([h], None, None, "Sutrisna", BORN, SIDOMULYO)
    assert (result.household_id, result.member_id) == (h.household_id, sutrisno.member_id)
    assert result.method == MatchMethod.NAME_BIRTH_VILLAGE
    assert result.confidence == round(0.8 * 0.95, 2)
    assert result.reason == "similar name (0.95), birth date and village match"
    assert "Sutrisn" not in result.reason


def test_spelling_variant_counts_as_the_same_name_without_birth_date() -> None:
    old = member("Soetrisno", None, BORN)
    h = house(None, SIDOMULYO, old)
    result = match_complainant([h], None, None, "Bpk. Sutrisno", None, SIDOMULYO)
    assert (result.member_id, result.confidence) == (old.member_id, 0.6)


def test_swapped_and_missing_tokens_match_with_birth_date() -> None:
    siti = member("Siti Nur Rahayu", None, BORN)
    h = house(None, SIDOMULYO, siti)
    for told in ("Rahayu Siti Nur", "Siti Rahayu", "Hj. St. Noer Rahajoe"):
        result = match_complainant([h], None, None, told, BORN, SIDOMULYO)
        assert result.member_id == siti.member_id, told


def test_close_candidates_in_two_households_are_not_guessed() -> None:
    a = house(None, SIDOMULYO, member("Sutrisno", None, BORN))
    b = house(None, SIDOMULYO, member("Sutrisna", None, BORN))
    result = match_complainant([a, b], None, None, "Sutrisni", BORN, SIDOMULYO)
    assert (result.household_id, result.method, result.confidence) == (None, MatchMethod.NONE,
                                                                        0.0)
    assert result.reason.startswith("not found: 2 members in 2 households match")
    assert result.proposal is None  # registering would create a duplicate


def test_a_clear_winner_is_chosen_over_a_distant_second() -> None:
    exact = member("Sutrisno Wibowo", None, BORN)
    a = house(None, SIDOMULYO, exact)
    b = house(None, SIDOMULYO, member("Sutrisno", None, BORN))
    result = match_complainant([b, a], None, None, "Sutrisno Wibowo", BORN, SIDOMULYO)
    assert result.member_id == exact.member_id
    assert result.reason == "name, birth date and village match"


def test_twins_in_one_household_match_the_household_only() -> None:
    hasan, hasanu = member("Hasan", None, BORN), member("Hasanu", None, BORN)  # 1.0 vs 0.97
    h = house(None, SIDOMULYO, hasan, hasanu)
    twin = match_complainant([h], None, None, "Hasan", BORN, SIDOMULYO)
    assert (twin.household_id, twin.member_id) == (h.household_id, None)
    assert twin.confidence == 0.7
    assert twin.reason == ("name, birth date and village match 2 members of one household; "
                           "member not identified")
    husen = house(None, SIDOMULYO, member("Hasan", None, BORN), member("Husen", None, BORN))
    clear = match_complainant([husen], None, None, "Hasan", BORN, SIDOMULYO)
    assert clear.member_id == husen.members[0].member_id  # Husen is far enough (0.6)


def test_kk_member_found_by_similar_name(sutrisno: Member) -> None:
    spouse = member("Wartini", NIK_B, dt.date(1983, 4, 22), relation="spouse")
    h = house("3402051003120001", SIDOMULYO, sutrisno, spouse)
    result = match_complainant([h], None, "3402051003120001", "Ibu Wartni", None, None)
    assert (result.member_id, result.reason) == (spouse.member_id, "KK exact match")
    nobody = match_complainant([h], None, "3402051003120001", "Joko", None, None)
    assert (nobody.household_id, nobody.member_id) == (h.household_id, None)
    assert nobody.reason == "KK exact match; no member with that name"


def test_nik_of_a_deceased_member_is_flagged() -> None:
    late = member("Sutrisno", NIK_A, BORN, deceased=True)
    result = match_complainant([house(None, SIDOMULYO, late)], NIK_A, None, None, None, None)
    assert result.reason == "NIK exact match; member recorded as deceased"


def test_unmatched_complainant_gets_a_registration_proposal() -> None:
    result = match_complainant([], "3402 0515 0880 0003", None, "  Ibu  Sri ", BORN, SIDOMULYO)
    assert result == NOT_FOUND
    proposal = result.proposal
    assert proposal is not None
    assert (proposal.nik, proposal.name, proposal.birth_date, proposal.village_code) == (
        NIK_A, "Ibu Sri", BORN, SIDOMULYO)
    assert proposal.missing == ("kk_number",)
    assert proposal.invalid == ()
    assert proposal.complete


def test_registration_proposal_lists_what_is_missing_and_invalid() -> None:
    result = match_complainant([], "12345", None, None, None, "34.02")
    proposal = result.proposal
    assert proposal is not None
    assert proposal.missing == ("name", "birth_date", "kk_number")
    assert proposal.invalid == ("nik", "village_code")
    assert not proposal.complete


# --- properties ---------------------------------------------------------------------------

_CONS, _VOW = "bdgklmnprstw", "aiu"
_token = st.lists(st.tuples(st.sampled_from(_CONS), st.sampled_from(_VOW)).map("".join),
                  min_size=3, max_size=4).map("".join)
_name = st.lists(_token, min_size=1, max_size=3, unique=True).map(" ".join)
_date = st.dates(dt.date(1930, 1, 1), dt.date(2024, 12, 31))
_nik = st.text("0123456789", min_size=16, max_size=16)


@st.composite
def _registry(draw: st.DrawFn) -> list[Household]:
    homes = []
    for i in range(draw(st.integers(1, 4))):
        people = [Member(uuid.UUID(int=100 * i + j), draw(st.none() | _nik), draw(_name),
                         "L", draw(_date), "head" if j == 0 else "child")
                  for j in range(draw(st.integers(1, 3)))]
        village = draw(st.sampled_from([SIDOMULYO, OTHER_VILLAGE]))
        homes.append(Household(uuid.UUID(int=i + 1), draw(st.none() | _nik), village,
                               "RT 01", 3, people))
    return homes


_query = st.tuples(st.none() | _nik, st.none() | _nik, st.none() | _name, st.none() | _date,
                   st.none() | st.sampled_from([SIDOMULYO, OTHER_VILLAGE]))


@settings(max_examples=80, deadline=None)
@given(homes=_registry(), query=_query, data=st.data())
def test_result_does_not_depend_on_candidate_order(homes: list[Household], query: tuple,
                                                   data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(homes))
    assert match_complainant(homes, *query) == match_complainant(shuffled, *query)


@settings(max_examples=80, deadline=None)
@given(homes=_registry(), query=_query)
def test_result_is_consistent_and_reveals_nothing(homes: list[Household], query: tuple) -> None:
    result = match_complainant(homes, *query)
    assert 0.0 <= result.confidence <= 1.0
    assert result.matched == (result.method != MatchMethod.NONE) == (result.confidence > 0)
    if result.member_id is not None:
        assert any(m.member_id == result.member_id for h in homes
                   if h.household_id == result.household_id for m in h.members)
    if result.proposal is not None:
        assert not result.matched and result.reason == "not found"
    nik, kk, name, _, _ = query
    for secret in (nik, kk, name):
        assert not secret or secret not in result.reason


@settings(max_examples=80, deadline=None)
@given(homes=_registry(), data=st.data())
def test_a_unique_nik_always_finds_its_member(homes: list[Household], data: st.DataObject) -> None:
    target = data.draw(st.sampled_from([m for h in homes for m in h.members]))
    nik = "9" * 16
    for h in homes:
        for m in h.members:
            m.nik = nik if m is target else (None if m.nik == nik else m.nik)
    noise = data.draw(_query)
    result = match_complainant(homes, nik, *noise[1:])
    assert (result.member_id, result.method, result.confidence) == (target.member_id,
                                                                     MatchMethod.NIK, 1.0)


@settings(max_examples=80, deadline=None)
@given(tokens=st.lists(_token, min_size=2, max_size=3, unique=True), born=_date,
       decoys=st.lists(st.tuples(_name, _date), max_size=5), data=st.data())
def test_typo_or_swap_still_finds_the_one_person_born_that_day(
        tokens: list[str], born: dt.date, decoys: list[tuple[str, dt.date]],
        data: st.DataObject) -> None:
    target = member(" ".join(tokens), None, born)
    others = [member(n, None, d) for n, d in decoys if d != born]  # other birthdays
    homes = [house(None, SIDOMULYO, target), house(None, SIDOMULYO, *others),
             house(None, OTHER_VILLAGE, member(" ".join(tokens), None, born))]
    told = list(reversed(tokens))
    if data.draw(st.booleans()):  # and one typo in one token
        i = data.draw(st.integers(0, len(told) - 1))
        pos = data.draw(st.integers(0, len(told[i]) - 1))
        told[i] = told[i][:pos] + data.draw(st.sampled_from(_CONS + _VOW)) + told[i][pos + 1:]
    result = match_complainant(homes, None, None, " ".join(told), born, SIDOMULYO)
    assert (result.household_id, result.member_id) == (homes[0].household_id, target.member_id)
    assert 0.68 <= result.confidence <= 0.8
