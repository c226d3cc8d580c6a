"""Possible duplicates: a new complaint by the same person (NIK) or household (KK) in the same
category while an earlier one is still open is flagged and linked, never rejected — the second
visit may carry news the first did not.

Links are capped: a person with dozens of open complaints (or a tablet syncing many about one
family) must not make every new one carry, store and publish all of them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from contracts.vocabulary import Sector

from .status import OPEN, ComplaintStatus

#: Most links kept per complaint: the newest earlier complaints are the ones that matter.
MAX_LINKS = 5


@dataclass(frozen=True, slots=True)
class EarlierComplaint:
    complaint_id: uuid.UUID
    category: Sector
    status: ComplaintStatus
    nik: str | None
    kk_number: str | None


class DuplicateIndex:
    """Open earlier complaints by (category, NIK) and (category, KK), newest last."""

    def __init__(self, earlier: Iterable[EarlierComplaint] = ()) -> None:
        self._by_key: dict[tuple[str, str, str], list[uuid.UUID]] = defaultdict(list)
        for c in earlier:
            self.add(c)

    def add(self, c: EarlierComplaint) -> None:
        if c.status not in OPEN:
            return
        if c.nik:
            self._by_key[("nik", c.category, c.nik)].append(c.complaint_id)
        if c.kk_number:
            self._by_key[("kk", c.category, c.kk_number)].append(c.complaint_id)

    def links(self, category: Sector, nik: str | None, kk_number: str | None) -> list[uuid.UUID]:
        """The newest (at most MAX_LINKS) open complaints of the same person or household."""
        found: list[uuid.UUID] = []
        for kind, value in (("nik", nik), ("kk", kk_number)):
            if value:
                found += self._by_key.get((kind, category, value), [])[-MAX_LINKS:]
        newest_first = list(dict.fromkeys(reversed(found)))
        return newest_first[:MAX_LINKS]


def possible_duplicates(category: Sector, nik: str | None, kk_number: str | None,
                        earlier: Iterable[EarlierComplaint]) -> list[uuid.UUID]:
    """Ids of open earlier complaints in `category` by the same NIK or the same KK."""
    return DuplicateIndex(earlier).links(category, nik, kk_number)
