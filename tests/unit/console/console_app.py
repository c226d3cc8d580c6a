"""The console app on canned service answers (httpx MockTransport), for the screens' page tests."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from services.console.adapters.identity import DevSignIn
from services.console.bootstrap import build_app
from services.console.settings import Settings

Answer = Callable[[httpx.Request], httpx.Response]


@contextlib.contextmanager
def console_with(keys: Path, answer: Answer, **client_options: Any
                 ) -> Iterator[tuple[TestClient, DevSignIn]]:
    """The console whose four services are `answer` (requests go to http://<service>/...),
    and the development issuer that signs its users in."""
    settings = Settings(dev_keys_dir=keys, intake_url="http://intake",
                        registry_url="http://registry", referral_url="http://referral",
                        notification_url="http://notification")
    app = build_app(settings, transport=httpx.MockTransport(answer))
    with TestClient(app, **client_options) as started:
        yield started, DevSignIn(keys)
