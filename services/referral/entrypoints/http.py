"""HTTP plumbing of the referral API: errors to status codes, `If-Match` and `ETag`, and the
unit-of-work dependency.

Every route of the referral routers uses `ReferralRoute`, so a use case simply raises:

| raised | status |
|---|---|
| `NotFound` (absent or out of scope) | 404 |
| `Forbidden` | 403 |
| `BadRequest`, `NoteRequired` | 422 |
| `VersionConflict` (`If-Match` is not the current version) | 412, with the current version |
| `ConcurrentUpdate` (changed by someone else between read and write) | 409 |
| `TransitionNotAllowed` (any invalid transition or action) | 409, with the allowed ones |
| other `DomainError` | 409 |
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from slrt.runtime import RuntimeDep

from ..domain.errors import DomainError, NoteRequired, TransitionNotAllowed, VersionConflict
from ..service_layer.errors import BadRequest, ConcurrentUpdate, Forbidden, NotFound
from ..service_layer.unit import Work

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')


def _answer(exc: Exception) -> JSONResponse | None:
    body: dict[str, Any] = {"detail": str(exc)}
    if isinstance(exc, NotFound):
        return JSONResponse(body, status.HTTP_404_NOT_FOUND)
    if isinstance(exc, Forbidden):
        return JSONResponse(body, status.HTTP_403_FORBIDDEN)
    if isinstance(exc, BadRequest | NoteRequired):
        return JSONResponse(body, status.HTTP_422_UNPROCESSABLE_CONTENT)
    if isinstance(exc, VersionConflict):
        body.update(expected_version=exc.expected, current_version=exc.actual)
        return JSONResponse(body, status.HTTP_412_PRECONDITION_FAILED,
                            headers={"ETag": etag(exc.actual)})
    if isinstance(exc, ConcurrentUpdate):
        return JSONResponse(body, status.HTTP_409_CONFLICT)
    if isinstance(exc, TransitionNotAllowed):
        body.update(current=exc.current, requested=exc.requested,
                    allowed=[str(a) for a in exc.allowed], reason=exc.reason or None)
        return JSONResponse(body, status.HTTP_409_CONFLICT)
    if isinstance(exc, DomainError):
        return JSONResponse(body, status.HTTP_409_CONFLICT)
    return None


class ReferralRoute(APIRoute):
    """A route whose use-case errors become the answers in the module docstring."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                answer = _answer(exc)
                if answer is None:
                    raise
                return answer

        return route


def etag(version: int) -> str:
    return f'"{version}"'


async def if_match(
    value: Annotated[str | None, Header(alias="If-Match",
                                       description='The version you read, as its ETag: "3"')]
    = None,
) -> int | None:
    """The version the caller expects (None without the header, or with `*`)."""
    if value is None or value.strip() == "*":
        return None
    found = _ETAG.match(value.strip())
    if found is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            detail='If-Match must be an ETag of this API, e.g. "3"')
    return int(found.group(1))


IfMatch = Annotated[int | None, Depends(if_match)]


async def work_unit(runtime: RuntimeDep) -> AsyncIterator[Work]:
    """One unit of work per request, at the runtime's clock; the route commits it."""
    async with runtime.uow() as uow:
        yield Work(uow, runtime.clock())


WorkDep = Annotated[Work, Depends(work_unit)]


def tagged(body: dict[str, Any], version: int, response: Response) -> dict[str, Any]:
    """`body` with an `ETag` of `version` on the response."""
    response.headers["ETag"] = etag(version)
    return body
