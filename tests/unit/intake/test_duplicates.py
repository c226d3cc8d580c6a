"""Possible-duplicate links: same person or household, same category, still open; capped."""

from __future__ import annotations

import uuid

from contracts import Sector
from services.intake.domain.duplicates import (
    MAX_LINKS,
    DuplicateIndex,
    EarlierComplaint,
    possible_duplicates,
)
from services.intake.domain.status import ComplaintStatus

NIK, KK = "3402051508809001", "3402050101200001"


def earlier(status: ComplaintStatus = ComplaintStatus.REFERRED, category: Sector = Sector.HEALTH,
            nik: str | None = NIK, kk: str | None = None) -> EarlierComplaint:
    return EarlierComplaint(uuid.uuid4(), category, status, nik, kk)


def test_same_person_same_category_open_is_linked() -> None:
    open_one = earlier()
    assert possible_duplicates(Sector.HEALTH, NIK, None, [open_one]) == [open_one.complaint_id]


def test_other_category_or_ended_complaints_are_not_linked() -> None:
    others = [earlier(category=Sector.EDUCATION), earlier(status=ComplaintStatus.CLOSED),
              earlier(status=ComplaintStatus.WITHDRAWN), earlier(status=ComplaintStatus.RESOLVED)]
    assert possible_duplicates(Sector.HEALTH, NIK, None, others) == []


def test_same_household_by_kk_is_linked_once_even_if_nik_matches_too() -> None:
    both = earlier(kk=KK)
    by_kk = earlier(nik="3402050101900002", kk=KK)
    assert possible_duplicates(Sector.HEALTH, NIK, KK, [both, by_kk]) == [
        by_kk.complaint_id, both.complaint_id]


def test_links_are_capped_to_the_newest() -> None:
    many = [earlier() for _ in range(3 * MAX_LINKS)]
    links = possible_duplicates(Sector.HEALTH, NIK, None, many)
    assert links == [c.complaint_id for c in reversed(many)][:MAX_LINKS]


def test_index_learns_complaints_added_in_the_same_batch() -> None:
    index = DuplicateIndex()
    first = earlier(status=ComplaintStatus.REGISTERED)
    assert index.links(Sector.HEALTH, NIK, None) == []
    index.add(first)
    assert index.links(Sector.HEALTH, NIK, None) == [first.complaint_id]
    assert index.links(Sector.HEALTH, None, None) == []
