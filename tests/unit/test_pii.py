"""Personal-data screening on labelled examples: what must be flagged, and what must not."""

import pytest

from kabar.domain.pii import mask, screen, screen_fields

OFFICE = ("(0274) 895123",)


def _found(text):
    return [(f.kind, text[f.start:f.end]) for f in screen(text, "narrative", OFFICE)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Penerima: Ibu Sutinah (NIK 3404014508900002).", [("aid_recipient", "Sutinah"), ("nik", "3404014508900002")]),
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
    assert findings[0].id == "narrative.4.20.nik" and findings[0].confidence >= 0.9
    assert mask("sri.rahayu@gmail.com") == "s***@gmail.com"


# --- the cases of issue 16 -----------------------------------------------------------------------

def _scored(text):
    return [(f.kind, text[f.start:f.end], f.confidence) for f in screen(text, "narrative", OFFICE)]


def test_a_nik_followed_directly_by_list_numbering_is_found():
    text = "Calon KPM: 1) Ibu Sutarmi, NIK 3404015102690002 2) Bapak Ngadino, NIK 3404011507550001 3) Mbah Kasiyem."
    numbers = [(k, v) for k, v in _found(text) if k == "nik"]
    assert numbers == [("nik", "3404015102690002"), ("nik", "3404011507550001")]


def test_a_16_digit_number_with_an_impossible_date_is_a_possible_nik_at_lower_confidence():
    (kind, value, confidence), = _scored("Data peserta memuat nomor 3404011813950002 atas nama Yuli.")  # month 18
    assert (kind, value) == ("nik", "3404011813950002") and confidence < 0.8
    (_, _, valid), = _scored("Data peserta memuat nomor 3404014508900002 saja.")
    assert valid > confidence


@pytest.mark.parametrize(("text", "value"), [
    ("Kirim ke dimas.pakem [at] gmail [dot] com ya.", "dimas.pakem [at] gmail [dot] com"),
    ("Kontak wulan(at)yahoo.co.id untuk formulir.", "wulan(at)yahoo.co.id"),
    ("Surel kt.purwo at gmail dot com saja.", "kt.purwo at gmail dot com"),
    ("E-mail: rina_pkk (at) gmail (dot) com.", "rina_pkk (at) gmail (dot) com"),
])
def test_obfuscated_email_addresses_are_found(text, value):
    assert _found(text) == [("email", value)]
    assert screen(text, "narrative")[0].masked.endswith("@gmail.com") or "yahoo" in screen(text, "narrative")[0].masked


def test_obfuscated_government_addresses_stay_public():
    assert _found("Laporan ke ppid [at] slemankab [dot] go [dot] id.") == []


@pytest.mark.parametrize(("text", "names"), [
    ("Daftar penerima BLT-DD bulan ini: Suparmi, Wagiyem dan Tukiyo. Masing-masing menerima Rp 300.000.",
     ["Suparmi", "Wagiyem", "Tukiyo"]),
    ("Pada pencairan PKH triwulan IV, Ibu Partinah dan Ibu Wagini menerima Rp 750.000.", ["Partinah", "Wagini"]),
    ("Penerima PKH atas nama Tugirah pindah domisili.", ["Tugirah"]),
])
def test_named_aid_recipients_are_specific_personal_data_without_any_number(text, names):
    assert _found(text) == [("aid_recipient", n) for n in names]
    assert all(f.specific for f in screen(text, "narrative"))


@pytest.mark.parametrize(("text", "names"), [
    ("Balita bernama Keisha (2 tahun) masih tergolong stunting dan gizi buruk.", ["Keisha"]),
    ("Kader mendata Bapak Darmanto yang menderita diabetes.", ["Darmanto"]),
    ("Balita Aisyah, putri Ibu Sutinah, masuk daftar gizi kurang.", ["Aisyah", "Sutinah"]),
])
def test_health_data_of_named_people_and_children_is_found(text, names):
    assert _found(text) == [("health", n) for n in names]


def test_a_private_address_is_found_with_a_name_and_left_alone_without():
    assert _found("Bapak Sugiyono yang tinggal di RT 04 RW 15 dirujuk karena stroke.") == [
        ("health", "Sugiyono"), ("address", "RT 04 RW 15")]
    assert _found("Kerja bakti dipimpin Ketua RT 03 RW 02 Bapak Suroto.") == []
    assert _found("Ronda malam bergilir di RT 01/RW 05 sampai RT 07/RW 05.") == []


@pytest.mark.parametrize("text", [
    "Belanja honor kader dibebankan pada kode rekening 5.1.02.01.01.0024 sebesar Rp 18.000.000.",
    "Realisasi Rp 145.600.000 (kode rekening 5.3.04.01.02.0007) dilaporkan.",
    "Bayar PBB dengan QRIS (NMID ID1023245678901); referensi transaksi 2611270912345678 di struk.",
    "Posko di titik koordinat -7.6612, 110.4218, kode pos 55582.",
    "Pendapatan disetor ke Rekening Kas Kalurahan di BPD DIY nomor 001.111.000123.",
    "Lurah Purwobinangun, Bapak Heri Sutanta, menyerahkan BLT-DD secara simbolis kepada 48 KPM.",
    "Pendamping PKH, Ibu Nurul Hidayah, mengingatkan KPM agar memperbarui data.",
    "Rapat penanganan stunting: angka stunting turun menjadi 8,2 persen; 19 balita gizi kurang.",
    "SK Bupati 100.3.3.2/1234/2025 dan Surat nomor 005/123/11/2026 tanggal 12-11-2026.",
    "Nomor transaksi 3404014508900002 tercatat pada bukti setor.",
])
def test_public_information_is_left_alone(text):
    assert _found(text) == []


@pytest.mark.parametrize("number", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "081234567890",
                                    "0812.3456.7890", "+62-812-3456-7890", "(0274) 486123", "0274-486123",
                                    "+62 274 486123", "0812 345 67890"])
def test_phones_in_every_indonesian_notation(number):
    assert _found(f"Hubungi Mas Yoga di {number} untuk info.") == [("phone", number)]


def test_the_office_numbers_in_any_notation_are_public():
    assert _found("Kantor: 0274-895123 atau +62 274 895123.") == []


def test_masks_of_names_and_addresses_show_only_initials_and_no_digits():
    text = "Balita bernama Nayla Putri di rumah Ibu Sutinah yang tinggal di RT 04 RW 15 tercatat stunting."
    assert [(f.kind, f.masked) for f in screen(text, "narrative")] == [
        ("health", "N**** P****"), ("health", "S******"), ("address", "RT ** RW **")]


def test_the_villages_own_published_account_is_public_in_any_notation():
    account = ("001.111.000456",)
    text = "Retribusi pasar disetor ke rekening BPD DIY 001 111 000456 a.n. Kalurahan."
    assert [f.kind for f in screen(text, "narrative")] == ["bank_account"]
    assert screen(text, "narrative", account) == []
