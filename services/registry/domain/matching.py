"""Match a complainant to a registry household: NIK, then KK, then name + birth date in the village.

Pure: the storage layer looks up the few candidate households and passes them in.
Reasons name the method, counts and scores only, never the NIK, KK or name that matched.
A complainant nobody matches gets a `RegistrationProposal`: the start of a new-household usulan.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from contracts.vocabulary import MatchMethod

from .model import Household, Member
from .names import canonical_tokens, normalize_name, token_similarity

__all__ = [
    "NOT_FOUND", "MatchResult", "RegistrationProposal", "match_complainant", "normalize_name",
    "propose_registration",
]

CONFIDENCE_NIK: Final[float] = 1.0
CONFIDENCE_KK: Final[float] = 0.9
CONFIDENCE_NAME_BIRTH: Final[float] = 0.8  # scaled by the name similarity
CONFIDENCE_NAME_ONLY: Final[float] = 0.6
AMBIGUITY_PENALTY: Final[float] = 0.1  # same NIK/KK in several households: data not synchronised
#: A name at least this similar (with the same birth date, in the village) is the same person.
NAME_THRESHOLD: Final[float] = 0.85
#: Two candidates whose scores differ by less than this are too close to choose between.
AMBIGUITY_MARGIN: Final[float] = 0.05

_SEPARATORS = re.compile(r"[\s.\-]")
_DIGITS16 = re.compile(r"^\d{16}$")
_VILLAGE = re.compile(r"^\d{10}$")

Hit = tuple[Household, Member | None]


@dataclass(frozen=True, slots=True)
class RegistrationProposal:
    """What is known of a complainant no household matched, to open a new-household usulan.

    `missing` names what the village operator must still collect; `invalid` what was given but
    cannot be right (a NIK that is not 16 digits). A missing NIK never blocks registration:
    many poor residents have none, and getting one is itself a referral.
    """

    village_code: str | None
    name: str | None
    nik: str | None
    kk_number: str | None
    birth_date: dt.date | None
    missing: tuple[str, ...]
    invalid: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Enough to register: a village, a name and a birth date, nothing invalid."""
        needed = {"village_code", "name", "birth_date"}
        return not (needed & set(self.missing)) and not self.invalid


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The household (and member) found, how, how sure, and why in words an operator reads.

    `proposal` is set when nothing matched; it is derived from the inputs, not part of the
    verdict, so it does not take part in equality.
    """

    household_id: uuid.UUID | None
    member_id: uuid.UUID | None
    method: MatchMethod
    confidence: float
    reason: str
    proposal: RegistrationProposal | None = field(default=None, compare=False)

    @property
    def matched(self) -> bool:
        return self.household_id is not None


NOT_FOUND: Final[MatchResult] = MatchResult(None, None, MatchMethod.NONE, 0.0, "not found")


@dataclass(frozen=True, slots=True)
class _Scored:
    score: float
    household: Household
    member: Member


def _identifier(raw: str | None) -> str | None:
    """Digits of an NIK/KK as typed (spaces, dots, dashes dropped), or None when empty."""
    if raw is None:
        return None
    return _SEPARATORS.sub("", raw) or None


def propose_registration(
    nik: str | None, kk_number: str | None, name: str | None, birth_date: dt.date | None,
    village_code: str | None,
) -> RegistrationProposal:
    """A proposal to register the household of an unmatched complainant, with what is known."""
    nik, kk_number = _identifier(nik), _identifier(kk_number)
    name = " ".join(name.split()) if name and name.strip() else None
    given = {"village_code": village_code, "name": name, "birth_date": birth_date, "nik": nik,
             "kk_number": kk_number}
    missing = tuple(k for k, v in given.items() if v is None)
    invalid: list[str] = []
    if nik is not None and not _DIGITS16.match(nik):
        invalid.append("nik")
    if kk_number is not None and not _DIGITS16.match(kk_number):
        invalid.append("kk_number")
    if village_code is not None and not _VILLAGE.match(village_code):
        invalid.append("village_code")
    return RegistrationProposal(village_code, name, nik, kk_number, birth_date, missing,
                                tuple(invalid))


def _by_household(hits: list[Hit]) -> list[Hit]:
    unique = {h.household_id: (h, m) for h, m in hits}
    return [unique[k] for k in sorted(unique, key=str)]  # stable choice when ambiguous


def _pick(hits: list[Hit], method: MatchMethod, confidence: float, label: str,
          note: str = "") -> MatchResult:
    distinct = _by_household(hits)
    household, member = distinct[0]
    member_id = member.member_id if member is not None else None
    if len(distinct) == 1:
        return MatchResult(household.household_id, member_id, method, confidence,
                           f"{label} exact match{note}")
    return MatchResult(
        household.household_id, member_id, method, round(confidence - AMBIGUITY_PENALTY, 2),
        f"{label} exact match in {len(distinct)} households; first by id chosen{note}",
    )


def _close(ranked: list[_Scored], margin: float) -> list[_Scored]:
    """The candidates too close to the best one to tell apart (the best included)."""
    return [c for c in ranked if ranked[0].score - c.score < margin]


def _kk_member(household: Household, wanted: tuple[str, ...], birth_date: dt.date | None,
               threshold: float, margin: float) -> tuple[Member | None, str]:
    """The one member of a KK household the complainant names, and a note when there is none."""
    ranked = sorted(
        (c for m in household.living_members()
         if birth_date is None or m.birth_date == birth_date
         for c in [_Scored(token_similarity(wanted, canonical_tokens(m.name)), household, m)]
         if c.score >= threshold),
        key=lambda c: (-c.score, str(c.member.member_id)))
    if not ranked:
        return None, "; no member with that name"
    if len(_close(ranked, margin)) > 1:
        return None, "; member not identified (similar names)"
    return ranked[0].member, ""


def _by_name(households: list[Household], wanted: tuple[str, ...], birth_date: dt.date | None,
             village_code: str, threshold: float, margin: float) -> MatchResult | None:
    """Name (+ birth date) within the village; None when nobody is close enough."""
    # A name alone is weak evidence: without a birth date only the canonical name counts.
    floor = threshold if birth_date is not None else 1.0
    ranked = sorted(
        (c for h in households if h.village_code == village_code
         for m in h.living_members()  # a namesake who died is not the person complaining
         if birth_date is None or m.birth_date == birth_date
         for c in [_Scored(token_similarity(wanted, canonical_tokens(m.name)), h, m)]
         if c.score >= floor),
        key=lambda c: (-c.score, str(c.household.household_id), str(c.member.member_id)))
    if not ranked:
        return None
    best, close = ranked[0], _close(ranked, margin)
    dated = birth_date is not None
    base = CONFIDENCE_NAME_BIRTH * best.score if dated else CONFIDENCE_NAME_ONLY
    what = "name, birth date and village" if dated else "name and village"
    if len(close) > 1:
        homes = {c.household.household_id for c in close}
        if len(homes) == 1:  # twins or a duplicated row: the household is still certain
            return MatchResult(best.household.household_id, None, MatchMethod.NAME_BIRTH_VILLAGE,
                               round(base - AMBIGUITY_PENALTY, 2),
                               f"{what} match {len(close)} members of one household; "
                               "member not identified")
        scores = ", ".join(f"{c.score:.2f}" for c in close)
        if not dated:
            return MatchResult(None, None, MatchMethod.NONE, 0.0,
                               f"not found: {len(close)} members share name and village")
        return MatchResult(None, None, MatchMethod.NONE, 0.0,
                           f"not found: {len(close)} members in {len(homes)} households match "
                           f"{what} too closely to choose ({scores})")
    if not dated:
        reason = "name and village match; no birth date given"
    elif best.score == 1.0:
        reason = "name, birth date and village match"
    else:
        reason = f"similar name ({best.score:.2f}), birth date and village match"
    return MatchResult(best.household.household_id, best.member.member_id,
                       MatchMethod.NAME_BIRTH_VILLAGE, round(base, 2), reason)


def match_complainant(
    candidates: Iterable[Household],
    nik: str | None,
    kk_number: str | None,
    name: str | None,
    birth_date: dt.date | None,
    village_code: str | None,
    *,
    threshold: float = NAME_THRESHOLD,
    margin: float = AMBIGUITY_MARGIN,
) -> MatchResult:
    """The best match among `candidates`: NIK, then KK, then name + birth date in the village.

    Confidence: NIK 1.0, KK 0.9 (each 0.1 less when several households share it);
    name + birth date + village 0.8 x name similarity; canonical name + village without a
    birth date 0.6. Candidates closer than `margin` to the best are never guessed between.
    """
    households = list(candidates)
    nik, kk_number = _identifier(nik), _identifier(kk_number)
    wanted = canonical_tokens(name) if name else ()

    if nik is not None:
        nik_hits: list[Hit] = [(h, m) for h in households for m in h.members if m.nik == nik]
        if nik_hits:
            late = len(nik_hits) == 1 and nik_hits[0][1] is not None and nik_hits[0][1].deceased
            return _pick(nik_hits, MatchMethod.NIK, CONFIDENCE_NIK, "NIK",
                         "; member recorded as deceased" if late else "")

    if kk_number is not None:
        kk_households = [h for h in households if h.kk_number == kk_number]
        if kk_households:
            hits: list[Hit] = []
            note = ""
            for h in kk_households:
                chosen, note_h = (_kk_member(h, wanted, birth_date, threshold, margin)
                                  if wanted else (None, ""))
                hits.append((h, chosen))
                note = note or note_h
            return _pick(hits, MatchMethod.KK, CONFIDENCE_KK, "KK",
                         note if len(kk_households) == 1 else "")

    if wanted and village_code is not None:
        by_name = _by_name(households, wanted, birth_date, village_code, threshold, margin)
        if by_name is not None:
            return by_name
    proposal = propose_registration(nik, kk_number, name, birth_date, village_code)
    return MatchResult(None, None, MatchMethod.NONE, 0.0, "not found", proposal)
