"""Local time zones of Indonesian regions: WIB, WITA and WIT by province code.

An agency's deadlines end at its own local end of day, so the zone comes from the agency's
region code (its first two digits are the province).
"""

from __future__ import annotations

from collections.abc import Mapping

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"

#: Province code -> IANA zone. Codes as in the Kemendagri reference (Papua is 91-96 there).
ZONE_BY_PROVINCE: Mapping[str, str] = {
    **dict.fromkeys(("11", "12", "13", "14", "15", "16", "17", "18", "19", "21"), WIB),  # Sumatra
    **dict.fromkeys(("31", "32", "33", "34", "35", "36"), WIB),  # Java
    **dict.fromkeys(("61", "62"), WIB),  # West and Central Kalimantan
    **dict.fromkeys(("51", "52", "53"), WITA),  # Bali, NTB, NTT
    **dict.fromkeys(("63", "64", "65"), WITA),  # South, East, North Kalimantan
    **dict.fromkeys(("71", "72", "73", "74", "75", "76"), WITA),  # Sulawesi
    **dict.fromkeys(("81", "82"), WIT),  # Maluku, Maluku Utara
    **dict.fromkeys(("91", "92", "93", "94", "95", "96"), WIT),  # Papua provinces
}


def zone_for_region(region_code: str) -> str:
    """IANA zone of a region code of any length; "" (national offices, Jakarta) is WIB."""
    if not region_code:
        return WIB
    try:
        return ZONE_BY_PROVINCE[region_code[:2]]
    except KeyError:
        raise ValueError(f"unknown province code in region {region_code!r}") from None
