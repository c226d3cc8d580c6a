"""Agencies that receive referrals, kept as data (a directory loaded from JSON).

An agency id is `<kind>-<region code>` (`dinkes-3402`, `dinsos-34`) or just `<kind>` for a
national agency (`kemensos`), so the id alone tells who and where.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from contracts.vocabulary import Sector

AgencyLevel = Literal["regency", "province", "national"]

_DEMO_FILE = "agencies_demo.json"


def agency_id_for(kind: str, region_code: str) -> str:
    """The id an agency of this kind and region must carry."""
    return f"{kind}-{region_code}" if region_code else kind


@dataclass(frozen=True, slots=True)
class Agency:
    """One office that can act on referrals, e.g. Dinas Kesehatan Kabupaten Bantul."""

    agency_id: str
    name: str
    sectors: tuple[Sector, ...]
    region_code: str  # 4-digit regency, 2-digit province, "" for national
    kind: str  # dinsos, dinkes, dukcapil, ..., kemensos

    def __post_init__(self) -> None:
        if len(self.region_code) not in (0, 2, 4) or not (
            self.region_code.isdigit() or self.region_code == ""
        ):
            raise ValueError(f"agency {self.agency_id!r}: region code must be '', 2 or 4 digits")
        if not self.kind or "-" in self.kind:
            # A dash in the kind would make the id scheme ambiguous.
            raise ValueError(f"agency {self.agency_id!r}: kind must be non-empty without '-'")
        expected = agency_id_for(self.kind, self.region_code)
        if self.agency_id != expected:
            raise ValueError(f"agency id {self.agency_id!r} should be {expected!r}")

    @property
    def level(self) -> AgencyLevel:
        if len(self.region_code) == 4:
            return "regency"
        return "province" if self.region_code else "national"


class AgencyDirectory:
    """All known agencies, looked up by id or by (kind, region)."""

    def __init__(self, agencies: Iterable[Agency], version: str = "") -> None:
        self.version = version
        self._by_id: dict[str, Agency] = {}
        for agency in agencies:
            if agency.agency_id in self._by_id:
                raise ValueError(f"duplicate agency id {agency.agency_id!r}")
            self._by_id[agency.agency_id] = agency

    def get(self, agency_id: str) -> Agency | None:
        return self._by_id.get(agency_id)

    def find(self, kind: str, region_code: str) -> Agency | None:
        """The agency of `kind` for exactly this region ("" = national), or None."""
        return self._by_id.get(agency_id_for(kind, region_code))

    def all(self) -> list[Agency]:
        return sorted(self._by_id.values(), key=lambda a: a.agency_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, agency_id: object) -> bool:
        return agency_id in self._by_id


def _agency_from(raw: dict[str, Any]) -> Agency:
    return Agency(
        agency_id=raw["agency_id"],
        name=raw["name"],
        sectors=tuple(Sector(s) for s in raw["sectors"]),
        region_code=raw["region_code"],
        kind=raw["kind"],
    )


def parse_agency_directory(document: dict[str, Any]) -> AgencyDirectory:
    """Build a directory from the JSON document shape (`{"version", "agencies": [...]}`)."""
    return AgencyDirectory(
        (_agency_from(raw) for raw in document["agencies"]), str(document.get("version", ""))
    )


def load_agency_directory(path: Path | str | None = None) -> AgencyDirectory:
    """Load a directory file; without a path, the packaged DI Yogyakarta demo directory."""
    if path is None:
        text = resources.files(__package__).joinpath(_DEMO_FILE).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_agency_directory(json.loads(text))
