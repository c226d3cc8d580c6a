"""Masking of identifying numbers (NIK, phone) for documents handed to residents.

Pure: digits in, masked digits out. `lokal.samaran.partial_mask` was considered, but its
policies are fixed (NIK keeps 4 + 4 digits, phone keeps 4 + 4) and the receipt needs
6 + 2 for the NIK (the district code stays readable) and only the last 3 for a phone.
"""

from __future__ import annotations

import re

MASK_CHAR = "*"
_NON_DIGIT = re.compile(r"\D")


def mask_digits(value: str, keep_start: int, keep_end: int) -> str:
    """The digits of `value` with all but the first `keep_start` and last `keep_end` masked.

    Separators are dropped so their positions cannot hint at the hidden part. A value too
    short to hide anything between the kept ends is masked entirely: revealing it all would
    defeat the purpose.
    """
    if keep_start < 0 or keep_end < 0:
        raise ValueError("keep_start and keep_end must not be negative")
    digits = _NON_DIGIT.sub("", value)
    hidden = len(digits) - keep_start - keep_end
    if hidden <= 0:
        return MASK_CHAR * len(digits)
    tail = digits[len(digits) - keep_end:]  # not digits[-keep_end:]: that is all when 0
    return digits[:keep_start] + MASK_CHAR * hidden + tail


def mask_nik(nik: str) -> str:
    """A NIK (or KK number) for print: '3402051508809001' -> '340205********01'."""
    return mask_digits(nik, 6, 2)


def mask_phone(phone: str) -> str:
    """A phone number for print, keeping the last 3 digits: '0812-3456-7890' -> '*********890'."""
    return mask_digits(phone, 0, 3)
