"""Indonesian name normalisation, spelling variants, blocking keys and similarity."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.registry.domain.names import (
    canonical_name,
    canonical_tokens,
    name_key,
    name_keys,
    normalize_name,
    phonetic,
    similarity,
    token_similarity,
)

THRESHOLD = 0.85  # the matching threshold the similarity has to clear for typos


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Bapak H. Sutrisno", "sutrisno"),
        ("Bpk. Sutrisno", "sutrisno"),
        ("Sdri. Wulan", "wulan"),
        ("Hajjah Siti Aminah", "siti aminah"),
        ("Haji Ahmad", "ahmad"),
        ("Dr. Ir. H. Budi Santoso", "budi santoso"),
        ("Prof. Dr. Bambang", "bambang"),
        ("Budi Santoso, S.Pd.", "budi santoso"),
        ("Budi Santoso, S.Pd., M.Pd.", "budi santoso"),
        ("Budi Santoso S.Pd", "budi santoso"),
        ("Rini Lestari, S.E.", "rini lestari"),
        ("Rini Lestari SE", "rini lestari"),
        ("Eko Prasetyo, Amd", "eko prasetyo"),
        ("Eko Prasetyo, A.Md.Kep.", "eko prasetyo"),
        ("Drs. Hadi Wijaya, M.M.", "hadi wijaya"),
        ("Teguh, S.T.", "teguh"),
        ("Teguh, ST", "teguh"),
        ("St. Aminah", "st aminah"),  # "St." first is Siti, not a degree
        ("Budi H", "budi h"),  # a trailing H is an initial, not Haji
        ("Joko (alm.)", "joko"),
        ("Almarhumah Ibu Partini", "partini"),
        ("  SRI   wahyuni ", "sri wahyuni"),
        ("Ma'ruf Amin", "maruf amin"),
        ("Dwi Ségar", "dwi segar"),
        ("Ibu", ""),
        ("", ""),
    ],
)
def test_normalize_drops_titles_and_degrees(raw: str, normal: str) -> None:
    assert normalize_name(raw) == normal


@pytest.mark.parametrize(
    ("variants", "canonical"),
    [
        (["Soekarno", "Sukarno", "SOEKARNO"], "sukarno"),
        (["Djoko Soesilo", "Joko Susilo"], "joko susilo"),  # dj -> j; modern j stays j
        (["Tjahjo Kumolo", "Cahyo Kumolo"], "cahyo kumolo"),  # tj -> c, old j -> y
        (["Soerjo", "Suryo"], "suryo"),
        (["Djojohadikoesoemo", "Joyohadikusumo"], "joyohadikusumo"),
        (["Sjarifuddin", "Syarifudin"], "syarifudin"),
        (["Njoman", "Nyoman"], "nyoman"),
        (["Muhammad Ali", "Mohammad Ali", "Mochamad Ali", "Moh. Ali", "M. Ali", "Muh Ali",
          "Mochammad Ali", "Mukhamad Ali"], "muhamad ali"),
        (["Siti Aminah", "St. Aminah"], "siti aminah"),
        (["Nur Hasanah", "Noer Hasanah", "Nur Hassanah"], "nur hasanah"),
        (["Ahmad Chairul", "Achmad Khairul", "Akhmad Chairul"], "ahmad khairul"),
        (["Abd. Rahman", "Abdul Rahman", "Abdoel Rahman"], "abdul rahman"),
        (["Ramadhan", "Ramadan"], "ramadan"),
        (["Andy", "Andi"], "andi"),
        (["Zaenal", "Zainal"], "zainal"),
        (["Qomariyah", "Komariyah"], "komariyah"),
        (["Hasanuddin", "Hasanudin"], "hasanudin"),
    ],
)
def test_spelling_variants_share_a_canonical_form(variants: list[str], canonical: str) -> None:
    assert {canonical_name(v) for v in variants} == {canonical}
    for a, b in itertools.combinations(variants, 2):
        assert similarity(a, b) == 1.0


def test_modern_j_is_not_read_as_old_y() -> None:
    assert canonical_name("Joko Soesilo") == "joko susilo"  # oe in one token marks only that one
    assert canonical_name("Anjani") == "anjani"  # nj inside a modern word stays


def test_a_single_m_alone_is_a_name_not_muhammad() -> None:
    assert canonical_tokens("M") == ("m",)
    assert canonical_tokens("Budi M") == ("budi", "m")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Sutrisno", "Sutrisna"),  # one substitution
        ("Sutrisno", "Sutirsno"),  # one transposition
        ("Sutrisno", "Sutrisnno"),  # one insertion
        ("Wartini", "Wartni"),  # one deletion
        ("Budi Santoso", "Santoso Budi"),  # swapped order
        ("Siti Nur Rahayu", "Siti Rahayu"),  # missing middle token
        ("Siti Nur Rahayu", "Rahayu Siti"),  # missing and swapped
        ("Nurhayati", "Nur Hayati"),  # joined / split
        ("Budi S.", "Budi Santoso"),  # initial
        ("Eko Prasetyo", "Eko Prastyo"),
        ("Dimas Prasetyo Nugroho", "Dimas Nugroho"),
    ],
)
def test_similar_names_clear_the_threshold(a: str, b: str) -> None:
    assert similarity(a, b) >= THRESHOLD
    assert similarity(a, b) == similarity(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Sutrisno Wibowo", "Sutrisno Santoso"),  # same first name, other family
        ("Dewi Lestari", "Dewi Susanti"),
        ("Siti", "Siti Rahayu"),  # a very common first name alone is not enough
        ("Budi", "Joko"),
        ("Wartini", "Partini Lestari"),
        ("Ahmad", ""),
    ],
)
def test_different_names_stay_below_the_threshold(a: str, b: str) -> None:
    assert similarity(a, b) < THRESHOLD


def test_similarity_bounds() -> None:
    assert similarity("", "") == 0.0  # two unknown names are not evidence of one person
    assert similarity("Budi", "Budi") == 1.0
    assert token_similarity((), ("budi",)) == 0.0


def test_phonetic_skeleton_absorbs_vowels_and_sound_alikes() -> None:
    assert phonetic("sutrisno") == phonetic("sutrisna") == "strsn"
    assert phonetic("fitri") == phonetic("pitri")  # Sundanese f/p
    assert phonetic("ahmad") == phonetic("akhmad")
    assert phonetic("") == ""


def test_name_key_ignores_order_and_variants() -> None:
    assert name_key("Budi Wibowo") == name_key("Wibowo Budi")
    assert name_key("Moch. Soekarno") == name_key("Muhammad Sukarno")


def test_name_keys_survive_a_typo_a_missing_token_and_a_split() -> None:
    assert name_keys("Siti Nur Rahayu") & name_keys("Siti Rahayu")
    assert name_keys("Budi Santoso") & name_keys("Budi Santosa")
    assert name_keys("Nurhayati") & name_keys("Nur Hayati")
    assert not name_keys("Budi") & name_keys("Joko")


# Made-up tokens of consonant-vowel syllables ("sutarami"): no honorific, title, old-spelling
# digraph or double letter can arise, so only the edit under test changes the name.
_CONSONANTS, _VOWELS = "bdgklmnprstw", "aiu"
_SYLLABLE = st.tuples(st.sampled_from(_CONSONANTS), st.sampled_from(_VOWELS)).map("".join)
_TOKEN = st.lists(_SYLLABLE, min_size=3, max_size=5).map("".join)


@settings(max_examples=200, deadline=None)
@given(tokens=st.lists(_TOKEN, min_size=1, max_size=3), data=st.data())
def test_one_typo_in_a_long_token_stays_similar(tokens: list[str], data: st.DataObject) -> None:
    name = " ".join(tokens)
    pos = data.draw(st.integers(0, len(tokens[0]) - 1))
    letter = data.draw(st.sampled_from(_CONSONANTS + _VOWELS))
    typo = " ".join([tokens[0][:pos] + letter + tokens[0][pos + 1:], *tokens[1:]])
    assert similarity(name, typo) >= 0.8


@settings(max_examples=200, deadline=None)
@given(tokens=st.lists(_TOKEN, min_size=2, max_size=4, unique=True))
def test_token_order_never_matters(tokens: list[str]) -> None:
    name = " ".join(tokens)
    assert similarity(name, " ".join(reversed(tokens))) == 1.0
    assert name_key(name) == name_key(" ".join(reversed(tokens)))


@settings(max_examples=200, deadline=None)
@given(a=st.text(max_size=30), b=st.text(max_size=30))
def test_similarity_is_a_symmetric_score(a: str, b: str) -> None:
    s = similarity(a, b)
    assert 0.0 <= s <= 1.0
    assert s == similarity(b, a)


def test_canonicalisation_runs_once_per_distinct_name() -> None:
    """Speed by count: 20k comparisons of 50 names canonicalise each name once (cache)."""
    names = [f"Budi Santoso {chr(97 + i % 26)}{i}" for i in range(50)]
    canonical_tokens.cache_clear()
    compared = 0
    for a, b in itertools.islice(itertools.cycle(itertools.product(names, names)), 20_000):
        similarity(a, b)
        compared += 1
    info = canonical_tokens.cache_info()
    assert compared == 20_000
    assert info.misses == len(names)
    assert info.hits == 2 * compared - len(names)


_CLOSE = st.sampled_from(["budi", "bude", "budiman", "santoso", "santosa", "sri", "siti", "s"])


@settings(max_examples=200, deadline=None)
@given(a=st.lists(_CLOSE, min_size=1, max_size=4), b=st.lists(_CLOSE, min_size=1, max_size=4))
def test_similarity_is_symmetric_even_when_token_pairs_tie(a: list[str], b: list[str]) -> None:
    assert similarity(" ".join(a), " ".join(b)) == similarity(" ".join(b), " ".join(a))
