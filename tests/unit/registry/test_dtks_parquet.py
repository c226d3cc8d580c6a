"""The Parquet export reader and writer: columns by name, typed values read as the CSV's text,
CSV row numbers, clear errors for a file that is not in the layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from services.registry.adapters.dtks_csv import CsvSource, FormatError, write_households
from services.registry.adapters.dtks_files import open_source, write_export
from services.registry.adapters.dtks_parquet import ParquetSource
from services.registry.domain.records import COLUMNS, INDEX
from services.registry.domain.synthetic import generate_households


def _text_table(rows: list[list[str]], names: list[str] | None = None) -> pa.Table:
    names = names or list(COLUMNS)
    return pa.table({n: [r[INDEX[n.strip().lower()]] for r in rows] for n in names})


def _rows(households: int = 5, seed: int = 4) -> list[list[str]]:
    return [[*head, *member] for head, members in generate_households(households, seed, "3402")
            for member in members]


def _comparable(row: tuple[int, list[str]]) -> tuple[int, list[str | float]]:
    """Coordinates as numbers: "-7.97457" and the CSV's "-7.974570" are the same value."""
    number, values = row
    return number, [float(v) if i in (INDEX["latitude"], INDEX["longitude"]) and v else v
                    for i, v in enumerate(values)]


def test_columns_are_found_by_name_whatever_their_order_case_and_extras(tmp_path: Path) -> None:
    rows = _rows()
    names = [f" {c.upper()} " for c in reversed(COLUMNS)]
    table = _text_table(rows, names).append_column("catatan", pa.array(["x"] * len(rows)))
    pq.write_table(table, tmp_path / "a.parquet")
    with ParquetSource(tmp_path / "a.parquet") as source:
        read = list(source.rows())
    assert [values for _, values in read] == rows
    assert [number for number, _ in read] == list(range(2, len(rows) + 2))  # as in the CSV


def test_typed_columns_read_as_the_csv_text(tmp_path: Path) -> None:
    rows = _rows(1)
    table = _text_table(rows)
    typed = {
        "birth_date": pa.array([dt.datetime(2001, 2, 3, 4, 5)] * len(rows), pa.timestamp("ms")),
        "welfare_decile": pa.array([3.0] * len(rows), pa.float64()),
        "latitude": pa.array([None] * len(rows), pa.float64()),
        "deceased": pa.array([True] * len(rows), pa.bool_()),
        "pregnant": pa.array([False] * len(rows), pa.bool_()),
        "sex": pa.array(["P"] * len(rows)).dictionary_encode(),
    }
    for name, column in typed.items():
        table = table.set_column(table.schema.get_field_index(name), name, column)
    pq.write_table(table, tmp_path / "t.parquet")
    with ParquetSource(tmp_path / "t.parquet") as source:
        _, values = next(source.rows())
    picked = {n: values[INDEX[n]] for n in typed}
    assert picked == {"birth_date": "2001-02-03", "welfare_decile": "3", "latitude": "",
                      "deceased": "1", "pregnant": "0", "sex": "P"}


def test_reading_starts_at_a_row_as_a_resumed_import_asks(tmp_path: Path) -> None:
    rows = _rows(40)
    pq.write_table(_text_table(rows), tmp_path / "s.parquet", row_group_size=7)
    with ParquetSource(tmp_path / "s.parquet") as source:
        read = list(source.rows(start=30))
        assert source.bytes_read == source.size
    assert read[0] == (30, rows[28]) and len(read) == len(rows) - 28


def test_a_missing_column_or_an_unreadable_file_is_a_format_error(tmp_path: Path) -> None:
    rows = _rows(1)
    pq.write_table(_text_table(rows).drop(["nik", "sex"]), tmp_path / "m.parquet")
    with pytest.raises(FormatError, match="missing column.*nik, sex"):
        ParquetSource(tmp_path / "m.parquet")
    (tmp_path / "x.parquet").write_bytes(b"PAR1 but nothing more")
    with pytest.raises(FormatError, match="not a readable Parquet file"):
        ParquetSource(tmp_path / "x.parquet")
    table = _text_table(rows)
    programs = pa.array([["PKH"]] * len(rows), pa.list_(pa.string()))
    table = table.set_column(INDEX["programs"], "programs", programs)
    pq.write_table(table, tmp_path / "l.parquet")
    with ParquetSource(tmp_path / "l.parquet") as source, \
            pytest.raises(FormatError, match="column programs has type list"):
        next(source.rows())


def test_files_are_told_apart_by_content_and_written_by_suffix(tmp_path: Path) -> None:
    households = list(generate_households(8, 2, "3402"))
    assert write_export(tmp_path / "a.parquet", households) == write_households(
        tmp_path / "a.csv", households)
    (tmp_path / "a.parquet").rename(tmp_path / "export.dat")
    with open_source(tmp_path / "export.dat") as parquet, open_source(tmp_path / "a.csv") as text:
        assert isinstance(parquet, ParquetSource) and isinstance(text, CsvSource)
        assert [_comparable(r) for r in parquet.rows()] == [_comparable(r) for r in text.rows()]
    schema = pq.read_schema(tmp_path / "export.dat")
    assert schema.field("birth_date").type == pa.date32()
    assert schema.field("deceased").type == pa.bool_()
