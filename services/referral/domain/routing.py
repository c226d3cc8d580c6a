"""Routing rules as data: which agency must act on a need, for the case's village.

A rule names an agency *kind*. The agency is looked up in the case's regency first, then its
province, then nationally (`national_kind`, e.g. Dinas Sosial falls back to Kemensos). When none
is configured the decision has no agency and the need waits in the back office queue.

Need-code overrides win over the sector rule (longest dotted prefix first). Version
`routing-2026.1` routes:

- PBI-JK / KIS needs (`health.pbi_jk`, `health.kis`) to Dinas Sosial: PBI-JK membership is
  proposed by Dinas Sosial from the social welfare data (DTKS/DTSEN) and decided by Kemensos; the
  health office cannot enrol anyone.
- every other sector to its line agency (Dukcapil, Dinkes, Disdik, Perkim, Dinas PUPR) and the
  social sectors (assistance, data update, elderly/disability, child protection, other) to Dinas
  Sosial, where the SLRT technical secretariat sits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from contracts.events import Need
from contracts.vocabulary import Sector

from .agencies import Agency, AgencyDirectory

FallbackLevel = Literal["regency", "province", "national", "none"]


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """Send a need to the agency of `agency_kind`; `national_kind` is the last resort."""

    rule_id: str
    agency_kind: str
    national_kind: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class RoutingRules:
    """A versioned rule set: one rule per sector plus need-code overrides."""

    version: str
    by_sector: Mapping[Sector, RoutingRule]
    by_need: Mapping[str, RoutingRule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [s.value for s in Sector if s not in self.by_sector]
        if missing:
            raise ValueError(f"routing rules {self.version}: no rule for sectors {missing}")

    def rule_for(self, need: Need) -> RoutingRule:
        """The most specific rule: an override on the need code or a prefix of it, else sector."""
        parts = need.code.split(".")
        for end in range(len(parts), 0, -1):
            rule = self.by_need.get(".".join(parts[:end]))
            if rule is not None:
                return rule
        return self.by_sector[need.sector]


def _rule(version: str, key: str, kind: str, national: str | None, note: str) -> RoutingRule:
    return RoutingRule(f"{version}/{key}", kind, national, note)


def default_rules() -> RoutingRules:
    """Rule set `routing-2026.1` (see the module docstring for the reasoning)."""
    v = "routing-2026.1"
    social = "Dinas Sosial; Kemensos nationally"
    return RoutingRules(
        version=v,
        by_sector={
            Sector.CIVIL_REGISTRATION: _rule(v, "civil_registration", "dukcapil", None,
                                             "Dinas Dukcapil issues NIK, KK and certificates"),
            Sector.HEALTH: _rule(v, "health", "dinkes", None, "Dinas Kesehatan"),
            Sector.EDUCATION: _rule(v, "education", "disdik", None, "Dinas Pendidikan"),
            Sector.SOCIAL_ASSISTANCE: _rule(v, "social_assistance", "dinsos", "kemensos", social),
            Sector.DATA_UPDATE: _rule(v, "data_update", "dinsos", "kemensos",
                                      "Dinas Sosial runs verivali of the social welfare data"),
            Sector.HOUSING: _rule(v, "housing", "perkim", None, "Dinas Perkim (RTLH)"),
            Sector.BASIC_INFRASTRUCTURE: _rule(v, "basic_infrastructure", "dpupr", None,
                                               "Dinas PUPR"),
            Sector.ELDERLY_DISABILITY: _rule(v, "elderly_disability", "dinsos", "kemensos", social),
            Sector.CHILD_PROTECTION: _rule(v, "child_protection", "dinsos", "kemensos", social),
            Sector.OTHER: _rule(v, "other", "dinsos", "kemensos",
                                "SLRT secretariat at Dinas Sosial triages"),
        },
        by_need={
            "health.pbi_jk": _rule(v, "health.pbi_jk", "dinsos", "kemensos",
                                   "PBI-JK proposals go through Dinas Sosial to Kemensos"),
            "health.kis": _rule(v, "health.kis", "dinsos", "kemensos",
                                "KIS (PBI-JK card) proposals go through Dinas Sosial"),
        },
    )


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """Where one need goes and why; `agency_id` None means no agency is configured."""

    agency_id: str | None
    rule_id: str
    fallback_level: FallbackLevel
    explanation: str


def _check_village(village_code: str) -> None:
    if len(village_code) != 10 or not village_code.isdigit():
        raise ValueError(f"village code must be 10 digits, got {village_code!r}")


def route(
    directory: AgencyDirectory, rules: RoutingRules, need: Need, village_code: str
) -> RouteDecision:
    """Pick the agency for one need of a case in `village_code` (10 digits)."""
    _check_village(village_code)
    rule = rules.rule_for(need)
    regency, province = village_code[:4], village_code[:2]
    candidates: list[tuple[FallbackLevel, str, str]] = [
        ("regency", rule.agency_kind, regency),
        ("province", rule.agency_kind, province),
    ]
    if rule.national_kind:
        candidates.append(("national", rule.national_kind, ""))
    head = f"need {need.code} -> {rule.agency_kind} by rule {rule.rule_id}"
    for level, kind, region in candidates:
        agency: Agency | None = directory.find(kind, region)
        if agency is not None:
            return RouteDecision(
                agency.agency_id, rule.rule_id, level,
                f"{head}; {level} agency {agency.agency_id} ({agency.name})",
            )
    tried = ", ".join(f"{kind}@{region or 'national'}" for _, kind, region in candidates)
    return RouteDecision(
        None, rule.rule_id, "none",
        f"{head}; no agency configured (tried {tried}); left to the back office",
    )


@dataclass(frozen=True, slots=True)
class PlannedReferral:
    """One referral to open: the agency that must act and every need it must act on.

    `sector` is the sector of the first need routed here (needs come primary-first from the
    assessment); `sectors` lists all of them. `agency_id` None gathers the unroutable needs.
    """

    agency_id: str | None
    sector: Sector
    sectors: tuple[Sector, ...]
    need_codes: tuple[str, ...]
    decisions: tuple[RouteDecision, ...]

    @property
    def fallback_level(self) -> FallbackLevel:
        return self.decisions[0].fallback_level


def plan_referrals(
    directory: AgencyDirectory, rules: RoutingRules, needs: list[Need], village_code: str
) -> list[PlannedReferral]:
    """Group needs by the agency that must act: one referral per agency, in first-seen order."""
    groups: dict[str | None, list[tuple[Need, RouteDecision]]] = {}
    seen: set[str] = set()
    for need in needs:
        if need.code in seen:  # two rules can find the same need; refer it once
            continue
        seen.add(need.code)
        decision = route(directory, rules, need, village_code)
        groups.setdefault(decision.agency_id, []).append((need, decision))
    plans = []
    for agency_id, items in groups.items():
        sectors = tuple(dict.fromkeys(n.sector for n, _ in items))
        plans.append(PlannedReferral(
            agency_id=agency_id,
            sector=sectors[0],
            sectors=sectors,
            need_codes=tuple(n.code for n, _ in items),
            decisions=tuple(d for _, d in items),
        ))
    return plans
