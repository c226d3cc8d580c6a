"""Errors of the referral use cases (besides the domain's), each answered with one HTTP status."""

from __future__ import annotations

from ..adapters.repository import ConcurrentUpdate

__all__ = ["BadRequest", "ConcurrentUpdate", "Forbidden", "NotFound"]


class NotFound(Exception):
    """Absent, or outside the caller's scope (the two are not told apart: 404)."""


class BadRequest(Exception):
    """The request names something that cannot be used (an unknown agency, a need the case does
    not have, ...): 422 with the message."""


class Forbidden(Exception):
    """The caller sees the thing but its role may not do this to it: 403."""
