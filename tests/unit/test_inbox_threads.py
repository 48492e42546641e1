"""SOP A5 in the inbox, without AWS: what needs an answer, Meta's windows, a thread's status, the shapes
Meta delivers (the sample events under events/meta_webhook/)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from kabar.domain.inbox import (
    Answer,
    Inquiry,
    InquiryKind,
    Revision,
    ThreadStatus,
    answer_times,
    butuh_jawaban,
    message_window_left,
    parse_webhook,
    private_reply_allowed,
    thread_due,
    thread_status,
)
from tests.support import EVENTS

T0 = datetime(2026, 11, 27, 2, 15, tzinfo=UTC)
PAGES = {"1234567890": "purwobinangun", "17841400000000001": "purwobinangun"}


@pytest.mark.parametrize("text", ["Mantap, terima kasih!", "👍👍🙏", "Terima kasih infonya pak 🙏", "wkwkwk keren min",
                                  "Aamiin, semoga lancar", "Matur nuwun", "ok"])
def test_thanks_praise_and_emoji_alone_need_no_answer(text):
    assert not butuh_jawaban(text)


@pytest.mark.parametrize("text", ["Jam berapa posyandu besok?", "Kapan BLT cair", "Mantap, tapi jalannya rusak",
                                  "terima kasih? kok belum dibalas", "[lampiran]", "Alamat kantor desa dimana"])
def test_a_question_or_any_other_word_needs_an_answer(text):
    assert butuh_jawaban(text)


def _inq(inquiry_id: str, at: datetime, **more) -> Inquiry:
    return Inquiry(tenant_id="purwobinangun", inquiry_id=inquiry_id, kind=more.pop("kind", InquiryKind.COMMENT),
                   page_id="1234567890", thread_id="1234567890_111", author_id="99", text="?", received_at=at, **more)


def test_a_threads_status_and_clock():
    first, second = _inq("c1", T0), _inq("c2", T0 + timedelta(hours=2), parent_id="c1")
    # nobody opened it: new; opened before the second comment came: new again; opened after: needs an answer
    assert thread_status([first, second], None) is ThreadStatus.BARU
    assert thread_status([first, second], T0 + timedelta(hours=1)) is ThreadStatus.BARU
    assert thread_status([first, second], T0 + timedelta(hours=3)) is ThreadStatus.PERLU_DIJAWAB
    assert thread_status([first], None, assigned=True) is ThreadStatus.PERLU_DIJAWAB
    # the clock is the oldest waiting one's limit (1 day)
    assert thread_due([first, second]) == first.due == T0 + timedelta(days=1)
    answered = first.model_copy(update={"answered_at": T0 + timedelta(hours=3)})
    assert thread_due([answered, second]) == second.due
    thanks = second.model_copy(update={"no_answer": "thanks"})
    assert thread_status([answered, thanks], None) is ThreadStatus.DIJAWAB and thread_due([answered, thanks]) is None
    assert thread_status([first.model_copy(update={"no_answer": "admin"})], None) is ThreadStatus.TIDAK_PERLU_DIJAWAB


def test_metas_windows_for_messages_and_private_replies():
    assert message_window_left(T0, T0 + timedelta(hours=23)) == timedelta(hours=1)
    assert message_window_left(T0, T0 + timedelta(hours=24, seconds=1)) is None
    comment = _inq("c1", T0)
    assert private_reply_allowed(comment, T0 + timedelta(days=6))
    assert not private_reply_allowed(comment, T0 + timedelta(days=7))
    assert not private_reply_allowed(comment.model_copy(update={"private_reply_id": "m_1"}), T0)
    assert not private_reply_allowed(_inq("m1", T0, kind=InquiryKind.MESSAGE), T0)


def test_the_month_counts_what_waits_against_the_rate_and_leaves_out_what_needs_no_answer():
    waiting = [_inq(f"c{n}", T0) for n in range(2)]
    answered = _inq("c9", T0).model_copy(update={"answered_at": T0 + timedelta(hours=1)})
    thanks = _inq("c8", T0).model_copy(update={"no_answer": "thanks"})
    figures = answer_times([*waiting, answered, thanks], "2026-11", T0 + timedelta(hours=2))
    # one of three answered: 33 %, never 100 % while two are open; the thanks is not a question
    assert (figures.received, figures.met, figures.pending, figures.no_answer_needed) == (3, 1, 2, 1)
    assert figures.rate == 33


def _body(name: str) -> dict:
    return json.loads(json.loads((EVENTS / "meta_webhook" / f"{name}.json").read_text())["body"])


def test_the_sample_deliveries_parse_to_what_they_are():
    (comment,) = parse_webhook(_body("post_comment"), PAGES, T0)
    assert isinstance(comment, Inquiry) and comment.channel == "facebook" and comment.author_name == "Sri Wahyuni"
    (ig,) = parse_webhook(_body("post_instagram_comment"), PAGES, T0)
    assert isinstance(ig, Inquiry) and (ig.channel, ig.author_name, ig.thread_id) == (
        "instagram", "@warga.kemput", "17912345678901234")
    (echo,) = parse_webhook(_body("post_message_echo"), PAGES, T0)
    assert isinstance(echo, Answer) and echo.to == "24000000000001" and echo.kind is InquiryKind.MESSAGE
    (edit,) = parse_webhook(_body("post_comment_edited"), PAGES, T0)
    assert isinstance(edit, Revision) and edit.text == "Jam berapa posyandu besok pagi?"
    # another account's deliveries are not ours
    assert parse_webhook(_body("post_instagram_comment"), {"1234567890": "purwobinangun"}, T0) == []


def test_a_comment_and_a_message_of_one_person_are_separate_threads_and_names_never_leak_ids():
    comment = _inq("c1", T0)
    message = _inq("m1", T0, kind=InquiryKind.MESSAGE)
    assert comment.thread_key != message.thread_key
    assert len(comment.thread_key) == 20 and "1234567890" not in comment.thread_key
