"""The DTKS-like export layout: one row per person, the household's columns repeated.

This is the exchange format of `slrt registry generate` and `slrt registry import`. Rows of one
household are consecutive and include its head, as a DTKS export sorted by household is.
Values are text: flags are "1"/"0", dates ISO (YYYY-MM-DD), decimals with a dot, and the
`programs` column lists the household's programs as `CODE:status:since:until` joined by ";"
(since/until may be empty), e.g. `PKH:active:2019-03-01:;KIP:ended:2018-07-01:2023-06-30`.
"""

from __future__ import annotations

from typing import Final

HOUSEHOLD_COLUMNS: Final[tuple[str, ...]] = (
    "household_id", "village_code", "address", "latitude", "longitude",
    "floor", "wall", "roof", "water_source", "sanitation", "electricity",
    "welfare_decile", "registry_status", "source", "programs",
)
MEMBER_COLUMNS: Final[tuple[str, ...]] = (
    "member_id", "kk_number", "nik", "no_nik", "name", "sex", "birth_date", "relation",
    "marital_status", "disability", "chronic_illness", "pregnant", "school_enrolled",
    "school_level", "occupation", "deceased",
)
COLUMNS: Final[tuple[str, ...]] = HOUSEHOLD_COLUMNS + MEMBER_COLUMNS
INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(COLUMNS)}

#: What the form must carry for a row to enter the registry ("form A3 filled completely").
#: NIK is not here: a row needs a NIK or `no_nik` = 1, checked on its own.
MANDATORY: Final[tuple[str, ...]] = (
    "household_id", "village_code", "address", "floor", "wall", "roof", "water_source",
    "sanitation", "electricity", "welfare_decile", "member_id", "name", "sex", "birth_date",
    "relation", "marital_status",
)
TRUE: Final[str] = "1"
FALSE: Final[str] = "0"
#: Spellings of yes and no accepted on import (exports of other tools, Indonesian forms).
TRUTHY: Final[frozenset[str]] = frozenset({"1", "true", "t", "y", "yes", "ya"})
FALSY: Final[frozenset[str]] = frozenset({"0", "false", "f", "n", "no", "tidak", ""})
PROGRAM_SEPARATOR: Final[str] = ";"
PROGRAM_PART_SEPARATOR: Final[str] = ":"

# Stored records, as tuples in these orders: what validation produces, what the bulk writers
# load and what the change history compares. Derived columns come last in each.
HOUSEHOLD_RECORD: Final[tuple[str, ...]] = (
    "household_id", "kk_number", "village_code", "address", "latitude", "longitude",
    "floor", "wall", "roof", "water_source", "sanitation", "electricity", "welfare_decile",
    "registry_status", "source",
)
MEMBER_RECORD: Final[tuple[str, ...]] = (
    "member_id", "household_id", "kk_number", "nik", "no_nik", "name", "sex", "birth_date",
    "relation", "marital_status", "disability", "chronic_illness", "pregnant",
    "school_enrolled", "school_level", "occupation", "deceased",
    "village_code", "name_normalized",  # derived: copied from the household, computed
)
PARTICIPATION_RECORD: Final[tuple[str, ...]] = ("household_id", "program", "status", "since",
                                                "until")
#: How many leading fields of each record the change history compares: not the derived ones,
#: nor the household's source (where a record came from is not a change of the household).
HOUSEHOLD_COMPARED: Final[int] = HOUSEHOLD_RECORD.index("source")
MEMBER_COMPARED: Final[int] = MEMBER_RECORD.index("village_code")
