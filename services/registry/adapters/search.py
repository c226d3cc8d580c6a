"""Search queries of the registry: each answers from one index, never a table scan.

NIK: `ix_members_nik`. KK: `ix_households_kk_number` and `ix_members_kk_number`. Name: the
primary key of `name_keys` (key, village code) as a prefilter, then similarity in Python over
the few members found. Address: `ix_households_village_code` as a range for the region, the
text matched on those rows only. Location: `HouseholdRepository.nearest`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.names import canonical_tokens, token_similarity
from .name_keys import member_keys
from .regions import in_region
from .tables import households, members, name_keys

#: Members read for one name search at most; ranked by similarity afterwards. A very common
#: name token in a district can exceed it: the caller narrows to a village then.
NAME_PREFILTER_LIMIT: Final[int] = 5000


@dataclass(frozen=True, slots=True)
class NameHit:
    household_id: str
    member_id: str
    score: float


def nik_households(nik: str, region: str) -> Select[tuple[str]]:
    """Ids of the households with a member of this NIK, as a query to load from."""
    return select(members.c.household_id).where(
        members.c.nik == nik, *in_region(members.c.village_code, region))


def kk_households(kk_number: str, region: str) -> Select[tuple[str]]:
    """Ids of the households of this family card: the head's card or a member's."""
    heads = select(households.c.household_id).where(
        households.c.kk_number == kk_number, *in_region(households.c.village_code, region))
    others = select(members.c.household_id).where(
        members.c.kk_number == kk_number, *in_region(members.c.village_code, region))
    return select(heads.union(others).subquery().c.household_id)


async def by_name(session: AsyncSession, name: str, region: str, *, threshold: float,
                  limit: int) -> list[NameHit]:
    """Members whose name is at least `threshold` similar, best first (typos tolerated)."""
    keys = member_keys(name)
    wanted = canonical_tokens(name)
    if not keys or not wanted:
        return []
    # Key first, then the village range: one index range per key for a village or district.
    matched = (select(name_keys.c.member_id).distinct()
               .where(name_keys.c.key.in_(keys), *in_region(name_keys.c.village_code, region))
               .limit(NAME_PREFILTER_LIMIT).subquery())
    rows = (await session.execute(
        select(members.c.member_id, members.c.household_id, members.c.name)
        .join(matched, matched.c.member_id == members.c.member_id))).all()
    hits = [NameHit(hid, mid, score) for mid, hid, member_name in rows
            if (score := token_similarity(wanted, canonical_tokens(member_name))) >= threshold]
    hits.sort(key=lambda h: (-h.score, h.household_id, h.member_id))
    return hits[:limit]


async def by_address(session: AsyncSession, text: str, region: str, limit: int) -> list[str]:
    """Households under `region` whose address contains every word of `text` (any case).

    The region range picks the rows by index; the words are matched on those rows only, so
    the caller requires a region (a village or district, not the country).
    """
    words = [w for w in text.lower().split() if w]
    if not words:
        return []
    address = func.lower(households.c.address)
    rows = await session.execute(
        select(households.c.household_id)
        .where(*in_region(households.c.village_code, region),
               *[address.contains(w, autoescape=True) for w in words])
        .order_by(households.c.household_id).limit(limit))
    return list(rows.scalars())
