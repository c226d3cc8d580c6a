"""Validation of a complaint draft into a normalised complaint."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from contracts.vocabulary import Channel, Sector, Urgency
from services.intake.domain.complaint import (
    ComplainantData,
    ComplaintDraft,
    FieldIssue,
    OfflineCapture,
    Validation,
    validate_draft,
)

TODAY = dt.datetime(2026, 5, 4, 3, 0, tzinfo=dt.UTC)
SIDOMULYO = "3402052001"  # Sidomulyo, Bambanglipuro (340205), Bantul
NIK_BAMBANGLIPURO = "3402054101900001"  # woman, born 1990-01-01
NIK_JAKARTA = "3171014101900001"  # district 317101 (Jakarta Pusat)
KK = "3402050101200003"


def make_draft(**changes: object) -> ComplaintDraft:
    person_fields = {f.name for f in dataclasses.fields(ComplainantData)}
    person = {k: v for k, v in changes.items() if k in person_fields}
    rest = {k: v for k, v in changes.items() if k not in person_fields}
    complainant = ComplainantData(
        name="  Siti Aminah ", nik=NIK_BAMBANGLIPURO, kk_number=KK, phone="0812-3456-7890",
    )
    draft = ComplaintDraft(
        channel=Channel.PUSKESOS, village_code=SIDOMULYO, category=Sector.HEALTH,
        subcategory="pbi_jk", urgency=Urgency.NORMAL,
        description="  Belum punya KIS padahal anak sering sakit.  ", consent_given=True,
        complainant=dataclasses.replace(complainant, **person),  # type: ignore[arg-type]
    )
    return dataclasses.replace(draft, **rest)  # type: ignore[arg-type]


def rules(issues: list[FieldIssue]) -> set[tuple[str, str]]:
    return {(i.field, i.rule) for i in issues}


def test_valid_draft_is_normalised() -> None:
    result = validate_draft(make_draft(), TODAY)
    assert result.errors == [] and result.warnings == []
    assert result.ok
    n = result.normalised
    assert n is not None
    assert n.village_code == SIDOMULYO
    assert n.complainant.phone == "+6281234567890"
    assert n.complainant.name == "Siti Aminah"
    assert n.complainant.nik == NIK_BAMBANGLIPURO
    assert n.complainant.kk_number == KK
    assert n.description == "Belum punya KIS padahal anak sering sakit."
    assert (n.category, n.subcategory) == (Sector.HEALTH, "pbi_jk")


def test_dotted_village_and_spaced_codes_become_plain_digits() -> None:
    draft = make_draft(village_code="34.02.05.2001", nik=" 3402 0541 0190 0001 ",
                       kk_number=f" {KK} ", phone="+62 812 3456 7890")
    n = validate_draft(draft, TODAY).normalised
    assert n is not None
    assert (n.village_code, n.complainant.nik, n.complainant.kk_number) == (
        SIDOMULYO, NIK_BAMBANGLIPURO, KK)
    assert n.complainant.phone == "+6281234567890"


def test_person_without_nik_is_accepted() -> None:
    draft = make_draft(nik=None, has_no_nik=True, kk_number=None, phone=None)
    result = validate_draft(draft, TODAY)
    assert result.ok
    assert result.normalised is not None
    assert result.normalised.complainant.nik is None
    assert result.normalised.complainant.has_no_nik is True


def test_blank_optional_fields_count_as_absent() -> None:
    result = validate_draft(make_draft(nik="  ", kk_number="", phone=" ", subcategory=""), TODAY)
    assert result.ok, result.errors
    assert result.normalised is not None
    c = result.normalised.complainant
    assert (c.nik, c.kk_number, c.phone, result.normalised.subcategory) == (None, None, None, None)


def test_nik_from_another_district_warns_but_passes() -> None:
    result = validate_draft(make_draft(nik=NIK_JAKARTA), TODAY)
    assert result.errors == []
    assert rules(result.warnings) == {("complainant.nik", "nik.region_mismatch")}
    assert result.normalised is not None
    assert NIK_JAKARTA not in result.warnings[0].message  # no personal data in messages


def test_nik_together_with_has_no_nik_is_an_error() -> None:
    result = validate_draft(make_draft(has_no_nik=True), TODAY)
    assert rules(result.errors) == {("complainant.nik", "nik.conflict_has_no_nik")}
    assert result.normalised is None


@pytest.mark.parametrize(
    ("nik", "rule"),
    [("12345", "nik.format"), ("3402059901900001", "nik.birth_date"),
     ("3402054101900000", "nik.serial"), ("9902054101900001", "nik.province")],
)
def test_bad_nik_structure(nik: str, rule: str) -> None:
    result = validate_draft(make_draft(nik=nik), TODAY)
    assert ("complainant.nik", rule) in rules(result.errors)
    assert result.normalised is None


@pytest.mark.parametrize(
    ("code", "rule"),
    [("340205200", "village_code.format"), ("34020520011", "village_code.format"),
     ("34020520xx", "village_code.format"), ("3402059999", "village_code.unknown")],
)
def test_bad_village(code: str, rule: str) -> None:
    result = validate_draft(make_draft(village_code=code), TODAY)
    assert rules(result.errors) == {("village_code", rule)}


def test_district_code_is_not_a_village() -> None:
    assert not validate_draft(make_draft(village_code="340205"), TODAY).ok


def test_subcategory_must_belong_to_category() -> None:
    result = validate_draft(make_draft(subcategory="pkh"), TODAY)
    assert rules(result.errors) == {("subcategory", "subcategory.invalid")}
    message = result.errors[0].message
    assert all(code in message for code in ("pbi_jk", "layanan_faskes", "biaya_rs"))


def test_missing_subcategory_is_allowed() -> None:
    assert validate_draft(make_draft(subcategory=None), TODAY).ok


@pytest.mark.parametrize(
    ("kk", "rule"),
    [("340205", "kk.format"), ("9999990101200003", "kk.region"), ("3402050000000000", "kk.serial")],
)
def test_bad_kk(kk: str, rule: str) -> None:
    result = validate_draft(make_draft(kk_number=kk), TODAY)
    assert rules(result.errors) == {("complainant.kk_number", rule)}


@pytest.mark.parametrize("phone", ["123", "abc", "0812"])
def test_bad_phone(phone: str) -> None:
    result = validate_draft(make_draft(phone=phone), TODAY)
    assert rules(result.errors) == {("complainant.phone", "phone.invalid")}


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [("name", "   ", "name.required"), ("name", "x" * 201, "name.too_long"),
     ("description", "", "description.required"),
     ("description", "  terlalu  ", "description.too_short"),
     ("description", "x" * 5001, "description.too_long")],
)
def test_text_limits(field: str, value: str, rule: str) -> None:
    path = "complainant.name" if field == "name" else field
    result = validate_draft(make_draft(**{field: value}), TODAY)
    assert rules(result.errors) == {(path, rule)}


def test_text_limits_are_inclusive() -> None:
    draft = make_draft(name="x" * 200, description="  " + "y" * 10 + "  ")
    assert validate_draft(draft, TODAY).ok
    assert validate_draft(make_draft(description="z" * 5000), TODAY).ok


def test_all_errors_are_collected_at_once() -> None:
    draft = make_draft(
        village_code="123", subcategory="rtlh", nik="34020541019", kk_number="12",
        phone="999", name="", description="pendek",
    )
    result: Validation = validate_draft(draft, TODAY)
    assert rules(result.errors) == {
        ("village_code", "village_code.format"),
        ("subcategory", "subcategory.invalid"),
        ("complainant.nik", "nik.format"),
        ("complainant.kk_number", "kk.format"),
        ("complainant.phone", "phone.invalid"),
        ("complainant.name", "name.required"),
        ("description", "description.too_short"),
    }
    assert result.normalised is None
    assert all(issue.message for issue in result.errors)


def test_warnings_survive_alongside_errors() -> None:
    result = validate_draft(make_draft(nik=NIK_JAKARTA, phone="1"), TODAY)
    assert rules(result.errors) == {("complainant.phone", "phone.invalid")}
    assert rules(result.warnings) == {("complainant.nik", "nik.region_mismatch")}


def test_consent_must_be_recorded() -> None:
    result = validate_draft(make_draft(consent_given=False), TODAY)
    assert ("consent_given", "consent.required") in rules(result.errors)


def test_offline_capture_time_cannot_be_in_the_future_and_old_ones_warn() -> None:
    future = OfflineCapture(TODAY + dt.timedelta(hours=1), "tablet-07")
    assert ("captured_at", "captured_at.future") in rules(
        validate_draft(make_draft(offline=future), TODAY).errors)
    old = OfflineCapture(TODAY - dt.timedelta(days=45), "tablet-07")
    result = validate_draft(make_draft(offline=old), TODAY)
    assert result.ok and ("captured_at", "captured_at.stale") in rules(result.warnings)
    unnamed = OfflineCapture(TODAY - dt.timedelta(days=1), "  ")
    assert ("device_id", "device_id.required") in rules(
        validate_draft(make_draft(offline=unnamed), TODAY).errors)


def test_desk_resolution_needs_a_real_note() -> None:
    short = validate_draft(make_draft(desk_resolution="ok"), TODAY)
    assert ("desk_resolution", "desk_resolution.too_short") in rules(short.errors)
    done = validate_draft(make_draft(desk_resolution="  Dijelaskan jadwal pencairan PKH.  "),
                          TODAY)
    assert done.normalised is not None
    assert done.normalised.desk_resolution == "Dijelaskan jadwal pencairan PKH."
