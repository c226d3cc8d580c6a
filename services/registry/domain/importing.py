"""Validation of registry CSV rows before import: each rejected row with all of its reasons.

Rows are checked a household at a time (its consecutive rows, see `records`), because some
rules concern the household: it needs exactly one head, and its repeated columns must agree.
A row is rejected for what is wrong with it, and every row of a household is rejected when the
household itself cannot enter the registry (the seeds' "form A3 not filled completely").
Messages are for the village and district operators who fix the data, so they are Indonesian;
rule codes are stable English identifiers.

Pure: reference data comes from `slrt.reference` (in memory), the caller passes `today` and
the identifiers accepted earlier in the same file (`SeenIds`).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

from slrt.reference import check_kk, check_nik, is_village, nik_encodes, plain_code

from .matching import normalize_name
from .model import LATITUDE_RANGE, LONGITUDE_RANGE
from .records import (
    COLUMNS,
    FALSY,
    HOUSEHOLD_COLUMNS,
    INDEX,
    MANDATORY,
    PROGRAM_PART_SEPARATOR,
    PROGRAM_SEPARATOR,
    TRUTHY,
)
from .vocabulary import (
    HOUSING_FIELDS,
    MARITAL_STATUSES,
    OCCUPATIONS,
    PROGRAM_STATUSES,
    PROGRAMS,
    REGISTRY_STATUSES,
    RELATIONS,
    SCHOOL_LEVELS,
)

NAME_MAX: Final[int] = 200
#: More consecutive rows with one household id than any household has: a broken export.
#: Callers cut longer runs into pieces of MAX_MEMBERS + 1 rows, so memory stays bounded.
MAX_MEMBERS: Final[int] = 60
ADDRESS_MAX: Final[int] = 500
ID_MAX: Final[int] = 64
SOURCE_MAX: Final[int] = 40
OLDEST_BIRTH: Final[dt.date] = dt.date(1900, 1, 1)
PREGNANCY_AGES: Final[tuple[int, int]] = (10, 55)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_EXTERNAL_ID = re.compile(r"[\w.\-/]+")
#: Namespace of UUIDs made from ids that are not UUIDs (IDBDT and the like): stable per id.
_ID_NAMESPACE: Final[uuid.UUID] = uuid.UUID("0d4cf7f4-7e4d-4c1d-8c89-9f3c1e2b5a77")
_HOUSEHOLD_WIDTH: Final[int] = len(HOUSEHOLD_COLUMNS)
_WIDTH: Final[int] = len(COLUMNS)
_I = INDEX
_HOUSEHOLD_MANDATORY: Final = tuple((name, INDEX[name]) for name in MANDATORY
                                    if INDEX[name] < _HOUSEHOLD_WIDTH)
_MEMBER_MANDATORY: Final = tuple((name, INDEX[name]) for name in MANDATORY
                                 if INDEX[name] >= _HOUSEHOLD_WIDTH)
_LABELS: Final[dict[str, str]] = {
    "household_id": "ID rumah tangga", "village_code": "Kode desa/kelurahan",
    "address": "Alamat", "floor": "Jenis lantai", "wall": "Jenis dinding",
    "roof": "Jenis atap", "water_source": "Sumber air minum", "sanitation": "Fasilitas BAB",
    "electricity": "Sumber penerangan", "welfare_decile": "Desil",
    "member_id": "ID anggota rumah tangga", "name": "Nama", "sex": "Jenis kelamin",
    "birth_date": "Tanggal lahir", "relation": "Hubungan dengan kepala rumah tangga",
    "marital_status": "Status perkawinan",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row was rejected: the column, a stable rule code, a message for the operator."""

    field: str
    rule: str
    message: str


@dataclass(slots=True)
class Rejection:
    row: int  # as a spreadsheet numbers it: the header is row 1
    problems: list[Problem]
    values: Sequence[str]


@dataclass(slots=True)
class AcceptedHousehold:
    """What enters the registry: records in `records.*_RECORD` order."""

    household: tuple[Any, ...]
    members: list[tuple[Any, ...]]
    programs: list[tuple[Any, ...]]
    rows: list[int]


@dataclass(slots=True)
class HouseholdResult:
    accepted: AcceptedHousehold | None
    rejected: list[Rejection]


def _id_key(canonical: str) -> int:
    return int(canonical.replace("-", ""), 16)  # an int takes half the memory of the text


@dataclass(slots=True)
class SeenIds:
    """What rows accepted earlier in the file hold: NIKs (with their row), member ids and
    household ids. About 280 bytes per person (measured): near 3 GB for ten million persons."""

    niks: dict[int, int] = field(default_factory=dict)
    members: set[int] = field(default_factory=set)
    households: set[int] = field(default_factory=set)

    def claim(self, nik: str | None, member_key: int, row: int) -> None:
        if nik is not None:
            self.niks[int(nik)] = row
        self.members.add(member_key)

    def remember(self, values: Sequence[str], row: int) -> None:
        """Claim the ids of a row accepted before (an import resumed after a stop)."""
        nik = "".join(ch for ch in values[_I["nik"]] if ch.isdigit())
        if nik:
            self.niks[int(nik)] = row
        for name, target in (("member_id", self.members), ("household_id", self.households)):
            canonical = canonical_id(values[_I[name]].strip(), name.removesuffix("_id"))
            if canonical is not None:
                target.add(_id_key(canonical))


def canonical_id(raw: str, kind: str) -> str | None:
    """A UUID as stored: itself, or one derived from a non-UUID id; None when unusable."""
    if _UUID.fullmatch(raw):
        return raw
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        pass
    if len(raw) > ID_MAX or not _EXTERNAL_ID.fullmatch(raw):
        return None
    return str(uuid.uuid5(_ID_NAMESPACE, f"{kind}:{raw}"))


@lru_cache(maxsize=1 << 17)
def _known_village(code: str) -> bool:
    return is_village(code)  # room for all ~83,000 villages: a file spans many


@lru_cache(maxsize=4096)
def _kk_problems(kk: str) -> tuple[Problem, ...]:
    # The members of a household mostly share one card: check it once.
    return tuple(Problem("kk_number", f.rule, f.message) for f in check_kk(kk))


@lru_cache(maxsize=1 << 17)
def _normalized(name: str) -> str:
    return normalize_name(name)  # names repeat a lot: the cache saves most of the work


def _date(raw: str) -> dt.date | None:
    """ISO dates (2019-03-01), and day-first dates as Indonesian forms write them."""
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    for fmt in ("%d-%m-%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def _unknown(name: str, raw: str, allowed: Sequence[str] | frozenset[str],
             label: str) -> Problem:
    return Problem(name, f"{name}.unknown",
                   f"{label} {raw!r} tidak dikenal; pilihan: {', '.join(sorted(allowed))}.")


def _choice(values: Sequence[str], name: str, allowed: Sequence[str] | frozenset[str],
            problems: list[Problem], label: str) -> str | None:
    raw = values[_I[name]]
    if not raw:
        return None
    if raw not in allowed:
        problems.append(_unknown(name, raw, allowed, label))
        return None
    return raw


def _missing(values: Sequence[str], mandatory: tuple[tuple[str, int], ...]) -> list[Problem]:
    return [Problem(name, "missing", f"{_LABELS[name]} wajib diisi.")
            for name, i in mandatory if not values[i]]


def _member_missing(values: Sequence[str], nik_or_flag: bool) -> list[Problem]:
    problems = _missing(values, _MEMBER_MANDATORY)
    if not nik_or_flag:
        problems.append(Problem("nik", "nik.missing",
                                "NIK kosong: isi NIK, atau tandai no_nik = 1 bila penduduk "
                                "memang belum punya NIK."))
    return problems


# --- household columns -------------------------------------------------------------------------


def _coordinates(values: Sequence[str],
                 problems: list[Problem]) -> tuple[float | None, float | None]:
    raw_lat, raw_lon = values[_I["latitude"]], values[_I["longitude"]]
    if not raw_lat and not raw_lon:
        return None, None
    if not raw_lat or not raw_lon:
        problems.append(Problem("latitude", "location.incomplete",
                                "Isi lintang dan bujur bersama, atau kosongkan keduanya."))
        return None, None
    try:
        lat, lon = float(raw_lat), float(raw_lon)
    except ValueError:
        problems.append(Problem("latitude", "location.format",
                                "Lintang/bujur harus angka desimal dengan titik (-7.85, 110.4)."))
        return None, None
    if not (LATITUDE_RANGE[0] <= lat <= LATITUDE_RANGE[1]
            and LONGITUDE_RANGE[0] <= lon <= LONGITUDE_RANGE[1]):
        problems.append(Problem("latitude", "location.outside",
                                "Titik lokasi di luar wilayah Indonesia (lintang dan bujur "
                                "tertukar?)."))
        return None, None
    return lat, lon


def _programs(raw: str, household_id: str | None,
              problems: list[Problem]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if not raw:
        return out
    seen: set[str] = set()
    for item in raw.split(PROGRAM_SEPARATOR):
        if not item.strip():
            continue
        parts = [p.strip() for p in item.split(PROGRAM_PART_SEPARATOR)]
        parts += [""] * (4 - len(parts))
        code, status, raw_since, raw_until = parts[0].upper(), parts[1] or "active", *parts[2:4]
        since = _date(raw_since) if raw_since else None
        until = _date(raw_until) if raw_until else None
        if len(parts) > 4 or code not in PROGRAMS or status not in PROGRAM_STATUSES:
            problems.append(Problem("programs", "programs.unknown",
                                    f"Program {item!r} tidak dikenal (kode: "
                                    f"{', '.join(sorted(PROGRAMS))}; status: "
                                    f"{', '.join(sorted(PROGRAM_STATUSES))})."))
        elif (raw_since and since is None) or (raw_until and until is None):
            problems.append(Problem("programs", "programs.date",
                                    f"Tanggal program {item!r} tidak valid (YYYY-MM-DD)."))
        elif since is not None and until is not None and until < since:
            problems.append(Problem("programs", "programs.dates_reversed",
                                    f"Program {code}: tanggal selesai sebelum tanggal mulai."))
        elif code in seen:
            problems.append(Problem("programs", "programs.duplicate",
                                    f"Program {code} tercantum lebih dari sekali."))
        else:
            seen.add(code)
            out.append((household_id, code, status, since, until))
    return out


def _household(values: Sequence[str], default_source: str) -> tuple[
        tuple[Any, ...], list[tuple[Any, ...]], list[Problem]]:
    """The household record (KK still unknown: it is the head's), its programs, and problems."""
    problems = _missing(values, _HOUSEHOLD_MANDATORY)
    raw_id = values[_I["household_id"]]
    household_id = canonical_id(raw_id, "household") if raw_id else None
    if raw_id and household_id is None:
        problems.append(Problem("household_id", "household_id.format",
                                f"ID rumah tangga terlalu panjang (maks. {ID_MAX}) atau memuat "
                                "karakter yang tidak diizinkan."))
    raw_code = values[_I["village_code"]]
    code = plain_code(raw_code) if raw_code else None
    if code is not None and not _known_village(code):
        problems.append(Problem("village_code", "village_code.unknown",
                                f"Kode desa/kelurahan {raw_code} tidak dikenal (harus 10 digit "
                                "kode Kemendagri)."))
    address = values[_I["address"]]
    if len(address) > ADDRESS_MAX:
        problems.append(Problem("address", "address.too_long",
                                f"Alamat maksimal {ADDRESS_MAX} karakter."))
    lat, lon = _coordinates(values, problems)
    housing = [_choice(values, name, allowed, problems, _LABELS[name])
               for name, allowed in HOUSING_FIELDS.items()]
    raw_decile = values[_I["welfare_decile"]]
    decile: int | None = None
    if raw_decile:
        try:
            decile = int(raw_decile)
        except ValueError:
            decile = None
        if decile is None or not 1 <= decile <= 10:
            problems.append(Problem("welfare_decile", "welfare_decile.range",
                                    f"Desil harus bilangan bulat 1 sampai 10, bukan "
                                    f"{raw_decile!r}."))
    status = _choice(values, "registry_status", REGISTRY_STATUSES, problems,
                     "Status data") or "active"
    source = values[_I["source"]] or default_source
    if len(source) > SOURCE_MAX:
        problems.append(Problem("source", "source.too_long",
                                f"Sumber data maksimal {SOURCE_MAX} karakter."))
    programs = _programs(values[_I["programs"]], household_id, problems)
    record = (household_id, None, code, address, lat, lon, *housing, decile, status, source)
    return record, programs, problems


# --- member columns ----------------------------------------------------------------------------

_FLAGS: Final[dict[str, bool]] = {**dict.fromkeys(TRUTHY, True), **dict.fromkeys(FALSY, False)}
_MEMBER_START: Final[int] = _HOUSEHOLD_WIDTH
_SEXES: Final[frozenset[str]] = frozenset({"L", "P"})
_FLAG_NAMES: Final = ("disability", "chronic_illness", "pregnant", "school_enrolled", "deceased")


def _flag(raw: str, name: str, problems: list[Problem]) -> bool:
    value = _FLAGS.get(raw.lower())
    if value is None:
        problems.append(Problem(name, "flag.invalid",
                                f"Isian {name} harus 1 (ya) atau 0 (tidak), bukan {raw!r}."))
        return False
    return value


def _nik(raw: str, no_nik: bool, birth: dt.date | None, sex: str, today: dt.date,
         problems: list[Problem]) -> str | None:
    if not raw:
        return None
    if no_nik:
        problems.append(Problem("nik", "nik.conflict_no_nik",
                                "NIK diisi padahal ditandai tidak punya NIK (no_nik = 1). "
                                "Pilih salah satu."))
        return None
    if birth is not None and nik_encodes(raw, birth, sex):
        return raw  # the usual case, without building a full report
    result = check_nik(raw, today)
    if not result.valid:
        problems.extend(Problem("nik", f.rule, f.message) for f in result.errors)
        return None
    # The NIK carries day, month and two digits of the year; the century is a guess, so
    # only those are compared.
    if birth is not None and result.birth_date is not None and (
            (result.birth_date.day, result.birth_date.month, result.birth_date.year % 100)
            != (birth.day, birth.month, birth.year % 100)):
        problems.append(Problem("nik", "nik.birth_date_mismatch",
                                "Tanggal lahir pada NIK berbeda dengan tanggal lahir yang diisi."))
    if sex in _SEXES and result.sex is not None and result.sex != sex:
        problems.append(Problem("nik", "nik.sex_mismatch",
                                "Jenis kelamin pada NIK (tanggal +40 untuk perempuan) berbeda "
                                "dengan jenis kelamin yang diisi."))
    return result.digits


def _birth_date(raw: str, today: dt.date, problems: list[Problem]) -> dt.date | None:
    if not raw:
        return None
    birth = _date(raw)
    if birth is None:
        problems.append(Problem("birth_date", "birth_date.format",
                                f"Tanggal lahir {raw!r} tidak valid (YYYY-MM-DD)."))
    elif birth > today:
        problems.append(Problem("birth_date", "birth_date.future", "Tanggal lahir di masa depan."))
        return None
    elif birth < OLDEST_BIRTH:
        problems.append(Problem("birth_date", "birth_date.too_old",
                                "Tanggal lahir sebelum tahun 1900."))
        return None
    return birth


def _member(values: Sequence[str], household_id: str | None, village_code: str | None,
            today: dt.date) -> tuple[tuple[Any, ...], list[Problem]]:
    (raw_id, kk, raw_nik, raw_no_nik, name, raw_sex, raw_birth, relation, marital,
     raw_disability, raw_chronic, raw_pregnant, raw_enrolled, level, occupation,
     raw_deceased) = values[_MEMBER_START:]
    problems: list[Problem] = []
    no_nik = _flag(raw_no_nik, "no_nik", problems)
    if not (raw_id and name and raw_sex and raw_birth and relation and marital and raw_nik):
        problems.extend(_member_missing(values, bool(raw_nik) or no_nik))
    member_id = canonical_id(raw_id, "member") if raw_id else None
    if raw_id and member_id is None:
        problems.append(Problem("member_id", "member_id.format",
                                f"ID anggota terlalu panjang (maks. {ID_MAX}) atau memuat "
                                "karakter yang tidak diizinkan."))
    if kk:
        problems.extend(_kk_problems(kk))
    if len(name) > NAME_MAX:
        problems.append(Problem("name", "name.too_long", f"Nama maksimal {NAME_MAX} karakter."))
    sex = raw_sex.upper()
    if sex and sex not in _SEXES:
        problems.append(Problem("sex", "sex.unknown",
                                f"Jenis kelamin harus L atau P, bukan {raw_sex!r}."))
    birth = _birth_date(raw_birth, today, problems)
    nik = _nik(raw_nik, no_nik, birth, sex, today, problems)
    if relation and relation not in RELATIONS:
        problems.append(_unknown("relation", relation, RELATIONS, "Hubungan keluarga"))
    if marital and marital not in MARITAL_STATUSES:
        problems.append(_unknown("marital_status", marital, MARITAL_STATUSES,
                                 "Status perkawinan"))
    if level and level not in SCHOOL_LEVELS:
        problems.append(_unknown("school_level", level, SCHOOL_LEVELS, "Jenjang sekolah"))
    if occupation and occupation not in OCCUPATIONS:
        problems.append(_unknown("occupation", occupation, OCCUPATIONS, "Pekerjaan"))
    raw_flags = (raw_disability, raw_chronic, raw_pregnant, raw_enrolled, raw_deceased)
    flags = tuple(map(_FLAGS.get, raw_flags))  # the usual "0"/"1" without a call each
    if None in flags:
        flags = tuple(_flag(raw, name, problems) for raw, name in zip(raw_flags, _FLAG_NAMES,
                                                                        strict=True))
    disability, chronic, pregnant, enrolled, deceased = flags
    if pregnant:
        if sex == "L":
            problems.append(Problem("pregnant", "pregnant.male",
                                    "Ditandai hamil padahal jenis kelamin laki-laki."))
        elif birth is not None and not (
                PREGNANCY_AGES[0] <= today.year - birth.year <= PREGNANCY_AGES[1]):
            problems.append(Problem("pregnant", "pregnant.age",
                                    "Ditandai hamil pada umur yang tidak mungkin."))
    if enrolled and not level:
        problems.append(Problem("school_level", "school_level.missing",
                                "Masih sekolah: jenjang sekolah wajib diisi."))
    record = (member_id, household_id, kk or None, nik, no_nik, name, sex, birth, relation,
              marital, disability, chronic, pregnant, enrolled, level or None,
              occupation or None, deceased, village_code, _normalized(name) if name else "")
    return record, problems


# --- a household's rows ------------------------------------------------------------------------


def _duplicates(member: tuple[Any, ...], member_key: int | None, seen: SeenIds,
                group_niks: dict[str, int], problems: list[Problem]) -> None:
    nik = member[3]
    if nik is not None:
        earlier = seen.niks.get(int(nik)) or group_niks.get(nik)
        if earlier is not None:
            problems.append(Problem("nik", "nik.duplicate",
                                    f"NIK yang sama sudah ada pada baris {earlier} berkas ini."))
    if member_key is not None and member_key in seen.members:
        problems.append(Problem("member_id", "member_id.duplicate",
                                "ID anggota yang sama sudah ada pada baris lain berkas ini."))


_MISSHAPEN: Final = Problem(
    "row", "row.columns",
    f"Jumlah nilai pada baris tidak sama dengan jumlah kolom header ({_WIDTH} kolom data); "
    "biasanya tanda koma di dalam alamat atau nama yang tidak diberi tanda kutip.")


def _household_problem(rows: Sequence[tuple[int, Sequence[str]]],
                      accepted_heads: int) -> Problem | None:
    heads_given = sum(1 for _, values in rows if values[_I["relation"]] == "head")
    if heads_given > 1:
        return Problem("relation", "household.several_heads",
                       "Rumah tangga ini punya lebih dari satu kepala rumah tangga.")
    if heads_given == 0:
        return Problem("relation", "household.no_head",
                       "Rumah tangga ini tidak punya baris kepala rumah tangga (baris satu "
                       "rumah tangga harus berurutan dan memuat kepalanya).")
    if accepted_heads == 0:
        return Problem("relation", "household.head_rejected",
                       "Baris kepala rumah tangga ditolak, sehingga rumah tangga ini belum "
                       "bisa masuk; perbaiki baris kepala rumah tangga.")
    return None


def _stripped(rows: Sequence[tuple[int, Sequence[str]]]) -> list[tuple[int, list[str]]]:
    """Values without surrounding blanks; the household columns, the same on every row of a
    household, are stripped once."""
    raw_head = list(rows[0][1][:_HOUSEHOLD_WIDTH])
    head = list(map(str.strip, raw_head))
    out = []
    for number, values in rows:
        if values[:_HOUSEHOLD_WIDTH] == raw_head and len(values) == _WIDTH:
            out.append((number, head + list(map(str.strip, values[_HOUSEHOLD_WIDTH:]))))
        else:
            out.append((number, list(map(str.strip, values))))
    return out


def validate_household(rows: Sequence[tuple[int, Sequence[str]]], seen: SeenIds,
                       today: dt.date, default_source: str = "import") -> HouseholdResult:
    """Check the consecutive rows of one household; accepted rows' ids are added to `seen`.

    `rows` holds (row number, values in `records.COLUMNS` order).
    """
    rows = _stripped(rows)
    misshapen = [(n, v) for n, v in rows if len(v) != _WIDTH]
    if misshapen:
        rows = [(n, v) for n, v in rows if len(v) == _WIDTH]
        rejected = [Rejection(n, [_MISSHAPEN], v) for n, v in misshapen]
        if not rows:
            return HouseholdResult(None, rejected)
        result = validate_household(rows, seen, today, default_source)
        result.rejected = sorted([*result.rejected, *rejected], key=lambda r: r.row)
        return result
    first = rows[0][1]
    head_values = first[:_HOUSEHOLD_WIDTH]
    household, programs, household_problems = _household(first, default_source)
    if household[0] is not None and _id_key(household[0]) in seen.households:
        household_problems.append(Problem(
            "household_id", "household.split",
            "Baris rumah tangga ini sudah muncul sebelumnya di berkas, terpisah oleh rumah "
            "tangga lain; satukan baris-baris satu rumah tangga."))
    if len(rows) > MAX_MEMBERS:
        household_problems.append(Problem(
            "household_id", "household.too_many_members",
            f"Lebih dari {MAX_MEMBERS} baris dengan ID rumah tangga yang sama berurutan."))
    results: list[tuple[int, list[str], tuple[Any, ...], list[Problem], int | None]] = []
    group_niks: dict[str, int] = {}
    group_members: set[int] = set()
    for number, values in rows:
        member, problems = _member(values, household[0], household[2], today)
        if values[:_HOUSEHOLD_WIDTH] != head_values:
            problems.append(Problem("household_id", "household.inconsistent",
                                    "Kolom rumah tangga berbeda dengan baris pertama rumah "
                                    "tangga yang sama (baris-baris satu rumah tangga harus "
                                    "sama isinya)."))
        key = _id_key(member[0]) if member[0] is not None else None
        _duplicates(member, key, seen, group_niks, problems)
        if key is not None and key in group_members:
            problems.append(Problem("member_id", "member_id.duplicate",
                                    "ID anggota yang sama sudah ada pada baris lain berkas ini."))
        problems[:0] = household_problems
        results.append((number, values, member, problems, key))
        if not problems:
            if member[3] is not None:
                group_niks[member[3]] = number
            group_members.add(key)  # type: ignore[arg-type]  # accepted: the id is valid

    accepted_heads = sum(1 for _, _, m, p, _ in results if not p and m[8] == "head")
    group_problem = _household_problem(rows, accepted_heads)
    if group_problem is not None:
        for _, _, member, problems, _ in results:
            # A rejected head row keeps its own reasons; the others say why they wait.
            if group_problem.rule != "household.head_rejected" or member[8] != "head":
                problems.append(group_problem)
    rejected = [Rejection(n, p, v) for n, v, _, p, _ in results if p]
    accepted = [(m, n) for n, _, m, p, _ in results if not p]
    if not accepted:
        return HouseholdResult(None, rejected)
    for number, _, member, problems, key in results:
        if not problems:
            seen.claim(member[3], key, number)  # type: ignore[arg-type]
    seen.households.add(_id_key(household[0]))
    head = next(m for m, _ in accepted if m[8] == "head")
    record = (household[0], head[2], *household[2:])
    return HouseholdResult(
        AcceptedHousehold(record, [m for m, _ in accepted], programs, [n for _, n in accepted]),
        rejected)
