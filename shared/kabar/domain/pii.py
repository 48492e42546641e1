"""Personal-data screening before review: what in a narrative, caption or article looks personal.

Kinds: NIK and KK (16 digits; a NIK is checked by its region and birth-date structure, women's day
+40, through python-stdnum), NPWP (old 15 and new 16 digits), Indonesian phone numbers
(phonenumbers), e-mail addresses, and bank account numbers near a bank word. Public numbers of the
office and addresses of government domains are public information, not personal data.

Findings carry the kind, the field, the span and a masked value: the screening report itself
must not spread the data it found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import Bilingual, t

KINDS: dict[str, Bilingual] = {
    "nik": t("NIK (nomor induk kependudukan)", "NIK (national identity number)"),
    "kk": t("Nomor Kartu Keluarga", "Family card number"),
    "npwp": t("NPWP (nomor pokok wajib pajak)", "NPWP (tax number)"),
    "phone": t("Nomor telepon", "Phone number"),
    "email": t("Alamat e-mail", "E-mail address"),
    "bank_account": t("Nomor rekening bank", "Bank account number"),
}
FIELDS = {"narrative": "narasi (narrative)", "caption": "keterangan (caption)", "title": "judul (title)",
          "lead": "teras (lead)", "article": "isi berita (article)"}
#: addresses on these domains belong to institutions and are published on purpose
PUBLIC_MAIL_DOMAINS = (".go.id", ".desa.id")

_DIGITS = re.compile(r"(?<![\w.,/-])\d(?:[ .-]?\d){7,19}(?![\w/]|[.,-]\d)")
_NPWP_OLD = re.compile(r"(?<!\d)\d{2}\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}(?!\d)")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_KK_WORDS = re.compile(r"\b(?:KK|kartu\s+keluarga|no\.?\s*KK)\b", re.I)
_NIK_WORDS = re.compile(r"\b(?:NIK|KTP|e-?KTP|nomor\s+induk\s+kependudukan)\b", re.I)
_NPWP_WORDS = re.compile(r"\bNPWP\b", re.I)
_BANK_WORDS = re.compile(r"\b(?:rekening|rek\.?|no\.?\s*rek|bank|BRI|BNI|BCA|BSI|BTN|BPD|Mandiri|CIMB|Danamon|"
                         r"Permata|a\.?\s?n\.?|atas\s+nama)\b", re.I)
_MONEY_BEFORE = re.compile(r"(?:Rp\.?|IDR|rupiah)\s*$", re.I)


@dataclass(frozen=True)
class Finding:
    kind: str
    field: str
    start: int
    end: int
    masked: str

    @property
    def label(self) -> Bilingual:
        return KINDS[self.kind]

    def record(self) -> str:
        """What is stored with the decision: no more of the value than the masked tail."""
        return f"{self.kind}:{self.field}:{self.start}-{self.end}:{self.masked}"


def mask(value: str) -> str:
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = re.sub(r"\D", "", value)
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def _near(words: re.Pattern[str], text: str, start: int, end: int, before: int = 40, after: int = 0) -> bool:
    return bool(words.search(text[max(0, start - before):start])) or bool(after and words.search(text[end:end + after]))


def _id_number(digits: str, text: str, start: int, end: int) -> str | None:
    from stdnum.id import nik, npwp

    if len(digits) == 16:
        if _near(_KK_WORDS, text, start, end):
            return "kk"
        if _near(_NPWP_WORDS, text, start, end):
            return "npwp"
        if nik.is_valid(digits) or _near(_NIK_WORDS, text, start, end):
            return "nik"
        if digits.startswith("0") and npwp.is_valid(digits):
            return "npwp"
    if len(digits) == 15 and (npwp.is_valid(digits) and _near(_NPWP_WORDS, text, start, end, after=10)):
        return "npwp"
    return None


def _norm_phone(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return "62" + digits[1:] if digits.startswith("0") else digits


def screen(text: str, field: str, public_numbers: tuple[str, ...] = ()) -> list[Finding]:
    """Every personal-data finding in one field's text, in order."""
    import phonenumbers

    found: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(Finding(kind, field, start, end, mask(text[start:end])))

    for m in _NPWP_OLD.finditer(text):
        add("npwp", m.start(), m.end())
    for m in _EMAIL.finditer(text):
        if not m.group().lower().rstrip(".").endswith(PUBLIC_MAIL_DOMAINS):
            add("email", m.start(), m.end())
    for m in _DIGITS.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        kind = _id_number(digits, text, m.start(), m.end())
        if kind:
            add(kind, m.start(), m.end())
    public = {_norm_phone(n) for n in public_numbers}
    for match in phonenumbers.PhoneNumberMatcher(text, "ID", leniency=phonenumbers.Leniency.VALID):
        if _norm_phone(match.raw_string) in public or _MONEY_BEFORE.search(text[:match.start]):
            taken.append((match.start, match.end))
            continue
        add("phone", match.start, match.end)
    for m in _DIGITS.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 8 <= len(digits) <= 16 and _near(_BANK_WORDS, text, m.start(), m.end(), before=30) \
                and not _MONEY_BEFORE.search(text[:m.start()]):
            add("bank_account", m.start(), m.end())
    return sorted(found, key=lambda f: f.start)


def screen_fields(fields: dict[str, str], public_numbers: tuple[str, ...] = ()) -> list[Finding]:
    """Findings of several fields (``narrative``, ``caption``, ``article``, ...), field by field."""
    return [f for name, text in fields.items() if text for f in screen(text, name, public_numbers)]
