"""Production sign-in: the console's OIDC authorization code flow with PKCE against a real
(small) identity provider served over HTTP, whose JWKS the console then verifies tokens with."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Form, HTTPException
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient

from services.console.bootstrap import build_app
from services.console.entrypoints.session import SESSION_COOKIE
from services.console.settings import Settings
from slrt.auth import DevTokenIssuer, Role
from slrt.embedded.ports import free_port


class Provider:
    """An OIDC provider that signs in one back-office officer of Bantul without asking."""

    def __init__(self, keys: Path, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.issuer = DevTokenIssuer.from_folder(keys, issuer=self.url, audience="slrt")
        self.codes: dict[str, dict[str, str]] = {}
        self.token_requests: list[dict[str, str]] = []
        self.app = FastAPI()
        app = self.app

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                    "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                    "end_session_endpoint": f"{self.url}/logout"}

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            return self.issuer.jwks()

        @app.get("/authorize")
        def authorize(response_type: str, client_id: str, redirect_uri: str, state: str,
                      code_challenge: str, code_challenge_method: str) -> RedirectResponse:
            assert response_type == "code" and code_challenge_method == "S256"
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"challenge": code_challenge, "redirect_uri": redirect_uri,
                                "client_id": client_id}
            return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}")

        @app.post("/token")
        def token(grant_type: Annotated[str, Form()], code: Annotated[str, Form()],
                  redirect_uri: Annotated[str, Form()], client_id: Annotated[str, Form()],
                  code_verifier: Annotated[str, Form()]) -> dict[str, Any]:
            self.token_requests.append({"client_id": client_id, "code": code})
            issued = self.codes.pop(code, None)
            digest = base64.urlsafe_b64encode(
                hashlib.sha256(code_verifier.encode()).digest()).decode().rstrip("=")
            if issued is None or issued["challenge"] != digest \
                    or issued["redirect_uri"] != redirect_uri:
                raise HTTPException(400, "invalid_grant")
            return {"access_token": self.issuer.issue(Role.BACK_OFFICE, "3402",
                                                      subject="officer-17"),
                    "token_type": "Bearer", "expires_in": 3600}


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Provider]:
    port = free_port()
    idp = Provider(tmp_path / "idp-keys", port)
    server = uvicorn.Server(uvicorn.Config(idp.app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "identity provider did not start"
        time.sleep(0.05)
    try:
        yield idp
    finally:
        server.should_exit = True
        thread.join(5)


def _console(idp: Provider) -> TestClient:
    settings = Settings(oidc_issuer=idp.url, auth_issuer=idp.url, auth_jwks_url=f"{idp.url}/jwks",
                        public_url="http://testserver", dev_keys_dir=None)
    return TestClient(build_app(settings))


def test_code_flow_with_pkce_signs_in_and_lands_where_asked(provider: Provider) -> None:
    with _console(provider) as console:
        started = console.get("/sign-in?next=/back-office", follow_redirects=False)
        assert started.status_code == 303
        authorize = started.headers["location"]
        assert authorize.startswith(f"{provider.url}/authorize?")
        assert "code_challenge=" in authorize and "code_verifier" not in authorize

        back = httpx.get(authorize, follow_redirects=False)  # the provider sends the user back
        callback = urlparse(back.headers["location"])
        assert callback.path == "/auth/callback"
        landed = console.get(f"/auth/callback?{callback.query}", follow_redirects=False)
        assert landed.status_code == 303 and landed.headers["location"] == "/back-office"
        assert console.cookies.get(SESSION_COOKIE)
        assert provider.token_requests == [{"client_id": "slrt-console",
                                            "code": parse_qs(callback.query)["code"][0]}]

        home = console.get("/", follow_redirects=False)  # the token is verified via JWKS
        assert home.status_code == 303 and home.headers["location"] == "/back-office"

        out = console.post("/sign-out", follow_redirects=False)
        assert out.headers["location"].startswith(f"{provider.url}/logout?")


def test_a_callback_with_a_forged_state_is_refused(provider: Provider) -> None:
    with _console(provider) as console:
        started = console.get("/sign-in", follow_redirects=False)
        back = httpx.get(started.headers["location"], follow_redirects=False)
        query = parse_qs(urlparse(back.headers["location"]).query)
        refused = console.get(f"/auth/callback?code={query['code'][0]}&state=forged",
                              follow_redirects=False)
        assert refused.status_code == 400
        assert "state" in refused.text
        assert not console.cookies.get(SESSION_COOKIE)
        assert provider.token_requests == []  # the code was never even exchanged


def test_development_sign_in_is_off_in_production(provider: Provider) -> None:
    with _console(provider) as console:
        refused = console.post("/sign-in", data={"role": "national_admin"},
                               follow_redirects=False)
        assert refused.status_code == 403
        assert not console.cookies.get(SESSION_COOKIE)


def test_an_unreachable_provider_is_said_plainly(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(oidc_issuer=f"http://127.0.0.1:{port}", auth_issuer="x",
                        auth_jwks_url=f"http://127.0.0.1:{port}/jwks", dev_keys_dir=None)
    with TestClient(build_app(settings)) as console:
        page = console.get("/sign-in", follow_redirects=False)
        assert page.status_code == 503
        assert "not reachable" in page.text
