"""Intake settings (environment prefix SLRT_INTAKE_)."""

from pydantic_settings import SettingsConfigDict

from slrt.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_INTAKE_", extra="ignore")

    service_name: str = "intake"
    http_port: int = 8001
    database_url: str = "sqlite+aiosqlite:///./data/intake.db"
