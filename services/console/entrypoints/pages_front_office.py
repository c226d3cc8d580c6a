"""Console screens of the front office and the Puskesos: household search and profile
(registry), the complaint form with live checks (intake), the complaint list, one complaint
with its timeline, receipts and follow-ups.

Personal numbers never travel in a URL the browser keeps: the search form posts (the NIK goes
from the console to the registry only), a household is opened by its id, and a complaint form
prefilled from a household is asked for by the household's id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from ..adapters.backends import BackendError, Backends
from ..domain import front_office as view
from ..domain import front_office_form as complaint_form
from ..domain.i18n import translator
from ..domain.navigation import DESK
from ..domain.paging import Pager
from .session import BackendsDep, User, allow, render, request_language

router = APIRouter()
Desk = Annotated[User, allow(*DESK)]
TAXONOMY_TTL_S = 600.0


def _not_found(request: Request, user: User) -> Response:
    return render(request, "error.html", user, status_code=404, title_key="error.404",
                  message=None)


async def _quietly(call: Any, fallback: Any) -> Any:
    """An optional part of a page: left out when its service refuses or is down."""
    try:
        return await call
    except BackendError:
        return fallback


async def _taxonomy(request: Request, backends: Backends, user: User) -> complaint_form.Taxonomy:
    """Intake's categories, kept a few minutes (the same for everyone, no personal data)."""
    cached = getattr(request.app.state, "front_office_taxonomy", None)
    if cached is None or time.monotonic() - cached[0] > TAXONOMY_TTL_S:
        answer = await backends.get("intake", "/v1/categories", user.token)
        cached = (time.monotonic(), list(answer.get("items") or ()))
        request.app.state.front_office_taxonomy = cached
    return complaint_form.taxonomy(cached[1], request_language(request))


# --- household search and profile ----------------------------------------------------------

def _search_page(request: Request, user: User, *, status_code: int = 200,
                 **context: Any) -> Response:
    base: dict[str, Any] = {"method": "name", "value": "", "region": "", "results": None,
                            "error": None, "place": complaint_form.place,
                            "methods": view.SEARCH_METHODS, "label": view.label}
    return render(request, "front_office/search.html", user, status_code=status_code,
                  **{**base, **context})


@router.get("/front-office")
async def search_form(request: Request, user: Desk) -> Response:
    return _search_page(request, user)


@router.post("/front-office/search")
async def search(request: Request, user: Desk, backends: BackendsDep,
                 method: Annotated[str, Form(max_length=20)] = "name",
                 value: Annotated[str, Form(max_length=200)] = "",
                 region: Annotated[str, Form(max_length=13)] = "") -> Response:
    t = translator(request_language(request))
    found, problem = view.search_from_form(method, value, region)
    context = {"method": method, "value": value, "region": region}
    if found is None:
        return _search_page(request, user, status_code=422, error=t(problem or ""), **context)
    try:
        answer = await backends.get("registry", "/v1/households/search", user.token,
                                    found.params)
    except BackendError as exc:
        if exc.status not in (400, 403, 422):
            raise
        return _search_page(request, user, status_code=exc.status,
                            error=f"{t('front_office.search.refused')} ({exc.message})",
                            **context)
    return _search_page(request, user, results=answer.get("results") or [], **context)


@router.get("/front-office/households/{household_id}")
async def household(request: Request, household_id: str, user: Desk,
                    backends: BackendsDep) -> Response:
    if view.parse_id(household_id) is None:
        return _not_found(request, user)
    found = await backends.get("registry", f"/v1/households/{household_id}", user.token)
    today = dt.datetime.now(view.zone_of(found.get("village_code"))).date()
    return render(request, "front_office/household.html", user, household=found,
                  members=view.member_rows(found.get("members") or (), today),
                  place=complaint_form.place(found.get("village_code") or ""),
                  housing_fields=view.HOUSING_FIELDS, label=view.label)


# --- the complaint form ---------------------------------------------------------------------

async def _form_page(request: Request, user: User, backends: Backends, values: dict[str, Any],
                     *, feedback: complaint_form.Feedback | None = None, key: str = "",
                     status_code: int = 200, error: str | None = None) -> Response:
    return render(
        request, "front_office/complaint_form.html", user, status_code=status_code,
        values=values, feedback=feedback or complaint_form.Feedback(), error=error,
        form_key=key or complaint_form.new_form_key(),
        taxonomy=await _taxonomy(request, backends, user),
        villages=complaint_form.villages_of(user.principal.region or ""),
        channels=complaint_form.CHANNELS, kinds=complaint_form.KINDS,
        urgencies=complaint_form.URGENCIES, relations=complaint_form.RELATIONS,
        field_id=lambda name: "f-" + name.replace(".", "-"))


@router.get("/front-office/complaints/new")
async def new_complaint(request: Request, user: Desk, backends: BackendsDep,
                        household: str = "", member: str = "") -> Response:
    found = None
    if household and view.parse_id(household) is not None:
        found = await backends.get("registry", f"/v1/households/{household}", user.token)
    values = {"channel": complaint_form.default_channel(user.role.value), "kind": "complaint",
              "urgency": "normal", **complaint_form.prefill(found, member)}
    return await _form_page(request, user, backends, values)


async def _form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/front-office/complaints/check")
async def check(request: Request, user: Desk, backends: BackendsDep) -> Response:
    """The live check of the form (console.js): intake's issues per field, as JSON."""
    lang = request_language(request)
    values = await _form_values(request)
    try:
        found = await backends.post("intake", "/v1/complaints:validate", user.token,
                                    json=complaint_form.complaint_body(values))
    except BackendError as exc:
        return JSONResponse({"errors": {}, "warnings": {}, "message": exc.message},
                            status_code=503 if exc.status >= 500 else exc.status)
    said = complaint_form.feedback(
        translator(lang), lang,
        [*found.get("errors", ()), *complaint_form.form_issues(values)],
        found.get("warnings", ()), form=values)
    return JSONResponse({"errors": said.errors, "warnings": said.warnings})


@router.post("/front-office/complaints")
async def submit(request: Request, user: Desk, backends: BackendsDep) -> Response:
    lang = request_language(request)
    t = translator(lang)
    values = await _form_values(request)
    key = values.get("idempotency_key", "")
    if view.parse_id(key) is None:
        key = complaint_form.new_form_key()
    body = complaint_form.complaint_body(values)
    if own := complaint_form.form_issues(values):
        # The form's own rule failed: intake's check adds everything else in one pass.
        checked = await backends.post("intake", "/v1/complaints:validate", user.token,
                                      json=body)
        said = complaint_form.feedback(t, lang, [*checked.get("errors", ()), *own],
                                       checked.get("warnings", ()))
        return await _form_page(request, user, backends, values, feedback=said, key=key,
                                status_code=422)
    try:
        answer = await backends.call("intake", "POST", "/v1/complaints", user.token,
                                     json=body, headers={"Idempotency-Key": key})
    except BackendError as exc:
        if exc.status == 422:
            # The refusal stops at the schema when fields are missing, and has no warnings:
            # the check adds the domain's word on the other fields, and the warnings.
            checked = await _quietly(backends.post("intake", "/v1/complaints:validate",
                                                   user.token, json=body), {})
            said = complaint_form.feedback(
                t, lang, complaint_form.merged(exc.field_issues(), checked.get("errors", ())),
                checked.get("warnings", ()))
            return await _form_page(request, user, backends, values, feedback=said, key=key,
                                    status_code=422)
        if exc.status == 403:  # the village lies outside the user's region
            said = complaint_form.Feedback(errors={"village_code": exc.message})
            return await _form_page(request, user, backends, values, feedback=said, key=key,
                                    status_code=403)
        if exc.status == 409:  # this rendering's key was used for another body: a new one
            return await _form_page(request, user, backends, values, status_code=409,
                                    error=f"{t('front_office.form.key_reused')} ({exc.message})")
        raise
    created = answer.body
    query = [("new", "1"), *(("warn", str(w.get("type"))) for w in created.get("warnings", ()))]
    return RedirectResponse(f"/complaints/{created['id']}?{urlencode(query)}", status_code=303)


# --- the complaint list and one complaint ---------------------------------------------------

@router.get("/complaints")
async def complaints(request: Request, user: Desk, backends: BackendsDep) -> Response:
    t = translator(request_language(request))
    filters = view.list_filters(request.query_params)
    region = user.principal.region or ""
    error = None
    try:
        page = await backends.get("intake", "/v1/complaints", user.token,
                                  view.list_params(filters, region))
    except BackendError as exc:
        if exc.status != 422:
            raise
        page, error = {"items": [], "total": 0}, exc.message
    rows = [{**i, "registered": view.local_time(i.get("registered_at"), i.get("village_code")),
             "place": complaint_form.place(i.get("village_code") or "")}
            for i in page.get("items") or ()]
    return render(
        request, "front_office/complaints.html", user, filters=filters, rows=rows, error=error,
        problems=[t(p) for p in filters.problems],
        pager=Pager(filters.offset, view.PAGE_SIZE, int(page.get("total") or 0)),
        taxonomy=await _taxonomy(request, backends, user),
        villages=complaint_form.villages_of(region), districts=complaint_form.districts_of(region),
        statuses=view.STATUSES, sectors=view.SECTORS, urgencies=view.URGENCIES,
        sorts=view.SORTS, label=view.label)


async def _complaint_page(request: Request, user: User, backends: Backends, complaint_id: str,
                          *, status_code: int = 200, flash: str | None = None,
                          flash_kind: str | None = None, failed: str = "",
                          failed_message: str | None = None,
                          values: dict[str, str] | None = None) -> Response:
    if view.parse_id(complaint_id) is None:
        return _not_found(request, user)
    t = translator(request_language(request))
    complaint = await backends.get("intake", f"/v1/complaints/{complaint_id}", user.token)
    village = complaint.get("village_code") or ""
    duplicates = await asyncio.gather(*(
        _quietly(backends.get("intake", f"/v1/complaints/{d}", user.token), {"id": d})
        for d in complaint.get("possible_duplicate_of") or ()))
    warnings = view.warning_texts(t, request.query_params.getlist("warn"))
    return render(
        request, "front_office/complaint.html", user, status_code=status_code, flash=flash,
        flash_kind=flash_kind, complaint=complaint, created=request.query_params.get("new"),
        warnings=warnings, duplicates=duplicates, place=complaint_form.place(village),
        registered=view.local_time(complaint.get("registered_at"), village),
        referrals=view.referral_rows(complaint.get("referrals") or (), village,
                                     dt.datetime.now(dt.UTC)),
        timeline=view.timeline_entries(t, complaint.get("timeline") or (), village),
        follow_ups=view.follow_ups(complaint), taxonomy=await _taxonomy(request, backends, user),
        failed=failed, failed_message=failed_message, values=values or {}, label=view.label)


@router.get("/complaints/{complaint_id}")
async def complaint(request: Request, complaint_id: str, user: Desk, backends: BackendsDep,
                    done: str = "") -> Response:
    t = translator(request_language(request))
    flash = t(f"front_office.done.{done}") if done in view.FOLLOW_UP_ACTIONS else None
    return await _complaint_page(request, user, backends, complaint_id, flash=flash)


@router.get("/complaints/{complaint_id}/receipt.{kind}")
async def receipt(request: Request, complaint_id: str, kind: str, user: Desk,
                  backends: BackendsDep) -> Response:
    """The receipt as intake renders it (HTML to print, or the A5 PDF), for this user."""
    if kind not in ("html", "pdf") or view.parse_id(complaint_id) is None:
        return _not_found(request, user)
    answer = await backends.call("intake", "GET", f"/v1/complaints/{complaint_id}/receipt.{kind}",
                                 user.token, raw=True)
    headers = {"Cache-Control": "no-store"}  # personal data: not kept by the browser
    if disposition := answer.headers.get("content-disposition"):
        headers["Content-Disposition"] = disposition
    media = answer.headers.get("content-type") or (
        "application/pdf" if kind == "pdf" else "text/html; charset=utf-8")
    return Response(answer.content, media_type=media, headers=headers)


@router.post("/complaints/{complaint_id}/{action}")
async def follow_up(request: Request, complaint_id: str, action: str, user: Desk,
                    backends: BackendsDep) -> Response:
    lang = request_language(request)
    t = translator(lang)
    if action not in view.FOLLOW_UP_ACTIONS or view.parse_id(complaint_id) is None:
        return _not_found(request, user)
    values = await _form_values(request)
    try:
        await backends.post("intake", f"/v1/complaints/{complaint_id}/{action}", user.token,
                            json=view.follow_up_body(action, values))
    except BackendError as exc:
        if exc.status not in (409, 422):
            raise
        issues = exc.field_issues()
        message = ("; ".join(complaint_form.issue_text(t, lang, i) for i in issues)
                   if issues else exc.message)
        return await _complaint_page(
            request, user, backends, complaint_id, status_code=exc.status, failed=action,
            failed_message=f"{t('front_office.follow_up.refused')}: {message}", values=values)
    return RedirectResponse(f"/complaints/{complaint_id}?done={action}", status_code=303)
