"""Duplicate people in the registry: one NIK in two places, or one person recorded twice.

Pure and streaming: households are read once and only small member records are kept. Pairs are
compared only inside blocks (one NIK; or one village + birth date + name skeleton), so the work
grows with the size of the blocks, never with the square of a village.
Findings carry ids, scores and field names only; the records themselves stay in the registry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from .model import Household, Member
from .names import canonical_tokens, name_keys, normalize_name, token_similarity

FindingKind = Literal["same_nik", "same_person"]

#: Same birth date and village, and names at least this similar: the same person.
PERSON_THRESHOLD: Final[float] = 0.88
#: Blocks larger than this are skipped and counted (placeholder birth dates such as 1 July
#: with a common name skeleton): comparing them would be quadratic and say little.
MAX_BLOCK: Final[int] = 200


@dataclass(frozen=True, slots=True)
class PersonRef:
    """One member as duplicate detection needs it (no name text kept, only its tokens)."""

    household_id: uuid.UUID
    member_id: uuid.UUID
    nik: str | None
    tokens: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DuplicateFinding:
    """Members that are one person: `evidence` says why, without personal data."""

    kind: FindingKind
    household_ids: tuple[uuid.UUID, ...]  # distinct, sorted
    member_ids: tuple[uuid.UUID, ...]  # in the order of `household_ids` where it matters
    score: float  # 1.0 for a shared NIK; the name similarity for the same person
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DuplicateReport:
    findings: tuple[DuplicateFinding, ...]
    households: int  # scanned
    members: int  # scanned
    comparisons: int  # name comparisons made: the cost, to check blocking works
    skipped_blocks: int  # blocks over MAX_BLOCK, left for a person to look at

    def of_kind(self, kind: FindingKind) -> list[DuplicateFinding]:
        return [f for f in self.findings if f.kind == kind]


def _sorted_ids(ids: Iterable[uuid.UUID]) -> tuple[uuid.UUID, ...]:
    return tuple(sorted(set(ids), key=str))


def _nik_finding(refs: list[PersonRef]) -> DuplicateFinding:
    homes = _sorted_ids(r.household_id for r in refs)
    where = "one household" if len(homes) == 1 else f"{len(homes)} households"
    members = tuple(r.member_id for r in sorted(refs, key=lambda r: (str(r.household_id),
                                                                    str(r.member_id))))
    return DuplicateFinding("same_nik", homes, members, 1.0,
                            (f"same NIK on {len(refs)} members in {where}",))


def _comparable(a: PersonRef, b: PersonRef) -> bool:
    if a.nik is not None and b.nik is not None:
        # Equal NIKs are reported as same_nik already; different ones are, for the civil
        # registry, different people (twins share a birth date and often a name skeleton).
        return False
    return True


def find_duplicates(
    households: Iterable[Household], *, threshold: float = PERSON_THRESHOLD,
    max_block: int = MAX_BLOCK,
) -> DuplicateReport:
    """Every shared NIK and every same person (similar name, same birth date and village)."""
    by_nik: dict[str, list[PersonRef]] = defaultdict(list)
    blocks: dict[tuple[str, dt.date, str], list[PersonRef]] = defaultdict(list)
    n_households = n_members = 0
    for household in households:
        n_households += 1
        for m in household.members:
            n_members += 1
            ref = PersonRef(household.household_id, m.member_id, m.nik,
                            canonical_tokens(m.name))
            if m.nik is not None:
                by_nik[m.nik].append(ref)
            # One entry per name key: a typo or a missing token in one token of the name
            # still leaves another token's skeleton in common.
            for key in name_keys(m.name):
                blocks[(household.village_code, m.birth_date, key)].append(ref)

    findings = [_nik_finding(refs) for refs in by_nik.values() if len(refs) > 1]
    seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
    comparisons = skipped = 0
    for block in blocks.values():
        if len(block) > max_block:
            skipped += 1
            continue
        for i, a in enumerate(block):
            for b in block[i + 1:]:
                pair = (a.member_id, b.member_id) if str(a.member_id) < str(b.member_id) \
                    else (b.member_id, a.member_id)
                if pair in seen or a.member_id == b.member_id or not _comparable(a, b):
                    continue
                seen.add(pair)
                comparisons += 1
                score = token_similarity(a.tokens, b.tokens)
                if score >= threshold:
                    findings.append(_person_finding(a, b, score))
    findings.sort(key=lambda f: (f.kind, [str(h) for h in f.household_ids],
                                 [str(m) for m in f.member_ids]))
    return DuplicateReport(tuple(findings), n_households, n_members, comparisons, skipped)


def _person_finding(a: PersonRef, b: PersonRef, score: float) -> DuplicateFinding:
    first, second = sorted((a, b), key=lambda r: (str(r.household_id), str(r.member_id)))
    same_home = first.household_id == second.household_id
    evidence = (
        "name identical in canonical spelling" if score == 1.0
        else f"name similarity {score:.2f}",
        "same birth date",
        "same household" if same_home else "same village",
        "NIK on one record only" if (a.nik is None) != (b.nik is None) else "no NIK on either",
    )
    return DuplicateFinding("same_person", _sorted_ids((a.household_id, b.household_id)),
                            (first.member_id, second.member_id), round(score, 4), evidence)


# --- merge proposals ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberMove:
    member_id: uuid.UUID
    from_household: uuid.UUID
    to_household: uuid.UUID


@dataclass(frozen=True, slots=True)
class DroppedMember:
    """A member record removed because `duplicate_of` (kept) is the same person."""

    member_id: uuid.UUID
    household_id: uuid.UUID
    duplicate_of: uuid.UUID


@dataclass(frozen=True, slots=True)
class Conflict:
    """A field on which the records to merge disagree; a person decides which value holds."""

    entity: Literal["household", "member"]
    ids: tuple[uuid.UUID, ...]
    field: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class MergeProposal:
    """Merge `absorbed_ids` into `survivor_id`: move the rest, drop the duplicate records."""

    survivor_id: uuid.UUID
    absorbed_ids: tuple[uuid.UUID, ...]
    moves: tuple[MemberMove, ...]
    dropped: tuple[DroppedMember, ...]
    conflicts: tuple[Conflict, ...]
    findings: tuple[DuplicateFinding, ...]


class _Groups:
    """Union-find over ids: which records the findings tie together."""

    def __init__(self) -> None:
        self.parent: dict[uuid.UUID, uuid.UUID] = {}

    def find(self, x: uuid.UUID) -> uuid.UUID:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]  # path halving keeps chains short
            x = self.parent[x]
        return x

    def union(self, ids: Iterable[uuid.UUID]) -> None:
        roots = [self.find(i) for i in ids]
        for r in roots[1:]:
            self.parent[r] = roots[0]

    def groups(self) -> list[list[uuid.UUID]]:
        out: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for x in self.parent:
            out[self.find(x)].append(x)
        return [sorted(g, key=str) for g in out.values()]


def _survivor_order(h: Household) -> tuple[bool, int, int, int, str]:
    # First (lowest) wins: the record with a KK, more NIKs, more living people and more
    # programs loses least when merged; the id makes the choice stable.
    return (h.kk_number is None, -sum(m.nik is not None for m in h.members),
            -len(h.living_members()), -len(h.active_programs()), str(h.household_id))


def _member_conflicts(keep: Member, drop: Member) -> list[Conflict]:
    ids = (keep.member_id, drop.member_id)
    out = [Conflict("member", ids, f) for f in ("sex", "birth_date", "relation", "deceased")
           if getattr(keep, f) != getattr(drop, f)]
    if normalize_name(keep.name) != normalize_name(drop.name):
        out.append(Conflict("member", ids, "name", "spelled differently"))
    if keep.nik is None and drop.nik is not None:
        out.append(Conflict("member", ids, "nik", "only the dropped record has a NIK: copy it"))
    return out


def _household_conflicts(survivor: Household, other: Household) -> list[Conflict]:
    ids = (survivor.household_id, other.household_id)
    out = [Conflict("household", ids, f) for f in ("village_code", "welfare_decile")
           if getattr(survivor, f) != getattr(other, f)]
    if survivor.kk_number and other.kk_number and survivor.kk_number != other.kk_number:
        out.append(Conflict("household", ids, "kk_number"))
    if " ".join(survivor.address.casefold().split()) != " ".join(other.address.casefold().split()):
        out.append(Conflict("household", ids, "address"))
    if survivor.active_programs() != other.active_programs():
        out.append(Conflict("household", ids, "programs", "active programs differ"))
    return out


def propose_merges(report: DuplicateReport,
                   households: Iterable[Household]) -> list[MergeProposal]:
    """One merge proposal per group of households the findings tie together.

    `households` must include every household named in the report (others are ignored).
    """
    wanted = {h for f in report.findings for h in f.household_ids}
    homes = {h.household_id: h for h in households if h.household_id in wanted}
    missing = wanted - homes.keys()
    if missing:
        raise ValueError(f"{len(missing)} households named in the report were not given")
    home_groups, person_groups = _Groups(), _Groups()
    for f in report.findings:
        home_groups.union(f.household_ids)
        person_groups.union(f.member_ids)
    findings_of: dict[uuid.UUID, list[DuplicateFinding]] = defaultdict(list)
    for f in report.findings:
        findings_of[home_groups.find(f.household_ids[0])].append(f)
    people = person_groups.groups()
    proposals = [_merge([homes[h] for h in group], people,
                        tuple(findings_of[home_groups.find(group[0])]))
                 for group in home_groups.groups()]
    return sorted(proposals, key=lambda p: str(p.survivor_id))


def _merge(group: list[Household], people: list[list[uuid.UUID]],
           findings: tuple[DuplicateFinding, ...]) -> MergeProposal:
    survivor = min(group, key=_survivor_order)
    where = {m.member_id: (h, m) for h in group for m in h.members}
    dropped: list[DroppedMember] = []
    conflicts: list[Conflict] = []
    kept_of: dict[uuid.UUID, uuid.UUID] = {}
    for person in people:
        records = [where[i] for i in person if i in where]
        if len(records) < 2:
            continue
        # Keep the record already in the survivor, then one with a NIK, then a living one.
        _, keep = min(records, key=lambda r: (r[0] is not survivor, r[1].nik is None,
                                             r[1].deceased, str(r[1].member_id)))
        for h, m in records:
            if m is not keep:
                dropped.append(DroppedMember(m.member_id, h.household_id, keep.member_id))
                kept_of[m.member_id] = keep.member_id
                conflicts.extend(_member_conflicts(keep, m))
    moves = [MemberMove(m.member_id, h.household_id, survivor.household_id)
             for h in group if h is not survivor
             for m in h.members if m.member_id not in kept_of]
    duplicated = kept_of.keys() | set(kept_of.values())
    for h in group:
        if h is survivor:
            continue
        conflicts.extend(_household_conflicts(survivor, h))
        shared = sum(m.member_id in duplicated for m in h.living_members())
        if 2 * shared < len(h.living_members()):
            conflicts.append(Conflict(
                "household", (survivor.household_id, h.household_id), "members",
                f"only {shared} of {len(h.living_members())} living members are shared: "
                "someone may have moved; consider removing the member instead of merging"))
    moved = {mv.member_id for mv in moves}
    heads = [m.member_id for h in group for m in h.living_members()
             if m.relation == "head" and m.member_id not in kept_of
             and (h is survivor or m.member_id in moved)]
    if len(heads) > 1:
        conflicts.append(Conflict("member", tuple(heads), "relation",
                                  f"{len(heads)} heads after the merge"))
    return MergeProposal(
        survivor.household_id,
        tuple(h.household_id for h in group if h is not survivor),
        tuple(moves), tuple(dropped), tuple(conflicts), findings)
