"""Request and response bodies of intake's HTTP API."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from contracts import Attachment, Channel, ComplaintKind, Relation, Sector, Urgency

from ..domain.complaint import (
    ComplainantData,
    ComplaintDraft,
    FieldIssue,
    OfflineCapture,
)

MAX_BATCH = 500


class ComplainantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    nik: str | None = Field(None, max_length=32)
    has_no_nik: bool = False
    kk_number: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=1000)
    relation: Relation | None = None


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
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
    captured_at: dt.datetime


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_id: str = Field(min_length=1, max_length=100)
    # Items are parsed one by one, so one malformed item is rejected alone, not the batch.
    items: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


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


class InformationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, min_length=1, max_length=5000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=2000)


class SatisfactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=2000)
