"""Console screen: the offline complaint form of a field tablet.

`/offline` is the form (it keeps its complaints in the browser, never posts them);
`/offline/sync` relays the tablet's queue to intake's batch endpoint with the user's token
and answers per item; `/sw.js` is the service worker that lets the form open without a
network (served from the root, where a worker may take the `/offline` scope).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..adapters.backends import BackendError
from ..domain import offline as view
from ..domain.i18n import translator
from ..domain.navigation import SCREENS
from .session import BackendsDep, User, allow, render, request_language, sign_in_url

router = APIRouter()
ROLES = next(s.roles for s in SCREENS if s.path == "/offline")
Operator = Annotated[User, allow(*ROLES)]
SERVICE_WORKER = Path(__file__).resolve().parents[1] / "static" / "sw.js"


@router.get("/offline")
async def offline_form(request: Request, user: Operator, backends: BackendsDep) -> Response:
    lang = request_language(request)
    t = translator(lang)
    # Taken now, while online, and embedded: offline the page has no one to ask.
    categories = view.categories_from_listing(
        await backends.get("intake", "/v1/categories", user.token), lang)
    return render(request, "offline/form.html", user, categories=categories,
                  kinds=view.KINDS, urgencies=view.URGENCIES,
                  config=view.page_config(categories, t, sign_in_url("/offline")))


@router.post("/offline/sync")
async def sync(request: Request, user: Operator, backends: BackendsDep) -> Response:
    """The tablet's queue (≤ 500 items) to intake; intake's verdict per item, for the page.
    A signed-out user gets a 401 from the session dependency, before anything is sent."""
    t = translator(request_language(request))
    try:
        body: Any = await request.json()
    except ValueError:
        return JSONResponse({"error": t("offline.sync.bad_body")}, status_code=400)
    try:
        batch = view.sync_request(body)
    except view.BadSync as exc:
        return JSONResponse({"error": t(exc.key)}, status_code=422)
    try:
        answer = await backends.post("intake", "/v1/complaints:batch", user.token,
                                     json={"device_id": batch.device_id, "items": batch.items})
    except BackendError as exc:
        # Nothing was registered: the page keeps its whole queue and says why.
        code = exc.status if 400 <= exc.status < 500 else 503
        return JSONResponse({"error": exc.message}, status_code=code)
    return JSONResponse(view.as_json(view.sync_results(batch, answer, t)))


@router.get("/sw.js", include_in_schema=False)
async def service_worker() -> Response:
    # no-cache: the browser checks for a new worker on every visit instead of keeping one
    # for up to a day.
    return Response(SERVICE_WORKER.read_bytes(), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache"})
