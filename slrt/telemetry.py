"""OpenTelemetry set-up: one tracer provider per process, FastAPI + SQLAlchemy + httpx
instrumentation, spans to a JSON-lines file (embedded default, tests) and/or OTLP (production).

Kafka spans come from FastStream's `KafkaTelemetryMiddleware` (see `messaging.make_broker`); the
aiokafka instrumentor is deliberately not used, or every Kafka span would appear twice.
"""

from __future__ import annotations

import json
import logging
from typing import IO, Any

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from sqlalchemy.ext.asyncio import AsyncEngine

from .settings import ServiceSettings

log = logging.getLogger(__name__)


def _one_line(span: ReadableSpan) -> str:
    """One span as one JSON line. (`span.to_json` fails on the bytes attributes some
    instrumentations set, e.g. Kafka message keys.)"""
    ctx = span.get_span_context()
    record = {
        "name": span.name,
        "service": span.resource.attributes.get("service.name"),
        "trace_id": f"{ctx.trace_id:032x}" if ctx else None,
        "span_id": f"{ctx.span_id:016x}" if ctx else None,
        "parent_id": f"{span.parent.span_id:016x}" if span.parent else None,
        "kind": span.kind.name,
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "status": span.status.status_code.name,
        "attributes": dict(span.attributes or {}),
    }
    return json.dumps(record, default=_plain) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, tuple | list):
        return list(value)
    return str(value)


class Telemetry:
    """Owns the tracer provider and the files it writes; `shutdown()` flushes them."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.provider = TracerProvider(
            resource=Resource.create({"service.name": f"slrt-{settings.service_name}"}))
        self._files: list[IO[str]] = []
        if settings.trace_file is not None:
            settings.trace_file.parent.mkdir(parents=True, exist_ok=True)
            out = settings.trace_file.open("a", encoding="utf-8")
            self._files.append(out)
            exporter = ConsoleSpanExporter(out=out, formatter=_one_line)
            self.provider.add_span_processor(
                BatchSpanProcessor(exporter, schedule_delay_millis=200))
        if settings.otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            endpoint = settings.otlp_endpoint.rstrip("/") + "/v1/traces"
            self.provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint)))

    def instrument_app(self, app: FastAPI) -> None:
        # Health probes would flood the trace store without telling anything; the ASGI
        # receive/send sub-spans (three per request) cost CPU and say nothing the server span
        # does not.
        FastAPIInstrumentor.instrument_app(app, tracer_provider=self.provider,
                                           excluded_urls="healthz,readyz,metrics",
                                           exclude_spans=["receive", "send"])

    def instrument_engine(self, engine: AsyncEngine) -> None:
        SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine,
                                            tracer_provider=self.provider,
                                            enable_commenter=False)

    def instrument_httpx(self, client: Any) -> None:
        HTTPXClientInstrumentor.instrument_client(client, tracer_provider=self.provider)

    def shutdown(self) -> None:
        self.provider.shutdown()
        for f in self._files:
            f.close()
