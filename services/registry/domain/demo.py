"""Deterministic synthetic registry for demos and tests: real village codes, fake people.

Everything derives from `random.Random(seed)` and a fixed reference day, so the same seed
gives the same households on every machine. Names and addresses are invented.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from slrt.reference import Region, children, region

from .model import Household, Member, Participation, Relation, Sex

DEMO_SEED: Final[int] = 2015  # the year SLRT was piloted
DEMO_REGION: Final[str] = "3402"  # Kabupaten Bantul, one of the pilot districts
DEMO_SIZE: Final[int] = 40
#: Ages are computed on this day, not on the real clock, so output never drifts.
DEMO_TODAY: Final[dt.date] = dt.date(2026, 1, 1)
DEMO_VILLAGE_WITH_SCHOOL_CHILD: Final[str] = "3402052001"  # Sidomulyo, Bambanglipuro
# Hand-made records use serials 9001+; generated ones stay below 9000, so they never collide.
DEMO_NIK_WITH_SCHOOL_CHILD: Final[str] = "3402051508809001"
DEMO_KK_WITH_SCHOOL_CHILD: Final[str] = "3402051003129001"
_MAX_SERIAL: Final[int] = 8999

_MALE: Final = ("Sutrisno", "Wahyu", "Slamet", "Budi", "Agus", "Joko", "Eko", "Bambang", "Hadi",
                "Suparman", "Sugeng", "Rahmat", "Dwi", "Yanto", "Teguh", "Heru", "Ahmad", "Dimas")
_FEMALE: Final = ("Sri", "Siti", "Suparmi", "Wartini", "Endang", "Rini", "Tri", "Sumarni",
                  "Ngatini", "Dewi", "Yuliani", "Partini", "Sulastri", "Wulan", "Ani", "Ayu")
_SECOND: Final = ("Santoso", "Wibowo", "Prasetyo", "Lestari", "Rahayu", "Purnomo", "Setiawan",
                  "Susanti", "Hidayat", "Wijaya", "Nugroho", "Utami", "Mulyani", "Saputra")
_DUSUN: Final = ("Krajan", "Kauman", "Ngaglik", "Gedongan", "Karanganyar", "Jetis", "Tegalrejo")
_DECILE_WEIGHTS: Final = (16, 15, 14, 12, 9, 8, 7, 7, 6, 6)  # the registry holds mostly the poor
#: Chance that an eligible household is enrolled, by desil (misses = exclusion errors).
_ENROL: Final[dict[int, float]] = {1: 0.8, 2: 0.75, 3: 0.65, 4: 0.55, 5: 0.25, 6: 0.15}


@lru_cache(maxsize=64)
def villages_under(region_code: str) -> tuple[Region, ...]:
    """Every desa/kelurahan at or below a region code, sorted by code."""
    top = region(region_code)
    if top is None:
        raise ValueError(f"unknown region code {region_code!r}")
    if top.level == 4:
        return (top,)
    found: list[Region] = []
    for child in children(top.code):
        found.extend(villages_under(child.code))
    return tuple(sorted(found, key=lambda r: r.code))


@dataclass
class _Generator:
    rng: random.Random
    today: dt.date
    used: set[str] = field(default_factory=set)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _unique(self, prefix: str) -> str:
        serial = self.rng.randint(1, 400)  # start low, like real serials
        while f"{prefix}{serial:04d}" in self.used:
            serial += 1
            if serial > _MAX_SERIAL:
                raise RuntimeError("demo serials exhausted for one district and date")
        number = f"{prefix}{serial:04d}"
        self.used.add(number)
        return number

    def nik(self, district: str, birth: dt.date, sex: Sex) -> str:
        day = birth.day + (40 if sex == "P" else 0)
        return self._unique(f"{district}{day:02d}{birth:%m%y}")

    def kk(self, district: str) -> str:
        issued = self.today - dt.timedelta(days=self.rng.randint(30, 15 * 365))
        return self._unique(f"{district}{issued:%d%m%y}")

    def birth_date(self, age: int) -> dt.date:
        latest = self.today.replace(year=self.today.year - age)
        return latest - dt.timedelta(days=self.rng.randint(0, 364))

    def name(self, sex: Sex) -> str:
        first = self.rng.choice(_MALE if sex == "L" else _FEMALE)
        return first if self.rng.random() < 0.3 else f"{first} {self.rng.choice(_SECOND)}"

    def member(self, district: str, relation: Relation, sex: Sex, age: int) -> Member:
        birth = self.birth_date(age)
        no_nik = 0.15 if age < 5 or age >= 70 else 0.04  # the seeds' residents without NIK
        return Member(
            member_id=self.uuid(),
            nik=None if self.rng.random() < no_nik else self.nik(district, birth, sex),
            name=self.name(sex),
            sex=sex,
            birth_date=birth,
            relation=relation,
            school_enrolled=7 <= age <= 18 and self.rng.random() < 0.85,
            disability=self.rng.random() < 0.05,
            chronic_illness=self.rng.random() < (0.3 if age >= 60 else 0.06),
        )

    def family(self, district: str) -> list[Member]:
        head_sex: Sex = "L" if self.rng.random() < 0.85 else "P"
        head_age = self.rng.randint(24, 72)
        members = [self.member(district, "head", head_sex, head_age)]
        if self.rng.random() < 0.8:
            spouse_sex: Sex = "P" if head_sex == "L" else "L"
            spouse_age = max(19, head_age + self.rng.randint(-8, 3))
            members.append(self.member(district, "spouse", spouse_sex, spouse_age))
        # Children are younger than both parents by at least 19 years.
        oldest_child = min(min(m.age(self.today) for m in members) - 19, 25)
        for _ in range(self.rng.choices((0, 1, 2, 3, 4), (15, 25, 30, 20, 10))[0]):
            if oldest_child >= 0:
                sex: Sex = self.rng.choice(("L", "P"))
                age = self.rng.randint(0, oldest_child)
                members.append(self.member(district, "child", sex, age))
        if head_age <= 58 and self.rng.random() < 0.25:
            parent = self.member(district, "parent", self.rng.choice(("L", "P")),
                                 self.rng.randint(60, 85))
            parent.deceased = self.rng.random() < 0.05  # registry not yet updated
            members.append(parent)
        return members

    def programs(self, decile: int, members: list[Member]) -> list[Participation]:
        p = _ENROL.get(decile, 0.05)  # desil 7-10: only inclusion errors
        ages = [m.age(self.today) for m in members if not m.deceased]
        eligible = {
            "PBI-JK": p, "BPNT": p, "LISTRIK": p, "RTLH": p * 0.2,
            "PKH": p if any(a <= 18 or a >= 60 for a in ages) else 0.0,
            "KIP": p if any(7 <= a <= 18 for a in ages) else 0.0,
            "ASLUT": p * 0.7 if any(a >= 60 for a in ages) else 0.0,
            "ASPD": p * 0.7 if any(m.disability for m in members) else 0.0,
        }
        out: list[Participation] = []
        for program in sorted(eligible):
            if self.rng.random() < eligible[program]:
                out.append(Participation(program, "active"))
            elif self.rng.random() < 0.05:
                out.append(Participation(program, "ended"))
        return out

    def household(self, village: Region) -> Household:
        district = village.district_code
        members = self.family(district)
        decile = self.rng.choices(range(1, 11), _DECILE_WEIGHTS)[0]
        rt, rw = self.rng.randint(1, 12), self.rng.randint(1, 6)
        return Household(
            household_id=self.uuid(),
            kk_number=self.kk(district) if self.rng.random() < 0.97 else None,
            village_code=village.code,
            address=f"Dusun {self.rng.choice(_DUSUN)} RT {rt:02d}/RW {rw:02d}, {village.name}",
            welfare_decile=decile,
            members=members,
            programs=self.programs(decile, members),
        )


def generate_households(
    count: int, seed: int, region_code: str = DEMO_REGION, *, today: dt.date = DEMO_TODAY
) -> list[Household]:
    """`count` synthetic households in real villages under `region_code`, the same for a seed."""
    villages = villages_under(region_code)
    gen = _Generator(random.Random(seed), today)
    return [gen.household(gen.rng.choice(villages)) for _ in range(count)]


def _uuid(label: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:slrt:demo:{label}")


def school_child_household() -> Household:
    """Desil 2 family in Sidomulyo with a 12-year-old in school and no active KIP (ended)."""
    def member(key: str, nik: str, name: str, sex: Sex, born: dt.date, relation: Relation,
               school: bool = False) -> Member:
        return Member(_uuid(f"member:{key}"), nik, name, sex, born, relation, school, False, False)

    return Household(
        household_id=_uuid("household:school-child"),
        kk_number=DEMO_KK_WITH_SCHOOL_CHILD,
        village_code=DEMO_VILLAGE_WITH_SCHOOL_CHILD,
        address="Dusun Krajan RT 03/RW 01, Sidomulyo",
        welfare_decile=2,
        members=[
            member("head", DEMO_NIK_WITH_SCHOOL_CHILD, "Sutrisno", "L", dt.date(1980, 8, 15),
                   "head"),
            member("spouse", "3402056204839001", "Wartini", "P", dt.date(1983, 4, 22), "spouse"),
            member("child-1", "3402050509139001", "Dimas Prasetyo", "L", dt.date(2013, 9, 5),
                   "child", school=True),
            member("child-2", "3402057006199001", "Ayu Lestari", "P", dt.date(2019, 6, 30),
                   "child"),
        ],
        programs=[Participation("PKH"), Participation("BPNT"), Participation("PBI-JK"),
                  Participation("KIP", "ended")],
    )


def demo_registry() -> list[Household]:
    """The fixed demo set: the Sidomulyo school-child family plus generated Bantul households."""
    return [school_child_household(),
            *generate_households(DEMO_SIZE - 1, DEMO_SEED, DEMO_REGION)]
