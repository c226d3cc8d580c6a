"""An agency answers a referral (accept, progress, resolve, reject, return) — over HTTP or on the
Kafka responses topic. Both paths run `respond`; the Kafka path turns every answer that can never
succeed into `Unprocessable`, which sends it to the dead-letter topic with the reason at once."""

from __future__ import annotations

import uuid

from contracts import AgencyAction, AgencyResponseV1
from slrt.auth import Principal, Role
from slrt.messaging import Unprocessable

from ..domain import agency_actions
from ..domain.errors import ChangeIdReused, NoteRequired, TransitionNotAllowed
from ..domain.state import Referral
from .errors import Forbidden
from .scope import referral_in_scope
from .unit import Work


class UnknownReferral(Unprocessable):
    """The response names a referral this service does not hold."""


class WrongAgency(Unprocessable):
    """The response comes from another agency than the referral's."""


class ResponseRefused(Unprocessable):
    """The referral's status (or a missing note) does not allow this answer."""


async def respond(work: Work, referral_id: uuid.UUID, action: AgencyAction,
                  principal: Principal, note: str | None = None, *,
                  expected_version: int | None = None,
                  change_id: uuid.UUID | None = None) -> tuple[Referral, str]:
    """Apply one answer of the referral's agency (or of a coordinator recording it for them);
    the referral after it and the village code of its case."""
    referral, village = await referral_in_scope(work.cases, referral_id, principal)
    if not principal.can_act_for_agency(referral.agency_id):
        raise Forbidden("only the referral's agency, or a coordinator for it, may answer it")
    if change_id is not None and await work.cases.change_exists(change_id):
        return referral, village  # this answer was applied already: nothing more to do
    seen = referral.version
    changes = agency_actions.respond(referral, action, work.now, principal.subject, note,
                                     expected_version=expected_version, change_id=change_id)
    await work.record_referral(referral, seen, changes, principal)
    return referral, village


def response_change_id(event: AgencyResponseV1, event_id: str) -> uuid.UUID:
    """The change id of an answer: its `response_id`, else one derived from the event id (a
    redelivery of the same record is also caught by the inbox)."""
    return event.response_id or uuid.uuid5(uuid.NAMESPACE_URL, f"agency-response:{event_id}")


async def on_agency_response(work: Work, event: AgencyResponseV1, event_id: str) -> None:
    """The Kafka path: check who answers, then `respond`; refusals are unprocessable."""
    loaded = await work.cases.load_referral(event.referral_id)
    if loaded is None:
        raise UnknownReferral(f"unknown referral {event.referral_id}")
    if loaded[0].agency_id != event.agency_id:
        raise WrongAgency(f"referral {event.referral_id} belongs to another agency than "
                          f"{event.agency_id}")
    officer = Principal(subject=event.officer, role=Role.AGENCY_OFFICER,
                        agency_id=event.agency_id)
    try:
        await respond(work, event.referral_id, event.action, officer, event.note,
                      change_id=response_change_id(event, event_id))
    except (TransitionNotAllowed, NoteRequired, ChangeIdReused) as exc:
        raise ResponseRefused(str(exc)) from exc
