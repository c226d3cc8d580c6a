"""Front-office status of a complaint, folded from what registry and referral events say.

    registered ──assessed──► assessed ──referral exists──► referred
        referred ──any referral accepted / in_progress / resolved──► in_progress
        in_progress ──every referral resolved or rejected, ≥1 resolved──► resolved
    any ──closed──► closed (terminal)

Once referrals exist, the status is derived from their current statuses alone, so events may
arrive in any order or twice and a new referral after resolution re-opens the complaint.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from contracts.vocabulary import ReferralStatus


class ComplaintStatus(StrEnum):
    REGISTERED = "registered"
    ASSESSED = "assessed"
    REFERRED = "referred"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"  # answered or solved at the desk
    WITHDRAWN = "withdrawn"  # the complainant withdrew it


#: Statuses in which nothing further happens to a complaint.
ENDED = frozenset({ComplaintStatus.CLOSED, ComplaintStatus.WITHDRAWN})
#: Statuses in which a new complaint of the same person and category is a possible duplicate.
OPEN = frozenset({ComplaintStatus.REGISTERED, ComplaintStatus.ASSESSED,
                  ComplaintStatus.REFERRED, ComplaintStatus.IN_PROGRESS})


def can_withdraw(status: ComplaintStatus) -> bool:
    return status in OPEN


def can_add_information(status: ComplaintStatus) -> bool:
    return status in OPEN


def can_record_satisfaction(status: ComplaintStatus) -> bool:
    """Satisfaction is asked once the complaint is resolved or was closed at the desk."""
    return status in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED)


class StatusEvent(StrEnum):
    """The kinds of event that may move a complaint's status."""

    ASSESSED = "assessed"  # registry assessed the complaint (ComplaintAssessedV1)
    REFERRAL_CREATED = "referral_created"  # ReferralCreatedV1
    REFERRAL_STATUS_CHANGED = "referral_status_changed"  # ReferralStatusChangedV1
    CLOSED = "closed"  # the front office closed the complaint


_WORKING = frozenset({ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS,
                      ReferralStatus.RESOLVED})
_FINISHED = frozenset({ReferralStatus.RESOLVED, ReferralStatus.REJECTED})


def status_from_referrals(referrals: Mapping[str, ReferralStatus]) -> ComplaintStatus:
    """Complaint status implied by a non-empty set of referral statuses.

    All rejected (nobody will act) stays `referred`: the back office must refer again.
    """
    statuses = set(referrals.values())
    if statuses <= _FINISHED and ReferralStatus.RESOLVED in statuses:
        return ComplaintStatus.RESOLVED
    if statuses & _WORKING:
        return ComplaintStatus.IN_PROGRESS
    return ComplaintStatus.REFERRED


def fold_status(current: ComplaintStatus, event_kind: StatusEvent,
                referral_statuses: Mapping[str, ReferralStatus]) -> ComplaintStatus:
    """The complaint status after `event_kind`, given the current status of every referral.

    `referral_statuses` maps each referral id to its status, after the event.
    Without referrals a complaint is at most `assessed`.
    """
    if current in ENDED:
        return current  # later referral events are kept in the timeline, not the status
    if event_kind == StatusEvent.CLOSED:
        return ComplaintStatus.CLOSED
    if referral_statuses:
        return status_from_referrals(referral_statuses)
    if event_kind == StatusEvent.ASSESSED or current != ComplaintStatus.REGISTERED:
        return ComplaintStatus.ASSESSED
    return ComplaintStatus(current)
