"""Referral settings (environment prefix SLRT_REFERRAL_)."""

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from slrt.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_REFERRAL_", extra="ignore")

    service_name: str = "referral"
    http_port: int = 8003
    database_url: str = "sqlite+aiosqlite:///./data/referral.db"
    # The directory the routing rules are checked against at start-up (None: the packaged DI
    # Yogyakarta demo). Referrals go to the agencies of the database, edited through the API.
    agency_directory_file: Path | None = None
