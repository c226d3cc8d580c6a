"""`slrt registry ...`: synthetic registry files and bulk import of DTKS-like CSV exports.

Mounted by `slrt/cli.py`. Heavy imports happen inside the commands, so that `slrt --help`
stays quick.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

registry_app = typer.Typer(no_args_is_help=True,
                           help="Registry data: synthetic households, bulk import")
console = Console()


class _RowsColumn(ProgressColumn):
    """Rows done, rows per second and rows rejected (the bar advances by bytes of the file)."""

    def render(self, task: Task) -> Text:
        rows = int(task.fields.get("rows", 0))
        elapsed = task.elapsed or 0.0
        rate = rows / elapsed if elapsed > 0 else 0.0
        rejected = int(task.fields.get("rejected", 0))
        return Text(f"{rows:,} rows {rate:,.0f}/s {rejected:,} rejected")


@registry_app.command("generate")
def generate(
    out: Annotated[Path, typer.Option(
        help="File to write: Parquet when it ends in .parquet or .pq, CSV otherwise")],
    households: Annotated[int, typer.Option(min=0, help="How many households")] = 1000,
    seed: Annotated[int, typer.Option(help="Same seed, same file")] = 1,
    region: Annotated[str | None, typer.Option(
        help="Kemendagri code (province 34, regency 3402, kecamatan 340205, village); "
             "default: the whole country")] = None,
) -> None:
    """Write synthetic households (real villages, valid NIK/KK) as a DTKS-like CSV or Parquet
    file."""
    from slrt.reference import plain_code
    from slrt.reference import region as find_region

    from ..adapters.dtks_files import write_export
    from ..domain.synthetic import generate_households

    code = plain_code(region) if region else None
    if code is not None and find_region(code) is None:
        console.print(f"[red]unknown region code {region}[/red]")
        raise typer.Exit(2)
    started = time.perf_counter()
    with console.status(f"generating {households:,} households..."):
        persons = write_export(out, generate_households(households, seed, code))
    seconds = time.perf_counter() - started
    console.print(f"{persons:,} persons in {households:,} households written to {out} "
                  f"in {seconds:.1f} s ({persons / max(seconds, 1e-9):,.0f} persons/s)")


def _summary_table(summary: dict[str, Any]) -> Table:
    table = Table(title="import")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in ("rows_read", "accepted", "rejected", "changes", "seconds"):
        table.add_row(key.replace("_", " "), f"{summary[key]:,}")
    if summary["seconds"]:
        table.add_row("rows/s", f"{summary['rows_read'] / summary['seconds']:,.0f}")
    return table


@registry_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="DTKS-like export: CSV or Parquet")],
    database_url: Annotated[str | None, typer.Option(
        help="Registry database (default: SLRT_REGISTRY_DATABASE_URL)")] = None,
    report: Annotated[Path | None, typer.Option(
        help="Where to write the rejected rows (default: FILE.rejected.csv beside it)")] = None,
    actor: Annotated[str, typer.Option(help="Who imports, for the change history")] = "import",
    source: Annotated[str, typer.Option(help="Source for rows that name none")] = "import",
    chunk_rows: Annotated[int, typer.Option(min=100, help="Rows per transaction")] = 20_000,
    restart: Annotated[bool, typer.Option(
        help="Import again a file whose import finished before")] = False,
    defer_indexes: Annotated[bool, typer.Option(
        help="PostgreSQL: drop secondary indexes and foreign keys during the load and rebuild "
             "them at the end (faster; for a registry that is not serving yet)")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the summary")
                        ] = None,
) -> None:
    """Import a DTKS-like CSV or Parquet export: validate, load (resumable), report every
    rejected row."""
    from slrt.db import make_engine
    from slrt.migrations import upgrade

    from ..adapters.dtks_csv import FormatError
    from ..bootstrap import DEFINITION
    from ..service_layer.importing import ImportOptions, ImportProgress, import_file
    from ..settings import Settings

    url = database_url or Settings().database_url
    if defer_indexes and not url.startswith("postgresql"):
        console.print("--defer-indexes applies to PostgreSQL only; importing with indexes")
    with console.status("migrating the registry database..."):
        upgrade(DEFINITION.migrations, url)
    options = ImportOptions(actor=actor, source=source, chunk_rows=chunk_rows, restart=restart,
                            defer_indexes=defer_indexes)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
               _RowsColumn(), TimeElapsedColumn(), TimeRemainingColumn())

    async def run() -> Any:
        engine = make_engine(url)
        try:
            with Progress(*columns, console=console) as progress:
                task = progress.add_task(file.name, total=file.stat().st_size, rows=0)

                def show(p: ImportProgress) -> None:
                    progress.update(task, completed=p.bytes_read, rows=p.rows_read,
                                    rejected=p.rejected)

                return await import_file(engine, file, report=report, options=options,
                                         on_progress=show)
        finally:
            await engine.dispose()

    try:
        summary = asyncio.run(run())
    except FormatError as exc:
        console.print(f"[red]{file}: {exc}[/red]")
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        console.print("[yellow]stopped; run the same command again to continue[/yellow]")
        raise typer.Exit(130) from None
    data = summary.as_dict()
    if summary.already_finished:
        console.print(f"{file.name} was imported before (run {summary.run_id}); nothing to do. "
                      "Use --restart to import it again.")
    elif summary.resumed_from_row is not None:
        console.print(f"continued the stopped import from row {summary.resumed_from_row:,}")
    console.print(_summary_table(data))
    if summary.report is not None:
        console.print(f"[yellow]{summary.rejected:,} rejected rows, with reasons: "
                      f"{summary.report}[/yellow]")
    if json_out is not None:
        json_out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@registry_app.command("gaps")
def gaps(
    region: Annotated[str, typer.Option(help="Kemendagri code: province, regency, kecamatan "
                                             "or village")],
    database_url: Annotated[str | None, typer.Option(
        help="Registry database (default: SLRT_REGISTRY_DATABASE_URL)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
    batch: Annotated[int, typer.Option(min=1, help="Households read per batch")] = 1000,
) -> None:
    """List households eligible for a program they do not receive (exclusion errors), with the
    rule ids and the facts that fired them."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from sqlalchemy.ext.asyncio import AsyncSession

    from slrt.db import make_engine

    from ..domain.rules import load_rules
    from ..service_layer.needs_batch import find_gaps
    from ..settings import Settings

    settings = Settings()
    code = region.replace(".", "").strip()
    if not code.isdigit():
        raise typer.BadParameter("region must be a Kemendagri code (digits)")
    rules = load_rules(settings.rules_file)
    today = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()

    async def run() -> tuple[int, int]:
        engine = make_engine(database_url or settings.database_url)
        households = needs = 0
        try:
            async with AsyncSession(engine) as session:
                async for found in find_gaps(session, rules, code, today, batch):
                    households += 1
                    needs += len(found.gaps)
                    h = found.household
                    if as_json:
                        print(json.dumps({
                            "household_id": str(h.household_id),
                            "village_code": h.village_code,
                            "welfare_decile": h.welfare_decile,
                            "gaps": [{"program": g.need.program, "need": g.need.code,
                                      "rule_id": g.need.rule_id, "facts": g.facts,
                                      "reason": g.need.reason} for g in found.gaps]}))
                        continue
                    for g in found.gaps:
                        facts = ", ".join(f"{k}={v}" for k, v in g.facts.items())
                        console.print(f"{h.household_id}  {h.village_code}  "
                                      f"{g.need.program:<8} {g.need.rule_id:<22} {facts}",
                                      highlight=False, soft_wrap=True)
        finally:
            await engine.dispose()
        return households, needs

    households, needs = asyncio.run(run())
    message = (f"{households:,} household(s) under {code} with {needs:,} program gap(s) "
               f"(rules {rules.version})")
    if as_json:
        typer.echo(message, err=True)
    else:
        console.print(message)
