"""Intake's aggregate read for dashboards: `GET /v1/complaints:stats` (no personal data)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from slrt.auth import Principal, Role, require_roles
from slrt.runtime import RuntimeDep

from ..service_layer import stats
from .schemas import ErrorOut, Instant

Watcher = Annotated[Principal, Depends(require_roles(
    Role.MANAGER, Role.BACK_OFFICE, Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN))]
REGION = r"^\d{2}(\d{2}(\d{2}(\d{4})?)?)?$"


async def complaint_stats(
    principal: Watcher, runtime: RuntimeDep,
    start: Annotated[Instant | None, Query(alias="from",
                                           description="Registered at or after")] = None,
    end: Annotated[Instant | None, Query(alias="to", description="Registered before")] = None,
    region: Annotated[str | None, Query(pattern=REGION,
                                        description="A region inside the caller's")] = None,
) -> dict[str, Any]:
    if start is not None and end is not None and end <= start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="'to' must be after 'from'")
    try:
        async with runtime.uow() as uow:
            return await stats.complaint_stats(uow, principal, region, start, end)
    except stats.OutsideScope as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from None


def register(router: APIRouter) -> None:
    """Add the route to intake's `/v1` router itself (not as an included router), so that
    route listings, such as the fuzz test's, see it like any other operation."""
    router.add_api_route(
        "/complaints:stats", complaint_stats, methods=["GET"],
        summary="Complaints by category and by status in a region and period",
        responses={403: {"model": ErrorOut,
                         "description": "Role not allowed, or a region beside the caller's"},
                   422: {"description": "'to' not after 'from', or a malformed parameter"}})
