"""Exclusion errors found by complaints: the poor households the registry or its programs missed.

Two kinds, both read from the assessment each complaint gets:

- *not registered*: the complainant matched no household in the registry (a registration usulan
  follows when their identity is known). Counted per complaint: without a household there is
  nothing to tell two complaints of one family apart.
- *eligible, not enrolled*: the household was matched and the needs rules found a program it
  qualifies for (desil 1-4) but does not receive (KIP, PBI-JK, ASLUT, ASPD; see `rules_v1.json`).
  Counted per distinct household, in total and per program.

A village is the complaint's village (where the complainant lives), so both kinds add up per
village whatever the household record says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SEPARATOR = ","


def missing_programs(needs: Iterable[Mapping[str, Any]]) -> str | None:
    """The program codes of an assessment's program needs, sorted and joined ("KIP,PBI-JK"),
    or None when no program need was found (stored so that dashboards count without JSON)."""
    codes = sorted({str(n["program"]) for n in needs if n.get("program")})
    return SEPARATOR.join(codes) if codes else None


@dataclass
class VillageExclusions:
    village_code: str
    not_registered: int = 0
    eligible_not_enrolled: int = 0
    programs: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.not_registered + self.eligible_not_enrolled


def per_village(unmatched: Iterable[tuple[str, int]],
                eligible: Iterable[tuple[str, str, str]]) -> list[VillageExclusions]:
    """Per village, most exclusion errors first (then by code).

    `unmatched`: (village, complaints without a household); `eligible`: (village, household,
    programs) rows, possibly several per household (one per set of programs found).
    """
    found: dict[str, VillageExclusions] = {}

    def village(code: str) -> VillageExclusions:
        return found.setdefault(code, VillageExclusions(code))

    for code, count in unmatched:
        village(code).not_registered += count
    households: dict[str, set[str]] = {}
    programs: dict[tuple[str, str], set[str]] = {}
    for code, household, codes in eligible:
        households.setdefault(code, set()).add(household)
        for program in codes.split(SEPARATOR):
            programs.setdefault((code, program), set()).add(household)
    for code, members in households.items():
        village(code).eligible_not_enrolled = len(members)
    for (code, program), members in sorted(programs.items()):
        village(code).programs[program] = len(members)
    return sorted(found.values(), key=lambda v: (-v.total, v.village_code))
