"""A case remembers the trace of its complaint: the trace id comes from the assessment event's
`traceparent` (begun by intake's request), else from the consuming span."""

from __future__ import annotations

import datetime as dt

from opentelemetry.sdk.trace import TracerProvider

from contracts.envelope import CloudEventMeta
from services.referral.entrypoints.handlers import trace_id_of

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def meta(traceparent: str | None) -> CloudEventMeta:
    return CloudEventMeta("e1", "slrt.complaint.assessed.v1", "/registry",
                          dt.datetime(2026, 6, 1, tzinfo=dt.UTC), traceparent)


def test_the_events_traceparent_gives_the_trace_id() -> None:
    assert trace_id_of(meta(f"00-{TRACE}-00f067aa0ba902b7-01")) == TRACE
    assert trace_id_of(meta(f" 00-{TRACE.upper()}-00f067aa0ba902b7-01 ")) == TRACE


def test_without_a_valid_traceparent_the_consuming_span_gives_it() -> None:
    tracer = TracerProvider().get_tracer("test")
    for bad in (None, "", "garbage", f"00-{'0' * 32}-00f067aa0ba902b7-01"):
        assert trace_id_of(meta(bad)) is None  # no span either
        with tracer.start_as_current_span("consume") as span:
            expected = f"{span.get_span_context().trace_id:032x}"
            assert trace_id_of(meta(bad)) == expected
