"""CloudEvents-style Kafka envelope: `ce_*` headers beside `traceparent`, the payload as the body.

Follows the binary content mode of the CloudEvents Kafka binding: metadata in headers, the event
model's JSON (UTF-8) as the record value. The Kafka key is `event.key()`, chosen by the producer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from .base import Contract

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
TRACEPARENT = "traceparent"
#: Headers a consumer cannot do without (CloudEvents REQUIRED attributes).
REQUIRED = ("ce_id", "ce_type", "ce_source", "ce_specversion")

C = TypeVar("C", bound=Contract)


class EnvelopeError(ValueError):
    """The Kafka headers of a record do not form a valid SLRT envelope."""


@dataclass(frozen=True, slots=True)
class CloudEventMeta:
    """Envelope metadata of one record. `id` is opaque (our producers use UUIDs)."""

    id: str
    type: str
    source: str
    time: dt.datetime | None
    traceparent: str | None = None


def format_time(value: dt.datetime) -> str:
    """RFC 3339 in UTC with a `Z` suffix; naive datetimes are refused as ambiguous."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("event time must be timezone-aware")
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def headers_for(
    event: Contract,
    *,
    source: str,
    event_id: uuid.UUID | None = None,
    time: dt.datetime | None = None,
    traceparent: str | None = None,
) -> dict[str, str]:
    """The Kafka headers of one event: `ce_*` attributes, content type and `traceparent`."""
    headers = {
        "ce_id": str(event_id or uuid.uuid4()),
        "ce_type": event.event_type,
        "ce_source": source,
        "ce_time": format_time(time or dt.datetime.now(dt.UTC)),
        "ce_specversion": SPECVERSION,
        "content-type": CONTENT_TYPE,
    }
    if traceparent:
        headers[TRACEPARENT] = traceparent
    return headers


def encode(event: Contract) -> bytes:
    """The record value: the event's JSON in UTF-8."""
    return event.model_dump_json().encode("utf-8")


def decode(model_cls: type[C], body: bytes) -> C:
    """Parse a record value into its contract; raises `pydantic.ValidationError` if invalid."""
    return model_cls.model_validate_json(body)


def _text(name: str, value: bytes | str) -> str:
    if isinstance(value, str):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EnvelopeError(f"Kafka header {name!r} is not UTF-8") from exc


def read_headers(headers: Mapping[str, bytes | str]) -> CloudEventMeta:
    """Envelope metadata from Kafka headers; `EnvelopeError` names what is missing or wrong."""
    values = {name: _text(name, value) for name, value in headers.items()}
    missing = [name for name in REQUIRED if not values.get(name)]
    if missing:
        raise EnvelopeError(f"missing CloudEvents Kafka header(s): {', '.join(missing)}")
    if values["ce_specversion"] != SPECVERSION:
        raise EnvelopeError(f"unsupported ce_specversion {values['ce_specversion']!r}")
    time: dt.datetime | None = None
    if raw_time := values.get("ce_time"):
        try:
            time = dt.datetime.fromisoformat(raw_time)
        except ValueError as exc:
            raise EnvelopeError(f"ce_time {raw_time!r} is not an RFC 3339 timestamp") from exc
        if time.tzinfo is None:
            raise EnvelopeError(f"ce_time {raw_time!r} has no UTC offset")
    return CloudEventMeta(
        id=values["ce_id"],
        type=values["ce_type"],
        source=values["ce_source"],
        time=time,
        traceparent=values.get(TRACEPARENT) or None,
    )
