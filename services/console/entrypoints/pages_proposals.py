"""Console screen: data update proposals (usulan) and their verification and validation.

A village operator finds the household (NIK or KK, posted so the number stays out of URLs and
logs), chooses what to change and gives the reason; the back office verifies, the district
manager approves and applies, and anyone whose step it is may reject with a reason. The
registry decides who may take which step; the page offers the steps it lists for the caller.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from slrt.auth import Role

from ..adapters.backends import BackendError, Backends
from ..domain import proposals as usulan
from ..domain.agency import parse_id
from ..domain.i18n import translator
from ..domain.navigation import PROPOSALS
from .session import BackendsDep, User, allow, render, request_language

router = APIRouter()
Staff = Annotated[User, allow(*PROPOSALS)]
Proposer = Annotated[User, allow(*(Role(r) for r in sorted(usulan.PROPOSERS)))]
_DIGITS16 = re.compile(r"^\d{16}$")
#: The form's fields besides household, change and note (kept on a refused form).
_FORM_FIELDS = ("member_id", "value", "name", "sex", "birth_date", "relation", "nik",
                "village_code", "address")


def _not_found(request: Request, user: User) -> Response:
    return render(request, "error.html", user, status_code=404, title_key="error.404",
                  message=None)


@router.get("/proposals")
async def listing(request: Request, user: Staff, backends: BackendsDep, state: str = "",
                  page: int = 1) -> Response:
    state = state if state in usulan.STATES else ""
    page = max(page, 1)
    found = await backends.get("registry", "/v1/proposals", user.token,
                               {"state": state, "page": page, "page_size": usulan.PAGE_SIZE})
    items = found.get("items", [])
    rows = [{**p, "change": usulan.change_of(p["kind"], p.get("details") or {}),
             "proposed_at": usulan.when(p["history"][0]["at"]) if p.get("history") else "",
             "proposed_by": p["history"][0]["by"] if p.get("history") else "",
             "steps": usulan.visible_steps(p)} for p in items]
    return render(request, "proposals/list.html", user, rows=rows, state=state,
                  states=usulan.STATES, page=page, list_url=usulan.list_url,
                  has_next=len(items) == usulan.PAGE_SIZE, badge=usulan.state_badge,
                  can_propose=_may_propose(user))


def _may_propose(user: User) -> bool:
    return user.role.value in usulan.PROPOSERS


async def _household(backends: Backends, user: User, household_id: str) -> dict[str, Any]:
    return await backends.get("registry", f"/v1/households/{household_id}", user.token)


def _new_page(request: Request, user: User, *, household: dict[str, Any] | None = None,
              chosen: usulan.Change | None = None, results: list[Any] | None = None,
              search: dict[str, str] | None = None, errors: dict[str, str] | None = None,
              form: dict[str, str] | None = None, error: str | None = None,
              status_code: int = 200) -> Response:
    return render(request, "proposals/new.html", user, status_code=status_code,
                  household=household, chosen=chosen, changes=usulan.CHANGES,
                  results=results, search=search or {}, errors=errors or {}, form=form or {},
                  error=error, relations=usulan.RELATIONS, sexes=usulan.SEXES)


@router.get("/proposals/new")
async def new(request: Request, user: Proposer, backends: BackendsDep, household_id: str = "",
              change: str = "") -> Response:
    if not household_id:
        return _new_page(request, user)
    if parse_id(household_id) is None:
        return _not_found(request, user)
    household = await _household(backends, user, household_id)
    return _new_page(request, user, household=household, chosen=usulan.change(change))


@router.post("/proposals/new/search")
async def search(request: Request, user: Proposer, backends: BackendsDep,
                 nik: Annotated[str, Form(max_length=32)] = "",
                 kk: Annotated[str, Form(max_length=32)] = "") -> Response:
    t = translator(request_language(request))
    nik, kk = nik.strip(), kk.strip()
    given = {name: value for name, value in (("nik", nik), ("kk", kk)) if value}
    errors: dict[str, str] = {}
    if len(given) != 1:
        errors["nik"] = t("proposals.error.one_number")
    for name, value in given.items():
        if not _DIGITS16.match(value):
            errors[name] = t("proposals.error.digits16")
    if errors:
        return _new_page(request, user, search={"nik": nik, "kk": kk}, errors=errors,
                         status_code=422)
    try:
        found = await backends.get("registry", "/v1/households/search", user.token, given)
    except BackendError as exc:
        if exc.status not in (400, 403):
            raise
        return _new_page(request, user, search={"nik": nik, "kk": kk}, error=exc.message,
                         status_code=exc.status)
    return _new_page(request, user, search={"nik": nik, "kk": kk},
                     results=found.get("results", []))


@router.post("/proposals/new")
async def create(request: Request, user: Proposer, backends: BackendsDep) -> Response:
    t = translator(request_language(request))
    posted = {k: str(v) for k, v in (await request.form()).items()}
    household_id = posted.get("household_id", "")
    chosen = usulan.change(posted.get("change"))
    if parse_id(household_id) is None or chosen is None:
        return _not_found(request, user)
    household = await _household(backends, user, household_id)
    members = [str(m["member_id"]) for m in household.get("members", [])]
    body, problems = usulan.build_request(chosen, household_id, posted, members)
    form = {k: posted.get(k, "") for k in (*_FORM_FIELDS, "note")}
    if body is None:
        return _new_page(request, user, household=household, chosen=chosen, form=form,
                         errors={k: t(v) for k, v in problems.items()},
                         error=t("proposals.error.form"), status_code=422)
    try:
        made = await backends.post("registry", "/v1/proposals", user.token, json=body)
    except BackendError as exc:
        if exc.status not in (403, 404, 409, 422):
            raise
        return _new_page(request, user, household=household, chosen=chosen, form=form,
                         errors=usulan.service_field_errors(exc.message), error=exc.message,
                         status_code=exc.status)
    return RedirectResponse(f"/proposals/{made['proposal_id']}?done=propose", status_code=303)


async def _detail_page(request: Request, user: User, backends: Backends, proposal_id: str, *,
                       flash: str | None = None, error: str | None = None,
                       stale: tuple[str, str] | None = None, failed: str = "",
                       reason: str = "", status_code: int = 200) -> Response:
    if parse_id(proposal_id) is None:
        return _not_found(request, user)
    proposal = await backends.get("registry", f"/v1/proposals/{proposal_id}", user.token)
    household = None
    if proposal.get("household_id"):
        try:  # the reviewer compares with the household as it is now (an audited read)
            household = await _household(backends, user, proposal["household_id"])
        except BackendError:
            household = None
    history = [{**s, "when": usulan.when(s.get("at"))} for s in proposal.get("history", [])]
    return render(request, "proposals/detail.html", user, status_code=status_code,
                  flash=flash, error=error, stale=stale, failed=failed, reason=reason,
                  proposal=proposal, household=household,
                  lines=usulan.describe(proposal, household),
                  problems=usulan.problems(proposal), history=history,
                  steps=usulan.visible_steps(proposal), badge=usulan.state_badge,
                  change=usulan.change_of(proposal["kind"], proposal.get("details") or {}))


@router.get("/proposals/{proposal_id}")
async def detail(request: Request, proposal_id: str, user: Staff, backends: BackendsDep,
                 done: str = "") -> Response:
    t = translator(request_language(request))
    flash = t(f"proposals.done.{done}") if done in (*usulan.STEPS, "propose") else None
    return await _detail_page(request, user, backends, proposal_id, flash=flash)


@router.post("/proposals/{proposal_id}/{step}")
async def take_step(request: Request, proposal_id: str, step: str, user: Staff,
                    backends: BackendsDep,
                    note: Annotated[str, Form(max_length=usulan.NOTE_MAX)] = "") -> Response:
    t = translator(request_language(request))
    if step not in usulan.STEPS or parse_id(proposal_id) is None:
        return _not_found(request, user)
    note = note.strip()
    if step == "reject" and not note:
        return await _detail_page(request, user, backends, proposal_id, failed=step,
                                  error=t("proposals.error.reject_reason"), status_code=422)
    body: dict[str, str] | None = {"reason": note} if step == "reject" else \
        None if step == "apply" else {"note": note}
    try:
        await backends.post("registry", f"/v1/proposals/{proposal_id}/{step}", user.token,
                            json=body)
    except BackendError as exc:
        if exc.status not in (403, 409, 422):
            raise
        stale = usulan.stale_versions(exc.detail)
        text = t("proposals.refused.stale", based_on=stale[0], now=stale[1]) if stale else \
            t(f"proposals.refused.{exc.status}", message=exc.message)
        return await _detail_page(request, user, backends, proposal_id, error=text,
                                  stale=stale, failed=step, reason=note,
                                  status_code=exc.status)
    return RedirectResponse(f"/proposals/{proposal_id}?done={step}", status_code=303)
