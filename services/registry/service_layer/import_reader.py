"""The reader of a bulk import: parses and validates households a chunk ahead of the writer.

Runs in a thread beside the event loop that writes, so that on two cores the Python work of
one chunk overlaps the database work of the previous one. Chunks end at household
boundaries; a resumed run first re-reads the committed rows to remember the ids they
brought in (for the duplicate checks), without validating them again.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from ..adapters.dtks_csv import FormatError
from ..adapters.dtks_files import RowSource
from ..domain.importing import (
    MAX_MEMBERS,
    AcceptedHousehold,
    Rejection,
    SeenIds,
    validate_household,
)
from ..domain.records import INDEX

_HOUSEHOLD_ID: Final[int] = INDEX["household_id"]


@dataclass(slots=True)
class Chunk:
    households: list[AcceptedHousehold] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    first_row: int = 0
    next_row: int = 0
    rows: int = 0
    bytes_read: int = 0


def households(rows: Iterator[tuple[int, list[str]]]
               ) -> Iterator[list[tuple[int, list[str]]]]:
    """Consecutive rows with the same household id; overlong runs are cut (then rejected)."""
    for _, group in itertools.groupby(rows, key=lambda r: r[1][_HOUSEHOLD_ID].strip()):
        members = iter(group)
        while piece := list(itertools.islice(members, MAX_MEMBERS + 1)):
            yield piece


class Reader(threading.Thread):
    """Parses and validates chunks ahead of the writer; hands them over through a queue."""

    def __init__(self, source: RowSource, start: int, rejected_before: set[int],
                 today: dt.date, default_source: str, chunk_rows: int) -> None:
        super().__init__(name="registry-import-reader", daemon=True)
        self.source, self.start_row, self.rejected_before = source, start, rejected_before
        self.seen = SeenIds()
        self.today, self.default_source, self.chunk_rows = today, default_source, chunk_rows
        self.out: queue.Queue[Chunk | BaseException | None] = queue.Queue(maxsize=2)
        self.stopping = threading.Event()

    def _put(self, item: Chunk | BaseException | None) -> bool:
        while not self.stopping.is_set():
            try:
                self.out.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        """Rows from the start row on, after remembering the ids that earlier rows brought in
        (a resumed run: committed rows that were not rejected)."""
        rows = self.source.rows()
        for number, values in rows:
            if number >= self.start_row:
                yield number, values
                break
            if number not in self.rejected_before:
                self.seen.remember(values, number)
        yield from rows

    def run(self) -> None:
        try:
            chunk = Chunk(first_row=self.start_row, next_row=self.start_row)
            for group in households(self._rows()):
                result = validate_household(group, self.seen, self.today, self.default_source)
                if result.accepted is not None:
                    chunk.households.append(result.accepted)
                chunk.rejected.extend(result.rejected)
                chunk.rows += len(group)
                chunk.next_row = group[-1][0] + 1
                if chunk.rows >= self.chunk_rows:
                    chunk.bytes_read = self.source.bytes_read
                    if not self._put(chunk):
                        return
                    chunk = Chunk(first_row=chunk.next_row, next_row=chunk.next_row)
            chunk.bytes_read = self.source.bytes_read
            if chunk.rows and not self._put(chunk):
                return
            self._put(None)
        except (UnicodeDecodeError, csv.Error) as exc:
            # Where the file stops being readable; rows before it are in or reported.
            self._put(FormatError(f"unreadable after row {chunk.next_row - 1}: {exc}"))
        except BaseException as exc:  # noqa: BLE001 - handed to the writer, which raises it
            self._put(exc)
