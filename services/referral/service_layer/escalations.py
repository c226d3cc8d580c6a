"""Escalations notification raised: recorded on the referral (flag, level, timeline) so the case
shows them; the referral keeps its status. Notification decides when; referral only records."""

from __future__ import annotations

from contracts import EscalationRaisedV1

from ..domain.state import EscalationNotAllowed
from .agency_work import UnknownReferral
from .unit import Work


async def record_escalation(work: Work, event: EscalationRaisedV1) -> bool:
    """True if recorded. A referral that has ended meanwhile, or is already escalated to this
    level or higher, is left as it is (the reminder raced the agency's answer, or the same
    escalation arrived twice): nothing to record, not an error."""
    loaded = await work.cases.load_referral(event.referral_id)
    if loaded is None:
        raise UnknownReferral(f"unknown referral {event.referral_id}")
    referral = loaded[0]
    seen = referral.version
    note = (f"{event.deadline} overdue {event.working_days_overdue} working day(s); "
            f"{event.step} ({event.policy_version}) to {event.recipient}")
    try:
        change = referral.escalate(event.raised_at, "notification", event.level.value, note,
                                   change_id=event.escalation_id)
    except EscalationNotAllowed:
        return False
    if referral.version == seen:  # the same escalation id seen before: already recorded
        return False
    await work.record_referral(referral, seen, [change], None)
    return True
