"""Where the console gets a user's access token: the development issuer or an OIDC provider.

Embedded default: the sign-in page lists personas (role + region or agency); the console signs
a token for the chosen one with the development key (`DevTokenIssuer`). Production: the OIDC
authorization code flow with PKCE against the provider's discovery document; the provider's
access token is what the services verify (via its JWKS).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from slrt.auth import DevTokenIssuer, Role


class SignInError(Exception):
    """Sign-in failed; the message says why (safe to show)."""


class DevSignIn:
    """Signs tokens for a chosen persona (embedded default and tests only)."""

    def __init__(self, keys_dir: Path) -> None:
        self._issuer = DevTokenIssuer.from_folder(keys_dir)

    def token_for(self, role: str, region: str, agency_id: str | None, subject: str) -> str:
        try:
            return self._issuer.issue(Role(role), region, agency_id or None, subject=subject)
        except ValueError as exc:
            raise SignInError(str(exc)) from exc


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str  # where the browser goes
    state: str  # kept in a short-lived cookie and compared on return
    verifier: str  # PKCE code verifier, kept with the state


class OidcSignIn:
    """Authorization code flow with PKCE (RFC 7636) against an OIDC provider."""

    def __init__(self, issuer: str, client_id: str, client_secret: str | None, scope: str,
                 redirect_uri: str, client: httpx.AsyncClient) -> None:
        self.issuer, self.client_id, self.client_secret = issuer.rstrip("/"), client_id, \
            client_secret
        self.scope, self.redirect_uri, self._http = scope, redirect_uri, client
        self._discovery: dict[str, Any] | None = None

    async def discovery(self) -> dict[str, Any]:
        if self._discovery is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            try:
                response = await self._http.get(url)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                raise SignInError(f"the identity provider is not reachable: {exc}") from exc
            self._discovery = response.json()
        return self._discovery

    async def start(self) -> AuthorizationRequest:
        endpoint = (await self.discovery())["authorization_endpoint"]
        state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        query = urlencode({"response_type": "code", "client_id": self.client_id,
                           "redirect_uri": self.redirect_uri, "scope": self.scope,
                           "state": state, "code_challenge": challenge,
                           "code_challenge_method": "S256"})
        return AuthorizationRequest(f"{endpoint}?{query}", state, verifier)

    async def finish(self, code: str, verifier: str) -> str:
        """Exchange the code for tokens; return the access token."""
        endpoint = (await self.discovery())["token_endpoint"]
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": self.redirect_uri, "client_id": self.client_id,
                "code_verifier": verifier}
        if self.client_secret:
            form["client_secret"] = self.client_secret
        try:
            response = await self._http.post(endpoint, data=form)
        except httpx.HTTPError as exc:
            raise SignInError(f"the identity provider is not reachable: {exc}") from exc
        if response.status_code != 200:
            raise SignInError(f"the identity provider refused the sign-in "
                              f"({response.status_code}: {response.text[:200]})")
        token = response.json().get("access_token")
        if not isinstance(token, str) or not token:
            raise SignInError("the identity provider sent no access token")
        return token

    async def end_session_url(self, post_logout: str) -> str | None:
        endpoint = (await self.discovery()).get("end_session_endpoint")
        if not endpoint:
            return None
        query = urlencode({"post_logout_redirect_uri": post_logout,
                           "client_id": self.client_id})
        return f"{endpoint}?{query}"
