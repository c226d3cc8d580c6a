"""Reading and writing the DTKS-like CSV (layout in `domain.records`), streaming.

UTF-8 (a byte-order mark is tolerated), comma-separated, header first. Columns are found by
their header name, so an export with its columns in another order or with extra columns reads
the same; a missing column is an error before any row is read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import operator
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Final

from ..domain.records import COLUMNS

_BUFFER: Final[int] = 1 << 20
_NEEDS_QUOTES: Final = re.compile(r'["\r\n]')  # what csv's minimal quoting reacts to, bar ","


class FormatError(ValueError):
    """The file is not in the registry's CSV layout (a missing column, no header)."""


def write_rows(path: Path, rows: Iterable[Sequence[str]]) -> int:
    """Write a header and `rows` (in `COLUMNS` order) to `path`; returns the row count."""
    count = 0
    with path.open("w", encoding="utf-8", newline="", buffering=_BUFFER) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_households(path: Path,
                     households: Iterable[tuple[Sequence[str], Sequence[Sequence[str]]]]) -> int:
    """Write a header and each household's rows (its values repeated before each member's);
    returns the number of person rows. The same file as `write_rows`, about twice as fast."""
    count = 0
    buffer = io.StringIO()
    quoted = csv.writer(buffer, lineterminator="")
    with path.open("w", encoding="utf-8", newline="", buffering=_BUFFER) as f:
        f.write(",".join(COLUMNS) + "\n")
        for head, members in households:
            # The household part is quoted once and reused for each member's line.
            buffer.seek(0)
            buffer.truncate()
            quoted.writerow(head)
            prefix = buffer.getvalue() + ","
            lines = []
            for member in members:
                line = ",".join(member)
                if line.count(",") != len(member) - 1 or _NEEDS_QUOTES.search(line):
                    buffer.seek(0)
                    buffer.truncate()
                    quoted.writerow(member)
                    line = buffer.getvalue()
                lines.append(prefix + line + "\n")
            f.write("".join(lines))
            count += len(members)
    return count


def file_sha256(path: Path) -> str:
    """Content hash: the identity of an import run (same content = same run, resumable)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_BUFFER):
            digest.update(chunk)
    return digest.hexdigest()


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read through it, for a progress bar by size."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.bytes_read += n or 0
        return n or 0

    def close(self) -> None:
        self.raw.close()
        super().close()


class CsvSource:
    """Rows of a registry CSV in `records.COLUMNS` order, numbered as a spreadsheet shows them
    (the header is row 1, so the first person is row 2)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self._counter = _CountingReader(path.open("rb"))
        self._text = io.TextIOWrapper(io.BufferedReader(self._counter, _BUFFER),
                                      encoding="utf-8-sig", newline="")
        self._reader = csv.reader(self._text)
        header = next(self._reader, None)
        if header is None:
            raise FormatError("the file is empty: expected a header row")
        self._pick = _column_picker([h.strip().lower() for h in header])

    @property
    def bytes_read(self) -> int:
        return self._counter.bytes_read

    def rows(self, start: int = 2) -> Iterator[tuple[int, list[str]]]:
        """(row number, values) from row `start` on; earlier rows are read and skipped.
        Empty lines hold no row (they still count in the numbering, as in a spreadsheet)."""
        pick = self._pick
        number = 1
        for raw in self._reader:
            number += 1
            if number >= start and raw:
                yield number, raw if pick is None else pick(raw)

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_columns(header: Sequence[str]) -> None:
    """Every column of the layout once (names stripped and lower-case); extras are allowed."""
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise FormatError(f"missing column(s): {', '.join(missing)}")
    duplicated = sorted({c for c in COLUMNS if header.count(c) > 1})
    if duplicated:
        raise FormatError(f"column(s) given twice: {', '.join(duplicated)}")


def _column_picker(header: list[str]) -> Callable[[list[str]], list[str]] | None:
    """A function putting a raw row into `COLUMNS` order (None: rows are in that order).

    A row with more or fewer values than the header (often an unquoted comma in an address)
    is passed on as read, with a length other than `len(COLUMNS)`: validation rejects it
    rather than guess which value belongs where.
    """
    check_columns(header)
    width, expected = len(header), len(COLUMNS)
    if tuple(header) == COLUMNS:
        return None
    getter = operator.itemgetter(*[header.index(c) for c in COLUMNS])

    def reorder(raw: list[str]) -> list[str]:
        if len(raw) == width:
            return list(getter(raw))
        return raw if len(raw) != expected else [*raw, ""]  # never mistaken for a good row

    return reorder


REPORT_COLUMNS: Final[tuple[str, ...]] = ("row", "rules", "reasons", *COLUMNS)


async def write_rejection_report(
    path: Path, rejections: AsyncIterator[tuple[int, list[dict[str, str]], Sequence[str]]],
) -> int:
    """The validation report: each rejected row (numbered as in the input), its rule codes,
    its reasons for the operator, then the row as it was read. Returns the row count."""
    count = 0
    with path.open("w", encoding="utf-8", newline="", buffering=_BUFFER) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(REPORT_COLUMNS)
        async for number, problems, values in rejections:
            writer.writerow([
                number, " ".join(p["rule"] for p in problems),
                "; ".join(f"{p['field']}: {p['message']}" for p in problems), *values])
            count += 1
    return count
