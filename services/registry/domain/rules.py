"""Declarative needs rules: a versioned JSON rule set and the tiny evaluator that applies it.

A rule is data: `when` lists conditions on named facts (see `facts.FACTS`), `then` names the
need, and `reason` is a template over facts. Everything is checked at load time so a bad rule
file fails at start-up, not on the first complaint.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from contracts.events import Need
from contracts.vocabulary import Sector

from .facts import FACTS, ComplaintFacts, FactValue, Situation, compute_facts
from .model import Household

__all__ = [
    "ComplaintFacts",
    "Condition",
    "Rule",
    "RuleError",
    "RuleSet",
    "assess",
    "load_rules",
    "parse_rules",
]

DEFAULT_RULES: Final[str] = "rules_v1.json"


class RuleError(ValueError):
    """The rule file is malformed: unknown fact or operator, wrong value type, bad template."""


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[FactValue, Any], bool]:
    # An unknown fact (None) is never below or above anything.
    return lambda fact, value: fact is not None and compare(fact, value)


OPS: Final[Mapping[str, Callable[[FactValue, Any], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": _ordered(operator.lt),
    "<=": _ordered(operator.le),
    ">": _ordered(operator.gt),
    ">=": _ordered(operator.ge),
    "in": lambda fact, value: fact in value,
}


@dataclass(frozen=True, slots=True)
class Condition:
    fact: str
    op: str
    value: Any

    def holds(self, facts: Mapping[str, FactValue]) -> bool:
        return OPS[self.op](facts[self.fact], self.value)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    mode: str  # "all" or "any"
    conditions: tuple[Condition, ...]
    need: str  # may hold {fact} placeholders, e.g. "{complaint_sector}.complaint"
    sector: str
    program: str | None
    reason: str

    def applies(self, facts: Mapping[str, FactValue]) -> bool:
        results = (c.holds(facts) for c in self.conditions)
        return all(results) if self.mode == "all" else any(results)

    def need_for(self, facts: Mapping[str, FactValue]) -> Need:
        sector = _render(self.sector, facts)
        try:
            sector_enum = Sector(sector)
        except ValueError as exc:
            raise RuleError(f"rule {self.id}: sector {sector!r} is not a Sector") from exc
        return Need(
            code=_render(self.need, facts),
            sector=sector_enum,
            program=self.program,
            rule_id=self.id,
            reason=_render(self.reason, facts),
        )


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]


def _show(value: FactValue) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _render(template: str, facts: Mapping[str, FactValue]) -> str:
    return template.format_map({name: _show(v) for name, v in facts.items()})


def _check_template(rule_id: str, label: str, template: Any) -> str:
    if not isinstance(template, str) or not template:
        raise RuleError(f"rule {rule_id}: {label} must be a non-empty string")
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise RuleError(f"rule {rule_id}: {label} is not a valid template: {exc}") from exc
    for name in fields:
        if name not in FACTS:
            raise RuleError(f"rule {rule_id}: {label} uses unknown fact {{{name}}}")
    return template


def _value_ok(kind: type, value: Any) -> bool:
    if value is None:
        return True
    if kind is int:  # bool is an int in Python; a desil compared with true is a mistake
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _parse_condition(rule_id: str, raw: Any) -> Condition:
    if not isinstance(raw, Mapping) or set(raw) != {"fact", "op", "value"}:
        raise RuleError(f"rule {rule_id}: a condition needs exactly 'fact', 'op' and 'value'")
    name, op, value = raw["fact"], raw["op"], raw["value"]
    if name not in FACTS:
        raise RuleError(f"rule {rule_id}: unknown fact {name!r}")
    if op not in OPS:
        raise RuleError(f"rule {rule_id}: unknown op {op!r} (known: {', '.join(OPS)})")
    kind = FACTS[name].kind
    values = value if op == "in" else [value]
    if op == "in" and not isinstance(value, list):
        raise RuleError(f"rule {rule_id}: op 'in' needs a list value")
    if op in ("<", "<=", ">", ">=") and (value is None or kind is not int):
        raise RuleError(f"rule {rule_id}: op {op!r} needs an integer fact and value")
    if not all(_value_ok(kind, v) for v in values):
        raise RuleError(f"rule {rule_id}: value {value!r} does not fit fact {name!r}")
    return Condition(name, op, tuple(value) if op == "in" else value)


def _parse_rule(raw: Any) -> Rule:
    if not isinstance(raw, Mapping):
        raise RuleError("each rule must be an object")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise RuleError("each rule needs a non-empty string 'id'")
    if set(raw) != {"id", "when", "then", "reason"}:
        raise RuleError(f"rule {rule_id}: keys must be exactly id, when, then, reason")
    when, then = raw["when"], raw["then"]
    if not isinstance(when, Mapping) or len(when) != 1 or next(iter(when)) not in ("all", "any"):
        raise RuleError(f"rule {rule_id}: 'when' must be {{'all': [...]}} or {{'any': [...]}}")
    mode, conds = next(iter(when.items()))
    if not isinstance(conds, list) or not conds:
        raise RuleError(f"rule {rule_id}: 'when.{mode}' must be a non-empty list")
    if not isinstance(then, Mapping) or set(then) != {"need", "sector", "program"}:
        raise RuleError(f"rule {rule_id}: 'then' must have exactly need, sector, program")
    need = _check_template(rule_id, "then.need", then["need"])
    sector = _check_template(rule_id, "then.sector", then["sector"])
    if "{" not in sector:
        if sector not in {s.value for s in Sector}:
            raise RuleError(f"rule {rule_id}: unknown sector {sector!r}")
        if "{" not in need and not need.startswith(f"{sector}."):
            raise RuleError(f"rule {rule_id}: need {need!r} must start with '{sector}.'")
    program = then["program"]
    if program is not None and (not isinstance(program, str) or not program):
        raise RuleError(f"rule {rule_id}: program must be a program code or null")
    return Rule(
        id=rule_id,
        mode=mode,
        conditions=tuple(_parse_condition(rule_id, c) for c in conds),
        need=need,
        sector=sector,
        program=program,
        reason=_check_template(rule_id, "reason", raw["reason"]),
    )


def parse_rules(data: Any) -> RuleSet:
    """A checked RuleSet from already-decoded JSON; raises RuleError on any mistake."""
    if not isinstance(data, Mapping) or set(data) != {"version", "rules"}:
        raise RuleError("a rule set is an object with exactly 'version' and 'rules'")
    version, raw_rules = data["version"], data["rules"]
    if not isinstance(version, str) or not version:
        raise RuleError("'version' must be a non-empty string")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RuleError("'rules' must be a non-empty list")
    rules = tuple(_parse_rule(r) for r in raw_rules)
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"duplicate rule id {rule.id!r}")
        seen.add(rule.id)
    return RuleSet(version=version, rules=rules)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load and check a rule file; the packaged `rules_v1.json` when no path is given."""
    try:
        if path is None:
            text = resources.files(__package__).joinpath(DEFAULT_RULES).read_text("utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RuleError(f"rule file is not valid JSON: {exc}") from exc
    return parse_rules(data)


def assess(
    ruleset: RuleSet, household: Household | None, complaint: ComplaintFacts, today: dt.date
) -> list[Need]:
    """The needs found by the rules, sorted by code; per code the first rule in file order wins."""
    facts = compute_facts(Situation(household, complaint, today))
    needs: dict[str, Need] = {}
    for rule in ruleset.rules:
        if rule.applies(facts):
            need = rule.need_for(facts)
            needs.setdefault(need.code, need)
    return [needs[code] for code in sorted(needs)]
