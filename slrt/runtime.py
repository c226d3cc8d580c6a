"""The runtime every service shares: engine, unit of work, broker, relay, auth, telemetry and the
FastAPI lifespan that starts and stops them in order. A service only declares its parts.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import MetaData, Table, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .aio import cancel_and_wait
from .auth import TokenVerifier
from .db import UnitOfWork, make_engine
from .embedded.topics import ensure_broker_epoch
from .messaging import OffsetCommitter, Subscription, make_broker, subscribe
from .outbox import OUTBOX_CHANNEL, Clock, OutboxWriter, utcnow
from .producer import RelayProducer
from .relay import OutboxListener, OutboxRelay
from .settings import ServiceSettings
from .telemetry import Telemetry

log = logging.getLogger(__name__)


@dataclass
class ServiceDefinition:
    """What a service brings: its name, tables, routes, subscriptions and start-up hooks."""

    name: str
    metadata: MetaData
    migrations: Path
    router: APIRouter
    subscriptions: Callable[[Runtime], Sequence[Subscription]] = lambda _rt: ()
    #: Loads service data into `runtime.extras` before subscriptions are made (e.g. policies).
    prepare: Callable[[Runtime], None] | None = None
    on_broker_ready: Sequence[Callable[[Runtime], Awaitable[None]]] = ()
    #: Stops and releases what `prepare` started or opened (first, while the relay, broker and
    #: database are still there).
    on_shutdown: Callable[[Runtime], Awaitable[None]] | None = None
    title: str = "SLRT"


@dataclass
class Runtime:
    """Everything a request or message handler may need, built once at start-up."""

    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    broker: KafkaBroker
    producer: RelayProducer
    relay: OutboxRelay
    verifier: TokenVerifier
    telemetry: Telemetry
    outbox: OutboxWriter
    inbox: Table
    meta: Table
    clock: Clock = utcnow
    broker_ready: asyncio.Event = field(default_factory=asyncio.Event)
    extras: dict[str, Any] = field(default_factory=dict)
    committer: OffsetCommitter | None = None

    @property
    def api_only(self) -> bool:
        """This process serves HTTP only; the service's "all" process relays and consumes."""
        return self.settings.process_role == "api"

    def uow(self) -> UnitOfWork:
        if self.api_only:
            return UnitOfWork(self.sessions, self.outbox, self.inbox, notify=OUTBOX_CHANNEL)
        return UnitOfWork(self.sessions, self.outbox, self.inbox, on_commit=self.relay.wake)


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI runs a plain `def` dependency in a worker thread, a costly hop per request.
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def build_runtime(definition: ServiceDefinition, settings: ServiceSettings,
                  telemetry: Telemetry, clock: Clock = utcnow) -> Runtime:
    engine = make_engine(settings.database_url)
    if settings.process_role == "api" and engine.dialect.name != "postgresql":
        raise ValueError("process_role 'api' needs PostgreSQL: the relay of the service's "
                         "'all' process learns of the API process's commits by NOTIFY")
    if settings.trace_sql:
        telemetry.instrument_engine(engine)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    broker = make_broker(settings, telemetry.provider)
    tables = definition.metadata.tables
    outbox = OutboxWriter(tables["outbox"], source=f"/slrt/{definition.name}", clock=clock)
    producer = RelayProducer(settings, telemetry.provider)
    relay = OutboxRelay(sessions, tables["outbox"], producer.publish,
                        batch_size=settings.outbox_batch_size,
                        poll_interval_s=settings.outbox_poll_interval_s,
                        lease_s=settings.outbox_lease_s,
                        linger_s=settings.outbox_linger_ms / 1000,
                        retention_hours=settings.outbox_retention_hours, clock=clock)
    runtime = Runtime(settings=settings, engine=engine, sessions=sessions, broker=broker,
                      producer=producer, relay=relay,
                      verifier=TokenVerifier.from_settings(settings), telemetry=telemetry,
                      outbox=outbox, inbox=tables["inbox"], meta=tables["service_meta"],
                      clock=clock)
    if definition.prepare is not None:
        definition.prepare(runtime)
    if not runtime.api_only:
        runtime.committer = subscribe(broker, settings, runtime.uow,
                                      definition.subscriptions(runtime),
                                      tracer_provider=telemetry.provider)
    return runtime


async def _connect_broker(runtime: Runtime, definition: ServiceDefinition) -> None:
    """Connect in the background: HTTP keeps serving (and the outbox keeps filling) meanwhile."""
    delay = 0.5
    while True:
        # Probe first: a failed KafkaBroker.start() leaves an unclosed producer behind.
        if await _reachable(runtime.settings.kafka_bootstrap_servers):
            try:
                await runtime.broker.start()
                await runtime.producer.start()
                break
            except Exception as exc:  # reachable but not serving yet
                log.warning("broker start failed (%s)", type(exc).__name__)
                with contextlib.suppress(Exception):
                    await runtime.broker.stop()
        log.warning("broker not reachable; retrying in %.1fs", delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 10.0)
    await _check_broker_epoch(runtime)
    for hook in definition.on_broker_ready:
        await hook(runtime)
    runtime.relay.start()
    runtime.broker_ready.set()


async def _reachable(bootstrap: str) -> bool:
    """True if any bootstrap server accepts a TCP connection."""
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the connection attempt fails, and shutdown would then wait forever.
            async with asyncio.timeout(2.0):
                _, writer = await asyncio.open_connection(host, int(port))
        except (OSError, TimeoutError):
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True
    return False


async def _check_broker_epoch(runtime: Runtime) -> None:
    """A broker with another epoch than last time lost our events: publish the retained ones."""
    epoch = await ensure_broker_epoch(runtime.settings.kafka_bootstrap_servers)
    meta = runtime.meta
    async with runtime.sessions() as session, session.begin():
        seen = (await session.execute(
            select(meta.c.value).where(meta.c.key == "broker_epoch"))).scalar_one_or_none()
        if seen == epoch:
            return
        if seen is None:
            await session.execute(meta.insert().values(key="broker_epoch", value=epoch))
        else:
            await session.execute(
                meta.update().where(meta.c.key == "broker_epoch").values(value=epoch))
    if seen is not None:
        count = await runtime.relay.republish_retained()
        log.warning("fresh broker detected: re-publishing %d retained outbox rows", count)


def settle_heap() -> None:
    """For a process that serves one app, once it has started: what start-up built (modules,
    reference data, compiled tables) lives as long as the process, so it leaves the garbage
    collector's sight, and full collections no longer walk it. Measured on intake: they had
    stalled requests for tens of ms (p99 120 -> 45 ms at 16 concurrent submissions). The
    young generation keeps its default size: collecting it every 20,000 allocations instead of
    700 cost the consumers about 2 ms of CPU per complaint."""
    gc.collect()
    gc.freeze()


def create_app(definition: ServiceDefinition, settings: ServiceSettings,
               clock: Clock = utcnow) -> FastAPI:
    telemetry = Telemetry(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = build_runtime(definition, settings, telemetry, clock)
        if getattr(app.state, "settle_heap_after_start", False):
            settle_heap()
        app.state.runtime = runtime
        app.state.token_verifier = runtime.verifier  # read by slrt.auth.bearer_principal
        # An API-only process neither publishes nor consumes: no broker connection at all.
        connecting = (None if runtime.api_only
                      else asyncio.create_task(_connect_broker(runtime, definition)))
        listener = None
        if not runtime.api_only and runtime.engine.dialect.name == "postgresql":
            listener = OutboxListener(settings.database_url, OUTBOX_CHANNEL, runtime.relay.wake)
            listener.start()
            runtime.extras["outbox_listener"] = listener
        try:
            yield
        finally:
            if connecting is not None:
                await cancel_and_wait(connecting)
            if listener is not None:
                await listener.stop()
            if definition.on_shutdown is not None:
                await definition.on_shutdown(runtime)
            await runtime.relay.stop()
            await runtime.producer.stop()
            if runtime.committer is not None:  # what was handled, before the consumer goes
                await runtime.committer.stop()
            await runtime.broker.stop()
            await runtime.engine.dispose()
            runtime.telemetry.shutdown()

    # Request spans come from the OpenTelemetry instrumentor (`Telemetry.instrument_app`), with
    # our provider. FastAPI's own telemetry stays off: it would otherwise look up the global
    # providers on every request (about 2 % of intake's CPU) only to find them unset.
    app = FastAPI(title=f"{definition.title} — {definition.name}", lifespan=lifespan,
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    app.include_router(definition.router)
    app.include_router(_health_router())
    # Before the first request: Starlette builds its middleware stack once, at start-up.
    telemetry.instrument_app(app)
    return app


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/metrics", include_in_schema=False)
    async def metrics(runtime: RuntimeDep) -> Response:
        """Prometheus text format; values are read at scrape time, labelled by service only."""
        registry = CollectorRegistry()
        labels = {"service": runtime.settings.service_name}
        depth, age = await runtime.relay.depth_and_age()
        Gauge("slrt_outbox_pending", "Outbox rows not yet published", ["service"],
              registry=registry).labels(**labels).set(depth)
        Gauge("slrt_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row",
              ["service"], registry=registry).labels(**labels).set(age)
        Gauge("slrt_outbox_published", "Rows published by this process's relay", ["service"],
              registry=registry).labels(**labels).set(runtime.relay.published_total)
        Gauge("slrt_broker_connected", "1 when the broker client is started", ["service"],
              registry=registry).labels(**labels).set(int(runtime.broker_ready.is_set()))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @router.get("/readyz")
    async def readyz(runtime: RuntimeDep) -> JSONResponse:
        checks: dict[str, Any] = {}
        try:
            async with runtime.sessions() as session:
                await session.execute(text("SELECT 1"))
            checks["database"] = "ok"
            depth, age = await runtime.relay.depth_and_age()
            checks["outbox"] = {"pending": depth, "oldest_age_s": round(age, 3)}
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        if runtime.api_only:
            checks["broker"] = "not used (API-only process)"
            broker_ok = True
        else:
            broker_ok = runtime.broker_ready.is_set()
            checks["broker"] = "ok" if broker_ok else "connecting"
        ready = checks["database"] == "ok" and broker_ok
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    return router
