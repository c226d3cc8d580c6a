"""Routing a case's needs to agencies, with fallbacks and an explanation of every step.

For a need `health.pbi_jk` of a case in village 3402052001 the candidate keys are tried in this
order, and the first rule whose agencies are in the directory wins:

    health/pbi_jk/3402, health/pbi_jk/34, health/pbi_jk/*,
    health/*/3402,      health/*/34,      health/*/*

The subcategory is tried at every region level before the sector-wide rules, because the
subcategory decides *who* can act at all (only Dinas Sosial can propose PBI-JK membership; the
health office cannot enrol anyone) and the region only decides which office of that kind. A
dotted subcategory (`pbi_jk.reactivation`) tries its longer prefixes first.

When no rule matches, the outcome is `NoAgencyConfigured`: the need lands in the back office
queue with the list of keys tried, instead of being lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from contracts.events import Need
from contracts.vocabulary import Sector

from .agencies import AgencyDirectory
from .codes import subcategory_of, subcategory_prefixes
from .routing_rules import (
    ANY,
    RegionLevel,
    RoutingRule,
    RoutingRules,
    RoutingRulesError,
    default_rules,
    load_routing_rules,
    parse_routing_rules,
)

__all__ = [
    "BACK_OFFICE_QUEUE", "NoAgencyConfigured", "PlannedReferral", "RouteDecision", "Routed",
    "RoutingExplanation", "RoutingRule", "RoutingRules", "RoutingRulesError", "RuleCheck",
    "default_rules", "explain", "load_routing_rules", "parse_routing_rules", "plan_referrals",
    "route",
]

FallbackLevel = Literal["regency", "province", "national", "none"]
CheckOutcome = Literal["matched", "no_rule", "agencies_not_in_directory"]
BACK_OFFICE_QUEUE = "back_office"


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """One candidate key considered, and what came of it."""

    key: str  # sector/subcategory/region
    level: RegionLevel
    outcome: CheckOutcome
    detail: str


@dataclass(frozen=True, slots=True)
class Routed:
    """The need goes to every agency in `agency_ids` (one referral each)."""

    need_code: str
    sector: Sector
    agency_ids: tuple[str, ...]
    rule_id: str  # <rules version>/<sector>/<subcategory>/<region>
    fallback_level: RegionLevel
    explanation: str

    @property
    def agency_id(self) -> str:
        return self.agency_ids[0]


@dataclass(frozen=True, slots=True)
class NoAgencyConfigured:
    """No rule routes the need: the back office must route it by hand."""

    need_code: str
    sector: Sector
    explanation: str
    queue: str = BACK_OFFICE_QUEUE
    agency_ids: tuple[str, ...] = ()
    rule_id: str | None = None
    fallback_level: Literal["none"] = "none"

    @property
    def agency_id(self) -> None:
        return None


RouteDecision = Routed | NoAgencyConfigured


@dataclass(frozen=True, slots=True)
class RoutingExplanation:
    """The dry run of routing one need: every key considered, in order, and the decision."""

    need_code: str
    sector: Sector
    subcategory: str | None
    village_code: str
    rules_version: str
    checks: tuple[RuleCheck, ...]
    decision: RouteDecision


def _check_village(village_code: str) -> None:
    if len(village_code) != 10 or not (village_code.isascii() and village_code.isdigit()):
        raise ValueError(f"village code must be 10 digits, got {village_code!r}")


def _candidates(subcategory: str | None, village_code: str) -> list[tuple[str, str, RegionLevel]]:
    subs = [*subcategory_prefixes(subcategory), ANY]
    regions: list[tuple[str, RegionLevel]] = [
        (village_code[:4], "regency"), (village_code[:2], "province"), (ANY, "national")
    ]
    return [(sub, region, level) for sub in subs for region, level in regions]


def _try(rule: RoutingRule | None, key: str, level: RegionLevel,
         directory: AgencyDirectory) -> tuple[RuleCheck, tuple[str, ...]]:
    if rule is None:
        return RuleCheck(key, level, "no_rule", "no rule for this key"), ()
    present = tuple(a for a in rule.agency_ids if a in directory)
    missing = [a for a in rule.agency_ids if a not in directory]
    if not present:
        # The directory changed after the rules were loaded: fall through, never send a
        # referral to an agency that has no queue.
        return RuleCheck(key, level, "agencies_not_in_directory",
                         f"rule names {missing}, none in the agency directory"), ()
    names = ", ".join(f"{a} ({agency.name})" for a in present
                      if (agency := directory.get(a)) is not None)
    detail = f"matched: {names}" + (f"; skipped {missing} (not in directory)" if missing else "")
    if rule.note:
        detail += f"; {rule.note}"
    return RuleCheck(key, level, "matched", detail), present


def explain(
    directory: AgencyDirectory, rules: RoutingRules, need: Need, village_code: str
) -> RoutingExplanation:
    """Route one need of a case in `village_code` (10 digits) and say how."""
    _check_village(village_code)
    subcategory = subcategory_of(need.code)
    checks: list[RuleCheck] = []
    decision: RouteDecision | None = None
    for sub, region, level in _candidates(subcategory, village_code):
        key = f"{need.sector.value}/{sub}/{region}"
        check, agency_ids = _try(rules.get(need.sector, sub, region), key, level, directory)
        checks.append(check)
        if agency_ids:
            decision = Routed(need.code, need.sector, agency_ids, f"{rules.version}/{key}",
                              level, f"need {need.code}: rule {rules.version}/{key} ({level}); "
                              f"{check.detail}")
            break
    if decision is None:
        tried = ", ".join(c.key for c in checks)
        decision = NoAgencyConfigured(
            need.code, need.sector,
            f"need {need.code}: no agency configured in rules {rules.version} "
            f"(tried {tried}); left to the {BACK_OFFICE_QUEUE} queue",
        )
    return RoutingExplanation(need.code, need.sector, subcategory, village_code, rules.version,
                              tuple(checks), decision)


def route(
    directory: AgencyDirectory, rules: RoutingRules, need: Need, village_code: str
) -> RouteDecision:
    """Where one need of a case in `village_code` goes."""
    return explain(directory, rules, need, village_code).decision


@dataclass(frozen=True, slots=True)
class PlannedReferral:
    """One referral to open: the agency that must act and every need it must act on.

    `sector` is the sector of the first need routed here (needs come primary-first from the
    assessment); `sectors` lists all of them. `agency_id` None gathers the needs no agency is
    configured for (the back office queue).
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
    directory: AgencyDirectory, rules: RoutingRules, needs: Sequence[Need], village_code: str
) -> list[PlannedReferral]:
    """Group needs by the agency that must act: one referral per agency, in first-seen order."""
    groups: dict[str | None, list[tuple[Need, RouteDecision]]] = {}
    seen: set[str] = set()
    for need in needs:
        if need.code in seen:  # two assessment rules can find the same need; refer it once
            continue
        seen.add(need.code)
        decision = route(directory, rules, need, village_code)
        for agency_id in decision.agency_ids or (None,):
            groups.setdefault(agency_id, []).append((need, decision))
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
