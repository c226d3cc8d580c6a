"""Console screen: the back office — the queue of cases that wait for it, and one case with its
household, needs and why, referrals, timeline and the back-office tools.

Each tool is a form posted to `/cases/{id}/{action}`; the version the page showed goes to the
referral API as `If-Match` (the case's, or the referral's for a reroute). A refusal — 409 not
allowed now, 412 changed meanwhile, 422 invalid — shows the case as it is now with the
service's message over the form that failed; success redirects back to the case (PRG).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ..adapters.backends import BackendError, Backends
from ..domain import back_office as bo
from ..domain.i18n import translator
from ..domain.navigation import BACK_OFFICE
from .session import BackendsDep, NotAllowed, User, allow, render, request_language

router = APIRouter()
Desk = Annotated[User, allow(*BACK_OFFICE)]


async def _optional(call: Awaitable[Any] | None) -> tuple[Any, BackendError | None]:
    """A part of the page that may be missing (no household, not assessed, not permitted)."""
    if call is None:
        return None, None
    try:
        return await call, None
    except BackendError as exc:
        if exc.status >= 500:
            raise
        return None, exc


def _label(request: Request) -> Any:
    return bo.labeler(translator(request_language(request)))


@router.get("/back-office")
async def queue(request: Request, user: Desk, backends: BackendsDep) -> Response:
    query = bo.QueueQuery.parse(request.query_params)
    answer = await backends.get("referral", "/v1/back-office/queue", user.token,
                                query.api_params())
    rows = [bo.queue_row(item) for item in answer.get("items", [])]
    return render(request, "back_office/queue.html", user, query=query, rows=rows,
                  pager=bo.pager(query, int(answer.get("total", 0)), len(rows)),
                  reasons=bo.REASONS, categories=bo.CATEGORIES, urgencies=bo.URGENCIES,
                  when=bo.local_time, label=_label(request))


async def _case_page(request: Request, user: User, backends: Backends, case_id: str, *,
                     status_code: int = 200, failed: bo.ActionForm | None = None,
                     refused: bo.Refusal | None = None, done: str | None = None) -> Response:
    """The case as it is now, with what the page needs around it."""
    if bo.parse_uuid(case_id) is None:
        return render(request, "error.html", user, status_code=404, title_key="error.404",
                      message=None)
    token = user.token
    case, timeline = await asyncio.gather(
        backends.get("referral", f"/v1/cases/{case_id}", token),
        backends.get("referral", f"/v1/cases/{case_id}/timeline", token))
    household_id = case.get("household_id")
    acting = user.role in bo.ACTING_ROLES
    (assessment, _), (profile, profile_error), (agencies, _) = await asyncio.gather(
        _optional(backends.get("registry", f"/v1/assessments/{case['complaint_id']}", token)),
        _optional(backends.get("registry", f"/v1/households/{household_id}", token)
                  if household_id else None),
        _optional(backends.get("referral", "/v1/agencies", token) if acting else None))
    today = dt.datetime.now(ZoneInfo(bo.WIB)).date()
    village = case["village_code"]
    listed = (agencies or {}).get("items", [])
    return render(
        request, "back_office/case.html", user, status_code=status_code, case=case,
        needs=bo.need_rows(case, assessment), referrals=bo.referral_rows(case),
        household=bo.household_view(profile, today) if profile else None,
        household_error=profile_error.message if profile_error else None,
        timeline=bo.timeline_rows(timeline.get("items", []), case.get("referrals", [])),
        forms=bo.case_forms(case, user.role), acting=acting,
        agencies=bo.agency_choices(listed, village),
        agency_name={a["agency_id"]: a.get("name") for a in listed},
        failed=failed, refused=refused, when=bo.local_time, label=_label(request),
        flash=translator(request_language(request))(f"back_office.done.{done}")
        if done in bo.ACTIONS else None)


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str, user: Desk, backends: BackendsDep,
                    done: str = "") -> Response:
    return await _case_page(request, user, backends, case_id, done=done or None)


async def _into_case(backends: Backends, user: User, form: bo.ActionForm) -> str | None:
    """The case a merge goes into: the id typed, or the case of the complaint number typed."""
    kind, value = bo.merge_target(form.values["target"]) or ("", "")
    if kind == "case_id":
        return value
    found = await backends.get("referral", "/v1/cases", user.token,
                               {"complaint_number": value})
    items = found.get("items", [])
    return str(items[0]["case_id"]) if items else None


@router.post("/cases/{case_id}/{action}")
async def act(request: Request, case_id: str, action: str, user: Desk,
              backends: BackendsDep) -> Response:
    if action not in bo.ACTIONS or bo.parse_uuid(case_id) is None:
        return render(request, "error.html", user, status_code=404, title_key="error.404",
                      message=None)
    if user.role not in bo.ACTING_ROLES:
        raise NotAllowed(user.role.value)
    raw = await request.form()
    data: dict[str, Any] = {key: raw.get(key) for key in raw}
    data["need_codes"] = raw.getlist("need_codes")
    form = bo.parse_action(action, data)
    if not form.errors and action == "merge":
        into = await _into_case(backends, user, form)
        if into is None:
            form.errors["target"] = "back_office.form.target_not_found"
        form.values["into_case_id"] = into
    if form.errors:
        return await _case_page(request, user, backends, case_id, status_code=422,
                                failed=form)
    path, body = bo.request_for(action, case_id, form.values)
    version = form.values.get("version")
    headers = {"If-Match": f'"{version}"'} if version is not None else None
    try:
        await backends.post("referral", path, user.token, json=body, headers=headers)
    except BackendError as exc:
        if exc.status >= 500 or exc.status == 401:
            raise
        return await _case_page(request, user, backends, case_id, status_code=exc.status,
                                failed=form, refused=bo.refusal(exc))
    return RedirectResponse(f"/cases/{case_id}?done={action}", status_code=303)
