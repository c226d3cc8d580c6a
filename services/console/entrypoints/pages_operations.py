"""Console screen: the operator view — find a case by its id, its complaint's id or number, and
see it as operations needs it: a link to its trace in the trace UI (the complaint's journey from
intake's request on) and its timeline as raw entries. The referral service leaves out what
may be personal (notes) for the operator role; nothing here changes a case."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ..adapters.backends import BackendError, Backends
from ..domain import back_office as bo
from ..domain import operations as ops
from ..domain.i18n import translator
from ..domain.navigation import OPERATIONS
from .session import BackendsDep, User, allow, render, request_language

router = APIRouter()
Operator = Annotated[User, allow(*OPERATIONS)]


async def _case_of(backends: Backends, user: User, lookup: ops.Lookup) -> str | None:
    """The case id for what was typed: a case id itself, else the case of a complaint."""
    if lookup.kind == "id":
        try:
            await backends.get("referral", f"/v1/cases/{lookup.value}", user.token)
            return lookup.value
        except BackendError as exc:
            if exc.status != 404:
                raise
        params = {"complaint_id": lookup.value}
    else:
        params = {"complaint_number": lookup.value}
    found = await backends.get("referral", "/v1/cases", user.token, params)
    items = found.get("items", [])
    return str(items[0]["case_id"]) if items else None


@router.get("/operations")
async def find(request: Request, user: Operator, backends: BackendsDep,
               q: str = "") -> Response:
    if not q.strip():
        return render(request, "operations/find.html", user, q="", problem=None)
    lookup = ops.parse_lookup(q)
    if lookup is None:
        return render(request, "operations/find.html", user, status_code=422, q=q,
                      problem="operations.find.invalid")
    case_id = await _case_of(backends, user, lookup)
    if case_id is None:
        return render(request, "operations/find.html", user, status_code=404, q=q,
                      problem="operations.find.not_found")
    return RedirectResponse(f"/operations/cases/{case_id}", status_code=303)


@router.get("/operations/cases/{case_id}")
async def case_page(request: Request, case_id: str, user: Operator,
                    backends: BackendsDep) -> Response:
    if bo.parse_uuid(case_id) is None:
        return render(request, "error.html", user, status_code=404, title_key="error.404",
                      message=None)
    case, timeline = await asyncio.gather(
        backends.get("referral", f"/v1/cases/{case_id}", user.token),
        backends.get("referral", f"/v1/cases/{case_id}/timeline", user.token))
    settings = request.app.state.settings
    return render(request, "operations/case.html", user, case=case,
                  trace_url=ops.trace_link(settings.trace_url_template, case.get("trace_id")),
                  entries=ops.raw_entries(timeline.get("items", [])),
                  counts=ops.status_counts(case.get("referrals", [])),
                  case_json=json.dumps(case, indent=2, sort_keys=True, ensure_ascii=False),
                  when=bo.local_time,
                  label=bo.labeler(translator(request_language(request))))
