"""Region scopes as SQL: a Kemendagri code prefix as an index range on a code column."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement


def in_region(column: Any, region: str) -> list[ColumnElement[bool]]:
    """Conditions for codes starting with `region` ("" = everywhere).

    A range rather than LIKE: both backends use the index for it (':' follows '9').
    """
    if not region:
        return []
    return [column >= region, column < region + ":"]
