"""Notification settings (environment prefix SLRT_NOTIFICATION_)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from slrt.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_NOTIFICATION_", extra="ignore")

    service_name: str = "notification"
    http_port: int = 8004
    database_url: str = "sqlite+aiosqlite:///./data/notification.db"
    # Notification consumes to keep its deadline book, whose first reminder is hours away: a
    # tenth of a second of lag costs nothing. Tansu answers a waiting fetch only when the wait
    # runs out, so the default 10 ms wait kept ~9 % of a core busy with empty answers, idle.
    kafka_fetch_max_wait_ms: int = 100

    # Scheduler: a loop in the service, claiming due work with leases (SKIP LOCKED on PostgreSQL).
    scheduler_enabled: bool = True
    scheduler_interval_s: float = Field(5.0, gt=0)
    scheduler_batch_size: int = Field(200, ge=1)
    scheduler_lease_s: float = Field(60.0, gt=0, description="Longer than one send can take")
    policy_file: Path | None = None  # default: domain/reminder_policy_v1.json
    contacts_file: Path | None = None  # default: domain/contacts_demo.json
    referral_link: str = "http://127.0.0.1:8003/v1/referrals/{referral_id}"

    # Delivery: bounded retries with exponential backoff, then `failed` and a manager is told.
    delivery_max_attempts: int = Field(5, ge=1)
    delivery_backoff_s: float = Field(2.0, ge=0)
    delivery_backoff_max_s: float = Field(600.0, ge=0)
    delivery_timeout_s: float = Field(10.0, gt=0)
    # Few connections: httpcore scans its whole pool per request, so 8 beat 32 (bench/README).
    delivery_concurrency: int = Field(8, ge=1)

    # Channels. No SMTP host: email is not sent (the inbox still has every message).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "SLRT <no-reply@slrt.example>"
    webhook_secret: str = "slrt-dev-webhook-secret"
    sms_gateway_url: str | None = None
