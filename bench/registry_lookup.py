"""Registry look-ups and batch needs assessment on PostgreSQL with N persons loaded.

Load: `--persons` synthetic persons (the generator of `slrt registry generate`, whole country,
fixed seed) written as a DTKS-like CSV and loaded with the registry's own bulk import
(`import_file` with deferred indexes: COPY into staging, upserts, indexes and name keys built
along), into a fresh database `slrt_bench_<hex>` on 127.0.0.1:5432. Then, through the
service-layer functions the HTTP API calls (audit row and commit included):

* NIK look-up: `search_households(nik=...)` for `--lookups` NIKs drawn from the registry;
* fuzzy name search in a village: `search_households(name=..., region=<village>)` for names
  drawn from the registry with one letter changed (a typo), `--lookups` times;
* needs in batch: `count_assessed` over every household (streamed in batches of 1,000 by
  keyset, loaded with members and programs, household rules applied) in households/s.

Targets (issue 4, at 10M persons): NIK p99 < 5 ms, fuzzy name p99 < 50 ms, batch needs
≥ 10,000 households/s.

    .venv/bin/python bench/registry_lookup.py [--persons 1000000] [--lookups 1000] [--json out]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import command_line, percentile, pg_admin  # noqa: E402
from bench.registry_import import generate, url_of  # noqa: E402
from services.registry.adapters.repository import HouseholdRepository  # noqa: E402
from services.registry.adapters.search import nik_households  # noqa: E402
from services.registry.bootstrap import DEFINITION  # noqa: E402
from services.registry.domain.rules import load_rules  # noqa: E402
from services.registry.service_layer.importing import ImportOptions, import_file  # noqa: E402
from services.registry.service_layer.needs_batch import count_assessed  # noqa: E402
from services.registry.service_layer.search import (  # noqa: E402
    Caller,
    SearchQuery,
    search_households,
)
from slrt.db import UnitOfWork, make_engine  # noqa: E402
from slrt.migrations import upgrade  # noqa: E402
from slrt.outbox import OutboxWriter  # noqa: E402

TARGETS = {"nik_p99_ms": 5.0, "name_p99_ms": 50.0, "needs_households_per_s": 10_000.0}
CALLER = Caller("bench", "back_office", "")  # national: the scope filter still applies
TODAY = dt.date(2026, 1, 1)


def typo(name: str, rng: random.Random) -> str:
    """The name with one letter of its longest token replaced by a neighbouring vowel/letter."""
    tokens = name.split()
    i = max(range(len(tokens)), key=lambda k: len(tokens[k]))
    token = tokens[i]
    if len(token) < 4:
        return name
    at = rng.randrange(1, len(token))
    swap = {"a": "e", "e": "a", "i": "y", "o": "u", "u": "o"}.get(token[at].lower(), "a")
    tokens[i] = token[:at] + swap + token[at + 1:]
    return " ".join(tokens)


async def samples(database: str, n: int, seed: int) -> tuple[list[str], list[tuple[str, str]]]:
    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=database)
    try:
        # TABLESAMPLE: a random spread over the table without sorting millions of rows.
        rows = await conn.fetch("SELECT nik, name, village_code FROM members "
                                "TABLESAMPLE SYSTEM (1) WHERE nik IS NOT NULL LIMIT $1", n * 4)
    finally:
        await conn.close()
    rng = random.Random(seed)
    picked = rng.sample(list(rows), min(n, len(rows)))
    return [r["nik"] for r in picked], [(typo(r["name"], rng), r["village_code"])
                                        for r in picked]


async def timed(uow_factory: Any, queries: list[SearchQuery]) -> tuple[list[float], float]:
    times, found = [], 0
    for q in queries:
        started = time.perf_counter()
        async with uow_factory() as uow:
            results = await search_households(uow, CALLER, q, dt.datetime.now(dt.UTC))
        times.append((time.perf_counter() - started) * 1000)
        found += bool(results)
    return sorted(times), found / max(1, len(queries))


async def timed_query(sessions: Any, niks: list[str]) -> list[float]:
    """The NIK look-up without the audit row and its commit (index probe + profile load, as
    `search_households` makes them)."""
    times = []
    async with sessions() as session:
        repo = HouseholdRepository(session)
        for nik in niks:
            started = time.perf_counter()
            await repo.load_matching(nik_households(nik, ""), 20)
            times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def stats(times: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(times, 50), 2), "p99_ms": round(percentile(times, 99), 2),
            "max_ms": round(times[-1], 2), "n": len(times)}


async def database_exists(database: str) -> bool:
    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database="postgres")
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1",
                                        database))
    finally:
        await conn.close()


async def count_members(database: str) -> int:
    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=database)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM members"))
    finally:
        await conn.close()


async def load(tmp: Path, database: str, persons: int) -> dict[str, Any]:
    """Generate `persons` and load them with the registry's own import into a new database."""
    path = tmp / "registry.csv"
    generated = await asyncio.to_thread(generate, path, persons)
    await pg_admin(f'CREATE DATABASE "{database}"')
    await asyncio.to_thread(upgrade, DEFINITION.migrations, url_of(database))
    engine = make_engine(url_of(database))
    try:
        started = time.perf_counter()
        summary = await import_file(engine, path, options=ImportOptions(
            actor="bench", defer_indexes=True), report=path.with_suffix(".rejected.csv"))
        load_s = time.perf_counter() - started
    finally:
        await engine.dispose()
    path.unlink()
    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=database)
    try:
        await conn.execute("VACUUM ANALYZE")
        size = await conn.fetchval("SELECT pg_database_size(current_database())")
    finally:
        await conn.close()
    return {"generated": generated,
            "path": "slrt registry import (import_file, defer_indexes=True)",
            "persons": summary.accepted, "seconds": round(load_s, 1),
            "persons_per_s": round(summary.accepted / load_s),
            "database_mb": round(size / 1e6),
            "mb_per_million_persons": round(size / 1e6 / (summary.accepted / 1e6), 1)}


async def bench(tmp: Path, database: str, persons: int, lookups: int) -> dict[str, Any]:
    loaded = (await load(tmp, database, persons) if not await database_exists(database)
              else {"reused": database, "persons": await count_members(database)})
    engine = make_engine(url_of(database))
    try:
        niks, names = await samples(database, lookups, 7)
        from sqlalchemy.ext.asyncio import async_sessionmaker

        from services.registry.adapters.tables import inbox, outbox

        sessions = async_sessionmaker(engine, expire_on_commit=False)

        def uow() -> UnitOfWork:
            return UnitOfWork(sessions, OutboxWriter(outbox, "/bench"), inbox)

        await timed(uow, [SearchQuery(nik=n) for n in niks[:50]])  # warm-up
        nik_times, nik_found = await timed(uow, [SearchQuery(nik=n) for n in niks])
        nik_query_times = await timed_query(sessions, niks)
        name_times, name_found = await timed(uow, [SearchQuery(name=nm, region=v)
                                                   for nm, v in names])
        rules = load_rules()
        async with sessions() as session:
            started = time.perf_counter()
            assessed, with_gaps = await count_assessed(session, rules, "", TODAY)
            needs_s = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {
        "load": loaded,
        "nik": {**stats(nik_times), "found_share": nik_found},
        "nik_query_only": stats(nik_query_times),
        "name_in_village": {**stats(name_times), "found_share": name_found},
        "needs_batch": {"households": assessed, "with_gaps": with_gaps,
                        "seconds": round(needs_s, 2),
                        "households_per_s": round(assessed / needs_s)},
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--database", default=None,
                        help="a database to keep: loaded with --persons if it does not exist, "
                             "reused as it is if it does (a 10M load takes a while)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="slrt-bench-"))
    database = args.database or f"slrt_bench_{uuid.uuid4().hex[:12]}"
    try:
        result = asyncio.run(bench(tmp, database, args.persons, args.lookups))
    finally:
        if not args.database:
            asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        shutil.rmtree(tmp, ignore_errors=True)
    report = {"command": command_line("bench/registry_lookup.py", argv),
              "date": dt.date.today().isoformat(), "cores": os.cpu_count(), **result,
              "targets": TARGETS, "met": {
                  "nik_p99_ms": result["nik"]["p99_ms"] < TARGETS["nik_p99_ms"],
                  "name_p99_ms": result["name_in_village"]["p99_ms"] < TARGETS["name_p99_ms"],
                  "needs_households_per_s": result["needs_batch"]["households_per_s"]
                  >= TARGETS["needs_households_per_s"]}}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
