"""SOP step 2: the documentation becomes drafts: a social caption, a news article, an announcement.

Everything here is built from what the submitter handed over (title, date, place, narrative) and
the village's configuration; nothing is invented. Shortening always drops whole sentences.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from markupsafe import escape
from pydantic import BaseModel

from .clock import long_date_id
from .models import Submission, Village, WebsiteKind

#: Instagram's caption limit (Facebook allows far more), counted in UTF-16 units as Meta does.
CAPTION_MAX_CHARS = 2200
#: Instagram ignores a post's hashtags beyond 30.
CAPTION_MAX_HASHTAGS = 30
#: How much of the narrative a caption carries: a caption is read on a phone, not a report.
CAPTION_NARRATIVE_CHARS = 1000
#: How much of the narrative an announcement carries.
ANNOUNCEMENT_NARRATIVE_CHARS = 700
#: A body paragraph holds at most this many sentences / characters before a new one starts.
PARAGRAPH_SENTENCES = 4
PARAGRAPH_CHARS = 600
SLUG_WORDS_CHARS = 60

HARI_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

ELLIPSIS = "…"


class Article(BaseModel):
    title: str
    slug: str
    dateline: str
    lead: str
    body_html: str


# --- Text: paragraphs and sentences ----------------------------------------------------------

#: Words that end with a full stop without ending a sentence (Indonesian titles and abbreviations).
_ABBREVIATIONS = {
    "bp", "bpk", "sdr", "sdri", "dr", "drs", "dra", "ir", "h", "hj", "kh", "prof", "st", "no", "nomor",
    "jl", "jln", "kec", "kab", "kel", "ds", "dsn", "rt", "rw", "dsb", "dll", "dst", "tgl", "pkl", "yth",
    "sd", "smp", "sma", "vol", "hlm", "kp", "gg", "mr", "mrs", "ny", "tn", "a.n", "u.p", "u.b",
}
_BOUNDARY = re.compile(r"([.!?…]+[\"'”’)\]]*)\s+")
_OPENERS = "\"'“‘([«"
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def clean_line(text: str) -> str:
    """One line: control characters out, runs of spaces collapsed, ends trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    return _SPACES.sub(" ", text.replace("\n", " ").replace("\t", " ")).strip()


def paragraphs(narrative: str) -> list[str]:
    """Paragraphs of a narrative: split on blank lines, line breaks inside one joined by spaces."""
    text = narrative.replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n[ \t\u00a0]*\n", text)
    return [p for p in (clean_line(b) for b in blocks) if p]


def _is_abbreviation(word: str) -> bool:
    word = word.lstrip(_OPENERS).rstrip(".").lower()
    if not word:
        return False
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "R. Sutrisno"
    parts = word.split(".")
    return word in _ABBREVIATIONS or (len(parts) > 1 and all(p.isalpha() and len(p) <= 4 for p in parts))


def sentences(paragraph: str) -> list[str]:
    """Whole sentences of one paragraph (a full stop after a title or an initial does not end one)."""
    found: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        rest = paragraph[match.end():].lstrip(_OPENERS)
        if not rest or not (rest[0].isupper() or rest[0].isdigit()):
            continue
        before = paragraph[start:match.start(1)]
        words = before.split()
        if match.group(1).startswith(".") and match.group(1).rstrip("\"'”’)]") == "." and words \
                and _is_abbreviation(words[-1]):
            continue
        found.append(paragraph[start:match.end(1)].strip())
        start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        found.append(tail)
    return found


def _cut_at_word(text: str, budget: int, measure: Callable[[str], int]) -> str:
    """Last resort for one sentence longer than the whole budget: end at a word, with an ellipsis."""
    words = text.split(" ")
    kept: list[str] = []
    for word in words:
        candidate = " ".join([*kept, word]).rstrip(",;:") + ELLIPSIS
        if measure(candidate) > budget:
            break
        kept.append(word)
    return (" ".join(kept).rstrip(",;: ") + ELLIPSIS) if kept else ""


def condense(narrative: str, budget: int, measure: Callable[[str], int] = len,
             first_budget: int | None = None) -> str:
    """The narrative's first whole sentences that fit ``budget``, paragraphs kept apart.

    The first sentence is kept whole while it fits ``first_budget`` (default: ``budget``); only a
    first sentence longer than that is ended at a word, with an ellipsis, so something is said.
    """
    out: list[list[str]] = []
    used = 0
    for para in paragraphs(narrative):
        for i, sentence in enumerate(sentences(para)):
            if not out:
                size = measure(sentence)
                if size > budget:
                    if size <= (first_budget if first_budget is not None else budget):
                        return sentence
                    return _cut_at_word(sentence, first_budget or budget, measure)
                out.append([sentence])
                used = size
                continue
            size = measure(sentence) + (1 if i > 0 else 2)
            if used + size > budget:
                return _join(out)
            if i == 0:
                out.append([sentence])
            else:
                out[-1].append(sentence)
            used += size
    return _join(out)


def _join(blocks: list[list[str]]) -> str:
    return "\n\n".join(" ".join(block) for block in blocks)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- Names -----------------------------------------------------------------------------------


def _village_name(village: Village) -> str:
    """``Kalurahan Purwobinangun`` configured or not: the bare name."""
    name = clean_line(village.name)
    return re.sub(r"^(kalurahan|kelurahan|desa)\s+", "", name, flags=re.IGNORECASE) or name


def signature(village: Village) -> str:
    return f"Pemerintah Kalurahan {_village_name(village)}"


def _title(submission: Submission) -> str:
    return clean_line(submission.activity.title)


def _what(title: str) -> str:
    """The activity as the subject of a sentence: "Kegiatan Kerja Bakti ..."."""
    bare = title.rstrip(" .!?;:")
    if re.match(r"^(kegiatan|acara)\b", bare, flags=re.IGNORECASE):
        return bare[0].upper() + bare[1:]
    return f"Kegiatan {bare}"


def _where(village: Village, submission: Submission) -> str:
    location = clean_line(submission.activity.location).rstrip(" .")
    name = _village_name(village)
    if name.lower() in location.lower():
        return location
    return f"{location}, Kalurahan {name}"


def _when(submission: Submission) -> str:
    day = submission.activity.date
    return f"{HARI_ID[day.weekday()]}, {long_date_id(day)}"


def _hashtag(tag: str) -> str:
    word = re.sub(r"[^\w]", "", tag.lstrip("#"))
    return f"#{word}" if word and not word.isdigit() else ""


def hashtags(village: Village, already: str = "", limit: int = CAPTION_MAX_HASHTAGS) -> list[str]:
    """The village's hashtags, cleaned, without repeats or tags ``already`` carries, within the limit."""
    present = {m.lower() for m in re.findall(r"(?<![\w#])#\w+", already)}
    room = max(0, limit - len(present))
    tags: list[str] = []
    for raw in village.hashtags:
        tag = _hashtag(raw)
        if tag and tag.lower() not in present:
            present.add(tag.lower())
            tags.append(tag)
    return tags[:room]


def slugify(text: str, max_chars: int = SLUG_WORDS_CHARS) -> str:
    """ASCII, lowercase, hyphens: ``Kerja Bakti Dusun Ngepring – Ñ`` -> ``kerja-bakti-dusun-ngepring-n``."""
    text = text.replace("&", " dan ")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_chars:
        slug = slug[:max_chars + 1].rsplit("-", 1)[0] if "-" in slug[:max_chars + 1] else slug[:max_chars]
    return slug.strip("-")


def _slug(submission: Submission, words: str) -> str:
    suffix = re.sub(r"[^a-z0-9]", "", submission.submission_id.lower())[:6]
    parts = [submission.activity.date.isoformat(), slugify(words) or "kegiatan", suffix]
    return "-".join(p for p in parts if p)


def dateline(village: Village, submission: Submission) -> str:
    return f"{clean_line(village.name)}, {long_date_id(submission.activity.date)}"


# --- Social caption --------------------------------------------------------------------------


def build_caption(village: Village, submission: Submission) -> str:
    """The social caption: title, the narrative in whole sentences, place and date, signature, hashtags.

    Stays within Instagram's 2,200 characters and 30 hashtags; shortening drops whole sentences.
    """
    title = _title(submission)
    place = f"📍 {clean_line(submission.activity.location)}, {long_date_id(submission.activity.date)}"
    sign = signature(village)
    tags = hashtags(village, already=f"{title} {submission.narrative}")

    def assemble(story: str, tags: list[str]) -> str:
        closing = sign + ("\n" + " ".join(tags) if tags else "")
        return "\n\n".join(part for part in (title, story, place, closing) if part)

    while tags and _utf16_len(assemble("", tags)) > CAPTION_MAX_CHARS:
        tags = tags[:-1]
    room = CAPTION_MAX_CHARS - _utf16_len(assemble("", tags)) - 2  # the blank line before the story
    story = condense(submission.narrative, min(CAPTION_NARRATIVE_CHARS, room), _utf16_len,
                     first_budget=room) if room > 0 else ""
    caption = assemble(story, tags)
    if _utf16_len(caption) > CAPTION_MAX_CHARS:  # only with an absurd title or place
        caption = _cut_at_word(caption, CAPTION_MAX_CHARS, _utf16_len)
    return caption


# --- Website ---------------------------------------------------------------------------------


def _html_paragraphs(blocks: list[list[str]]) -> str:
    """Sentences as ``<p>`` paragraphs of a readable length; every character escaped."""
    html: list[str] = []
    for block in blocks:
        current: list[str] = []
        for sentence in block:
            if current and (len(current) >= PARAGRAPH_SENTENCES
                            or sum(len(s) + 1 for s in current) + len(sentence) > PARAGRAPH_CHARS):
                html.append(f"<p>{escape(' '.join(current))}</p>")
                current = []
            current.append(sentence)
        if current:
            html.append(f"<p>{escape(' '.join(current))}</p>")
    return "\n".join(html)


def build_article(village: Village, submission: Submission) -> Article:
    """The news item: title, slug, dateline, a who/what/where/when lead, the narrative as paragraphs."""
    title = _title(submission)
    blocks = [sentences(p) for p in paragraphs(submission.narrative)]
    blocks = [b for b in blocks if b]
    first = blocks[0].pop(0) if blocks else ""
    blocks = [b for b in blocks if b]
    lead = f"{_what(title)} berlangsung pada {_when(submission)}, di {_where(village, submission)}."
    if first:
        lead = f"{lead} {first}"
    return Article(title=title, slug=_slug(submission, title), dateline=dateline(village, submission),
                   lead=lead, body_html=_html_paragraphs(blocks))


def build_announcement(village: Village, submission: Submission) -> Article:
    """The announcement variant: a formal, shorter notice to the village's residents."""
    title = _title(submission)
    bare = re.sub(r"^pengumuman\s*[:\-–]?\s*", "", title, flags=re.IGNORECASE) or title
    what = bare.rstrip(" .!?;:")
    place = clean_line(submission.activity.location).rstrip(" .")
    lead = (f"Diberitahukan kepada seluruh warga Kalurahan {_village_name(village)} perihal {what}, "
            f"pada {_when(submission)}, bertempat di {place}.")
    story = condense(submission.narrative, ANNOUNCEMENT_NARRATIVE_CHARS)
    blocks = [sentences(p) for p in paragraphs(story)]
    closing = ("<p>Demikian pengumuman ini kami sampaikan. "
               "Atas perhatiannya, kami ucapkan terima kasih.</p>\n"
               f"<p>{escape(signature(village))}</p>")
    body = _html_paragraphs([b for b in blocks if b])
    return Article(title=f"Pengumuman: {bare}", slug=_slug(submission, f"pengumuman {bare}"),
                   dateline=dateline(village, submission), lead=lead,
                   body_html=f"{body}\n{closing}" if body else closing)


def build_website(village: Village, submission: Submission, kind: WebsiteKind = WebsiteKind.NEWS) -> Article:
    """The website draft of the chosen form: a news article, or the announcement variant."""
    if kind is WebsiteKind.ANNOUNCEMENT:
        return build_announcement(village, submission)
    return build_article(village, submission)


def photo_captions(village: Village, submission: Submission, n: int) -> list[str]:
    """Alt text and captions of the gallery: ``Dokumentasi <title>, <location> (1/4)``."""
    title = _title(submission).rstrip(" .")
    location = clean_line(submission.activity.location).rstrip(" .")
    return [f"Dokumentasi {title}, {location} ({i}/{n})" for i in range(1, n + 1)]
