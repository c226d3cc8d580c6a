"""Each role sees its own screens and lands on the first one it works in."""

from __future__ import annotations

from services.console.domain.navigation import home_of, menu
from slrt.auth import Role


def _paths(role: Role) -> list[str]:
    return [s.path for s in menu(role)]


def test_an_agency_officer_sees_only_its_inbox() -> None:
    assert _paths(Role.AGENCY_OFFICER) == ["/agency"]
    assert home_of(Role.AGENCY_OFFICER) == "/agency"


def test_a_puskesos_operator_works_at_the_desk_offline_and_on_proposals() -> None:
    assert _paths(Role.PUSKESOS_OPERATOR) == ["/front-office", "/complaints", "/offline",
                                              "/proposals"]
    assert home_of(Role.PUSKESOS_OPERATOR) == "/front-office"


def test_the_on_call_operator_sees_operations_only() -> None:
    assert _paths(Role.OPERATOR) == ["/operations"]


def test_every_role_has_a_home_in_its_menu() -> None:
    for role in Role:
        assert home_of(role) in _paths(role), role
