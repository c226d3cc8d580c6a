"""Complaint numbers from reserved blocks (PostgreSQL): unique across processes, consecutive
within one submission, and a block boundary never splits a batch."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.intake.adapters.numbering import NumberBlocks
from services.intake.bootstrap import DEFINITION
from slrt.migrations import upgrade

pytestmark = pytest.mark.integration


async def test_two_processes_never_share_a_number(pg_databases: Any) -> None:
    url = await pg_databases("numbers")
    await asyncio.to_thread(upgrade, DEFINITION.migrations, url)
    first, second = NumberBlocks(url, block=5), NumberBlocks(url, block=5)
    try:
        taken = await asyncio.gather(*(blocks.take("3402", 2026, n)
                                       for n in (1, 2, 3, 4) for blocks in (first, second)))
        numbers = [n for r in taken for n in r]
        assert len(numbers) == len(set(numbers)) == 20
        assert all(r.step == 1 and len(r) == n for r, n in
                   zip(taken, [1, 1, 2, 2, 3, 3, 4, 4], strict=True))
        other_year = await first.take("3402", 2027, 1)
        assert list(other_year) == [1]  # its own counter
    finally:
        await first.close()
        await second.close()
