"""Personal-data screening before review: what in a narrative, caption or article looks personal.

Under UU 27/2022 (PDP) Pasal 4 and UU 14/2008 (KIP) Pasal 17(h) the PPID must see, before deciding:

- identity and contact numbers: NIK and KK (16 digits; a valid region and birth/issue date gives high
  confidence, a structurally possible one with an impossible date a lower one), NPWP (old 15 and new
  16 digits), Indonesian phone numbers in every notation (``0812-…``, ``+62 812 …``, ``62812…``,
  ``(0274) 895123``, ``0812.2233.4455``), e-mail addresses, also written ``nama [at] gmail [dot] com``,
  and bank account numbers near a bank word;
- specific personal data, which needs attention even without any number: named recipients of aid
  (a person's name in a sentence about BLT-DD, PKH, BPNT… or an amount received), health data about a
  named person or child (stunting, gizi buruk, a diagnosis), and the address of a private person
  (RT/RW in a sentence that names where that person lives).

Public information is left alone: money amounts, regulation and decree numbers, budget account codes
("kode rekening 5.1.02.01.01.0024"), dates, postcodes, coordinates, QRIS and transaction ids, the
office's published numbers and the village's own treasury account, government e-mail domains, and
officials named in their public role.

A finding carries the kind, the field, the span, a confidence and a masked value: the screening
report itself must not spread the data it found.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from .text import Bilingual, t

KINDS: dict[str, Bilingual] = {
    "nik": t("NIK (nomor induk kependudukan)", "NIK (national identity number)"),
    "kk": t("Nomor Kartu Keluarga", "Family card number"),
    "npwp": t("NPWP (nomor pokok wajib pajak)", "NPWP (tax number)"),
    "phone": t("Nomor telepon", "Phone number"),
    "email": t("Alamat e-mail", "E-mail address"),
    "bank_account": t("Nomor rekening bank", "Bank account number"),
    "aid_recipient": t("Nama penerima bantuan sosial", "Name of an aid recipient"),
    "health": t("Data kesehatan orang/anak yang disebut namanya", "Health data of a named person or child"),
    "address": t("Alamat rumah warga", "A private person's home address"),
}
#: numbers that identify or reach one person (recall >= 0.95, precision >= 0.9 in ``make bench``)
NUMBER_KINDS = ("nik", "kk", "npwp", "phone", "email", "bank_account")
#: specific personal data (UU PDP Pasal 4(2)) and what points at a person's home: found by context
SPECIFIC_KINDS = ("aid_recipient", "health", "address")
#: what a redacted span becomes in the draft: neutral, and saying what kind of thing was there
REDACTED: dict[str, str] = {
    "nik": "[NIK disamarkan]", "kk": "[nomor KK disamarkan]", "npwp": "[NPWP disamarkan]",
    "phone": "[nomor telepon disamarkan]", "email": "[e-mail disamarkan]",
    "bank_account": "[nomor rekening disamarkan]", "aid_recipient": "[nama disamarkan]",
    "health": "[nama disamarkan]", "address": "[alamat disamarkan]",
}
FIELDS = {"narrative": "narasi (narrative)", "caption": "keterangan (caption)", "title": "judul (title)",
          "lead": "teras (lead)", "article": "isi berita (article)"}
#: addresses on these domains belong to institutions and are published on purpose
PUBLIC_MAIL_DOMAINS = (".go.id", ".desa.id")

# --- numbers -----------------------------------------------------------------------------------

#: a run of digit groups joined by single separators ("3404 0120 0115 0005", "0123-01-012345-50-1")
if TYPE_CHECKING:  # to the type checker a lazy pattern is the pattern
    _lazy = re.compile
else:
    class _lazy:  # noqa: N801 - stands where re.compile stood
        """A pattern compiled when first used: the screening's patterns take several milliseconds to compile,
        paid by the functions that screen a draft, not at the cold start of every function importing this."""

        __slots__ = ("_args", "_compiled")

        def __init__(self, pattern: str, flags: int = 0) -> None:
            self._args = (pattern, flags)
            self._compiled: re.Pattern[str] | None = None

        def __getattr__(self, name: str):  # noqa: ANN204 - the compiled pattern's own attribute
            if self._compiled is None:
                self._compiled = re.compile(*self._args)
            return getattr(self._compiled, name)


_GROUPS = _lazy(r"(?<![\w/@])\d+(?:[ .-]\d+)*")
_NPWP_OLD = _lazy(r"(?<![\d.])\d{2}\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}(?![\d])")
_KK_WORDS = _lazy(r"\b(?:KK|kartu\s+keluarga|no\.?\s*KK)\b", re.I)
_NIK_WORDS = _lazy(r"\b(?:NIK|KTP|e-?KTP|nomor\s+induk\s+kependudukan|nomor\s+identitas|"
                        r"identitas|kartu\s+identitas)\b", re.I)
_NPWP_WORDS = _lazy(r"\bNPWP\b", re.I)
_BANK_WORDS = _lazy(r"\b(?:rekening|rek\.?|no\.?\s*rek|norek|bank|BRI|BNI|BCA|BSI|BTN|BPD(?:\s+DIY)?|"
                         r"Mandiri|CIMB(?:\s+Niaga)?|Danamon|Permata|Muamalat|Jago|SeaBank|a\.?\s?n\.?|"
                         r"atas\s+nama|transfer|ditransfer)\b", re.I)
#: words that make a long number a reference, not a person's: transaction, order and QRIS ids,
#: registration and letter numbers, budget codes, the village's own treasury account
_REFERENCE_WORDS = _lazy(
    r"\b(?:transaksi|trx|ref(?:erensi)?\.?|reff|invoice|faktur|resi|pesanan|order|NMID|QRIS|merchant|"
    r"kode\s+(?:rekening|akun|kegiatan|booking|bayar|billing|pos)|billing|registrasi|register|"
    r"nomor\s+(?:surat|SK|seri|kontrak|SPM|SP2D|SPJ|agenda|pesanan|registrasi|perkara|pelanggan)|"
    r"ID\s+pelanggan|IDPEL|meteran|token\s+listrik|SP2D|SPM|kas\s+(?:desa|kalurahan)|"
    r"RKD|rekening\s+kas|NIB|NIP|NRP|NUPTK|NISN|nomor\s+induk\s+(?:siswa|pegawai)|koordinat|"
    r"lintang|bujur)\b", re.I)
_MONEY_BEFORE = _lazy(r"(?:Rp\.?|IDR|rupiah|sebesar|senilai|USD|\$)\s*$", re.I)
_BUDGET_CODE = _lazy(r"(?<![\d.])\d\.\d\.\d{1,2}(?:\.\d{1,2}){1,3}(?:\.\d{3,4})?(?![\d])")
_COORDINATE = _lazy(r"-?\d{1,3}[.,]\d{4,}°?\s*(?:[NSEWLUTB]\b)?")
_COORDINATE_PAIR = _lazy(r"-?\d{1,2}[.,]\d{3,}°?(?:\s*[,;/]\s*|\s+)\d{2,3}[.,]\d{3,}")
_DATE = _lazy(r"\b\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2})\b|\b\d{4}[-./]\d{1,2}[-./]\d{1,2}\b")
# Indonesian province codes: the first two digits of every NIK and KK
_PROVINCES = {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65,
              71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97}

# --- phones and e-mail -------------------------------------------------------------------------

_SEP = r"[ .\-]?"
#: mobile 08xx / +62 8xx / 62 8xx / +62 (0)8xx, 9 to 12 digits after the 8
_MOBILE = _lazy(r"(?<![\w+])(?:\+62|62|\(\+62\)|0)" + _SEP + r"(?:\(0\)" + _SEP + r")?8(?:" + _SEP + r"\d){8,11}"
                     r"(?![\d]|[ .-]\d)")
#: a mobile written without its leading 0, only after a contact word ("WA: 8123456789")
_BARE_MOBILE = _lazy(r"(?<=[:\s])8\d{8,11}(?!\d)")
_CONTACT_WORDS = _lazy(r"\b(?:WA|WhatsApp|HP|Hp|telp\.?|telepon|ponsel|hubungi|kontak|SMS)\b\W{0,3}$", re.I)
#: landline with its area code: (0274) 895123, 0274-4461234, +62 274 895123
_LANDLINE = _lazy(r"(?<![\w+])(?:\(0\d{2,3}\)|0[2-79]\d{1,2}|\+62" + _SEP + r"[2-79]\d{1,2})" + _SEP +
                       r"\d{3,4}" + _SEP + r"?\d{3,4}(?![\d]|[ .-]\d)")
_AT = r"(?:\s*@\s*|\s*[\[({<]\s*(?:at|@|et)\s*[\])}>]\s*|\s+(?:at|et)\s+)"
_DOT = r"(?:\.|\s*[\[({<]\s*(?:dot|titik|\.)\s*[\])}>]\s*|\s+(?:dot|titik)\s+)"
_EMAIL = _lazy(r"(?<![\w.+-])[A-Za-z0-9][\w.+-]*" + _AT + r"[A-Za-z0-9-]+(?:" + _DOT + r"[A-Za-z0-9-]+)*" +
                    _DOT + r"(?:com|id|net|org|co|ac|sch|or|my|info|biz|me|io)\b(?:" + _DOT +
                    r"(?:id|uk|au|my)\b)?", re.I)

# --- names and context -------------------------------------------------------------------------

_NAME_WORD = r"(?:[A-Z][a-z']+|[A-Z]\.)"
_HONORIFIC = (r"(?:Bapak|Bpk\.?|Pak|Ibu|Bu|Mbah|Mbok|Simbah|Sdr\.?|Sdri\.?|Saudara|Saudari|Mas|Mbak|Kakek|Nenek|"
              r"Ny\.|Nyonya|Tn\.|Almarhum|Almh?\.|An\.|[Aa]nak|[Aa]dik|[Bb]alita|[Bb]ayi|[Ss]iswa|[Ss]iswi|"
              r"[Bb]ocah|[Pp]asien|[Ll]ansia|[Ww]arga|[Jj]anda|[Dd]uda|[Yy]atim|[Pp]enerima|[Aa]tas\s+nama)")
_HONORIFIC_WORD = _lazy(_HONORIFIC)
#: a person by an honorific or role ("Ibu Sutinah", "balita bernama Aisyah Putri") or by an age given
_PERSON = _lazy(_HONORIFIC + r"(?:\s+(?:bernama|yang\s+bernama|atas\s+nama|a\.n\.))?\s+"
                     r"(?P<name>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,3})")
_AGED = _lazy(r"(?P<name>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,2})\s*\(\s*(?:usia\s+)?\d{1,2}\s*"
                   r"(?:tahun|thn|th|bulan|bln)\b")
#: a list of recipients after "penerima …:" ("1) Sarjono, 2) Painem" or "Suparmi, Wagiyem dan Tukiyo")
_LIST_INTRO = _lazy(r"\b(?:penerima|daftar\s+penerima|KPM|keluarga\s+penerima)\b[^.:;]{0,60}:\s*", re.I)
_LIST_ITEM = _lazy(r"(?:\d{1,2}[.)]\s*)?(?:(?:Bapak|Bpk\.?|Pak|Ibu|Bu|Mbah|Sdr\.?|Sdri\.?)\s+)?"
                        r"(?P<name>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,2})")
_LIST_SEP = _lazy(r"(?:\s*\([^)]{0,60}\))?(?:\s*,?\s*(?:NIK\s*)?\d(?:[\d-]|\.(?=\d)){7,}+(?:\s\d{4}){0,3}+)?"
                       r"\s*(?:,|;|\bdan\b|\bserta\b|(?=\d{1,2}[.)]\s))\s*")
#: who is named in a public role: officials, staff, speakers (their names are public information)
_OFFICIAL = _lazy(
    r"(?:\b(?:Lurah|Carik|Kepala|Kades|Kadus|Dukuh|Panewu|Camat|Bupati|Wakil|Ketua|Sekretaris|Bendahara|Kader|"
    r"Pendamping|Babinsa|Bhabinkamtibmas|Jagabaya|Ulu-ulu|Danarta|Pangripta|Kamituwa|Bidan|Dokter|dr\.|"
    r"Perawat|Perwakilan|Kasi|Kaur|Staf|Narasumber|Pemateri|Direktur|Koordinator|Anggota|Kapolsek|Danramil|"
    r"Penyuluh|Petugas|Nakes|Ustadz|Kiai|Pastor|Pendeta|Pelatih|Guru|Juri|Pembina|Manajer|Relawan)"
    r"(?:\s+(?:[A-Z][\w.-]*|desa|kalurahan|kapanewon|kabupaten|PKH|RT|RW|\d+))*\s*,?\s*"
    r"|\b(?:dipimpin|dipandu|disampaikan|dibuka|oleh)\s+(?:oleh\s+)?)$")
_ROLE_AFTER = _lazy(r"^\s*,?\s*(?:selaku|sebagai|yang\s+menjabat|\(\s*(?:Lurah|Kepala|Ketua|Dukuh|Kader|"
                         r"Bidan|Carik|Babinsa|Pendamping)|,\s*(?:Lurah|Kepala|Ketua|Dukuh|Kader|Bidan|Carik|"
                         r"Panewu|Camat|Bupati|Pendamping))", re.I)
_AID = _lazy(
    r"\b(?:BLT(?:[- ]?(?:DD|Dana\s+Desa|Desa))?|PKH|BPNT|Program\s+Keluarga\s+Harapan|"
    r"Bantuan\s+Pangan(?:\s+Non\s+Tunai)?|"
    r"Kartu\s+Sembako|bansos|bantuan\s+sosial|BST|PBI(?:[- ]JK)?|KIP|Kartu\s+Indonesia\s+Pintar|RTLH|bedah\s+rumah|"
    r"rumah\s+tidak\s+layak\s+huni|penerima\s+manfaat|KPM|bantuan\s+langsung\s+tunai|beras\s+bantuan|"
    r"bantuan\s+beras|jaminan\s+hidup|santunan|bantuan\s+(?:modal|tunai|sembako|lansia|disabilitas|pendidikan)|"
    r"miskin\s+ekstrem|keluarga\s+miskin|DTKS|P3KE|jatah\s+bantuan)\b", re.I)
_RECEIVES = _lazy(r"\b(?:menerima|penerima|diterima|mendapat(?:kan)?|memperoleh|diberikan\s+kepada|"
                       r"diserahkan\s+kepada|disalurkan\s+kepada|kepada|untuk|dicairkan)\b", re.I)
_HELP = _lazy(r"\b(?:bantuan|sembako|paket)\b", re.I)
_RECEIVED = _lazy(r"\b(?:menerima|diterima|penerima|mendapat(?:kan)?)\b", re.I)
_AMOUNT = _lazy(r"\bRp\.?\s?\d", re.I)
_HEALTH = _lazy(
    r"\b(?:stunting|gizi\s+buruk|gizi\s+kurang|kurang\s+gizi|malnutrisi|wasting|underweight|berat\s+badan\s+kurang|"
    r"TBC|TB\s+paru|tuberkulosis|HIV|AIDS|ODHA|diabetes|kencing\s+manis|hipertensi|darah\s+tinggi|stroke|kanker|"
    r"tumor|ODGJ|gangguan\s+jiwa|skizofrenia|depresi|kusta|lumpuh|kelumpuhan|disabilitas|difabel|tunanetra|"
    r"tunarungu|autis(?:me)?|down\s+syndrome|thalasemia|thalassemia|epilepsi|hamil\s+risiko\s+tinggi|"
    r"ibu\s+hamil\s+risti|demam\s+berdarah|DBD|diare|pneumonia|gagal\s+ginjal|cuci\s+darah|hemodialisis|"
    r"hepatitis|dirawat|rawat\s+inap|opname|dioperasi|operasi|didiagnosis|diagnosa|menderita|mengidap|"
    r"positif|sakit|gizi|patah\s+tulang|terbaring|kecelakaan|luka\s+bakar|cacat|katarak|garis\s+merah|BGM)\b",
    re.I)
#: a child's parent named in the sentence after the child's health: the same specific data
_KIN = _lazy(r"\b(?:orang\s+tua(?:nya)?|ibunya|ayahnya|bapaknya|ibu\s+(?:dari|kandung)|ayah\s+(?:dari|kandung)|"
                  r"wali(?:nya)?|keluarganya)\b", re.I)
_ADDRESS_WORDS = _lazy(r"\b(?:tinggal|bertempat\s+tinggal|beralamat|alamat|rumah(?:nya)?|kediaman|domisili|"
                            r"berdomisili|warga|menempati|huni|dihuni)\b", re.I)
_RT_RW = _lazy(r"\bRT\.?\s?0*\d{1,3}\s*(?:/\s*|\s+)?(?:RW\.?\s?)?0*\d{1,3}\b|\bRT\.?\s?0*\d{1,3}\b")
_RT_TITLE = _lazy(r"\b(?:Ketua|Pak|Bu|Pengurus|tingkat|se-?|per|setiap|antar|seluruh|tiap)\s*$", re.I)
_SENTENCE_END = _lazy(r"[.!?;](?=\s|$)|\n")
_ABBREVIATION = _lazy(r"\b(?:Rp|No|Sdr|Sdri|Bpk|Jl|Ny|Tn|dr|rek|Alm|Almh|An|St|Kec|Kab|Dsn|Dr|Hj|H|n|dkk|"
                           r"Telp|Hp|HP)$")
#: capitalised words that begin sentences or name places and programmes, never a person
_NOT_NAMES = {"Dusun", "Padukuhan", "Desa", "Kalurahan", "Kelurahan", "Kapanewon", "Kecamatan", "Kabupaten", "Balai",
              "Posyandu", "Puskesmas", "Rumah", "Sakit", "RSUD", "Jalan", "Jl.", "Program", "Bantuan", "Dana",
              "Penerima", "Kegiatan", "Tim", "Kelompok", "Bank", "Kartu", "Pemerintah", "Sleman", "Pakem", "Dinas",
              "Bulan", "Tahun", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu", "Januari",
              "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November",
              "Desember", "Dalam", "Pada", "Untuk", "Dengan", "Yang", "Dari", "Ke", "Di", "Dan", "Selain", "Para",
              "Sedangkan", "Adapun", "Sementara", "Hal", "Kader", "Ketua", "Lurah", "Sejumlah", "Total", "Data",
              "Warga", "Keluarga", "Sebanyak", "Seluruh", "Setiap", "Semua", "Kami", "Mereka", "Ia", "Beliau",
              "Sesuai", "Menurut", "Panitia", "Bendahara", "Takmir", "Yayasan", "Koperasi", "Bumdes", "BUMKal",
              "Selanjutnya", "Kemudian", "Namun", "Hadir", "Acara", "Rapat", "Materi"}


@dataclass(frozen=True)
class Finding:
    kind: str
    field: str
    start: int
    end: int
    masked: str
    confidence: float = 0.9

    @property
    def label(self) -> Bilingual:
        return KINDS[self.kind]

    @property
    def id(self) -> str:
        """Names this finding in this version's text (a form value: no personal data in it)."""
        return f"{self.field}.{self.start}.{self.end}.{self.kind}"

    @property
    def specific(self) -> bool:
        return self.kind in SPECIFIC_KINDS

    @property
    def level(self) -> Bilingual:
        return t("pasti", "certain") if self.confidence >= 0.8 else t("mungkin", "possible")

    def record(self) -> str:
        """What is stored with the decision: no more of the value than the masked tail."""
        return f"{self.kind}:{self.field}:{self.start}-{self.end}:{self.masked}"


def mask(value: str, kind: str | None = None) -> str:
    """The finding as the PPID sees it: enough to find it in the draft, not enough to use it."""
    if kind in ("aid_recipient", "health"):
        return " ".join(w[:1] + "*" * max(len(w) - 1, 1) for w in value.split())
    if kind == "address":
        return re.sub(r"\d", "*", value)
    if kind == "email" or (kind is None and "@" in value):
        m = re.match(r"\s*([^\s\[\](){}@]+)" + _AT + r"(.*)$", value, re.I)
        local, domain = (m.group(1), m.group(2)) if m else (value, "")
        domain = re.sub(_DOT, ".", domain, flags=re.I)
        return f"{local[:1]}***@{domain}"
    digits = re.sub(r"\D", "", value)
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def _near(words: re.Pattern[str], text: str, start: int, end: int, before: int = 40, after: int = 0) -> bool:
    return bool(words.search(text[max(0, start - before):start])) or bool(after and words.search(text[end:end + after]))


@lru_cache(maxsize=16)
def _sentence_ends(text: str) -> tuple[int, ...]:
    """Where sentences end: at . ! ? ; or a line break, not inside "Rp.", "Sdr." or "3404.01"."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)
            if not (m.group() == "." and _ABBREVIATION.search(text[max(0, m.start() - 6):m.start()]))]
    return (*ends, len(text))


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """The sentence around ``pos``."""
    ends = _sentence_ends(text)
    i = bisect_right(ends, pos)
    return (ends[i - 1] if i else 0), (ends[i] if i < len(ends) else len(text))


def _nik_structure(digits: str) -> str | None:
    """``valid`` when region and date are right (stdnum), ``possible`` when only the shape fits."""
    from stdnum.id import nik

    if len(digits) != 16 or int(digits[:2]) not in _PROVINCES or digits[2:4] == "00":
        return None
    if nik.is_valid(digits):
        return "valid"
    day, month = int(digits[6:8]), int(digits[8:10])
    if digits[12:] == "0000" or not (1 <= day <= 71) or month == 0:
        return None
    return "possible"


def _id_number(digits: str, text: str, start: int, end: int) -> tuple[str, float] | None:
    """The kind and confidence of a 15- or 16-digit number, or None when it is not an identity number."""
    from stdnum.id import npwp

    if len(digits) == 16:
        if _near(_NPWP_WORDS, text, start, end):
            return ("npwp", 0.95) if npwp.is_valid(digits) else ("npwp", 0.7)
        structure = _nik_structure(digits)
        if _near(_KK_WORDS, text, start, end) and not _near(_NIK_WORDS, text, start, end, before=12):
            return ("kk", 0.95) if structure == "valid" else ("kk", 0.7)
        if _near(_NIK_WORDS, text, start, end):
            return ("nik", 0.95) if structure == "valid" else ("nik", 0.7)
        if digits.startswith("0") and npwp.is_valid(digits):
            return "npwp", 0.8
        if _near(_REFERENCE_WORDS, text, start, end, before=50):
            return None
        if structure == "valid":
            return "nik", 0.9
        if structure == "possible":
            return "nik", 0.5
    if len(digits) == 15 and npwp.is_valid(digits) and _near(_NPWP_WORDS, text, start, end, after=10):
        return "npwp", 0.9
    return None


def _norm_phone(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return digits.replace("6208", "628", 1) if digits.startswith("6208") else digits


def _valid_phone(raw: str) -> bool:
    import phonenumbers

    digits = re.sub(r"[^\d+]", "", raw)
    if digits.startswith("62"):
        digits = "+" + digits
    digits = digits.replace("+620", "+62", 1)
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(digits, "ID"))
    except phonenumbers.NumberParseException:
        return False


def _is_official(text: str, start: int, end: int, honorific_start: int) -> bool:
    sentence_start, _ = _sentence_bounds(text, start)
    before = text[max(sentence_start, honorific_start - 45):honorific_start]
    return bool(_OFFICIAL.search(before)) or bool(_ROLE_AFTER.match(text[end:end + 40]))


def _people(text: str) -> list[tuple[int, int, int, bool]]:
    """Private persons named in the text: (start, end) of the name, where its honorific starts, and
    whether the name stands in a list of recipients."""
    found: dict[int, tuple[int, int, int, bool]] = {}
    for m in _PERSON.finditer(text):
        s, e = m.span("name")
        words = m.group("name").split()
        while words and words[-1] in _NOT_NAMES:
            words.pop()
        if not words or words[0] in _NOT_NAMES:
            continue
        e = s + len(" ".join(words)) if m.group("name").startswith(" ".join(words)) else e
        found.setdefault(s, (s, e, m.start(), False))
    for m in _AGED.finditer(text):
        s, e = m.span("name")
        words = m.group("name").split()
        while words and (words[0] in _NOT_NAMES or _HONORIFIC_WORD.fullmatch(words[0])):
            s += len(words.pop(0)) + 1
        if words and s not in found:
            found[s] = (s, e, s, False)
    for intro in _LIST_INTRO.finditer(text):
        pos, stop = intro.end(), _sentence_bounds(text, intro.end())[1]
        while pos < stop:
            item = _LIST_ITEM.match(text, pos)
            if not item or item.group("name").split()[0] in _NOT_NAMES:
                break
            s, e = item.span("name")
            found[s] = (s, e, item.start(), True)
            sep = _LIST_SEP.match(text, e)
            if not sep:
                break
            pos = sep.end()
    people = []
    for s, e, h, listed in sorted(found.values()):
        if not _is_official(text, s, e, h):
            people.append((s, e, h, listed))
    return people


#: how much of a sentence around a name is read for its context (a sentence with no full stop can be long)
_CONTEXT = 300


@lru_cache(maxsize=256)
def _says(sentence: str) -> tuple[bool, bool, bool]:
    """What a sentence speaks of: (health, aid received, kinship)."""
    aid = bool(_AID.search(sentence) or (_AMOUNT.search(sentence) and _RECEIVES.search(sentence))
               or (_HELP.search(sentence) and _RECEIVED.search(sentence)))
    return bool(_HEALTH.search(sentence)), aid, bool(_KIN.search(sentence))


def _contextual(text: str, add) -> None:  # noqa: ANN001 (the screen's own adder)
    """Specific personal data: found by what is said about a named private person."""
    people = _people(text)
    for s, e, _, listed in people:
        sent_start, sent_end = _sentence_bounds(text, s)
        health, aid, kin = _says(text[max(sent_start, s - _CONTEXT):min(sent_end, e + _CONTEXT)])
        if not health and kin and sent_start:
            before_start = _sentence_bounds(text, max(sent_start - 2, 0))[0]
            health = _says(text[max(before_start, sent_start - _CONTEXT):sent_start])[0]
        if health:
            add("health", s, e, 0.75)
        elif listed or aid:
            add("aid_recipient", s, e, 0.75)
    for m in _RT_RW.finditer(text):
        if _RT_TITLE.search(text[max(0, m.start() - 12):m.start()]):
            continue
        sent_start, sent_end = _sentence_bounds(text, m.start())
        if not _ADDRESS_WORDS.search(text[max(sent_start, m.start() - 40):m.start()]):
            continue
        if any(sent_start <= s < sent_end for s, _, _, _ in people):
            add("address", m.start(), m.end(), 0.7)


def screen(text: str, field: str, public_numbers: tuple[str, ...] = ()) -> list[Finding]:
    """Every personal-data finding in one field's text, in order. ``public_numbers``: the office's
    published phone numbers and accounts (any notation), never flagged."""
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int, confidence: float) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(Finding(kind, field, start, end, mask(text[start:end], kind), confidence))

    def reserve(start: int, end: int) -> None:
        taken.append((start, end))

    public = {_norm_phone(n) for n in public_numbers}
    public_digits = {re.sub(r"\D", "", n) for n in public_numbers}
    for m in _GROUPS.finditer(text):
        if public_digits and re.sub(r"\D", "", m.group()) in public_digits:
            reserve(m.start(), m.end())
    # public information first: it is never a finding, and nothing inside it is either
    for pattern in (_BUDGET_CODE, _DATE):
        for m in pattern.finditer(text):
            reserve(m.start(), m.end())
    for m in _COORDINATE_PAIR.finditer(text):
        reserve(m.start(), m.end())
    for m in _COORDINATE.finditer(text):
        if re.search(r"\b(?:koordinat|lintang|bujur|GPS|LS|LU|BT)\b", text[max(0, m.start() - 40):m.start()], re.I):
            reserve(m.start(), m.end())
    for m in _NPWP_OLD.finditer(text):
        add("npwp", m.start(), m.end(), 0.95)
    for m in _EMAIL.finditer(text):
        normal = re.sub(_DOT, ".", re.sub(_AT, "@", m.group(), flags=re.I), flags=re.I).lower()
        if normal.endswith(PUBLIC_MAIL_DOMAINS):
            reserve(m.start(), m.end())
        else:
            add("email", m.start(), m.end(), 0.95 if "@" in m.group() else 0.85)
    for m in _GROUPS.finditer(text):
        groups = re.split(r"[ .-]", m.group())
        # a run may hold a number and what follows it ("…0002 2) Bapak"): try the longest prefix that fits
        offset = m.start()
        starts = [offset]
        for g in groups[:-1]:
            starts.append(starts[-1] + len(g) + 1)
        i = 0
        while i < len(groups):
            # the groups from i that make at most 16 digits; the longest fitting prefix wins
            j, length = i, 0
            while j < len(groups) and length + len(groups[j]) <= 16:
                length += len(groups[j])
                j += 1
            for stop in range(j, i, -1):
                digits = "".join(groups[i:stop])
                if len(digits) not in (15, 16):
                    continue
                start, end = starts[i], starts[stop - 1] + len(groups[stop - 1])
                if _MONEY_BEFORE.search(text[max(0, start - 12):start]):
                    continue
                kind = _id_number(digits, text, start, end)
                if kind:
                    add(kind[0], start, end, kind[1])
                    i = stop - 1
                    break
            i += 1
    for pattern in (_MOBILE, _LANDLINE):
        for m in pattern.finditer(text):
            raw = m.group()
            if _norm_phone(raw) in public:
                reserve(m.start(), m.end())
                continue
            if _MONEY_BEFORE.search(text[:m.start()]) or not _valid_phone(raw):
                continue
            if pattern is _LANDLINE and (_near(_REFERENCE_WORDS, text, m.start(), m.end(), before=30)
                                         or _near(_BANK_WORDS, text, m.start(), m.end(), before=20)):
                continue
            add("phone", m.start(), m.end(), 0.95 if pattern is _MOBILE else 0.85)
    for m in _BARE_MOBILE.finditer(text):
        if _CONTACT_WORDS.search(text[max(0, m.start() - 20):m.start()]) and _valid_phone("0" + m.group()):
            add("phone", m.start(), m.end(), 0.8)
    for m in _GROUPS.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if not 8 <= len(digits) <= 18 or _MONEY_BEFORE.search(text[:m.start()]):
            continue
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", m.group()):  # a thousands-grouped figure (8.412.000)
            continue
        if _near(_REFERENCE_WORDS, text, m.start(), m.end(), before=35):
            continue
        if _near(_BANK_WORDS, text, m.start(), m.end(), before=35) or re.match(
                r"\s*\((?:a\.?n\.?\s*)?(?:Bapak|Bpk|Pak|Ibu|Bu|Sdr|Mas|Mbak)\b", text[m.end():]):
            add("bank_account", m.start(), m.end(), 0.9)
    _contextual(text, add)
    return sorted(found, key=lambda f: f.start)


def screen_fields(fields: dict[str, str], public_numbers: tuple[str, ...] = ()) -> list[Finding]:
    """Findings of several fields (``narrative``, ``caption``, ``article``, ...), field by field."""
    return [f for name, text in fields.items() if text for f in screen(text, name, public_numbers)]


@cache
def redaction_text(kind: str) -> str:
    return REDACTED.get(kind, "[data pribadi disamarkan]")
