"""Needs of many households at once: stream a region from the database in batches and list
every household eligible for a program it does not receive (exclusion errors).

Batches are read by keyset on the household id (never OFFSET), each in its own short read,
so a whole province streams in constant memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ..adapters.repository import HouseholdRepository
from ..domain.household_needs import Gap, household_gaps, household_rules
from ..domain.model import Household
from ..domain.rules import RuleSet

DEFAULT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class HouseholdGaps:
    household: Household
    gaps: list[Gap]


async def stream_households(session: AsyncSession, region: str,
                            batch: int = DEFAULT_BATCH) -> AsyncIterator[list[Household]]:
    """Households under `region` ("" = all), `batch` at a time, in household id order."""
    repo = HouseholdRepository(session)
    last = ""
    while chunk := await repo.load_page(last, region, batch):
        yield chunk
        last = str(chunk[-1].household_id)


async def find_gaps(session: AsyncSession, rules: RuleSet, region: str, today: dt.date,
                    batch: int = DEFAULT_BATCH) -> AsyncIterator[HouseholdGaps]:
    """Every household under `region` with at least one program need, in id order."""
    applicable = household_rules(rules)
    async for chunk in stream_households(session, region, batch):
        for household in chunk:
            if gaps := household_gaps(applicable, household, today):
                yield HouseholdGaps(household, gaps)


async def count_assessed(session: AsyncSession, rules: RuleSet, region: str, today: dt.date,
                         batch: int = DEFAULT_BATCH) -> tuple[int, int]:
    """(households assessed, households with a gap): the batch throughput measure."""
    applicable = household_rules(rules)
    assessed = with_gaps = 0
    async for chunk in stream_households(session, region, batch):
        for household in chunk:
            assessed += 1
            with_gaps += bool(household_gaps(applicable, household, today))
    return assessed, with_gaps
