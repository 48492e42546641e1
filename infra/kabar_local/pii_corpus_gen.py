"""Make ``pii_corpus.json``: labelled Indonesian village-news narratives for the screening benchmark.

``python -m kabar_local.pii_corpus_gen`` rewrites the corpus. The first items are hand-written
(``HANDWRITTEN``); the rest come from hand-written news sentences whose slots (names, numbers in
their many notations, amounts, places, programmes) a seeded generator fills, so every span is
labelled exactly where it was put. About half the narratives hold personal data; the others are hard
negatives: amounts, regulation and decree numbers, budget account codes, transaction and QRIS ids,
dates, postcodes, coordinates, the office's numbers and treasury account, officials in their role,
aggregate health and aid figures.

Labels: ``kind`` and the exact ``text``. Identity/contact kinds: nik, kk, npwp, phone, email,
bank_account. Specific kinds (the name, without its honorific): aid_recipient, health; and address
(the RT/RW of a private person's home).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

CORPUS = Path(__file__).with_name("pii_corpus.json")
SEED = 16
OFFICE_NUMBERS = ["(0274) 895123", "0811-2600-4455"]

WOMEN = ["Sutinah", "Painem", "Wagiyem", "Suparmi", "Sri Lestari", "Tri Wahyuni", "Wartini", "Sumiyati", "Rukmini",
         "Endang Sulastri", "Ngatini", "Tumirah", "Yuliana Sari", "Dwi Astuti", "Siti Rohmah", "Partinah",
         "Sukarni", "Marsinah", "Warsini", "Kasiyem"]
MEN = ["Sukiman", "Sarjono", "Tukiyo", "Wiryo Sumarto", "Paijo", "Slamet Riyadi", "Suroto", "Darmanto", "Ngadiman",
       "Budi Santoso", "Joko Susilo", "Harjo Wiyono", "Mujiyono", "Sugeng", "Purwanto", "Sudarman", "Kartono",
       "Tugiman", "Yanto", "Hadi Prayitno"]
CHILDREN = ["Aisyah", "Rafa", "Nayla Putri", "Bima", "Keisha", "Dimas", "Alya", "Fajar", "Zahra", "Raka", "Intan",
            "Arka", "Salsabila", "Galih"]
OFFICIALS = [("Lurah Purwobinangun", "Bapak Heri Sutanta"), ("Carik", "Ibu Dwi Ratnasari"),
             ("Panewu Pakem", "Bapak Agus Prasetya"), ("Ketua TP PKK", "Ibu Sri Mulyani"),
             ("Pendamping PKH", "Ibu Nurul Hidayah"), ("Bhabinkamtibmas", "Aipda Wahyu Nugroho"),
             ("Dukuh Banteran", "Bapak Suyatno"), ("Bidan desa", "Ibu Retno Wulandari")]
DUSUN = ["Banteran", "Ngepring", "Kemiri", "Tanen", "Kaliurang Barat", "Turgo", "Gondoarum", "Pules", "Ngelosari"]
HONOR_W = ["Ibu", "Bu", "Mbah", "Sdri."]
HONOR_M = ["Bapak", "Pak", "Mbah", "Sdr."]
PROGRAMS = ["BLT-DD", "BLT Dana Desa", "PKH", "BPNT", "bantuan Program Keluarga Harapan", "Kartu Sembako",
            "bantuan RTLH", "BLT DD"]
BANKS = ["BRI", "BNI", "BPD DIY", "Bank Mandiri", "BSI", "BCA", "BTN"]
HEALTH = ["stunting", "gizi buruk", "gizi kurang", "TBC paru", "hipertensi", "gangguan jiwa", "diabetes",
          "demam berdarah", "kusta"]
CHILD_HEALTH = ["stunting", "gizi buruk", "gizi kurang", "berat badan kurang", "diare berulang", "pneumonia"]


class Builder:
    """A narrative and its labels, built piece by piece so every span is exact."""

    def __init__(self) -> None:
        self.text = ""
        self.findings: list[dict] = []

    def add(self, piece: str, kind: str | None = None) -> Builder:
        if kind:
            self.findings.append({"kind": kind, "text": piece})
        self.text += piece
        return self


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def pick(self, seq):
        return self.r.choice(seq)

    # --- numbers ------------------------------------------------------------------------------

    def region(self) -> str:
        return self.pick(["340401", "340402", "340403", "340410", "340412", "340407", "347101", "330301", "317401"])

    def nik(self, valid: bool = True, woman: bool | None = None) -> str:
        woman = self.r.random() < 0.5 if woman is None else woman
        day = self.r.randint(1, 28) + (40 if woman else 0)
        month = self.r.randint(1, 12)
        if not valid:  # structurally possible, but the date cannot be: month 13-19 or day 32-39
            if self.r.random() < 0.5:
                month = self.r.randint(13, 19)
            else:
                day = self.r.randint(32, 39)
        year = self.r.randint(50, 99) if self.r.random() < .7 else self.r.randint(0, 9)
        return f"{self.region()}{day:02d}{month:02d}{year:02d}{self.r.randint(1, 40):04d}"

    def kk(self) -> str:
        return f"{self.region()}{self.r.randint(1, 28):02d}{self.r.randint(1, 12):02d}{self.r.randint(5, 25):02d}" \
               f"{self.r.randint(1, 60):04d}"

    def spaced(self, number: str) -> str:
        style = self.r.random()
        if style < 0.7:
            return number
        if style < 0.85:
            return " ".join(number[i:i + 4] for i in range(0, 16, 4))
        return f"{number[:6]}.{number[6:12]}.{number[12:]}"

    def npwp(self) -> str:
        from stdnum.id import npwp

        while True:
            digits = f"{self.r.randint(1, 99):02d}{self.r.randint(0, 999999):06d}"
            for check in range(10):
                full = digits + str(check) + f"{self.r.randint(0, 999):03d}000"
                if npwp.is_valid(full):
                    if self.r.random() < 0.6:
                        return f"{full[:2]}.{full[2:5]}.{full[5:8]}.{full[8]}-{full[9:12]}.{full[12:]}"
                    return "0" + full
            continue

    def mobile(self) -> str:
        prefix = self.pick(["812", "813", "821", "822", "852", "853", "811", "878", "877", "857", "856", "895",
                            "896", "838", "831"])
        rest = f"{self.r.randint(1000, 9999)}{self.r.randint(1000, 9999)}"
        style = self.r.randint(0, 8)
        return [f"0{prefix}-{rest[:4]}-{rest[4:]}", f"0{prefix}{rest}", f"+62 {prefix} {rest[:4]} {rest[4:]}",
                f"+62{prefix}{rest}", f"62{prefix}{rest}", f"0{prefix} {rest[:4]} {rest[4:]}",
                f"0{prefix}.{rest[:4]}.{rest[4:]}", f"+62-{prefix}-{rest[:4]}-{rest[4:]}",
                f"0{prefix} {rest[:3]} {rest[3:]}"][style]

    def landline(self) -> str:
        n = f"{self.r.choice('4789')}{self.r.randint(10000, 99999)}"
        return self.pick([f"(0274) {n}", f"0274-{n}", f"0274 {n}", f"+62 274 {n}"])

    def email(self, name: str) -> str:
        user = re.sub(r"[^a-z]", "", name.lower().split()[0]) + self.pick(["", ".", "_"]) + \
            self.pick(["", str(self.r.randint(1, 99)), "pkk", "sleman", "jogja"])
        user = user.strip("._") or "warga"
        domain = self.pick(["gmail.com", "yahoo.co.id", "yahoo.com", "ymail.com", "outlook.com"])
        style = self.r.randint(0, 6)
        if style <= 2:
            return f"{user}@{domain}"
        d = domain.split(".")
        if style == 3:
            return f"{user} [at] {' [dot] '.join(d)}"
        if style == 4:
            return f"{user}(at){'.'.join(d)}"
        if style == 5:
            return f"{user} (at) {' (dot) '.join(d)}"
        return f"{user}[at]{'.'.join(d)}"

    def account(self) -> str:
        style = self.r.randint(0, 4)
        if style == 0:  # BRI
            return f"{self.r.randint(1000, 9999)}-01-{self.r.randint(100000, 999999)}-50-{self.r.randint(1, 9)}"
        if style == 1:
            return f"{self.r.randint(100, 999)}.{self.r.randint(100, 999)}.{self.r.randint(100000, 999999)}"
        if style == 2:
            return str(self.r.randint(10 ** 9, 10 ** 10 - 1))
        if style == 3:
            return str(self.r.randint(10 ** 12, 10 ** 13 - 1))
        return f"{self.r.randint(100, 999)} {self.r.randint(1000, 9999)} {self.r.randint(100, 999)}"

    def amount(self) -> str:
        value = self.pick([300000, 600000, 900000, 150000, 2500000, 12500000, 1250000, 87450000, 4750000, 200000])
        text = f"{value:,}".replace(",", ".")
        return self.pick([f"Rp {text}", f"Rp{text}", f"Rp. {text}", f"Rp {text},00"])

    def date(self) -> str:
        d, m = self.r.randint(1, 28), self.r.randint(1, 12)
        months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                  "Oktober", "November", "Desember"]
        return self.pick([f"{d} {months[m - 1]} 2026", f"{d:02d}-{m:02d}-2026", f"{d:02d}/{m:02d}/2026",
                          f"{d}.{m}.2026"])

    def rt(self) -> str:
        a, b = self.r.randint(1, 9), self.r.randint(1, 20)
        return self.pick([f"RT {a:02d} RW {b:02d}", f"RT 0{a:02d}/RW 0{b:02d}", f"RT {a}/{b}",
                          f"RT {a:02d}/RW {b:02d}"])

    def woman(self) -> tuple[str, str]:
        return self.pick(HONOR_W), self.pick(WOMEN)

    def man(self) -> tuple[str, str]:
        return self.pick(HONOR_M), self.pick(MEN)

    def person(self) -> tuple[str, str]:
        return self.woman() if self.r.random() < 0.5 else self.man()


# --- neutral sentences: what every narrative is made of ---------------------------------------------

def openers(g: Gen) -> str:
    d = g.pick(DUSUN)
    return g.pick([
        f"Pemerintah Kalurahan Purwobinangun menggelar musyawarah di Balai Padukuhan {d} pada {g.date()}. ",
        f"Kegiatan berlangsung di Balai Kalurahan mulai pukul 08.30 WIB dan dihadiri {g.r.randint(20, 90)} warga. ",
        f"Bertempat di Padukuhan {d}, kegiatan dibuka oleh Carik Purwobinangun. ",
        f"Sebanyak {g.r.randint(12, 70)} keluarga di Padukuhan {d} hadir dalam kegiatan yang digelar {g.date()}. ",
        f"Kader Posyandu Padukuhan {d} kembali melaksanakan kegiatan rutin bulanan. ",
        "Kalurahan Purwobinangun, Kapanewon Pakem, melanjutkan program prioritas tahun anggaran 2026. ",
        "",
    ])


def closers(g: Gen) -> str:
    return g.pick([
        "Kegiatan ditutup dengan doa bersama dan foto bersama.",
        f"Informasi lebih lanjut dapat ditanyakan ke kantor kalurahan di {OFFICE_NUMBERS[0]} pada jam kerja.",
        f"Warga dapat menyampaikan pengaduan melalui WhatsApp layanan {OFFICE_NUMBERS[1]}.",
        "Laporan kegiatan disampaikan kepada PPID melalui ppid@purwobinangun.desa.id.",
        f"Kegiatan berikutnya dijadwalkan pada {g.date()}.",
        "Lurah berharap kegiatan serupa dapat dilanjutkan tahun depan.",
        "",
    ])


# --- narratives with personal data ------------------------------------------------------------------

def with_nik(g: Gen, b: Builder) -> None:
    h, n = g.woman()
    program = g.pick(PROGRAMS)
    b.add(openers(g)).add(f"Penyaluran {program} tahap IV diterima {g.r.randint(20, 60)} KPM. ")
    b.add(f"Salah satu penerima, {h} ")
    b.add(n, "aid_recipient").add(" (NIK ").add(g.spaced(g.nik(woman=True)), "nik")
    b.add(f"), menerima {g.amount()}. ").add(closers(g))


def nik_list(g: Gen, b: Builder) -> None:
    b.add(openers(g)).add(f"Penerima bantuan {g.pick(['bibit kopi', 'ternak kambing', 'pupuk organik'])} tahun ini: ")
    for i in range(1, g.r.randint(3, 4) + 1):
        n = g.pick(WOMEN + MEN)
        b.add(f"{i}) ").add(n, "aid_recipient").add(" ").add(g.nik(), "nik").add(" " if i < 3 else ", ")
    b.text = b.text.rstrip(", ") + ". "
    b.add(closers(g))


def nik_possible(g: Gen, b: Builder) -> None:
    h, n = g.person()
    b.add(openers(g)).add(g.pick(["Data peserta pelatihan kerja yang dikirim ke dinas memuat ",
                                  "Dalam daftar hadir tertulis ", "Formulir pendaftaran mencantumkan "]))
    b.add(f"nama {h} {n} dengan nomor ").add(g.nik(valid=False), "nik").add(" yang perlu dicek ulang. ").add(closers(g))


def kk_data(g: Gen, b: Builder) -> None:
    h, n = g.man()
    rt = g.rt()
    b.add(openers(g)).add(f"Pendataan warga miskin ekstrem mencatat {h} ").add(n, "aid_recipient")
    b.add(", No. KK ").add(g.spaced(g.kk()), "kk").add(", yang tinggal di ").add(rt, "address")
    b.add(f" Padukuhan {g.pick(DUSUN)}. ").add(closers(g))


def kk_update(g: Gen, b: Builder) -> None:
    h, n = g.person()
    b.add(openers(g)).add("Petugas Dukcapil memperbarui kartu keluarga nomor ").add(g.kk(), "kk")
    b.add(f" milik keluarga {h} {n} yang pindah datang dari Magelang. ").add(closers(g))


def npwp_case(g: Gen, b: Builder) -> None:
    h, n = g.man()
    b.add(openers(g)).add("Sosialisasi pajak bersama KPP Pratama Sleman diikuti pelaku UMKM. ")
    b.add("Contoh pengisian SPT memakai NPWP ").add(g.npwp(), "npwp").add(f" milik {h} {n}. ").add(closers(g))


def phone_contact(g: Gen, b: Builder) -> None:
    h, n = g.person()
    what = g.pick(["pendaftaran pelatihan menjahit", "peminjaman tenda", "pemesanan bibit", "informasi lomba",
                   "konfirmasi kehadiran"])
    intro = g.pick([f"Untuk {what}, hubungi {h} {n} di ", f"Narahubung {what}: {h} {n} (HP ",
                    f"{what.capitalize()} dapat melalui {h} {n}, WA ", f"Kontak panitia {what}: {h} {n} "])
    b.add(openers(g)).add(intro).add(g.mobile(), "phone")
    b.add(")" if "(HP" in intro else "").add(g.pick([". ", " paling lambat akhir bulan. "]))
    if g.r.random() < 0.4:
        h2, n2 = g.person()
        b.add(f"Cadangan: {h2} {n2} ").add(g.mobile(), "phone").add(". ")
    b.add(closers(g))


def landline_home(g: Gen, b: Builder) -> None:
    b.add(openers(g)).add("Untuk konfirmasi kehadiran, hubungi ").add(g.landline(), "phone")
    b.add(g.pick([" (rumah Pak Dukuh). ", " di rumah bendahara panitia. "])).add(closers(g))


def email_case(g: Gen, b: Builder) -> None:
    h, n = g.person()
    b.add(openers(g)).add(g.pick(["Berkas pendaftaran dikirim ke ", "Materi pelatihan dapat diminta melalui e-mail ",
                                  "Bukti transfer iuran dikirim ke surel bendahara: "]))
    b.add(g.email(n), "email").add(f" milik {h} {n}. " if g.r.random() < .5 else ". ")
    if g.r.random() < 0.3:
        b.add("Tembusan ke pemdes@purwobinangun.desa.id. ")
    b.add(closers(g))


def bank_case(g: Gen, b: Builder) -> None:
    h, n = g.person()
    bank = g.pick(BANKS)
    b.add(openers(g)).add(g.pick([f"Donasi untuk korban angin kencang dapat ditransfer ke rekening {bank} ",
                                  f"Iuran dikirim ke rek. {bank} ", "Hadiah lomba ditransfer ke no. rek ",
                                  f"Sumbangan disalurkan melalui {bank} nomor "]))
    b.add(g.account(), "bank_account").add(f" a.n. {h} {n}. ").add(closers(g))


def bank_paren(g: Gen, b: Builder) -> None:
    h, n = g.person()
    b.add(openers(g)).add("Transfer donasi ke ").add(g.account(), "bank_account")
    b.add(f" ({h} {n}) sebelum {g.date()}. ").add(closers(g))


def aid_names(g: Gen, b: Builder) -> None:
    program = g.pick(PROGRAMS)
    names = g.r.sample(WOMEN + MEN, 3)
    b.add(openers(g)).add(f"Daftar penerima {program} bulan ini: ")
    for i, n in enumerate(names):
        b.add(n, "aid_recipient").add(", " if i == 0 else (" dan " if i == 1 else ""))
    b.add(f". Masing-masing menerima {g.amount()}. ").add(closers(g))


def aid_received(g: Gen, b: Builder) -> None:
    h, n = g.person()
    sentence = g.pick([
        ("{h} ", " (72 tahun) menerima {a} dari {p} di Balai Kalurahan. "),
        ("Bantuan {p} untuk {h} ", " dicairkan pada {d}. "),
        ("{h} ", ", janda lansia di Padukuhan {ds}, tercatat sebagai penerima {p}. "),
        ("Uang {p} sebesar {a} diserahkan langsung kepada {h} ", " yang sakit. "),
    ])
    fmt = {"h": h, "a": g.amount(), "p": g.pick(PROGRAMS), "d": g.date(), "ds": g.pick(DUSUN)}
    b.add(openers(g)).add(sentence[0].format(**fmt))
    kind = "health" if "sakit" in sentence[1] else "aid_recipient"
    b.add(n, kind).add(sentence[1].format(**fmt)).add(closers(g))


def child_health(g: Gen, b: Builder) -> None:
    c = g.pick(CHILDREN)
    cond = g.pick(CHILD_HEALTH)
    style = g.r.randint(0, 3)
    b.add(openers(g))
    if style == 0:
        b.add("Hasil penimbangan menunjukkan balita bernama ").add(c, "health")
        b.add(f" ({g.r.randint(1, 4)} tahun) mengalami {cond} dan dirujuk ke Puskesmas Pakem. ")
    elif style == 1:
        b.add("Kader mendampingi ").add(c, "health").add(f" ({g.r.randint(6, 40)} bulan), anak dengan {cond}, ")
        b.add("untuk mendapat makanan tambahan. ")
    elif style == 2:
        h, n = g.woman()
        b.add("Balita ").add(c, "health").add(f", putri {h} ").add(n, "health")
        b.add(f", masuk daftar {cond} di Posyandu Padukuhan {g.pick(DUSUN)}. ")
    else:
        b.add("Anak bernama ").add(c, "health").add(f" di {g.rt()} tercatat {cond} sejak {g.date()}. ")
    b.add(closers(g))


def adult_health(g: Gen, b: Builder) -> None:
    h, n = g.person()
    cond = g.pick(HEALTH)
    b.add(openers(g)).add(g.pick(["Tim kesehatan mengunjungi ", "Relawan mengantar ", "Kader mendata "])).add(f"{h} ")
    b.add(n, "health").add(g.pick([f" yang menderita {cond}. ", f", pasien {cond}, ke RSUD Sleman. ",
                                   f" yang didiagnosis {cond} bulan lalu. "])).add(closers(g))


def private_address(g: Gen, b: Builder) -> None:
    h, n = g.person()
    rt = g.rt()
    b.add(openers(g)).add(g.pick(["Bedah rumah dikerjakan gotong royong di rumah ", "Relawan membersihkan rumah ",
                                  "Musibah kebakaran menimpa rumah "]))
    kind = "aid_recipient" if b.text.rstrip().endswith(("Bedah rumah dikerjakan gotong royong di rumah",)) else None
    b.add(f"{h} ").add(n, kind).add(" yang beralamat di ").add(rt, "address")
    b.add(f" Padukuhan {g.pick(DUSUN)}. ").add(closers(g))


POSITIVE: list[Callable[[Gen, Builder], None]] = [
    with_nik, nik_list, nik_possible, kk_data, kk_update, npwp_case, phone_contact, phone_contact, landline_home,
    email_case, email_case, bank_case, bank_paren, aid_names, aid_received, child_health, adult_health,
    private_address]


# --- hard negatives ----------------------------------------------------------------------------------

def neg_budget(g: Gen, b: Builder) -> None:
    code = g.pick(["5.1.02.01.01.0024", "5.1.02.02.01.0003", "4.1.01.02.01", "5.2.02.05.01.0001",
                   "2.2.01", "5.4.01.05"])
    b.add(openers(g)).add(f"Belanja dibebankan pada kode rekening {code} APBKal 2026 sebesar {g.amount()} ")
    b.add(f"sesuai Peraturan Kalurahan Nomor {g.r.randint(1, 12)} Tahun 2025. ").add(closers(g))


def neg_decree(g: Gen, b: Builder) -> None:
    b.add(openers(g)).add(g.pick([
        f"Tim dibentuk dengan Keputusan Lurah Nomor {g.r.randint(1, 90)}/KPTS/2026 tanggal {g.date()}. ",
        f"Dasar hukum kegiatan adalah Peraturan Bupati Sleman Nomor {g.r.randint(1, 60)}.{g.r.randint(1, 9)} "
        "Tahun 2023 "
        "dan UU 14/2008 tentang KIP. ",
        f"Surat undangan nomor 005/{g.r.randint(100, 999)}/{g.r.randint(1, 12)}/2026 dikirim ke setiap dukuh. ",
        f"SK Bupati 100.3.3.2/{g.r.randint(1000, 9999)}/2025 menjadi dasar pelantikan. ",
        "Sesuai Permendagri Nomor 20 Tahun 2018 dan PP 61/2010, laporan dipublikasikan. ",
    ])).add(closers(g))


def neg_money(g: Gen, b: Builder) -> None:
    b.add(openers(g)).add(f"Pagu indikatif tahun 2027 sebesar Rp {g.r.randint(1, 3)}.{g.r.randint(100, 999)}.500.000, ")
    b.add(f"sedangkan realisasi semester I mencapai {g.amount()} atau {g.r.randint(30, 90)},{g.r.randint(1, 9)} "
          "persen. ")
    b.add(closers(g))


def neg_transaction(g: Gen, b: Builder) -> None:
    b.add(openers(g)).add(g.pick([
        f"Pembayaran retribusi pasar kini melalui QRIS dengan NMID ID{g.r.randint(10 ** 12, 10 ** 13 - 1)}. ",
        f"Nomor transaksi {g.r.randint(10 ** 15, 10 ** 16 - 1)} tercatat pada bukti setor pajak kalurahan. ",
        f"Kode billing {g.r.randint(10 ** 14, 10 ** 15 - 1)} dibayarkan melalui kantor pos. ",
        f"Nomor pesanan material {g.nik()} dari toko bangunan sudah dibayar lunas. ",
        f"Token listrik untuk balai dengan ID pelanggan {g.r.randint(10 ** 11, 10 ** 12 - 1)} dibeli oleh bendahara. ",
        f"SP2D nomor {g.r.randint(10 ** 9, 10 ** 10 - 1)} terbit {g.date()}. ",
        f"Nomor registrasi kegiatan 20251107{g.r.randint(10 ** 7, 10 ** 8 - 1)} tercatat di dinas. ",
    ])).add(closers(g))


def neg_places(g: Gen, b: Builder) -> None:
    lat, lon = f"-7.{g.r.randint(600000, 699999)}", f"110.{g.r.randint(400000, 499999)}"
    b.add(openers(g)).add(g.pick([
        f"Embung baru di titik koordinat {lat}, {lon} diresmikan {g.date()}. ",
        f"Lokasi sumur bor berada pada lintang {lat} dan bujur {lon}, kode pos 55582. ",
        "Kantor kalurahan beralamat di Jalan Kaliurang Km 17, Pakem, Sleman 55582. ",
        f"Ronda malam dijadwalkan bergilir di {g.rt()} sampai {g.rt()}. ",
        f"Kerja bakti dipimpin Ketua {g.rt()} Bapak Suroto pada {g.date()}. ",
    ])).add(closers(g))


def neg_office(g: Gen, b: Builder) -> None:
    b.add(openers(g)).add(g.pick([
        "Pengaduan dapat disampaikan lewat SMS ke 0811 2600 4455 (nomor resmi kantor). ",
        f"Hubungi kantor kalurahan di {OFFICE_NUMBERS[0]} atau layanan WhatsApp {OFFICE_NUMBERS[1]}. ",
        "Pendapatan disetor ke Rekening Kas Kalurahan di BPD DIY nomor 001.111.000123. ",
        "Laporan dikirim ke pemdes@purwobinangun.desa.id dan ppid@slemankab.go.id. ",
    ])).add(closers(g))


def neg_official(g: Gen, b: Builder) -> None:
    role, name = g.pick(OFFICIALS)
    b.add(openers(g)).add(g.pick([
        f"{role}, {name}, menyerahkan {g.pick(PROGRAMS)} secara simbolis kepada {g.r.randint(20, 60)} KPM. ",
        f"Penyaluran {g.pick(PROGRAMS)} disaksikan {role} {name} di Balai Kalurahan. ",
        f"Menurut {role} {name}, penerima {g.pick(PROGRAMS)} sudah diverifikasi melalui musyawarah. ",
    ])).add(closers(g))


def neg_health_stats(g: Gen, b: Builder) -> None:
    b.add(openers(g)).add(g.pick([
        f"Rapat koordinasi penanganan stunting dihadiri {g.r.randint(10, 40)} kader; angka stunting turun "
        f"menjadi {g.r.randint(5, 14)},{g.r.randint(1, 9)} persen. ",
        f"Posyandu Balita Melati menimbang {g.r.randint(20, 60)} balita; {g.r.randint(1, 6)} balita tercatat gizi "
        "kurang dan mendapat makanan tambahan. ",
        f"Bidan desa, Ibu Retno Wulandari, memberi penyuluhan tentang hipertensi kepada {g.r.randint(20, 50)} lansia. ",
        f"Pemeriksaan kesehatan gratis melayani {g.r.randint(40, 120)} warga, kebanyakan dengan keluhan darah tinggi. ",
    ])).add(closers(g))


def neg_figures(g: Gen, b: Builder) -> None:
    b.add(openers(g)).add(g.pick([
        f"Jumlah penduduk {g.r.randint(6, 9)}.{g.r.randint(100, 999)} jiwa dalam "
        f"{g.r.randint(1, 3)}.{g.r.randint(100, 999)} KK; "
        f"luas wilayah 1.245,6 ha. ",
        f"Periode jabatan 2025-2031, dilantik {g.date()} pukul 09.00-11.30 WIB. ",
        f"Produksi gabah mencapai {g.r.randint(100, 900)}.{g.r.randint(100, 999)} kg dari "
        f"{g.r.randint(40, 90)} hektare. ",
        "Peserta lomba nomor urut 1 sampai 24 tampil mulai 19.30 WIB. ",
    ])).add(closers(g))


NEGATIVE: list[Callable[[Gen, Builder], None]] = [
    neg_budget, neg_decree, neg_money, neg_transaction, neg_places, neg_office, neg_official, neg_health_stats,
    neg_figures]


HANDWRITTEN = Path(__file__).with_name("pii_corpus_handwritten.json")


def build(count: int = 240, seed: int = SEED) -> dict:
    g = Gen(seed)
    items = [{**item, "source": "handwritten"} for item in json.loads(HANDWRITTEN.read_text(encoding="utf-8"))["items"]]
    positive = count // 2
    made = {"positive": 0, "negative": 0}
    while len(items) < count:
        with_data = sum(1 for x in items if x["findings"])
        side = "positive" if with_data < positive and (made["positive"] <= made["negative"]
                                                       or len(items) - with_data >= count - positive) else "negative"
        makers = POSITIVE if side == "positive" else NEGATIVE
        b = Builder()
        makers[made[side] % len(makers)](g, b)
        made[side] += 1
        if b.text.strip():
            items.append({"text": b.text.strip(), "findings": b.findings, "source": "generated"})
    for item in items:  # every label must be found in its text, exactly
        for f in item["findings"]:
            assert f["text"] in item["text"], (f, item["text"])
    return {"office_numbers": OFFICE_NUMBERS, "note": __doc__.strip().split("\n\n")[1], "items": items}


def main() -> None:
    CORPUS.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
