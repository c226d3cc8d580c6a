"""Closed vocabularies of the registry, modelled on the DTKS household form (form A3).

Codes are short English words stored as they are; each tuple lists the codes in the order the
form lists its answers (roughly best to worst for housing), which the synthetic generator uses
to correlate housing with the desil. Program codes stay as Indonesia names them.
"""

from __future__ import annotations

from typing import Final, Literal

Sex = Literal["L", "P"]  # laki-laki, perempuan: the letters of the KTP and of the NIK
Relation = Literal["head", "spouse", "child", "child_in_law", "grandchild", "parent",
                   "parent_in_law", "sibling", "other"]
ProgramStatus = Literal["active", "suspended", "ended"]
MaritalStatus = Literal["single", "married", "divorced", "widowed"]
SchoolLevel = Literal["early_childhood", "primary", "junior_secondary", "senior_secondary",
                      "higher"]
RegistryStatus = Literal["active", "proposed", "inactive", "merged"]

SEXES: Final[frozenset[str]] = frozenset({"L", "P"})
RELATIONS: Final[tuple[str, ...]] = ("head", "spouse", "child", "child_in_law", "grandchild",
                                     "parent", "parent_in_law", "sibling", "other")
PROGRAM_STATUSES: Final[frozenset[str]] = frozenset({"active", "suspended", "ended"})
#: belum kawin, kawin, cerai hidup, cerai mati.
MARITAL_STATUSES: Final[tuple[str, ...]] = ("single", "married", "divorced", "widowed")
#: PAUD/TK, SD/MI, SMP/MTs, SMA/SMK/MA, perguruan tinggi.
SCHOOL_LEVELS: Final[tuple[str, ...]] = ("early_childhood", "primary", "junior_secondary",
                                         "senior_secondary", "higher")
#: aktif; usulan baru (awaiting verivali); nonaktif (moved, graduated); merged into another.
REGISTRY_STATUSES: Final[tuple[str, ...]] = ("active", "proposed", "inactive", "merged")
OCCUPATIONS: Final[tuple[str, ...]] = (
    "none", "student", "farmer", "farm_worker", "fisher", "labourer", "trader", "driver",
    "domestic_worker", "craft_worker", "private_employee", "civil_servant", "self_employed",
    "retired", "other",
)

#: Program codes the registry records participation in: PKH, BPNT/Sembako, PBI-JK/KIS, KIP/PIP,
#: RTLH, ASLUT, disability assistance (ASPD) and the electricity subsidy (LISTRIK).
PROGRAMS: Final[frozenset[str]] = frozenset(
    {"PKH", "BPNT", "PBI-JK", "KIP", "RTLH", "ASLUT", "ASPD", "LISTRIK"}
)

# Housing, as on the DTKS form; best first.
FLOORS: Final[tuple[str, ...]] = ("ceramic", "tile", "wood", "cement", "bamboo", "earth",
                                  "other")
WALLS: Final[tuple[str, ...]] = ("masonry", "plastered_bamboo", "wood", "woven_bamboo", "bamboo",
                                 "other")
ROOFS: Final[tuple[str, ...]] = ("concrete", "clay_tile", "metal_tile", "asbestos", "zinc",
                                 "wood_shingle", "bamboo", "thatch", "other")
WATER_SOURCES: Final[tuple[str, ...]] = ("bottled", "piped", "borehole", "protected_well",
                                         "protected_spring", "unprotected_well",
                                         "unprotected_spring", "surface", "rain", "other")
SANITATIONS: Final[tuple[str, ...]] = ("private", "shared", "public", "none")
#: PLN connection by contracted power (VA); 450 and 900 VA are the subsidised tariffs.
ELECTRICITIES: Final[tuple[str, ...]] = ("pln_above_2200", "pln_2200", "pln_1300", "pln_900",
                                         "pln_450", "non_pln", "none")
HOUSING_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "floor": FLOORS, "wall": WALLS, "roof": ROOFS, "water_source": WATER_SOURCES,
    "sanitation": SANITATIONS, "electricity": ELECTRICITIES,
}
