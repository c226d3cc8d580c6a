"""The signed-in user of a page: token from the session cookie, verified like the services do.

The cookie holds the access token itself (HttpOnly, SameSite=Strict, so no other site can send
it with a form post); the console keeps no session store. A missing, expired or refused token
sends the browser to the sign-in page, and back to where it was afterwards.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from slrt.auth import AuthError, Principal, Role, TokenVerifier

from ..adapters.backends import Backends
from ..domain.i18n import Translate, language, translator
from ..settings import Settings

SESSION_COOKIE = "slrt_session"
LANGUAGE_COOKIE = "slrt_lang"


class SignInRequired(Exception):
    """Raised by the `user` dependency; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str, reason: str = "") -> None:
        super().__init__(reason)
        self.next_url, self.reason = next_url, reason


class NotAllowed(Exception):
    """The user's role may not open this screen (answered with a 403 page)."""


@dataclass(frozen=True)
class User:
    principal: Principal
    token: str

    @property
    def role(self) -> Role:
        return self.principal.role


def request_language(request: Request) -> str:
    return language(request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE))


def sign_in_url(next_url: str) -> str:
    return f"/sign-in?next={quote(next_url, safe='')}"


async def current_user(request: Request) -> User:
    token = request.cookies.get(SESSION_COOKIE)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not token:
        raise SignInRequired(here)
    try:
        principal = await verify(request, token)
    except AuthError as exc:
        raise SignInRequired(here, str(exc)) from exc
    return User(principal, token)


async def verify(request: Request, token: str) -> Principal:
    """The token's principal; a JWKS check runs in a thread (a key fetch blocks)."""
    verifier: TokenVerifier = request.app.state.token_verifier
    if verifier.fetches_keys:
        return await asyncio.to_thread(verifier.verify, token)
    return verifier.verify(token)


UserDep = Annotated[User, Depends(current_user)]


def allow(*roles: Role) -> Any:
    """Dependency factory: the user, or the 403 page unless its role is one of `roles`."""
    allowed = frozenset(roles)

    async def dependency(user: UserDep) -> User:
        if user.role not in allowed:
            raise NotAllowed(user.role.value)
        return user

    return Depends(dependency)


def backends(request: Request) -> Backends:
    return request.app.state.backends


BackendsDep = Annotated[Backends, Depends(backends)]


def settings(request: Request) -> Settings:
    return request.app.state.settings


def render(request: Request, template: str, user: User | None = None, *, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """A page in the user's language, with the navigation of the user's role."""
    lang = request_language(request)
    t: Translate = translator(lang)
    templates = request.app.state.templates
    response = templates.TemplateResponse(
        request, template, {"user": user, "t": t, "lang": lang, **context},
        status_code=status_code)
    if request.query_params.get("lang") == lang:  # remember an explicit choice
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


async def optional_user(request: Request) -> User | None:
    """The signed-in user if any (error pages keep the menu), else None; never raises."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return User(await verify(request, token), token)
    except AuthError:
        return None
