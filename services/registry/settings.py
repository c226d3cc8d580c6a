"""Registry settings (environment prefix SLRT_REGISTRY_)."""

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from slrt.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_REGISTRY_", extra="ignore")

    service_name: str = "registry"
    http_port: int = 8002
    database_url: str = "sqlite+aiosqlite:///./data/registry.db"
    rules_file: Path | None = None  # None: the packaged needs rules (rules_v1.json)
