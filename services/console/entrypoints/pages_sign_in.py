"""Sign-in and sign-out: the development issuer's personas, or the OIDC provider."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from slrt.auth import AuthError, Role

from ..adapters.identity import DevSignIn, OidcSignIn, SignInError
from ..domain.navigation import home_of
from ..domain.personas import PERSONAS, persona
from .session import SESSION_COOKIE, render, verify

router = APIRouter()
_OIDC_COOKIE = "slrt_oidc"  # state and PKCE verifier between the redirect and the return


def _safe_next(next_url: str | None) -> str | None:
    """Only paths of this console (no open redirect to another site)."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//"):
        return next_url
    return None


async def _signed_in(request: Request, token: str, next_url: str | None) -> Response:
    principal = await verify(request, token)
    response = RedirectResponse(_safe_next(next_url) or home_of(principal.role), status_code=303)
    settings = request.app.state.settings
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=settings.cookie_secure, max_age=8 * 3600)
    return response


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str | None = None,
                       error: str | None = None) -> Response:
    oidc: OidcSignIn | None = request.app.state.oidc
    if oidc is not None and request.app.state.dev_sign_in is None:
        try:
            started = await oidc.start()
        except SignInError as exc:
            return render(request, "sign_in.html", error=str(exc), personas=(), roles=(),
                          next=next, status_code=503)
        response = RedirectResponse(started.url, status_code=303)
        response.set_cookie(_OIDC_COOKIE, f"{started.state}.{started.verifier}."
                            f"{_safe_next(next) or ''}", httponly=True, samesite="lax",
                            max_age=600)
        return response
    return render(request, "sign_in.html", personas=PERSONAS, roles=[r.value for r in Role],
                  next=next, error=error)


@router.post("/sign-in")
async def sign_in(request: Request, persona_key: Annotated[str, Form()] = "",
                  role: Annotated[str, Form()] = "", region: Annotated[str, Form()] = "",
                  agency_id: Annotated[str, Form()] = "", next: Annotated[str, Form()] = ""
                  ) -> Response:
    dev: DevSignIn | None = request.app.state.dev_sign_in
    if dev is None:
        return render(request, "sign_in.html", personas=(), roles=(), next=next,
                      error="development sign-in is off: sign in through the identity provider",
                      status_code=403)
    chosen = persona(persona_key)
    try:
        if chosen is not None:
            token = dev.token_for(chosen.role, chosen.region, chosen.agency_id, chosen.subject)
        else:
            if role not in {r.value for r in Role}:
                raise SignInError(f"choose a persona or a role (got {role or 'nothing'!r})")
            token = dev.token_for(role, region.strip(), agency_id.strip() or None,
                                  f"dev-{role}-{region.strip() or 'national'}")
    except SignInError as exc:
        return render(request, "sign_in.html", personas=PERSONAS,
                      roles=[r.value for r in Role], next=next, error=str(exc),
                      status_code=422)
    return await _signed_in(request, token, next)


@router.get("/auth/callback")
async def oidc_callback(request: Request, code: str = "", state: str = "") -> Response:
    oidc: OidcSignIn | None = request.app.state.oidc
    kept = request.cookies.get(_OIDC_COOKIE, "")
    expected_state, _, rest = kept.partition(".")
    verifier, _, next_url = rest.partition(".")
    if oidc is None or not code or not state or state != expected_state:
        return render(request, "sign_in.html", personas=(), roles=(), next=None,
                      error="sign-in could not be completed (state mismatch); try again",
                      status_code=400)
    try:
        token = await oidc.finish(code, verifier)
        response = await _signed_in(request, token, next_url or None)
    except (SignInError, AuthError) as exc:
        return render(request, "sign_in.html", personas=(), roles=(), next=None,
                      error=str(exc), status_code=401)
    response.delete_cookie(_OIDC_COOKIE)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    target = "/sign-in"
    oidc: OidcSignIn | None = request.app.state.oidc
    if oidc is not None and request.app.state.dev_sign_in is None:
        settings = request.app.state.settings
        target = await oidc.end_session_url(settings.public_url + "/sign-in") or target
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
