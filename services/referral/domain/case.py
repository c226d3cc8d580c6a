"""The case state machine: one complaint's case and the referrals it opens.

    open --add_referral--> referred --inform_complainant, close--> closed --reopen--> open
    open --handle_at_puskesos--> closed        open | referred --merge--> merged (terminal)

- A case is closed only when every referral has ended AND the complainant was informed of the
  outcome (an explicit step, after the last referral ended). A rejected referral has ended; when
  the back office reroutes it, the replacement referral is one more referral that must end, so
  "every referral has ended" covers "resolved, or rejected and not rerouted".
- "Handled at Puskesos": the village desk solved it without any referral; closed with a note.
- "Merged into" another case (a duplicate): terminal, keeps a pointer. Open referrals of the
  duplicate keep running (the agency is still acting); the change lists them for the back office.
- Nothing leaves `closed` except `reopen` (a reason is required), which allows new referrals.
- "Withdrawn": the complainant withdrew the complaint. Not a back-office action (intake records
  it), so it is not in `ACTIONS`; `Case.withdraw` closes an open or referred case once its
  referrals have ended (the service withdraws the open ones first, see `Referral.withdraw`).

Case-level changes bump the case's `version`; referral changes bump the referral's own version,
so agencies acting on different referrals of one case never conflict. Replay and idempotency by
`change_id` work as for referrals (see `state`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from contracts.vocabulary import ReferralStatus, Sector

from .changes import (
    AnyChange,
    CaseAction,
    CaseChange,
    CaseOutcome,
    CaseStatus,
    NewReferral,
    ReferralChange,
)
from .errors import (
    ChangeIdReused,
    DomainError,
    NoteRequired,
    TransitionNotAllowed,
    VersionConflict,
)
from .sla_clock import SlaClock
from .state import Referral

__all__ = [
    "ACTIONS", "AnyChange", "Case", "CaseAction", "CaseChange", "CaseOutcome", "CaseStatus",
    "InvalidCaseTransition", "NewReferral",
]


A = CaseAction
ACTIONS: Mapping[CaseStatus, tuple[CaseAction, ...]] = {
    CaseStatus.OPEN: (A.ADD_REFERRAL, A.REROUTE, A.HANDLE_AT_PUSKESOS, A.MERGE),
    CaseStatus.REFERRED: (A.ADD_REFERRAL, A.REROUTE, A.INFORM_COMPLAINANT, A.CLOSE, A.MERGE),
    CaseStatus.CLOSED: (A.REOPEN,),
    CaseStatus.MERGED: (),
}

#: What each action records, in the past tense (events and the timeline use these words).
KIND: Mapping[CaseAction, str] = {
    A.ADD_REFERRAL: "referral_added", A.REROUTE: "rerouted",
    A.INFORM_COMPLAINANT: "complainant_informed", A.CLOSE: "closed",
    A.HANDLE_AT_PUSKESOS: "handled_at_puskesos", A.MERGE: "merged", A.REOPEN: "reopened",
}


#: The kind of the change that closes a case whose complaint was withdrawn (not an action).
WITHDRAWN = "withdrawn"


class InvalidCaseTransition(TransitionNotAllowed):
    def __init__(self, current: CaseStatus, requested: CaseAction | str,
                 allowed: list[CaseAction], reason: str = "") -> None:
        super().__init__("case", current, requested, allowed, reason)


def _require_aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("change time must be timezone-aware")


@dataclass(slots=True)
class Case:
    """A complaint's case and its referrals (build with `Case.open` or `Case.from_history`)."""

    case_id: uuid.UUID
    complaint_id: uuid.UUID
    village_code: str
    status: CaseStatus = CaseStatus.OPEN
    version: int = 1
    outcome: CaseOutcome | None = None
    informed_at: dt.datetime | None = None
    merged_into: uuid.UUID | None = None
    referrals: dict[uuid.UUID, Referral] = field(default_factory=dict)
    rerouted: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # rejected -> new
    history: list[CaseChange] = field(default_factory=list)
    _applied: dict[uuid.UUID, CaseChange] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def open(cls, case_id: uuid.UUID, complaint_id: uuid.UUID, village_code: str,
             at: dt.datetime, by: str, note: str | None = None,
             change_id: uuid.UUID | None = None) -> tuple[Case, CaseChange]:
        _require_aware(at)
        case = cls(case_id, complaint_id, village_code)
        opened = CaseChange(case_id, "opened", None, CaseStatus.OPEN, at, by, note, 1,
                            change_id or uuid.uuid4(), complaint_id=complaint_id,
                            village_code=village_code)
        case.history.append(opened)
        case._applied[opened.change_id] = opened
        return case, opened

    # -- questions ---------------------------------------------------------------------------

    @property
    def open_referrals(self) -> list[Referral]:
        return [r for r in self.referrals.values() if r.is_open]

    @property
    def all_referrals_ended(self) -> bool:
        return not self.open_referrals

    def _reroutable(self) -> list[uuid.UUID]:
        return [rid for rid, r in self.referrals.items()
                if r.status is ReferralStatus.REJECTED and rid not in self.rerouted]

    def _blocked(self, action: CaseAction) -> str:
        """Why `action` cannot run now although the status allows it ("" when it can)."""
        open_ids = ", ".join(str(r.referral_id) for r in self.open_referrals)
        if action is A.REROUTE and not self._reroutable():
            return "no rejected referral waits to be rerouted"
        if action in (A.INFORM_COMPLAINANT, A.HANDLE_AT_PUSKESOS) and open_ids:
            return f"referrals still open: {open_ids}"
        if action is A.INFORM_COMPLAINANT and self.informed_at is not None:
            return "the complainant was already informed"
        if action is A.CLOSE and open_ids:
            return f"referrals still open: {open_ids}"
        if action is A.CLOSE and self.informed_at is None:
            return "the complainant has not been informed of the outcome"
        return ""

    def available_actions(self) -> list[CaseAction]:
        """What can be done now: allowed by the status and not blocked by a guard."""
        return [a for a in ACTIONS[self.status] if not self._blocked(a)]

    def timeline(self) -> list[AnyChange]:
        """Every change of the case and its referrals, oldest first."""
        changes: list[AnyChange] = list(self.history)
        for referral in self.referrals.values():
            changes.extend(referral.history)
        return sorted(changes, key=lambda c: c.at)

    # -- commands ----------------------------------------------------------------------------

    def _begin(self, action: CaseAction, at: dt.datetime, expected_version: int | None,
               change_id: uuid.UUID | None, note: str | None = None,
               note_for: str = "") -> CaseChange | None:
        """Common checks; the earlier change when `change_id` was already applied.
        `note_for` says what a required note is for (empty: the note is optional)."""
        prior = self._applied.get(change_id) if change_id is not None else None
        if prior is not None:
            if prior.kind != KIND[action]:
                raise ChangeIdReused(f"change {change_id} was {prior.kind}")
            return prior
        if expected_version is not None and expected_version != self.version:
            raise VersionConflict(f"case {self.case_id}", expected_version, self.version)
        _require_aware(at)
        if action not in ACTIONS[self.status]:
            why = f"merged into {self.merged_into}" if self.merged_into else ""
            raise InvalidCaseTransition(self.status, action, self.available_actions(), why)
        reason = self._blocked(action)
        if reason:
            raise InvalidCaseTransition(self.status, action, self.available_actions(), reason)
        if note_for and not (note and note.strip()):
            raise NoteRequired(note_for)
        return None

    def _record(
        self, action: CaseAction, to: CaseStatus, at: dt.datetime, by: str, note: str | None,
        change_id: uuid.UUID | None, referral: NewReferral | None = None,
        merged_into: uuid.UUID | None = None, open_referral_ids: tuple[uuid.UUID, ...] = (),
    ) -> CaseChange:
        change = CaseChange(self.case_id, KIND[action], self.status, to, at, by, note,
                            self.version + 1, change_id or uuid.uuid4(), referral=referral,
                            merged_into=merged_into, open_referral_ids=open_referral_ids)
        self._apply(change)
        return change

    def add_referral(
        self, agency_id: str, sector: Sector, need_codes: Sequence[str], sla: SlaClock,
        at: dt.datetime, by: str, note: str | None = None, *,
        referral_id: uuid.UUID | None = None, expected_version: int | None = None,
        change_id: uuid.UUID | None = None,
    ) -> CaseChange:
        """Refer the case to one more agency; due times start at `at`."""
        prior = self._begin(A.ADD_REFERRAL, at, expected_version, change_id)
        if prior is not None:
            return prior
        new = NewReferral(referral_id or uuid.uuid4(), agency_id, sector, tuple(need_codes),
                          sla, sla.deadlines(at))
        return self._record(A.ADD_REFERRAL, CaseStatus.REFERRED, at, by, note, change_id,
                            referral=new)

    def reroute(
        self, rejected_id: uuid.UUID, agency_id: str, sla: SlaClock, at: dt.datetime, by: str,
        note: str | None = None, *, referral_id: uuid.UUID | None = None,
        expected_version: int | None = None, change_id: uuid.UUID | None = None,
    ) -> CaseChange:
        """Send the needs of a rejected referral to another agency (a new referral)."""
        prior = self._begin(A.REROUTE, at, expected_version, change_id)
        if prior is not None:
            return prior
        if rejected_id not in self._reroutable():
            raise InvalidCaseTransition(self.status, A.REROUTE, self.available_actions(),
                                        f"referral {rejected_id} is not a rejected referral "
                                        "waiting to be rerouted")
        old = self.referrals[rejected_id]
        new = NewReferral(referral_id or uuid.uuid4(), agency_id, old.sector, old.need_codes,
                          sla, sla.deadlines(at), rerouted_from=rejected_id)
        return self._record(A.REROUTE, CaseStatus.REFERRED, at, by, note, change_id,
                            referral=new)

    def inform_complainant(
        self, at: dt.datetime, by: str, note: str, *, expected_version: int | None = None,
        change_id: uuid.UUID | None = None,
    ) -> CaseChange:
        """Record that the complainant was told the outcome (note: how and what)."""
        prior = self._begin(A.INFORM_COMPLAINANT, at, expected_version, change_id, note,
                            "record that the complainant was informed")
        if prior is not None:
            return prior
        return self._record(A.INFORM_COMPLAINANT, self.status, at, by, note, change_id)

    def close(
        self, at: dt.datetime, by: str, note: str | None = None, *,
        expected_version: int | None = None, change_id: uuid.UUID | None = None,
    ) -> CaseChange:
        prior = self._begin(A.CLOSE, at, expected_version, change_id)
        if prior is not None:
            return prior
        return self._record(A.CLOSE, CaseStatus.CLOSED, at, by, note, change_id)

    def handle_at_puskesos(
        self, at: dt.datetime, by: str, note: str, *, expected_version: int | None = None,
        change_id: uuid.UUID | None = None,
    ) -> CaseChange:
        """Close without referrals: the Puskesos solved it (note: how)."""
        prior = self._begin(A.HANDLE_AT_PUSKESOS, at, expected_version, change_id, note,
                            "close a case as handled at Puskesos")
        if prior is not None:
            return prior
        return self._record(A.HANDLE_AT_PUSKESOS, CaseStatus.CLOSED, at, by, note, change_id)

    def merge_into(
        self, target_case_id: uuid.UUID, at: dt.datetime, by: str, note: str | None = None, *,
        expected_version: int | None = None, change_id: uuid.UUID | None = None,
    ) -> CaseChange:
        """This case duplicates `target_case_id`: end it, keeping the pointer."""
        prior = self._begin(A.MERGE, at, expected_version, change_id)
        if prior is not None:
            return prior
        if target_case_id == self.case_id:
            raise DomainError("a case cannot be merged into itself")
        running = tuple(r.referral_id for r in self.open_referrals)
        return self._record(A.MERGE, CaseStatus.MERGED, at, by, note, change_id,
                            merged_into=target_case_id, open_referral_ids=running)

    def withdraw(
        self, at: dt.datetime, by: str, reason: str, *, expected_version: int | None = None,
        change_id: uuid.UUID | None = None,
    ) -> CaseChange:
        """Close the case because the complainant withdrew the complaint."""
        prior = self._applied.get(change_id) if change_id is not None else None
        if prior is not None:
            if prior.kind != WITHDRAWN:
                raise ChangeIdReused(f"change {change_id} was {prior.kind}")
            return prior
        if expected_version is not None and expected_version != self.version:
            raise VersionConflict(f"case {self.case_id}", expected_version, self.version)
        _require_aware(at)
        open_ids = ", ".join(str(r.referral_id) for r in self.open_referrals)
        if self.status not in (CaseStatus.OPEN, CaseStatus.REFERRED) or open_ids:
            why = f"referrals still open: {open_ids}" if open_ids else "the case has ended"
            raise InvalidCaseTransition(self.status, "withdraw", self.available_actions(), why)
        if not (reason and reason.strip()):
            raise NoteRequired("close a case as withdrawn")
        change = CaseChange(self.case_id, WITHDRAWN, self.status, CaseStatus.CLOSED, at, by,
                            reason, self.version + 1, change_id or uuid.uuid4())
        self._apply(change)
        return change

    def reopen(
        self, at: dt.datetime, by: str, reason: str, *, expected_version: int | None = None,
        change_id: uuid.UUID | None = None,
    ) -> CaseChange:
        prior = self._begin(A.REOPEN, at, expected_version, change_id, reason,
                            "reopen a case")
        if prior is not None:
            return prior
        return self._record(A.REOPEN, CaseStatus.OPEN, at, by, reason, change_id)

    # -- replay ------------------------------------------------------------------------------

    def apply(self, change: AnyChange) -> bool:
        """Apply a recorded change of the case or one of its referrals. False, and nothing
        changes, when its id was already applied."""
        if not isinstance(change, CaseChange):
            referral = self.referrals.get(change.referral_id)
            if referral is None:
                raise ValueError(f"change {change.change_id} is for an unknown referral")
            return referral.apply(change)
        if change.change_id in self._applied:
            return False
        if change.case_id != self.case_id:
            raise ValueError(f"change {change.change_id} is for another case")
        if change.version != self.version + 1:
            raise VersionConflict(f"case {self.case_id}", change.version - 1, self.version)
        self._apply(change)
        return True

    @classmethod
    def from_history(cls, changes: Iterable[AnyChange]) -> Case:
        """Rebuild a case from its recorded changes (case changes first, then referrals')."""
        ordered = list(changes)
        case_changes = sorted((c for c in ordered if isinstance(c, CaseChange)),
                              key=lambda c: c.version)
        if not case_changes or case_changes[0].kind != "opened":
            raise ValueError("a case history starts with its `opened` change")
        first = case_changes[0]
        if first.complaint_id is None or first.village_code is None:
            raise ValueError("the `opened` change must carry the complaint id and village")
        case = cls(first.case_id, first.complaint_id, first.village_code)
        case.history.append(first)
        case._applied[first.change_id] = first
        for change in case_changes[1:]:
            case.apply(change)
        referral_changes: list[ReferralChange] = [
            c for c in ordered if not isinstance(c, CaseChange)
        ]
        for change in sorted(referral_changes, key=lambda c: c.version):
            case.apply(change)
        return case

    def _apply(self, change: CaseChange) -> None:
        new = change.referral
        if new is not None:
            self.referrals[new.referral_id] = Referral(
                new.referral_id, self.case_id, self.complaint_id, new.agency_id, new.sector,
                new.need_codes, new.deadlines.accept_due_at, new.deadlines.resolve_due_at,
                new.sla, created_at=change.at, rerouted_from=new.rerouted_from,
                calendar_complete=new.deadlines.calendar_complete,
            )
            if new.rerouted_from is not None:
                self.rerouted[new.rerouted_from] = new.referral_id
            self.informed_at = None  # the complainant must hear about the new referral's end
        if change.kind == KIND[A.INFORM_COMPLAINANT]:
            self.informed_at = change.at
        elif change.kind == KIND[A.CLOSE]:
            self.outcome = CaseOutcome.REFERRALS_ENDED
        elif change.kind == KIND[A.HANDLE_AT_PUSKESOS]:
            self.outcome = CaseOutcome.HANDLED_AT_PUSKESOS
        elif change.kind == WITHDRAWN:
            self.outcome = CaseOutcome.WITHDRAWN
        elif change.kind == KIND[A.MERGE]:
            self.merged_into = change.merged_into
        elif change.kind == KIND[A.REOPEN]:
            self.outcome, self.informed_at = None, None
        self.status = change.to_status
        self.version = change.version
        self.history.append(change)
        self._applied[change.change_id] = change
