"""Match a complainant to a registry household: NIK, then KK, then name within the village.

Pure: the storage layer looks up the few candidate households and passes them in.
Reasons name the method and counts only, never the NIK, KK or name that matched.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from contracts.vocabulary import MatchMethod

from .model import Household, Member

CONFIDENCE_NIK: Final[float] = 1.0
CONFIDENCE_KK: Final[float] = 0.9
CONFIDENCE_NAME_BIRTH: Final[float] = 0.8
CONFIDENCE_NAME_ONLY: Final[float] = 0.6
AMBIGUITY_PENALTY: Final[float] = 0.1  # same NIK/KK in several households: data not synchronised

#: Titles and forms of address dropped from the front of a name before comparing.
HONORIFICS: Final[frozenset[str]] = frozenset(
    {"bapak", "pak", "bpk", "ibu", "bu", "h", "hj", "sdr", "sdri", "saudara", "saudari",
     "ny", "nyonya", "tn", "tuan"}
)
#: "the late": unambiguous words, dropped wherever they stand ("Sutrisno (alm.)").
LATE: Final[frozenset[str]] = frozenset({"almarhum", "almarhumah", "alm", "almh"})
_APOSTROPHES = re.compile(r"['`\u2018\u2019]")
_NON_WORD = re.compile(r"[^\w]+|_")


Hit = tuple[Household, Member | None]


@dataclass(frozen=True, slots=True)
class MatchResult:
    household_id: uuid.UUID | None
    member_id: uuid.UUID | None
    method: MatchMethod
    confidence: float
    reason: str


NOT_FOUND: Final[MatchResult] = MatchResult(None, None, MatchMethod.NONE, 0.0, "not found")


def normalize_name(name: str) -> str:
    """Casefolded name without punctuation, extra spaces or leading honorifics."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _APOSTROPHES.sub("", text)  # Ma'ruf and Maruf are the same person
    tokens = [t for t in _NON_WORD.sub(" ", text).split() if t not in LATE]
    # Only leading tokens: a trailing "H" may be an initial, not Haji.
    while tokens and tokens[0] in HONORIFICS:
        tokens.pop(0)
    return " ".join(tokens)


def _identifier(raw: str | None) -> str | None:
    """Digits of an NIK/KK as typed (spaces, dots, dashes dropped), or None when empty."""
    if raw is None:
        return None
    cleaned = re.sub(r"[\s.\-]", "", raw)
    return cleaned or None


def _by_household(hits: list[Hit]) -> list[Hit]:
    unique = {h.household_id: (h, m) for h, m in hits}
    return [unique[k] for k in sorted(unique, key=str)]  # stable choice when ambiguous


def _pick(
    hits: list[Hit], method: MatchMethod, confidence: float, label: str
) -> MatchResult:
    distinct = _by_household(hits)
    household, member = distinct[0]
    member_id = member.member_id if member is not None else None
    if len(distinct) == 1:
        return MatchResult(household.household_id, member_id, method, confidence,
                           f"{label} exact match")
    return MatchResult(
        household.household_id, member_id, method, round(confidence - AMBIGUITY_PENALTY, 2),
        f"{label} exact match in {len(distinct)} households; first by id chosen",
    )


def _name_member(household: Household, wanted: str) -> Member | None:
    found = [m for m in household.members if normalize_name(m.name) == wanted]
    return found[0] if len(found) == 1 else None


def match_complainant(
    candidates: Iterable[Household],
    nik: str | None,
    kk_number: str | None,
    name: str | None,
    birth_date: dt.date | None,
    village_code: str | None,
) -> MatchResult:
    """The best match among `candidates`: NIK, then KK, then name (+ birth date) in the village."""
    households = list(candidates)
    nik, kk_number = _identifier(nik), _identifier(kk_number)
    wanted = normalize_name(name) if name else ""

    if nik is not None:
        nik_hits: list[Hit] = [(h, m) for h in households for m in h.members if m.nik == nik]
        if nik_hits:
            return _pick(nik_hits, MatchMethod.NIK, CONFIDENCE_NIK, "NIK")

    if kk_number is not None:
        kk_hits = [(h, _name_member(h, wanted) if wanted else None)
                   for h in households if h.kk_number == kk_number]
        if kk_hits:
            return _pick(kk_hits, MatchMethod.KK, CONFIDENCE_KK, "KK")

    if not wanted or village_code is None:
        return NOT_FOUND
    name_hits = [
        (h, m)
        for h in households if h.village_code == village_code
        for m in h.living_members()  # a namesake who died is not the person complaining
        if normalize_name(m.name) == wanted and (birth_date is None or m.birth_date == birth_date)
    ]
    if not name_hits:
        return NOT_FOUND
    if len(name_hits) > 1:
        # A name is weak evidence: never guess between two people.
        return MatchResult(None, None, MatchMethod.NONE, 0.0,
                           f"not found: {len(name_hits)} members share name and village")
    household, member = name_hits[0]
    if birth_date is not None:
        return MatchResult(household.household_id, member.member_id,
                           MatchMethod.NAME_BIRTH_VILLAGE, CONFIDENCE_NAME_BIRTH,
                           "name, birth date and village match")
    return MatchResult(household.household_id, member.member_id, MatchMethod.NAME_BIRTH_VILLAGE,
                       CONFIDENCE_NAME_ONLY, "name and village match; no birth date given")
