"""The `slrt` command: run the whole system, one service, topics, migrations and dev tokens."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from services.referral.entrypoints.cli import agency_app
from services.registry.entrypoints.cli import registry_app

from .services import DEFAULT_PORTS, SERVICE_NAMES, service

app = typer.Typer(no_args_is_help=True, help="SLRT — Sistem Layanan dan Rujukan Terpadu")
console = Console()

DataDir = Annotated[Path, typer.Option(help="Folder for SQLite files, keys, logs and traces")]


@app.command()
def up(
    data_dir: DataDir = Path("data"),
    broker_port: int = 9092,
    intake_port: int = DEFAULT_PORTS["intake"],
    registry_port: int = DEFAULT_PORTS["registry"],
    referral_port: int = DEFAULT_PORTS["referral"],
    notification_port: int = DEFAULT_PORTS["notification"],
    demo: Annotated[bool, typer.Option(help="Load the demo registry")] = True,
    smtp_port: Annotated[int, typer.Option(help="Port of the local SMTP sink (reminder mail)")
                         ] = 8025,
    webhook_port: Annotated[int, typer.Option(
        help="Port of the local receiver of webhooks and SMS gateway requests")] = 8026,
    console_port: Annotated[int, typer.Option(help="Port of the web console")] = 8000,
) -> None:
    """Start the embedded system: Tansu broker, SQLite databases and the four services."""
    from .auth import DevTokenIssuer, Role
    from .embedded.broker import BrokerStartError
    from .embedded.ports import PortInUse
    from .embedded.stack import Stack, StackConfig

    ports = {"intake": intake_port, "registry": registry_port, "referral": referral_port,
             "notification": notification_port}
    stack = Stack(StackConfig(data_dir, broker_port, ports, load_demo=demo, smtp_port=smtp_port,
                              webhook_port=webhook_port, console_port=console_port))
    stopping = False

    def _stop(_sig: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    try:
        with console.status("starting broker, migrating databases, starting services..."):
            stack.start()
    except PortInUse as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    except (BrokerStartError, RuntimeError) as exc:
        console.print(f"[red]could not start: {exc}[/red]")
        stack.stop()
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        stack.stop()
        raise typer.Exit(130) from None

    token = DevTokenIssuer.from_folder(data_dir / "keys").issue(Role.NATIONAL_ADMIN,
                                                                subject="dev-admin")
    console.print(f"[green]SLRT is up[/green] — broker {stack.cfg.bootstrap} (Tansu, memory only)")
    console.print(f"  console       {stack.url('console')}   (sign in as any persona)")
    for name in SERVICE_NAMES:
        console.print(f"  {name:<13} {stack.url(name)}   docs: {stack.url(name)}/docs")
    console.print(f"  logs, traces   {data_dir}/logs, {data_dir}/traces")
    console.print(f"  reminder mail  SMTP sink {stack.cfg.host}:{stack.cfg.smtp_port} -> "
                  f"{stack.mail.path} (read with `slrt mail`; in-app inbox: "
                  f"{stack.url('notification')}/v1/inbox/...)")
    console.print(f"  webhooks, SMS  receiver {stack.cfg.webhook_url}/hooks/<agency>, /sms -> "
                  f"{stack.cfg.webhook_journal} (one JSON line per delivery)")
    console.print("Development token (national_admin, 8 h) — more with `slrt token`:")
    console.print(token, soft_wrap=True, highlight=False)
    console.print("Stop with Ctrl-C.")
    try:
        while not stopping:
            dead = stack.dead()
            if dead:
                console.print(f"[red]service(s) stopped unexpectedly: {', '.join(dead)}; "
                              f"see {data_dir}/logs[/red]")
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    console.print("stopping services, then the broker...")
    stack.stop()
    console.print("stopped.")


@app.command("service")
def run_service(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(SERVICE_NAMES)}")],
    migrate: Annotated[bool, typer.Option(help="Run its migrations first")] = False,
) -> None:
    """Run one service against the Kafka and database URLs of its SLRT_<NAME>_* settings."""
    import uvicorn

    from .embedded.ports import port_is_free
    from .migrations import upgrade

    try:
        entry = service(name)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(2) from None
    settings = entry.settings_cls()
    if not port_is_free(settings.http_host, settings.http_port):
        console.print(f"[red]port {settings.http_port} ({name}) is already in use: stop what uses "
                      f"it or set {entry.env_prefix}HTTP_PORT[/red]")
        raise typer.Exit(2)
    if migrate:
        upgrade(entry.bootstrap.DEFINITION.migrations, settings.database_url)
    app = entry.bootstrap.build_app(settings)
    app.state.settle_heap_after_start = True  # this process serves only this app
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning",
                access_log=False)


@app.command("console")
def run_console() -> None:
    """Run the web console against the service URLs of its SLRT_CONSOLE_* settings."""
    import uvicorn

    from services.console.bootstrap import build_app
    from services.console.settings import Settings

    from .embedded.ports import port_is_free

    settings = Settings()
    if not port_is_free(settings.http_host, settings.http_port):
        console.print(f"[red]port {settings.http_port} (console) is already in use: stop what "
                      f"uses it or set SLRT_CONSOLE_HTTP_PORT[/red]")
        raise typer.Exit(2)
    uvicorn.run(build_app(settings), host=settings.http_host, port=settings.http_port,
                log_level="warning", access_log=False)


@app.command()
def migrate(name: Annotated[str, typer.Argument(help="A service name, or 'all'")] = "all") -> None:
    """Run Alembic migrations of one or all services against their configured databases."""
    from .migrations import upgrade

    for n in SERVICE_NAMES if name == "all" else (name,):
        entry = service(n)
        upgrade(entry.bootstrap.DEFINITION.migrations, entry.settings_cls().database_url)
        console.print(f"{n}: migrated")


@app.command()
def mail(
    data_dir: DataDir = Path("data"),
    last: Annotated[int, typer.Option(help="Show the last N messages")] = 10,
) -> None:
    """Print the reminder mail the embedded SMTP sink received (newest last)."""
    from .embedded.mailsink import read_mbox

    found = read_mbox(data_dir / "mail" / "reminders.mbox")
    for message in found[-last:] if last > 0 else found:
        console.print(f"[bold]{message['Subject']}[/bold]  to {message['To']}  "
                      f"({message['Date'] or ''})", highlight=False)
        text = message.get_payload(decode=True) or b""
        console.print(text.decode(errors="replace").rstrip(), highlight=False, markup=False)
        console.print()
    console.print(f"{len(found)} message(s) in {data_dir / 'mail' / 'reminders.mbox'}")


@app.command()
def token(
    role: Annotated[str, typer.Option(help="e.g. front_office, agency_officer, manager")],
    region: Annotated[str, typer.Option(help="Kemendagri code prefix; '' = national")] = "",
    agency: Annotated[str | None, typer.Option(help="Agency id, for agency officers")] = None,
    subject: Annotated[str | None, typer.Option(help="User id (default: derived)")] = None,
    hours: float = 8.0,
    data_dir: DataDir = Path("data"),
) -> None:
    """Print a signed development JWT (the embedded default's built-in issuer)."""
    import datetime as dt

    from .auth import DevTokenIssuer

    issuer = DevTokenIssuer.from_folder(data_dir / "keys")
    try:
        jwt = issuer.issue(role, region, agency, subject=subject,
                           ttl=dt.timedelta(hours=hours))
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    print(jwt)


@app.command()
def topics(
    bootstrap: Annotated[str, typer.Option(help="Kafka bootstrap servers")] = "127.0.0.1:9092",
    replication: int = 1,
    verify: Annotated[bool, typer.Option(help="Only check, create nothing")] = False,
) -> None:
    """Create (or verify) every topic with its partition count, and the broker epoch marker."""
    from contracts import all_topics

    from .embedded.stack import agency_ids
    from .embedded.topics import ensure_broker_epoch, ensure_topics, verify_topics

    wanted = all_topics(agency_ids())
    if verify:
        problems = asyncio.run(verify_topics(bootstrap, wanted))
        for topic, problem in sorted(problems.items()):
            console.print(f"[red]{topic}: {problem}[/red]")
        console.print(f"{len(wanted) - len(problems)}/{len(wanted)} topics as expected")
        raise typer.Exit(1 if problems else 0)

    async def _create() -> list[str]:
        created = await ensure_topics(bootstrap, wanted, replication)
        await ensure_broker_epoch(bootstrap, replication)
        return created

    created = asyncio.run(_create())
    console.print(f"{len(created)} topics created, {len(wanted) - len(created)} already there")


dlq_app = typer.Typer(no_args_is_help=True, help="Dead letters: list them, replay them")
app.add_typer(dlq_app, name="dlq")
app.add_typer(registry_app, name="registry")
app.add_typer(agency_app, name="agency")


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[str, typer.Argument(help="Source topic, e.g. slrt.complaint.registered.v1")],
    bootstrap: Annotated[str, typer.Option(help="Kafka bootstrap servers")] = "127.0.0.1:9092",
) -> None:
    """Show each dead letter of a topic with the error that sent it there (no payloads)."""
    from .dlq import list_dead_letters

    letters = asyncio.run(list_dead_letters(bootstrap, topic))
    for letter in letters:
        console.print(f"{letter.partition}:{letter.offset}  {letter.error}", highlight=False)
    console.print(f"{len(letters)} dead letter(s) on {topic}.dlq")


@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[str, typer.Argument(help="The source topic to replay onto")],
    bootstrap: Annotated[str, typer.Option(help="Kafka bootstrap servers")] = "127.0.0.1:9092",
    idempotence: Annotated[bool, typer.Option(help="Idempotent producer (Apache Kafka)")] = False,
) -> None:
    """Publish the topic's dead letters back onto it (each once; resumable)."""
    from .dlq import replay

    count = asyncio.run(replay(bootstrap, topic, enable_idempotence=idempotence))
    console.print(f"{count} dead letter(s) replayed onto {topic}")


@app.command()
def tail(
    topic: Annotated[str, typer.Argument(help="e.g. slrt.agency.disdik-3402.referrals.v1")],
    bootstrap: Annotated[str, typer.Option(help="Kafka bootstrap servers")] = "127.0.0.1:9092",
    follow: Annotated[bool, typer.Option(help="Keep waiting for new records")] = False,
) -> None:
    """Print a topic's records from the beginning (key, CloudEvents type, JSON body)."""
    from aiokafka import AIOKafkaConsumer

    async def _tail() -> None:
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                    auto_offset_reset="earliest", enable_auto_commit=False,
                                    fetch_max_wait_ms=50)
        await consumer.start()
        try:
            idle = 0
            while follow or idle < 5:
                batch = await consumer.getmany(timeout_ms=200)
                idle = 0 if batch else idle + 1
                for records in batch.values():
                    for r in records:
                        headers = {k: v.decode("utf-8", "replace") for k, v in r.headers}
                        key = r.key.decode() if r.key else None
                        console.print(f"[bold]{r.partition}:{r.offset}[/bold] key={key} "
                                      f"type={headers.get('ce_type')}")
                        console.print_json(r.value.decode("utf-8", "replace"))
        finally:
            await consumer.stop()

    asyncio.run(_tail())


if __name__ == "__main__":
    app()
