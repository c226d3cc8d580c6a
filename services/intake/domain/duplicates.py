"""Possible duplicates: a new complaint by the same person (NIK) or household (KK) in the same
category while an earlier one is still open is flagged and linked, never rejected — the second
visit may carry news the first did not."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from contracts.vocabulary import Sector

from .status import OPEN, ComplaintStatus


@dataclass(frozen=True, slots=True)
class EarlierComplaint:
    complaint_id: uuid.UUID
    category: Sector
    status: ComplaintStatus
    nik: str | None
    kk_number: str | None


def possible_duplicates(category: Sector, nik: str | None, kk_number: str | None,
                        earlier: Iterable[EarlierComplaint]) -> list[uuid.UUID]:
    """Ids of open earlier complaints in `category` by the same NIK or the same KK."""
    found = []
    for c in earlier:
        if c.category != category or c.status not in OPEN:
            continue
        same_person = nik is not None and c.nik == nik
        same_household = kk_number is not None and c.kk_number == kk_number
        if same_person or same_household:
            found.append(c.complaint_id)
    return found
