"""Complaints in the data-update category become usulan automatically.

belum_terdaftar -> new_household (nobody matched) or add_member (the KK matched, the person
not); data_salah -> correct_field; meninggal -> mark_deceased; pindah -> moved.

Pure: the service passes the complaint, the match result and the matched household. What the
complaint cannot tell (which member died, where the household moved to) stays empty in the
usulan; verification refuses it until the village operator fills it in.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from contracts.vocabulary import Sector

from .matching import MatchResult
from .model import Household, Relation
from .proposal_changes import (
    AddMember,
    CorrectField,
    Details,
    MarkDeceased,
    Moved,
    NewHousehold,
    NewMember,
)
from .proposals import Actor, Proposal, propose

# The complainant's relation (contracts.vocabulary.Relation) as a household relation.
_RELATIONS: Final[dict[str, Relation]] = {"head": "head", "spouse": "spouse", "child": "child",
                                          "parent": "parent", "other_member": "other"}


@dataclass(frozen=True, slots=True)
class DataUpdateComplaint:
    """The parts of a registered complaint an usulan needs."""

    complaint_id: uuid.UUID
    category: Sector
    subcategory: str | None
    village_code: str  # where the complaint was made: where the person lives now
    name: str | None = None
    nik: str | None = None
    kk_number: str | None = None
    birth_date: dt.date | None = None
    relation: str | None = None  # contracts.vocabulary.Relation value


@dataclass(frozen=True, slots=True)
class UsulanOutcome:
    """The usulan made, or None with the reason none was (in words, without personal data)."""

    proposal: Proposal | None
    reason: str


def _details(c: DataUpdateComplaint, match: MatchResult,
             household: Household | None) -> Details | str:
    """The usulan details for the complaint, or a reason why there is none."""
    relation = _RELATIONS.get(c.relation or "")
    person = NewMember(name=c.name, birth_date=c.birth_date, nik=c.nik, relation=relation)
    if c.subcategory == "belum_terdaftar":
        if household is None:
            kk = match.proposal.kk_number if match.proposal is not None else c.kk_number
            head = NewMember(name=c.name, birth_date=c.birth_date, nik=c.nik, relation="head") \
                if relation in (None, "head") else person
            return NewHousehold(village_code=c.village_code, kk_number=kk, members=(head,))
        if match.member_id is not None:
            return "the complainant is already a member of the matched household"
        return AddMember(person)
    if household is None:
        return "no household matched: an usulan to change one needs it found first"
    if c.subcategory == "data_salah":
        return CorrectField(member_id=match.member_id)
    if c.subcategory == "meninggal":
        return MarkDeceased()  # the person who died is rarely the one complaining
    if c.subcategory == "pindah":
        moved_here = household.village_code != c.village_code
        return Moved(village_code=c.village_code if moved_here else None)
    return f"subcategory {c.subcategory} makes no usulan"


def proposal_from_complaint(
    complaint: DataUpdateComplaint, match: MatchResult, household: Household | None,
    household_version: int | None, actor: Actor, at: dt.datetime,
) -> UsulanOutcome:
    """The usulan a data-update complaint asks for, proposed by `actor` (who recorded it)."""
    if complaint.category is not Sector.DATA_UPDATE:
        raise ValueError(f"only {Sector.DATA_UPDATE} complaints make an usulan")
    if household is not None and household.household_id != match.household_id:
        raise ValueError("the household must be the matched one")
    details = _details(complaint, match, household)
    if isinstance(details, str):
        return UsulanOutcome(None, details)
    target = household if not isinstance(details, NewHousehold) else None
    proposal = propose(
        details, actor, at,
        village_code=household.village_code if household is not None
        else complaint.village_code,
        household=target, household_version=household_version if target else None,
        source_complaint_id=complaint.complaint_id,
        note=f"from complaint ({complaint.subcategory})")
    return UsulanOutcome(proposal, f"{proposal.kind} usulan made from the complaint")
