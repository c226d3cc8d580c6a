"""Routing: agency directory, rule choice and regency -> province -> national fallbacks."""

from __future__ import annotations

import pytest

from contracts.events import Need
from contracts.vocabulary import Sector
from services.referral.domain.agencies import (
    Agency,
    AgencyDirectory,
    load_agency_directory,
)
from services.referral.domain.routing import default_rules, plan_referrals, route
from slrt.reference import children

BANTUL_VILLAGE = "3402052001"
BOGOR_VILLAGE = "3201012001"  # Jawa Barat: no regency or province agencies in the demo data


def need(code: str, sector: Sector) -> Need:
    return Need(code=code, sector=sector, rule_id="test", reason="test")


@pytest.fixture(scope="module")
def demo() -> AgencyDirectory:
    return load_agency_directory()


def test_demo_directory_covers_every_diy_regency_and_kind(demo: AgencyDirectory) -> None:
    kinds = {"dukcapil", "dinkes", "disdik", "dinsos", "perkim", "dpupr"}
    for regency in children("34"):
        for kind in kinds:
            agency = demo.find(kind, regency.code)
            assert agency is not None, f"{kind}-{regency.code}"
            assert regency.name in agency.name
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


@pytest.mark.parametrize(
    ("code", "sector", "agency_id"),
    [
        ("civil_registration.nik", Sector.CIVIL_REGISTRATION, "dukcapil-3402"),
        ("health.treatment", Sector.HEALTH, "dinkes-3402"),
        ("education.kip", Sector.EDUCATION, "disdik-3402"),
        ("housing.rtlh", Sector.HOUSING, "perkim-3402"),
        ("basic_infrastructure.water", Sector.BASIC_INFRASTRUCTURE, "dpupr-3402"),
        ("child_protection.neglect", Sector.CHILD_PROTECTION, "dinsos-3402"),
    ],
)
def test_sector_routes_to_the_regency_line_agency(
    demo: AgencyDirectory, code: str, sector: Sector, agency_id: str
) -> None:
    decision = route(demo, default_rules(), need(code, sector), BANTUL_VILLAGE)
    assert decision.agency_id == agency_id
    assert decision.fallback_level == "regency"
    assert decision.rule_id == f"routing-2026.1/{sector.value}"


def test_pbi_jk_override_goes_to_dinas_sosial(demo: AgencyDirectory) -> None:
    decision = route(demo, default_rules(), need("health.pbi_jk", Sector.HEALTH), BANTUL_VILLAGE)
    assert decision.agency_id == "dinsos-3402"
    assert decision.rule_id == "routing-2026.1/health.pbi_jk"
    # A more specific code still finds the override by its prefix.
    deeper = need("health.pbi_jk.reactivation", Sector.HEALTH)
    assert route(demo, default_rules(), deeper, BANTUL_VILLAGE).agency_id == "dinsos-3402"
    # ...but a code that only starts with the same letters does not.
    similar = need("health.pbi_jkx", Sector.HEALTH)
    assert route(demo, default_rules(), similar, BANTUL_VILLAGE).agency_id == "dinkes-3402"


def test_falls_back_to_province_when_the_regency_has_no_agency() -> None:
    directory = AgencyDirectory([
        Agency("dinsos-34", "Dinas Sosial DIY", (Sector.SOCIAL_ASSISTANCE,), "34", "dinsos"),
        Agency("dinsos-3401", "Dinas Sosial Kulon Progo", (Sector.SOCIAL_ASSISTANCE,), "3401",
               "dinsos"),
        Agency("kemensos", "Kemensos", (Sector.SOCIAL_ASSISTANCE,), "", "kemensos"),
    ])
    pkh = need("social_assistance.pkh", Sector.SOCIAL_ASSISTANCE)
    decision = route(directory, default_rules(), pkh, BANTUL_VILLAGE)
    assert (decision.agency_id, decision.fallback_level) == ("dinsos-34", "province")
    assert "dinsos-34" in decision.explanation


def test_falls_back_to_national_outside_the_configured_province(demo: AgencyDirectory) -> None:
    pkh = need("social_assistance.pkh", Sector.SOCIAL_ASSISTANCE)
    decision = route(demo, default_rules(), pkh, BOGOR_VILLAGE)
    assert (decision.agency_id, decision.fallback_level) == ("kemensos", "national")


def test_no_agency_anywhere_is_none_with_explanation(demo: AgencyDirectory) -> None:
    decision = route(demo, default_rules(), need("health.treatment", Sector.HEALTH), BOGOR_VILLAGE)
    assert decision.agency_id is None
    assert decision.fallback_level == "none"
    assert "no agency configured" in decision.explanation
    assert "dinkes@3201" in decision.explanation and "dinkes@32" in decision.explanation


def test_bad_village_code_is_refused(demo: AgencyDirectory) -> None:
    with pytest.raises(ValueError, match="10 digits"):
        route(demo, default_rules(), need("health.treatment", Sector.HEALTH), "3402")


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
    assert plan_referrals(demo, default_rules(), [], BANTUL_VILLAGE) == []
