"""Intake settings (environment prefix SLRT_INTAKE_)."""

from pydantic_settings import SettingsConfigDict

from slrt.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_INTAKE_", extra="ignore")

    service_name: str = "intake"
    http_port: int = 8001
    database_url: str = "sqlite+aiosqlite:///./data/intake.db"
    # Intake consumes only to fold its front-office read model (statuses, timelines), which
    # may lag a tenth of a second. Tansu answers a waiting fetch only when the wait runs out,
    # so every 10 ms an empty answer for six topics cost ~5 % of intake's CPU under load.
    kafka_fetch_max_wait_ms: int = 100
