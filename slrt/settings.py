"""Settings shared by every service; each service subclasses with its own `SLRT_<SERVICE>_` prefix.

Built at start-up (`Settings()` in bootstrap), never at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "slrt"
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    # "all": HTTP, outbox relay and consumers in one process (the embedded default). "api":
    # HTTP only, for processes added beside one "all" process of the same service (PostgreSQL
    # only): their commits NOTIFY that process's relay, which publishes their outbox rows.
    process_role: Literal["all", "api"] = "all"

    # Each service owns its database: a SQLite file (embedded default) or PostgreSQL (production).
    database_url: str = "sqlite+aiosqlite:///./data/service.db"

    # Broker: settings that differ between Tansu (embedded) and Apache Kafka (production).
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_enable_idempotence: bool = False  # Tansu fails idempotent producers; True on Kafka
    kafka_acks: str = "all"
    kafka_session_timeout_ms: int = 2000  # Tansu: 1-2 s; Apache Kafka refuses under 6000
    kafka_heartbeat_interval_ms: int = 500
    kafka_fetch_max_wait_ms: int = 10  # Tansu answers a waiting fetch only when this runs out
    kafka_auto_offset_reset: str = "earliest"
    kafka_consumer_group_prefix: str = "slrt"
    kafka_compression: str | None = "zstd"
    consumer_max_attempts: int = Field(3, ge=1, description="Tries before a message goes to DLQ")
    consumer_retry_backoff_s: float = 0.2
    # Handled messages' offsets are committed together this often (a redelivery after a crash
    # is at most this much, and harmless: the inbox knows the events).
    consumer_commit_interval_ms: float = Field(200.0, gt=0)
    # Up to this many ready events per consumer call (1 = one call per event). When none is
    # ready the consumer looks again after consumer_batch_timeout_ms.
    consumer_batch_max_records: int = Field(100, ge=1)
    consumer_batch_timeout_ms: int = Field(5, ge=1)

    # Outbox relay
    outbox_poll_interval_s: float = 0.5
    outbox_batch_size: int = 200
    outbox_retention_hours: int = 72  # published rows kept for replay onto a fresh broker
    outbox_lease_s: float = 30.0
    # Under load (woken again soon after a round) the relay waits this long so that the rows of
    # several commits go out in one round; a lone commit is published at once.
    outbox_linger_ms: float = 5.0

    # Authentication: bearer JWT (RS256). Embedded default: a public key file; production: JWKS.
    auth_issuer: str = "slrt-dev"
    auth_audience: str = "slrt"
    auth_public_key_file: Path | None = None
    auth_jwks_url: str | None = None

    # Telemetry
    otlp_endpoint: str | None = None  # e.g. http://otel-collector:4318
    trace_file: Path | None = None  # JSON lines of finished spans (embedded default, tests)
    # A span per SQL statement: about 60 per complaint's journey, and a tenth of a service's CPU.
    # The request and event spans already follow a case; statements are for a database inquiry.
    trace_sql: bool = False
