"""Duplicate detection: shared NIK, the same person twice, blocking cost and merge proposals."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.registry.domain.duplicates import find_duplicates, propose_merges
from services.registry.domain.model import Household, Member, Participation, Relation

VILLAGE = "3402052001"
OTHER_VILLAGE = "3402052002"
BORN = dt.date(1980, 8, 15)
NIK = "3402051508800003"
_ids = iter(range(1, 1_000_000))


def person(name: str, nik: str | None = None, born: dt.date = BORN, *,
           relation: Relation = "head", deceased: bool = False) -> Member:
    return Member(uuid.UUID(int=next(_ids)), nik, name, "L", born, relation, deceased=deceased)


def home(*members: Member, village: str = VILLAGE, kk: str | None = None,
         programs: tuple[str, ...] = (), decile: int = 3) -> Household:
    return Household(uuid.UUID(int=next(_ids)), kk, village, "RT 01/RW 02", decile,
                     list(members), [Participation(p) for p in programs])


def test_same_nik_in_two_households() -> None:
    a, b = person("Sutrisno", NIK), person("Sutrisno Wibowo", NIK)
    ha, hb = home(a), home(b, village=OTHER_VILLAGE)
    report = find_duplicates([ha, hb])
    [finding] = report.findings
    assert finding.kind == "same_nik"
    assert set(finding.household_ids) == {ha.household_id, hb.household_id}
    assert set(finding.member_ids) == {a.member_id, b.member_id}
    assert finding.score == 1.0
    assert finding.evidence == ("same NIK on 2 members in 2 households",)


def test_same_nik_twice_in_one_household() -> None:
    h = home(person("Sutrisno", NIK), person("Sutrisno", NIK, relation="other"))
    [finding] = find_duplicates([h]).findings
    assert (finding.kind, finding.household_ids) == ("same_nik", (h.household_id,))
    assert finding.evidence == ("same NIK on 2 members in one household",)


def test_same_person_twice_with_a_typo() -> None:
    a, b = person("Sutrisno Wibowo", NIK), person("Bpk. Soetrisno Wibowa")
    ha, hb = home(a), home(b)
    [finding] = find_duplicates([ha, hb]).findings
    assert finding.kind == "same_person"
    assert set(finding.member_ids) == {a.member_id, b.member_id}
    assert 0.88 <= finding.score < 1.0
    assert finding.evidence == (f"name similarity {finding.score:.2f}", "same birth date",
                                "same village", "NIK on one record only")
    assert not any("Sutrisno" in e or NIK in e for e in finding.evidence)


@pytest.mark.parametrize(
    ("told", "found"),
    [
        ("Wibowo Sutrisno", True),  # swapped
        ("Sutrisno Adi Wibowo", True),  # extra middle token
        ("Sutrisno", True),  # last name left out, same birth date and village
        ("Sutrisno Santoso", False),  # another family
        ("Joko Wibowo", False),
    ],
)
def test_name_variations(told: str, found: bool) -> None:
    report = find_duplicates([home(person("Sutrisno Wibowo")), home(person(told))])
    assert bool(report.of_kind("same_person")) is found


@pytest.mark.parametrize(
    "other",
    [
        person("Sutrisno", born=dt.date(1980, 8, 16)),  # another birth date
        person("Sutrisno", "3402051508800004"),  # another NIK: another person for Dukcapil
    ],
)
def test_not_the_same_person(other: Member) -> None:
    first = person("Sutrisno", NIK)
    assert find_duplicates([home(first), home(other)]).findings == ()


def test_another_village_is_another_person() -> None:
    report = find_duplicates([home(person("Sutrisno")),
                              home(person("Sutrisno"), village=OTHER_VILLAGE)])
    assert report.findings == ()


def test_blocking_keeps_comparisons_far_below_all_pairs() -> None:
    """Speed by count: 3,000 people born on one placeholder day in one village."""
    placeholder = dt.date(1950, 7, 1)  # unknown birth dates are often entered as 1 July
    syllables = ["ba", "di", "ku", "ra", "so", "te", "wi", "ma", "ni", "pu", "ga", "lo"]
    rng = random.Random(7)
    names: set[str] = set()
    while len(names) < 3000:
        names.add(" ".join("".join(rng.choices(syllables, k=3)) for _ in range(2)))
    homes = [home(person(n, born=placeholder)) for n in sorted(names)]
    report = find_duplicates(homes)
    all_pairs = len(homes) * (len(homes) - 1) // 2
    assert report.members == 3000
    assert report.comparisons < all_pairs // 50


def test_oversized_blocks_are_skipped_and_counted() -> None:
    homes = [home(person("Sutrisno")) for _ in range(5)]
    report = find_duplicates(homes, max_block=4)
    assert (report.findings, report.skipped_blocks) == ((), 1)
    assert len(find_duplicates(homes).findings) == 10  # 5 records: every pair


def test_counts_and_generator_input() -> None:
    homes = [home(person("Budi"), person("Sri", relation="spouse")), home(person("Joko"))]
    report = find_duplicates(h for h in homes)
    assert (report.households, report.members, report.findings) == (2, 3, ())


# --- merge proposals ----------------------------------------------------------------------


def test_merge_keeps_the_household_with_kk_and_moves_the_rest() -> None:
    kept = person("Sutrisno", NIK)
    copy = person("Soetrisno")
    child = person("Dimas", relation="child", born=dt.date(2013, 9, 5))
    survivor = home(kept, person("Wartini", relation="spouse"), kk="3402051003120001",
                    programs=("PKH",))
    absorbed = home(copy, child, programs=("PKH", "BPNT"), decile=4)
    report = find_duplicates([survivor, absorbed])
    [merge] = propose_merges(report, [absorbed, survivor])
    assert merge.survivor_id == survivor.household_id
    assert merge.absorbed_ids == (absorbed.household_id,)
    assert [(m.member_id, m.to_household) for m in merge.moves] == [
        (child.member_id, survivor.household_id)]
    assert [(d.member_id, d.duplicate_of) for d in merge.dropped] == [
        (copy.member_id, kept.member_id)]
    fields = {(c.entity, c.field) for c in merge.conflicts}
    assert ("member", "name") in fields  # Soetrisno vs Sutrisno: a person picks the spelling
    assert {("household", "welfare_decile"), ("household", "programs")} <= fields
    assert ("member", "relation") not in fields  # the duplicate head is dropped, not moved
    assert merge.findings == report.findings


def test_merge_copies_a_nik_only_the_duplicate_has_and_warns_of_overlap() -> None:
    without, with_nik = person("Sutrisno"), person("Sutrisno", NIK)
    big = home(without, person("Wartini", relation="spouse"),
               person("Ayu", relation="child", born=dt.date(2019, 6, 30)), kk="3402051003120001")
    small = home(with_nik, person("Sumarni", relation="parent", born=dt.date(1950, 1, 1)),
                 person("Tri", relation="child", born=dt.date(2010, 1, 1)))
    [merge] = propose_merges(find_duplicates([big, small]), [big, small])
    assert merge.survivor_id == big.household_id
    notes = {c.field: c.note for c in merge.conflicts}
    assert notes["nik"] == "only the dropped record has a NIK: copy it"
    assert notes["members"].startswith("only 1 of 3 living members are shared")


def test_two_heads_after_a_merge_are_a_conflict() -> None:
    a = home(person("Sutrisno", relation="child", born=dt.date(2000, 1, 1)),
             person("Slamet"), kk="3402051003120001")
    b = home(person("Sutrisno", relation="child", born=dt.date(2000, 1, 1)), person("Agus"))
    [merge] = propose_merges(find_duplicates([a, b]), [a, b])
    heads = [c for c in merge.conflicts if c.field == "relation"]
    assert len(heads) == 1 and heads[0].note == "2 heads after the merge"


def test_chains_of_duplicates_become_one_merge() -> None:
    a, b, c = (home(person("Sutrisno")), home(person("Sutrisno")),
               home(person("Sutrisno", NIK), kk="3402051003120001"))
    merges = propose_merges(find_duplicates([a, b, c]), [a, b, c])
    assert len(merges) == 1
    assert merges[0].survivor_id == c.household_id
    assert set(merges[0].absorbed_ids) == {a.household_id, b.household_id}
    assert len(merges[0].dropped) == 2 and not merges[0].moves


def test_a_duplicated_row_inside_one_household_is_dropped() -> None:
    first, again = person("Sutrisno", NIK), person("Sutrisno", relation="other")
    h = home(first, again)
    [merge] = propose_merges(find_duplicates([h]), [h])
    assert (merge.survivor_id, merge.absorbed_ids, merge.moves) == (h.household_id, (), ())
    assert [(d.member_id, d.duplicate_of) for d in merge.dropped] == [
        (again.member_id, first.member_id)]


def test_merge_needs_every_household_of_the_report() -> None:
    a, b = home(person("Sutrisno")), home(person("Sutrisno"))
    with pytest.raises(ValueError, match="1 households named in the report were not given"):
        propose_merges(find_duplicates([a, b]), [a])


# --- properties ---------------------------------------------------------------------------

_token = st.lists(st.sampled_from(["ba", "di", "ku", "ra", "so", "te", "wi", "ma"]),
                  min_size=3, max_size=4).map("".join)
_name = st.lists(_token, min_size=1, max_size=3, unique=True).map(" ".join)


@st.composite
def _registry(draw: st.DrawFn) -> list[Household]:
    return [home(*[person(draw(_name), born=draw(st.sampled_from([BORN, dt.date(1990, 1, 1)])))
                   for _ in range(draw(st.integers(1, 3)))],
                 village=draw(st.sampled_from([VILLAGE, OTHER_VILLAGE])))
            for _ in range(draw(st.integers(1, 8)))]


@settings(max_examples=60, deadline=None)
@given(homes=_registry(), data=st.data())
def test_an_injected_copy_is_always_found(homes: list[Household], data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(homes))
    original = data.draw(st.sampled_from(source.members))
    tokens = original.name.split()
    copy = person(" ".join(reversed(tokens)), born=original.birth_date)  # reordered copy
    target = home(copy, village=source.village_code)
    report = find_duplicates([*homes, target])
    pairs = {frozenset(f.member_ids) for f in report.of_kind("same_person")}
    assert frozenset({original.member_id, copy.member_id}) in pairs


@settings(max_examples=60, deadline=None)
@given(homes=_registry(), data=st.data())
def test_findings_do_not_depend_on_input_order(homes: list[Household],
                                               data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(homes))
    assert find_duplicates(homes).findings == find_duplicates(shuffled).findings
