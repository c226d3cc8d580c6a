"""Fixtures the screens' page tests share: one console app per test module, on that module's
own `services` fake (each module defines it), reset before each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.console.adapters.identity import DevSignIn

from .console_app import console_with


@pytest.fixture(scope="module")
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           services: Any) -> Iterator[tuple[TestClient, DevSignIn]]:
    """One app for the module (starting one takes seconds). A module that checks redirects
    themselves sets `FOLLOW_REDIRECTS = False`."""
    keys = tmp_path_factory.mktemp("keys")
    follow = getattr(request.module, "FOLLOW_REDIRECTS", True)
    with console_with(keys, services, follow_redirects=follow) as opened:
        yield opened


@pytest.fixture
def fake(services: Any) -> Any:
    """The module's fake, with what earlier tests sent or changed forgotten."""
    services.reset()
    return services
