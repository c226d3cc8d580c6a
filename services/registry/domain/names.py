"""Indonesian personal names: normalisation, spelling variants, blocking keys and similarity.

Three levels, each built on the one before:
- `normalize_name`: folded text without titles ("Bapak H. Soekarno, S.H." -> "soekarno");
- `canonical_tokens`: old-spelling and common variants folded ("soekarno" -> ("sukarno",));
- `name_key` / `name_keys`: a consonant skeleton for blocking candidate pairs cheaply.
`similarity` compares two names 0..1, tolerant of one typo, swapped tokens, a missing token
and a split or joined token ("Nurhayati" / "Nur Hayati").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

from rapidfuzz.distance import JaroWinkler, Levenshtein

#: Forms of address and titles dropped from the front of a name (repeatedly).
HONORIFICS: Final[frozenset[str]] = frozenset({
    "bapak", "pak", "bpk", "ibu", "bu", "sdr", "sdri", "saudara", "saudari", "ny", "nyonya",
    "tn", "tuan", "nn", "nona", "h", "hj", "haji", "hajjah", "hajah", "kh", "ust", "ustad",
    "ustadz", "ustaz", "ustadzah", "ustazah", "kyai", "kiai", "dr", "drs", "dra", "drg", "ir",
    "prof",
})
#: "the late": unambiguous, dropped wherever they stand ("Sutrisno (alm.)").
LATE: Final[frozenset[str]] = frozenset({"almarhum", "almarhumah", "alm", "almh"})
#: Academic degrees that no Indonesian name token spells: dropped anywhere, dotted or not.
DEGREES: Final[frozenset[str]] = frozenset({
    "spd", "spdi", "spdsd", "skom", "ssos", "sag", "sip", "skep", "sfarm", "spsi", "ssi", "shi",
    "sthi", "sked", "skm", "stp", "sst", "ssn", "sgz", "sikom", "ssy", "sh", "se", "mh", "mm",
    "mt", "mpd", "mpdi", "msi", "mkes", "msc", "mba", "phd", "mag", "mhum", "mkom", "amd",
    "amdkep", "amdkeb", "amdfarm", "amdkes", "lc", "drs", "dra", "drg",
})
#: Short degrees that could be an initial or a name ("St." is Siti, "Ma" a name): dropped only
#: when written with a dot between letters ("S.T.", "M.A.") or after the comma that
#: separates degrees from the name ("Budi, ST").
DOTTED_DEGREES: Final[frozenset[str]] = frozenset({
    "st", "ss", "sp", "si", "ma", "md", "ag", "ir", "dr", "pd", "ak", "ba", "bsc",
})
#: Abbreviations and spellings of Muhammad (after folding, before respelling).
MUHAMMAD: Final[frozenset[str]] = frozenset({
    "muhammad", "muhamad", "mohammad", "mohamad", "mochammad", "mochamad", "mokhammad",
    "mokhamad", "muchammad", "muchamad", "mukhammad", "mukhamad", "mohammed", "mohamed",
    "muhammed", "muhamed", "mohd", "muhd", "moh", "moch", "mochd", "muh", "mhd", "mhmd",
    "muhamat", "muhammat",
})
#: Other whole-token families: abbreviation or variant -> canonical spelling (pre-respelling).
FAMILIES: Final[dict[str, str]] = {
    "abd": "abdul",  # Abdoel and Noer need no entry: "oe" is respelled "u"
    "achmad": "ahmad", "akhmad": "ahmad", "ahmat": "ahmad", "achmat": "ahmad",
}

_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc]")
_NON_LETTER = re.compile(r"[^a-z0-9]+")
_INNER_DOT = re.compile(r"[a-z]\.[a-z]")
_DOUBLE = re.compile(r"(.)\1+")
_FINAL_Y = re.compile(r"(?<=[^aeiouy])y$")  # Andy -> andi, Sry -> sri; "Nanay" keeps its y
_OLD_SPELLING = re.compile(r"oe|dj|tj|sj|^nj")  # no modern word starts with "nj"


def _fold(text: str) -> str:
    """Casefold and strip accents and apostrophes (Ma'ruf = Maruf, Ségar = Segar)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _APOSTROPHES.sub("", plain)


def _is_degree(raw: str, after_comma: bool, first: bool) -> bool:
    key = _NON_LETTER.sub("", raw)
    if key in DEGREES:
        return True
    if key not in DOTTED_DEGREES:
        return False
    # "St." first is Siti; "S.T." anywhere, or "ST" after the name's comma, is a degree.
    return bool(_INNER_DOT.search(raw)) or after_comma or (not first and raw.endswith("."))


def name_tokens(name: str) -> list[str]:
    """Folded name tokens without degrees, 'the late' or leading titles."""
    tokens: list[str] = []
    for part_no, part in enumerate(_fold(name).split(",")):
        for raw in part.split():
            raw = raw.strip("()[]\"")
            if _is_degree(raw, after_comma=part_no > 0, first=not tokens):
                continue
            tokens.extend(t for t in _NON_LETTER.sub(" ", raw).split() if t not in LATE)
    # Titles only at the front: a trailing "H" is an initial, not Haji.
    start = 0
    while start < len(tokens) and tokens[start] in HONORIFICS:
        start += 1
    return tokens[start:]


def normalize_name(name: str) -> str:
    """Casefolded name without punctuation, extra spaces, titles, degrees or 'alm.'."""
    return " ".join(name_tokens(name))


def respell(token: str) -> str:
    """One folded token in today's spelling (EYD) with common variants merged."""
    token = FAMILIES.get(token, token)
    if token in MUHAMMAD:
        return "muhamad"  # the collapsed form of "muhammad" (double letters fold below)
    old = _OLD_SPELLING.search(token) is not None
    token = token.replace("oe", "u").replace("dj", "\0").replace("tj", "c")
    if old:
        # Before 1972 "j" spelled today's "y" (Soerjo, Tjahjo); only trust that reading when
        # the token shows another old-spelling mark, or modern "Joko" would become "Yoko".
        token = token.replace("j", "y")
    token = token.replace("\0", "j")
    token = token.replace("ch", "kh").replace("dh", "d").replace("th", "t").replace("ph", "f")
    token = token.replace("q", "k").replace("ae", "ai")  # Qomar = Komar, Zaenal = Zainal
    token = _DOUBLE.sub(r"\1", token)
    return _FINAL_Y.sub("i", token)


@lru_cache(maxsize=1 << 16)
def canonical_tokens(name: str) -> tuple[str, ...]:
    """The name's tokens in canonical spelling; cached because registries repeat names."""
    tokens = name_tokens(name)
    out: list[str] = []
    for i, token in enumerate(tokens):
        if i == 0 and len(tokens) > 1 and token in ("m", "st"):
            # Leading "M." is Muhammad and "St." is Siti by near-universal convention.
            out.append("muhamad" if token == "m" else "siti")
        else:
            out.append(respell(token))
    return tuple(t for t in out if t)


def canonical_name(name: str) -> str:
    """Canonical spelling as one string: equal for "Moch. Soekarno" and "Muhammad Sukarno"."""
    return " ".join(canonical_tokens(name))


_PHONETIC = str.maketrans({"v": "f", "p": "f", "z": "j", "x": "s", "q": "k"})
_SILENT = re.compile(r"[aeiouyh]")


@lru_cache(maxsize=1 << 16)
def phonetic(token: str) -> str:
    """Consonant skeleton of a canonical token: first letter, then consonants without h/y.

    Vowel typos and the f/p (Sundanese), v/f and z/j confusions all land on one code.
    """
    if not token:
        return ""
    token = token.replace("kh", "h").replace("sy", "s").replace("ny", "n").translate(_PHONETIC)
    head = "a" if token[0] in "aeiou" else token[0]
    return _DOUBLE.sub(r"\1", head + _SILENT.sub("", token[1:]))


def name_key(name: str) -> str:
    """One blocking key: sorted skeletons of the tokens ("Wibowo Budi" = "Budi Wibowo")."""
    return " ".join(sorted(phonetic(t) for t in canonical_tokens(name)))


@lru_cache(maxsize=1 << 16)
def name_keys(name: str) -> frozenset[str]:
    """Several blocking keys: one per token plus the joined name ("Nur Hayati" = "Nurhayati").

    Two names that share any key are compared; one that lost a token or has a typo in one
    token still shares the skeleton of another.
    """
    tokens = canonical_tokens(name)
    keys = {phonetic(t) for t in tokens if len(t) > 1}
    if tokens:
        keys.add(phonetic("".join(tokens)))
    return frozenset(keys)


TOKEN_FLOOR: Final[float] = 0.8  # token pairs scoring lower are different words, not typos
INITIAL_SCORE: Final[float] = 0.9  # "S" against "Santoso"
MISSING_WEIGHT: Final[float] = 0.3  # a token only one name has costs less than a wrong one


def _token_score(a: str, b: str) -> float:
    """Similarity of two tokens when at least `TOKEN_FLOOR`, else 0.0 (different words)."""
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return INITIAL_SCORE if a[0] == b[0] else 0.0
    # Jaro-Winkler forgives transpositions and rewards a shared start; Levenshtein keeps a
    # typo in the first letter of a repetitive name ("Bababi"/"Dababi") from looking large.
    # The cut-offs let the C++ side stop early on the many pairs that are different words.
    return (_jaro_winkler(a, b, score_cutoff=TOKEN_FLOOR)
            or _levenshtein(a, b, score_cutoff=TOKEN_FLOOR))


_jaro_winkler = JaroWinkler.normalized_similarity
_levenshtein = Levenshtein.normalized_similarity


def token_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Similarity 0..1 of two canonical token tuples (see `similarity`)."""
    if a == b:
        return 1.0 if a else 0.0
    if not a or not b:
        return 0.0
    # The joined strings catch tokens split or joined differently ("Nurhayati").
    joined = _levenshtein("".join(a), "".join(b))
    if len(a) == 1 and len(b) == 1:  # the common case, without the alignment bookkeeping
        return max(_token_score(a[0], b[0]), joined)
    # Greedy one-to-one alignment of tokens, best pairs first; names have 1-5 tokens. Ties
    # break on the tokens themselves, not their positions, so that a~b scores as b~a.
    pairs = [(-s, min(x, y), max(x, y), i, j) for i, x in enumerate(a)
             for j, y in enumerate(b) if (s := _token_score(x, y))]
    pairs.sort()
    free_a, free_b = [True] * len(a), [True] * len(b)
    score = weight = 0.0
    for neg, _, _, i, j in pairs:
        if free_a[i] and free_b[j]:
            free_a[i] = free_b[j] = False
            w = len(a[i]) + len(b[j])
            score -= neg * w
            weight += w
    left_a = sum(len(t) for t, free in zip(a, free_a, strict=True) if free)
    left_b = sum(len(t) for t, free in zip(b, free_b, strict=True) if free)
    if left_a and left_b:
        weight += left_a + left_b  # both names have a token the other lacks: a conflict
    else:
        weight += MISSING_WEIGHT * (left_a + left_b)  # one name is the other minus a token
    return max(score / weight, joined)


def similarity(a: str, b: str) -> float:
    """Similarity 0..1 of two names as written; 1.0 when their canonical forms are equal.

    Tokens are aligned one to one by the better of Jaro-Winkler and Levenshtein similarity
    (tolerant of one typo or transposition);
    the score is the length-weighted mean of aligned pairs, where a token present in only one
    name weighs `MISSING_WEIGHT` and a token with no counterpart on either side weighs fully
    at zero. The joined strings' Levenshtein similarity is taken when higher.
    """
    return token_similarity(canonical_tokens(a), canonical_tokens(b))
