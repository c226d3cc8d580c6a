"""Errors of the case and referral machines; the API answers each with 409 Conflict.

Every refused change leaves the aggregate exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    """A change the case or referral rules do not allow."""


class TransitionNotAllowed(DomainError):
    """`requested` is not possible from `current`; `allowed` lists what is (maybe nothing)."""

    def __init__(
        self, subject: str, current: str, requested: str, allowed: Sequence[str],
        reason: str = "", message: str = "",
    ) -> None:
        self.subject = subject
        self.current = current
        self.requested = requested
        self.allowed = list(allowed)
        self.reason = reason
        options = self.options(allowed, subject)
        why = f" ({reason})" if reason else ""
        super().__init__(
            message or f"cannot {requested} a {current} {subject}{why}; allowed: {options}"
        )

    @staticmethod
    def options(allowed: Sequence[str], subject: str) -> str:
        return ", ".join(str(a) for a in allowed) or f"none, the {subject} is closed"


class NoteRequired(DomainError):
    """Some changes must say why (a rejection reason, the information asked for, ...)."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"a note is required to {what}")


class VersionConflict(DomainError):
    """Optimistic concurrency: the caller saw `expected`, the aggregate is at `actual`."""

    def __init__(self, subject: str, expected: int, actual: int) -> None:
        self.subject = subject
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{subject} is at version {actual}, the change expected version {expected}"
        )


class ChangeIdReused(DomainError):
    """A change id already applied to a different change: ids are not to be recycled."""
