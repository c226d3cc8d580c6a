"""Synthetic registry rows: reproducible, valid NIK/KK, real villages, plausible families."""

from __future__ import annotations

import datetime as dt
import inspect
import random
from collections import Counter, defaultdict
from itertools import islice

import pytest

from services.registry.domain.importing import SeenIds, validate_household
from services.registry.domain.records import COLUMNS, INDEX
from services.registry.domain.synthetic import (
    REFERENCE_DAY,
    allocate,
    generate_households,
    generate_rows,
)
from services.registry.domain.vocabulary import HOUSING_FIELDS, PROGRAMS
from slrt.reference import check_kk, check_nik, village

Row = tuple[str, ...]


def _col(row: Row, name: str) -> str:
    return row[INDEX[name]]


def _by_household(rows: list[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[_col(row, "household_id")].append(row)
    return grouped


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return list(generate_rows(1500, 7, "34"))  # Daerah Istimewa Yogyakarta, ~6,500 persons


@pytest.fixture(scope="module")
def households(rows: list[Row]) -> dict[str, list[Row]]:
    return _by_household(rows)


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    assert list(generate_rows(40, 11, "3402")) == list(generate_rows(40, 11, "3402"))
    assert list(generate_rows(40, 11, "3402")) != list(generate_rows(40, 12, "3402"))


def test_rows_stream_instead_of_being_built_at_once() -> None:
    stream = generate_rows(10_000_000, 1, "340205")
    assert inspect.isgenerator(stream)
    assert len(list(islice(stream, 5))) == 5  # ten million households are never materialised


def test_household_counts_are_exact_and_spread_over_villages(
        households: dict[str, list[Row]]) -> None:
    assert len(households) == 1500
    villages = {_col(r[0], "village_code") for r in households.values()}
    assert len(villages) > 300  # DIY has 438 villages
    for code in villages:
        found = village(code)
        assert found is not None and found.province_code == "34"
    counts = allocate(1000, 7, random.Random(1))
    assert sum(counts) == 1000 and min(counts) > 0


def test_rows_have_the_layout_and_households_are_consecutive(rows: list[Row]) -> None:
    assert all(len(r) == len(COLUMNS) for r in rows)
    seen: set[str] = set()
    previous = None
    for row in rows:
        hid = _col(row, "household_id")
        if hid != previous:
            assert hid not in seen, "a household's rows must be consecutive"
            seen.add(hid)
            previous = hid


def test_every_nik_and_kk_is_valid_unique_and_of_the_village_kecamatan(
        rows: list[Row]) -> None:
    niks = [r for r in rows if _col(r, "nik")]
    assert len({_col(r, "nik") for r in niks}) == len(niks)
    assert 0.9 < len(niks) / len(rows) < 1.0  # some residents have no NIK, as in Bantul
    for row in niks:
        check = check_nik(_col(row, "nik"), REFERENCE_DAY)
        assert check.valid, check.errors
        assert check.district_code == _col(row, "village_code")[:6]
        assert check.sex == _col(row, "sex")
        assert check.birth_date is not None
        born = dt.date.fromisoformat(_col(row, "birth_date"))
        assert (check.birth_date.day, check.birth_date.month) == (born.day, born.month)
        assert check.birth_date.year % 100 == born.year % 100
    for row in rows:
        assert _col(row, "no_nik") == ("0" if _col(row, "nik") else "1")
        kk = _col(row, "kk_number")
        if kk:
            assert check_kk(kk) == [] and kk[:6] == _col(row, "village_code")[:6]


def test_kk_numbers_belong_to_one_household(households: dict[str, list[Row]]) -> None:
    owner: dict[str, str] = {}
    several = 0
    for hid, members in households.items():
        cards = {_col(m, "kk_number") for m in members if _col(m, "kk_number")}
        several += len(cards) > 1  # a married child with a card of their own
        for kk in cards:
            assert owner.setdefault(kk, hid) == hid
    assert several > 10


def test_families_are_plausible(households: dict[str, list[Row]]) -> None:
    relations_seen: Counter[str] = Counter()
    for members in households.values():
        relations = Counter(_col(m, "relation") for m in members)
        relations_seen.update(relations)
        assert relations["head"] == 1 and relations["spouse"] <= 1
        [head] = [m for m in members if _col(m, "relation") == "head"]
        head_born = dt.date.fromisoformat(_col(head, "birth_date"))
        for m in members:
            born = dt.date.fromisoformat(_col(m, "birth_date"))
            relation = _col(m, "relation")
            if relation == "child":
                assert (born - head_born).days > 15 * 365
                assert _col(m, "marital_status") in ("single", "married")
            if relation in ("parent", "parent_in_law"):
                assert (head_born - born).days > 19 * 365
            if relation == "spouse":
                assert _col(head, "marital_status") == "married"
                assert _col(m, "sex") != _col(head, "sex")
            if _col(m, "pregnant") == "1":
                assert _col(m, "sex") == "P"
            if _col(m, "school_enrolled") == "1":
                assert _col(m, "school_level") and _col(m, "occupation") == "student"
    for relation in ("spouse", "child", "parent", "grandchild", "child_in_law"):
        assert relations_seen[relation] > 0


def test_deciles_housing_and_programs_follow_poverty(households: dict[str, list[Row]]) -> None:
    heads = [members[0] for members in households.values()]
    deciles = Counter(int(_col(h, "welfare_decile")) for h in heads)
    assert set(deciles) <= set(range(1, 11))
    assert sum(deciles[d] for d in range(1, 5)) > 0.45 * len(heads)

    def share(rows: list[Row], column: str, wanted: str) -> float:
        return sum(1 for r in rows if wanted in _col(r, column)) / len(rows)

    poor = [h for h in heads if int(_col(h, "welfare_decile")) <= 3]
    rich = [h for h in heads if int(_col(h, "welfare_decile")) >= 8]
    assert share(poor, "programs", "PBI-JK:active") > 0.5 > 0.2 > share(rich, "programs",
                                                                         "PBI-JK:active")
    assert share(poor, "floor", "earth") > 2 * share(rich, "floor", "earth")
    for h in heads:
        for name, allowed in HOUSING_FIELDS.items():
            assert _col(h, name) in allowed
        for item in filter(None, _col(h, "programs").split(";")):
            code, status, since, until = item.split(":")
            assert code in PROGRAMS and status in ("active", "ended")
            assert dt.date.fromisoformat(since) < REFERENCE_DAY
            if until:
                assert dt.date.fromisoformat(until) > dt.date.fromisoformat(since)


def test_every_generated_row_passes_import_validation(households: dict[str, list[Row]]) -> None:
    seen = SeenIds()
    number = 1
    for members in households.values():
        numbered = []
        for m in members:
            number += 1
            numbered.append((number, list(m)))
        result = validate_household(numbered, seen, REFERENCE_DAY)
        assert result.rejected == [], result.rejected[:1]
        assert result.accepted is not None


def test_whole_country_when_no_region_is_given() -> None:
    heads = [head for head, _ in generate_households(400, 3)]
    provinces = {h[INDEX["village_code"]][:2] for h in heads}
    assert len(provinces) > 25


def test_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown region"):
        list(generate_rows(1, 1, "9999"))
