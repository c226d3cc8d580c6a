"""Routing: agency directory, rules as data, every fallback level, NoAgencyConfigured, explain."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.events import Need
from contracts.vocabulary import Sector
from services.referral.domain.agencies import (
    Agency,
    AgencyDirectory,
    load_agency_directory,
)
from services.referral.domain.routing import (
    NoAgencyConfigured,
    Routed,
    RoutingRulesError,
    default_rules,
    explain,
    parse_routing_rules,
    plan_referrals,
    route,
)
from slrt.reference import children

BANTUL_VILLAGE = "3402052001"
BOGOR_VILLAGE = "3201012001"  # Jawa Barat: no regency or province agencies in the demo data
V = "routing-2026.2"


def need(code: str, sector: Sector) -> Need:
    return Need(code=code, sector=sector, rule_id="test", reason="test")


def agency(agency_id: str, sector: Sector = Sector.SOCIAL_ASSISTANCE) -> Agency:
    kind, _, region = agency_id.partition("-")
    return Agency(agency_id, agency_id.upper(), (sector,), region, kind)


def rule(sectors: list[str], sub: str, region: str, agencies: list[str]) -> dict[str, Any]:
    return {"sectors": sectors, "subcategory": sub, "region": region, "agencies": agencies}


@pytest.fixture(scope="module")
def demo() -> AgencyDirectory:
    return load_agency_directory()


# -- the agency directory --------------------------------------------------------------------

def test_demo_directory_covers_every_diy_regency_and_kind(demo: AgencyDirectory) -> None:
    kinds = {"dukcapil", "dinkes", "disdik", "dinsos", "perkim", "dpupr"}
    for regency in children("34"):
        for kind in kinds:
            found = demo.find(kind, regency.code)
            assert found is not None, f"{kind}-{regency.code}"
            assert regency.name in found.name
    bantul_health, province, national = (
        demo.get(i) for i in ("dinkes-3402", "dinsos-34", "kemensos")
    )
    assert bantul_health is not None and province is not None and national is not None
    assert bantul_health.name == "Dinas Kesehatan Kabupaten Bantul"
    assert (bantul_health.level, province.level, national.level) == (
        "regency", "province", "national"
    )
    assert demo.get("dinkes-9999") is None and "kemensos" in demo
    assert len(demo.all()) == 5 * len(kinds) + 2


def test_agency_id_must_follow_the_scheme() -> None:
    with pytest.raises(ValueError, match="dinkes-3402"):
        Agency("dinkes-3401", "x", (Sector.HEALTH,), "3402", "dinkes")


def test_duplicate_agency_ids_are_refused() -> None:
    a = Agency("dinkes-3402", "x", (Sector.HEALTH,), "3402", "dinkes")
    with pytest.raises(ValueError, match="duplicate"):
        AgencyDirectory([a, a])


# -- the packaged rules keep the demo behaviour ----------------------------------------------

def test_packaged_rules_load_and_name_only_known_agencies(demo: AgencyDirectory) -> None:
    rules = default_rules(demo)
    assert rules.version == V
    assert len(rules) == 74  # 5 regencies x 12 keys, province 7, national 7
    assert all(a in demo for r in rules.rules for a in r.agency_ids)
    assert {r.level for r in rules.rules} == {"regency", "province", "national"}


def test_education_complaint_in_bantul_goes_to_disdik_bantul(demo: AgencyDirectory) -> None:
    # The pipeline test relies on this route.
    plans = plan_referrals(demo, default_rules(), [
        need("education.complaint", Sector.EDUCATION), need("education.kip", Sector.EDUCATION),
    ], BANTUL_VILLAGE)
    assert [(p.agency_id, p.need_codes) for p in plans] == [
        ("disdik-3402", ("education.complaint", "education.kip")),
    ]


@pytest.mark.parametrize(
    ("code", "sector", "agency_id"),
    [
        ("civil_registration.nik", Sector.CIVIL_REGISTRATION, "dukcapil-3402"),
        ("health.treatment", Sector.HEALTH, "dinkes-3402"),
        ("education.kip", Sector.EDUCATION, "disdik-3402"),
        ("housing.rtlh", Sector.HOUSING, "perkim-3402"),
        ("basic_infrastructure.water", Sector.BASIC_INFRASTRUCTURE, "dpupr-3402"),
        ("child_protection.neglect", Sector.CHILD_PROTECTION, "dinsos-3402"),
        ("data_update.proposal", Sector.DATA_UPDATE, "dinsos-3402"),
    ],
)
def test_sector_routes_to_the_regency_line_agency(
    demo: AgencyDirectory, code: str, sector: Sector, agency_id: str
) -> None:
    decision = route(demo, default_rules(), need(code, sector), BANTUL_VILLAGE)
    assert isinstance(decision, Routed)
    assert decision.agency_ids == (agency_id,)
    assert decision.fallback_level == "regency"
    assert decision.rule_id == f"{V}/{sector.value}/*/3402"


def test_pbi_jk_subcategory_goes_to_dinas_sosial(demo: AgencyDirectory) -> None:
    decision = route(demo, default_rules(), need("health.pbi_jk", Sector.HEALTH), BANTUL_VILLAGE)
    assert decision.agency_id == "dinsos-3402"
    assert decision.rule_id == f"{V}/health/pbi_jk/3402"
    # A more specific code still finds the rule by its prefix.
    deeper = need("health.pbi_jk.reactivation", Sector.HEALTH)
    assert route(demo, default_rules(), deeper, BANTUL_VILLAGE).agency_id == "dinsos-3402"
    # ...but a code that only starts with the same letters does not.
    similar = need("health.pbi_jkx", Sector.HEALTH)
    assert route(demo, default_rules(), similar, BANTUL_VILLAGE).agency_id == "dinkes-3402"


# -- fallbacks -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def three_levels() -> AgencyDirectory:
    return AgencyDirectory([agency(a) for a in ("dinsos-3402", "dinsos-34", "kemensos",
                                                "dinsos-3401")])


@pytest.fixture(scope="module")
def three_level_rules(three_levels: AgencyDirectory) -> Any:
    return parse_routing_rules({"version": "t1", "rules": [
        rule(["social_assistance"], "*", "3402", ["dinsos-3402"]),
        rule(["social_assistance"], "*", "34", ["dinsos-34"]),
        rule(["social_assistance"], "*", "*", ["kemensos"]),
        rule(["social_assistance"], "pkh", "*", ["kemensos"]),
    ]}, three_levels)


@pytest.mark.parametrize(
    ("village", "expected", "level", "rule_id"),
    [
        ("3402052001", "dinsos-3402", "regency", "t1/social_assistance/*/3402"),  # Bantul
        ("3404012001", "dinsos-34", "province", "t1/social_assistance/*/34"),  # Sleman
        ("3201012001", "kemensos", "national", "t1/social_assistance/*/*"),  # Bogor
    ],
)
def test_each_fallback_level(three_levels: AgencyDirectory, three_level_rules: Any,
                             village: str, expected: str, level: str, rule_id: str) -> None:
    decision = route(three_levels, three_level_rules,
                     need("social_assistance.bpnt", Sector.SOCIAL_ASSISTANCE), village)
    assert (decision.agency_id, decision.fallback_level, decision.rule_id) == (
        expected, level, rule_id
    )


def test_subcategory_is_tried_at_every_level_before_the_sector(
    three_levels: AgencyDirectory, three_level_rules: Any
) -> None:
    # A national PKH rule beats the Bantul sector rule: the subcategory decides who can act.
    pkh = need("social_assistance.pkh", Sector.SOCIAL_ASSISTANCE)
    report = explain(three_levels, three_level_rules, pkh, BANTUL_VILLAGE)
    assert report.decision.agency_id == "kemensos"
    assert [(c.key, c.outcome) for c in report.checks] == [
        ("social_assistance/pkh/3402", "no_rule"),
        ("social_assistance/pkh/34", "no_rule"),
        ("social_assistance/pkh/*", "matched"),
    ]
    assert report.subcategory == "pkh" and report.rules_version == "t1"


def test_a_rule_whose_agency_left_the_directory_falls_through(
    three_level_rules: Any,
) -> None:
    # Rules were checked against a directory that had dinsos-3402; the current one has not.
    smaller = AgencyDirectory([agency("dinsos-34"), agency("kemensos")])
    report = explain(smaller, three_level_rules,
                     need("social_assistance.bpnt", Sector.SOCIAL_ASSISTANCE), BANTUL_VILLAGE)
    assert report.decision.agency_id == "dinsos-34"
    assert report.checks[3].outcome == "agencies_not_in_directory"
    assert "dinsos-3402" in report.checks[3].detail


def test_falls_back_to_national_outside_the_configured_province(demo: AgencyDirectory) -> None:
    pkh = need("social_assistance.pkh", Sector.SOCIAL_ASSISTANCE)
    decision = route(demo, default_rules(), pkh, BOGOR_VILLAGE)
    assert (decision.agency_id, decision.fallback_level) == ("kemensos", "national")
    pbi = route(demo, default_rules(), need("health.pbi_jk", Sector.HEALTH), BOGOR_VILLAGE)
    assert (pbi.agency_id, pbi.rule_id) == ("kemensos", f"{V}/health/pbi_jk/*")


def test_no_agency_configured_goes_to_the_back_office_with_every_key_tried(
    demo: AgencyDirectory,
) -> None:
    decision = route(demo, default_rules(), need("health.treatment", Sector.HEALTH),
                     BOGOR_VILLAGE)
    assert isinstance(decision, NoAgencyConfigured)
    assert decision.agency_id is None and decision.agency_ids == ()
    assert decision.fallback_level == "none" and decision.queue == "back_office"
    assert "no agency configured" in decision.explanation
    for key in ("health/treatment/3201", "health/treatment/32", "health/treatment/*",
                "health/*/3201", "health/*/32", "health/*/*"):
        assert key in decision.explanation


def test_explain_lists_every_check_in_order(demo: AgencyDirectory) -> None:
    report = explain(demo, default_rules(), need("health.pbi_jk", Sector.HEALTH), "3404012001")
    assert [c.key for c in report.checks] == ["health/pbi_jk/3404"]
    assert report.checks[0].level == "regency"
    assert "dinsos-3404 (Dinas Sosial Kabupaten Sleman)" in report.checks[0].detail
    assert "Kemensos" in report.checks[0].detail  # the rule's note says why
    nothing = explain(demo, default_rules(), need("housing.rtlh", Sector.HOUSING), BOGOR_VILLAGE)
    assert [c.outcome for c in nothing.checks] == ["no_rule"] * 6
    assert [c.level for c in nothing.checks] == ["regency", "province", "national"] * 2


def test_bad_village_code_is_refused(demo: AgencyDirectory) -> None:
    with pytest.raises(ValueError, match="10 digits"):
        route(demo, default_rules(), need("health.treatment", Sector.HEALTH), "3402")


# -- planning --------------------------------------------------------------------------------

def test_plan_groups_needs_per_agency_in_first_seen_order(demo: AgencyDirectory) -> None:
    needs = [
        need("social_assistance.pkh", Sector.SOCIAL_ASSISTANCE),
        need("civil_registration.nik", Sector.CIVIL_REGISTRATION),
        need("health.pbi_jk", Sector.HEALTH),
        need("civil_registration.kk", Sector.CIVIL_REGISTRATION),
        need("social_assistance.pkh", Sector.SOCIAL_ASSISTANCE),  # duplicate from a second rule
    ]
    plans = plan_referrals(demo, default_rules(), needs, BANTUL_VILLAGE)
    assert [p.agency_id for p in plans] == ["dinsos-3402", "dukcapil-3402"]
    dinsos, dukcapil = plans
    assert dinsos.need_codes == ("social_assistance.pkh", "health.pbi_jk")
    assert dinsos.sector is Sector.SOCIAL_ASSISTANCE
    assert dinsos.sectors == (Sector.SOCIAL_ASSISTANCE, Sector.HEALTH)
    assert dukcapil.need_codes == ("civil_registration.nik", "civil_registration.kk")
    assert dukcapil.fallback_level == "regency"


def test_plan_collects_unroutable_needs_under_none(demo: AgencyDirectory) -> None:
    needs = [
        need("health.treatment", Sector.HEALTH),
        need("social_assistance.bpnt", Sector.SOCIAL_ASSISTANCE),
        need("education.kip", Sector.EDUCATION),
    ]
    plans = plan_referrals(demo, default_rules(), needs, BOGOR_VILLAGE)
    assert [(p.agency_id, p.need_codes) for p in plans] == [
        (None, ("health.treatment", "education.kip")),
        ("kemensos", ("social_assistance.bpnt",)),
    ]
    assert plans[0].fallback_level == "none"
    assert plan_referrals(demo, default_rules(), [], BANTUL_VILLAGE) == []


def test_a_rule_with_two_agencies_opens_two_referrals() -> None:
    directory = AgencyDirectory([agency("perkim-3402", Sector.HOUSING),
                                 agency("baznas-3402", Sector.HOUSING)])
    rules = parse_routing_rules({"version": "t2", "rules": [
        rule(["housing"], "rtlh", "3402", ["perkim-3402", "baznas-3402"]),
    ]}, directory)
    plans = plan_referrals(directory, rules, [need("housing.rtlh", Sector.HOUSING)],
                           BANTUL_VILLAGE)
    assert [(p.agency_id, p.need_codes) for p in plans] == [
        ("perkim-3402", ("housing.rtlh",)), ("baznas-3402", ("housing.rtlh",)),
    ]


# -- validation on load ----------------------------------------------------------------------

def test_an_entry_with_several_sectors_is_one_rule_per_sector(demo: AgencyDirectory) -> None:
    rules = parse_routing_rules({"version": "t3", "rules": [
        rule(["elderly_disability", "child_protection"], "*", "34", ["dinsos-34"]),
    ]}, demo)
    assert sorted(r.rule_id for r in rules.rules) == [
        "child_protection/*/34", "elderly_disability/*/34",
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (rule(["health"], "*", "3402", ["dinkes-9999"]), "unknown agency ids ['dinkes-9999']"),
        (rule(["health"], "*", "340", ["dinkes-3402"]), "region must be '*', 2 or 4 digits"),
        (rule(["health"], "*", "3499", ["dinkes-3402"]), "3499 is not a Kemendagri region"),
        (rule(["health"], "*", "3402052001", ["dinkes-3402"]), "2 or 4 digits"),
        (rule(["helth"], "*", "3402", ["dinkes-3402"]), "unknown sector 'helth'"),
        ({**rule([], "*", "3402", ["dinkes-3402"]), "sectors": "health"}, "'sectors' must be"),
        (rule(["health"], "PBI JK", "3402", ["dinkes-3402"]), "bad subcategory"),
        (rule(["health"], "*", "3402", []), "non-empty list"),
        (rule(["health"], "*", "3402", ["dinkes-3402", "dinkes-3402"]), "listed twice"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_reason(
    demo: AgencyDirectory, entry: dict[str, Any], message: str
) -> None:
    with pytest.raises(RoutingRulesError) as info:
        parse_routing_rules({"version": "bad", "rules": [entry]}, demo)
    assert message in str(info.value)
    assert str(info.value).startswith("routing rules bad: rule #0")


def test_duplicate_keys_name_both_entries_and_all_problems_are_reported(
    demo: AgencyDirectory,
) -> None:
    with pytest.raises(RoutingRulesError) as info:
        parse_routing_rules({"version": "dup", "rules": [
            rule(["health", "education"], "*", "3402", ["dinkes-3402"]),
            rule(["health"], "*", "3402", ["dinkes-3402"]),
            rule(["health"], "*", "3402", ["nope"]),
        ]}, demo)
    assert info.value.problems == [
        "rule #1: duplicate key health/*/3402 (first in rule #0)",
        "rule #2: unknown agency ids ['nope']",
    ]


def test_a_rule_file_needs_a_version(demo: AgencyDirectory) -> None:
    with pytest.raises(RoutingRulesError, match="missing version"):
        parse_routing_rules({"rules": []}, demo)
