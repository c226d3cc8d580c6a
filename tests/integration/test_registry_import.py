"""Bulk import of registry CSV files on real SQLite and PostgreSQL databases: counts add up,
rejected rows are reported with reasons, an interrupted import continues where it stopped,
a re-import writes only what changed (with history)."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import pytest_asyncio
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from typer.testing import CliRunner

from services.registry.adapters.dtks_csv import write_rows
from services.registry.adapters.name_keys import member_keys
from services.registry.adapters.repository import HouseholdRepository
from services.registry.adapters.tables import (
    changes,
    households,
    import_runs,
    members,
    name_keys,
)
from services.registry.bootstrap import DEFINITION
from services.registry.domain.history import ChangeContext
from services.registry.domain.model import Housing, Participation
from services.registry.domain.records import COLUMNS, INDEX
from services.registry.domain.synthetic import REFERENCE_DAY, generate_rows
from services.registry.service_layer import importing
from services.registry.service_layer.importing import ImportOptions, import_file
from slrt.cli import app
from slrt.db import make_engine
from slrt.migrations import upgrade

pytestmark = pytest.mark.integration
Row = list[str]
OPTIONS = ImportOptions(chunk_rows=100, today=REFERENCE_DAY, actor="tester")


def _set(row: Row, **changes: str) -> Row:
    out = list(row)
    for name, value in changes.items():
        out[INDEX[name]] = value
    return out


def _households(rows: list[Row]) -> list[list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row[INDEX["household_id"]], []).append(row)
    return list(grouped.values())


def _renumbered(household: list[Row], tag: str) -> list[Row]:
    """The same people under new household and member ids (NIKs unchanged)."""
    hid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"test:{tag}"))
    return [_set(r, household_id=hid,
                 member_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"test:{tag}:{i}")))
            for i, r in enumerate(household)]


@dataclasses.dataclass
class Sample:
    path: Path
    rows: int
    rejected: dict[int, str]  # row number -> a rule it must be rejected for


def build_sample(folder: Path, kind: str = "csv") -> Sample:
    """About 550 synthetic persons with bad households at the start, middle and end; as CSV,
    or as Parquet with text columns in another order (a row with a value too many is CSV's
    own failure, so the Parquet file has everything but that row)."""
    good = _households([list(r) for r in generate_rows(130, 5, "3402")])
    first, rest = good[0], good[1:]
    assert len(first) >= 2 and first[0][INDEX["nik"]]  # a head with NIK, and someone else
    bad_date = [first[0]] + [_set(first[1], birth_date="2019-02-30")] + first[2:]
    unknown_village = [_set(r, village_code="3402059999") for r in _renumbered(rest[3], "v")]
    incomplete = [_set(r, floor="") for r in _renumbered(rest[4], "f")]
    again = _renumbered(first, "dup")  # first's NIKs again, far apart: head NIK duplicated
    body = [bad_date, *rest[:60], unknown_village, incomplete, *rest[60:], again]
    rows = [r for household in body for r in household]
    rejected: dict[int, str] = {3: "birth_date.format"}
    number = 1
    for household in body:
        for row in household:
            number += 1
            if household is unknown_village:
                rejected[number] = "village_code.unknown"
            elif household is incomplete:
                rejected[number] = "missing"
            elif household is again:  # its head's NIK was taken at row 2
                rejected[number] = ("nik.duplicate" if row[INDEX["relation"]] == "head"
                                    else "household.head_rejected")
    if kind == "parquet":
        path = folder / "dtks.parquet"
        pq.write_table(pa.table({c: [r[INDEX[c]] for r in rows] for c in reversed(COLUMNS)}),
                       path, row_group_size=64)
        return Sample(path, len(rows), rejected)
    path = folder / "dtks.csv"
    write_rows(path, rows)
    # An export that forgot to quote an address with a comma in it: one value too many.
    broken = _set(_renumbered(rest[5], "comma")[0], address="Dusun Krajan, Sidomulyo")
    with path.open("a", encoding="utf-8") as f:
        f.write(",".join(broken) + "\n")
    rejected[len(rows) + 2] = "row.columns"
    return Sample(path, len(rows) + 1, rejected)


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path,
                 pg_databases: Any) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    else:
        url = await pg_databases("regimport")
    await asyncio.to_thread(upgrade, DEFINITION.migrations, url)
    created = make_engine(url)
    try:
        yield created
    finally:
        await created.dispose()


async def count(engine: AsyncEngine, table: Any, *where: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(
            select(func.count()).select_from(table).where(*where))).scalar_one())


async def check_name_keys(engine: AsyncEngine) -> None:
    """Every member has exactly the search keys of its name, no more, no fewer."""
    async with engine.connect() as conn:
        names = list((await conn.execute(select(members.c.name))).scalars())
        stored = int((await conn.execute(select(func.count()).select_from(name_keys))
                      ).scalar_one())
    assert stored == sum(len(member_keys(n)) for n in names) > 0


def read_report(path: Path) -> dict[int, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return {int(r["row"]): r for r in csv.DictReader(f)}


def check_report(report: Path | None, sample: Sample) -> None:
    assert report is not None
    found = read_report(report)
    assert set(found) == set(sample.rejected)
    for number, rule in sample.rejected.items():
        assert rule in found[number]["rules"].split(), (number, found[number]["rules"])
        assert found[number]["reasons"]
    assert found[3]["birth_date"] == "2019-02-30"  # the row as it was read


@pytest.mark.parametrize("kind", ["csv", "parquet"])
async def test_import_counts_rejections_and_report(engine: AsyncEngine, tmp_path: Path,
                                                   kind: str) -> None:
    sample = build_sample(tmp_path, kind)
    summary = await import_file(engine, sample.path, options=OPTIONS)
    assert summary.rows_read == sample.rows == summary.accepted + summary.rejected
    assert summary.rejected == len(sample.rejected)
    assert await count(engine, members) == summary.accepted
    assert await count(engine, households) == 130
    check_report(summary.report, sample)
    assert summary.report == tmp_path / "dtks.rejected.csv"  # a CSV whatever the input
    await check_name_keys(engine)
    # One history row per new household, with who and why.
    assert await count(engine, changes) == await count(engine, households)
    async with engine.connect() as conn:
        row = (await conn.execute(select(changes).limit(1))).mappings().one()
    assert row["actor"] == "tester" and row["field"] is None and row["new"]["members"] >= 1
    assert row["context"] == f"import:{summary.run_id}"

    again = await import_file(engine, sample.path, options=OPTIONS)
    assert again.already_finished and again.accepted == summary.accepted
    assert await count(engine, changes) == await count(engine, households)


class Stop(Exception):
    """Stands for Ctrl-C or a killed process between two chunks."""


@pytest.mark.parametrize("kind", ["csv", "parquet"])
async def test_interrupted_import_continues_where_it_stopped(engine: AsyncEngine,
                                                             tmp_path: Path, kind: str) -> None:
    sample = build_sample(tmp_path, kind)
    seen: list[int] = []

    def stop_after_two_chunks(progress: importing.ImportProgress) -> None:
        seen.append(progress.rows_read)
        if len(seen) == 2:
            raise Stop

    with pytest.raises(Stop):
        await import_file(engine, sample.path, options=OPTIONS,
                          on_progress=stop_after_two_chunks)
    async with engine.connect() as conn:
        run = (await conn.execute(select(import_runs))).mappings().one()
    assert run["status"] == "running" and run["rows_read"] == seen[-1] >= 200
    assert await count(engine, members) == run["accepted"]

    summary = await import_file(engine, sample.path, options=OPTIONS)
    assert summary.resumed_from_row == run["next_row"]
    assert summary.rows_read == sample.rows == summary.accepted + summary.rejected
    assert summary.rejected == len(sample.rejected)
    assert await count(engine, members) == summary.accepted
    # The report has the rejections of both invocations, and the duplicate NIKs at the end
    # of the file were still caught although their first rows were read before the stop.
    check_report(summary.report, sample)


async def test_a_typed_parquet_export_stores_what_the_csv_stores(engine: AsyncEngine,
                                                                  tmp_path: Path) -> None:
    """The same households as CSV, then as Parquet with typed columns (dates, flags, numbers):
    the second import finds nothing to change, so every value was read alike."""
    from services.registry.adapters.dtks_files import write_export
    from services.registry.domain.synthetic import generate_households

    households_ = list(generate_households(60, 11, "3402"))
    persons = write_export(tmp_path / "export.csv", households_)
    assert write_export(tmp_path / "export.parquet", households_) == persons
    first = await import_file(engine, tmp_path / "export.csv", options=OPTIONS)
    second = await import_file(engine, tmp_path / "export.parquet", options=OPTIONS)
    assert first.accepted == second.accepted == persons and second.rejected == 0
    assert first.changes == 60 and second.changes == 0
    assert await count(engine, changes) == 60


async def test_failure_inside_a_chunk_leaves_none_of_it(
        engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sample = build_sample(tmp_path)
    real = importing.bulk_writer
    calls = 0

    class FailingThirdChunk:
        def __init__(self, dialect: str) -> None:
            self.inner = real(dialect)

        async def write(self, conn: Any, batch: Any) -> None:
            nonlocal calls
            calls += 1
            await self.inner.write(conn, batch)  # everything written, then the crash
            if calls == 3:
                raise Stop

    monkeypatch.setattr(importing, "bulk_writer", FailingThirdChunk)
    with pytest.raises(Stop):
        await import_file(engine, sample.path, options=OPTIONS)
    async with engine.connect() as conn:
        run = (await conn.execute(select(import_runs))).mappings().one()
    assert await count(engine, members) == run["accepted"]  # chunk 3 rolled back whole
    monkeypatch.setattr(importing, "bulk_writer", real)
    summary = await import_file(engine, sample.path, options=OPTIONS)
    assert summary.accepted + summary.rejected == sample.rows
    assert await count(engine, members) == summary.accepted


async def test_reimport_writes_changes_with_history(engine: AsyncEngine,
                                                    tmp_path: Path) -> None:
    rows = [list(r) for r in generate_rows(20, 9, "340205")]
    first = tmp_path / "v1.csv"
    write_rows(first, rows)
    await import_file(engine, first, options=OPTIONS)
    target = next(r[INDEX["household_id"]] for r in rows
                  if r[INDEX["welfare_decile"]] != "1" and r[INDEX["relation"]] == "head"
                  and r[INDEX["occupation"]] != "fisher")
    changed = []
    for r in rows:
        if r[INDEX["household_id"]] == target:
            r = _set(r, welfare_decile="1")
            if r[INDEX["relation"]] == "head":
                r = _set(r, occupation="fisher")
        changed.append(r)
    second = tmp_path / "v2.csv"
    write_rows(second, changed)
    before = await count(engine, changes)
    summary = await import_file(engine, second, options=dataclasses.replace(
        OPTIONS, actor="verifikator"))
    assert summary.changes == await count(engine, changes) - before == 2
    async with engine.connect() as conn:
        found = (await conn.execute(select(changes).where(
            changes.c.actor == "verifikator"))).mappings().all()
        version = (await conn.execute(select(households.c.version).where(
            households.c.household_id == target))).scalar_one()
    assert {(c["household_id"], c["entity"], c["field"], c["new"]) for c in found} == {
        (target, "household", "welfare_decile", 1), (target, "member", "occupation", "fisher")}
    assert version == 2
    assert await count(engine, households, households.c.version > 1) == 1  # others untouched
    await check_name_keys(engine)  # rewritten members were re-keyed, not keyed twice


async def test_repository_round_trip_with_history(engine: AsyncEngine) -> None:
    from services.registry.domain.demo import school_child_household

    sessions = async_sessionmaker(engine, expire_on_commit=False)
    household = dataclasses.replace(
        school_child_household(), latitude=-7.94, longitude=110.33,
        housing=Housing("cement", "masonry", "clay_tile", "piped", "private", "pln_450"))
    household.members[0].marital_status = "married"
    household.members[0].kk_number = household.kk_number
    household.programs[0] = Participation("PKH", "active", dt.date(2019, 3, 1))
    now = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    async with sessions() as session:
        await HouseholdRepository(session).add(household, "demo", now)
        await session.commit()
    async with sessions() as session:
        repo = HouseholdRepository(session)
        [loaded] = await repo.load_many([str(household.household_id)])
        assert loaded.housing == household.housing and loaded.latitude == -7.94
        assert loaded.head is not None and loaded.head.marital_status == "married"
        assert {p.program: p.since for p in loaded.programs}["PKH"] == dt.date(2019, 3, 1)
        loaded.welfare_decile = 3
        [wife] = [m for m in loaded.members if m.relation == "spouse"]
        wife.pregnant = True
        ctx = ChangeContext("operator-1", now, "verivali: desil updated", "proposal:1")
        found = await repo.save(loaded, ctx)
        await session.commit()
    assert {(c.entity, c.field, c.old, c.new) for c in found} == {
        ("household", "welfare_decile", 2, 3), ("member", "pregnant", False, True)}
    async with sessions() as session:
        [again] = await HouseholdRepository(session).load_many([str(household.household_id)])
        assert again.version == 2 and again.welfare_decile == 3
        assert await HouseholdRepository(session).save(again, ctx) == []  # nothing changed


async def test_batch_pages_hold_every_household_of_the_region_once(
        engine: AsyncEngine, tmp_path: Path) -> None:
    """Keyset pages (as batch needs and duplicate reports read them) against one load."""
    from services.registry.service_layer.needs_batch import stream_households

    sample = build_sample(tmp_path)
    await import_file(engine, sample.path, options=OPTIONS)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        villages = list((await session.execute(select(households.c.village_code))).scalars())
        kecamatan = max({v[:6] for v in villages}, key=lambda k: sum(
            v.startswith(k) for v in villages))
        ids = list((await session.execute(select(households.c.household_id).where(
            households.c.village_code.like(f"{kecamatan}%")))).scalars())
        whole = await HouseholdRepository(session).load_many(ids)
        pages = [page async for page in stream_households(session, kecamatan, batch=3)]
    assert 3 < len(ids) < 130  # a part of the file, over several pages
    assert all(len(page) == 3 for page in pages[:-1]) and 0 < len(pages[-1]) <= 3
    paged = [h for page in pages for h in page]
    assert paged == whole  # same households, members, programs, in id order
    assert [h.household_id for h in paged] == sorted(h.household_id for h in paged)


async def test_nik_and_kk_find_and_load_households_in_one_go(engine: AsyncEngine) -> None:
    from services.registry.adapters.search import kk_households, nik_households
    from services.registry.domain.demo import school_child_household

    household = school_child_household()
    second_family = "3402051203150007"  # a member on a family card of their own
    household.members[-1].kk_number = second_family
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        await HouseholdRepository(session).add(household, "demo", dt.datetime.now(dt.UTC))
        await session.commit()
    village = household.village_code
    async with sessions() as session:
        repo = HouseholdRepository(session)
        for query in (nik_households(household.members[0].nik or "", village[:4]),
                      kk_households(household.kk_number or "", village),
                      kk_households(second_family, "")):
            [found] = await repo.load_matching(query, 20)
            assert found.household_id == household.household_id
            assert len(found.members) == len(household.members)
        assert await repo.load_matching(kk_households(second_family, "3403"), 20) == []


async def test_migration_copies_the_village_onto_existing_members(
        tmp_path: Path, pg_databases: Any) -> None:
    for url in (f"sqlite+aiosqlite:///{tmp_path / 'old.db'}", await pg_databases("regmig")):
        await asyncio.to_thread(upgrade, DEFINITION.migrations, url, "0001")
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text(
                    "INSERT INTO households VALUES ('h1', NULL, '3402052001', 'RT 1', 2, "
                    "'demo', CURRENT_TIMESTAMP)"))
                await conn.execute(text(
                    "INSERT INTO members VALUES ('m1', 'h1', NULL, 'Sri', 'sri', 'P', "
                    "'1980-01-01', 'head', false, false, false, false)"))
            await asyncio.to_thread(upgrade, DEFINITION.migrations, url)
            async with engine.connect() as conn:
                row = (await conn.execute(select(members.c.village_code, members.c.no_nik,
                                                 households.c.registry_status)
                                          .join(households))).one()
            assert tuple(row) == ("3402052001", False, "active")
        finally:
            await engine.dispose()


def test_cli_generates_and_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    out = tmp_path / "bantul.csv"
    result = runner.invoke(app, ["registry", "generate", "--households", "50", "--seed", "2",
                                 "--region", "34.02", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as f:
        first_person = list(csv.reader(f))[1]
    with out.open("a", encoding="utf-8") as f:  # the first person again, in another household
        f.write(",".join(_set(first_person, household_id="x")) + "\n")
    url = f"sqlite+aiosqlite:///{tmp_path / 'reg.db'}"
    monkeypatch.setenv("SLRT_REGISTRY_DATABASE_URL", url)
    result = runner.invoke(app, ["registry", "import", str(out), "--json",
                                 str(tmp_path / "summary.json")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["rejected"] == 1 and summary["accepted"] > 150
    assert (tmp_path / "bantul.rejected.csv").exists()
    result = runner.invoke(app, ["registry", "import", str(out)])
    assert "imported before" in result.output


def test_cli_generates_and_imports_parquet(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    out = tmp_path / "bantul.parquet"
    result = runner.invoke(app, ["registry", "generate", "--households", "30", "--seed", "2",
                                 "--region", "3402", "--out", str(out)])
    assert result.exit_code == 0, result.output
    persons = pq.ParquetFile(out).metadata.num_rows
    monkeypatch.setenv("SLRT_REGISTRY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    result = runner.invoke(app, ["registry", "import", str(out), "--json",
                                 str(tmp_path / "summary.json")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["accepted"] == persons > 30 and summary["rejected"] == 0
    broken = tmp_path / "broken.parquet"
    pq.write_table(pq.read_table(out).drop(["nik"]), broken)
    result = runner.invoke(app, ["registry", "import", str(broken)])
    assert result.exit_code == 2 and "missing column(s): nik" in result.output


async def _secondary_indexes(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND indexname LIKE 'ix_%' UNION SELECT conname FROM pg_constraint "
            "WHERE contype = 'f'"))
        return {r[0] for r in rows}


async def test_deferred_indexes_are_rebuilt_even_after_a_stop(tmp_path: Path,
                                                              pg_databases: Any) -> None:
    url = await pg_databases("regdefer")
    await asyncio.to_thread(upgrade, DEFINITION.migrations, url)
    engine = make_engine(url)
    try:
        before = await _secondary_indexes(engine)
        assert {"ix_members_nik", "ix_households_location", "members_household_id_fkey"} <= before
        sample = build_sample(tmp_path)
        deferred = dataclasses.replace(OPTIONS, defer_indexes=True)

        def stop(progress: importing.ImportProgress) -> None:
            raise Stop

        with pytest.raises(Stop):
            await import_file(engine, sample.path, options=deferred, on_progress=stop)
        assert "ix_members_nik" not in await _secondary_indexes(engine)
        summary = await import_file(engine, sample.path, options=OPTIONS)  # without the flag
        assert summary.accepted + summary.rejected == sample.rows
        assert await _secondary_indexes(engine) == before
        check_report(summary.report, sample)
    finally:
        await engine.dispose()


async def test_nearest_households_use_the_coordinates(engine: AsyncEngine,
                                                      tmp_path: Path) -> None:
    rows = [list(r) for r in generate_rows(60, 4, "3402052001")]  # one village: ~1 km apart
    path = tmp_path / "village.csv"
    write_rows(path, rows)
    await import_file(engine, path, options=OPTIONS)
    located = {r[INDEX["household_id"]]: (float(r[INDEX["latitude"]]),
                                          float(r[INDEX["longitude"]]))
               for r in rows if r[INDEX["latitude"]]}
    target, (lat, lon) = next(iter(located.items()))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        found = await HouseholdRepository(session).nearest(lat, lon, limit=5)
        far = await HouseholdRepository(session).nearest(lat + 1, lon, limit=5)
    assert found[0] == (target, 0.0)
    assert [km for _, km in found] == sorted(km for _, km in found) and len(found) == 5
    assert all(km <= 2.0 for _, km in found) and far == []


def test_both_csv_writers_write_the_same_file(tmp_path: Path) -> None:
    from services.registry.adapters.dtks_csv import CsvSource, write_households
    from services.registry.domain.synthetic import generate_households

    households = list(generate_households(30, 8, "3402"))
    head, members = households[0]
    odd = list(members[0])
    odd[INDEX["name"] - len(head)] = 'Siti "Ani", binti Ahmad'  # quotes and a comma
    households[0] = (head, [tuple(odd), *members[1:]])
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    count = write_rows(a, (h + m for h, ms in households for m in ms))
    assert write_households(b, households) == count
    assert a.read_bytes() == b.read_bytes()
    with CsvSource(b) as source:
        first = next(source.rows())
    assert first[0] == 2 and first[1][INDEX["name"]] == 'Siti "Ani", binti Ahmad'
