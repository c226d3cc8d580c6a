"""Bearer-token access: issue/verify, refusals with reasons, scope checks, FastAPI dependencies."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Annotated, Any

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

import slrt.auth
from slrt.auth import (
    AuthError,
    DevTokenIssuer,
    Principal,
    PrincipalDep,
    Role,
    TokenVerifier,
    ensure_dev_keys,
    require_roles,
)

ISS, AUD = "slrt-test", "slrt"


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="module")
def issuer(key_dir: Path) -> DevTokenIssuer:
    return DevTokenIssuer.from_folder(key_dir, issuer=ISS, audience=AUD)


@pytest.fixture(scope="module")
def verifier(key_dir: Path) -> TokenVerifier:
    _, public = ensure_dev_keys(key_dir)
    return TokenVerifier.from_public_key_file(public, issuer=ISS, audience=AUD)


def _claims(**over: Any) -> dict[str, Any]:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims: dict[str, Any] = {
        "sub": "u1",
        "role": "front_office",
        "region": "3402",
        "iss": ISS,
        "aud": AUD,
        "iat": now,
        "exp": now + 600,
    }
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _refusal(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(AuthError) as info:
        verifier.verify(token)
    return str(info.value)


def test_keys_are_made_once_and_private_key_is_owner_only(key_dir: Path, tmp_path: Path) -> None:
    private, public = ensure_dev_keys(tmp_path / "k")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    before = (private.read_bytes(), public.read_bytes())
    assert ensure_dev_keys(tmp_path / "k") == (private, public)
    assert (private.read_bytes(), public.read_bytes()) == before


def test_roundtrip(issuer: DevTokenIssuer, verifier: TokenVerifier) -> None:
    token = issuer.issue(Role.AGENCY_OFFICER, "3402", "dinkes-3402", subject="officer-7")
    expected = Principal("officer-7", Role.AGENCY_OFFICER, "3402", "dinkes-3402")
    assert verifier.verify(token) == expected
    national = verifier.verify(issuer.issue("national_admin"))
    assert national.role is Role.NATIONAL_ADMIN and national.is_national
    assert national.agency_id is None


def test_expired_token_refused(key_dir: Path, verifier: TokenVerifier) -> None:
    past = DevTokenIssuer.from_folder(
        key_dir, issuer=ISS, audience=AUD, clock=lambda: dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert _refusal(verifier, past.issue(Role.MANAGER, "34")) == "token expired"


def test_a_verified_token_is_cached_but_its_lifetime_still_counts(
        issuer: DevTokenIssuer, verifier: TokenVerifier, monkeypatch: pytest.MonkeyPatch) -> None:
    token = issuer.issue(Role.MANAGER, "34")
    assert verifier.verify(token).role is Role.MANAGER
    decoded = []
    original = verifier._decode
    monkeypatch.setattr(verifier, "_decode", lambda t: decoded.append(t) or original(t))
    assert verifier.verify(token).role is Role.MANAGER
    assert decoded == []  # the signature was not checked twice

    # Past its expiry (and the leeway) the cached entry is not used: decoding says why.
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    monkeypatch.setattr(slrt.auth.time, "time", lambda: exp + verifier.leeway_s + 1)

    def expired(_token: str) -> Any:
        raise AuthError("token expired")

    monkeypatch.setattr(verifier, "_decode", expired)
    assert _refusal(verifier, token) == "token expired"


def test_wrong_audience_and_issuer(key_dir: Path, verifier: TokenVerifier) -> None:
    other_aud = DevTokenIssuer.from_folder(key_dir, issuer=ISS, audience="elsewhere")
    other_iss = DevTokenIssuer.from_folder(key_dir, issuer="someone", audience=AUD)
    assert _refusal(verifier, other_aud.issue(Role.MANAGER, "34")) == "wrong audience"
    assert _refusal(verifier, other_iss.issue(Role.MANAGER, "34")) == "wrong issuer"


def test_tampered_and_foreign_signatures(
    issuer: DevTokenIssuer, verifier: TokenVerifier, tmp_path: Path
) -> None:
    header, payload, sig = issuer.issue(Role.FRONT_OFFICE, "3402").split(".")
    forged = jwt.encode(_claims(role="national_admin", region=""), "x" * 32).split(".")[1]
    assert _refusal(verifier, f"{header}.{forged}.{sig}") == "bad signature"
    stranger = DevTokenIssuer.from_folder(tmp_path, issuer=ISS, audience=AUD)
    assert _refusal(verifier, stranger.issue(Role.MANAGER, "34")) == "bad signature"
    assert _refusal(verifier, "not-a-jwt") == "malformed token"


def test_only_rs256_accepted(verifier: TokenVerifier, key_dir: Path) -> None:
    # HS256 signed with the public key text: the classic algorithm-confusion attack.
    # PyJWT refuses to sign that itself, so build it by hand.
    public_pem = (key_dir / "dev-token-public.pem").read_bytes()
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    signing_input = f"{header}.{_b64(json.dumps(_claims()).encode())}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    hs = f"{signing_input}.{_b64(mac)}"
    assert "algorithm not allowed" in _refusal(verifier, hs)
    unsigned = jwt.encode(_claims(), None, algorithm="none")
    assert "algorithm not allowed" in _refusal(verifier, unsigned)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        (_claims(exp=None), "missing exp claim"),
        (_claims(iat=None), "missing iat claim"),
        (_claims(sub=None), "missing sub claim"),
        (_claims(role=None), "missing role claim"),
        (_claims(region=None), "missing region claim"),
        (_claims(role="janitor"), "unknown role 'janitor'"),
        (_claims(region="34.02"), "region claim must be plain digits ('' for national)"),
        (_claims(role="agency_officer"), "agency_officer token without agency claim"),
    ],
)
def test_claims_refused(
    issuer: DevTokenIssuer, verifier: TokenVerifier, claims: dict[str, Any], reason: str
) -> None:
    assert _refusal(verifier, issuer.sign(claims)) == reason


def test_issuer_refuses_incomplete_scope(issuer: DevTokenIssuer) -> None:
    with pytest.raises(ValueError, match="agency_id"):
        issuer.issue(Role.AGENCY_OFFICER, "3402")
    with pytest.raises(ValueError, match="plain digits"):
        issuer.issue(Role.MANAGER, "34.02")


def test_region_scope() -> None:
    regency = Principal("u", Role.MANAGER, region="3402")
    assert regency.can_see_region("3402052001")
    assert regency.can_see_region("34.02.05.2001")
    assert not regency.can_see_region("3403010001")
    assert not regency.can_see_region("34")  # the province is wider than a regency's scope
    national = Principal("n", Role.NATIONAL_ADMIN)
    assert national.can_see_region("9471") and national.can_see_region("1101")


def test_agency_scope() -> None:
    officer = Principal("o", Role.AGENCY_OFFICER, "3402", "dinkes-3402")
    assert officer.can_act_for_agency("dinkes-3402")
    assert not officer.can_act_for_agency("dinsos-3402")
    assert Principal("m", Role.MANAGER, "3402").can_act_for_agency("dinsos-3402")
    assert not Principal("f", Role.FRONT_OFFICE, "3402").can_act_for_agency("dinsos-3402")
    assert not Principal("m", Role.MANAGER, "3402").can_act_for_agency(None)


# --- JWKS ----------------------------------------------------------------------------------


@pytest.fixture()
def jwks_url(issuer: DevTokenIssuer) -> Iterator[str]:
    body = json.dumps(issuer.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # name fixed by http.server
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()
    server.server_close()


def test_verify_with_jwks(issuer: DevTokenIssuer, jwks_url: str, tmp_path: Path) -> None:
    verifier = TokenVerifier.from_jwks_url(jwks_url, issuer=ISS, audience=AUD)
    assert verifier.verify(issuer.issue(Role.OPERATOR)).role is Role.OPERATOR
    stranger = DevTokenIssuer.from_folder(tmp_path, issuer=ISS, audience=AUD)
    assert "no signing key" in _refusal(verifier, stranger.issue(Role.OPERATOR))


# --- FastAPI -------------------------------------------------------------------------------


# Module level: with postponed annotations FastAPI resolves aliases from module globals.
ManagerDep = Annotated[Principal, Depends(require_roles(Role.MANAGER, Role.NATIONAL_ADMIN))]


@pytest.fixture()
def client(verifier: TokenVerifier) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.token_verifier = verifier

    @app.get("/me")
    def me(principal: PrincipalDep) -> dict[str, str]:
        return {"sub": principal.subject, "role": principal.role.value}

    @app.get("/escalations")
    def escalations(principal: ManagerDep) -> dict[str, str]:
        return {"region": principal.region}

    with TestClient(app) as c:
        yield c


def test_dependency_requires_a_valid_bearer(client: TestClient, issuer: DevTokenIssuer) -> None:
    missing = client.get("/me")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert missing.json()["detail"] == "missing bearer token"
    basic = client.get("/me", headers={"Authorization": "Basic dTpw"})
    assert basic.status_code == 401
    bad = client.get("/me", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    assert bad.json()["detail"] == "invalid token: malformed token"
    token = issuer.issue(Role.FRONT_OFFICE, "3402", subject="fo-1")
    ok = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    assert ok.json() == {"sub": "fo-1", "role": "front_office"}


def test_require_roles(client: TestClient, issuer: DevTokenIssuer) -> None:
    front = {"Authorization": f"Bearer {issuer.issue(Role.FRONT_OFFICE, '3402')}"}
    denied = client.get("/escalations", headers=front)
    assert denied.status_code == 403
    assert "allowed roles: manager, national_admin" in denied.json()["detail"]
    manager = {"Authorization": f"Bearer {issuer.issue(Role.MANAGER, '3402')}"}
    allowed = client.get("/escalations", headers=manager)
    assert allowed.status_code == 200 and allowed.json() == {"region": "3402"}
    assert client.get("/escalations").status_code == 401
