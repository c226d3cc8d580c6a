"""Usulan and verivali: the state machine, who may act, applying changes, version conflicts."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable

import pytest

from contracts.vocabulary import MatchMethod, Sector
from services.registry.domain.complaint_proposals import (
    DataUpdateComplaint,
    proposal_from_complaint,
)
from services.registry.domain.matching import match_complainant
from services.registry.domain.model import Household, Member
from services.registry.domain.proposal_changes import (
    AddMember,
    ChangeError,
    CorrectField,
    Details,
    FieldChange,
    MarkDeceased,
    Moved,
    NewHousehold,
    NewMember,
    RemoveMember,
)
from services.registry.domain.proposals import (
    ACTION_ROLES,
    REJECT_ROLES,
    Action,
    Actor,
    IncompleteProposal,
    InvalidTransition,
    NotPermitted,
    Proposal,
    ProposalError,
    ProposalState,
    ReasonRequired,
    VersionConflict,
    allowed_actions,
    amend,
    apply_proposal,
    approve,
    propose,
    reject,
    verify,
)
from slrt.auth import Role

VILLAGE = "3402052001"
NEW_VILLAGE = "3402052002"
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
OPERATOR = Actor("op-1", "puskesos_operator", VILLAGE)
SUPERVISOR = Actor("sup-1", "back_office", "3402")
MANAGER = Actor("mgr-1", "manager", "3402")
NIK = "3402051508800003"


def household() -> Household:
    return Household(
        uuid.UUID(int=1), "3402051003120001", VILLAGE, "Dusun Krajan RT 03/RW 01", 2, [
            Member(uuid.UUID(int=11), NIK, "Sutrisno", "L", dt.date(1980, 8, 15), "head"),
            Member(uuid.UUID(int=12), None, "Wartini", "P", dt.date(1983, 4, 22), "spouse"),
        ])


def proposed(details: Details, version: int = 3, h: Household | None = None) -> Proposal:
    h = h or household()
    if isinstance(details, NewHousehold):
        return propose(details, OPERATOR, AT, village_code=VILLAGE)
    return propose(details, OPERATOR, AT, village_code=h.village_code, household=h,
                   household_version=version)


def approved(p: Proposal) -> Proposal:
    return approve(verify(p, SUPERVISOR, AT), MANAGER, AT)


Stage = Callable[[Proposal], Proposal]  # brings a fresh usulan to the state under test
Act = Callable[[Proposal], object]  # the step under test

CHILD = NewMember("Ayu Lestari", "P", dt.date(2019, 6, 30), "child", None, uuid.UUID(int=13))


# --- the happy path, kind by kind ---------------------------------------------------------


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        (AddMember(CHILD), [
            FieldChange("member", CHILD.member_id, "household_id", None, uuid.UUID(int=1)),
            FieldChange("member", CHILD.member_id, "name", None, "Ayu Lestari"),
            FieldChange("member", CHILD.member_id, "sex", None, "P"),
            FieldChange("member", CHILD.member_id, "birth_date", None, dt.date(2019, 6, 30)),
            FieldChange("member", CHILD.member_id, "relation", None, "child")]),
        (RemoveMember(uuid.UUID(int=12)), [
            FieldChange("member", uuid.UUID(int=12), "household_id", uuid.UUID(int=1), None)]),
        (CorrectField("member", "name", "Wartini Rahayu", uuid.UUID(int=12)), [
            FieldChange("member", uuid.UUID(int=12), "name", "Wartini", "Wartini Rahayu")]),
        (CorrectField("member", "birth_date", dt.date(1983, 4, 2), uuid.UUID(int=12)), [
            FieldChange("member", uuid.UUID(int=12), "birth_date", dt.date(1983, 4, 22),
                        dt.date(1983, 4, 2))]),
        (CorrectField("household", "address", "Dusun Kauman RT 01/RW 02"), [
            FieldChange("household", uuid.UUID(int=1), "address", "Dusun Krajan RT 03/RW 01",
                        "Dusun Kauman RT 01/RW 02")]),
        (MarkDeceased(uuid.UUID(int=11)), [
            FieldChange("member", uuid.UUID(int=11), "deceased", False, True)]),
        (Moved(NEW_VILLAGE, "Dusun Jetis RT 02/RW 04"), [
            FieldChange("household", uuid.UUID(int=1), "village_code", VILLAGE, NEW_VILLAGE),
            FieldChange("household", uuid.UUID(int=1), "address", "Dusun Krajan RT 03/RW 01",
                        "Dusun Jetis RT 02/RW 04")]),
    ],
    ids=lambda v: getattr(v, "kind", None) or "",
)
def test_propose_verify_approve_apply(details: Details, expected: list[FieldChange]) -> None:
    before = household()
    p = proposed(details, version=3, h=before)
    assert (p.state, p.kind, p.base_version) == (ProposalState.PROPOSED, details.kind, 3)
    p = verify(p, SUPERVISOR, AT, "checked against the KK")
    assert p.state is ProposalState.VERIFIED
    p = approve(p, MANAGER, AT)
    assert p.state is ProposalState.APPROVED
    applied = apply_proposal(p, before, 3, MANAGER, AT)
    assert applied.proposal.state is ProposalState.APPLIED
    assert applied.version == 4
    assert list(applied.changes) == expected
    assert before == household()  # the household passed in is never changed
    assert [(s.action, s.state, s.subject) for s in applied.proposal.history] == [
        (Action.PROPOSE, ProposalState.PROPOSED, "op-1"),
        (Action.VERIFY, ProposalState.VERIFIED, "sup-1"),
        (Action.APPROVE, ProposalState.APPROVED, "mgr-1"),
        (Action.APPLY, ProposalState.APPLIED, "mgr-1")]
    assert applied.proposal.history[1].note == "checked against the KK"


def test_applied_household_reflects_the_changes() -> None:
    add = apply_proposal(approved(proposed(AddMember(CHILD))), household(), 3, MANAGER, AT)
    assert add.household.member_by_id(CHILD.member_id) is not None
    gone = apply_proposal(approved(proposed(RemoveMember(uuid.UUID(int=12)))), household(), 3,
                          MANAGER, AT)
    assert [m.member_id for m in gone.household.members] == [uuid.UUID(int=11)]
    moved = apply_proposal(approved(proposed(Moved(NEW_VILLAGE, "Jetis"))), household(), 3,
                           MANAGER, AT)
    assert (moved.household.village_code, moved.household.address) == (NEW_VILLAGE, "Jetis")
    late = apply_proposal(approved(proposed(MarkDeceased(uuid.UUID(int=11)))), household(), 3,
                          MANAGER, AT)
    assert late.household.members[0].deceased


def test_new_household_is_created_at_version_1() -> None:
    head = NewMember("Sri Wahyuni", "P", dt.date(1975, 2, 1), "head", None, uuid.UUID(int=21))
    details = NewHousehold(VILLAGE, "Dusun Ngaglik RT 05/RW 02", 1, None, (head,),
                           uuid.UUID(int=20))
    applied = apply_proposal(approved(proposed(details)), None, None, MANAGER, AT)
    assert applied.version == 1
    assert applied.household.household_id == uuid.UUID(int=20)
    assert applied.proposal.household_id == uuid.UUID(int=20)
    assert applied.household.head is not None
    assert applied.household.head.member_id == uuid.UUID(int=21)
    assert FieldChange("household", uuid.UUID(int=20), "welfare_decile", None, 1) \
        in applied.changes
    assert FieldChange("member", uuid.UUID(int=21), "household_id", None, uuid.UUID(int=20)) \
        in applied.changes
    assert ("household", "kk_number") not in {(c.entity, c.field) for c in applied.changes}


# --- the state machine --------------------------------------------------------------------


def test_allowed_actions_by_state_and_actor() -> None:
    p = proposed(MarkDeceased(uuid.UUID(int=11)))
    assert allowed_actions(p) == (Action.AMEND, Action.VERIFY, Action.REJECT)
    assert allowed_actions(p, SUPERVISOR) == (Action.AMEND, Action.VERIFY, Action.REJECT)
    assert allowed_actions(p, OPERATOR) == (Action.AMEND, Action.REJECT)
    assert allowed_actions(p, MANAGER) == ()
    v = verify(p, SUPERVISOR, AT)
    assert allowed_actions(v) == (Action.APPROVE, Action.REJECT)
    assert allowed_actions(v, MANAGER) == (Action.APPROVE, Action.REJECT)
    a = approve(v, MANAGER, AT)
    assert allowed_actions(a) == (Action.APPLY, Action.REJECT)
    done = apply_proposal(a, household(), 3, MANAGER, AT).proposal
    assert allowed_actions(done) == ()


@pytest.mark.parametrize(
    ("state_of", "step", "message"),
    [
        (lambda p: p, lambda p: approve(p, MANAGER, AT),
         "cannot approve an usulan that is proposed; allowed: amend, verify, reject"),
        (lambda p: p, lambda p: apply_proposal(p, household(), 3, MANAGER, AT),
         "cannot apply an usulan that is proposed; allowed: amend, verify, reject"),
        (lambda p: verify(p, SUPERVISOR, AT), lambda p: verify(p, SUPERVISOR, AT),
         "cannot verify an usulan that is verified; allowed: approve, reject"),
        (lambda p: verify(p, SUPERVISOR, AT), lambda p: amend(p, p.details, OPERATOR, AT),
         "cannot amend an usulan that is verified; allowed: approve, reject"),
        (approved, lambda p: approve(p, MANAGER, AT),
         "cannot approve an usulan that is approved; allowed: apply, reject"),
        (lambda p: apply_proposal(approved(p), household(), 3, MANAGER, AT).proposal,
         lambda p: reject(p, MANAGER, AT, "too late"),
         "cannot reject an usulan that is applied; allowed: none (final state)"),
        (lambda p: reject(p, SUPERVISOR, AT, "no documents"),
         lambda p: verify(p, SUPERVISOR, AT),
         "cannot verify an usulan that is rejected; allowed: none (final state)"),
    ],
)
def test_invalid_transitions_list_the_allowed_ones(state_of: Stage, step: Act,
                                                   message: str) -> None:
    p = state_of(proposed(MarkDeceased(uuid.UUID(int=11))))
    with pytest.raises(InvalidTransition) as caught:
        step(p)
    assert str(caught.value) == message
    assert caught.value.allowed == tuple(Action(a) for a in message.split("allowed: ")[1]
                                         .split(", ") if a in Action.__members__.values())


@pytest.mark.parametrize(
    ("state_of", "who"),
    [
        (lambda p: p, SUPERVISOR),
        (lambda p: p, OPERATOR),  # the proposer withdraws it
        (lambda p: verify(p, SUPERVISOR, AT), MANAGER),
        (approved, MANAGER),
    ],
)
def test_reject_at_every_step_before_applied(state_of: Stage, who: Actor) -> None:
    p = state_of(proposed(MarkDeceased(uuid.UUID(int=11))))
    done = reject(p, who, AT, "  akta kematian tidak ada  ")
    assert done.state is ProposalState.REJECTED
    assert done.rejection_reason == "akta kematian tidak ada"
    assert done.history[-1].note == "akta kematian tidak ada"
    assert done.history[-1].action is Action.REJECT


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejection_needs_a_reason(reason: str) -> None:
    p = proposed(MarkDeceased(uuid.UUID(int=11)))
    with pytest.raises(ReasonRequired, match="a rejection needs a reason"):
        reject(p, SUPERVISOR, AT, reason)
    with pytest.raises(ReasonRequired):
        reject(approved(p), MANAGER, AT, reason)


# --- who may act --------------------------------------------------------------------------


def test_roles_are_those_of_the_access_layer() -> None:
    used = set().union(*ACTION_ROLES.values(), *REJECT_ROLES.values())
    assert used <= {r.value for r in Role}
    assert Role.OPERATOR.value not in used  # the on-call engineer does no case work


@pytest.mark.parametrize(
    ("step", "why"),
    [
        (lambda p: verify(p, OPERATOR, AT), "role puskesos_operator may not verify"),
        (lambda p: verify(p, MANAGER, AT), "role manager may not verify"),
        (lambda p: verify(p, Actor("sup-2", "back_office", "3403"), AT),
         "verify is outside the region of sup-2"),
        (lambda p: reject(p, MANAGER, AT, "x"), "role manager may not reject"),
        (lambda p: approve(verify(p, SUPERVISOR, AT), SUPERVISOR, AT),
         "role back_office may not approve"),
        (lambda p: approve(verify(p, SUPERVISOR, AT), Actor("sup-1", "manager", ""), AT),
         "sup-1 already took another step of this usulan (four eyes)"),
        (lambda p: reject(verify(p, SUPERVISOR, AT), OPERATOR, AT, "x"),
         "role puskesos_operator may not reject an usulan that is verified"),
        (lambda p: apply_proposal(approved(p), household(), 3, SUPERVISOR, AT),
         "role back_office may not apply"),
    ],
)
def test_steps_are_refused_to_the_wrong_people(step: Act, why: str) -> None:
    with pytest.raises(NotPermitted, match=re.escape(why)):
        step(proposed(MarkDeceased(uuid.UUID(int=11))))


def test_the_proposer_cannot_verify_their_own_usulan() -> None:
    both = Actor("op-1", "back_office", "3402")  # same subject, later given another role
    with pytest.raises(NotPermitted, match="four eyes"):
        verify(proposed(MarkDeceased(uuid.UUID(int=11))), both, AT)


def test_propose_checks_role_region_and_household() -> None:
    with pytest.raises(NotPermitted, match="role manager may not propose"):
        propose(MarkDeceased(), MANAGER, AT, village_code=VILLAGE, household=household(),
                household_version=1)
    with pytest.raises(NotPermitted, match="outside the region"):
        propose(MarkDeceased(), Actor("op-9", "puskesos_operator", "3471"), AT,
                village_code=VILLAGE, household=household(), household_version=1)
    with pytest.raises(ProposalError, match="new_household usulan has no household"):
        propose(MarkDeceased(), OPERATOR, AT, village_code=VILLAGE)
    with pytest.raises(ProposalError, match="household version"):
        propose(MarkDeceased(), OPERATOR, AT, village_code=VILLAGE, household=household())


# --- completeness and amendments ----------------------------------------------------------


def test_incomplete_usulan_cannot_be_verified_until_amended() -> None:
    p = proposed(MarkDeceased())
    with pytest.raises(IncompleteProposal) as caught:
        verify(p, SUPERVISOR, AT)
    assert caught.value.problems == ("member_id: missing",)
    p = amend(p, MarkDeceased(uuid.UUID(int=11)), OPERATOR, AT, "the late father")
    assert p.state is ProposalState.PROPOSED and p.history[-1].action is Action.AMEND
    assert verify(p, SUPERVISOR, AT).state is ProposalState.VERIFIED


def test_an_amendment_keeps_the_kind() -> None:
    with pytest.raises(ProposalError, match="keeps the kind mark_deceased"):
        amend(proposed(MarkDeceased()), Moved(NEW_VILLAGE, "x"), OPERATOR, AT)


@pytest.mark.parametrize(
    ("details", "problems"),
    [
        (CorrectField("member", "sex", "X", uuid.UUID(int=12)),
         ["value: must be one of ['L', 'P']"]),
        (CorrectField("member", "nik", "12345", uuid.UUID(int=12)), ["value: must be 16 digits"]),
        (CorrectField("member", "name", "  ", uuid.UUID(int=12)), ["value: must not be empty"]),
        (CorrectField("member", "birth_date", "1983-04-02", uuid.UUID(int=12)),
         ["value: must be a date"]),
        (CorrectField("household", "welfare_decile", 1),
         ["field: household 'welfare_decile' cannot be corrected by an usulan"]),
        (CorrectField("member", None, None, None), ["member_id: missing", "field: missing"]),
        (AddMember(NewMember(name="Ayu")),
         ["member.sex: missing", "member.birth_date: missing", "member.relation: missing"]),
        (Moved(None, ""), ["village_code: must be 10 digits", "address: must not be empty"]),
        (RemoveMember(), ["member_id: missing"]),
    ],
)
def test_problems_are_listed_field_by_field(details: Details, problems: list[str]) -> None:
    assert details.problems() == problems


def test_new_household_problems() -> None:
    assert NewHousehold().problems() == [
        "village_code: must be 10 digits", "address: must not be empty",
        "welfare_decile: must be 1..10", "members: at least one"]
    two_heads = NewHousehold(VILLAGE, "x", 2, "123", (
        NewMember("A", "L", dt.date(1970, 1, 1), "head"),
        NewMember("B", "P", dt.date(1971, 1, 1), "head", "999")))
    assert two_heads.problems() == ["kk_number: must be 16 digits", "members: exactly one head",
                                    "members[1].nik: must be 16 digits"]


@pytest.mark.parametrize(
    ("details", "message"),
    [
        (MarkDeceased(uuid.UUID(int=99)), "the member is not in this household"),
        (CorrectField("member", "name", "Sutrisno", uuid.UUID(int=11)), "changes nothing"),
        (AddMember(NewMember("Sutrisno", "L", dt.date(1980, 8, 15), "other", NIK)),
         "a member with this NIK is already in this household"),
        (AddMember(NewMember("Dup", "L", dt.date(1980, 8, 15), "other", None,
                             uuid.UUID(int=11))), "the member is already in this household"),
        (Moved(VILLAGE, "Dusun Krajan RT 03/RW 01"), "changes nothing"),
    ],
)
def test_changes_that_no_longer_fit_are_refused(details: Details, message: str) -> None:
    with pytest.raises(ChangeError, match=message):
        apply_proposal(approved(proposed(details)), household(), 3, MANAGER, AT)


def test_removing_the_last_member_or_marking_twice_is_refused() -> None:
    alone = household()
    alone.members = alone.members[:1]
    with pytest.raises(ChangeError, match="cannot remove the only member"):
        apply_proposal(approved(proposed(RemoveMember(uuid.UUID(int=11)), h=alone)), alone, 3,
                       MANAGER, AT)
    late = household()
    late.members[0].deceased = True
    with pytest.raises(ChangeError, match="already recorded as deceased"):
        apply_proposal(approved(proposed(MarkDeceased(uuid.UUID(int=11)), h=late)), late, 3,
                       MANAGER, AT)


# --- optimistic concurrency ---------------------------------------------------------------


def test_concurrent_usulan_on_one_household_conflict() -> None:
    current = household()
    first = approved(proposed(CorrectField("member", "name", "Wartini Rahayu",
                                           uuid.UUID(int=12)), version=3))
    second = approved(proposed(MarkDeceased(uuid.UUID(int=11)), version=3))
    applied = apply_proposal(first, current, 3, MANAGER, AT)
    assert applied.version == 4
    with pytest.raises(VersionConflict) as caught:
        apply_proposal(second, applied.household, applied.version, MANAGER, AT)
    assert (caught.value.based_on, caught.value.current) == (3, 4)
    assert "re-propose it on the current data" in str(caught.value)
    # The stale usulan stays approved: it can be rejected with the reason, or re-proposed.
    assert reject(second, MANAGER, AT, "household changed meanwhile").state is \
        ProposalState.REJECTED
    fresh = approved(proposed(MarkDeceased(uuid.UUID(int=11)), version=4))
    assert apply_proposal(fresh, applied.household, 4, MANAGER, AT).version == 5


def test_new_household_conflicts_with_an_existing_one() -> None:
    head = NewMember("Sri", "P", dt.date(1975, 2, 1), "head")
    p = approved(proposed(NewHousehold(VILLAGE, "x", 1, None, (head,))))
    with pytest.raises(VersionConflict):
        apply_proposal(p, household(), 1, MANAGER, AT)


def test_apply_to_another_household_is_refused() -> None:
    other = household()
    other.household_id = uuid.UUID(int=2)
    with pytest.raises(ProposalError, match="the household it was made for"):
        apply_proposal(approved(proposed(MarkDeceased(uuid.UUID(int=11)))), other, 3, MANAGER,
                       AT)


# --- complaints in the data-update category -----------------------------------------------


def complaint(sub: str | None, village: str = VILLAGE, **person: object) -> DataUpdateComplaint:
    return DataUpdateComplaint(uuid.UUID(int=77), Sector.DATA_UPDATE, sub, village,
                               **person)  # type: ignore[arg-type]


def test_unregistered_complainant_becomes_a_new_household_usulan() -> None:
    c = complaint("belum_terdaftar", name="Sri Wahyuni", birth_date=dt.date(1975, 2, 1),
                  relation="head")
    match = match_complainant([], None, None, c.name, c.birth_date, c.village_code)
    outcome = proposal_from_complaint(c, match, None, None, OPERATOR, AT)
    p = outcome.proposal
    assert p is not None and isinstance(p.details, NewHousehold)
    assert (p.kind, p.household_id, p.source_complaint_id) == ("new_household", None,
                                                               uuid.UUID(int=77))
    assert p.details.members[0].name == "Sri Wahyuni" and p.details.members[0].relation == "head"
    assert p.problems == ["address: must not be empty", "welfare_decile: must be 1..10",
                          "members[0].sex: missing"]
    assert outcome.reason == "new_household usulan made from the complaint"


def test_unregistered_person_of_a_known_kk_becomes_add_member() -> None:
    h = household()
    c = complaint("belum_terdaftar", name="Ayu", kk_number=h.kk_number, relation="child")
    match = match_complainant([h], None, c.kk_number, c.name, None, VILLAGE)
    assert (match.method, match.member_id) == (MatchMethod.KK, None)
    p = proposal_from_complaint(c, match, h, 7, OPERATOR, AT).proposal
    assert p is not None and isinstance(p.details, AddMember)
    assert (p.household_id, p.base_version) == (h.household_id, 7)
    assert p.details.member.relation == "child"


def test_a_registered_person_makes_no_usulan() -> None:
    h = household()
    c = complaint("belum_terdaftar", nik=NIK)
    match = match_complainant([h], NIK, None, None, None, VILLAGE)
    outcome = proposal_from_complaint(c, match, h, 3, OPERATOR, AT)
    assert outcome.proposal is None
    assert outcome.reason == "the complainant is already a member of the matched household"


@pytest.mark.parametrize(
    ("sub", "village", "details"),
    [
        ("data_salah", VILLAGE, CorrectField(member_id=uuid.UUID(int=11))),
        ("meninggal", VILLAGE, MarkDeceased()),
        ("pindah", NEW_VILLAGE, Moved(village_code=NEW_VILLAGE)),
        ("pindah", VILLAGE, Moved()),
    ],
)
def test_other_subcategories_make_an_incomplete_usulan(sub: str, village: str,
                                                       details: Details) -> None:
    h = household()
    match = match_complainant([h], NIK, None, None, None, village)
    p = proposal_from_complaint(complaint(sub, village, nik=NIK), match, h, 3, OPERATOR,
                                AT).proposal
    assert p is not None and p.details == details
    assert p.village_code == VILLAGE  # where the household is registered decides who acts
    if p.problems:
        with pytest.raises(IncompleteProposal):
            verify(p, SUPERVISOR, AT)


def test_complaints_that_make_no_usulan() -> None:
    match = match_complainant([], None, None, "Sri", None, VILLAGE)
    assert proposal_from_complaint(complaint("data_salah"), match, None, None, OPERATOR,
                                   AT).reason.startswith("no household matched")
    h = household()
    hit = match_complainant([h], NIK, None, None, None, VILLAGE)
    assert proposal_from_complaint(complaint("lainnya"), hit, h, 3, OPERATOR, AT).reason == \
        "subcategory lainnya makes no usulan"
    with pytest.raises(ValueError, match="only data_update complaints"):
        proposal_from_complaint(
            DataUpdateComplaint(uuid.UUID(int=1), Sector.HEALTH, "pbi_jk", VILLAGE), hit, h, 3,
            OPERATOR, AT)
