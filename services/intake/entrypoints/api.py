"""Intake HTTP API: thin routes that parse, call one use case, and shape the answer."""

from __future__ import annotations

import functools
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Query, Response, status
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from contracts import Sector, Urgency
from slrt.auth import Principal, PrincipalDep, Role, require_roles
from slrt.grouping import GroupRunner
from slrt.outbox import current_traceparent
from slrt.runtime import Runtime, RuntimeDep

from ..adapters.receipt import render_receipt_html, render_receipt_pdf
from ..domain.complaint import OfflineCapture
from ..domain.status import ComplaintStatus
from ..service_layer import desk_form, services
from ..service_layer.registration import ItemResult, Outcome, Submission, register
from .schemas import (
    BatchIn,
    BatchItemOut,
    BatchOut,
    CategoriesOut,
    ComplaintCheck,
    ComplaintCreated,
    ComplaintIn,
    ErrorOut,
    InformationIn,
    Instant,
    IssueOut,
    OfflineComplaintIn,
    SatisfactionIn,
    WithdrawIn,
    issues,
)


def _errors(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for an operation's error answers, so clients (and schemathesis) see them."""
    return {code: {"model": ErrorOut, "description": text} for code, text in described.items()}


_UNREADABLE = "The body is not readable (e.g. not UTF-8)"
_NOT_FOUND = "No such complaint in the caller's region"
_NOT_NOW = "Not allowed in the complaint's current status"
_ROLE = "The caller's role may not do this"
_FOLLOW_UP_ERRORS = _errors({400: _UNREADABLE, 403: _ROLE, 404: _NOT_FOUND, 409: _NOT_NOW})

router = APIRouter(prefix="/v1", tags=["complaints"],
                   responses=_errors({401: "Missing, malformed or expired bearer token"}))

DESK_ROLES = (Role.PUSKESOS_OPERATOR, Role.FRONT_OFFICE, Role.BACK_OFFICE, Role.MANAGER,
              Role.NATIONAL_ADMIN)
DeskPrincipal = Annotated[Principal, Depends(require_roles(*DESK_ROLES))]


async def _register(runtime: Runtime, submissions: list[Submission],
                    *, keys_expected_new: bool = False) -> list[ItemResult]:
    """`keys_expected_new`: skip looking the idempotency keys up first (a desk submission's key
    is nearly always new); a known key then fails the insert, and the second try looks it up."""
    numbers = runtime.extras.get("numbers")
    take = numbers.take if numbers is not None else None
    try:
        async with runtime.uow() as uow:
            if take is not None and keys_expected_new:
                # A desk group: numbers come from blocks reserved apart, so the unit only
                # reads until its commit writes everything in one statement.
                await uow.write_only_at_commit()
            return await register(uow, submissions, runtime.clock(),
                                  look_up_keys=not keys_expected_new, numbers=take)
    except IntegrityError:
        # The key was known after all, or two requests raced on it: the second try finds the
        # winner's record.
        async with runtime.uow() as uow:
            return await register(uow, submissions, runtime.clock(), numbers=take)


def desk_queue(runtime: Runtime) -> GroupRunner[Submission, ItemResult]:
    """Desk submissions that arrive together are registered in one transaction (group
    commit): under load each no longer pays its own round trips and commit."""
    return GroupRunner(functools.partial(_register, runtime, keys_expected_new=True))


@router.post("/complaints", status_code=status.HTTP_201_CREATED, response_model=ComplaintCreated,
             responses={200: {"model": ComplaintCreated,
                              "description": "A retry: the original complaint"},
                        **_errors({400: _UNREADABLE,
                                   403: f"{_ROLE}, or the village lies outside the caller's "
                                        "region",
                                   409: "Idempotency key reused for another body"})})
async def create_complaint(body: ComplaintIn, principal: DeskPrincipal, runtime: RuntimeDep,
                           idempotency_key: Annotated[str | None,
                                                      Header(max_length=200)] = None) -> Response:
    key = idempotency_key or body.client_ref or None  # an empty key protects nothing
    desk: GroupRunner[Submission, ItemResult] = runtime.extras["desk"]
    result = await desk.submit(Submission(body.draft(), key, body.fingerprint(), principal,
                                          current_traceparent()))
    if result.outcome == Outcome.REJECTED:
        scope = [e for e in result.errors if e.rule == "scope.region"]
        if scope:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=scope[0].message)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=[i.model_dump() for i in issues(result.errors)])
    if result.outcome == Outcome.CONFLICT:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=result.errors[0].message)
    assert result.complaint_id and result.number and result.status
    created = ComplaintCreated(id=result.complaint_id, number=result.number,
                               status=result.status, warnings=issues(result.warnings),
                               possible_duplicate_of=result.possible_duplicate_of)
    if result.outcome == Outcome.REPLAYED:
        answer = _json(created, status.HTTP_200_OK)
        answer.headers["Idempotent-Replayed"] = "true"
        return answer
    return _json(created, status.HTTP_201_CREATED)


@router.post("/complaints:validate", response_model=ComplaintCheck,
             responses=_errors({400: _UNREADABLE, 403: _ROLE}))
async def validate_complaint(
    body: Annotated[dict[str, Any], Body(description=(
        "The body of POST /v1/complaints, complete or still being filled in"))],
    principal: DeskPrincipal, runtime: RuntimeDep,
) -> Response:
    """Checks a complaint as registering it would (fields, taxonomy, NIK, the caller's region)
    and answers 200 with the errors and warnings found; a missing or malformed field is an
    error like any other. Nothing is stored, numbered or published."""
    check = desk_form.check_complaint(body, principal, runtime.clock())
    return _json(ComplaintCheck(errors=issues(check.errors), warnings=issues(check.warnings)))


@router.get("/categories", response_model=CategoriesOut, tags=["reference"])
async def categories(principal: PrincipalDep) -> Response:
    """The complaint taxonomy: sectors and their subcategory codes, labelled in Indonesian
    and English, in the order a form lists them."""
    return _json(CategoriesOut.model_validate({"items": desk_form.taxonomy()}))


@router.post("/complaints:batch", response_model=BatchOut,
             responses=_errors({400: _UNREADABLE, 403: _ROLE}))
async def sync_batch(body: BatchIn, principal: DeskPrincipal, runtime: RuntimeDep) -> Response:
    """A tablet's offline queue (≤ 500): a result per item; no item is lost or half-applied."""
    parsed: list[tuple[int, OfflineComplaintIn]] = []
    out: dict[int, BatchItemOut] = {}
    for index, raw in enumerate(body.items):
        try:
            parsed.append((index, OfflineComplaintIn.model_validate(raw)))
        except ValidationError as exc:
            ref = raw.get("client_ref") if isinstance(raw.get("client_ref"), str) else None
            out[index] = BatchItemOut(index=index, client_ref=ref, outcome=Outcome.REJECTED,
                                      errors=[IssueOut(loc=["items", index, *e["loc"]],
                                                       type=e["type"], msg=e["msg"])
                                              for e in exc.errors()])
    submissions = [Submission(item.draft(OfflineCapture(item.captured_at, body.device_id)),
                              item.client_ref, item.fingerprint(), principal)
                   for _, item in parsed]
    results = await _register(runtime, submissions) if submissions else []
    for (index, item), result in zip(parsed, results, strict=True):
        out[index] = BatchItemOut(
            index=index, client_ref=item.client_ref, outcome=result.outcome,
            id=result.complaint_id, number=result.number, status=result.status,
            errors=issues(result.errors, ("items", index)),
            warnings=issues(result.warnings, ("items", index)),
            possible_duplicate_of=result.possible_duplicate_of)
    items = [out[i] for i in sorted(out)]
    count = {o: sum(1 for i in items if i.outcome == o) for o in Outcome}
    return _json(BatchOut(device_id=body.device_id, created=count[Outcome.CREATED],
                          duplicates=count[Outcome.REPLAYED],
                          rejected=count[Outcome.REJECTED] + count[Outcome.CONFLICT],
                          items=items))


def _json(answer: BaseModel, status_code: int = status.HTTP_200_OK) -> Response:
    """The answer serialised once: returned as a model, FastAPI would dump it to a dict,
    validate that against the response model again and only then serialise (for 500 batch
    items, a sizeable share of the request)."""
    return Response(answer.model_dump_json(), status_code=status_code,
                    media_type="application/json")


MAX_OFFSET = 2**31 - 1
SortKey = Literal["registered_at", "-registered_at", "updated_at", "-updated_at", "number",
                  "-number", "urgency", "-urgency", "status", "-status"]


@router.get("/complaints")
async def list_complaints(
    principal: PrincipalDep, runtime: RuntimeDep,
    status_filter: Annotated[list[ComplaintStatus] | None, Query(alias="status")] = None,
    village: Annotated[str | None, Query(pattern=r"^\d{10}$")] = None,
    district: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    category: Sector | None = None,
    urgency: Urgency | None = None,
    registered_from: Instant | None = None,
    registered_to: Instant | None = None,
    overdue: bool | None = None,
    sort: SortKey = "-registered_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    # Bounded: an OFFSET beyond what the database's integers hold was a 500, not a 422.
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    f = services.ComplaintFilter(
        status=[str(s) for s in status_filter] if status_filter else None, village_code=village,
        district_code=district, category=category, urgency=urgency,
        registered_from=registered_from, registered_to=registered_to, overdue=overdue)
    async with runtime.uow() as uow:
        rows, total = await services.list_complaints(uow, principal, f, sort, limit, offset,
                                                     runtime.clock())
    keys = ("id", "number", "status", "kind", "channel", "village_code", "category",
            "subcategory", "urgency", "registered_at", "updated_at", "possible_duplicate_of")
    return {"total": total, "limit": limit, "offset": offset,
            "items": [{k: r[k] for k in keys} | {"complainant_name": r["complainant_name"]}
                      for r in rows]}


async def _view(runtime: Runtime, complaint_id: uuid.UUID,
                principal: Principal) -> dict[str, Any]:
    try:
        async with runtime.uow() as uow:
            view = await services.show_complaint(uow, complaint_id, principal, runtime.clock())
    except services.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    c = view["complaint"]
    plain = ("id", "number", "status", "kind", "channel", "village_code", "category",
             "subcategory", "urgency", "description", "household_id", "registered_at",
             "updated_at", "captured_at", "device_id", "desk_resolution",
             "possible_duplicate_of", "satisfaction_score", "consent_recorded_at")
    return {
        **{k: c[k] for k in plain},
        "complainant": {"name": c["complainant_name"], "nik": c["complainant_nik"],
                        "has_no_nik": c["complainant_has_no_nik"],
                        "kk_number": c["complainant_kk"], "phone": c["complainant_phone"],
                        "address": c["complainant_address"],
                        "relation": c["complainant_relation"]},
        "referrals": [{k: r[k] for k in ("referral_id", "agency_id", "sector", "status",
                                          "accept_due_at", "resolve_due_at", "updated_at")}
                      for r in view["referrals"]],
        "timeline": view["timeline"],
    }


@router.get("/complaints/{complaint_id}", responses=_errors({404: _NOT_FOUND}))
async def get_complaint(complaint_id: uuid.UUID, principal: PrincipalDep,
                        runtime: RuntimeDep) -> dict[str, Any]:
    return await _view(runtime, complaint_id, principal)


# response_class=Response (no media type of its own) keeps the errors documented as JSON.
@router.get("/complaints/{complaint_id}/receipt.html", response_class=Response,
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                             "description": "The receipt as printable HTML"},
                       **_errors({404: _NOT_FOUND})})
async def receipt_html(complaint_id: uuid.UUID, principal: PrincipalDep,
                       runtime: RuntimeDep) -> HTMLResponse:
    view = await _view(runtime, complaint_id, principal)
    return HTMLResponse(render_receipt_html(view, printed_at=runtime.clock()))


@router.get("/complaints/{complaint_id}/receipt.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}},
                             "description": "The receipt as an A5 PDF"},
                       **_errors({404: _NOT_FOUND})})
async def receipt_pdf(complaint_id: uuid.UUID, principal: PrincipalDep,
                      runtime: RuntimeDep) -> Response:
    view = await _view(runtime, complaint_id, principal)
    pdf = render_receipt_pdf(view, printed_at=runtime.clock())
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{view["number"]}.pdf"'})


async def _follow_up(call: Any) -> JSONResponse:
    try:
        await call
    except services.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    except services.NotAllowedNow as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    return JSONResponse({"ok": True}, status_code=status.HTTP_202_ACCEPTED)


@router.post("/complaints/{complaint_id}/information", status_code=202,
             responses=_FOLLOW_UP_ERRORS)
async def add_information(complaint_id: uuid.UUID, body: InformationIn,
                          principal: DeskPrincipal, runtime: RuntimeDep) -> JSONResponse:
    if body.note is None and not body.attachments:
        # Same shape as every other 422 (a list of issues), so clients read one format.
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[IssueOut(
            loc=["body"], type="information.empty",
            msg="Isi catatan, lampiran, atau keduanya.").model_dump()])
    async with runtime.uow() as uow:
        return await _follow_up(services.add_information(
            uow, complaint_id, principal, body.note, body.attachments, runtime.clock()))


@router.post("/complaints/{complaint_id}/withdraw", status_code=202,
             responses=_FOLLOW_UP_ERRORS)
async def withdraw(complaint_id: uuid.UUID, body: WithdrawIn, principal: DeskPrincipal,
                   runtime: RuntimeDep) -> JSONResponse:
    async with runtime.uow() as uow:
        return await _follow_up(services.withdraw(uow, complaint_id, principal, body.reason,
                                                  runtime.clock()))


@router.post("/complaints/{complaint_id}/satisfaction", status_code=202,
             responses=_FOLLOW_UP_ERRORS)
async def satisfaction(complaint_id: uuid.UUID, body: SatisfactionIn, principal: DeskPrincipal,
                       runtime: RuntimeDep) -> JSONResponse:
    async with runtime.uow() as uow:
        return await _follow_up(services.record_satisfaction(
            uow, complaint_id, principal, body.score, body.comment, runtime.clock()))
