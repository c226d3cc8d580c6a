"""Duplicate report of a region over HTTP (findings and merge proposals, paged)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from slrt.runtime import RuntimeDep

from ..adapters.audit import audit
from ..service_layer.duplicates import duplicate_report
from ..service_layer.search import MIN_REGION_DIGITS
from .api_search import StaffDep, requested_region

router = APIRouter(tags=["registry duplicates"])


@router.get("/registry/duplicates")
async def duplicates(
    principal: StaffDep, runtime: RuntimeDep,
    region: Annotated[str | None, Query(max_length=13)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The same NIK in two households and the same person twice, with merge proposals."""
    scope = requested_region(principal, region)
    if len(scope) < MIN_REGION_DIGITS:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            detail="give a region of a district or smaller")
    async with runtime.uow() as uow:
        report = await duplicate_report(uow.session, scope, page, page_size)
        await audit(uow.session, runtime.clock(), principal.subject, principal.role.value,
                    "duplicates", results=report["findings_total"])
        await uow.commit()
    return report
