"""Complaint numbers handed out from blocks reserved ahead (hi-lo), on PostgreSQL.

Taking each number inside the submission's transaction locks the regency's counter row until
that commit: under load, every submission of a regency queued behind the one holding it, and
with one busy event loop the holder itself waited for the loop. Here a process reserves
`block` numbers at a time in its own short autocommit statement, on its own one-connection
engine (a second connection from the main pool could deadlock a full pool), and hands them out
from memory.

What it costs: numbers are unique but neither gapless (a restart forgets the rest of a block)
nor in time order across processes (each intake process has its own block).
"""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from slrt.db import make_engine

from .repository import RESERVE_SEQUENCES


class NumberBlocks:
    def __init__(self, database_url: str, block: int = 20) -> None:
        self._engine: AsyncEngine = make_engine(database_url, pool_size=1, max_overflow=0)
        self._block = block
        self._free: dict[tuple[str, int], range] = {}
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}

    async def take(self, regency_code: str, year: int, count: int) -> range:
        """`count` consecutive numbers of the regency's counter for the year."""
        key = (regency_code, year)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            free = self._free.get(key, range(0))
            if len(free) < count:
                # A new block (what is left of the old one is skipped: numbers must be
                # consecutive within one submission's batch).
                free = await self._reserve(regency_code, year, max(count, self._block))
            self._free[key] = free[count:]
            return free[:count]

    async def _reserve(self, regency_code: str, year: int, count: int) -> range:
        params = {"regency_code": regency_code, "year": year, "count": count}
        async with self._engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            last = int((await autocommit.execute(RESERVE_SEQUENCES, params)).scalar_one())
        return range(last - count + 1, last + 1)

    async def close(self) -> None:
        await self._engine.dispose()
