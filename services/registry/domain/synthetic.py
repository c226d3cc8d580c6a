"""Synthetic DTKS-like registry rows at benchmark speed: real villages, invented people.

`generate_rows` yields one row per person in the layout of `records.COLUMNS` (household
columns repeated), household after household, village after village in code order. Nothing is
kept beyond the current kecamatan, so ten million persons stream in constant memory.

Everything derives from `random.Random(seed)`, the household count, the region and a fixed
reference day, so the same arguments give the same file on every machine. NIKs carry the
kecamatan of the village, the birth date (+40 for women) and a serial below 9000 (hand-made
demo records use 9001+); KKs carry the kecamatan, an issue date and a serial. Coordinates are
invented around a rough centre of the province: good for nearest-household benchmarks, not
for maps.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from bisect import bisect
from collections.abc import Iterator, Sequence
from itertools import accumulate
from typing import Final, NamedTuple

from slrt.reference import Region, children

from .demo import villages_under
from .records import FALSE, TRUE
from .vocabulary import HOUSING_FIELDS

REFERENCE_DAY: Final[dt.date] = dt.date(2026, 1, 1)  # ages are counted on this day
SOURCE: Final[str] = "synthetic"
_MAX_SERIAL: Final[int] = 8999
_ID_NAMESPACE: Final[uuid.UUID] = uuid.UUID("6c0e8a52-3f0e-4d0b-9a55-1d7c2f7b6a10")

_MALE: Final = ("Sutrisno", "Wahyu", "Slamet", "Budi", "Agus", "Joko", "Eko", "Bambang", "Hadi",
                "Suparman", "Sugeng", "Rahmat", "Dwi", "Yanto", "Teguh", "Heru", "Ahmad", "Dimas",
                "Muhammad", "Rizky", "Andi", "Yohanes", "Made", "Ketut", "Arif", "Fajar", "Hendra",
                "Iwan", "Usman", "Yusuf", "Ilham", "Bayu", "Aditya", "Ridwan", "Markus", "Samsul")
_FEMALE: Final = ("Sri", "Siti", "Suparmi", "Wartini", "Endang", "Rini", "Tri", "Sumarni",
                  "Ngatini", "Dewi", "Yuliani", "Partini", "Sulastri", "Wulan", "Ani", "Ayu",
                  "Nur", "Fitri", "Maria", "Putri", "Indah", "Nurhayati", "Rina", "Yanti",
                  "Kadek", "Wayan", "Aisyah", "Ratna", "Lina", "Fatimah", "Dian", "Maya")
_SECOND: Final = ("Santoso", "Wibowo", "Prasetyo", "Lestari", "Rahayu", "Purnomo", "Setiawan",
                  "Susanti", "Hidayat", "Wijaya", "Nugroho", "Utami", "Mulyani", "Saputra",
                  "Hasibuan", "Siregar", "Nasution", "Lubis", "Pratama", "Kurniawan", "Sari",
                  "Rahman", "Hakim", "Simanjuntak", "Pangaribuan", "Ramadhan", "Permata")
_DUSUN: Final = ("Krajan", "Kauman", "Ngaglik", "Gedongan", "Karanganyar", "Jetis", "Tegalrejo",
                 "Sukamaju", "Mekarsari", "Suka Damai", "Tanjung", "Pasar", "Kampung Baru")
_DECILE_WEIGHTS: Final = (16, 15, 14, 12, 9, 8, 7, 7, 6, 6)  # the registry holds mostly the poor
_DECILE_CUM: Final = tuple(accumulate(_DECILE_WEIGHTS))
#: Chance that an eligible household is enrolled, by desil (misses = exclusion errors).
_ENROL: Final[dict[int, float]] = {1: 0.8, 2: 0.75, 3: 0.65, 4: 0.55, 5: 0.25, 6: 0.15}
#: Housing answers (in vocabulary order) of the poorest and of the best-off households; a
#: household's chances are mixed between the two by its desil.
_HOUSING_WEIGHTS: Final[dict[str, tuple[tuple[int, ...], tuple[int, ...]]]] = {
    "floor": ((5, 5, 10, 40, 5, 33, 2), (70, 15, 5, 9, 0, 0, 1)),
    "wall": ((35, 10, 20, 20, 13, 2), (95, 2, 2, 0, 0, 1)),
    "roof": ((1, 35, 5, 10, 35, 4, 3, 6, 1), (15, 50, 20, 5, 8, 1, 0, 0, 1)),
    "water_source": ((5, 10, 15, 25, 10, 15, 8, 7, 4, 1), (45, 25, 20, 8, 1, 0, 0, 0, 0, 1)),
    "sanitation": ((55, 15, 10, 20), (97, 2, 1, 0)),
    "electricity": ((0, 0, 2, 35, 50, 8, 5), (15, 25, 40, 18, 2, 0, 0)),
}
_POOR_JOBS: Final = (("farm_worker",) * 5 + ("farmer",) * 4 + ("labourer",) * 5
                     + ("trader",) * 2 + ("fisher", "driver", "domestic_worker", "craft_worker")
                     + ("none",) * 3 + ("self_employed", "other"))
_BETTER_JOBS: Final = (("private_employee",) * 4 + ("civil_servant",) * 2 + ("trader",) * 3
                       + ("self_employed",) * 3 + ("farmer",) * 2 + ("driver", "labourer")
                       + ("none",) * 2)
#: Rough centre and spread (degrees) of each province, for invented coordinates.
_PROVINCE_CENTRES: Final[dict[str, tuple[float, float, float]]] = {
    "11": (4.4, 96.9, 0.8), "12": (2.2, 99.1, 0.9), "13": (-0.7, 100.8, 0.7),
    "14": (0.5, 101.7, 0.8), "15": (-1.6, 103.0, 0.7), "16": (-3.3, 104.2, 0.8),
    "17": (-3.6, 102.3, 0.5), "18": (-4.9, 105.0, 0.6), "19": (-2.4, 106.1, 0.5),
    "21": (1.0, 104.3, 0.4), "31": (-6.2, 106.85, 0.08), "32": (-6.9, 107.6, 0.5),
    "33": (-7.2, 110.2, 0.5), "34": (-7.85, 110.4, 0.15), "35": (-7.6, 112.5, 0.6),
    "36": (-6.4, 106.1, 0.3), "51": (-8.4, 115.2, 0.25), "52": (-8.6, 117.4, 0.5),
    "53": (-9.5, 121.5, 0.9), "61": (-0.1, 111.1, 1.0), "62": (-1.7, 113.4, 1.0),
    "63": (-3.1, 115.3, 0.6), "64": (0.5, 116.4, 0.9), "65": (3.0, 116.2, 0.6),
    "71": (1.2, 124.8, 0.4), "72": (-1.4, 121.4, 0.8), "73": (-3.7, 120.0, 0.8),
    "74": (-4.1, 122.2, 0.6), "75": (0.7, 122.4, 0.3), "76": (-2.8, 119.2, 0.5),
    "81": (-3.2, 129.5, 1.0), "82": (1.6, 127.8, 0.7), "91": (-2.5, 139.5, 0.8),
    "92": (-1.3, 133.2, 0.7), "93": (-7.0, 139.5, 0.8), "94": (-3.9, 136.4, 0.7),
    "95": (-4.1, 138.9, 0.5), "96": (-1.0, 131.5, 0.6),
}


def all_villages() -> tuple[Region, ...]:
    """Every desa/kelurahan of the country (about 83,000), by code."""
    return tuple(v for p in children(None) for v in villages_under(p.code))


def _cumulative(field: str, decile: int) -> tuple[tuple[float, ...], tuple[str, ...]]:
    poor, rich = _HOUSING_WEIGHTS[field]
    t = (decile - 1) / 9
    weights = [p * (1 - t) + r * t for p, r in zip(poor, rich, strict=True)]
    return tuple(accumulate(weights)), HOUSING_FIELDS[field]


#: Per desil, per housing field: cumulative weights and answers (looked up per household).
_HOUSING_TABLES: Final = {d: tuple(_cumulative(f, d) for f in HOUSING_FIELDS)
                          for d in range(1, 11)}


#: One household: its values, then one value tuple per member (both as text).
HouseholdRows = tuple[tuple[str, ...], list[tuple[str, ...]]]


class _Person(NamedTuple):
    relation: str
    sex: str
    birth: dt.date
    age: int
    marital: str
    family: int  # which family card (KK) in the household


class _Generator:
    """State of one run: the random stream, id counter, and NIK/KK serials of one kecamatan."""

    def __init__(self, seed: int, households: int, region: str | None, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.today_ord = today.toordinal()
        prefix = uuid.uuid5(_ID_NAMESPACE, f"{seed}:{households}:{region or ''}").hex
        # Ids are the run's prefix and a counter: unique, UUID-shaped and cheap to make.
        self.id_prefix = f"{prefix[:8]}-{prefix[8:12]}-{prefix[12:16]}-{prefix[16:20]}-"
        self.next_id = 0
        self.district = ""
        self.serials: dict[str, int] = {}

    def new_id(self) -> str:
        self.next_id += 1
        return f"{self.id_prefix}{self.next_id:012x}"

    def enter_district(self, district: str) -> None:
        if district != self.district:
            self.district = district
            self.serials = {}  # serials only need to be unique per kecamatan and date

    def _numbered(self, prefix: str) -> str | None:
        serial = self.serials.get(prefix, 0) + 1
        if serial > _MAX_SERIAL:
            return None
        self.serials[prefix] = serial
        return f"{prefix}{serial:04d}"

    def nik(self, birth: dt.date, sex: str) -> str:
        while True:
            day = birth.day + (40 if sex == "P" else 0)
            number = self._numbered(f"{self.district}{day:02d}{birth.month:02d}"
                                    f"{birth.year % 100:02d}")
            if number is not None:
                return number
            birth += dt.timedelta(days=1)  # 8,999 namesakes of a day: registered a day apart

    def kk(self) -> str:
        while True:
            issued = dt.date.fromordinal(self.today_ord - 30 - int(self.rng.random() * 5400))
            number = self._numbered(f"{self.district}K{issued:%d%m%y}")
            if number is not None:
                return f"{self.district}{number[7:]}"

    def person(self, relation: str, sex: str, age: int, marital: str,
               family: int = 0) -> _Person:
        birth = dt.date.fromordinal(self.today_ord - age * 365 - int(self.rng.random() * 364)
                                    - age // 4)
        return _Person(relation, sex, birth, self.age(birth), marital, family)

    def name(self, sex: str) -> str:
        # Indexing by random() instead of rng.choice, which costs several times as much.
        r = self.rng.random
        first = (_MALE[int(r() * len(_MALE))] if sex == "L"
                 else _FEMALE[int(r() * len(_FEMALE))])
        return first if r() < 0.3 else f"{first} {_SECOND[int(r() * len(_SECOND))]}"

    def age(self, birth: dt.date) -> int:
        t = self.today
        return t.year - birth.year - ((t.month, t.day) < (birth.month, birth.day))

    def family(self) -> list[_Person]:
        rng = self.rng
        head_sex = "L" if rng.random() < 0.85 else "P"
        head_age = 21 + int(rng.random() * rng.random() * 50 + rng.random() * 20)
        people: list[_Person] = []
        youngest_parent = head_age
        if rng.random() < 0.78:
            gap = int(rng.random() * 9)
            spouse_age = max(18, head_age - gap if head_sex == "L" else head_age + gap)
            youngest_parent = min(head_age, spouse_age)
            people.append(self.person("head", head_sex, head_age, "married"))
            people.append(self.person("spouse", "P" if head_sex == "L" else "L", spouse_age,
                                      "married"))
        else:
            marital = ("widowed" if head_age > 50 and rng.random() < 0.6
                       else "divorced" if rng.random() < 0.4 else "single")
            people.append(self.person("head", head_sex, head_age, marital))
        oldest_child = min(youngest_parent - 16, 32)
        if oldest_child >= 0:
            count = bisect((12, 34, 64, 84, 94, 100), rng.random() * 100)
            for _ in range(count):
                age = int(rng.random() * (oldest_child + 1))
                sex = "L" if rng.random() < 0.51 else "P"
                if age >= 22 and rng.random() < 0.25:
                    people.extend(self._married_child(age, sex))
                else:
                    people.append(self.person("child", sex, age, "single"))
        if head_age <= 60 and rng.random() < 0.2:
            relation = "parent" if rng.random() < 0.7 else "parent_in_law"
            both = rng.random() < 0.3
            for sex in (("L", "P") if both else ("P" if rng.random() < 0.65 else "L",)):
                age = min(95, head_age + 20 + int(rng.random() * 16))
                people.append(self.person(relation, sex, age, "married" if both else "widowed"))
        if rng.random() < 0.03:
            sex = "L" if rng.random() < 0.5 else "P"
            people.append(self.person("sibling", sex, max(16, head_age - 5), "single"))
        return people

    def _married_child(self, age: int, sex: str) -> list[_Person]:
        """A married son or daughter who still lives in, often with a family card of their own."""
        rng = self.rng
        family = 1 if rng.random() < 0.7 else 0
        spouse_age = max(18, age + int(rng.random() * 7) - 3)
        out = [self.person("child", sex, age, "married", family),
               self.person("child_in_law", "P" if sex == "L" else "L", spouse_age, "married",
                           family)]
        for _ in range(int(rng.random() * 3)):
            grand_age = int(rng.random() * max(1, min(age, spouse_age) - 17))
            out.append(self.person("grandchild", "L" if rng.random() < 0.51 else "P", grand_age,
                                   "single", family))
        return out

    def school(self, age: int, decile: int) -> tuple[bool, str]:
        r = self.rng.random()
        if age < 4 or age > 23:
            return False, ""
        if age <= 6:
            return (True, "early_childhood") if r < 0.4 else (False, "")
        if age <= 12:
            return (True, "primary") if r < 0.96 else (False, "")
        if age <= 15:
            return (True, "junior_secondary") if r < 0.85 else (False, "")
        if age <= 18:
            return (True, "senior_secondary") if r < 0.55 + decile * 0.04 else (False, "")
        return (True, "higher") if r < 0.04 + decile * 0.03 else (False, "")

    def occupation(self, age: int, enrolled: bool, decile: int) -> str:
        rng = self.rng
        if enrolled:
            return "student"
        if age < 15:
            return "none"
        if age >= 65:
            return "none" if rng.random() < 0.6 else "retired" if decile > 6 else "farmer"
        jobs = _POOR_JOBS if decile <= 5 else _BETTER_JOBS
        return jobs[int(rng.random() * len(jobs))]

    def member_row(self, p: _Person, kks: list[str | None], decile: int) -> tuple[str, ...]:
        rng = self.rng
        age = p.age
        no_nik_chance = 0.4 if age < 1 else 0.08 if age < 5 else 0.06 if age >= 70 else 0.02
        no_nik = rng.random() < no_nik_chance
        nik = "" if no_nik else self.nik(p.birth, p.sex)
        kk = kks[p.family]
        if no_nik and age >= 5 and rng.random() < 0.5:
            kk = None  # without NIK, often without a family card either
        enrolled, level = self.school(age, decile)
        disabled = rng.random() < (0.1 if age >= 60 else 0.02)
        chronic = rng.random() < (0.3 if age >= 60 else 0.05)
        pregnant = (p.sex == "P" and p.marital == "married" and 16 <= age <= 45
                    and rng.random() < 0.06)
        deceased = p.relation in ("parent", "parent_in_law") and rng.random() < 0.03
        return (
            self.new_id(), kk or "", nik, TRUE if no_nik else FALSE, self.name(p.sex), p.sex,
            p.birth.isoformat(), p.relation, p.marital, TRUE if disabled else FALSE,
            TRUE if chronic else FALSE, TRUE if pregnant else FALSE,
            TRUE if enrolled else FALSE, level, self.occupation(age, enrolled, decile),
            TRUE if deceased else FALSE,
        )

    def programs(self, decile: int, people: list[_Person], rows: list[tuple[str, ...]],
                 electricity: str) -> str:
        rng = self.rng
        p = _ENROL.get(decile, 0.05)  # desil 7-10: only inclusion errors
        ages = [x.age for x in people]
        disabled = any(r[9] == TRUE for r in rows)
        eligible = (
            ("ASLUT", p * 0.7 if any(a >= 60 for a in ages) else 0.0),
            ("ASPD", p * 0.7 if disabled else 0.0),
            ("BPNT", p),
            ("KIP", p if any(7 <= a <= 18 for a in ages) else 0.0),
            ("LISTRIK", p if electricity in ("pln_450", "pln_900") else 0.0),
            ("PBI-JK", p),
            ("PKH", p if any(a <= 18 or a >= 60 for a in ages) else 0.0),
            ("RTLH", p * 0.2),
        )
        out = []
        for program, chance in eligible:
            r = rng.random()
            if r < chance:
                since = dt.date.fromordinal(self.today_ord - 30 - int(rng.random() * 3600))
                out.append(f"{program}:active:{since.isoformat()}:")
            elif r > 0.97:
                since = dt.date.fromordinal(self.today_ord - 400 - int(rng.random() * 3200))
                until = dt.date.fromordinal(since.toordinal() + 180 + int(rng.random() * 200))
                out.append(f"{program}:ended:{since.isoformat()}:{until.isoformat()}")
        return ";".join(out)

    def household(self, village: Region, centre: tuple[float, float]) -> HouseholdRows:
        rng = self.rng
        decile = bisect(_DECILE_CUM, rng.random() * _DECILE_CUM[-1]) + 1
        housing = []
        for cumulative, answers in _HOUSING_TABLES[decile]:
            housing.append(answers[bisect(cumulative, rng.random() * cumulative[-1])])
        household_id = self.new_id()
        people = self.family()
        families = 1 + max(p.family for p in people)
        kks: list[str | None] = [self.kk() if rng.random() < 0.98 else None
                                 for _ in range(families)]
        members = [self.member_row(p, kks, decile) for p in people]
        if rng.random() < 0.9:
            lat = f"{centre[0] + (rng.random() - 0.5) * 0.02:.6f}"
            lon = f"{centre[1] + (rng.random() - 0.5) * 0.02:.6f}"
        else:
            lat = lon = ""  # not surveyed with a GPS
        rt, rw = 1 + int(rng.random() * 12), 1 + int(rng.random() * 6)
        address = f"Dusun {rng.choice(_DUSUN)} RT {rt:02d}/RW {rw:02d}, {village.name}"
        head = (
            household_id, village.code, address, lat, lon, *housing, str(decile),
            "active" if rng.random() < 0.97 else "inactive", SOURCE,
            self.programs(decile, people, members, housing[5]),
        )
        return head, members


def _village_centre(code: str) -> tuple[float, float]:
    """An invented but stable point for a village: its province's centre plus an offset."""
    lat, lon, spread = _PROVINCE_CENTRES.get(code[:2], (-2.5, 118.0, 1.0))
    offset = random.Random(int(code))  # by code, not by seed: a village never moves
    return (lat + (offset.random() - 0.5) * 2 * spread,
            lon + (offset.random() - 0.5) * 2 * spread)


def allocate(total: int, villages: int, rng: random.Random) -> list[int]:
    """Split `total` households over villages with uneven but bounded sizes (sum is exact)."""
    weights = list(accumulate(0.3 + rng.random() * 1.4 for _ in range(villages)))
    scale = total / weights[-1] if weights else 0.0
    bounds = [round(w * scale) for w in weights]
    return [b - a for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]


def generate_households(households: int, seed: int, region: str | None = None, *,
                        today: dt.date = REFERENCE_DAY,
                        villages: Sequence[Region] | None = None) -> Iterator[HouseholdRows]:
    """`households` households under `region`, each as its household values
    (`records.HOUSEHOLD_COLUMNS`) and one value tuple per member (`records.MEMBER_COLUMNS`).

    `region` is a Kemendagri code of any level (None: the whole country); `villages` may be
    passed instead to reuse a list already loaded.
    """
    if households < 0:
        raise ValueError("households must be >= 0")
    if villages is None:
        villages = all_villages() if region is None else villages_under(region)
    gen = _Generator(seed, households, region, today)
    for village, count in zip(villages, allocate(households, len(villages), gen.rng),
                              strict=True):
        if count == 0:
            continue
        gen.enter_district(village.district_code)
        centre = _village_centre(village.code)
        for _ in range(count):
            yield gen.household(village, centre)


def generate_rows(households: int, seed: int, region: str | None = None, *,
                  today: dt.date = REFERENCE_DAY,
                  villages: Sequence[Region] | None = None) -> Iterator[tuple[str, ...]]:
    """The same households as rows, one per person in `records.COLUMNS` order."""
    for head, members in generate_households(households, seed, region, today=today,
                                             villages=villages):
        for member in members:
            yield head + member
