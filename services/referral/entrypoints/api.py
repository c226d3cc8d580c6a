"""Referral HTTP API: the routers of agency officers, the back office, agencies and routing,
and monitoring, under `/v1` (see each module; errors are mapped in `http`)."""

from __future__ import annotations

from fastapi import APIRouter

from . import api_agencies, api_agency, api_back_office, api_monitoring

router = APIRouter(prefix="/v1")
router.include_router(api_agency.router)
router.include_router(api_back_office.router)
router.include_router(api_agencies.router)
router.include_router(api_monitoring.router)
