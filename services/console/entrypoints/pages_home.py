"""The console's root: each role lands on its own first screen; health for `slrt up`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from ..domain.navigation import home_of
from .session import UserDep

router = APIRouter()


@router.get("/")
async def home(user: UserDep) -> RedirectResponse:
    return RedirectResponse(home_of(user.role), status_code=303)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
