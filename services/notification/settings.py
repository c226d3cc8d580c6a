"""Notification settings (environment prefix SLRT_NOTIFICATION_)."""

from pydantic_settings import SettingsConfigDict

from slrt.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_NOTIFICATION_", extra="ignore")

    service_name: str = "notification"
    http_port: int = 8004
    database_url: str = "sqlite+aiosqlite:///./data/notification.db"
