"""Request bodies of the referral API (answers are the use cases' dictionaries)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts import EscalationLevel, Sector

Note = Field(None, max_length=2000, description="Free text; may name people (not logged)")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoteIn(Body):
    note: str | None = Note


class RequiredNoteIn(Body):
    note: str = Field(min_length=1, max_length=2000,
                      description="Required here (why, what, or how); may name people")


class ManualReferralIn(Body):
    agency_id: str = Field(description="An active agency, e.g. dinsos-3402")
    need_codes: list[str] | None = Field(
        None, description="Needs of the case to refer; default: its unrouted needs")
    note: str | None = Note


class RerouteIn(Body):
    agency_id: str = Field(description="The agency that takes the referral's needs over")
    note: str | None = Note


class EscalateIn(Body):
    level: EscalationLevel = EscalationLevel.DISTRICT
    note: str | None = Note


class MergeIn(Body):
    into_case_id: uuid.UUID = Field(description="The case this one duplicates (it survives)")
    note: str | None = Note


class ReassignIn(Body):
    to_agency_id: str = Field(description="The agency that takes every open referral over")
    note: str | None = Note


class Contacts(Body):
    email: str | None = Field(None, max_length=200, description="Office address, not personal")
    phone: str | None = Field(None, max_length=32, description="Office phone, not personal")
    address: str | None = Field(None, max_length=500)


class Delivery(Body):
    kafka: bool = Field(True, description="Delivered on slrt.agency.<agency_id>.referrals.v1")
    webhook_url: str | None = Field(None, max_length=500)
    email: str | None = Field(None, max_length=200)


class AgencyIn(Body):
    kind: str = Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9]*$",
                      description="dinsos, dinkes, ..., or a partner's short name")
    region_code: str = Field(pattern=r"^(\d{2}|\d{4})?$",
                             description="4-digit regency, 2-digit province, '' national")
    name: str = Field(min_length=3, max_length=200)
    sectors: list[Sector] = Field(min_length=1)
    is_partner: bool = Field(False, description="A non-government partner (charity, company)")
    contacts: Contacts = Field(default_factory=Contacts)
    delivery: Delivery = Field(default_factory=Delivery)

    def values(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class AgencyChangeIn(Body):
    name: str | None = Field(None, min_length=3, max_length=200)
    sectors: list[Sector] | None = Field(None, min_length=1)
    is_partner: bool | None = None
    contacts: Contacts | None = None
    delivery: Delivery | None = None

    def values(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class DryRunIn(Body):
    sector: Sector
    subcategory: str | None = Field(None, pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$",
                                    description="e.g. pbi_jk")
    village_code: str = Field(pattern=r"^\d{10}$", description="Kemendagri village code")


QueueReason = Literal["unrouted", "rejected", "returned", "outcome_pending"]
