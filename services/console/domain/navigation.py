"""Which screens each role sees, in menu order (plain data; pages check the same roles)."""

from __future__ import annotations

from dataclasses import dataclass

from slrt.auth import Role

DESK = frozenset({Role.PUSKESOS_OPERATOR, Role.FRONT_OFFICE, Role.BACK_OFFICE, Role.MANAGER,
                  Role.NATIONAL_ADMIN})
BACK_OFFICE = frozenset({Role.BACK_OFFICE, Role.MANAGER, Role.PROVINCE_COORDINATOR,
                         Role.NATIONAL_ADMIN})
AGENCY = frozenset({Role.AGENCY_OFFICER, Role.BACK_OFFICE, Role.MANAGER,
                    Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN})
PROPOSALS = frozenset({Role.PUSKESOS_OPERATOR, Role.FRONT_OFFICE, Role.BACK_OFFICE,
                       Role.MANAGER, Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN})
DASHBOARD = frozenset({Role.MANAGER, Role.BACK_OFFICE, Role.PROVINCE_COORDINATOR,
                       Role.NATIONAL_ADMIN})
OPERATIONS = frozenset({Role.OPERATOR, Role.NATIONAL_ADMIN})


@dataclass(frozen=True)
class Screen:
    path: str
    label_key: str  # a key of the message catalog
    roles: frozenset[Role]


SCREENS: tuple[Screen, ...] = (
    Screen("/front-office", "nav.front_office", DESK),
    Screen("/complaints", "nav.complaints", DESK),
    Screen("/offline", "nav.offline", frozenset({Role.PUSKESOS_OPERATOR, Role.FRONT_OFFICE})),
    Screen("/back-office", "nav.back_office", BACK_OFFICE),
    Screen("/agency", "nav.agency", AGENCY),
    Screen("/proposals", "nav.proposals", PROPOSALS),
    Screen("/dashboard", "nav.dashboard", DASHBOARD),
    Screen("/operations", "nav.operations", OPERATIONS),
)


def menu(role: Role) -> list[Screen]:
    return [s for s in SCREENS if role in s.roles]


def home_of(role: Role) -> str:
    """The first screen a role lands on after signing in."""
    first = {Role.AGENCY_OFFICER: "/agency", Role.MANAGER: "/dashboard",
             Role.PROVINCE_COORDINATOR: "/dashboard", Role.BACK_OFFICE: "/back-office",
             Role.OPERATOR: "/operations"}
    return first.get(role, "/front-office")
