"""The DTKS-like export as a file of either kind: CSV or Parquet, told apart by content when
read (Parquet files begin with "PAR1") and by the name's suffix when written."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from .dtks_csv import CsvSource, write_households
from .dtks_parquet import ParquetSource, is_parquet, write_parquet

RowSource = CsvSource | ParquetSource
PARQUET_SUFFIXES = frozenset({".parquet", ".pq"})


def open_source(path: Path) -> RowSource:
    """The rows of `path`; a wrong layout raises `FormatError` before any row is read."""
    return ParquetSource(path) if is_parquet(path) else CsvSource(path)


def write_export(path: Path,
                 households: Iterable[tuple[Sequence[str], Sequence[Sequence[str]]]]) -> int:
    """Write households as Parquet (suffix .parquet or .pq) or CSV; returns the person rows."""
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return write_parquet(path, households)
    return write_households(path, households)
