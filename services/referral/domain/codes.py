"""Need codes and their subcategories, shared by routing and the SLA policy.

A need code is `<sector>.<subcategory>` where the subcategory may itself be dotted
(`health.pbi_jk.reactivation`); rules match the longest subcategory prefix first.
"""

from __future__ import annotations


def subcategory_of(need_code: str) -> str | None:
    """The subcategory part of a need code: `health.pbi_jk` -> `pbi_jk` (None for `health`)."""
    _, _, rest = need_code.partition(".")
    return rest or None


def subcategory_prefixes(subcategory: str | None) -> list[str]:
    """`a.b.c` -> [`a.b.c`, `a.b`, `a`]: the most specific first ([] for None)."""
    if not subcategory:
        return []
    parts = subcategory.split(".")
    return [".".join(parts[:end]) for end in range(len(parts), 0, -1)]
