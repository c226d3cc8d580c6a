"""What every referral use case does after its domain call: save the changed aggregate with its
version check, record the changes in the timeline and publish their events — all in the caller's
unit of work, so the state, the timeline and the outbox commit together or not at all."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence

from slrt.auth import Principal
from slrt.db import UnitOfWork

from ..adapters.records import CaseInfo
from ..adapters.repository import CaseRepository
from ..domain.case import Case
from ..domain.changes import AnyChange
from ..domain.state import Referral
from .events import events_for

SYSTEM = "referral-service"
SYSTEM_ROLE = "system"


def who(principal: Principal | None) -> tuple[str, str]:
    """(by, role) recorded with a change: the caller, or the service itself."""
    if principal is None:
        return SYSTEM, SYSTEM_ROLE
    return principal.subject, principal.role.value


class Work:
    """The repository and recording helpers of one unit of work."""

    def __init__(self, uow: UnitOfWork, now: dt.datetime) -> None:
        self.uow = uow
        self.now = now
        self.cases = CaseRepository(uow.session, uow.insert_at_commit)

    async def record_case(self, case: Case, info: CaseInfo, seen_version: int | None,
                          changes: Sequence[AnyChange], principal: Principal | None) -> None:
        """Save a case (new when `seen_version` is None) with its referrals' changes."""
        _, role = who(principal)
        if seen_version is None:
            await self.cases.add_case(case, info, changes, role, self.now)
        else:
            await self.cases.save_case(case, info, seen_version, changes, role, self.now)
        self._publish(case, info, changes, case.referrals)

    async def record_referral(self, referral: Referral, seen_version: int,
                              changes: Sequence[AnyChange], principal: Principal | None) -> None:
        _, role = who(principal)
        await self.cases.save_referral(referral, seen_version, changes, role, self.now)
        self._publish(None, None, changes, {referral.referral_id: referral})

    def _publish(self, case: Case | None, info: CaseInfo | None, changes: Sequence[AnyChange],
                 referrals: Mapping[uuid.UUID, Referral]) -> None:
        for change in changes:
            for event, topic in events_for(case, info, change, referrals):
                self.uow.publish(event, topic=topic)
