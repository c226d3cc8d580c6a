"""CloudEvents-style Kafka envelope: headers, body encoding, header parsing."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from pydantic import ValidationError

from contracts import ComplaintRegisteredV1
from contracts.envelope import (
    CloudEventMeta,
    EnvelopeError,
    decode,
    encode,
    headers_for,
    read_headers,
)
from contracts.schema import SAMPLE_DIR, schema_name

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
WIB = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def event() -> ComplaintRegisteredV1:
    text = (SAMPLE_DIR / schema_name(ComplaintRegisteredV1)).read_text(encoding="utf-8")
    return ComplaintRegisteredV1.model_validate_json(text)


def test_headers_roundtrip_as_bytes(event: ComplaintRegisteredV1) -> None:
    event_id = uuid.uuid4()
    time = dt.datetime(2026, 3, 2, 9, 15, 0, 123000, tzinfo=WIB)
    headers = headers_for(
        event, source="/slrt/intake", event_id=event_id, time=time, traceparent=TRACEPARENT
    )
    assert headers == {
        "ce_id": str(event_id),
        "ce_type": "id.go.kemensos.slrt.complaint.registered.v1",
        "ce_source": "/slrt/intake",
        "ce_time": "2026-03-02T02:15:00.123000Z",
        "ce_specversion": "1.0",
        "content-type": "application/json",
        "traceparent": TRACEPARENT,
    }
    meta = read_headers({k: v.encode() for k, v in headers.items()})
    assert meta == CloudEventMeta(
        id=str(event_id),
        type=event.event_type,
        source="/slrt/intake",
        time=time,
        traceparent=TRACEPARENT,
    )


def test_headers_defaults(event: ComplaintRegisteredV1) -> None:
    before = dt.datetime.now(dt.UTC)
    headers = headers_for(event, source="/slrt/intake")
    assert "traceparent" not in headers
    assert uuid.UUID(headers["ce_id"]).version == 4
    meta = read_headers(headers)
    assert meta.time is not None and meta.time >= before.replace(microsecond=0)
    assert meta.traceparent is None


def test_naive_time_is_refused(event: ComplaintRegisteredV1) -> None:
    with pytest.raises(ValueError):
        headers_for(event, source="/slrt/intake", time=dt.datetime(2026, 3, 2, 9, 15))


@pytest.mark.parametrize("name", ["ce_id", "ce_type", "ce_source", "ce_specversion"])
def test_missing_required_header(event: ComplaintRegisteredV1, name: str) -> None:
    headers = headers_for(event, source="/slrt/intake")
    del headers[name]
    with pytest.raises(EnvelopeError, match=name):
        read_headers(headers)


def test_empty_ce_id_counts_as_missing(event: ComplaintRegisteredV1) -> None:
    headers = {**headers_for(event, source="/slrt/intake"), "ce_id": b""}
    with pytest.raises(EnvelopeError, match="ce_id"):
        read_headers(headers)


@pytest.mark.parametrize(
    ("name", "value"),
    [("ce_specversion", "0.3"), ("ce_time", "yesterday"), ("ce_time", "2026-03-02T09:15:00")],
)
def test_invalid_header_values(event: ComplaintRegisteredV1, name: str, value: str) -> None:
    headers = {**headers_for(event, source="/slrt/intake"), name: value}
    with pytest.raises(EnvelopeError, match=name):
        read_headers(headers)


def test_non_utf8_header(event: ComplaintRegisteredV1) -> None:
    headers = {**headers_for(event, source="/slrt/intake"), "ce_source": b"\xff"}
    with pytest.raises(EnvelopeError, match="ce_source"):
        read_headers(headers)


def test_encode_decode_roundtrip(event: ComplaintRegisteredV1) -> None:
    body = encode(event)
    assert isinstance(body, bytes)
    assert json.loads(body.decode("utf-8"))["complaint_number"] == "SLRT-3402-2026-000123"
    assert decode(ComplaintRegisteredV1, body) == event


def test_decode_rejects_invalid_payload() -> None:
    with pytest.raises(ValidationError):
        decode(ComplaintRegisteredV1, b'{"complaint_id": "not-a-uuid"}')
