"""An agency's answers (accept, progress, resolve, reject, return) mapped onto the referral
machine, the same for the HTTP API and the Kafka responses topic.

A referral is `created` until its agency first answers: the answer proves that the referral
arrived, so a referral still `created` is first recorded as `delivered` (by the system) and then
moved as the agency asked. The allowed answers are therefore those of `delivered` while the
referral is `created`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from contracts.vocabulary import AgencyAction, ReferralStatus

from .errors import NoteRequired, TransitionNotAllowed, VersionConflict
from .state import ALLOWED, Referral, StatusChange, note_required

S = ReferralStatus

TARGET: Mapping[AgencyAction, ReferralStatus] = {
    AgencyAction.ACCEPT: S.ACCEPTED,
    AgencyAction.PROGRESS: S.IN_PROGRESS,
    AgencyAction.RESOLVE: S.RESOLVED,
    AgencyAction.REJECT: S.REJECTED,
    AgencyAction.RETURN: S.RETURNED,
}

#: Who records the implicit delivery.
SYSTEM = "referral-service"


class ActionNotAllowed(TransitionNotAllowed):
    """The referral's status does not allow this answer; `allowed` lists the answers it does."""

    def __init__(self, current: ReferralStatus, action: AgencyAction,
                 allowed: list[AgencyAction]) -> None:
        super().__init__("referral", current.value, action.value, [a.value for a in allowed])


def _effective(status: ReferralStatus) -> ReferralStatus:
    return S.DELIVERED if status is S.CREATED else status


def allowed_actions(status: ReferralStatus) -> list[AgencyAction]:
    """The answers an agency may give to a referral in `status`."""
    possible = ALLOWED[_effective(status)]
    return [action for action, target in TARGET.items() if target in possible]


def delivery_change_id(change_id: uuid.UUID) -> uuid.UUID:
    """The id of the implicit delivery recorded with the answer `change_id` (deterministic, so
    a replayed answer replays its delivery too)."""
    return uuid.uuid5(change_id, "delivered")


def respond(
    referral: Referral, action: AgencyAction, at: dt.datetime, by: str, note: str | None = None,
    *, expected_version: int | None = None, change_id: uuid.UUID | None = None,
) -> list[StatusChange]:
    """Apply an agency's answer; the changes made (two when the referral was still `created`).

    Every check runs before the first change, so a refused answer changes nothing; an answer
    whose `change_id` was applied already returns its changes again and changes nothing.
    """
    if change_id is not None and change_id in referral._applied:
        ids = (delivery_change_id(change_id), change_id)
        return [c for i in ids if isinstance(c := referral._applied.get(i), StatusChange)]
    target = TARGET[action]
    if expected_version is not None and expected_version != referral.version:
        raise VersionConflict(f"referral {referral.referral_id}", expected_version,
                              referral.version)
    if target not in ALLOWED[_effective(referral.status)]:
        raise ActionNotAllowed(referral.status, action, allowed_actions(referral.status))
    if note_required(_effective(referral.status), target) and not (note and note.strip()):
        raise NoteRequired(f"{action.value} a referral")
    changes: list[StatusChange] = []
    if referral.status is S.CREATED:
        delivered_id = delivery_change_id(change_id) if change_id is not None else None
        changes.append(referral.transition(S.DELIVERED, at, SYSTEM, "delivered: the agency "
                                           "answered", change_id=delivered_id))
    changes.append(referral.transition(target, at, by, note, change_id=change_id))
    return changes
