"""Registry figures for dashboards: `GET /v1/registry/exclusion-errors` per village."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import AwareDatetime

from slrt.auth import Principal, Role, require_roles
from slrt.runtime import RuntimeDep

from ..service_layer.exclusion_stats import exclusion_errors
from .api_search import requested_region

router = APIRouter(tags=["registry figures"])

Watcher = Annotated[Principal, Depends(require_roles(
    Role.MANAGER, Role.BACK_OFFICE, Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN))]


@router.get("/registry/exclusion-errors",
            summary="Complainants not in the registry, and eligible households not enrolled, "
                    "per village")
async def exclusion_errors_per_village(
    principal: Watcher, runtime: RuntimeDep,
    region: Annotated[str | None, Query(max_length=13, description=(
        "A region inside yours (Kemendagri code); default: your region"))] = None,
    start: Annotated[AwareDatetime | None, Query(alias="from",
                                                 description="Assessed at or after")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to", description="Assessed before")]
    = None,
) -> dict[str, Any]:
    if start is not None and end is not None and end <= start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="'to' must be after 'from'")
    scope = requested_region(principal, region)
    async with runtime.uow() as uow:
        return await exclusion_errors(uow, scope, _utc(start), _utc(end))


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if value is not None else None
