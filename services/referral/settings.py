"""Referral settings (environment prefix SLRT_REFERRAL_)."""

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from slrt.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_REFERRAL_", extra="ignore")

    service_name: str = "referral"
    http_port: int = 8003
    database_url: str = "sqlite+aiosqlite:///./data/referral.db"
    agency_directory_file: Path | None = None  # None: the packaged demo directory (DI Yogyakarta)
