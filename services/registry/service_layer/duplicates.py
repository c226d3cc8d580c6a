"""Duplicate report of a region: shared NIKs and the same person twice, with merge proposals.

The region's households are read in batches and compared in memory (the domain blocks pairs
by village, birth date and name key, so the work grows with the region, not its square).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.duplicates import find_duplicates, propose_merges
from ..domain.model import Household
from .needs_batch import stream_households


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


async def duplicate_report(session: AsyncSession, region: str, page: int,
                           page_size: int) -> dict[str, Any]:
    homes: list[Household] = []
    async for chunk in stream_households(session, region):
        homes.extend(chunk)
    report = find_duplicates(homes)
    merges = propose_merges(report, homes)
    start = (page - 1) * page_size
    return {
        "region": region, "households": report.households, "members": report.members,
        "findings_total": len(report.findings), "merges_total": len(merges),
        "page": page, "page_size": page_size,
        "findings": [_plain(f) for f in report.findings[start:start + page_size]],
        "merges": [_plain(m) for m in merges[start:start + page_size]],
    }
