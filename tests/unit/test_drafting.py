"""SOP step 2: caption, article, announcement and gallery captions from a hand-over."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from kabar.domain import drafting
from kabar.domain.drafting import build_announcement, build_article, build_caption, photo_captions
from kabar.domain.models import Activity, Procedure, Submission, Village

NARRATIVE = (
    "Warga Dusun Ngepring bergotong royong membersihkan saluran irigasi bersama Bp. H. Sutrisno, S.Pd. "
    "selaku dukuh. Kegiatan dimulai pukul 07.00 WIB dan selesai menjelang siang.\n\n"
    "Sebanyak 45 warga hadir membawa cangkul dan sabit. Sampah plastik dikumpulkan lalu diangkut ke TPS3R."
)


def village(**changes) -> Village:
    data = {"id": "purwobinangun", "name": "Purwobinangun", "kapanewon": "Pakem", "kabupaten": "Sleman",
            "reviewers": [{"name": "PPID", "email": "ppid@example.org"}],
            "admins": [{"name": "Admin", "email": "admin@example.org"}],
            "hashtags": ["purwobinangun", "Sleman Sembada", "#KalurahanPurwobinangun"]}
    return Village(**(data | changes))


def submission(narrative: str = NARRATIVE, title: str = "Kerja Bakti Dusun Ngepring",
               submission_id: str = "0a1b2c3d4e5f60718293", location: str = "Dusun Ngepring") -> Submission:
    return Submission(
        tenant_id="purwobinangun", submission_id=submission_id, submitter_id="st1", submitter_name="Sari",
        submitter_email="sari@example.org",
        activity=Activity(title=title, date=date(2026, 11, 27), location=location),
        narrative=narrative, procedures=[Procedure.SOCIAL, Procedure.WEBSITE],
        created_at=datetime(2026, 11, 27, 3, 0, tzinfo=UTC))


def long_narrative(chars: int = 10_000) -> tuple[str, list[str]]:
    sentences, n = [], 0
    while sum(len(s) + 1 for s in sentences) < chars:
        n += 1
        sentences.append(f"Pada sesi ke-{n} warga RT {n % 9 + 1} membersihkan parit sepanjang {n * 10} meter "
                         f"dan mengumpulkan {n} karung sampah dari bahu jalan.")
    paras = [" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5)]
    return "\n\n".join(paras), sentences


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- caption ---------------------------------------------------------------------------------


def test_caption_tells_what_where_when_and_who():
    # Given a hand-over with a title, place, date and narrative
    # When the caption is built
    caption = build_caption(village(), submission())
    # Then it opens with the title and carries the narrative, place, Indonesian date, signature, hashtags
    assert caption.splitlines()[0] == "Kerja Bakti Dusun Ngepring"
    assert "Sebanyak 45 warga hadir membawa cangkul dan sabit." in caption
    assert "📍 Dusun Ngepring, 27 November 2026" in caption
    assert "Pemerintah Kalurahan Purwobinangun" in caption
    assert caption.rstrip().endswith("#purwobinangun #SlemanSembada #KalurahanPurwobinangun")
    assert "lorem" not in caption.lower()


def test_caption_of_a_10000_char_narrative_stays_within_instagram_limit_in_whole_sentences():
    # Given a 10,000-character narrative
    narrative, originals = long_narrative()
    assert len(narrative) >= 10_000
    # When the caption is built
    caption = build_caption(village(), submission(narrative))
    # Then it fits Instagram's 2,200 characters and its story holds only whole original sentences
    assert utf16(caption) <= drafting.CAPTION_MAX_CHARS
    story = caption.split("\n\n📍")[0].split("\n\n", 1)[1]
    told = [s for block in story.split("\n\n") for s in drafting.sentences(block)]
    assert told and all(s in originals for s in told)
    assert told == originals[:len(told)]  # in order, from the start
    assert "📍 Dusun Ngepring, 27 November 2026" in caption
    assert "#purwobinangun" in caption


def test_caption_keeps_a_long_first_sentence_whole_when_it_fits_the_hard_limit():
    # Given a first sentence longer than the caption's usual share of the narrative (but under 2,200)
    first = "Warga " + " ".join(f"kelompok{i}" for i in range(150)) + " hadir bersama."
    caption = build_caption(village(), submission(first + " Kalimat kedua tidak muat lagi."))
    # Then that sentence is kept whole, and nothing is cut mid-sentence
    assert first in caption
    assert utf16(caption) <= drafting.CAPTION_MAX_CHARS


def test_caption_of_one_endless_sentence_ends_at_a_word_within_the_limit():
    # Given a run-on narrative without any full stop, longer than the caption may be
    words = [f"kata{i}" for i in range(1200)]
    caption = build_caption(village(), submission(" ".join(words)))
    # Then it is ended at a whole word with an ellipsis and the caption stays within the limit
    story = caption.split("\n\n")[1]
    assert story.endswith("…")
    assert story[:-1].split(" ")[-1] in words
    assert utf16(caption) <= drafting.CAPTION_MAX_CHARS


def test_caption_carries_at_most_30_hashtags_counting_those_in_the_narrative():
    # Given a village with 40 hashtags and a narrative that already uses 2 (one of them the village's)
    tags = [f"tag{i}" for i in range(40)]
    sub = submission(NARRATIVE + " #GotongRoyong #tag0")
    # When the caption is built
    caption = build_caption(village(hashtags=tags), sub)
    # Then the whole caption holds no more than 30 hashtags, and none twice
    found = re.findall(r"(?<![\w#])#\w+", caption)
    assert len(found) == 30
    assert len({f.lower() for f in found}) == len(found)


def test_caption_cleans_hashtags_that_would_not_link():
    caption = build_caption(village(hashtags=["Sleman-Sembada!", "2026", "#"]), submission())
    assert "#SlemanSembada" in caption
    assert "#2026" not in caption


def test_sentences_do_not_end_at_titles_initials_or_times():
    text = "Hadir Bp. H. Sutrisno, S.Pd. dan Ibu Sri. Acara dimulai pukul 08.00 WIB. Semua senang!"
    assert drafting.sentences(text) == [
        "Hadir Bp. H. Sutrisno, S.Pd. dan Ibu Sri.", "Acara dimulai pukul 08.00 WIB.", "Semua senang!"]


# --- article ---------------------------------------------------------------------------------


def test_article_escapes_markup_in_the_narrative():
    # Given a narrative with a script tag and an ampersand
    narrative = ("Warga berkumpul di balai dusun sejak pagi hari. Panitia menulis <script>alert('x')</script> "
                 "di papan & mading. Kegiatan ditutup dengan doa bersama.")
    # When the article is built
    article = build_article(village(), submission(narrative))
    # Then no markup from the narrative survives, only its escaped text inside paragraphs
    assert "<script" not in article.body_html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in article.body_html
    assert "&amp; mading" in article.body_html
    assert re.fullmatch(r"(<p>[^<>]*</p>\n?)+", article.body_html)


def test_article_slug_is_ascii_dated_and_unique_per_submission():
    # Given a title with a dash and an accented letter
    sub = submission(title="Kerja Bakti Dusun Ngepring – Ñ")
    # When the article is built
    article = build_article(village(), sub)
    # Then the slug is ASCII, lowercase, hyphenated, date-prefixed and carries the submission's id
    assert article.slug == "2026-11-27-kerja-bakti-dusun-ngepring-n-0a1b2c"
    assert article.slug.isascii() and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", article.slug)
    other = build_article(village(), submission(title="Kerja Bakti Dusun Ngepring – Ñ",
                                                submission_id="ffeeddccbbaa99887766"))
    assert other.slug != article.slug


def test_article_slug_of_a_very_long_title_is_bounded_at_a_word():
    article = build_article(village(), submission(title="Musyawarah " * 18))
    words = article.slug.split("-")[3:-1]
    assert set(words) == {"musyawarah"}
    assert len(article.slug) <= len("2026-11-27-") + drafting.SLUG_WORDS_CHARS + len("-0a1b2c")


def test_article_title_dateline_and_lead():
    article = build_article(village(), submission(title="  Kerja bakti   Dusun Ngepring "))
    # Title as written, trimmed (sentence case kept)
    assert article.title == "Kerja bakti Dusun Ngepring"
    assert article.dateline == "Purwobinangun, 27 November 2026"
    # The lead: what, when (with the weekday), where, then the narrative's first sentence
    assert article.lead.startswith(
        "Kegiatan Kerja bakti Dusun Ngepring berlangsung pada Jumat, 27 November 2026, di Dusun Ngepring, "
        "Kalurahan Purwobinangun. Warga Dusun Ngepring bergotong royong")
    assert article.lead.endswith("selaku dukuh.")
    # The body goes on from the second sentence, paragraphs kept
    assert "bergotong royong" not in article.body_html
    assert article.body_html.startswith("<p>Kegiatan dimulai pukul 07.00 WIB")
    assert article.body_html.count("<p>") == 2
    assert "<img" not in article.body_html


def test_article_splits_a_wall_of_text_into_readable_paragraphs():
    narrative, originals = long_narrative(3000)
    article = build_article(village(), submission(narrative.replace("\n\n", " ")))
    paras = re.findall(r"<p>(.*?)</p>", article.body_html)
    assert len(paras) > 5
    assert all(len(drafting.sentences(p)) <= drafting.PARAGRAPH_SENTENCES for p in paras)
    assert " ".join(paras) == " ".join(originals[1:])


def test_location_already_naming_the_village_is_not_repeated():
    article = build_article(village(), submission(location="Balai Kalurahan Purwobinangun"))
    assert "di Balai Kalurahan Purwobinangun. " in article.lead
    assert article.lead.count("Purwobinangun") == 1


# --- announcement and gallery ----------------------------------------------------------------


def test_announcement_is_a_short_formal_notice():
    narrative, _ = long_narrative(3000)
    sub = submission(narrative + " <b>penting</b>")
    article, notice = build_article(village(), sub), build_announcement(village(), sub)
    assert notice.title == "Pengumuman: Kerja Bakti Dusun Ngepring"
    assert notice.slug == "2026-11-27-pengumuman-kerja-bakti-dusun-ngepring-0a1b2c"
    assert notice.lead.startswith("Diberitahukan kepada seluruh warga Kalurahan Purwobinangun perihal "
                                  "Kerja Bakti Dusun Ngepring, pada Jumat, 27 November 2026, bertempat di "
                                  "Dusun Ngepring.")
    assert len(notice.body_html) < len(article.body_html)
    assert notice.body_html.endswith("<p>Pemerintah Kalurahan Purwobinangun</p>")
    assert "<b>" not in notice.body_html


def test_announcement_title_does_not_repeat_the_word():
    notice = build_announcement(village(), submission(title="Pengumuman: Jadwal Posyandu Desember"))
    assert notice.title == "Pengumuman: Jadwal Posyandu Desember"


@pytest.mark.parametrize("n", [0, 1, 4])
def test_photo_captions_number_each_photo(n):
    captions = photo_captions(village(), submission(), n)
    assert captions == [f"Dokumentasi Kerja Bakti Dusun Ngepring, Dusun Ngepring ({i}/{n})"
                        for i in range(1, n + 1)]
