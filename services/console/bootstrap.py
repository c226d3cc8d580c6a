"""Composition root of the console: templates, static files, the backends, sign-in, pages."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from slrt.auth import TokenVerifier
from slrt.telemetry import Telemetry

from .adapters.backends import BackendError, Backends
from .adapters.identity import DevSignIn, OidcSignIn
from .domain.navigation import menu
from .entrypoints import (
    pages_agency,
    pages_back_office,
    pages_dashboard,
    pages_front_office,
    pages_home,
    pages_offline,
    pages_operations,
    pages_proposals,
    pages_sign_in,
)
from .entrypoints.session import (
    NotAllowed,
    SignInRequired,
    optional_user,
    render,
    sign_in_url,
)
from .settings import Settings

HERE = Path(__file__).parent
PAGE_ROUTERS = (pages_sign_in.router, pages_home.router, pages_front_office.router,
                pages_offline.router, pages_back_office.router, pages_operations.router,
                pages_agency.router, pages_proposals.router, pages_dashboard.router)


def _verifier(settings: Settings) -> TokenVerifier:
    if settings.dev_keys_dir is not None and not settings.auth_jwks_url:
        public = settings.dev_keys_dir / "dev-token-public.pem"
        DevSignIn(settings.dev_keys_dir)  # makes the key pair on a first start
        return TokenVerifier.from_public_key_file(public, issuer=settings.auth_issuer,
                                                  audience=settings.auth_audience)
    return TokenVerifier.from_settings(settings)


def build_app(settings: Settings | None = None,
              transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """`transport` lets unit tests answer for the services without running them."""
    settings = settings or Settings()
    telemetry = Telemetry(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        backends = Backends({"intake": settings.intake_url, "registry": settings.registry_url,
                             "referral": settings.referral_url,
                             "notification": settings.notification_url},
                            settings.backend_timeout_s, transport)
        for client in backends.clients.values():
            telemetry.instrument_httpx(client)  # the user's request and the calls: one trace
        idp_client = httpx.AsyncClient(timeout=settings.backend_timeout_s)
        app.state.backends = backends
        app.state.oidc = (OidcSignIn(settings.oidc_issuer, settings.oidc_client_id,
                                     settings.oidc_client_secret, settings.oidc_scope,
                                     settings.public_url.rstrip("/") + "/auth/callback",
                                     idp_client)
                          if settings.oidc_issuer else None)
        try:
            yield
        finally:
            await backends.aclose()
            await idp_client.aclose()
            telemetry.shutdown()

    app = FastAPI(title="SLRT Console", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.settings = settings
    app.state.token_verifier = _verifier(settings)
    app.state.dev_sign_in = DevSignIn(settings.dev_keys_dir) if settings.dev_keys_dir else None
    app.state.oidc = None
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["menu"] = menu
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        if request.headers.get("accept", "").startswith("application/json"):
            return Response(status_code=401)
        return RedirectResponse(sign_in_url(exc.next_url), status_code=303)

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed) -> Response:
        return render(request, "error.html", await optional_user(request), status_code=403,
                      title_key="error.forbidden", message=None)

    @app.exception_handler(BackendError)
    async def _backend(request: Request, exc: BackendError) -> Response:
        # A page that did not catch the service's refusal shows it as it is; 404 stays 404
        # (e.g. another agency's referral), a service that is down is a 503.
        code = exc.status if 400 <= exc.status < 500 else 503
        return render(request, "error.html", await optional_user(request), status_code=code,
                      title_key=f"error.{code}" if code in (403, 404) else "error.backend",
                      message=exc.message)

    telemetry.instrument_app(app)
    return app
