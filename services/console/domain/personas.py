"""Who one can sign in as with the development issuer (embedded default only).

The people of the seeds: a Puskesos volunteer in a Bantul village, the district's front and
back office, agency officers, the district manager, a national admin and the on-call operator.
Any other role/region/agency can still be typed on the sign-in page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    key: str
    role: str
    region: str
    agency_id: str | None = None

    @property
    def subject(self) -> str:
        return f"dev-{self.key}"


PERSONAS: tuple[Persona, ...] = (
    Persona("puskesos-bambanglipuro", "puskesos_operator", "340205"),
    Persona("front-office-bantul", "front_office", "3402"),
    Persona("back-office-bantul", "back_office", "3402"),
    Persona("disdik-bantul", "agency_officer", "3402", "disdik-3402"),
    Persona("dinsos-bantul", "agency_officer", "3402", "dinsos-3402"),
    Persona("disdik-sleman", "agency_officer", "3404", "disdik-3404"),
    Persona("manager-bantul", "manager", "3402"),
    Persona("national-admin", "national_admin", ""),
    Persona("operator", "operator", ""),
)


def persona(key: str) -> Persona | None:
    return next((p for p in PERSONAS if p.key == key), None)
