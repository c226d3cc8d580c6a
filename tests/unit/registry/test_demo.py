"""Synthetic registry: determinism, real villages, valid NIK/KK, plausible families."""

from __future__ import annotations

from collections import Counter

import pytest

from contracts.vocabulary import MatchMethod, Sector
from services.registry.domain.demo import (
    DEMO_NIK_WITH_SCHOOL_CHILD,
    DEMO_SIZE,
    DEMO_TODAY,
    DEMO_VILLAGE_WITH_SCHOOL_CHILD,
    demo_registry,
    generate_households,
    villages_under,
)
from services.registry.domain.matching import match_complainant
from services.registry.domain.model import PROGRAMS, Household
from services.registry.domain.rules import ComplaintFacts, assess, load_rules
from slrt.reference import check_kk, check_nik, village


@pytest.fixture(scope="module")
def many() -> list[Household]:
    return generate_households(400, 7)


def test_same_seed_same_households() -> None:
    assert generate_households(25, 11) == generate_households(25, 11)
    assert demo_registry() == demo_registry()


def test_other_seed_other_households() -> None:
    a, b = generate_households(5, 1), generate_households(5, 2)
    assert [h.household_id for h in a] != [h.household_id for h in b]


def test_villages_are_real_and_under_the_region(many: list[Household]) -> None:
    codes = {h.village_code for h in many}
    assert len(codes) > 30  # spread over Bantul, not piled in one village
    for code in codes:
        v = village(code)
        assert v is not None and v.regency_code == "3402"
    assert len(villages_under("3402")) == 75
    for h in generate_households(10, 3, "340205"):
        assert h.village_code.startswith("340205")


def test_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown region"):
        generate_households(1, 1, "9999")


def test_every_nik_is_valid_and_consistent(many: list[Household]) -> None:
    niks = [(h, m) for h in many for m in h.members if m.nik is not None]
    assert len({m.nik for _, m in niks}) == len(niks)  # unique
    for h, m in niks:
        assert m.nik is not None
        check = check_nik(m.nik, DEMO_TODAY)
        assert check.valid, (check.errors, m.birth_date)
        assert check.district_code == h.village_code[:6]
        assert check.birth_date == m.birth_date
        assert check.sex == m.sex


def test_every_kk_is_valid(many: list[Household]) -> None:
    kks = [h.kk_number for h in many if h.kk_number is not None]
    assert len(set(kks)) == len(kks) > 350
    for h in many:
        if h.kk_number is not None:
            assert check_kk(h.kk_number) == []
            assert h.kk_number[:6] == h.village_code[:6]


def test_families_are_plausible(many: list[Household]) -> None:
    for h in many:
        relations = Counter(m.relation for m in h.members)
        assert relations["head"] == 1 and relations["spouse"] <= 1
        assert h.head is not None
        head_age = h.age_of(h.head, DEMO_TODAY)
        for child in (m for m in h.members if m.relation == "child"):
            assert head_age - h.age_of(child, DEMO_TODAY) >= 19
        for parent in (m for m in h.members if m.relation == "parent"):
            assert 60 <= h.age_of(parent, DEMO_TODAY) <= 85
        assert {p.program for p in h.programs} <= PROGRAMS
    assert any(m.nik is None for h in many for m in h.members)
    assert any(m.relation == "parent" for h in many for m in h.members)


def test_deciles_skew_poor_with_exclusion_errors(many: list[Household]) -> None:
    deciles = Counter(h.welfare_decile for h in many)
    assert set(deciles) <= set(range(1, 11))
    assert sum(deciles[d] for d in range(1, 5)) > 0.45 * len(many)
    poor = [h for h in many if h.welfare_decile <= 4]
    rich = [h for h in many if h.welfare_decile >= 7]
    pbi_rate = sum(h.has_program("PBI-JK") for h in poor) / len(poor)
    assert 0.4 < pbi_rate < 0.95  # mostly covered, but some eligible are missed
    assert sum(h.has_program("PBI-JK") for h in rich) / len(rich) < 0.2


def test_demo_registry_contains_the_school_child_family() -> None:
    registry = demo_registry()
    assert len(registry) == DEMO_SIZE
    [target] = [h for h in registry if h.member_by_nik(DEMO_NIK_WITH_SCHOOL_CHILD)]
    assert target.village_code == DEMO_VILLAGE_WITH_SCHOOL_CHILD
    assert village(target.village_code) is not None
    assert target.welfare_decile <= 4
    assert target.head is not None and target.head.nik == DEMO_NIK_WITH_SCHOOL_CHILD
    assert check_nik(DEMO_NIK_WITH_SCHOOL_CHILD, DEMO_TODAY).valid
    assert target.kk_number is not None and check_kk(target.kk_number) == []
    assert "KIP" not in target.active_programs()


def test_school_child_family_is_found_and_needs_kip() -> None:
    registry = demo_registry()
    match = match_complainant(registry, DEMO_NIK_WITH_SCHOOL_CHILD, None, None, None, None)
    assert (match.method, match.confidence) == (MatchMethod.NIK, 1.0)
    [household] = [h for h in registry if h.household_id == match.household_id]
    complaint = ComplaintFacts(Sector.EDUCATION, "kip_pip", DEMO_NIK_WITH_SCHOOL_CHILD, False)
    needs = assess(load_rules(), household, complaint, DEMO_TODAY)
    assert [(n.code, n.rule_id) for n in needs] == [
        ("education.complaint", "R-COMPLAINT-ROUTE"),
        ("education.kip", "R-EDU-KIP"),
    ]
    assert needs[1].reason == (
        "Desil 2 household with 1 school-age child(ren) aged 7-18 and no active KIP."
    )
