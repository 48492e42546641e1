"""The differences a reviewer sees between two draft versions: word-level, escaped."""

from kabar.domain.diff import diff_text, draft_changes, plain


def test_unchanged_text_has_no_differences():
    assert diff_text("Warga bekerja bakti.", "Warga bekerja bakti.") is None
    assert draft_changes({"title": "A", "lead": "B"}, {"title": "A", "lead": "B"}) == []


def test_insertions_and_deletions_are_marked_word_by_word():
    html, text = diff_text("Warga bekerja bakti di saluran", "Warga bergotong royong di saluran irigasi")
    assert text == "Warga [-bekerja-][+bergotong+] [-bakti-][+royong+] di saluran[+ irigasi+]"
    assert "<del" in html and "bekerja</del>" in html and "royong</ins>" in html


def test_markup_typed_by_a_person_is_escaped_on_both_sides():
    html, _ = diff_text("<b>lama</b>", '<img src=x onerror="alert(1)"> baru')
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html or "&lt;img src=x onerror=&quot;" in html


def test_only_changed_fields_are_listed_in_a_fixed_order():
    old = {"title": "Judul", "lead": "Lead lama", "caption": "", "article": "Paragraf satu."}
    new = {"title": "Judul", "lead": "Lead baru", "caption": "", "article": "Paragraf satu.\nParagraf dua."}
    assert [c.field for c in draft_changes(old, new)] == ["lead", "article"]


def test_an_article_body_compares_as_its_text():
    assert plain("<p>Satu &amp; dua.</p>\n<p>Tiga.</p>") == "Satu & dua.\n\nTiga."
