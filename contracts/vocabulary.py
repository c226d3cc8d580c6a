"""Shared words of the contracts: sectors, channels, urgencies, statuses.

Codes are stable identifiers that travel in events; labels are for people (Bahasa Indonesia).
"""

from __future__ import annotations

from enum import StrEnum


class Sector(StrEnum):
    """The SLRT complaint sectors (two-level categories start with one of these)."""

    CIVIL_REGISTRATION = "civil_registration"
    HEALTH = "health"
    EDUCATION = "education"
    SOCIAL_ASSISTANCE = "social_assistance"
    DATA_UPDATE = "data_update"
    HOUSING = "housing"
    BASIC_INFRASTRUCTURE = "basic_infrastructure"
    ELDERLY_DISABILITY = "elderly_disability"
    CHILD_PROTECTION = "child_protection"
    OTHER = "other"


class Channel(StrEnum):
    PUSKESOS = "puskesos"
    FRONT_OFFICE = "front_office"
    FIELD_TABLET = "field_tablet"
    WEB = "web"
    HOTLINE = "hotline"
    SMS = "sms"


class ComplaintKind(StrEnum):
    QUESTION = "question"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"


class Relation(StrEnum):
    """The complainant's relation to the household the complaint is about."""

    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    OTHER_MEMBER = "other_member"
    NOT_MEMBER = "not_member"  # a neighbour, a village official, a volunteer...


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class ReferralStatus(StrEnum):
    CREATED = "created"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RETURNED = "returned"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    ESCALATED = "escalated"


class MatchMethod(StrEnum):
    NIK = "nik"
    KK = "kk"
    NAME_BIRTH_VILLAGE = "name_birth_village"
    NONE = "none"


class AgencyAction(StrEnum):
    """What an agency answers about one referral (`AgencyResponseV1`)."""

    ACCEPT = "accept"
    PROGRESS = "progress"  # work has started (in_progress)
    RESOLVE = "resolve"
    REJECT = "reject"  # not this agency's to act on; a note says why
    RETURN = "return"  # more information is needed; the note asks for it


class CaseOutcome(StrEnum):
    """How a case ended (`CaseClosedV1`)."""

    REFERRALS_ENDED = "referrals_ended"  # every referral ended and the complainant was informed
    HANDLED_AT_PUSKESOS = "handled_at_puskesos"
    WITHDRAWN = "withdrawn"  # the complainant withdrew the complaint
    MERGED = "merged"  # a duplicate: merged into another case


class EscalationLevel(StrEnum):
    DISTRICT = "district"  # the district (kabupaten/kota) manager
    PROVINCE = "province"
