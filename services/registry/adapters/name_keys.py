"""Writing the name search keys of members (`tables.name_keys`) beside every member write.

Each member gets one row per blocking key of its name (`names.name_keys`); a search computes
the keys of the name asked for and reads only members sharing one. Keys are replaced whole on
every write of a member, so a corrected name or a household that moved re-keys its people.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ..domain.names import name_keys
from ..domain.records import MEMBER_RECORD
from .tables import name_keys as name_keys_table

KEY_LENGTH: Final[int] = 40  # the column width; a longer skeleton is cut (still a fine key)
_ID, _HOUSEHOLD = MEMBER_RECORD.index("member_id"), MEMBER_RECORD.index("household_id")
_NAME, _VILLAGE = MEMBER_RECORD.index("name"), MEMBER_RECORD.index("village_code")
_CHUNK: Final[int] = 2000


def member_keys(name: str) -> list[str]:
    """The search keys of one name, sorted, each at most `KEY_LENGTH` characters."""
    return sorted({key[:KEY_LENGTH] for key in name_keys(name) if key})


def key_rows(member_rows: Iterable[Sequence[Any]]) -> list[tuple[str, str, str, str]]:
    """(key, village code, member id, household id) for member records (`MEMBER_RECORD`)."""
    return [(key, m[_VILLAGE], m[_ID], m[_HOUSEHOLD])
            for m in member_rows for key in member_keys(m[_NAME])]


async def replace_keys(conn: AsyncConnection | AsyncSession,
                       member_rows: Sequence[Sequence[Any]]) -> None:
    """Replace the keys of the members written (SQLAlchemy Core, both backends)."""
    ids = [m[_ID] for m in member_rows]
    for start in range(0, len(ids), _CHUNK):
        await conn.execute(delete(name_keys_table).where(
            name_keys_table.c.member_id.in_(ids[start:start + _CHUNK])))
    await insert_keys(conn, member_rows)


async def insert_keys(conn: AsyncConnection | AsyncSession,
                      member_rows: Sequence[Sequence[Any]]) -> None:
    rows = key_rows(member_rows)
    if rows:
        await conn.execute(insert(name_keys_table), [
            {"key": k, "village_code": v, "member_id": mid, "household_id": hid}
            for k, v, mid, hid in rows])


async def delete_keys(conn: AsyncConnection | AsyncSession, member_ids: Sequence[str]) -> None:
    if member_ids:
        await conn.execute(delete(name_keys_table).where(
            name_keys_table.c.member_id.in_(list(member_ids))))


async def pg_replace_keys(driver: Any, member_rows: Sequence[Sequence[Any]], *,
                          members_are_new: bool = False) -> None:
    """The same through asyncpg for the PostgreSQL bulk import: one array delete, one COPY.
    `members_are_new`: none of these members is stored, so neither are keys of theirs (keys
    are written and removed with their member); the delete, an index probe per member into
    the largest table of the registry, is skipped."""
    if not members_are_new:
        await driver.execute("DELETE FROM name_keys WHERE member_id = ANY($1::varchar[])",
                             [m[_ID] for m in member_rows])
    rows = key_rows(member_rows)
    if rows:
        await driver.copy_records_to_table(
            "name_keys", records=rows,
            columns=("key", "village_code", "member_id", "household_id"))
