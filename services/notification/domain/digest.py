"""Daily digest: an agency with many overdue referrals gets one message listing them instead
of one message per referral (policy `digest.more_than_overdue`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TypeVar

T = TypeVar("T")


def split_for_digest(items: Iterable[tuple[str, bool, T]], overdue_open: Mapping[str, int],
                     more_than: int) -> tuple[list[T], dict[str, list[T]]]:
    """Split due items `(agency_id, is_overdue_reminder, item)` into single messages and, per
    agency with more than `more_than` open overdue deadlines, the overdue items of its digest.

    Escalations and reminders before the due date always go singly: a digest is for the pile
    of overdue work, not for what a manager or the agency must see on its own.
    """
    singles: list[T] = []
    digests: dict[str, list[T]] = defaultdict(list)
    for agency_id, overdue, item in items:
        if overdue and overdue_open.get(agency_id, 0) > more_than:
            digests[agency_id].append(item)
        else:
            singles.append(item)
    return singles, dict(digests)
