"""The two-level SLRT complaint taxonomy: a `Sector`, then a subcategory code within it.

Codes are stable identifiers carried in events; labels are Bahasa Indonesia for operators.
"""

from __future__ import annotations

from typing import Final

from contracts.vocabulary import Sector

SECTOR_LABELS: Final[dict[Sector, str]] = {
    Sector.CIVIL_REGISTRATION: "Administrasi kependudukan",
    Sector.HEALTH: "Kesehatan",
    Sector.EDUCATION: "Pendidikan",
    Sector.SOCIAL_ASSISTANCE: "Bantuan sosial",
    Sector.DATA_UPDATE: "Pemutakhiran data",
    Sector.HOUSING: "Perumahan",
    Sector.BASIC_INFRASTRUCTURE: "Infrastruktur dasar",
    Sector.ELDERLY_DISABILITY: "Lanjut usia dan penyandang disabilitas",
    Sector.CHILD_PROTECTION: "Perlindungan anak",
    Sector.OTHER: "Lainnya",
}

SUBCATEGORIES: Final[dict[Sector, dict[str, str]]] = {
    Sector.CIVIL_REGISTRATION: {
        "nik": "Belum punya NIK",
        "kk": "Kartu Keluarga (KK) belum ada atau perlu diperbarui",
        "akta_kelahiran": "Akta kelahiran",
        "akta_kematian": "Akta kematian",
    },
    Sector.HEALTH: {
        "pbi_jk": "Belum punya KIS/PBI-JK",
        "layanan_faskes": "Layanan fasilitas kesehatan",
        "biaya_rs": "Biaya rumah sakit",
    },
    Sector.EDUCATION: {
        "kip_pip": "Belum menerima KIP/PIP",
        "putus_sekolah": "Anak putus sekolah",
        "biaya_sekolah": "Biaya sekolah",
    },
    Sector.SOCIAL_ASSISTANCE: {
        "pkh": "Program Keluarga Harapan (PKH)",
        "bpnt_sembako": "BPNT/Sembako",
        "blt": "Bantuan Langsung Tunai (BLT)",
    },
    Sector.DATA_UPDATE: {
        "belum_terdaftar": "Belum terdaftar di data kesejahteraan sosial",
        "data_salah": "Data tidak sesuai",
        "meninggal": "Anggota keluarga meninggal dunia",
        "pindah": "Pindah domisili",
    },
    Sector.HOUSING: {
        "rtlh": "Rumah tidak layak huni (RTLH)",
    },
    Sector.BASIC_INFRASTRUCTURE: {
        "listrik": "Listrik",
        "air_bersih": "Air bersih",
        "sanitasi": "Sanitasi",
    },
    Sector.ELDERLY_DISABILITY: {
        "aslut": "Asistensi sosial lanjut usia (ASLUT)",
        "alat_bantu": "Alat bantu disabilitas",
        "aspd": "Asistensi sosial penyandang disabilitas (ASPD)",
    },
    Sector.CHILD_PROTECTION: {
        "kekerasan": "Kekerasan terhadap anak",
        "anak_terlantar": "Anak terlantar",
    },
    Sector.OTHER: {
        "lainnya": "Lainnya",
    },
}


def is_valid_pair(sector: Sector, subcategory: str) -> bool:
    """True when `subcategory` is one of the codes defined for `sector`."""
    return subcategory in SUBCATEGORIES.get(sector, {})


def allowed_codes(sector: Sector) -> tuple[str, ...]:
    """The subcategory codes of `sector`, in taxonomy order."""
    return tuple(SUBCATEGORIES.get(sector, {}))


def subcategory_label(sector: Sector, subcategory: str) -> str | None:
    """The Indonesian label of a subcategory, or None when the pair is not valid."""
    return SUBCATEGORIES.get(sector, {}).get(subcategory)

