"""Console screen: the manager dashboard — complaints by sector and status, overdue referrals
by agency, time to accept and resolve, resolution rate per district and exclusion errors per
village, for a region in the user's scope and a period (a GET form: views can be bookmarked),
each table also as CSV.

The figures come from the services' aggregate endpoints with the user's token (each service
scopes them again). One failing service leaves its tables with its message; the rest shows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..adapters.backends import BackendError, Backends
from ..domain import dashboard as d
from ..domain.i18n import Translate, translator
from ..domain.navigation import DASHBOARD
from .session import BackendsDep, User, allow, render, request_language

router = APIRouter()
Watcher = Annotated[User, allow(*DASHBOARD)]
OVERDUE_LIMIT = 1000  # the most referral's overdue list gives at once


def _today() -> dt.date:
    return dt.datetime.now(d.WIB).date()


def _filters(request: Request, user: User) -> d.Filters:
    return d.parse_filters(request.query_params, user.principal.region, _today())


# -- the services' figures -------------------------------------------------------------------

Source = Callable[[Backends, str, d.Filters], Awaitable[Any]]


async def _complaints(backends: Backends, token: str, f: d.Filters) -> Any:
    return await backends.get("intake", "/v1/complaints:stats", token, f.backend_params())


async def _overdue(backends: Backends, token: str, f: d.Filters) -> Any:
    overdue, agencies = await asyncio.gather(
        backends.get("referral", "/v1/monitoring/overdue", token,
                     {"region": f.region, "limit": OVERDUE_LIMIT}),
        backends.get("referral", "/v1/agencies", token, {"include_inactive": "true"}),
        return_exceptions=True)
    if isinstance(overdue, BaseException):
        raise overdue
    names = ({} if isinstance(agencies, BaseException)  # names are a nicety: ids will do
             else {a["agency_id"]: a["name"] for a in agencies.get("items", [])})
    return overdue, names


async def _durations(backends: Backends, token: str, f: d.Filters) -> Any:
    return await backends.get("referral", "/v1/monitoring/durations", token,
                              f.backend_params())


async def _resolution(backends: Backends, token: str, f: d.Filters) -> Any:
    return await backends.get("referral", "/v1/monitoring/resolution-rates", token,
                              {"by": "district", **f.backend_params()})


async def _exclusion(backends: Backends, token: str, f: d.Filters) -> Any:
    return await backends.get("registry", "/v1/registry/exclusion-errors", token,
                              f.backend_params())


def _shape(name: str, data: Any, t: Translate, lang: str) -> d.Table:
    if name == "sectors":
        return d.sector_table(data, t, lang)
    if name == "statuses":
        return d.status_table(data, t, lang)
    if name == "overdue":
        return d.overdue_table(data[0], data[1], t, lang)
    if name == "durations":
        return d.duration_table(data, t, lang)
    if name == "resolution":
        return d.resolution_table(data, t, lang, t("dashboard.national"))
    return d.exclusion_table(data, t, lang)


#: Which call feeds which table (the two complaint tables share one call).
SOURCES: dict[str, tuple[str, Source]] = {
    "sectors": ("intake", _complaints), "statuses": ("intake", _complaints),
    "overdue": ("referral", _overdue), "durations": ("referral", _durations),
    "resolution": ("referral", _resolution), "exclusion": ("registry", _exclusion),
}


async def _attempt(source: Source, backends: Backends, token: str,
                   f: d.Filters) -> Any | BackendError:
    try:
        return await source(backends, token, f)
    except BackendError as exc:
        return exc


# -- pages -----------------------------------------------------------------------------------


@router.get("/dashboard")
async def dashboard(request: Request, user: Watcher, backends: BackendsDep) -> Response:
    lang = request_language(request)
    t = translator(lang)
    f = _filters(request, user)
    calls = list(dict.fromkeys(source for _, source in SOURCES.values()))
    results = dict(zip(calls, await asyncio.gather(
        *(_attempt(s, backends, user.token, f) for s in calls)), strict=True))
    sections = []
    for name in d.TABLES:
        service, source = SOURCES[name]
        found = results[source]
        if isinstance(found, BackendError):
            sections.append({"name": name, "table": None, "title": t(f"dashboard.{name}.title"),
                             "error": t("dashboard.unavailable", service=service,
                                        message=found.message)})
        else:
            sections.append({"name": name, "table": _shape(name, found, t, lang),
                             "title": t(f"dashboard.{name}.title"), "error": None})
    national = t("dashboard.national")
    return render(request, "dashboard/index.html", user, filters=f, sections=sections,
                  options=d.region_options(user.principal.region, f.region, national),
                  region_name=d.region_name(f.region, national), display=d.display,
                  query=f.query())


@router.get("/dashboard/export/{name}.csv")
async def export(name: str, request: Request, user: Watcher, backends: BackendsDep) -> Response:
    lang = request_language(request)
    t = translator(lang)
    if name not in SOURCES:
        return render(request, "error.html", user, status_code=404, title_key="error.404",
                      message=None)
    f = _filters(request, user)
    _, source = SOURCES[name]
    table = _shape(name, await source(backends, user.token, f), t, lang)
    return Response(d.csv_text(table).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{d.csv_filename(name, f)}"',
                             "Cache-Control": "no-store"})
