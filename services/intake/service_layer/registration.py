"""Registering complaints — one from the desk or up to 500 from a tablet's offline queue — in
one code path: validate everything first (no I/O), then write all accepted complaints (with
their idempotency keys), audit and outbox rows in one transaction. An item is either fully
recorded or not at all; a retried item (same key, same body) returns the original."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from contracts import (
    Complainant,
    ComplaintClosedAtDeskV1,
    ComplaintRegisteredV1,
    Consent,
    Contract,
)
from slrt.auth import Principal
from slrt.db import UnitOfWork

from ..adapters.repository import ComplaintRepository
from ..domain.complaint import ComplaintDraft, FieldIssue, NormalisedComplaint, validate_draft
from ..domain.duplicates import MAX_LINKS, DuplicateIndex, EarlierComplaint
from ..domain.numbering import complaint_number
from ..domain.status import ComplaintStatus


@dataclass(frozen=True)
class Submission:
    draft: ComplaintDraft
    #: Idempotency-Key header or the device's client_ref (never empty); None: no retry
    #: protection.
    key: str | None
    #: Hash of the submitted body, to tell a retry from a different request with the same key.
    request_hash: str
    #: Who submits it (desk submissions of several operators may share one transaction).
    principal: Principal
    #: The submitting request's trace, which the complaint's event continues.
    traceparent: str | None = None


class Outcome(StrEnum):
    CREATED = "created"
    REPLAYED = "duplicate"  # the same submission seen before: the original is returned
    REJECTED = "rejected"
    CONFLICT = "conflict"  # the key was used before for a different body


@dataclass
class ItemResult:
    outcome: Outcome
    complaint_id: uuid.UUID | None = None
    number: str | None = None
    status: ComplaintStatus | None = None
    errors: list[FieldIssue] = field(default_factory=list)
    warnings: list[FieldIssue] = field(default_factory=list)
    possible_duplicate_of: list[uuid.UUID] = field(default_factory=list)


@dataclass
class _Accepted:
    index: int
    complaint: NormalisedComplaint
    submission: Submission
    complaint_id: uuid.UUID = field(default_factory=uuid.uuid4)


def _scope_issue(principal: Principal, complaint: NormalisedComplaint) -> FieldIssue | None:
    if principal.can_see_region(complaint.village_code):
        return None
    return FieldIssue("village_code", "scope.region",
                      f"Desa {complaint.village_code} di luar wilayah tugas Anda "
                      f"({principal.region or 'nasional'}).")


#: take(regency_code, year, count) -> `count` consecutive complaint sequence numbers.
TakeNumbers = Callable[[str, int, int], Awaitable[range]]


async def register(uow: UnitOfWork, submissions: list[Submission], now: dt.datetime, *,
                   look_up_keys: bool = True,
                   numbers: TakeNumbers | None = None) -> list[ItemResult]:
    """Register the submissions; without `look_up_keys`, idempotency keys are assumed new and
    a known one fails the commit with an IntegrityError (the caller then tries again).
    `numbers`: where complaint numbers come from (default: the counter, in this transaction)."""
    results: list[ItemResult | None] = [None] * len(submissions)
    accepted: list[_Accepted] = []
    for i, sub in enumerate(submissions):
        checked = validate_draft(sub.draft, now)
        if checked.normalised is None:
            results[i] = ItemResult(Outcome.REJECTED, errors=checked.errors,
                                    warnings=checked.warnings)
            continue
        if (issue := _scope_issue(sub.principal, checked.normalised)) is not None:
            results[i] = ItemResult(Outcome.REJECTED, errors=[issue])
            continue
        accepted.append(_Accepted(i, checked.normalised, sub))
        results[i] = ItemResult(Outcome.CREATED, warnings=checked.warnings)

    repo = ComplaintRepository(uow.session)
    accepted = await _drop_replays(repo, accepted, results, look_up_keys)
    if accepted:
        await _record(uow, repo, accepted, results, now, numbers or repo.reserve_sequences)
        await uow.commit()
    return [r for r in results if r is not None]


async def _drop_replays(repo: ComplaintRepository, accepted: list[_Accepted],
                        results: list[ItemResult | None],
                        look_up_keys: bool) -> list[_Accepted]:
    """Items whose key is known (from before, or earlier in this batch) are not created again."""
    known = (await repo.keys([a.submission.key for a in accepted if a.submission.key])
             if look_up_keys else {})
    fresh: list[_Accepted] = []
    in_batch: dict[str, _Accepted] = {}
    for item in accepted:
        key, result = item.submission.key, results[item.index]
        assert result is not None
        if key is None:
            fresh.append(item)
        elif key in known:
            original = known[key]
            if original["request_hash"] != item.submission.request_hash:
                results[item.index] = _conflict(key)
            else:
                result.outcome = Outcome.REPLAYED
                result.complaint_id = uuid.UUID(original["complaint_id"])
                result.number = original["number"]
                result.status = ComplaintStatus(original["status"])
        elif key in in_batch:
            first = in_batch[key]
            if first.submission.request_hash != item.submission.request_hash:
                results[item.index] = _conflict(key)
            else:
                result.outcome = Outcome.REPLAYED
                result.complaint_id = first.complaint_id  # number filled in by _record
        else:
            in_batch[key] = item
            fresh.append(item)
    return fresh


def _conflict(key: str) -> ItemResult:
    return ItemResult(Outcome.CONFLICT, errors=[FieldIssue(
        "client_ref", "idempotency.conflict",
        f"Kunci {key!r} sudah dipakai untuk pengaduan lain dengan isi berbeda.")])


async def _record(uow: UnitOfWork, repo: ComplaintRepository, accepted: list[_Accepted],
                  results: list[ItemResult | None], now: dt.datetime,
                  take_numbers: TakeNumbers) -> None:
    categories = {a.complaint.category for a in accepted}
    index = DuplicateIndex(await repo.earlier_complaints(
        {a.complaint.complainant.nik for a in accepted if a.complaint.complainant.nik},
        {a.complaint.complainant.kk_number for a in accepted if a.complaint.complainant.kk_number},
        per_person=MAX_LINKS, category=next(iter(categories)) if len(categories) == 1 else None))
    by_regency: dict[str, list[_Accepted]] = defaultdict(list)
    for item in accepted:
        by_regency[item.complaint.village_code[:4]].append(item)
    numbers: dict[uuid.UUID, str] = {}
    for regency, items in sorted(by_regency.items()):
        sequences = await take_numbers(regency, now.year, len(items))
        for item, sequence in zip(items, sequences, strict=True):
            numbers[item.complaint_id] = complaint_number(regency, now.year, sequence)

    rows, audits = [], []
    for item in accepted:
        c, cid, principal = item.complaint, item.complaint_id, item.submission.principal
        cid_text = str(cid)
        result = results[item.index]
        assert result is not None
        links = index.links(c.category, c.complainant.nik, c.complainant.kk_number)
        # Later items of the same batch may duplicate this one.
        index.add(EarlierComplaint(cid, c.category, ComplaintStatus.REGISTERED,
                                   c.complainant.nik, c.complainant.kk_number))
        status = (ComplaintStatus.CLOSED if c.desk_resolution else ComplaintStatus.REGISTERED)
        result.complaint_id, result.number, result.status = cid, numbers[cid], status
        result.possible_duplicate_of = links
        links_text = [str(x) for x in links]
        rows.append(_row(c, cid_text, numbers[cid], status, links_text, item.submission, now))
        audits.append({"at": now, "subject": principal.subject, "role": str(principal.role),
                       "action": "create", "complaint_id": cid_text})
        uow.publish(_event(c, cid, numbers[cid], links, principal, now),
                    traceparent=item.submission.traceparent)
    for result in results:  # in-batch replays learn the number of the item they repeat
        if result is not None and result.outcome == Outcome.REPLAYED and result.number is None:
            result.number = numbers.get(result.complaint_id)  # type: ignore[arg-type]
            result.status = ComplaintStatus.REGISTERED
    repo.add_many(uow, rows)
    repo.audits(uow, audits)


def _row(c: NormalisedComplaint, cid: str, number: str, status: ComplaintStatus,
         links: list[str], submission: Submission, now: dt.datetime) -> dict[str, Any]:
    p = c.complainant
    return {
        "id": cid, "number": number, "channel": c.channel, "village_code": c.village_code,
        "category": c.category, "subcategory": c.subcategory, "urgency": c.urgency,
        "description": c.description, "complainant_nik": p.nik,
        "complainant_has_no_nik": p.has_no_nik, "complainant_kk": p.kk_number,
        "complainant_name": p.name, "complainant_phone": p.phone, "complainant_address": p.address,
        "complainant_relation": p.relation, "kind": c.kind, "consent_recorded_at": now,
        "captured_at": c.offline.captured_at if c.offline else None,
        "device_id": c.offline.device_id if c.offline else None,
        "desk_resolution": c.desk_resolution, "possible_duplicate_of": links,
        "recorded_by": submission.principal.subject, "status": status, "registered_at": now,
        "updated_at": now, "idempotency_key": submission.key,
        "request_hash": submission.request_hash if submission.key else None,
    }


def _event(c: NormalisedComplaint, cid: uuid.UUID, number: str, links: list[uuid.UUID],
           principal: Principal, now: dt.datetime) -> Contract:
    if c.desk_resolution:  # answered at the desk: for the record, never to referral
        return ComplaintClosedAtDeskV1(
            complaint_id=cid, complaint_number=number, closed_at=now, closed_by=principal.subject,
            kind=c.kind, village_code=c.village_code, category=c.category,
            subcategory=c.subcategory, resolution_note=c.desk_resolution)
    p = c.complainant
    return ComplaintRegisteredV1(
        complaint_id=cid, complaint_number=number, registered_at=now, channel=c.channel,
        village_code=c.village_code, category=c.category, subcategory=c.subcategory,
        urgency=c.urgency, description=c.description,
        complainant=Complainant(nik=p.nik, has_no_nik=p.has_no_nik, kk_number=p.kk_number,
                                name=p.name, phone=p.phone, address=p.address,
                                relation=p.relation),
        recorded_by=principal.subject, kind=c.kind,
        consent=Consent(given=True, recorded_at=now, recorded_by=principal.subject),
        captured_at=c.offline.captured_at if c.offline else None,
        device_id=c.offline.device_id if c.offline else None, possible_duplicate_of=links)
