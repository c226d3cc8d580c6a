"""`slrt up`: the whole system on one machine — Tansu, SQLite files, four service processes,
and the local stand-ins for agencies' channels: an SMTP sink for reminder mail and an HTTP
receiver for webhooks and the SMS gateway (every demo agency gets its webhooks there).

Order matters: broker, topics, migrations, demo data, services; and on the way down, services
(the broker's clients) before the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from contracts import all_topics

from ..migrations import upgrade
from ..services import SERVICE_NAMES, service
from .broker import TansuBroker
from .mailsink import MailSink
from .ports import ensure_ports_free
from .process import terminate
from .receiver import Receiver
from .topics import ensure_broker_epoch, ensure_topics


@dataclass
class StackConfig:
    data_dir: Path
    broker_port: int = 9092
    ports: dict[str, int] = field(default_factory=dict)
    host: str = "127.0.0.1"
    load_demo: bool = True
    smtp_port: int = 8025  # the local SMTP sink that receives reminder mail
    webhook_port: int = 8026  # the local receiver of webhooks and SMS gateway requests
    console_port: int | None = 8000  # the web console (None: services only)
    # The receiver checks signatures with it; a fixed development value, like the dev keys.
    webhook_secret: str = "slrt-dev-webhook-secret"

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def webhook_url(self) -> str:
        return f"http://{self.host}:{self.webhook_port}"

    @property
    def webhook_journal(self) -> Path:
        return self.data_dir / "webhooks" / "received.jsonl"

    @property
    def contacts_file(self) -> Path:
        return self.data_dir / "notification-contacts.json"

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.broker_port}"

    def database_url(self, name: str) -> str:
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{name}.db').resolve()}"


def agency_ids() -> list[str]:
    from services.referral.domain.agencies import load_agency_directory

    return [a.agency_id for a in load_agency_directory().all()]


def service_env(cfg: StackConfig, name: str, public_key: Path) -> dict[str, str]:
    """Environment of one service process: its own database, the broker, keys, trace file."""
    prefix = service(name).env_prefix
    values = {
        "DATABASE_URL": cfg.database_url(name),
        "KAFKA_BOOTSTRAP_SERVERS": cfg.bootstrap,
        "KAFKA_ENABLE_IDEMPOTENCE": "false",  # Tansu 0.6 fails idempotent producers
        "HTTP_HOST": cfg.host,
        "HTTP_PORT": str(cfg.ports[name]),
        "AUTH_PUBLIC_KEY_FILE": str(public_key),
        "TRACE_FILE": str((cfg.data_dir / "traces" / f"{name}.jsonl").resolve()),
    }
    if name == "notification":  # reminders go to the local sink and the local receiver
        values.update({"SMTP_HOST": cfg.host, "SMTP_PORT": str(cfg.smtp_port),
                       "WEBHOOK_SECRET": cfg.webhook_secret,
                       "SMS_GATEWAY_URL": f"{cfg.webhook_url}/sms"})
        if prefix + "CONTACTS_FILE" not in os.environ:  # a contact book of one's own wins
            values["CONTACTS_FILE"] = str(cfg.contacts_file.resolve())
    env = dict(os.environ)
    env.update({prefix + k: v for k, v in values.items()})
    return env


def console_env(cfg: StackConfig) -> dict[str, str]:
    """Environment of the console: the four services' URLs and the development issuer."""
    values = {f"{name.upper()}_URL": f"http://{cfg.host}:{cfg.ports[name]}"
              for name in SERVICE_NAMES}
    values.update({"HTTP_HOST": cfg.host, "HTTP_PORT": str(cfg.console_port),
                   "DEV_KEYS_DIR": str((cfg.data_dir / "keys").resolve()),
                   "PUBLIC_URL": f"http://{cfg.host}:{cfg.console_port}",
                   "TRACE_FILE": str((cfg.data_dir / "traces" / "console.jsonl").resolve())})
    return {**os.environ, **{f"SLRT_CONSOLE_{k}": v for k, v in values.items()}}


def prepare(cfg: StackConfig) -> Path:
    """Migrate every service's SQLite file and load the demo registry; return the public key."""
    from ..auth import ensure_dev_keys

    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    _, public_key = ensure_dev_keys(cfg.data_dir / "keys")
    for name in SERVICE_NAMES:
        upgrade(service(name).bootstrap.DEFINITION.migrations, cfg.database_url(name))
    if cfg.load_demo:
        from services.registry.bootstrap import load_demo_registry

        asyncio.run(load_demo_registry(cfg.database_url("registry")))
    return public_key


def write_demo_contacts(cfg: StackConfig) -> None:
    """Notification's demo contact book, plus a webhook for every agency to the local receiver
    (`/hooks/<agency_id>`), so webhook deliveries can be watched without agency endpoints."""
    from services.notification.domain.contacts import DEFAULT_CONTACTS_FILE

    book = json.loads(DEFAULT_CONTACTS_FILE.read_text(encoding="utf-8"))
    agency = book.setdefault("defaults", {}).setdefault("agency", {})
    agency["webhook"] = cfg.webhook_url + "/hooks/{agency_id}"
    cfg.contacts_file.write_text(json.dumps(book, indent=2, ensure_ascii=False) + "\n",
                                 encoding="utf-8")


async def create_topics(bootstrap: str) -> list[str]:
    created = await ensure_topics(bootstrap, all_topics(agency_ids()))
    await ensure_broker_epoch(bootstrap)
    return created


class Stack:
    """Runs the broker and the four service processes; `stop()` takes them down in order."""

    def __init__(self, cfg: StackConfig) -> None:
        self.cfg = cfg
        self.broker = TansuBroker(cfg.data_dir / "logs", port=cfg.broker_port, host=cfg.host)
        self.mail = MailSink(cfg.mail_dir, port=cfg.smtp_port, host=cfg.host)
        self.webhooks: Receiver | None = None  # binds its port when built: built in start()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []

    def start(self, ready_timeout: float = 60.0) -> None:
        wanted = {"broker": self.cfg.broker_port, "smtp": self.cfg.smtp_port,
                  "webhook": self.cfg.webhook_port, **self.cfg.ports}
        if self.cfg.console_port is not None:
            wanted["console"] = self.cfg.console_port
        ensure_ports_free(wanted, self.cfg.host)
        public_key = prepare(self.cfg)
        write_demo_contacts(self.cfg)
        self.mail.start()
        self.webhooks = Receiver(self.cfg.webhook_secret, self.cfg.host, self.cfg.webhook_port,
                                 journal=self.cfg.webhook_journal).start()
        self.broker.start()
        asyncio.run(create_topics(self.cfg.bootstrap))
        logs = self.cfg.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for name in SERVICE_NAMES:
            out = (logs / f"{name}.log").open("ab")
            self._logs.append(out)
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "slrt.cli", "service", name],
                env=service_env(self.cfg, name, public_key), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)  # Ctrl-C reaches us; we stop children in order
        self._wait_ready(ready_timeout)
        if self.cfg.console_port is not None:
            self._start_console(ready_timeout)

    def _start_console(self, timeout: float) -> None:
        out = (self.cfg.data_dir / "logs" / "console.log").open("ab")
        self._logs.append(out)
        self.processes["console"] = subprocess.Popen(
            [sys.executable, "-m", "slrt.cli", "console"], env=console_env(self.cfg),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready(timeout, ("console",), probe="/healthz")

    def url(self, name: str) -> str:
        port = self.cfg.console_port if name == "console" else self.cfg.ports[name]
        return f"http://{self.cfg.host}:{port}"

    def _wait_ready(self, timeout: float, names: tuple[str, ...] = SERVICE_NAMES,
                    probe: str = "/readyz") -> None:
        deadline = time.monotonic() + timeout
        pending = set(names)
        while pending:
            for name in sorted(pending):
                proc = self.processes[name]
                if proc.poll() is not None:
                    raise RuntimeError(f"service {name} exited with {proc.returncode}; see "
                                       f"{self.cfg.data_dir / 'logs' / (name + '.log')}")
                try:
                    if httpx.get(self.url(name) + probe, timeout=1.0).status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"services not ready after {timeout:.0f}s: {sorted(pending)}")
            if pending:
                time.sleep(0.2)

    def dead(self) -> list[str]:
        return [n for n, p in self.processes.items() if p.poll() is not None]

    def stop(self, timeout: float = 15.0) -> None:
        terminate(self.processes.values(), timeout)
        for out in self._logs:
            out.close()
        self.broker.stop()
        with contextlib.suppress(Exception):  # never started, if start() failed early
            self.mail.stop()
        if self.webhooks is not None:
            self.webhooks.stop()
