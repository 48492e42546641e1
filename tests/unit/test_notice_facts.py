"""A notice keeps the facts its email tells, not HTML; the email is written out when it is sent, at the edge.

The table holds notices as JSON (``Notice.model_dump(mode="json")``), so each test here stores and reads
one back that way before sending it, as the notice sender does.
"""

from __future__ import annotations

import html
import json
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from kabar import web
from kabar.domain import facts
from kabar.domain.clock import WIB
from kabar.domain.inbox import ClockState
from kabar.domain.models import Activity, Contact, Draft, Procedure, Submission, SubmissionStatus, Village
from kabar.domain.outbox import Change, Notice
from kabar.mail_composer import TemplateMailComposer
from kabar.ports import Letter, Mail
from kabar.usecases.notices import deliver
from kabar.usecases.submitter_notices import receipt_notice
from tests.fakes import MemoryStore

AT = datetime(2026, 12, 2, 9, 44, tzinfo=WIB)
VILLAGE = Village(id="purwobinangun", name="Purwobinangun",
                  reviewers=[Contact(name="Bu Sari", email="ppid@purwobinangun.desa.id")],
                  admins=[Contact(name="Pak Joko", email="admin@purwobinangun.desa.id")])
SUBMISSION = Submission(
    tenant_id=VILLAGE.id, submission_id="a1b2c3d4e5f6a7b8c9d0", submitter_id="u1", submitter_name="Mas Bayu",
    submitter_email="bayu@example.id", activity=Activity(title="Kerja Bakti & Posyandu", date=date(2026, 12, 1),
                                                         location="Dusun Ngepring"),
    narrative="Warga membersihkan saluran air.", procedures=[Procedure.WEBSITE, Procedure.SOCIAL],
    status=SubmissionStatus.COMPLETE, created_at=AT, completed_at=AT)


class Mailer:
    def __init__(self) -> None:
        self.sent: list[Mail] = []

    def send(self, mail: Mail) -> str:
        self.sent.append(mail)
        return f"m-{len(self.sent)}"


class NoComposer:
    """A notice stored already rendered must not need one."""

    def compose(self, letter: Letter) -> Mail:
        raise AssertionError(f"{letter.template} should have been sent as stored")


def _stored(notice: Notice) -> Notice:
    """The notice as the table gives it back (JSON, as the DynamoDB adapter writes it)."""
    return Notice.model_validate(json.loads(json.dumps(notice.model_dump(mode="json"))))


def _send(notice: Notice, composer) -> tuple[MemoryStore, Mailer]:  # noqa: ANN001
    store, mailer = MemoryStore(), Mailer()
    store.commit(Change(notices=[_stored(notice)]), AT)
    svc = SimpleNamespace(store=store, mailer=mailer, mail_composer=composer)
    assert deliver(notice.tenant_id, notice.notice_id, svc, AT).outcome == "sent"  # type: ignore[arg-type]
    return store, mailer


def test_a_promised_notice_keeps_facts_and_no_html():
    (notice,) = receipt_notice(VILLAGE, SUBMISSION, [])
    params = notice.model_dump(mode="json")["params"]
    assert set(params) == {"template", "mail_subject", "reply_to", "facts"}
    assert params["template"] == "email/receipt" and params["reply_to"] == ["admin@purwobinangun.desa.id"]
    assert "<" not in json.dumps(params)  # no markup stored: "&" of the title is kept as it was typed
    kept = facts.decode(params["facts"])
    assert kept["village"] == VILLAGE  # the models, as they were
    assert kept["submission"] == SUBMISSION.model_copy(update={"narrative": ""})  # less what no email shows
    assert "saluran air" not in json.dumps(params)  # the narrative may name people: not kept
    assert kept["publish_by"] == "2 Desember 2026, 23.59 WIB" and kept["photos"] == 0


def test_the_composer_writes_the_email_out_when_it_is_sent():
    (notice,) = receipt_notice(VILLAGE, SUBMISSION, [])
    _, mailer = _send(notice, TemplateMailComposer())
    (mail,) = mailer.sent
    assert mail.to == ("bayu@example.id",) and mail.reply_to == ("admin@purwobinangun.desa.id",)
    assert mail.subject == "[Kabar Purwobinangun] Diterima: Kerja Bakti & Posyandu (No. a1b2c3d4e5f6a7b8c9d0)"
    assert mail.tags == {"kind": "receipt"}
    assert "Kerja Bakti & Posyandu" in mail.text and "2 Desember 2026, 23.59 WIB" in mail.text
    assert "Kerja Bakti &amp; Posyandu" in mail.html  # escaped where it is HTML, and only there
    # the same email the facts make before they were stored
    letter = Letter(to=mail.to, subject=mail.subject, template="email/receipt",
                    facts=facts.decode(notice.params["facts"]))
    assert (mail.text, mail.html) == (web.render("email/receipt.txt", **letter.facts),
                                      web.render("email/receipt.html", **letter.facts))


def test_a_notice_stored_already_rendered_is_sent_as_it_is():
    """A deployed table holds notices promised before notices kept facts: their email goes out unchanged."""
    old = Notice(tenant_id=VILLAGE.id, purpose="report", subject="report:2026-11:abc", recipient="kades@example.id",
                 params={"mail": {"subject": "[Kabar Purwobinangun] Laporan bulanan November 2026",
                                  "text": "Laporan siap.", "html": "<p>Laporan siap.</p>",
                                  "reply_to": ["admin@purwobinangun.desa.id"]}})
    store, mailer = _send(old, NoComposer())
    assert mailer.sent == [Mail(to=("kades@example.id",), subject="[Kabar Purwobinangun] Laporan bulanan November 2026",
                                text="Laporan siap.", html="<p>Laporan siap.</p>",
                                reply_to=("admin@purwobinangun.desa.id",), tags={"kind": "report"})]
    assert store.notice_records[(VILLAGE.id, old.notice_id)].sent_at == AT


def test_facts_come_back_as_the_types_they_were():
    context = {"village": VILLAGE, "when": AT, "day": date(2026, 12, 1), "state": ClockState.OVERDUE,
               "states": ClockState, "counts": {ClockState.OVERDUE: 2, ClockState.OPEN: 1},
               "rows": [{"rate": 87.5, "none": None, "ok": True}], "pair": ("a", 1)}
    back = facts.decode(facts.encode(context))
    assert back["village"] == VILLAGE and back["when"] == AT and back["day"] == date(2026, 12, 1)
    assert back["state"] is ClockState.OVERDUE and back["states"] is ClockState
    assert back["counts"] == {ClockState.OVERDUE: 2, ClockState.OPEN: 1}
    assert all(type(k) is ClockState for k in back["counts"])
    assert back["rows"] == [{"rate": 87.5, "none": None, "ok": True}] and back["pair"] == ["a", 1]


def test_a_drafts_text_is_not_kept_only_what_the_email_names():
    draft = Draft(tenant_id=VILLAGE.id, submission_id=SUBMISSION.submission_id, procedure=Procedure.WEBSITE,
                  version=2, title="Kerja Bakti", lead="Warga Ngepring", caption="#Purwobinangun",
                  article_html="<p>Pak RT 03 memimpin.</p>", created_at=AT)
    stored = facts.encode({"draft": draft})
    assert "<p>" not in stored and "Pak RT" not in stored and "Warga Ngepring" not in stored
    back = facts.decode(stored)["draft"]
    assert (back.title, back.procedure, back.version, back.created_at) == ("Kerja Bakti", Procedure.WEBSITE, 2, AT)


@pytest.mark.parametrize("value", [len, b"\x89PNG", object(), SimpleNamespace(a=1)])
def test_a_notice_refuses_what_it_cannot_keep(value):
    """A function, bytes (a thumbnail) or a non-domain object in a template's context fails at commit,
    not when the email is sent."""
    with pytest.raises(facts.NotAFact):
        facts.encode({"x": value})


def test_a_refusal_after_publication_tells_the_admins_in_the_same_words():
    """The one email that was once written in code: now a template, the same text."""
    title, labels = 'Kerja Bakti "Bersih Desa"', "Website, Media Sosial"
    said = (f"PPID menolak kegiatan \"{title}\" karena tidak untuk dipublikasikan, padahal draf {labels} sudah "
            "terbit. Kabar tidak menurunkan konten sendiri: mohon turunkan dari kanalnya bila perlu.\n\n"
            f"The PPID refused the activity \"{title}\" as not for publication, but the {labels} draft is "
            "already online. Kabar does not take content down by itself: please remove it from the channel if "
            "needed.")
    mail = TemplateMailComposer().compose(Letter(to=("admin@purwobinangun.desa.id",), subject="s",
                                                 template="email/refused_but_online",
                                                 facts={"title": title, "labels": labels}))
    assert mail.text == said
    assert html.unescape(mail.html) == "<p>" + said.replace("\n\n", "<br><br>") + "</p>"
    assert "&#34;Bersih Desa&#34;" in mail.html  # what was typed is escaped
