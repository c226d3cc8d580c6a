"""Where each service's composition root lives, for the CLI (the only place that knows all four)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from .settings import ServiceSettings

SERVICE_NAMES = ("intake", "registry", "referral", "notification")
DEFAULT_PORTS = {"intake": 8001, "registry": 8002, "referral": 8003, "notification": 8004}


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    bootstrap: ModuleType
    settings_cls: type[ServiceSettings]

    @property
    def env_prefix(self) -> str:
        return f"SLRT_{self.name.upper()}_"


def service(name: str) -> ServiceEntry:
    if name not in SERVICE_NAMES:
        raise KeyError(f"unknown service {name!r}; choose one of {', '.join(SERVICE_NAMES)}")
    bootstrap = importlib.import_module(f"services.{name}.bootstrap")
    settings_module = importlib.import_module(f"services.{name}.settings")
    return ServiceEntry(name, bootstrap, settings_module.Settings)
