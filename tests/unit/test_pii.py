"""Personal-data screening on labelled examples: what must be flagged, and what must not."""

import pytest

from kabar.domain.pii import mask, screen, screen_fields

OFFICE = ("(0274) 895123",)


def _found(text):
    return [(f.kind, text[f.start:f.end]) for f in screen(text, "narrative", OFFICE)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Penerima: Ibu Sutinah (NIK 3404014508900002).", [("nik", "3404014508900002")]),
    # a woman's NIK: day of birth + 40 (45 -> the 5th); no context word needed when the structure is valid
    ("Data 3404016712850004 sudah benar.", [("nik", "3404016712850004")]),
    ("Bapak Sukiman, KK 3404012001150003, RT 03.", [("kk", "3404012001150003")]),
    ("Data KK 3404 0120 0115 0005 diperbarui.", [("kk", "3404 0120 0115 0005")]),
    ("NPWP 01.234.567.8-901.000 milik Pak Wiryo.", [("npwp", "01.234.567.8-901.000")]),
    ("NPWP baru 0012345678901000 terdaftar.", [("npwp", "0012345678901000")]),
    ("Hubungi Rina di 0812-3456-7890.", [("phone", "0812-3456-7890")]),
    ("Pak Darto +62 813 2900 1122.", [("phone", "+62 813 2900 1122")]),
    ("Kirim ke rina.pkk@gmail.com ya.", [("email", "rina.pkk@gmail.com")]),
    ("Transfer ke rekening BRI 0123-01-012345-50-1 a.n. Panitia.", [("bank_account", "0123-01-012345-50-1")]),
])
def test_personal_data_is_flagged_with_its_kind_and_span(text, expected):
    assert _found(text) == expected


@pytest.mark.parametrize("text", [
    "Dana Desa tahap II sebesar Rp 12.500.000 sesuai Perkal Nomor 5 Tahun 2025.",
    "Pagu indikatif Rp 1.250.000.000 dan Perbup Sleman Nomor 12 Tahun 2023.",
    "Kegiatan pada 27-11-2026 pukul 07.00-11.30 WIB di RT 03 RW 12, kode pos 55582.",
    "Hubungi kantor kalurahan di (0274) 895123 pada jam kerja.",
    "Laporan ke pemdes@purwobinangun.desa.id dan ppid@slemankab.go.id (UU 14/2008, PP 61/2010).",
    "Bantuan Rp 2.500.000 melalui Bank Mandiri cabang Pakem pada 20 November 2026.",
    "Nomor registrasi 2025110700123456 tercatat di dinas.",  # 16 digits, but no region 20: not a NIK
    "Jumlah penduduk 8.412 jiwa dalam 2.655 KK.",
])
def test_public_figures_are_not_flagged(text):
    assert _found(text) == []


def test_an_impossible_birth_date_is_not_a_nik_without_a_context_word():
    assert _found("Kode 3404019913990001 di gudang.") == []  # month 13
    assert _found("NIK 3404019913990001.") == [("nik", "3404019913990001")]


def test_findings_are_masked_and_carry_their_field():
    findings = screen_fields({"narrative": "NIK 3404014508900002", "caption": "WA 0812-3456-7890", "lead": ""})
    assert [(f.field, f.kind, f.masked) for f in findings] == [
        ("narrative", "nik", "************0002"), ("caption", "phone", "********7890")]
    assert findings[0].record() == "nik:narrative:4-20:************0002"
    assert mask("sri.rahayu@gmail.com") == "s***@gmail.com"
