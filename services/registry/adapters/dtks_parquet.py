"""Reading and writing the DTKS-like export as Parquet (the layout of `domain.records`).

Columns are found by name (case and surrounding spaces ignored), so extra columns and another
order read the same; a missing column is an error before any row is read. Columns may be text,
as in the CSV, or typed as a database export writes them: booleans, integers, decimals, dates
and timestamps become the text the CSV would hold ("1"/"0", "3", "-7.94", "2019-03-01"), and
a null is an empty value. Validation then treats both files alike.

Rows are numbered as in the CSV export of the same data (the first person is row 2), so the
rejection report and a resumed import speak of the same row numbers whichever file came in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..domain.records import COLUMNS
from .dtks_csv import FormatError, check_columns

MAGIC: Final[bytes] = b"PAR1"
FIRST_ROW: Final[int] = 2  # as in the CSV, whose row 1 is the header
_BATCH_ROWS: Final[int] = 65_536
_ROW_GROUP_ROWS: Final[int] = 262_144

#: How `write_parquet` types the columns (the rest is text), as a database export would.
TYPED_COLUMNS: Final[dict[str, pa.DataType]] = {
    "latitude": pa.float64(), "longitude": pa.float64(), "welfare_decile": pa.int8(),
    "birth_date": pa.date32(), "no_nik": pa.bool_(), "disability": pa.bool_(),
    "chronic_illness": pa.bool_(), "pregnant": pa.bool_(), "school_enrolled": pa.bool_(),
    "deceased": pa.bool_(),
}


def is_parquet(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def _as_text(column: pa.ChunkedArray | pa.Array, name: str) -> list[str]:
    """A column as the CSV's text values, nulls as ""."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.cast(kind.value_type), kind.value_type
    if pa.types.is_boolean(kind):
        text = pc.if_else(column, "1", "0")
    elif pa.types.is_timestamp(kind) or pa.types.is_date64(kind):
        text = column.cast(pa.date32()).cast(pa.string())
    elif (pa.types.is_string(kind) or pa.types.is_large_string(kind)
          or pa.types.is_integer(kind) or pa.types.is_floating(kind)
          or pa.types.is_decimal(kind) or pa.types.is_date32(kind)):
        text = column.cast(pa.string())
    else:
        raise FormatError(f"column {name} has type {kind}; expected text, a number, "
                          "a flag or a date")
    return pc.fill_null(text, "").to_pylist()


class ParquetSource:
    """Rows of a registry Parquet file in `records.COLUMNS` order, with CSV row numbers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        try:
            self._file = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            raise FormatError(f"not a readable Parquet file: {exc}") from None
        names = [n.strip().lower() for n in self._file.schema_arrow.names]
        check_columns(names)
        self._columns = [self._file.schema_arrow.names[names.index(c)] for c in COLUMNS]
        self._total = self._file.metadata.num_rows
        self._done = 0

    @property
    def bytes_read(self) -> int:
        """An estimate for the progress bar: the share of rows read, of the file size."""
        return self.size * self._done // self._total if self._total else self.size

    def rows(self, start: int = FIRST_ROW) -> Iterator[tuple[int, list[str]]]:
        """(row number, values) from row `start` on; earlier batches are skipped unread."""
        number = FIRST_ROW
        batches = self._file.iter_batches(batch_size=_BATCH_ROWS, columns=self._columns,
                                          use_threads=False)
        try:
            for batch in batches:
                count = batch.num_rows
                if number + count <= start:
                    number += count
                    self._done += count
                    continue
                text = [_as_text(batch.column(i), name) for i, name in enumerate(COLUMNS)]
                for values in zip(*text, strict=True):
                    if number >= start:
                        yield number, list(values)
                    number += 1
                self._done += count
        except pa.ArrowException as exc:
            raise FormatError(f"unreadable after row {number - 1}: {exc}") from None

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ParquetSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _typed(values: list[str], name: str) -> pa.Array:
    text = pa.array(values, pa.string())
    kind = TYPED_COLUMNS.get(name)
    if kind is None:
        return text
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text).cast(kind)


def _schema() -> pa.Schema:
    return pa.schema([(c, TYPED_COLUMNS.get(c, pa.string())) for c in COLUMNS])


def write_parquet(path: Path,
                  households: Iterable[tuple[Sequence[str], Sequence[Sequence[str]]]]) -> int:
    """Write each household's rows (as `dtks_csv.write_households` takes them) to a Parquet
    file with typed columns (`TYPED_COLUMNS`); returns the number of person rows."""
    count = 0
    with pq.ParquetWriter(path, _schema(), compression="zstd") as writer:
        rows: list[Sequence[str]] = []
        for head, members in households:
            rows.extend([*head, *member] for member in members)
            if len(rows) >= _ROW_GROUP_ROWS:
                writer.write_batch(_batch(rows))
                count += len(rows)
                rows = []
        if rows:
            writer.write_batch(_batch(rows))
            count += len(rows)
    return count


def _batch(rows: list[Sequence[str]]) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True))
    return pa.record_batch([_typed(list(columns[i]), name) for i, name in enumerate(COLUMNS)],
                           schema=_schema())
