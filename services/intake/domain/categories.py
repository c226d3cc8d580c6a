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



#: English labels of the sectors and subcategories, for clients that show the taxonomy in
#: English (the console); the codes and the Indonesian labels above stay the reference.
SECTOR_LABELS_EN: Final[dict[Sector, str]] = {
    Sector.CIVIL_REGISTRATION: "Civil registration",
    Sector.HEALTH: "Health",
    Sector.EDUCATION: "Education",
    Sector.SOCIAL_ASSISTANCE: "Social assistance",
    Sector.DATA_UPDATE: "Data update",
    Sector.HOUSING: "Housing",
    Sector.BASIC_INFRASTRUCTURE: "Basic infrastructure",
    Sector.ELDERLY_DISABILITY: "Older people and persons with disabilities",
    Sector.CHILD_PROTECTION: "Child protection",
    Sector.OTHER: "Other",
}

SUBCATEGORIES_EN: Final[dict[Sector, dict[str, str]]] = {
    Sector.CIVIL_REGISTRATION: {
        "nik": "No NIK yet",
        "kk": "Family card (KK) missing or to be updated",
        "akta_kelahiran": "Birth certificate",
        "akta_kematian": "Death certificate",
    },
    Sector.HEALTH: {
        "pbi_jk": "No KIS/PBI-JK health insurance yet",
        "layanan_faskes": "Health facility services",
        "biaya_rs": "Hospital costs",
    },
    Sector.EDUCATION: {
        "kip_pip": "KIP/PIP not received",
        "putus_sekolah": "Child dropped out of school",
        "biaya_sekolah": "School costs",
    },
    Sector.SOCIAL_ASSISTANCE: {
        "pkh": "Family Hope Programme (PKH)",
        "bpnt_sembako": "BPNT/Sembako food assistance",
        "blt": "Direct cash assistance (BLT)",
    },
    Sector.DATA_UPDATE: {
        "belum_terdaftar": "Not registered in the social welfare data",
        "data_salah": "Data incorrect",
        "meninggal": "Family member deceased",
        "pindah": "Moved to another address",
    },
    Sector.HOUSING: {
        "rtlh": "Uninhabitable house (RTLH)",
    },
    Sector.BASIC_INFRASTRUCTURE: {
        "listrik": "Electricity",
        "air_bersih": "Clean water",
        "sanitasi": "Sanitation",
    },
    Sector.ELDERLY_DISABILITY: {
        "aslut": "Social assistance for older people (ASLUT)",
        "alat_bantu": "Assistive devices for disability",
        "aspd": "Social assistance for persons with disabilities (ASPD)",
    },
    Sector.CHILD_PROTECTION: {
        "kekerasan": "Violence against children",
        "anak_terlantar": "Neglected children",
    },
    Sector.OTHER: {
        "lainnya": "Other",
    },
}
