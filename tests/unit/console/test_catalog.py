"""Every text a template or page asks for exists in Bahasa Indonesia and English."""

from __future__ import annotations

import re
from pathlib import Path

from services.console.domain.i18n import catalog, translator
from services.console.domain.navigation import SCREENS

CONSOLE = Path(__file__).resolve().parents[3] / "services" / "console"
# t("key") / t('key') with a literal key; dynamic keys (t("role." ~ x)) are checked below.
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")


def _used_keys() -> set[str]:
    found: set[str] = set()
    for path in [*CONSOLE.rglob("*.html"), *CONSOLE.rglob("*.py")]:
        found |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_literal_key_is_in_the_catalog_in_both_languages() -> None:
    words = catalog()
    missing = sorted(k for k in _used_keys() if k not in words)
    assert not missing, f"keys used but not in domain/messages/*.json: {missing}"
    untranslated = sorted(k for k, texts in words.items()
                          if not texts.get("id") or not texts.get("en"))
    assert not untranslated, f"keys without both id and en texts: {untranslated}"


def test_role_and_menu_labels_exist() -> None:
    from slrt.auth import Role

    words = catalog()
    assert all(f"role.{r.value}" in words for r in Role)
    assert all(s.label_key in words for s in SCREENS)


def test_translation_falls_back_and_fills_fields() -> None:
    en, indonesian = translator("en"), translator("id")
    assert en("app.sign_out") == "Sign out" and indonesian("app.sign_out") == "Keluar"
    assert indonesian("no.such.key") == "no.such.key"
    assert translator("fr")("app.sign_out") == "Keluar"  # unknown language: Indonesian
