"""Search and profile of registry households, scoped to the caller's region and audited.

The caller's region (a Kemendagri code prefix from the token) bounds every query: a region
asked for outside it is refused, one left out defaults to it. Nothing here logs what was
searched for; the audit row says who searched, how (by nik, name...) and how many were found.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Final

from slrt.db import UnitOfWork

from ..adapters import search as queries
from ..adapters.audit import audit
from ..adapters.repository import HouseholdRepository
from ..domain.household_needs import household_gaps, household_rules
from ..domain.model import Household
from ..domain.rules import RuleSet

#: Name and address searches need at least a district (kabupaten/kota, 4 digits).
MIN_REGION_DIGITS: Final[int] = 4
NAME_THRESHOLD: Final[float] = 0.75  # looser than matching: a person picks from a list
MAX_RADIUS_KM: Final[float] = 25.0


class SearchError(ValueError):
    """The query cannot be answered as asked (400)."""


class OutOfScope(PermissionError):
    """The region asked for lies outside the caller's (403)."""


@dataclass(frozen=True, slots=True)
class Caller:
    subject: str
    role: str
    region: str  # "" = national


@dataclass(frozen=True, slots=True)
class SearchQuery:
    nik: str | None = None
    kk: str | None = None
    name: str | None = None
    address: str | None = None
    region: str | None = None  # village (10 digits) or district etc. (code prefix)
    near: tuple[float, float] | None = None
    radius_km: float = 2.0
    limit: int = 20

    @property
    def method(self) -> str:
        given = [m for m in ("nik", "kk", "name", "address") if getattr(self, m)]
        given += ["near"] if self.near is not None else []
        if len(given) != 1:
            raise SearchError("give exactly one of nik, kk, name, address or near")
        return given[0]


def scoped_region(caller: Caller, asked: str | None) -> str:
    """The region to search: the one asked for, within the caller's; refused outside it."""
    asked = (asked or "").replace(".", "").strip()
    if asked and not asked.isdigit():
        raise SearchError("region must be a Kemendagri code (digits)")
    if not asked or asked.startswith(caller.region):
        return asked or caller.region
    if caller.region.startswith(asked):
        return caller.region  # asked wider than allowed: the caller's part of it
    raise OutOfScope("the region asked for is outside your region")


def summary(h: Household, **extra: Any) -> dict[str, Any]:
    head = h.head
    return {"household_id": str(h.household_id), "village_code": h.village_code,
            "address": h.address, "kk_number": h.kk_number, "welfare_decile": h.welfare_decile,
            "head_name": head.name if head else None, "members": len(h.members),
            "registry_status": h.registry_status, "version": h.version, **extra}


async def search_households(uow: UnitOfWork, caller: Caller, q: SearchQuery,
                            now: dt.datetime) -> list[dict[str, Any]]:
    """Households found by one criterion, ranked (name: similarity; near: distance)."""
    method = q.method
    region = scoped_region(caller, q.region)
    session = uow.session
    extra: dict[str, dict[str, Any]] = {}
    repo = HouseholdRepository(session)
    if method in ("nik", "kk"):
        # Found and loaded in one statement, in household id order.
        found = (queries.nik_households(_digits16(q.nik, "nik"), region) if method == "nik"
                 else queries.kk_households(_digits16(q.kk, "kk"), region))
        loaded = await repo.load_matching(found, q.limit)
        ids = [str(h.household_id) for h in loaded]
    elif method in ("name", "address") and len(region) < MIN_REGION_DIGITS:
        raise SearchError(f"a {method} search needs a region of a district or smaller")
    elif method == "name":
        hits = await queries.by_name(session, q.name or "", region,
                                     threshold=NAME_THRESHOLD, limit=q.limit)
        ids = []
        for hit in hits:
            if hit.household_id not in extra:
                ids.append(hit.household_id)
                extra[hit.household_id] = {"member_id": hit.member_id,
                                           "score": round(hit.score, 3)}
    elif method == "address":
        ids = await queries.by_address(session, q.address or "", region, q.limit)
    else:
        assert q.near is not None
        if not 0 < q.radius_km <= MAX_RADIUS_KM:
            raise SearchError(f"radius_km must be above 0 and at most {MAX_RADIUS_KM:g}")
        nearest = await repo.nearest(
            q.near[0], q.near[1], limit=q.limit, radius_km=q.radius_km, region=region)
        ids = [hid for hid, _ in nearest]
        extra = {hid: {"distance_km": km} for hid, km in nearest}
    if method not in ("nik", "kk"):
        loaded = await repo.load_many(ids[:q.limit])
    by_id = {str(h.household_id): h for h in loaded}
    results = [summary(by_id[i], **extra.get(i, {})) for i in ids[:q.limit] if i in by_id]
    await audit(session, now, caller.subject, caller.role, f"search:{method}",
                results=len(results))
    await uow.commit()
    return results


async def household_profile(uow: UnitOfWork, caller: Caller, household_id: uuid.UUID,
                            rules: RuleSet, now: dt.datetime,
                            today: dt.date) -> dict[str, Any] | None:
    """The whole household (members, programs, needs now) or None (absent or out of scope)."""
    loaded = await HouseholdRepository(uow.session).load_many([str(household_id)])
    if not loaded or not loaded[0].village_code.startswith(caller.region):
        return None
    h = loaded[0]
    gaps = household_gaps(household_rules(rules), h, today, programs_only=False)
    profile = {
        **summary(h), "latitude": h.latitude, "longitude": h.longitude,
        "housing": {f: getattr(h.housing, f) for f in h.housing.__slots__},
        "source": h.source,
        "members": [_member(m) for m in h.members],
        "programs": [{"program": p.program, "status": p.status, "since": p.since,
                      "until": p.until} for p in h.programs],
        "needs": [{**g.need.model_dump(mode="json"), "facts": g.facts} for g in gaps],
        "rules_version": rules.version,
    }
    await audit(uow.session, now, caller.subject, caller.role, "read", str(household_id), 1)
    await uow.commit()
    return profile


def _member(m: Any) -> dict[str, Any]:
    return {f: (str(v) if isinstance(v, uuid.UUID) else v)
            for f in m.__slots__ if (v := getattr(m, f)) is not None or f == "nik"}


def _digits16(value: str | None, what: str) -> str:
    value = (value or "").replace(" ", "").replace(".", "").replace("-", "")
    if len(value) != 16 or not value.isdigit():
        raise SearchError(f"{what} must be 16 digits")
    return value
