"""Registry bulk import against a raw COPY of the same rows, on PostgreSQL, in one run.

Setup: `--persons` synthetic persons (`slrt registry generate`'s generator, whole country,
fixed seed) written to a CSV in a temporary folder; fresh PostgreSQL databases
`slrt_bench_<hex>` on 127.0.0.1:5432 migrated with the registry's migrations.

* raw COPY: the CSV file streamed by asyncpg into `COPY raw_persons FROM STDIN (FORMAT csv)`,
  a bare table with the file's 31 columns typed (text, date, numeric), no key, no index: the
  fastest way those rows can enter PostgreSQL;
* import: `services.registry.service_layer.importing.import_file`, what `slrt registry import`
  runs (parse, validate, history, COPY into staging, upserts, progress), first as it runs
  beside live traffic (indexes kept up to date), then with `--defer-indexes` (secondary
  indexes and foreign keys rebuilt once at the end) into a second fresh database;
* schema floor: the rows that import wrote (households, members, participations, history,
  name keys), dumped from its database unmeasured, COPYed straight into a third fresh
  registry database with its keys, indexes and foreign keys: what PostgreSQL alone needs to
  take these persons into this schema, with no parsing, validation or comparison at all;
  then the same with secondary indexes and foreign keys dropped and rebuilt (as
  `--defer-indexes` does) into a fourth. No import into the schema can be faster, so these
  ratios bound what the target can reach.

Reported: persons/s of each, the ratio import / raw COPY (target ≥ 0.5, goal ≥ 80,000
persons/s on 2 cores), the generator's persons/s, and the size of the registry tables per
million persons (pg_total_relation_size of households, members, participations, changes).

    .venv/bin/python bench/registry_import.py [--persons 1000000] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.table import Table

# Run as a script from the repository root: make the project's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PG_HOST, PG_PORT, PG_USER, command_line, pg_admin  # noqa: E402
from services.registry.adapters import pg_indexes  # noqa: E402
from services.registry.adapters.dtks_csv import write_households  # noqa: E402
from services.registry.adapters.import_runs import create_run  # noqa: E402
from services.registry.bootstrap import DEFINITION  # noqa: E402
from services.registry.domain.synthetic import generate_households  # noqa: E402
from services.registry.service_layer.importing import ImportOptions, import_file  # noqa: E402
from slrt.db import make_engine  # noqa: E402
from slrt.migrations import upgrade  # noqa: E402

SEED = 2015
PERSONS_PER_HOUSEHOLD = 4.31  # the generator's mean, to aim at --persons
TARGET_RATIO = 0.5
GOAL_PERSONS_PER_S = 80_000.0
REGISTRY_TABLES = ("households", "members", "participations", "changes")
#: What an import writes, in an order its foreign keys accept.
WRITTEN_TABLES = ("households", "members", "participations", "changes", "name_keys")
console = Console(soft_wrap=True, width=shutil.get_terminal_size((120, 24)).columns)

#: The CSV's columns as a bare table: the same rows, typed, nothing else.
RAW_TABLE = """
CREATE TABLE raw_persons (
  household_id text, village_code text, address text, latitude double precision,
  longitude double precision, floor text, wall text, roof text, water_source text,
  sanitation text, electricity text, welfare_decile integer, registry_status text,
  source text, programs text, member_id text, kk_number text, nik text, no_nik boolean,
  name text, sex text, birth_date date, relation text, marital_status text,
  disability boolean, chronic_illness boolean, pregnant boolean, school_enrolled boolean,
  school_level text, occupation text, deceased boolean)
"""


def postgres_cpu_s() -> float | None:
    """CPU seconds used so far by the local PostgreSQL processes (server, backends, WAL
    writer...), from /proc; None where that is not readable. Only processes alive at both
    readings count: measure before closing the connection that did the work."""
    total, found = 0, False
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if not stat[stat.index("(") + 1:stat.rindex(")")].startswith("postgres"):
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        found = True
    return total / os.sysconf("SC_CLK_TCK") if found else None


class CpuMeter:
    """Python (this process) and PostgreSQL CPU seconds over a block."""

    def __enter__(self) -> CpuMeter:
        self.python0, self.postgres0 = time.process_time(), postgres_cpu_s()
        return self

    def stop(self) -> dict[str, float | None]:
        python = time.process_time() - self.python0
        pg1 = postgres_cpu_s()
        postgres = (pg1 - self.postgres0 if pg1 is not None and self.postgres0 is not None
                    else None)
        return {"python_cpu_s": round(python, 2),
                "postgres_cpu_s": round(postgres, 2) if postgres is not None else None}

    def __exit__(self, *exc: object) -> None:
        return None


def per_person_us(cpu: dict[str, float | None], persons: int) -> dict[str, float | None]:
    return {key.replace("_cpu_s", "_us_per_person"): (round(v / persons * 1e6, 1)
                                                      if v is not None else None)
            for key, v in cpu.items()}


def url_of(name: str, driver: str = "postgresql+asyncpg") -> str:
    return f"{driver}://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def generate(path: Path, persons: int) -> dict[str, Any]:
    households = max(1, round(persons / PERSONS_PER_HOUSEHOLD))
    started = time.perf_counter()
    written = write_households(path, generate_households(households, SEED))
    seconds = time.perf_counter() - started
    return {"households": households, "persons": written, "seconds": round(seconds, 2),
            "persons_per_s": round(written / seconds), "bytes": path.stat().st_size}


async def raw_copy(database: str, path: Path) -> dict[str, Any]:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=database)
    try:
        await conn.execute(RAW_TABLE)
        with CpuMeter() as meter:
            started = time.perf_counter()
            status = await conn.copy_to_table("raw_persons", source=path, format="csv",
                                              header=True)
            seconds = time.perf_counter() - started
            cpu = meter.stop()
        rows = int(status.split()[-1])
        await conn.execute("DROP TABLE raw_persons")  # not part of the registry's size
    finally:
        await conn.close()
    return {"rows": rows, "seconds": round(seconds, 2), "persons_per_s": round(rows / seconds),
            **cpu, **per_person_us(cpu, rows)}


async def registry_size(database: str) -> dict[str, dict[str, int]]:
    """Bytes of each registry table: rows (with TOAST) and indexes."""
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=database)
    try:
        await conn.execute("VACUUM ANALYZE")  # settle visibility maps, as a loaded registry
        rows = await conn.fetch(
            "SELECT t, pg_table_size(t) AS heap, pg_indexes_size(t) AS indexes "
            "FROM unnest($1::text[]) t", list(REGISTRY_TABLES))
        return {r["t"]: {"rows": r["heap"], "indexes": r["indexes"]} for r in rows}
    finally:
        await conn.close()


async def run_import(database: str, path: Path, defer: bool) -> dict[str, Any]:
    await asyncio.to_thread(upgrade, DEFINITION.migrations, url_of(database))
    engine = make_engine(url_of(database))
    try:
        with CpuMeter() as meter:
            started = time.perf_counter()
            summary = await import_file(engine, path, options=ImportOptions(
                actor="bench", defer_indexes=defer), report=path.with_suffix(".rejected.csv"))
            seconds = time.perf_counter() - started
            cpu = meter.stop()  # before the pool's connections close
    finally:
        await engine.dispose()
    tables = await registry_size(database)
    size = sum(t["rows"] + t["indexes"] for t in tables.values())
    per_million = summary.accepted / 1e6
    return {"rows": summary.rows_read, "accepted": summary.accepted,
            "rejected": summary.rejected, "changes": summary.changes,
            "seconds": round(seconds, 2), "persons_per_s": round(summary.rows_read / seconds),
            "size_bytes": size,
            "mb_per_million_persons": round(size / 1e6 / per_million, 1),
            "mb_per_million_persons_by_table": {
                name: {part: round(b / 1e6 / per_million, 1) for part, b in t.items()}
                for name, t in tables.items()},
            **cpu, **per_person_us(cpu, summary.rows_read)}


async def dump_written(source: str, tmp: Path) -> dict[str, Path]:
    """The rows the import wrote in `source`, one COPY file per table (unmeasured)."""
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=source)
    try:
        files = {t: tmp / f"{t}.copy" for t in WRITTEN_TABLES}
        for table, file in files.items():
            await conn.copy_from_table(table, output=file)
        return files
    finally:
        await conn.close()


async def schema_floor(files: dict[str, Path], target: str, persons: int,
                       defer: bool) -> dict[str, Any]:
    """COPY those rows into a fresh registry schema `target`; with `defer`, around the same
    drop and rebuild of secondary indexes and foreign keys as `--defer-indexes`."""
    await asyncio.to_thread(upgrade, DEFINITION.migrations, url_of(target))
    engine = make_engine(url_of(target))
    try:
        async with engine.begin() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            with CpuMeter() as meter:
                started = time.perf_counter()
                if defer:
                    run_id = str(uuid.uuid4())
                    await create_run(conn, run_id, "floor", "floor", "bench",
                                     dt.datetime.now(dt.UTC))
                    ddl = await pg_indexes.drop_secondary(conn, run_id)
                steps: dict[str, float] = {}
                for table, file in files.items():
                    at = time.perf_counter()
                    await driver.copy_to_table(table, source=file)
                    steps[table] = round(time.perf_counter() - at, 2)
                if defer:
                    at = time.perf_counter()
                    await pg_indexes.rebuild(conn, run_id, ddl)
                    steps["rebuild indexes and keys"] = round(time.perf_counter() - at, 2)
                seconds = time.perf_counter() - started
                cpu = meter.stop()
    finally:
        await engine.dispose()
    return {"rows": persons, "seconds": round(seconds, 2), "seconds_by_step": steps,
            "persons_per_s": round(persons / seconds), **cpu, **per_person_us(cpu, persons)}


async def bench(tmp: Path, databases: list[str], persons: int) -> dict[str, Any]:
    path = tmp / "registry.csv"
    with console.status(f"generating {persons:,} persons..."):
        generated = await asyncio.to_thread(generate, path, persons)
    for name in databases:
        await pg_admin(f'CREATE DATABASE "{name}"')
    with console.status("raw COPY of the file into a bare table..."):
        raw = await raw_copy(databases[0], path)
    with console.status("import, indexes kept up to date..."):
        online = await run_import(databases[0], path, defer=False)
    with console.status("import with --defer-indexes..."):
        deferred = await run_import(databases[1], path, defer=True)
    with console.status("schema floor: the import's rows COPYed into fresh schemas..."):
        files = await dump_written(databases[0], tmp)
        floor = await schema_floor(files, databases[2], online["accepted"], defer=False)
        floor_deferred = await schema_floor(files, databases[3], online["accepted"], defer=True)
        for file in files.values():
            file.unlink()
    return {"generator": generated, "raw_copy": raw, "import": online,
            "import_deferred": deferred, "schema_floor": floor,
            "schema_floor_deferred": floor_deferred}


def verdicts(result: dict[str, Any]) -> dict[str, Any]:
    raw = result["raw_copy"]["persons_per_s"]
    out: dict[str, Any] = {}
    for key in ("import", "import_deferred", "schema_floor", "schema_floor_deferred"):
        rate = result[key]["persons_per_s"]
        out[key] = {"ratio": round(rate / raw, 3), "ratio_met": rate / raw >= TARGET_RATIO,
                    "goal_met": rate >= GOAL_PERSONS_PER_S}
    return out


def _yes(met: bool) -> str:
    return "[green]yes[/green]" if met else "[red]no[/red]"


def print_report(report: dict[str, Any]) -> None:
    console.print(f"command: {report['command']}")
    console.print(f"cores: {report['cores']}   load average before: {report['load_before']}   "
                  f"persons: {report['generator']['persons']:,}")
    raw, v = report["raw_copy"], report["verdicts"]
    table = Table(title="registry import vs raw COPY (PostgreSQL)")
    for column in ("path", "persons/s", "seconds", "ratio to raw COPY", "≥ 0.5",
                   "≥ 80k/s", "CPU µs/person Python + PostgreSQL", "MB per million persons"):
        table.add_column(column, justify="left" if column == "path" else "right")

    def cpu(row: dict[str, Any]) -> str:
        return f"{row['python_us_per_person']} + {row['postgres_us_per_person']}"

    table.add_row("raw COPY (bare table)", f"{raw['persons_per_s']:,}", f"{raw['seconds']}",
                  "1", "", "", cpu(raw), "")
    for key, label in (("import", "import (indexes kept)"),
                       ("import_deferred", "import --defer-indexes")):
        row = report[key]
        table.add_row(label, f"{row['persons_per_s']:,}", f"{row['seconds']}",
                      f"{v[key]['ratio']}", _yes(v[key]["ratio_met"]), _yes(v[key]["goal_met"]),
                      cpu(row), f"{row['mb_per_million_persons']}")
    for key, label in (("schema_floor", "schema floor: the import's rows, COPY only"),
                       ("schema_floor_deferred", "schema floor, indexes deferred")):
        floor, vf = report[key], v[key]
        table.add_row(label, f"{floor['persons_per_s']:,}", f"{floor['seconds']}",
                      f"{vf['ratio']}", _yes(vf["ratio_met"]), _yes(vf["goal_met"]), cpu(floor),
                      "")
    console.print(table)
    for key in ("schema_floor", "schema_floor_deferred"):
        steps = ", ".join(f"{k} {v}" for k, v in report[key]["seconds_by_step"].items())
        console.print(f"{key} seconds by step: {steps}")
    gen = report["generator"]
    console.print(f"generator: {gen['persons']:,} persons in {gen['households']:,} households, "
                  f"{gen['persons_per_s']:,} persons/s, {gen['bytes'] / 1e6:,.0f} MB of CSV")
    for key in ("import", "import_deferred"):
        row = report[key]
        console.print(f"{key}: {row['accepted']:,} accepted, {row['rejected']:,} rejected, "
                      f"{row['changes']:,} history rows")
    sizes = Table(title="MB per million persons, import with indexes kept")
    for column in ("table", "rows", "indexes"):
        sizes.add_column(column, justify="left" if column == "table" else "right")
    for name, parts in report["import"]["mb_per_million_persons_by_table"].items():
        sizes.add_row(name, f"{parts['rows']}", f"{parts['indexes']}")
    console.print(sizes)
    console.print(f"total: {report['total_s']} s")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000,
                        help="persons to generate and load (default 1,000,000)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (the CSV) and print where it is")
    args = parser.parse_args(argv)
    if not 1_000 <= args.persons <= 20_000_000:
        parser.error("--persons must be 1,000..20,000,000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_before = [round(x, 2) for x in os.getloadavg()]
    tmp = Path(tempfile.mkdtemp(prefix="slrt-bench-"))
    tag = uuid.uuid4().hex[:12]
    databases = [f"slrt_bench_{tag}", f"slrt_bench_{tag}_d", f"slrt_bench_{tag}_f",
                 f"slrt_bench_{tag}_fd"]
    try:
        result = asyncio.run(bench(tmp, databases, args.persons))
    finally:
        for name in databases:
            try:
                asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except (OSError, asyncpg.PostgresError) as exc:  # do not hide the run's own error
                console.print(f"[red]could not drop database {name}: {exc}[/red]")
        if args.keep:
            console.print(f"temporary folder kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report: dict[str, Any] = {
        "command": command_line("bench/registry_import.py", argv),
        "date": dt.date.today().isoformat(),
        "cores": os.cpu_count(),
        "load_before": load_before,
        **result,
        "verdicts": verdicts(result),
        "total_s": round(time.perf_counter() - started, 2),
    }
    print_report(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    failed = any(report[k]["rejected"] for k in ("import", "import_deferred"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
