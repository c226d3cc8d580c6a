"""Needs rules: the packaged rule file, the evaluator, and load-time errors."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from contracts.events import Need
from contracts.vocabulary import Sector
from services.registry.domain.model import Household, Member, Participation, Relation, Sex
from services.registry.domain.rules import (
    ComplaintFacts,
    RuleError,
    RuleSet,
    assess,
    load_rules,
    parse_rules,
)

TODAY = dt.date(2026, 3, 1)
VILLAGE = "3402052001"


def born(age: int, days_after_birthday: int = 10) -> dt.date:
    return TODAY.replace(year=TODAY.year - age) - dt.timedelta(days=days_after_birthday)


def person(relation: Relation, age: int, *, nik: str | None = "3402051203850001",
           sex: Sex = "L", disability: bool = False, deceased: bool = False) -> Member:
    return Member(uuid.uuid4(), nik, f"Person {relation}", sex, born(age), relation,
                  school_enrolled=7 <= age <= 18, disability=disability, deceased=deceased)


def household(decile: int, members: list[Member], programs: list[str] | None = None,
              ended: list[str] | None = None) -> Household:
    parts = [Participation(p) for p in programs or []]
    parts += [Participation(p, "ended") for p in ended or []]
    return Household(uuid.uuid4(), "3402051003120001", VILLAGE, "RT 01/RW 01", decile,
                     members, parts)


def family(decile: int, child_age: int, programs: list[str] | None = None,
           ended: list[str] | None = None) -> Household:
    members = [person("head", 40), person("spouse", 37, sex="P"), person("child", child_age)]
    return household(decile, members, programs, ended)


def complaint(sector: Sector = Sector.OTHER, *, no_nik: bool = False,
              nik: str | None = "3402051203850001") -> ComplaintFacts:
    return ComplaintFacts(sector=sector, subcategory=None,
                          complainant_nik=None if no_nik else nik, complainant_has_no_nik=no_nik)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def codes(needs: list[Need]) -> list[tuple[str, str]]:
    return [(n.code, n.rule_id) for n in needs]


def test_packaged_rules_load_with_version(rules: RuleSet) -> None:
    assert rules.version == "needs-2026.1"
    ids = [r.id for r in rules.rules]
    assert {"R-CIVREG-NO-NIK", "R-EDU-KIP", "R-HEALTH-PBI-JK", "R-ELDERLY-ASLUT",
            "R-COMPLAINT-ROUTE", "R-DATA-UPDATE-PROPOSAL"} <= set(ids)
    assert len(ids) == len(set(ids))


def test_complainant_without_nik_and_no_household(rules: RuleSet) -> None:
    needs = assess(rules, None, complaint(Sector.SOCIAL_ASSISTANCE, no_nik=True), TODAY)
    assert codes(needs) == [
        ("civil_registration.nik", "R-CIVREG-NO-NIK"),
        ("social_assistance.complaint", "R-COMPLAINT-ROUTE"),
    ]
    nik_need = needs[0]
    assert nik_need.sector is Sector.CIVIL_REGISTRATION
    assert nik_need.program is None
    assert nik_need.reason == "Complainant states they have no NIK; record them with Dukcapil."
    assert needs[1].sector is Sector.SOCIAL_ASSISTANCE
    assert needs[1].reason == "The complaint itself (sector social_assistance) must be handled."


def test_nik_not_given_is_not_no_nik(rules: RuleSet) -> None:
    needs = assess(rules, None, complaint(Sector.HEALTH, nik=None), TODAY)
    assert codes(needs) == [("health.complaint", "R-COMPLAINT-ROUTE")]


def test_poor_family_with_school_child_without_kip(rules: RuleSet) -> None:
    h = family(3, 12, programs=["PBI-JK", "PKH"])
    needs = assess(rules, h, complaint(Sector.EDUCATION), TODAY)
    assert codes(needs) == [
        ("education.complaint", "R-COMPLAINT-ROUTE"),
        ("education.kip", "R-EDU-KIP"),
    ]
    kip = needs[1]
    assert (kip.sector, kip.program) == (Sector.EDUCATION, "KIP")
    assert kip.reason == (
        "Desil 3 household with 1 school-age child(ren) aged 7-18 and no active KIP."
    )


@pytest.mark.parametrize(("age", "expected"), [(6, False), (7, True), (18, True), (19, False)])
def test_school_age_is_7_to_18_inclusive(rules: RuleSet, age: int, expected: bool) -> None:
    needs = assess(rules, family(2, age, programs=["PBI-JK"]), complaint(), TODAY)
    assert ("education.kip" in {n.code for n in needs}) is expected


def test_age_counts_from_the_birthday(rules: RuleSet) -> None:
    child = person("child", 7)
    child.birth_date = TODAY.replace(year=TODAY.year - 7) + dt.timedelta(days=1)  # 7 tomorrow
    h = household(2, [person("head", 40), child], programs=["PBI-JK"])
    assert "education.kip" not in {n.code for n in assess(rules, h, complaint(), TODAY)}
    later = TODAY + dt.timedelta(days=1)
    assert "education.kip" in {n.code for n in assess(rules, h, complaint(), later)}


def test_active_kip_blocks_but_ended_kip_does_not(rules: RuleSet) -> None:
    with_kip = family(1, 10, programs=["PBI-JK", "KIP"])
    ended_kip = family(1, 10, programs=["PBI-JK"], ended=["KIP"])
    assert "education.kip" not in {n.code for n in assess(rules, with_kip, complaint(), TODAY)}
    assert "education.kip" in {n.code for n in assess(rules, ended_kip, complaint(), TODAY)}


def test_deceased_child_is_not_counted(rules: RuleSet) -> None:
    h = household(2, [person("head", 40), person("child", 12, deceased=True)], ["PBI-JK"])
    assert "education.kip" not in {n.code for n in assess(rules, h, complaint(), TODAY)}


def test_desil_above_four_gets_no_program_needs(rules: RuleSet) -> None:
    h = household(5, [person("head", 70), person("child", 12, disability=True)])
    assert codes(assess(rules, h, complaint(), TODAY)) == [("other.complaint",
                                                             "R-COMPLAINT-ROUTE")]


def test_missing_pbi_jk_in_desil_four(rules: RuleSet) -> None:
    h = household(4, [person("head", 45), person("spouse", 44, sex="P")])
    needs = assess(rules, h, complaint(Sector.HEALTH), TODAY)
    assert codes(needs) == [
        ("health.complaint", "R-COMPLAINT-ROUTE"),
        ("health.pbi_jk", "R-HEALTH-PBI-JK"),
    ]
    assert needs[1].program == "PBI-JK"
    assert needs[1].reason == "Desil 4 household of 2 without active PBI-JK health insurance."


@pytest.mark.parametrize(("age", "expected"), [(59, False), (60, True), (84, True)])
def test_elderly_without_aslut(rules: RuleSet, age: int, expected: bool) -> None:
    h = household(1, [person("head", 45), person("parent", age)], ["PBI-JK"])
    needs = {n.code: n for n in assess(rules, h, complaint(), TODAY)}
    assert ("elderly_disability.aslut" in needs) is expected
    if expected:
        aslut = needs["elderly_disability.aslut"]
        assert (aslut.rule_id, aslut.program) == ("R-ELDERLY-ASLUT", "ASLUT")
        assert aslut.reason == (
            "Desil 1 household with 1 member(s) aged 60+ and no active ASLUT."
        )


def test_active_aslut_blocks_elderly_need(rules: RuleSet) -> None:
    h = household(1, [person("head", 45), person("parent", 75)], ["PBI-JK", "ASLUT"])
    assert "elderly_disability.aslut" not in {n.code for n in assess(rules, h, complaint(), TODAY)}


def test_disabled_member_without_aspd(rules: RuleSet) -> None:
    h = household(2, [person("head", 45, disability=True)], ["PBI-JK"])
    needs = {n.code: n for n in assess(rules, h, complaint(), TODAY)}
    assert needs["elderly_disability.aspd"].rule_id == "R-DISABILITY-ASPD"


def test_data_update_becomes_a_proposal_not_a_complaint(rules: RuleSet) -> None:
    needs = assess(rules, None, complaint(Sector.DATA_UPDATE), TODAY)
    assert codes(needs) == [("data_update.proposal", "R-DATA-UPDATE-PROPOSAL")]
    assert needs[0].sector is Sector.DATA_UPDATE
    assert needs[0].reason.endswith("household found: no.")


def test_every_sector_routes_its_complaint(rules: RuleSet) -> None:
    for sector in Sector:
        found = {n.code for n in assess(rules, None, complaint(sector), TODAY)}
        expected = "data_update.proposal" if sector is Sector.DATA_UPDATE else f"{sector}.complaint"
        assert found == {expected}


def test_duplicate_need_keeps_first_rule_in_file_order(rules: RuleSet) -> None:
    h = household(6, [person("head", 40), person("child", 3, nik=None)])
    only_member = assess(rules, h, complaint(), TODAY)
    assert ("civil_registration.nik", "R-CIVREG-MEMBER-NO-NIK") in codes(only_member)
    assert only_member[0].reason == "1 living household member(s) without NIK in the registry."
    both = assess(rules, h, complaint(no_nik=True), TODAY)
    assert [c for c in codes(both) if c[0] == "civil_registration.nik"] == [
        ("civil_registration.nik", "R-CIVREG-NO-NIK")
    ]


def test_needs_are_sorted_by_code_and_unique(rules: RuleSet) -> None:
    h = household(1, [person("head", 45, nik=None), person("parent", 70, disability=True),
                      person("child", 9)])
    needs = assess(rules, h, complaint(Sector.HOUSING, no_nik=True), TODAY)
    got = [n.code for n in needs]
    assert got == sorted(set(got))
    assert got == ["civil_registration.nik", "education.kip", "elderly_disability.aslut",
                   "elderly_disability.aspd", "health.pbi_jk", "housing.complaint"]
    assert all(isinstance(n, Need) for n in needs)


def test_reasons_carry_no_personal_data(rules: RuleSet) -> None:
    h = household(1, [person("head", 45, nik="3402051203850001"), person("parent", 70),
                      person("child", 9, nik=None)])
    for need in assess(rules, h, complaint(Sector.EDUCATION, nik="3402051203850001"), TODAY):
        assert "3402051203850001" not in need.reason
        assert "Person" not in need.reason
        assert "RT 01" not in need.reason


# --- load-time errors -------------------------------------------------------------------


def rule(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "R-TEST",
        "when": {"all": [{"fact": "welfare_decile", "op": "<=", "value": 4}]},
        "then": {"need": "health.pbi_jk", "sector": "health", "program": "PBI-JK"},
        "reason": "Desil {welfare_decile}.",
    }
    base.update(over)
    return base


def ruleset(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"version": "test-1", "rules": list(rules)}


def cond(fact: str, op: str, value: Any) -> dict[str, Any]:
    return {"when": {"all": [{"fact": fact, "op": op, "value": value}]}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (ruleset(rule(**cond("income", "<=", 4))), r"R-TEST: unknown fact 'income'"),
        (ruleset(rule(**cond("welfare_decile", "=<", 4))), r"R-TEST: unknown op '=<'"),
        (ruleset(rule(**cond("welfare_decile", "in", 4))), r"op 'in' needs a list"),
        (ruleset(rule(**cond("welfare_decile", "<=", "4"))), r"does not fit fact"),
        (ruleset(rule(**cond("welfare_decile", "==", True))), r"does not fit fact"),
        (ruleset(rule(**cond("has_pbi_jk", "<", 1))), r"needs an integer fact"),
        (ruleset(rule(**cond("complaint_sector", "in", ["health", 3]))), r"does not fit fact"),
        (ruleset(rule(when={"all": []})), r"must be a non-empty list"),
        (ruleset(rule(when={"none": [{"fact": "household_found", "op": "==", "value": True}]})),
         r"'when' must be"),
        (ruleset(rule(reason="Desil {desil}.")), r"reason uses unknown fact \{desil\}"),
        (ruleset(rule(reason="Desil {welfare_decile.")), r"not a valid template"),
        (ruleset(rule(then={"need": "health.x", "sector": "healthcare", "program": None})),
         r"unknown sector 'healthcare'"),
        (ruleset(rule(then={"need": "education.kip", "sector": "health", "program": None})),
         r"must start with 'health.'"),
        (ruleset(rule(then={"need": "{nik}.complaint", "sector": "health", "program": None})),
         r"then.need uses unknown fact \{nik\}"),
        (ruleset(rule(then={"need": "health.x", "sector": "health"})), r"exactly need, sector"),
        (ruleset(rule(), rule()), r"duplicate rule id 'R-TEST'"),
        (ruleset(rule(wehn={})), r"keys must be exactly"),
        (ruleset(rule(id="")), r"non-empty string 'id'"),
        ({"rules": [rule()]}, r"exactly 'version' and 'rules'"),
        ({"version": "", "rules": [rule()]}, r"'version' must be"),
        ({"version": "v", "rules": []}, r"'rules' must be a non-empty list"),
    ],
)
def test_bad_rules_fail_at_load(data: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_rules(data)


def test_load_rules_from_path_and_any_mode(tmp_path: Path) -> None:
    data = ruleset(rule(
        id="R-ANY",
        when={"any": [{"fact": "complainant_has_no_nik", "op": "==", "value": True},
                      {"fact": "complaint_sector", "op": "in", "value": ["civil_registration"]}]},
        then={"need": "civil_registration.nik", "sector": "civil_registration", "program": None},
        reason="no NIK: {complainant_has_no_nik}, sector {complaint_sector}",
    ))
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    rs = load_rules(path)
    assert rs.version == "test-1"
    assert assess(rs, None, complaint(Sector.HEALTH), TODAY) == []
    [need] = assess(rs, None, complaint(Sector.CIVIL_REGISTRATION), TODAY)
    assert need.reason == "no NIK: no, sector civil_registration"
    [need] = assess(rs, None, complaint(Sector.HEALTH, no_nik=True), TODAY)
    assert (need.rule_id, need.reason) == ("R-ANY", "no NIK: yes, sector health")


def test_unknown_decile_never_satisfies_an_ordering(tmp_path: Path) -> None:
    rs = parse_rules(ruleset(rule(**cond("welfare_decile", ">=", 1))))
    assert assess(rs, None, complaint(), TODAY) == []


def test_invalid_json_file_is_a_rule_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"version": "x", "rules": [', encoding="utf-8")
    with pytest.raises(RuleError, match="not valid JSON"):
        load_rules(path)
