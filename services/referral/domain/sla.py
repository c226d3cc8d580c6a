"""SLA policy as versioned data: time limits per sector, subcategory and urgency.

A rule is keyed by (sector or "*", subcategory or "*", urgency) and gives the limits to accept,
to resolve, and for the back office to answer a request for information (`answer`, defaulting
to the document's). Urgency is always explicit, because urgency decides the pace: an
emergency must never inherit a sector's normal two weeks. Within an urgency the most specific
rule wins: the sector's subcategory (longest dotted prefix first), then the sector, then the
catch-all `("*", "*", urgency)` that every policy must have.

The packaged policy is `sla_policy_v1.json`; `SlaPolicy.clock_for` turns a rule into the
`SlaClock` of a referral in its agency's zone (see `sla_clock` for how due times are counted
and paused, `zones` for WIB/WITA/WIT).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from contracts.vocabulary import Sector, Urgency
from slrt import reference

from .codes import subcategory_of, subcategory_prefixes
from .sla_clock import Deadlines, Limit, SlaClock
from .workdays import IsWorkingDay
from .zones import WIB, WIT, WITA, ZONE_BY_PROVINCE, zone_for_region

__all__ = [
    "WIB", "WIT", "WITA", "ZONE_BY_PROVINCE", "Deadlines", "Limit", "SlaClock", "SlaPolicy",
    "SlaPolicyError", "SlaRule", "default_policy", "due_dates", "load_sla_policy",
    "parse_sla_policy", "subcategory_of", "zone_for_region",
]

ANY = "*"
_POLICY_FILE = "sla_policy_v1.json"
_SUBCATEGORY = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")


class SlaPolicyError(ValueError):
    """The policy data is unusable; `problems` lists every reason found."""

    def __init__(self, version: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"SLA policy {version or '?'}: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class SlaRule:
    sector: Sector | None  # None: any sector
    subcategory: str  # "*" or a dotted code within the sector, e.g. "pbi_jk"
    urgency: Urgency
    accept: Limit
    resolve: Limit
    answer: Limit
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.sector.value if self.sector else ANY, self.subcategory, self.urgency.value)

    @property
    def rule_id(self) -> str:
        return "/".join(self.key)


class SlaPolicy:
    """A versioned set of SLA rules, looked up by (sector, subcategory, urgency)."""

    def __init__(self, version: str, rules: Iterable[SlaRule]) -> None:
        self.version = version
        self._rules: dict[tuple[str, str, str], SlaRule] = {}
        problems = []
        for rule in rules:
            if rule.key in self._rules:
                problems.append(f"duplicate rule {rule.rule_id}")
            if rule.sector is None and rule.subcategory != ANY:
                problems.append(f"rule {rule.rule_id}: a subcategory needs a sector")
            self._rules[rule.key] = rule
        problems += [f"no catch-all rule */*/{u.value}" for u in Urgency
                     if (ANY, ANY, u.value) not in self._rules]
        if problems:
            raise SlaPolicyError(version, problems)

    @property
    def rules(self) -> list[SlaRule]:
        return list(self._rules.values())

    def rule_for(
        self, sector: Sector, subcategory: str | None, urgency: Urgency
    ) -> SlaRule:
        """The most specific rule: subcategory (longest prefix), sector, then catch-all."""
        u = urgency.value
        for sub in [*subcategory_prefixes(subcategory), ANY]:
            rule = self._rules.get((sector.value, sub, u))
            if rule is not None:
                return rule
        return self._rules[(ANY, ANY, u)]

    def clock_for(
        self, sector: Sector, subcategory: str | None, urgency: Urgency, zone: str,
        is_working_day: IsWorkingDay = reference.is_working_day,
    ) -> SlaClock:
        rule = self.rule_for(sector, subcategory, urgency)
        return SlaClock(zone, rule.accept, rule.resolve, rule.answer, self.version,
                        rule.rule_id, is_working_day)


def _rule_from(raw: Any, default_answer: Limit | None, where: str) -> SlaRule:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: a rule is an object")
    sector = None if raw.get("sector") == ANY else Sector(raw.get("sector"))
    subcategory = raw.get("subcategory", ANY)
    if subcategory != ANY and not (
        isinstance(subcategory, str) and _SUBCATEGORY.fullmatch(subcategory)
    ):
        raise ValueError(f"{where}: bad subcategory {subcategory!r}")
    answer = Limit.parse(raw["answer"]) if "answer" in raw else default_answer
    if answer is None:
        raise ValueError(f"{where}: no answer limit and no document default")
    return SlaRule(sector, subcategory, Urgency(raw.get("urgency")), Limit.parse(raw["accept"]),
                   Limit.parse(raw["resolve"]), answer, str(raw.get("note", "")))


def parse_sla_policy(document: Mapping[str, Any]) -> SlaPolicy:
    """Build and validate a policy from the JSON document shape (see `sla_policy_v1.json`)."""
    version = str(document.get("version") or "")
    problems = [] if version else ["missing version"]
    default_answer = None
    if "answer" in document:
        try:
            default_answer = Limit.parse(document["answer"])
        except ValueError as exc:
            problems.append(f"answer: {exc}")
    rules = []
    for i, raw in enumerate(document.get("rules") or []):
        try:
            rules.append(_rule_from(raw, default_answer, f"rule #{i}"))
        except (KeyError, ValueError) as exc:
            problems.append(f"rule #{i}: missing {exc}" if isinstance(exc, KeyError)
                            else str(exc))
    if problems:
        raise SlaPolicyError(version, problems)
    return SlaPolicy(version, rules)


def load_sla_policy(path: Path | str | None = None) -> SlaPolicy:
    """Load a policy file; without a path, the packaged `sla_policy_v1.json`."""
    if path is None:
        text = resources.files(__package__).joinpath(_POLICY_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_sla_policy(json.loads(text))


def default_policy() -> SlaPolicy:
    """The packaged policy."""
    return load_sla_policy()


def due_dates(
    policy: SlaPolicy,
    sector: Sector,
    urgency: Urgency,
    referred_at: dt.datetime,
    zone: str | ZoneInfo,
    is_working_day: IsWorkingDay = reference.is_working_day,
    *,
    subcategory: str | None = None,
) -> Deadlines:
    """Accept and resolve deadlines for a referral made at `referred_at` in `zone`."""
    key = zone.key if isinstance(zone, ZoneInfo) else zone
    return policy.clock_for(sector, subcategory, urgency, key, is_working_day).deadlines(
        referred_at
    )
