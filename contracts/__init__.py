"""Versioned event contracts shared by all SLRT services (the only cross-service types)."""

from .base import PERSONAL, Contract
from .events import (
    ALL_CONTRACTS,
    AgencyReferralV1,
    Complainant,
    ComplaintAssessedV1,
    ComplaintRegisteredV1,
    Need,
    ReferralCreatedV1,
    ReferralStatusChangedV1,
    ReminderSentV1,
)
from .topics import CORE_TOPICS, agency_topic, all_topics, dlq
from .vocabulary import Channel, MatchMethod, ReferralStatus, Sector, Urgency

__all__ = [
    "ALL_CONTRACTS",
    "CORE_TOPICS",
    "PERSONAL",
    "AgencyReferralV1",
    "Channel",
    "Complainant",
    "ComplaintAssessedV1",
    "ComplaintRegisteredV1",
    "Contract",
    "MatchMethod",
    "Need",
    "ReferralCreatedV1",
    "ReferralStatus",
    "ReferralStatusChangedV1",
    "ReminderSentV1",
    "Sector",
    "Urgency",
    "agency_topic",
    "all_topics",
    "dlq",
]
