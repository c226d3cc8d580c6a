"""Request and response bodies of intake's HTTP API."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from contracts import Attachment, Channel, ComplaintKind, Relation, Sector, Urgency

from ..domain.complaint import (
    ComplainantData,
    ComplaintDraft,
    FieldIssue,
    OfflineCapture,
)

MAX_BATCH = 500


def _fits_utc(value: dt.datetime) -> dt.datetime:
    """Refuses an aware datetime with no UTC equivalent (e.g. 0001-01-01T00:00+01:00): the
    database layer stores UTC and would fail on it. The value itself is kept as sent, so the
    idempotency fingerprint of a body does not change."""
    if value.tzinfo is not None:
        try:
            value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("date and time out of range once converted to UTC") from None
    return value


#: A capture time: naive ones pass here and get the domain's explanation (captured_at.timezone).
CaptureTime = Annotated[dt.datetime, AfterValidator(_fits_utc)]
#: A point in time for filters: it must carry its UTC offset.
Instant = Annotated[AwareDatetime, AfterValidator(_fits_utc)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if isinstance(value, BaseModel):  # e.g. an attachment's metadata
        return any(_has_nul(v) for v in value.__dict__.values())
    return False  # a batch's raw items are checked one by one, as OfflineComplaintIn


class RequestBody(BaseModel):
    """Base of intake's request bodies: unknown fields are refused, and so is NUL in text."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold U+0000: stored, it failed as a 500 instead of a 422.
        if _has_nul(value):
            raise ValueError("text must not contain the NUL character (U+0000)")
        return value


class ComplainantIn(RequestBody):
    name: str = Field(max_length=200)
    nik: str | None = Field(None, max_length=32)
    has_no_nik: bool = False
    kk_number: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=1000)
    relation: Relation | None = None


class ComplaintIn(RequestBody):
    channel: Channel
    village_code: str = Field(max_length=20, examples=["3402052001"])
    category: Sector
    subcategory: str | None = Field(None, max_length=40)
    kind: ComplaintKind = ComplaintKind.COMPLAINT
    urgency: Urgency = Urgency.NORMAL
    description: str = Field(max_length=10000)
    complainant: ComplainantIn
    consent_given: bool = Field(description="Consent to processing personal data (UU PDP)")
    desk_resolution: str | None = Field(
        None, max_length=10000,
        description="Answered or solved at the desk: the complaint is closed, never referred")
    client_ref: str | None = Field(None, max_length=200,
                                   description="Client's own id; a retry with it is idempotent")

    def draft(self, offline: OfflineCapture | None = None) -> ComplaintDraft:
        return ComplaintDraft(
            channel=self.channel, village_code=self.village_code, category=self.category,
            subcategory=self.subcategory, urgency=self.urgency, description=self.description,
            complainant=ComplainantData(**self.complainant.model_dump()), kind=self.kind,
            consent_given=self.consent_given, offline=offline,
            desk_resolution=self.desk_resolution)

    def fingerprint(self) -> str:
        """Hash of the body as parsed, so key order or spacing does not make a 'different' body."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


class OfflineComplaintIn(ComplaintIn):
    """One complaint from a tablet's offline queue: its own id and capture time are required."""

    client_ref: str = Field(min_length=1, max_length=200)
    captured_at: CaptureTime


class BatchIn(RequestBody):
    device_id: str = Field(min_length=1, max_length=100)
    # Items are parsed one by one, so one malformed item is rejected alone, not the batch.
    items: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


class ErrorOut(BaseModel):
    """An error about the request as a whole (not one field), said in words."""

    detail: str


class IssueOut(BaseModel):
    loc: list[str | int]
    type: str
    msg: str


def issues(found: list[FieldIssue], prefix: tuple[str | int, ...] = ("body",)) -> list[IssueOut]:
    # Same shape as FastAPI's own 422 details, so clients read one format.
    return [IssueOut(loc=[*prefix, *f.field.split(".")], type=f.rule, msg=f.message)
            for f in found]


class ComplaintCreated(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    warnings: list[IssueOut]
    possible_duplicate_of: list[uuid.UUID]


class BatchItemOut(BaseModel):
    index: int
    client_ref: str | None
    outcome: str
    id: uuid.UUID | None = None
    number: str | None = None
    status: str | None = None
    errors: list[IssueOut] = []
    warnings: list[IssueOut] = []
    possible_duplicate_of: list[uuid.UUID] = []


class BatchOut(BaseModel):
    device_id: str
    created: int
    duplicates: int
    rejected: int
    items: list[BatchItemOut]


class InformationIn(RequestBody):
    note: str | None = Field(None, min_length=1, max_length=5000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


class WithdrawIn(RequestBody):
    reason: str = Field(min_length=3, max_length=2000)


class SatisfactionIn(RequestBody):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=2000)


class ComplaintCheck(BaseModel):
    """What registering the body would say about it: errors block it, warnings do not."""

    errors: list[IssueOut]
    warnings: list[IssueOut]


class Labels(BaseModel):
    id: str
    en: str


class SubcategoryOut(BaseModel):
    code: str
    label: Labels


class CategoryOut(BaseModel):
    code: Sector
    label: Labels
    subcategories: list[SubcategoryOut]


class CategoriesOut(BaseModel):
    items: list[CategoryOut]
