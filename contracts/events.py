"""Event contracts, version 1. A breaking change is a new class (`...V2`) on a new topic."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import Field

from .base import Contract, Part, personal
from .vocabulary import (
    AgencyAction,
    CaseOutcome,
    Channel,
    ComplaintKind,
    EscalationLevel,
    MatchMethod,
    ReferralStatus,
    Relation,
    Sector,
    Urgency,
)

_PREFIX = "id.go.kemensos.slrt"


class Complainant(Part):
    nik: str | None = personal("16-digit NIK; absent when the person has none or did not give it",
                               default=None)
    has_no_nik: bool = Field(False, description="The person states they have no NIK")
    kk_number: str | None = personal("16-digit family card number", default=None)
    name: str = personal("Name as told by the complainant")
    phone: str | None = personal("Phone in E.164 (+62...)", default=None)
    address: str | None = personal("Address as told", default=None)
    relation: Relation | None = Field(None, description="Relation to the household concerned")


class Consent(Part):
    """Consent to the processing of personal data (UU PDP), as recorded at the desk."""

    given: bool
    recorded_at: dt.datetime
    recorded_by: str = Field(description="Subject of the operator who recorded it")


class ComplaintRegisteredV1(Contract):
    topic = "slrt.complaint.registered.v1"
    event_type = f"{_PREFIX}.complaint.registered.v1"

    complaint_id: uuid.UUID
    complaint_number: str = Field(description="Human-readable number, e.g. SLRT-3402-2026-000123")
    registered_at: dt.datetime
    channel: Channel
    village_code: str = Field(pattern=r"^\d{10}$", description="Kemendagri village code")
    category: Sector
    subcategory: str | None = None
    urgency: Urgency = Urgency.NORMAL
    description: str = personal("Free text told by the complainant; may name people")
    complainant: Complainant
    recorded_by: str = Field(description="Subject (user id) of the recording operator")
    # Added in v1 as optional fields (older consumers ignore them):
    kind: ComplaintKind = ComplaintKind.COMPLAINT
    consent: Consent | None = None
    captured_at: dt.datetime | None = Field(None, description="Capture time on an offline device")
    device_id: str | None = Field(None, description="Offline device that captured it")
    possible_duplicate_of: list[uuid.UUID] = Field(
        default_factory=list, description="Open complaints of the same person or household")

    def key(self) -> str:
        return str(self.complaint_id)


class ComplaintClosedAtDeskV1(Contract):
    """Answered or solved at the Puskesos / front office: it never goes to referral."""

    topic = "slrt.complaint.closed-at-desk.v1"
    event_type = f"{_PREFIX}.complaint.closed-at-desk.v1"

    complaint_id: uuid.UUID
    complaint_number: str
    closed_at: dt.datetime
    closed_by: str
    kind: ComplaintKind
    village_code: str = Field(pattern=r"^\d{10}$")
    category: Sector
    subcategory: str | None = None
    resolution_note: str = personal("What the desk answered or did")

    def key(self) -> str:
        return str(self.complaint_id)


class Attachment(Part):
    """Metadata of a file kept by the desk (the file itself is not in the event)."""

    name: str = personal("File name as uploaded")
    media_type: str
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class ComplaintInformationAddedV1(Contract):
    topic = "slrt.complaint.information-added.v1"
    event_type = f"{_PREFIX}.complaint.information-added.v1"

    complaint_id: uuid.UUID
    added_at: dt.datetime
    added_by: str
    note: str | None = personal("Additional information", default=None)
    attachments: list[Attachment] = Field(default_factory=list)

    def key(self) -> str:
        return str(self.complaint_id)


class ComplaintWithdrawnV1(Contract):
    topic = "slrt.complaint.withdrawn.v1"
    event_type = f"{_PREFIX}.complaint.withdrawn.v1"

    complaint_id: uuid.UUID
    withdrawn_at: dt.datetime
    withdrawn_by: str
    withdrawal_reason: str = personal("Why the complainant withdrew")

    def key(self) -> str:
        return str(self.complaint_id)


class SatisfactionRecordedV1(Contract):
    topic = "slrt.complaint.satisfaction-recorded.v1"
    event_type = f"{_PREFIX}.complaint.satisfaction-recorded.v1"

    complaint_id: uuid.UUID
    recorded_at: dt.datetime
    recorded_by: str
    score: int = Field(ge=1, le=5, description="1 very dissatisfied .. 5 very satisfied")
    comment: str | None = personal("The complainant's words", default=None)

    def key(self) -> str:
        return str(self.complaint_id)


class Need(Part):
    """One thing the household needs, with the rule that found it and why."""

    code: str = Field(description="Need code, e.g. civil_registration.nik")
    sector: Sector
    program: str | None = Field(None, description="Program code of a program need, e.g. KIP")
    rule_id: str
    reason: str = Field(description="Explanation in terms of facts, without personal data")


class ComplaintAssessedV1(Contract):
    topic = "slrt.complaint.assessed.v1"
    event_type = f"{_PREFIX}.complaint.assessed.v1"

    complaint_id: uuid.UUID
    complaint_number: str
    assessed_at: dt.datetime
    village_code: str = Field(pattern=r"^\d{10}$")
    category: Sector
    subcategory: str | None = None
    urgency: Urgency = Urgency.NORMAL
    household_id: uuid.UUID | None = Field(None, description="Matched household, None if not found")
    match_method: MatchMethod
    match_confidence: float = Field(ge=0, le=1)
    welfare_decile: int | None = Field(None, ge=1, le=10)
    rules_version: str
    needs: list[Need]
    contact_name: str | None = personal("Complainant name, for the agency that acts", default=None)
    contact_phone: str | None = personal("Complainant phone (E.164)", default=None)

    def key(self) -> str:
        return str(self.complaint_id)


class ReferralCreatedV1(Contract):
    topic = "slrt.referral.created.v1"
    event_type = f"{_PREFIX}.referral.created.v1"

    referral_id: uuid.UUID
    case_id: uuid.UUID
    complaint_id: uuid.UUID
    complaint_number: str
    agency_id: str = Field(description="e.g. dinkes-3402")
    sector: Sector
    need_codes: list[str]
    village_code: str = Field(pattern=r"^\d{10}$")
    urgency: Urgency = Urgency.NORMAL
    status: ReferralStatus = ReferralStatus.CREATED
    created_at: dt.datetime
    accept_due_at: dt.datetime
    resolve_due_at: dt.datetime
    time_zone: str = Field(description="IANA zone of the agency, e.g. Asia/Jakarta")

    def key(self) -> str:
        return str(self.case_id)


class ReferralStatusChangedV1(Contract):
    topic = "slrt.referral.status-changed.v1"
    event_type = f"{_PREFIX}.referral.status-changed.v1"

    referral_id: uuid.UUID
    case_id: uuid.UUID
    complaint_id: uuid.UUID
    agency_id: str
    from_status: ReferralStatus
    to_status: ReferralStatus
    changed_at: dt.datetime
    changed_by: str
    note: str | None = personal("Officer's note; may name people", default=None)
    # Added in v1 as optional fields (older consumers ignore them):
    version: int | None = Field(None, ge=1, description="The referral's version after the change")
    change_id: uuid.UUID | None = Field(None, description="Id of the change (replays keep it)")
    accept_due_at: dt.datetime | None = Field(
        None, description="Acceptance due time after the change (moves after a pause)")
    resolve_due_at: dt.datetime | None = Field(
        None, description="Resolution due time after the change (moves after a pause)")
    answer_due_at: dt.datetime | None = Field(
        None, description="While returned: when the back office must have answered")
    withdrawn: bool = Field(
        False, description="Ended by the back office (complaint withdrawn, agency replaced, "
                           "case merged), not by the agency")

    def key(self) -> str:
        return str(self.case_id)


class AgencyReferralV1(Contract):
    """What one agency must act on, on its own topic `slrt.agency.<agency_id>.referrals.v1`."""

    topic = "slrt.agency.{agency_id}.referrals.v1"
    event_type = f"{_PREFIX}.agency.referral.v1"

    referral_id: uuid.UUID
    case_id: uuid.UUID
    complaint_number: str
    agency_id: str
    sector: Sector
    subcategory: str | None = None
    urgency: Urgency = Urgency.NORMAL
    needs: list[Need]
    village_code: str = Field(pattern=r"^\d{10}$")
    household_id: uuid.UUID | None = None
    description: str = personal("The complaint text")
    contact_name: str | None = personal("Who to contact", default=None)
    contact_phone: str | None = personal("Phone (E.164)", default=None)
    accept_due_at: dt.datetime
    resolve_due_at: dt.datetime

    def key(self) -> str:
        return str(self.case_id)


class ReminderSentV1(Contract):
    topic = "slrt.notification.sent.v1"
    event_type = f"{_PREFIX}.notification.sent.v1"

    reminder_id: uuid.UUID
    referral_id: uuid.UUID
    case_id: uuid.UUID
    agency_id: str
    step: str = Field(description="Policy step, e.g. accept.before_due, resolve.overdue.3")
    channel: str = Field(description="email, webhook, inbox or sms")
    recipient: str = Field(description="Agency or manager id (never a personal address)")
    due_at: dt.datetime
    sent_at: dt.datetime

    def key(self) -> str:
        return str(self.case_id)


class AgencyResponseV1(Contract):
    """An agency's answer about one of its referrals, on the one topic all agencies answer on.

    The referral service checks that the referral exists and belongs to `agency_id`; an answer
    that fails the check, or that the referral's status does not allow, goes to the topic's
    dead-letter topic with the reason and changes nothing.
    """

    topic = "slrt.agency.responses.v1"
    event_type = f"{_PREFIX}.agency.response.v1"

    referral_id: uuid.UUID
    agency_id: str = Field(description="The answering agency, e.g. dinkes-3402")
    action: AgencyAction
    note: str | None = personal(
        "Officer's note; required to reject (why) and to return (what is missing)", default=None)
    responded_at: dt.datetime
    officer: str = Field(description="User id of the officer who answered (not a name)")
    response_id: uuid.UUID | None = Field(
        None, description="Idempotency key: the same answer sent again under this id changes "
                          "nothing")

    def key(self) -> str:
        return str(self.referral_id)


class ReferralEscalatedV1(Contract):
    """An overdue or stuck referral was escalated to a manager; it keeps its status."""

    topic = "slrt.referral.escalated.v1"
    event_type = f"{_PREFIX}.referral.escalated.v1"

    referral_id: uuid.UUID
    case_id: uuid.UUID
    complaint_id: uuid.UUID
    agency_id: str
    level: EscalationLevel
    status: ReferralStatus = Field(description="Where the referral stood when escalated")
    escalated_at: dt.datetime
    escalated_by: str
    note: str | None = personal("Why it was escalated", default=None)

    def key(self) -> str:
        return str(self.case_id)


class CaseClosedV1(Contract):
    """A case ended: its referrals ended and the complainant was informed, it was handled at the
    Puskesos, the complaint was withdrawn, or it was merged into another case."""

    topic = "slrt.case.closed.v1"
    event_type = f"{_PREFIX}.case.closed.v1"

    case_id: uuid.UUID
    complaint_id: uuid.UUID
    complaint_number: str
    village_code: str = Field(pattern=r"^\d{10}$")
    outcome: CaseOutcome
    closed_at: dt.datetime
    closed_by: str
    merged_into: uuid.UUID | None = Field(None, description="For `merged`: the surviving case")
    note: str | None = personal("How it ended, as recorded by the back office", default=None)

    def key(self) -> str:
        return str(self.case_id)


class CaseReopenedV1(Contract):
    """A closed case was reopened (new referrals may follow)."""

    topic = "slrt.case.reopened.v1"
    event_type = f"{_PREFIX}.case.reopened.v1"

    case_id: uuid.UUID
    complaint_id: uuid.UUID
    reopened_at: dt.datetime
    reopened_by: str
    note: str | None = personal("Why it was reopened", default=None)

    def key(self) -> str:
        return str(self.case_id)


class HouseholdUpdatedV1(Contract):
    """A registry household changed through an applied usulan (data update proposal).

    Data minimisation: the household id, its new version, the names of the changed fields and
    the village, never their values; a consumer that needs values asks the registry API.
    """

    topic = "slrt.household.updated.v1"
    event_type = f"{_PREFIX}.household.updated.v1"

    household_id: uuid.UUID
    version: int = Field(ge=1, description="The household's version after the change")
    village_code: str = Field(pattern=r"^\d{10}$", description="Where it lives now")
    changed_fields: list[str] = Field(
        description="Names of changed fields as entity.field, e.g. member.deceased (no values)")
    proposal_id: uuid.UUID = Field(description="The usulan that was applied")
    kind: str = Field(description="Kind of usulan, e.g. mark_deceased, new_household")
    updated_at: dt.datetime
    updated_by: str = Field(description="User id of who applied it (not a name)")

    def key(self) -> str:
        return str(self.household_id)


class HouseholdAssessedV1(Contract):
    """Needs of a household assessed again after its data changed (not about a complaint):
    programs and services it qualifies for but does not receive, each with its rule."""

    topic = "slrt.household.assessed.v1"
    event_type = f"{_PREFIX}.household.assessed.v1"

    household_id: uuid.UUID
    version: int = Field(ge=1, description="The household version the needs were found on")
    village_code: str = Field(pattern=r"^\d{10}$")
    welfare_decile: int = Field(ge=1, le=10)
    rules_version: str
    needs: list[Need]
    assessed_at: dt.datetime

    def key(self) -> str:
        return str(self.household_id)


class EscalationRaisedV1(Contract):
    """Notification raised an overdue referral to a manager (district SLRT manager, then the
    province): the agency was reminded and still has not done what was due. Referral records it
    in the case timeline; the referral keeps its status."""

    topic = "slrt.notification.escalation-raised.v1"
    event_type = f"{_PREFIX}.notification.escalation-raised.v1"

    escalation_id: uuid.UUID
    referral_id: uuid.UUID
    case_id: uuid.UUID
    agency_id: str
    complaint_number: str
    level: EscalationLevel
    deadline: str = Field(description="Which deadline was missed: accept or resolve")
    due_at: dt.datetime
    working_days_overdue: int = Field(ge=0)
    recipient: str = Field(description="Manager scope, e.g. manager:3402 or province:34 "
                                        "(never a personal address)")
    step: str = Field(description="Policy step, e.g. resolve.escalate.district")
    policy_version: str
    raised_at: dt.datetime

    def key(self) -> str:
        return str(self.case_id)


#: Every event contract, for schema export and the drift tests.
ALL_CONTRACTS: tuple[type[Contract], ...] = (
    ComplaintRegisteredV1,
    ComplaintClosedAtDeskV1,
    ComplaintInformationAddedV1,
    ComplaintWithdrawnV1,
    SatisfactionRecordedV1,
    ComplaintAssessedV1,
    ReferralCreatedV1,
    ReferralStatusChangedV1,
    AgencyReferralV1,
    ReminderSentV1,
    AgencyResponseV1,
    ReferralEscalatedV1,
    CaseClosedV1,
    CaseReopenedV1,
    HouseholdUpdatedV1,
    HouseholdAssessedV1,
    EscalationRaisedV1,
)
