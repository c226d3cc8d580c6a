"""Routing rules as versioned data: (sector, subcategory, region) -> the agencies that must act.

A rule key is `(sector, subcategory or "*", region)` where region is a regency (4 digits), a
province (2 digits) or "*" (national). The packaged rule set is `routing_rules_v1.json`; an
entry may list several sectors, and is expanded to one rule per sector:

    {"sectors": ["health"], "subcategory": "pbi_jk", "region": "3402",
     "agencies": ["dinsos-3402"], "note": "why"}

The file is validated on load against the agency directory, so a typo fails at start-up, not on
the first complaint: unknown agency ids, malformed or unknown region codes, unknown sectors,
malformed subcategories and duplicate keys are all reported together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from contracts.vocabulary import Sector
from slrt import reference

from .agencies import AgencyDirectory, load_agency_directory

RegionLevel = Literal["regency", "province", "national"]
RuleKey = tuple[Sector, str, str]

ANY = "*"
_RULES_FILE = "routing_rules_v1.json"
_SUBCATEGORY = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")


def region_level(region: str) -> RegionLevel:
    """Level of a rule region: "*" national, 2 digits province, 4 digits regency."""
    if region == ANY:
        return "national"
    if region.isascii() and region.isdigit() and len(region) in (2, 4):
        return "province" if len(region) == 2 else "regency"
    raise ValueError(f"region must be '*', 2 or 4 digits, got {region!r}")


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """Needs of `sector` (and `subcategory`) in `region` go to every agency in `agency_ids`."""

    sector: Sector
    subcategory: str
    region: str
    agency_ids: tuple[str, ...]
    note: str = ""

    @property
    def key(self) -> RuleKey:
        return (self.sector, self.subcategory, self.region)

    @property
    def rule_id(self) -> str:
        return f"{self.sector.value}/{self.subcategory}/{self.region}"

    @property
    def level(self) -> RegionLevel:
        return region_level(self.region)


class RoutingRulesError(ValueError):
    """The rule data is unusable; `problems` lists every reason found."""

    def __init__(self, version: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"routing rules {version or '?'}: " + "; ".join(problems))


class RoutingRules:
    """A versioned rule set, looked up by exact key."""

    def __init__(self, version: str, rules: Iterable[RoutingRule]) -> None:
        self.version = version
        self._by_key: dict[RuleKey, RoutingRule] = {}
        duplicates = []
        for rule in rules:
            if rule.key in self._by_key:
                duplicates.append(f"duplicate key {rule.rule_id}")
            self._by_key[rule.key] = rule
        if duplicates:
            raise RoutingRulesError(version, duplicates)

    def get(self, sector: Sector, subcategory: str, region: str) -> RoutingRule | None:
        return self._by_key.get((sector, subcategory, region))

    @property
    def rules(self) -> list[RoutingRule]:
        return list(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)


def _known_region(code: str) -> bool:
    return reference.region(code) is not None


def _entry_problems(
    raw: Any, where: str, directory: AgencyDirectory, known_region: Callable[[str], bool]
) -> tuple[list[RoutingRule], list[str]]:
    if not isinstance(raw, dict):
        return [], [f"{where}: an entry is an object"]
    problems: list[str] = []
    sectors: list[Sector] = []
    listed = raw.get("sectors")
    if not isinstance(listed, list) or not listed:
        problems.append(f"{where}: 'sectors' must be a non-empty list of sector codes")
        listed = []
    for s in listed:
        try:
            sectors.append(Sector(s))
        except ValueError:
            problems.append(f"{where}: unknown sector {s!r}")
    sub = raw.get("subcategory", ANY)
    if sub != ANY and not (isinstance(sub, str) and _SUBCATEGORY.fullmatch(sub)):
        problems.append(f"{where}: bad subcategory {sub!r} (dotted lowercase code or '*')")
    region = raw.get("region")
    try:
        region_level(region if isinstance(region, str) else repr(region))
        if region != ANY and not known_region(region):
            problems.append(f"{where}: region {region} is not a Kemendagri region code")
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
    agencies = raw.get("agencies")
    if not isinstance(agencies, list) or not agencies:
        problems.append(f"{where}: 'agencies' must be a non-empty list of agency ids")
        agencies = []
    unknown = [a for a in agencies if a not in directory]
    if unknown:
        problems.append(f"{where}: unknown agency ids {unknown}")
    if len(set(agencies)) != len(agencies):
        problems.append(f"{where}: an agency is listed twice")
    if problems:
        return [], problems
    note = str(raw.get("note", ""))
    return [RoutingRule(s, sub, region, tuple(agencies), note) for s in sectors], []


def parse_routing_rules(
    document: Mapping[str, Any],
    directory: AgencyDirectory,
    known_region: Callable[[str], bool] = _known_region,
) -> RoutingRules:
    """Build and validate a rule set from the JSON document shape (see the module docstring)."""
    version = str(document.get("version") or "")
    problems = [] if version else ["missing version"]
    rules: list[RoutingRule] = []
    seen: dict[RuleKey, str] = {}
    for i, raw in enumerate(document.get("rules") or []):
        where = f"rule #{i}"
        expanded, found = _entry_problems(raw, where, directory, known_region)
        problems += found
        for rule in expanded:
            if rule.key in seen:
                first = seen[rule.key]
                problems.append(f"{where}: duplicate key {rule.rule_id} (first in {first})")
                continue
            seen[rule.key] = where
            rules.append(rule)
    if problems:
        raise RoutingRulesError(version, problems)
    return RoutingRules(version, rules)


def load_routing_rules(
    directory: AgencyDirectory, path: Path | str | None = None
) -> RoutingRules:
    """Load a rule file; without a path, the packaged `routing_rules_v1.json`."""
    if path is None:
        text = resources.files(__package__).joinpath(_RULES_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_routing_rules(json.loads(text), directory)


def default_rules(directory: AgencyDirectory | None = None) -> RoutingRules:
    """The packaged rules, checked against `directory` (default: the packaged demo one)."""
    return load_routing_rules(directory if directory is not None else load_agency_directory())
