"""Agencies as data (district managers, audited) and the routing dry run."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from contracts import agency_topic
from slrt.auth import Principal, PrincipalDep, Role, require_roles
from slrt.embedded.topics import ensure_topics
from slrt.runtime import Runtime, RuntimeDep

from ..service_layer import agencies
from .http import IfMatch, ReferralRoute, WorkDep, tagged
from .schemas import AgencyChangeIn, AgencyIn, DryRunIn

log = logging.getLogger(__name__)
router = APIRouter(route_class=ReferralRoute, tags=["agencies"])

Manager = Annotated[Principal, Depends(require_roles(Role.MANAGER, Role.NATIONAL_ADMIN))]
Router = Annotated[Principal, Depends(require_roles(Role.MANAGER, Role.BACK_OFFICE,
                                                    Role.NATIONAL_ADMIN))]


async def _ensure_topic(runtime: Runtime, agency_id: str) -> None:
    """A new agency gets its delivery topic now (else the broker would auto-create it)."""
    topic = agency_topic(agency_id)
    try:
        await ensure_topics(runtime.settings.kafka_bootstrap_servers, {topic: 1})
        await runtime.producer.learn_topic(topic)  # see RelayProducer.learn_topic
    except Exception as exc:  # the topic is also created at the next start-up
        log.warning("could not create the topic of agency %s: %s", agency_id,
                    type(exc).__name__)


@router.get("/agencies", summary="Agencies concerning your region")
async def list_agencies(principal: PrincipalDep, work: WorkDep,
                        include_inactive: Annotated[bool, Query()] = False) -> dict[str, Any]:
    return {"items": await agencies.list_agencies(work, principal, include_inactive)}


@router.get("/agencies/{agency_id}", summary="One agency (ETag: its version)")
async def get_agency(agency_id: str, principal: PrincipalDep, work: WorkDep,
                     response: Response) -> dict[str, Any]:
    found = await agencies.get_agency(work, agency_id)
    return tagged(found, found["version"], response)


@router.post("/agencies", status_code=201, summary="Create an agency (its id: <kind>-<region>)")
async def create_agency(body: AgencyIn, principal: Manager, work: WorkDep, runtime: RuntimeDep,
                        response: Response) -> dict[str, Any]:
    created = await agencies.create_agency(work, principal, body.values())
    await work.uow.commit()
    await _ensure_topic(runtime, created["agency_id"])
    return tagged(created, created["version"], response)


@router.patch("/agencies/{agency_id}", summary="Change an agency's name, sectors, contacts...")
async def update_agency(agency_id: str, body: AgencyChangeIn, principal: Manager,
                        work: WorkDep, expected: IfMatch, response: Response) -> dict[str, Any]:
    changed = await agencies.update_agency(work, principal, agency_id, body.values(), expected)
    await work.uow.commit()
    return tagged(changed, changed["version"], response)


@router.delete("/agencies/{agency_id}",
               summary="Deactivate an agency (its referrals stay; reassign them)")
async def deactivate_agency(agency_id: str, principal: Manager, work: WorkDep,
                            expected: IfMatch, response: Response) -> dict[str, Any]:
    changed = await agencies.deactivate_agency(work, principal, agency_id, expected)
    await work.uow.commit()
    return tagged(changed, changed["version"], response)


@router.get("/agencies/{agency_id}/audit", summary="Every change of an agency: who, when, what")
async def agency_audit(agency_id: str, principal: Manager, work: WorkDep) -> dict[str, Any]:
    return {"agency_id": agency_id,
            "items": await agencies.audit_trail(work, principal, agency_id)}


@router.post("/routing:dry-run", summary="Which rule would route a need, and why")
async def routing_dry_run(body: DryRunIn, principal: Router, work: WorkDep,
                          runtime: RuntimeDep) -> dict[str, Any]:
    return await agencies.dry_run(work, runtime.extras["policy"], body.sector, body.subcategory,
                                  body.village_code)
