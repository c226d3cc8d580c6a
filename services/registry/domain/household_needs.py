"""Needs of a household on its own, without a complaint: what batch checks and re-assessment
after a data change look for (exclusion errors: eligible for a program but not enrolled).

Only rules that look at household facts take part; a rule that reads the complaint (its sector,
the complainant's NIK) has nothing to say here. Each finding keeps its rule id and the values
of the facts the rule read, so a list of gaps explains itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from contracts.events import Need
from contracts.vocabulary import Sector

from .facts import ComplaintFacts, FactValue, Situation, compute_facts
from .model import Household
from .rules import Rule, RuleSet

#: Facts about the complaint rather than the household.
COMPLAINT_FACTS: Final[frozenset[str]] = frozenset({
    "complaint_sector", "complaint_subcategory", "complainant_has_nik",
    "complainant_has_no_nik",
})
_NO_COMPLAINT: Final = ComplaintFacts(sector=Sector.OTHER)


@dataclass(frozen=True, slots=True)
class Gap:
    """One need found for a household, with the facts its rule read."""

    need: Need
    facts: dict[str, FactValue]


def household_rules(ruleset: RuleSet) -> tuple[Rule, ...]:
    return tuple(r for r in ruleset.rules
                 if not any(c.fact in COMPLAINT_FACTS for c in r.conditions))


def household_gaps(rules: tuple[Rule, ...], household: Household, today: dt.date,
                   programs_only: bool = True) -> list[Gap]:
    """Needs of the household by `household_rules`, sorted by code; per code the first rule
    wins (as in `rules.assess`). `programs_only`: only program needs (exclusion errors)."""
    facts = compute_facts(Situation(household, _NO_COMPLAINT, today))
    found: dict[str, Gap] = {}
    for rule in rules:
        if (programs_only and rule.program is None) or not rule.applies(facts):
            continue
        need = rule.need_for(facts)
        if need.code not in found:
            found[need.code] = Gap(need, {c.fact: facts[c.fact] for c in rule.conditions})
    return [found[code] for code in sorted(found)]
