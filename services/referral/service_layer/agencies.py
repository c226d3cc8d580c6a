"""Agencies as data: district managers create, change and deactivate the agencies of their
region (every change audited, with the state before and after), and try the routing rules
against the current directory (dry run)."""

from __future__ import annotations

from typing import Any

from contracts import Need, Sector, agency_topic
from slrt.auth import Principal

from ..adapters.agency_store import AgencyRepository
from ..domain.agencies import Agency, agency_id_for
from ..domain.errors import VersionConflict
from ..domain.routing import explain
from .errors import BadRequest, Forbidden, NotFound
from .policy import ReferralPolicy
from .unit import Work

#: Fields a change may touch; the id, kind and region make the agency what it is.
EDITABLE = ("name", "sectors", "is_partner", "contacts", "delivery")


def _covers(principal: Principal, region_code: str) -> bool:
    """A manager manages agencies inside its region (a national admin all of them)."""
    return region_code.startswith(principal.region)


async def list_agencies(work: Work, principal: Principal,
                        include_inactive: bool) -> list[dict[str, Any]]:
    return await AgencyRepository(work.uow.session).find(principal.region or None,
                                                         include_inactive)


async def get_agency(work: Work, agency_id: str) -> dict[str, Any]:
    found = await AgencyRepository(work.uow.session).get(agency_id)
    if found is None:
        raise NotFound(f"agency {agency_id} not found")
    return found


async def create_agency(work: Work, principal: Principal, values: dict[str, Any]) -> dict[str, Any]:
    agency_id = agency_id_for(values["kind"], values["region_code"])
    try:
        Agency(agency_id, values["name"], tuple(Sector(s) for s in values["sectors"]),
               values["region_code"], values["kind"])
        agency_topic(agency_id)  # the id must also name a Kafka topic
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if not _covers(principal, values["region_code"]):
        raise Forbidden(f"region {values['region_code'] or 'national'} is outside your region "
                        f"{principal.region or 'national'}")
    repo = AgencyRepository(work.uow.session)
    if await repo.get(agency_id) is not None:
        raise BadRequest(f"agency {agency_id} exists already")
    return await repo.add({**values, "agency_id": agency_id}, principal.subject,
                           principal.role.value, work.now)


async def _managed(repo: AgencyRepository, principal: Principal, agency_id: str,
                   expected_version: int | None) -> dict[str, Any]:
    found = await repo.get(agency_id)
    if found is None or not _covers(principal, found["region_code"]):
        raise NotFound(f"agency {agency_id} not found")
    if expected_version is not None and expected_version != found["version"]:
        raise VersionConflict(f"agency {agency_id}", expected_version, found["version"])
    return found


async def update_agency(work: Work, principal: Principal, agency_id: str,
                        values: dict[str, Any], expected_version: int | None) -> dict[str, Any]:
    repo = AgencyRepository(work.uow.session)
    found = await _managed(repo, principal, agency_id, expected_version)
    changes = {k: v for k, v in values.items() if k in EDITABLE and v is not None}
    if "sectors" in changes:
        try:
            changes["sectors"] = [Sector(s).value for s in changes["sectors"]]
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
    return await repo.change(agency_id, found["version"], changes, principal.subject,
                             principal.role.value, work.now, "update")


async def deactivate_agency(work: Work, principal: Principal, agency_id: str,
                            expected_version: int | None) -> dict[str, Any]:
    """Take the agency out of the directory; its referrals stay (reassign them separately)."""
    repo = AgencyRepository(work.uow.session)
    found = await _managed(repo, principal, agency_id, expected_version)
    return await repo.change(agency_id, found["version"], {"active": False},
                             principal.subject, principal.role.value, work.now, "deactivate")


async def audit_trail(work: Work, principal: Principal, agency_id: str) -> list[dict[str, Any]]:
    repo = AgencyRepository(work.uow.session)
    await _managed(repo, principal, agency_id, None)
    return await repo.audit_trail(agency_id)


async def dry_run(work: Work, policy: ReferralPolicy, sector: Sector, subcategory: str | None,
                  village_code: str) -> dict[str, Any]:
    """Which rule would route a need of `sector`/`subcategory` in `village_code`, and why."""
    directory = await AgencyRepository(work.uow.session).directory()
    code = f"{sector.value}.{subcategory}" if subcategory else sector.value
    need = Need(code=code, sector=sector, rule_id="dry-run", reason="dry run")
    try:
        result = explain(directory, policy.rules, need, village_code)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    decision = result.decision
    return {
        "need_code": result.need_code, "sector": result.sector,
        "subcategory": result.subcategory, "village_code": result.village_code,
        "rules_version": result.rules_version,
        "decision": {"routed": bool(decision.agency_ids), "agency_ids": decision.agency_ids,
                     "rule_id": decision.rule_id, "fallback_level": decision.fallback_level,
                     "queue": getattr(decision, "queue", None),
                     "explanation": decision.explanation},
        "checks": [{"key": c.key, "level": c.level, "outcome": c.outcome, "detail": c.detail}
                   for c in result.checks],
    }
