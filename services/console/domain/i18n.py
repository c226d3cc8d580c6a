"""The console's words in Bahasa Indonesia (default) and English.

Each screen keeps its own catalog, `messages/<screen>.json`, mapping a key to its text in both
languages: `{"nav.inbox": {"id": "Kotak masuk", "en": "Inbox"}}`. Texts may hold `{name}`
fields. A missing English text falls back to Indonesian; a missing key shows the key itself
(and the catalog test fails on it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
CATALOG_DIR = Path(__file__).parent / "messages"

Translate = Callable[..., str]


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOG_DIR.glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice ({path.name})")
            merged[key] = texts
    return merged


def language(requested: str | None) -> str:
    return requested if requested in LANGUAGES else DEFAULT_LANGUAGE


def translator(lang: str) -> Translate:
    """`t(key, **fields)` in `lang`."""
    words = catalog()

    def t(key: str, **fields: Any) -> str:
        texts = words.get(key)
        if texts is None:
            return key
        text = texts.get(lang) or texts.get(DEFAULT_LANGUAGE) or key
        return text.format(**fields) if fields else text

    return t
