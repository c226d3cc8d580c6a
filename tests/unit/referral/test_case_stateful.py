"""Hypothesis stateful test of the case and referral machines against a small model.

Random sequences of every command (valid or not), clock moves, replays of recorded changes,
repeated commands and stale versions. Checked after every step: refused commands change
nothing, nothing leaves `closed` except `reopen` and nothing leaves `merged`, replaying a change
changes nothing, versions strictly increase; at the end, every referral has ended or is overdue
at a far-future `now`.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import uuid
from collections.abc import Callable

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from contracts.vocabulary import ReferralStatus as S
from contracts.vocabulary import Sector, Urgency
from services.referral.domain.case import AnyChange, Case, CaseChange, CaseStatus
from services.referral.domain.errors import DomainError, VersionConflict
from services.referral.domain.sla import WIB, WIT, WITA, default_policy
from services.referral.domain.state import ESCALATION_LEVELS, EscalationLevel, Referral

POLICY = default_policy()
AGENCIES = ["dinkes-3402", "dinsos-3402", "disdik-3402", "dinsos-34", "kemensos"]
FAR_FUTURE = dt.timedelta(days=3 * 365)

#: The referral lifecycle as the issue states it (kept apart from the code's own table).
MODEL_NEXT: dict[S, set[S]] = {
    S.CREATED: {S.DELIVERED},
    S.DELIVERED: {S.ACCEPTED, S.REJECTED, S.RETURNED},
    S.ACCEPTED: {S.IN_PROGRESS, S.RESOLVED, S.RETURNED},
    S.IN_PROGRESS: {S.RESOLVED, S.RETURNED},
    S.RETURNED: {S.DELIVERED, S.REJECTED},
    S.RESOLVED: set(),
    S.REJECTED: set(),
}
NEEDS_NOTE = {(s, S.REJECTED) for s in S} | {(s, S.RETURNED) for s in S} | {
    (S.RETURNED, S.DELIVERED)
}
ENDED = {S.RESOLVED, S.REJECTED}
# Mostly a real note, so that long valid paths (to closed and back) are explored too.
notes = st.sampled_from(["", "  ", "alasan tertulis", "catatan", "keterangan"])
#: Merging ends a case for good; allowed only after this many changes, or it would end most
#: runs before anything else happens.
MERGE_AFTER = 12


class CaseMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
        self.zone = WIB
        self.case, _ = Case.open(uuid.uuid4(), uuid.uuid4(), "3402052001", self.now, "intake")
        self.status = CaseStatus.OPEN  # the model
        self.informed = False
        self.rerouted: set[uuid.UUID] = set()
        self.last: tuple[Callable[[], AnyChange], AnyChange] | None = None
        self.seen_status = self.case.status
        self.seen_versions: dict[uuid.UUID, int] = {self.case.case_id: 1}

    @initialize(
        start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 11, 30),
                           timezones=st.just(dt.UTC)),
        zone=st.sampled_from([WIB, WITA, WIT]),
        referrals=st.integers(min_value=0, max_value=2),
    )
    def start(self, start: dt.datetime, zone: str, referrals: int) -> None:
        self.now, self.zone = start, zone
        self.case, _ = Case.open(uuid.uuid4(), uuid.uuid4(), "3402052001", start, "intake")
        self.seen_versions = {self.case.case_id: 1}
        # Most cases are referred as soon as they are opened; some are not.
        for i in range(referrals):
            self.add_referral(AGENCIES[i], Sector.HEALTH, Urgency.NORMAL)

    # -- helpers -----------------------------------------------------------------------------

    def attempt(self, expected_ok: bool, command: Callable[[uuid.UUID], AnyChange]) -> None:
        """Run `command` with a fresh change id; it must succeed exactly when the model says
        so, and change nothing when refused."""
        before = copy.deepcopy(self.case)
        change_id = uuid.uuid4()
        try:
            change = command(change_id)
        except DomainError:
            assert not expected_ok, "the model allowed a change the code refused"
            assert self.case == before, "a refused change left a trace"
            return
        assert expected_ok, f"the code allowed {change} which the model refuses"
        event(f"applied {change.kind if isinstance(change, CaseChange) else type(change).__name__}")
        self.last = (functools.partial(command, change_id), change)

    def referral(self, data: st.DataObject) -> Referral:
        ids = list(self.case.referrals)  # creation order: ids are random, the order is not
        return self.case.referrals[data.draw(st.sampled_from(ids))]

    def any_open(self) -> bool:
        return any(r.status not in ENDED for r in self.case.referrals.values())

    def has_referrals(self) -> bool:
        return bool(self.case.referrals)

    # -- the clock ---------------------------------------------------------------------------

    @rule(hours=st.integers(min_value=0, max_value=24 * 12))
    def time_passes(self, hours: int) -> None:
        self.now += dt.timedelta(hours=hours)

    # -- case commands -----------------------------------------------------------------------

    @rule(agency=st.sampled_from(AGENCIES), sector=st.sampled_from(list(Sector)),
          urgency=st.sampled_from(list(Urgency)))
    def add_referral(self, agency: str, sector: Sector, urgency: Urgency) -> None:
        ok = self.status in (CaseStatus.OPEN, CaseStatus.REFERRED)
        clock = POLICY.clock_for(sector, None, urgency, self.zone)
        self.attempt(ok, lambda cid: self.case.add_referral(
            agency, sector, [f"{sector.value}.x"], clock, self.now, "svc", change_id=cid))
        if ok:
            self.status, self.informed = CaseStatus.REFERRED, False

    @precondition(has_referrals)
    @rule(data=st.data(), agency=st.sampled_from(AGENCIES))
    def reroute(self, data: st.DataObject, agency: str) -> None:
        old = self.referral(data)
        ok = (self.status in (CaseStatus.OPEN, CaseStatus.REFERRED)
              and old.status is S.REJECTED and old.referral_id not in self.rerouted)
        clock = POLICY.clock_for(old.sector, None, Urgency.NORMAL, self.zone)
        self.attempt(ok, lambda cid: self.case.reroute(old.referral_id, agency, clock, self.now,
                                                   "backoffice", change_id=cid))
        if ok:
            self.status, self.informed = CaseStatus.REFERRED, False
            self.rerouted.add(old.referral_id)

    @rule(note=notes)
    def inform_complainant(self, note: str) -> None:
        ok = (self.status is CaseStatus.REFERRED and not self.any_open() and not self.informed
              and bool(note.strip()))
        self.attempt(ok, lambda cid: self.case.inform_complainant(self.now, "backoffice", note,
                                                              change_id=cid))
        self.informed = self.informed or ok

    @rule()
    def close(self) -> None:
        ok = self.status is CaseStatus.REFERRED and not self.any_open() and self.informed
        self.attempt(ok, lambda cid: self.case.close(self.now, "backoffice", change_id=cid))
        if ok:
            self.status = CaseStatus.CLOSED

    @rule(note=notes)
    def handle_at_puskesos(self, note: str) -> None:
        ok = self.status is CaseStatus.OPEN and not self.any_open() and bool(note.strip())
        self.attempt(ok, lambda cid: self.case.handle_at_puskesos(self.now, "puskesos", note,
                                                              change_id=cid))
        if ok:
            self.status = CaseStatus.CLOSED

    @precondition(lambda self: len(self.case.timeline()) >= MERGE_AFTER)
    @rule()
    def merge(self) -> None:
        ok = self.status in (CaseStatus.OPEN, CaseStatus.REFERRED)
        self.attempt(ok, lambda cid: self.case.merge_into(uuid.uuid4(), self.now, "backoffice",
                                                      change_id=cid))
        if ok:
            self.status = CaseStatus.MERGED

    @rule(reason=notes)
    def reopen(self, reason: str) -> None:
        ok = self.status is CaseStatus.CLOSED and bool(reason.strip())
        self.attempt(ok, lambda cid: self.case.reopen(self.now, "manager", reason,
                                                  change_id=cid))
        if ok:
            self.status, self.informed = CaseStatus.OPEN, False

    # -- referral commands -------------------------------------------------------------------

    @precondition(has_referrals)
    @rule(data=st.data(), note=notes, dice=st.integers(min_value=0, max_value=3))
    def move_referral(self, data: st.DataObject, note: str, dice: int) -> None:
        r = self.referral(data)
        # Three times in four a target the lifecycle allows, to get far along it.
        targets = sorted(MODEL_NEXT[r.status]) if dice else []
        to = data.draw(st.sampled_from(targets or [s for s in S if s is not S.ESCALATED]))
        self.move_to(r, to, note)

    @precondition(has_referrals)
    @rule(data=st.data(), resolved=st.booleans())
    def agency_finishes(self, data: st.DataObject, resolved: bool) -> None:
        """A whole valid path to an end in one step, so that runs reach closed cases too."""
        r = self.referral(data)
        path = {S.CREATED: [S.DELIVERED], S.RETURNED: [S.DELIVERED]}.get(r.status, [])
        if resolved and r.status is not S.IN_PROGRESS:
            path += [S.ACCEPTED] if r.status is not S.ACCEPTED else []
        path += [S.RESOLVED if resolved else S.REJECTED]
        for to in path:
            self.move_to(r, to, "selesai")

    def move_to(self, r: Referral, to: S, note: str) -> None:
        ok = to in MODEL_NEXT[r.status] and ((r.status, to) not in NEEDS_NOTE or bool(note.strip()))
        self.attempt(ok, lambda cid: r.transition(to, self.now, "officer", note, change_id=cid))

    @precondition(has_referrals)
    @rule(data=st.data(), level=st.sampled_from(ESCALATION_LEVELS))
    def escalate(self, data: st.DataObject, level: EscalationLevel) -> None:
        r = self.referral(data)
        above = ESCALATION_LEVELS.index(r.escalation_level) + 1 if r.escalation_level else 0
        ok = r.status not in ENDED and level in ESCALATION_LEVELS[above:]
        self.attempt(ok, lambda cid: r.escalate(self.now, "sla-clock", level, change_id=cid))

    # -- replays and concurrency -------------------------------------------------------------

    @rule(data=st.data())
    def replay_a_recorded_change(self, data: st.DataObject) -> None:
        change = data.draw(st.sampled_from(self.case.timeline()))
        before = copy.deepcopy(self.case)
        assert self.case.apply(change) is False
        assert self.case == before

    @precondition(lambda self: self.last is not None)
    @rule()
    def repeat_the_last_command(self) -> None:
        assert self.last is not None
        command, change = self.last
        before = copy.deepcopy(self.case)
        assert command() is change  # same change id: the earlier change, nothing new
        assert self.case == before

    @rule()
    def stale_expected_version(self) -> None:
        before = copy.deepcopy(self.case)
        try:
            self.case.close(self.now, "backoffice", expected_version=self.case.version - 1)
        except VersionConflict as exc:
            assert (exc.expected, exc.actual) == (self.case.version - 1, self.case.version)
        else:
            raise AssertionError("a stale version was accepted")
        assert self.case == before

    # -- invariants --------------------------------------------------------------------------

    @invariant()
    def the_model_and_the_case_agree(self) -> None:
        assert self.case.status is self.status

    @invariant()
    def only_reopen_leaves_closed_and_nothing_leaves_merged(self) -> None:
        last = self.case.history[-1]
        if self.seen_status is CaseStatus.CLOSED and self.case.status is not CaseStatus.CLOSED:
            assert last.kind == "reopened" and self.case.status is CaseStatus.OPEN
        if self.seen_status is CaseStatus.MERGED:
            assert self.case.status is CaseStatus.MERGED
        if self.case.status is CaseStatus.CLOSED:
            assert not self.any_open()
        self.seen_status = self.case.status

    @invariant()
    def versions_strictly_increase(self) -> None:
        histories: list[tuple[uuid.UUID, int, list[int]]] = [
            (self.case.case_id, self.case.version, [c.version for c in self.case.history])
        ]
        for r in self.case.referrals.values():
            histories.append((r.referral_id, r.version, [c.version for c in r.history]))
        for key, version, recorded in histories:
            first = 1 if key == self.case.case_id else 2
            assert recorded == list(range(first, version + 1))
            assert version >= self.seen_versions.get(key, 1)
            self.seen_versions[key] = version
        assert all(isinstance(c, CaseChange) for c in self.case.history)

    def teardown(self) -> None:
        far = self.now + FAR_FUTURE
        for r in self.case.referrals.values():
            assert r.status in ENDED or r.overdue(far), (r.status, r.running_deadlines())


CaseMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_case_and_referral_machines = CaseMachine.TestCase

