"""Rows to domain objects and back: cases, referrals, their SLA terms and their changes.

A loaded `Case` or `Referral` carries its current state and version but no history: the
timeline lives in `case_changes`, and a change id already recorded there is found by the
repository (`change_exists`), so idempotency does not need the history in memory.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from contracts import Need, ReferralStatus, Sector, Urgency

from ..domain.case import Case, CaseChange, CaseOutcome, CaseStatus
from ..domain.changes import AnyChange, Escalation, EscalationRecord, StatusChange
from ..domain.sla_clock import UNITS, Limit, LimitUnit, SlaClock
from ..domain.state import Referral

Row = Mapping[str, Any]

#: SLA terms of referrals made before the terms were stored (migration 0002): the catch-all
#: normal limits of the first policy. Only the answer deadline and pause shifts use them.
_LEGACY = (Limit(2), Limit(14), Limit(3), "legacy")


@dataclass
class CaseInfo:
    """What the referral service knows about a case beyond its state machine."""

    complaint_number: str
    village_code: str
    category: Sector
    subcategory: str | None
    urgency: Urgency
    household_id: uuid.UUID | None
    needs: list[Need]
    contact_name: str | None
    contact_phone: str | None
    unrouted_needs: list[str] = field(default_factory=list)
    routing_explanations: list[str] = field(default_factory=list)
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    trace_id: str | None = None  # of the complaint's journey, fixed when the case opens

    def needs_by_code(self) -> dict[str, Need]:
        return {n.code: n for n in self.needs}


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


# -- SLA terms -------------------------------------------------------------------------------


def sla_terms(clock: SlaClock) -> dict[str, Any]:
    return {"zone": clock.zone, "accept": {clock.accept.unit: clock.accept.amount},
            "resolve": {clock.resolve.unit: clock.resolve.amount},
            "answer": {clock.answer.unit: clock.answer.amount},
            "policy_version": clock.policy_version, "rule_id": clock.rule_id}


Terms = tuple[LimitUnit, int]


@functools.lru_cache(maxsize=512)
def _clock(zone: str, accept: Terms, resolve: Terms, answer: Terms, policy_version: str,
           rule_id: str) -> SlaClock:
    # Many referrals share a few terms: parse each combination once.
    return SlaClock(zone, Limit(accept[1], accept[0]), Limit(resolve[1], resolve[0]),
                    Limit(answer[1], answer[0]), policy_version, rule_id)


def _terms(raw: Mapping[str, Any]) -> Terms:
    ((unit, amount),) = raw.items()
    if unit not in UNITS:
        raise ValueError(f"stored SLA limit has an unknown unit {unit!r}")
    return cast(LimitUnit, unit), int(amount)


def clock_from(terms: Mapping[str, Any] | None, zone: str) -> SlaClock:
    """The SLA clock stored with a referral (legacy rows: the first policy's catch-all)."""
    if not terms:
        accept, resolve, answer, version = _LEGACY
        return SlaClock(zone, accept, resolve, answer, version)
    return _clock(terms["zone"], _terms(terms["accept"]), _terms(terms["resolve"]),
                  _terms(terms["answer"]), terms["policy_version"], terms.get("rule_id", ""))


# -- referrals -------------------------------------------------------------------------------


def referral_from_row(row: Row) -> Referral:
    escalations = ([EscalationRecord(row["escalation_level"], row["escalated_at"], "")]
                   if row["escalation_level"] else [])
    return Referral(
        referral_id=uuid.UUID(row["referral_id"]), case_id=uuid.UUID(row["case_id"]),
        complaint_id=uuid.UUID(row["complaint_id"]), agency_id=row["agency_id"],
        sector=Sector(row["sector"]), need_codes=tuple(row["need_codes"]),
        accept_due_at=row["accept_due_at"], resolve_due_at=row["resolve_due_at"],
        sla=clock_from(row["sla"], row["time_zone"]), status=ReferralStatus(row["status"]),
        version=row["version"], created_at=row["created_at"],
        rerouted_from=_uuid(row["rerouted_from"]), accepted_at=row["accepted_at"],
        ended_at=row["ended_at"], paused_at=row["paused_at"],
        answer_due_at=row["answer_due_at"], calendar_complete=bool(row["calendar_complete"]),
        escalations=escalations,
    )


REFERRAL_STATE_COLUMNS = (
    "status", "version", "accept_due_at", "resolve_due_at", "answer_due_at", "paused_at",
    "accepted_at", "ended_at", "calendar_complete", "escalation_level", "escalated_at",
    "updated_at",
)


def referral_state(referral: Referral, now: dt.datetime) -> dict[str, Any]:
    """The columns a referral change may move."""
    return {
        "status": referral.status.value, "version": referral.version,
        "accept_due_at": referral.accept_due_at, "resolve_due_at": referral.resolve_due_at,
        "answer_due_at": referral.answer_due_at, "paused_at": referral.paused_at,
        "accepted_at": referral.accepted_at, "ended_at": referral.ended_at,
        "calendar_complete": referral.calendar_complete,
        "escalation_level": referral.escalation_level, "escalated_at": referral.escalated_at,
        "updated_at": now,
    }


def referral_row(referral: Referral, village_code: str, now: dt.datetime) -> dict[str, Any]:
    """The full row of a new referral."""
    return {
        "referral_id": str(referral.referral_id), "case_id": str(referral.case_id),
        "complaint_id": str(referral.complaint_id), "agency_id": referral.agency_id,
        "village_code": village_code, "sector": referral.sector.value,
        "need_codes": list(referral.need_codes), "time_zone": referral.sla.zone,
        "sla": sla_terms(referral.sla), "created_at": referral.created_at or now,
        "rerouted_from": str(referral.rerouted_from) if referral.rerouted_from else None,
        "rerouted_to": None, **referral_state(referral, now),
    }


# -- cases -----------------------------------------------------------------------------------


def case_from_rows(row: Row, referral_rows: Iterable[Row]) -> tuple[Case, CaseInfo]:
    case = Case(
        case_id=uuid.UUID(row["case_id"]), complaint_id=uuid.UUID(row["complaint_id"]),
        village_code=row["village_code"], status=CaseStatus(row["status"]),
        version=row["version"],
        outcome=CaseOutcome(row["outcome"]) if row["outcome"] else None,
        informed_at=row["informed_at"], merged_into=_uuid(row["merged_into"]),
    )
    for r in referral_rows:
        referral = referral_from_row(r)
        case.referrals[referral.referral_id] = referral
        if referral.rerouted_from is not None:
            case.rerouted[referral.rerouted_from] = referral.referral_id
    return case, case_info_from_row(row)


def case_info_from_row(row: Row) -> CaseInfo:
    return CaseInfo(
        complaint_number=row["complaint_number"], village_code=row["village_code"],
        category=Sector(row["category"]), subcategory=row["subcategory"],
        urgency=Urgency(row["urgency"]), household_id=_uuid(row["household_id"]),
        needs=[Need.model_validate(n) for n in row["needs"] or ()],
        contact_name=row["contact_name"], contact_phone=row["contact_phone"],
        unrouted_needs=list(row["unrouted_needs"] or ()),
        routing_explanations=list(row["routing_explanations"] or ()),
        opened_at=row["opened_at"], closed_at=row["closed_at"], trace_id=row.get("trace_id"),
    )


def case_state(case: Case, info: CaseInfo, now: dt.datetime) -> dict[str, Any]:
    """The columns a case change (or a manual referral of unrouted needs) may move."""
    return {
        "status": case.status.value, "version": case.version,
        "outcome": case.outcome.value if case.outcome else None,
        "informed_at": case.informed_at,
        "merged_into": str(case.merged_into) if case.merged_into else None,
        "closed_at": info.closed_at, "unrouted_needs": list(info.unrouted_needs),
        "unrouted_count": len(info.unrouted_needs), "updated_at": now,
    }


def case_row(case: Case, info: CaseInfo, now: dt.datetime) -> dict[str, Any]:
    return {
        "case_id": str(case.case_id), "complaint_id": str(case.complaint_id),
        "complaint_number": info.complaint_number, "village_code": info.village_code,
        "category": info.category.value, "subcategory": info.subcategory,
        "urgency": info.urgency.value,
        "household_id": str(info.household_id) if info.household_id else None,
        "needs": [n.model_dump(mode="json") for n in info.needs],
        "routing_explanations": list(info.routing_explanations),
        "contact_name": info.contact_name, "contact_phone": info.contact_phone,
        "opened_at": info.opened_at or now, "trace_id": info.trace_id,
        **case_state(case, info, now),
    }


# -- changes (the timeline) ------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def change_row(change: AnyChange, case_id: uuid.UUID, role: str | None) -> dict[str, Any]:
    """One `case_changes` row; every row has the same keys (they are inserted in batches)."""
    detail: dict[str, Any]
    if isinstance(change, CaseChange):
        new = change.referral
        detail = {"merged_into": str(change.merged_into) if change.merged_into else None,
                  "open_referral_ids": [str(i) for i in change.open_referral_ids]}
        if new is not None:
            detail.update(agency_id=new.agency_id, need_codes=list(new.need_codes),
                          rerouted_from=str(new.rerouted_from) if new.rerouted_from else None)
        return {"change_id": str(change.change_id), "case_id": str(case_id),
                "referral_id": str(new.referral_id) if new else None, "kind": change.kind,
                "from_status": change.from_status.value if change.from_status else None,
                "to_status": change.to_status.value, "at": change.at, "by": change.by,
                "role": role, "note": change.note, "version": change.version,
                "detail": detail}
    if isinstance(change, Escalation):
        return {"change_id": str(change.change_id), "case_id": str(case_id),
                "referral_id": str(change.referral_id), "kind": "escalated",
                "from_status": change.status.value, "to_status": change.status.value,
                "at": change.at, "by": change.by, "role": role, "note": change.note,
                "version": change.version, "detail": {"level": change.level}}
    assert isinstance(change, StatusChange)
    detail = {"accept_due_at": _iso(change.accept_due_at),
              "resolve_due_at": _iso(change.resolve_due_at),
              "answer_due_at": _iso(change.answer_due_at)}
    return {"change_id": str(change.change_id), "case_id": str(case_id),
            "referral_id": str(change.referral_id),
            "kind": "withdrawn" if change.withdrawn else "status_changed",
            "from_status": change.from_status.value, "to_status": change.to_status.value,
            "at": change.at, "by": change.by, "role": role, "note": change.note,
            "version": change.version, "detail": detail}


def change_rows(changes: Sequence[AnyChange], case_id: uuid.UUID,
                role: str | None) -> list[dict[str, Any]]:
    return [change_row(c, case_id, role) for c in changes]
