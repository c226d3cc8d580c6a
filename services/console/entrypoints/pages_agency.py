"""Console screen: an agency's referral inbox, one referral, and the agency's answers.

An agency officer sees its own agency; back office, managers and coordinators choose an agency
of their region. Answers are sent with `If-Match` (the version the page showed): a referral
changed meanwhile (412) or an answer its status no longer allows (409) comes back as a message
over the referral as it is now. Another agency's referral is the referral API's 404.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from slrt.auth import Role

from ..adapters.backends import BackendError, Backends
from ..domain import agency as view
from ..domain.i18n import translator
from ..domain.navigation import AGENCY
from ..domain.paging import Pager
from .session import BackendsDep, User, allow, render, request_language

router = APIRouter()
Agent = Annotated[User, allow(*AGENCY)]


async def _quietly(call: Any, fallback: Any) -> Any:
    """An optional part of a page: left out when its service refuses or is down."""
    try:
        return await call
    except BackendError:
        return fallback


@router.get("/agency")
async def inbox(request: Request, user: Agent, backends: BackendsDep, agency: str = "",
                status: str = "", overdue: str = "", offset: int = 0) -> Response:
    principal = user.principal
    choices: list[Any] = []
    if user.role is Role.AGENCY_OFFICER:
        agency_id = principal.agency_id or ""
    else:
        listed = await backends.get("referral", "/v1/agencies", user.token)
        choices = view.visible_agencies(principal, listed.get("items", []))
        agency_id = agency if any(a["agency_id"] == agency for a in choices) else ""
    chosen, statuses = view.status_filter(status)
    only_overdue = overdue in ("1", "true", "on")
    context: dict[str, Any] = {"agency_id": agency_id, "agencies": choices,
                               "status_choice": chosen, "statuses": list(view.STATUS_FILTERS),
                               "only_overdue": only_overdue, "rows": [], "pager": None,
                               "overdue_total": 0, "inbox_url": view.inbox_url}
    if agency_id:
        offset = max(offset, 0)
        path = f"/v1/agencies/{agency_id}/referrals"
        page, late = await asyncio.gather(
            backends.get("referral", path, user.token,
                         {"status": list(statuses), "overdue": "true" if only_overdue else None,
                          "limit": view.PAGE_SIZE, "offset": offset}),
            backends.get("referral", path, user.token,
                         {"status": list(view.OPEN_STATUSES), "overdue": "true", "limit": 1}))
        context.update(rows=[view.inbox_row(i) for i in page.get("items", [])],
                       pager=Pager(offset, view.PAGE_SIZE, int(page.get("total", 0))),
                       overdue_total=int(late.get("total", 0)))
    return render(request, "agency/inbox.html", user, **context)


async def _referral_page(request: Request, user: User, backends: Backends, referral_id: str,
                         *, status_code: int = 200, flash: str | None = None,
                         error: str | None = None, failed: str = "", note: str = ""
                         ) -> Response:
    """The referral as it is now, with what the page needs around it."""
    if view.parse_id(referral_id) is None:
        return render(request, "error.html", user, status_code=404, title_key="error.404",
                      message=None)
    token = user.token
    referral = await backends.get("referral", f"/v1/referrals/{referral_id}", token)
    zone = referral.get("time_zone")
    case_id, complaint_id = referral["case_id"], referral["complaint_id"]
    # Around the referral: its case (the complaint number), the case timeline (the agency's
    # own changes only, for an officer), the reminders and the complaint text the agency
    # received with the referral; each is left out if its service refuses or is down.
    case, timeline, deadlines, complaint, agency = await asyncio.gather(
        _quietly(backends.get("referral", f"/v1/cases/{case_id}", token), {}),
        _quietly(backends.get("referral", f"/v1/cases/{case_id}/timeline", token), {}),
        _quietly(backends.get("notification", f"/v1/referrals/{referral_id}/deadlines", token),
                 {}),
        _quietly(backends.get("intake", f"/v1/complaints/{complaint_id}", token), None),
        _quietly(backends.get("referral", f"/v1/agencies/{referral['agency_id']}", token),
                 None))
    referral = {**referral, "complaint_number": case.get("complaint_number")
                or (complaint or {}).get("number") or "", "urgency": case.get("urgency")}
    return render(
        request, "agency/referral.html", user, status_code=status_code, flash=flash,
        error=error, referral=referral, row=view.inbox_row(referral),
        actions=view.visible_actions(referral, user.role),
        on_behalf=user.role is not Role.AGENCY_OFFICER and view.can_answer(user.role),
        history=view.history(timeline.get("items", []), referral_id, zone),
        reminders=view.reminders(deadlines.get("items", [])), complaint=complaint,
        agency=agency, failed=failed, failed_note=note,
        inbox=view.inbox_url(referral["agency_id"], "", False,
                             coordinator=user.role is not Role.AGENCY_OFFICER))


@router.get("/agency/referrals/{referral_id}")
async def referral_page(request: Request, referral_id: str, user: Agent,
                        backends: BackendsDep, done: str = "") -> Response:
    t = translator(request_language(request))
    spec = view.action_spec(done)
    return await _referral_page(request, user, backends, referral_id,
                                flash=t(f"agency.done.{spec.action}") if spec else None)


@router.post("/agency/referrals/{referral_id}/{action}")
async def answer(request: Request, referral_id: str, action: str, user: Agent,
                 backends: BackendsDep, version: Annotated[str, Form()] = "",
                 note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    t = translator(request_language(request))
    spec = view.action_spec(action)
    if spec is None or view.parse_id(referral_id) is None:
        return render(request, "error.html", user, status_code=404, title_key="error.404",
                      message=None)
    if (missing := view.note_problem(spec, note)) is not None:
        return await _referral_page(request, user, backends, referral_id, status_code=422,
                                    error=t(missing), failed=action)
    headers = {"If-Match": f'"{version}"'} if version.isdigit() else {}
    try:
        await backends.call("referral", "POST", f"/v1/referrals/{referral_id}/{action}",
                            user.token, json={"note": note.strip() or None}, headers=headers)
    except BackendError as exc:
        if exc.status not in (403, 409, 412, 422):
            raise
        fresh = await _quietly(backends.get("referral", f"/v1/referrals/{referral_id}",
                                            user.token), None)
        refused = view.refusal(exc.status, exc.message, action, fresh)
        text = f"{view.refusal_text(t, refused)} ({refused.detail})"
        return await _referral_page(request, user, backends, referral_id,
                                    status_code=exc.status, error=text, failed=action,
                                    note=note)
    return RedirectResponse(f"/agency/referrals/{referral_id}?done={action}", status_code=303)
