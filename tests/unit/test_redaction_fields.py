"""What one tap masks in a draft: the finding's span, and the same datum wherever the draft repeats it."""

from datetime import datetime

from kabar.domain.clock import WIB
from kabar.domain.diff import plain
from kabar.domain.models import Draft, Procedure
from kabar.domain.pii import screen
from kabar.usecases.redaction import _redacted_fields, form_token


def _draft(**fields) -> Draft:
    return Draft(tenant_id="purwobinangun", submission_id="a" * 20, procedure=Procedure.WEBSITE, version=1,
                 created_at=datetime(2026, 11, 27, 9, tzinfo=WIB), title=fields.pop("title", "Penyaluran BLT-DD"),
                 **fields)


def test_the_datum_is_masked_at_its_span_and_wherever_the_draft_repeats_it():
    draft = _draft(lead="Ibu Sutinah (NIK 3404014508900002) menerima BLT-DD.",
                   article_html="<p>Ibu Sutinah menerima Rp 300.000.</p>\n"
                                "<p>NIK 3404014508900002 &amp; Sutinahwati.</p>")
    (nik,) = [f for f in screen(draft.lead, "lead") if f.kind == "nik"]
    changed = _redacted_fields(draft, nik, "3404014508900002")
    assert changed["lead"] == "Ibu Sutinah (NIK [NIK disamarkan]) menerima BLT-DD."
    assert "3404014508900002" not in changed["article_html"] and "[NIK disamarkan]" in changed["article_html"]

    text = plain(draft.article_html)
    (name,) = [f for f in screen(text, "article") if f.kind == "aid_recipient"]
    changed = _redacted_fields(draft, name, text[name.start:name.end])
    assert changed["article_html"].startswith("<p>Ibu [nama disamarkan] menerima")
    assert "Sutinahwati" in changed["article_html"]  # a whole word only
    assert changed["lead"].startswith("Ibu [nama disamarkan] (NIK")


def test_a_datum_only_in_the_narrative_changes_nothing_in_the_draft():
    draft = _draft(lead="Kegiatan berjalan lancar.")
    (nik,) = screen("NIK 3404014508900002", "narrative")
    assert _redacted_fields(draft, nik, "3404014508900002") == {}


def test_the_form_token_is_bound_to_the_link_and_the_version():
    link = "purwobinangun." + "x" * 43
    assert form_token(link, 1) == form_token(link, 1)
    assert form_token(link, 1) != form_token(link, 2) != form_token(link + "y", 2)
