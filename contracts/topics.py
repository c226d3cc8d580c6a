"""Topic catalogue: names and partition counts, created explicitly (never auto-created)."""

from __future__ import annotations

import re

from .events import (
    AgencyReferralV1,
    AgencyResponseV1,
    CaseClosedV1,
    CaseReopenedV1,
    ComplaintAssessedV1,
    ComplaintClosedAtDeskV1,
    ComplaintInformationAddedV1,
    ComplaintRegisteredV1,
    ComplaintWithdrawnV1,
    EscalationRaisedV1,
    HouseholdAssessedV1,
    HouseholdUpdatedV1,
    ReferralCreatedV1,
    ReferralEscalatedV1,
    ReferralStatusChangedV1,
    ReminderSentV1,
    SatisfactionRecordedV1,
)

DEFAULT_PARTITIONS = 3
_AGENCY_ID = re.compile(r"^[a-z][a-z0-9-]{1,62}$")

#: topic -> partitions, for the topics every deployment has.
CORE_TOPICS: dict[str, int] = {
    ComplaintRegisteredV1.topic: DEFAULT_PARTITIONS,
    ComplaintAssessedV1.topic: DEFAULT_PARTITIONS,
    ReferralCreatedV1.topic: DEFAULT_PARTITIONS,
    ReferralStatusChangedV1.topic: DEFAULT_PARTITIONS,
    ReminderSentV1.topic: DEFAULT_PARTITIONS,
    ComplaintClosedAtDeskV1.topic: DEFAULT_PARTITIONS,
    ComplaintInformationAddedV1.topic: DEFAULT_PARTITIONS,
    ComplaintWithdrawnV1.topic: DEFAULT_PARTITIONS,
    SatisfactionRecordedV1.topic: DEFAULT_PARTITIONS,
    AgencyResponseV1.topic: DEFAULT_PARTITIONS,
    ReferralEscalatedV1.topic: DEFAULT_PARTITIONS,
    CaseClosedV1.topic: DEFAULT_PARTITIONS,
    CaseReopenedV1.topic: DEFAULT_PARTITIONS,
    HouseholdUpdatedV1.topic: DEFAULT_PARTITIONS,
    HouseholdAssessedV1.topic: DEFAULT_PARTITIONS,
    EscalationRaisedV1.topic: DEFAULT_PARTITIONS,
}


def dlq(topic: str) -> str:
    """Dead-letter topic of a consumed topic."""
    return f"{topic}.dlq"


def agency_topic(agency_id: str) -> str:
    """`slrt.agency.<agency_id>.referrals.v1`: what one agency must act on."""
    if not _AGENCY_ID.fullmatch(agency_id):
        raise ValueError(f"agency id {agency_id!r} must be lower-case letters, digits and '-'")
    return AgencyReferralV1.topic.format(agency_id=agency_id)


def all_topics(agency_ids: list[str] | tuple[str, ...] = ()) -> dict[str, int]:
    """Core topics, their dead-letter topics, and the delivery topics of the given agencies."""
    topics = dict(CORE_TOPICS)
    topics.update({dlq(t): 1 for t in CORE_TOPICS})
    for agency_id in agency_ids:
        topics[agency_topic(agency_id)] = 1
    return topics
