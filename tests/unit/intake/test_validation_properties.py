"""Properties of intake's validators (Hypothesis): every well-formed NIK, KK, phone number,
village code and category pair is accepted and normalised, and every kind of corruption is
refused with its field and rule code.

Well-formed values are built from the real Kemendagri codes behind `slrt.reference`; the
expected outcome of a birth date comes from the calendar, not from the code under test.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from contracts.vocabulary import Sector
from services.intake.domain.categories import SUBCATEGORIES, allowed_codes
from services.intake.domain.complaint import validate_draft
from slrt.reference import check_kk, check_nik, children, normalize_phone

from .test_validation import SIDOMULYO, TODAY, make_draft, rules

PROPERTY = settings(max_examples=120, deadline=None)
NIK = "complainant.nik"
KK = "complainant.kk_number"
PHONE = "complainant.phone"
NO_NIK = {"nik": None, "has_no_nik": True}  # isolates the field under test from NIK warnings


@cache
def provinces() -> tuple[str, ...]:
    return tuple(p.code for p in children(None))


@cache
def districts() -> tuple[str, ...]:
    """Every district (kecamatan) code in the Kemendagri data: 6 digits."""
    return tuple(d.code for p in provinces() for r in children(p) for d in children(r.code))


@cache
def villages_of(district: str) -> tuple[str, ...]:
    return tuple(v.code for v in children(district))


DISTRICTS = st.sampled_from(districts())
VILLAGES = DISTRICTS.flatmap(lambda d: st.sampled_from(villages_of(d)))
SEX = st.sampled_from(["L", "P"])
# Born within the last hundred years: the two-digit year then names exactly one date.
BIRTHS = st.dates(min_value=TODAY.date().replace(year=TODAY.year - 100) + dt.timedelta(days=1),
                  max_value=TODAY.date())
SERIALS = st.integers(1, 9999).map(lambda n: f"{n:04d}")
# What an operator or a pasted spreadsheet cell puts between digit groups.
SEPARATORS = st.sampled_from(["", " ", ".", "-", "\u00a0", " - "])
# One character that is neither an ASCII digit nor a separator: letters, punctuation, symbols,
# and the digits of other scripts (Arabic-Indic, Devanagari, fullwidth), which are not ASCII.
NON_DIGITS = st.one_of(
    st.characters(exclude_categories=("Nd", "Zs", "Zl", "Zp", "Cc", "Cs"),
                  exclude_characters=".-\ufeff"),
    st.sampled_from("\u0663\u0969\uff13"),
)


def encode_nik(district: str, born: dt.date, sex: str, serial: str) -> str:
    day = born.day + (40 if sex == "P" else 0)
    return f"{district}{day:02d}{born.month:02d}{born.year % 100:02d}{serial}"


@st.composite
def written(draw: st.DrawFn, digits: str, groups: tuple[int, ...]) -> str:
    """`digits` as a person writes them: grouped, separated, maybe padded or behind a BOM."""
    assert sum(groups) == len(digits)
    parts, at = [], 0
    for size in groups:
        parts.append(digits[at:at + size])
        at += size
    text = draw(SEPARATORS).join(parts)
    return draw(st.sampled_from(["", " ", "\ufeff"])) + text + draw(st.sampled_from(["", " "]))


NIK_GROUPS = st.sampled_from([(16,), (6, 6, 4), (4, 4, 4, 4), (2, 2, 2, 6, 4)])


@st.composite
def valid_niks(draw: st.DrawFn) -> tuple[str, str, dt.date, str]:
    """(as written, the 16 digits, birth date, sex) of a NIK with a real district."""
    district, born, sex = draw(DISTRICTS), draw(BIRTHS), draw(SEX)
    digits = encode_nik(district, born, sex, draw(SERIALS))
    return draw(written(digits, draw(NIK_GROUPS))), digits, born, sex


def nik_rules(nik: str) -> set[tuple[str, str]]:
    result = validate_draft(make_draft(nik=nik), TODAY)
    assert (result.normalised is None) == bool(result.errors)
    return rules(result.errors)


# --- NIK ---------------------------------------------------------------------------------


@PROPERTY
@given(valid_niks())
@example((" 3402 0541 0190 0001", "3402054101900001", dt.date(1990, 1, 1), "P"))
@example(("\ufeff340205.711200.0001", "3402057112000001", dt.date(2000, 12, 31), "P"))
# Born in 1926 after today's day and month: 99 years old, not born in the future.
@example(("3402051512260001", "3402051512260001", dt.date(1926, 12, 15), "L"))
def test_every_well_formed_nik_is_accepted_and_decoded(
        nik: tuple[str, str, dt.date, str]) -> None:
    text, digits, born, sex = nik
    check = check_nik(text, TODAY.date())
    assert (check.valid, check.errors, check.warnings) == (True, [], [])
    assert (check.digits, check.district_code, check.birth_date, check.sex) == (
        digits, digits[:6], born, sex)

    result = validate_draft(make_draft(nik=text), TODAY)
    assert result.errors == []
    assert result.normalised is not None and result.normalised.complainant.nik == digits
    moved = digits[:6] != SIDOMULYO[:6]  # a NIK from another district only warns
    assert rules(result.warnings) == ({(NIK, "nik.region_mismatch")} if moved else set())


@PROPERTY
@given(valid_niks(), st.sampled_from([f"{n:02d}" for n in range(100)
                                      if f"{n:02d}" not in provinces()]))
def test_unknown_province_digits_are_refused(nik: tuple[str, str, dt.date, str],
                                             province: str) -> None:
    assert nik_rules(province + nik[1][2:]) == {(NIK, "nik.province")}


@PROPERTY
@given(valid_niks(), st.sampled_from([slice(2, 4), slice(4, 6), slice(2, 6)]))
def test_zero_regency_or_district_digits_are_refused(nik: tuple[str, str, dt.date, str],
                                                     part: slice) -> None:
    digits = list(nik[1])
    digits[part] = "0" * (part.stop - part.start)
    assert nik_rules("".join(digits)) == {(NIK, "nik.wilayah")}


@PROPERTY
@given(DISTRICTS, st.integers(1, 99), BIRTHS, SEX, SERIALS)
def test_a_district_missing_from_todays_list_only_warns(
        district: str, number: int, born: dt.date, sex: str, serial: str) -> None:
    # A NIK keeps the code it was issued with; districts are split and renumbered (pemekaran).
    old = f"{district[:4]}{number:02d}"
    assume(old not in districts())
    result = validate_draft(make_draft(nik=encode_nik(old, born, sex, serial)), TODAY)
    assert result.errors == []
    assert {(NIK, "nik.wilayah_unknown"), (NIK, "nik.region_mismatch")} == rules(result.warnings)


def real_birth_date(dd: int, mm: int, yy: int) -> dt.date | None:
    """The calendar's answer for DDMMYY with +40 on the day for women. 2000 + YY has the same
    leap years as whatever century the NIK means (1900 itself can no longer be meant)."""
    day = dd - 40 if dd > 40 else dd
    try:
        return dt.date(2000 + yy, mm, day) if day >= 1 else None
    except ValueError:
        return None


@settings(max_examples=400, deadline=None)
@given(DISTRICTS, st.integers(0, 99), st.one_of(st.integers(1, 12), st.integers(0, 99)),
       st.integers(0, 99), SERIALS)
@example("340205", 41, 1, 90, "0001")  # a woman born on the 1st
@example("340205", 71, 1, 90, "0001")  # a woman born on the 31st
@example("340205", 71, 4, 90, "0001")  # 31 April
@example("340205", 72, 1, 90, "0001")  # day 32 for a woman
@example("340205", 40, 1, 90, "0001")  # day 40 for a man
@example("340205", 32, 1, 90, "0001")
@example("340205", 0, 1, 90, "0001")
@example("340205", 69, 2, 24, "0001")  # 29 February in a leap year, for a woman
@example("340205", 69, 2, 25, "0001")  # ... and in a common year
@example("340205", 29, 2, 0, "0001")  # 2000 was a leap year
@example("340205", 10, 0, 90, "0001")
@example("340205", 10, 13, 90, "0001")
def test_birth_date_digits_are_accepted_exactly_when_the_date_exists(
        district: str, dd: int, mm: int, yy: int, serial: str) -> None:
    nik = f"{district}{dd:02d}{mm:02d}{yy:02d}{serial}"
    expected = real_birth_date(dd, mm, yy)
    check = check_nik(nik, TODAY.date())
    if expected is None:
        assert [f.rule for f in check.errors] == ["nik.birth_date"]
        assert nik_rules(nik) == {(NIK, "nik.birth_date")}
    else:
        assert check.valid, check.errors
        assert check.birth_date is not None
        assert (check.birth_date.month, check.birth_date.day) == (expected.month, expected.day)
        assert check.sex == ("P" if dd > 40 else "L")


@PROPERTY
@given(valid_niks())
def test_serial_0000_is_refused(nik: tuple[str, str, dt.date, str]) -> None:
    assert nik_rules(nik[1][:12] + "0000") == {(NIK, "nik.serial")}


@PROPERTY
@given(st.text("0123456789", min_size=1, max_size=32).filter(lambda s: len(s) != 16))
def test_a_nik_of_another_length_is_refused(digits: str) -> None:
    assert nik_rules(digits) == {(NIK, "nik.format")}


@PROPERTY
@given(valid_niks(), st.integers(0, 15), NON_DIGITS, st.booleans())
def test_a_nik_with_a_non_digit_is_refused(nik: tuple[str, str, dt.date, str], at: int,
                                           char: str, replace: bool) -> None:
    digits = nik[1]
    corrupted = digits[:at] + char + digits[at + 1 if replace else at:]
    assert nik_rules(corrupted) == {(NIK, "nik.format")}


# --- KK ----------------------------------------------------------------------------------

KK_SERIALS = st.text("0123456789", min_size=10, max_size=10).filter(lambda s: s != "0" * 10)
KK_GROUPS = st.sampled_from([(16,), (4, 4, 4, 4), (6, 6, 4)])


@st.composite
def valid_kks(draw: st.DrawFn) -> tuple[str, str]:
    """(as written, the 16 digits) of a KK number with a real district."""
    kk = draw(DISTRICTS) + draw(KK_SERIALS)
    return draw(written(kk, draw(KK_GROUPS))), kk


@PROPERTY
@given(valid_kks())
@example(("3402 0501 0120 0003", "3402050101200003"))
@example(("﻿3402050101200003", "3402050101200003"))
def test_every_well_formed_kk_is_accepted_as_plain_digits(pair: tuple[str, str]) -> None:
    text, kk = pair
    assert check_kk(kk) == []
    result = validate_draft(make_draft(kk_number=text, **NO_NIK), TODAY)
    assert result.errors == []
    assert result.normalised is not None and result.normalised.complainant.kk_number == kk


@PROPERTY
@given(st.text("0123456789", min_size=6, max_size=6).filter(lambda d: d not in districts()),
       KK_SERIALS)
def test_a_kk_whose_district_is_unknown_is_refused(district: str, serial: str) -> None:
    result = validate_draft(make_draft(kk_number=district + serial, **NO_NIK), TODAY)
    assert rules(result.errors) == {(KK, "kk.region")}


@PROPERTY
@given(DISTRICTS)
def test_a_kk_with_serial_zero_is_refused(district: str) -> None:
    result = validate_draft(make_draft(kk_number=district + "0" * 10, **NO_NIK), TODAY)
    assert rules(result.errors) == {(KK, "kk.serial")}


@PROPERTY
@given(st.one_of(
    st.text("0123456789", min_size=1, max_size=32).filter(lambda s: len(s) != 16),
    st.tuples(DISTRICTS, KK_SERIALS, st.integers(0, 15), NON_DIGITS).map(
        lambda t: (t[0] + t[1])[:t[2]] + t[3] + (t[0] + t[1])[t[2] + 1:]),
))
@example("340205\uff10\uff11\uff10\uff11\uff12\uff10\uff10\uff10\uff10\uff13")  # fullwidth
def test_a_kk_of_another_length_or_with_a_non_digit_is_refused(kk: str) -> None:
    assert [f.rule for f in check_kk(kk)] == ["kk.format"]
    result = validate_draft(make_draft(kk_number=kk, **NO_NIK), TODAY)
    assert rules(result.errors) == {(KK, "kk.format")}


# --- phone -------------------------------------------------------------------------------

#: The national number after the leading 0: mobile 8xx with 9..12 digits, landline 7..11.
MOBILE = st.integers(9, 12).flatmap(
    lambda n: st.text("0123456789", min_size=n - 1, max_size=n - 1).map(lambda s: "8" + s))
LANDLINE = st.integers(7, 11).flatmap(lambda n: st.tuples(
    st.sampled_from("2345679"), st.text("0123456789", min_size=n - 1, max_size=n - 1),
).map("".join))


@st.composite
def phone_as_written(draw: st.DrawFn, national: str) -> str:
    # "62" without "+" is recognised only when long enough not to be a local number.
    prefixes = ["0", "+62", "+62 ", "+62 (0)"] + (["62"] if len(national) >= 8 else [])
    sep = draw(st.sampled_from(["", " ", "-", "."]))
    head, tail = national[:3], national[3:]
    middle = sep.join([tail[:4], tail[4:]]) if len(tail) > 4 else tail
    return draw(st.sampled_from(prefixes)) + head + sep + middle


@PROPERTY
@given(st.one_of(MOBILE, LANDLINE).flatmap(lambda n: st.tuples(st.just(n), phone_as_written(n))))
@example(("81234567890", "0812-3456-7890"))
@example(("2155512345", "(021) 5551-2345"))
def test_every_well_formed_phone_is_normalised_to_e164(pair: tuple[str, str]) -> None:
    national, text = pair
    assert normalize_phone(text) == "+62" + national
    result = validate_draft(make_draft(phone=text, **NO_NIK), TODAY)
    assert result.errors == []
    assert result.normalised is not None and result.normalised.complainant.phone == "+62" + national


@PROPERTY
@given(st.one_of(
    # a mobile number one digit too short or too long
    st.sampled_from([8, 13, 14]).flatmap(
        lambda n: st.text("0123456789", min_size=n - 1, max_size=n - 1).map(lambda s: "08" + s)),
    # a landline number of impossible length
    st.sampled_from([5, 6, 12]).flatmap(
        lambda n: st.text("0123456789", min_size=n - 1, max_size=n - 1).map(lambda s: "02" + s)),
    # no Indonesian number starts with 1 after the prefix, nor with anything but 0, 62 or 8
    st.text("0123456789", min_size=8, max_size=12).map(lambda s: "01" + s),
    st.sampled_from("134579").flatmap(
        lambda d: st.text("0123456789", min_size=8, max_size=12).map(lambda s: d + s)),
    # a letter or another script's digit among the digits
    st.tuples(MOBILE, st.integers(1, 8), NON_DIGITS.filter(lambda c: c not in "()+")).map(
        lambda t: "0" + t[0][:t[1]] + t[2] + t[0][t[1] + 1:]),
))
def test_a_malformed_phone_is_refused(text: str) -> None:
    assert normalize_phone(text) is None
    result = validate_draft(make_draft(phone=text, **NO_NIK), TODAY)
    assert rules(result.errors) == {(PHONE, "phone.invalid")}


# --- village code ------------------------------------------------------------------------


def dotted(code: str) -> str:
    return f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:]}"


@PROPERTY
@given(VILLAGES, st.booleans())
def test_every_real_village_is_accepted_as_plain_digits(code: str, with_dots: bool) -> None:
    result = validate_draft(make_draft(village_code=dotted(code) if with_dots else code,
                                       **NO_NIK), TODAY)
    assert result.errors == []
    assert result.normalised is not None and result.normalised.village_code == code


@PROPERTY
@given(st.one_of(
    DISTRICTS.flatmap(lambda d: st.integers(0, 9999).map(lambda n: f"{d}{n:04d}")),
    st.text("0123456789", min_size=10, max_size=10),
))
def test_a_ten_digit_code_that_names_no_village_is_unknown(code: str) -> None:
    expected = set() if code in villages_of(code[:6]) else {("village_code",
                                                             "village_code.unknown")}
    assert rules(validate_draft(make_draft(village_code=code, **NO_NIK), TODAY).errors) == expected


@PROPERTY
@given(st.one_of(
    st.text("0123456789", min_size=1, max_size=20).filter(lambda s: len(s) != 10),
    DISTRICTS,  # a district (or its regency) is not a village
    DISTRICTS.map(lambda d: d[:4]),
    st.tuples(VILLAGES, st.integers(0, 9), NON_DIGITS).map(
        lambda t: t[0][:t[1]] + t[2] + t[0][t[1] + 1:]),
))
@example("\uff13\uff14\uff10\uff12\uff10\uff15\uff12\uff10\uff10\uff11")  # fullwidth 3402052001
def test_a_code_that_is_not_ten_digits_is_refused(code: str) -> None:
    result = validate_draft(make_draft(village_code=code, **NO_NIK), TODAY)
    assert rules(result.errors) == {("village_code", "village_code.format")}


# --- category and subcategory ------------------------------------------------------------

ALL_CODES = sorted({code for codes in SUBCATEGORIES.values() for code in codes})


@pytest.mark.parametrize("sector", list(Sector))
def test_a_subcategory_is_accepted_exactly_under_its_own_sector(sector: Sector) -> None:
    assert allowed_codes(sector), f"{sector} has no subcategories"
    for code in ALL_CODES:
        result = validate_draft(make_draft(category=sector, subcategory=code), TODAY)
        if code in SUBCATEGORIES[sector]:
            assert result.errors == [] and result.normalised is not None
            assert (result.normalised.category, result.normalised.subcategory) == (sector, code)
        else:
            assert rules(result.errors) == {("subcategory", "subcategory.invalid")}
            assert all(c in result.errors[0].message for c in allowed_codes(sector))


@PROPERTY
@given(st.sampled_from(list(Sector)), st.text(max_size=40))
def test_any_other_subcategory_text_is_refused_and_padding_is_ignored(sector: Sector,
                                                                      text: str) -> None:
    result = validate_draft(make_draft(category=sector, subcategory=text), TODAY)
    code = text.strip()
    if not code or code in SUBCATEGORIES[sector]:
        assert result.errors == [] and result.normalised is not None
        assert result.normalised.subcategory == (code or None)
    else:
        assert rules(result.errors) == {("subcategory", "subcategory.invalid")}


@PROPERTY
@given(st.sampled_from(list(Sector)).flatmap(
    lambda s: st.tuples(st.just(s), st.sampled_from(allowed_codes(s)))))
def test_a_valid_code_padded_or_in_capitals(pair: tuple[Sector, str]) -> None:
    sector, code = pair
    padded = validate_draft(make_draft(category=sector, subcategory=f"  {code}\t"), TODAY)
    assert padded.normalised is not None and padded.normalised.subcategory == code
    shouting = validate_draft(make_draft(category=sector, subcategory=code.upper()), TODAY)
    assert rules(shouting.errors) == {("subcategory", "subcategory.invalid")}  # codes are exact
