"""The inbox against moto and the Meta fakes over HTTP: webhook deliveries of the shapes Meta sends
(comments, messages, echoes, edits, removals, Instagram's) recorded once; answers from Kabar through the
Graph API stopping the clock; the answer times in the report; Instagram's metrics."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from kabar.adapters import secrets
from kabar.domain.clock import month_of, now
from kabar.domain.errors import NotFound
from kabar.domain.inbox import answer_times, thread_key
from kabar.domain.models import ChannelConfig, Procedure, Publication, PublicationStatus, Role
from kabar.services import reset, services
from kabar.usecases import inbox, inbox_threads
from kabar.usecases.staff import add_staff
from kabar.usecases.villages import put_village
from kabar_local.fakes.channels import LocalChannels
from kabar_local.fakes.graph import FakeGraph
from kabar_local.fakes.instagram import _IgMedia
from tests.integration.flow import OTHER, PAGE_ID, TOKEN, VILLAGE
from tests.serving import serve
from tests.support import load_event

APP_SECRET, VERIFY = "test-app-secret-inbox", "verify-inbox"
IG_ID = "17841400000000001"


@pytest.fixture
def meta(aws, monkeypatch):
    """The Page and the Instagram account on one Graph host (as graph.facebook.com serves both), the
    village's social channels pointing there, and the webhook's secret."""
    graph = FakeGraph()
    graph.add_page(PAGE_ID, TOKEN, "Kalurahan Purwobinangun")
    fakes = LocalChannels(graph, "http://127.0.0.1")
    fakes.instagram.add_user(IG_ID, TOKEN, username="purwobinangun")
    server_url, stop_server = serve(fakes._graph_app)
    monkeypatch.setenv("KABAR_GRAPH_BASE_URL", server_url)
    reset()
    sm = boto3.client("secretsmanager")
    sm.create_secret(Name=services().settings.meta_webhook_secret,
                     SecretString=json.dumps({"app_secret": APP_SECRET, "verify_token": VERIFY}))
    secret = f"kabar/{VILLAGE}/meta-{uuid.uuid4().hex[:8]}"
    services().credentials.put(VILLAGE, secret, {"page_access_token": TOKEN, "ig_user_id": IG_ID},
                               {"account": PAGE_ID}, "test", now())
    secrets.forget()
    inbox.forget_pages()
    village = services().store.get_village(VILLAGE)
    social = [ChannelConfig(type="facebook", page_id=PAGE_ID, secret_name=secret),
              ChannelConfig(type="instagram", secret_name=secret, ig_user_id=IG_ID)]
    put_village(village.model_copy(update={"channels": {**village.channels, Procedure.SOCIAL: social}}),
                svc=services())
    yield graph, fakes.instagram
    stop_server()
    inbox.forget_pages()
    secrets.forget()
    reset()


def deliver(aws, payload: dict) -> dict:
    """One signed POST of Meta's delivery to the webhook function, as Meta sends it."""
    raw = json.dumps(payload).encode()
    event = load_event("meta_webhook/post_comment")
    event["body"] = raw.decode()
    event["headers"]["x-hub-signature-256"] = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    answer = aws.invoke("MetaWebhookFunction", event)
    assert answer["statusCode"] == 200, answer
    return json.loads(answer["body"])


def a_post(graph: FakeGraph, text: str = "Kerja bakti di Dusun Kemput") -> str:
    with graph._lock:
        return graph._new_post(graph._pages[PAGE_ID], text, []).id


def a_media(ig, caption: str = "Posyandu balita") -> str:
    media = _IgMedia(id=str(next(ig._ids)), user_id=IG_ID, caption=caption, kind="IMAGE", children=[],
                     timestamp="2026-11-20T03:00:00+0000")
    with ig._lock:
        ig._media[media.id] = media
    return media.id


def inquiry(inquiry_id: str):  # noqa: ANN201
    return services().store.get_inquiry(VILLAGE, inquiry_id)


def test_every_shape_meta_delivers_is_recorded_once(aws, meta):
    graph, ig = meta
    post = a_post(graph)
    media = a_media(ig)
    # Given a Facebook comment, delivered twice (Meta retries and batches)
    question = graph.visitor_comment(post, "9988776655", "Sri Wahyuni", "Jam berapa kerja baktinya?")
    comment_id = question["entry"][0]["changes"][0]["value"]["comment_id"]
    assert deliver(aws, question)["recorded"] == 1
    assert deliver(aws, question) == {"recorded": 0, "duplicates": 1, "answered": 0}
    # an edit of it, twice: the new text once
    edited = graph.comment_edited(comment_id, "Jam berapa kerja baktinya besok?")
    assert deliver(aws, edited)["revised"] == 1
    assert "revised" not in deliver(aws, edited)
    assert inquiry(comment_id).text == "Jam berapa kerja baktinya besok?" and inquiry(comment_id).edited_at
    # a thanks-only comment needs no answer from the moment it arrives
    thanks = graph.visitor_comment(post, "5566778899", "Budi", "Mantap, terima kasih! 👍")
    deliver(aws, thanks)
    assert inquiry(thanks["entry"][0]["changes"][0]["value"]["comment_id"]).no_answer == "thanks"
    # a comment removed by its author no longer waits
    gone = graph.visitor_comment(post, "1122334455", "Anon", "Kapan BLT cair")
    gone_id = gone["entry"][0]["changes"][0]["value"]["comment_id"]
    deliver(aws, gone)
    assert deliver(aws, graph.comment_removed(gone_id))["revised"] == 1
    assert inquiry(gone_id).no_answer == "deleted" and not inquiry(gone_id).open
    # a Messenger message (sender as a number), its edit, and the Page's answer in Business Suite (an echo)
    message = graph.visitor_message(PAGE_ID, "24000000000001", "Rina Lestari", "Apakah kantor buka Sabtu")
    mid = message["entry"][0]["messaging"][0]["message"]["mid"]
    assert deliver(aws, message)["recorded"] == 1
    deliver(aws, graph.message_edited(message, "Apakah kantor desa buka hari Sabtu?"))
    assert inquiry(mid).text == "Apakah kantor desa buka hari Sabtu?"
    echo = {"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "messaging": [{
        "sender": {"id": PAGE_ID}, "recipient": {"id": "24000000000001"}, "timestamp": int(now().timestamp() * 1000),
        "message": {"mid": "m_echo_1", "text": "Buka pukul 08.00-12.00.", "is_echo": True}}]}]}
    assert deliver(aws, echo)["answered"] == 1 and deliver(aws, echo)["answered"] == 0
    assert inquiry(mid).answered_via == "meta" and inquiry(mid).answer_text == "Buka pukul 08.00-12.00."
    # Instagram: a comment, the account's own reply from the Instagram app, a DM and its unsending
    ig_comment = ig.visitor_comment(media, "17850000000000009", "warga.kemput", "Lokasinya di mana min?")
    ig_comment_id = ig_comment["entry"][0]["changes"][0]["value"]["id"]
    assert deliver(aws, ig_comment)["recorded"] == 1
    recorded = inquiry(ig_comment_id)
    assert (recorded.channel, recorded.author_name, recorded.thread_id) == ("instagram", "@warga.kemput", media)
    own_reply = {"object": "instagram", "entry": [{"id": IG_ID, "time": 1, "changes": [{"field": "comments", "value": {
        "id": "17860000000000001", "text": "Di balai dusun.", "from": {"id": IG_ID, "username": "purwobinangun"},
        "media": {"id": media, "media_product_type": "FEED"}, "parent_id": ig_comment_id}}]}]}
    assert deliver(aws, own_reply)["answered"] == 1
    assert inquiry(ig_comment_id).answered_via == "meta" and inquiry("17860000000000001") is None
    dm = graph.visitor_message(PAGE_ID, "17850000000000077", "", "Halo admin, mau tanya jadwal",
                               instagram_account=IG_ID)
    dm_mid = dm["entry"][0]["messaging"][0]["message"]["mid"]
    assert deliver(aws, dm)["recorded"] == 1 and inquiry(dm_mid).channel == "instagram"
    unsent = {"object": "instagram", "entry": [{"id": IG_ID, "time": 1, "messaging": [{
        "sender": {"id": "17850000000000077"}, "recipient": {"id": IG_ID}, "timestamp": 1795486500000,
        "message": {"mid": dm_mid, "is_deleted": True}}]}]}
    assert deliver(aws, unsent)["revised"] == 1 and inquiry(dm_mid).no_answer == "deleted"

    # When every delivery comes again
    for again in (question, edited, thanks, gone, message, echo, ig_comment, own_reply, dm, unsent):
        result = deliver(aws, again)
        # Then nothing is recorded twice, answered twice or revised twice
        assert result["recorded"] == 0 and result["answered"] == 0 and "revised" not in result, result
    # and the threads are one per comment and one per person, each a record of its own
    threads = services().store.inbox.threads(VILLAGE)
    assert {thread_key(f"facebook:c:{comment_id}"), thread_key(f"facebook:m:{PAGE_ID}:24000000000001"),
            thread_key(f"instagram:c:{ig_comment_id}")} <= set(threads)
    assert services().store.inbox.threads(OTHER) == {}


def test_answers_from_kabar_stop_the_clock_once_and_the_report_counts_what_is_open(aws, meta):
    graph, ig = meta
    admin, _ = add_staff(VILLAGE, "admin", "Admin Media", "admin.media@purwobinangun.desa.id", svc=services())
    village = services().store.get_village(VILLAGE)
    replies = services().channels.inbox_replies(village)
    post = a_post(graph)
    # Given a comment, a message of now, a message of 25 hours ago and one more comment left open
    question = graph.visitor_comment(post, "9988776655", "Sri Wahyuni", "Jam berapa kerja baktinya?")
    comment_id = question["entry"][0]["changes"][0]["value"]["comment_id"]
    deliver(aws, question)
    message = graph.visitor_message(PAGE_ID, "24000000000001", "Rina Lestari", "Kantor buka Sabtu?")
    deliver(aws, message)
    old_at = now() - timedelta(hours=25)
    old = graph.visitor_message(PAGE_ID, "24000000000002", "Pak Darto", "Surat pindah bagaimana?", at=old_at)
    raw = json.dumps(old).encode()
    inbox.receive(raw, "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest(), services(),
                  arrived=old_at)
    deliver(aws, graph.visitor_comment(post, "7788990011", "Wati", "Siapa koordinatornya?"))
    store = services().store
    at = now()
    rows = {th.author: th for th in inbox_threads.inbox(village, store, at, replies)}
    assert rows["Pak Darto"].status.value == "baru"  # the sender's name asked of Meta, never the number
    assert {"Sri Wahyuni", "Rina Lestari", "Wati"} <= set(rows)
    assert rows["Sri Wahyuni"].post["title"] == "Kerja bakti di Dusun Kemput"

    # When the admin answers the comment and the message from Kabar
    key = thread_key(f"facebook:c:{comment_id}")
    inbox_threads.reply(admin, village, key, "comment", "Pukul 07.00 WIB.", store, replies, at, comment_id)
    message_key = thread_key(f"facebook:m:{PAGE_ID}:24000000000001")
    inbox_threads.reply(admin, village, message_key, "message", "Sabtu tutup, Bu.", store, replies, at)
    # Then Meta got a reply under the comment and a RESPONSE message, and both clocks stopped
    sent = [r for r in graph.requests if r["method"] == "POST"]
    assert any(r["path"].endswith(f"{comment_id}/comments") for r in sent)
    assert graph.sent_messages[-1]["messaging_type"] == "RESPONSE"
    assert inquiry(comment_id).answered_via == "kabar" and inquiry(comment_id).answered_at is not None
    assert inbox_threads.thread_view(admin, village, message_key, store, at).thread.status.value == "dijawab"
    # and Meta's own deliveries of those answers (the reply, the echo) change nothing
    for delivery in graph.webhooks:
        assert deliver(aws, delivery)["answered"] == 0
    # and the 25-hour-old message is refused with the reason, before Meta is asked
    old_key = thread_key(f"facebook:m:{PAGE_ID}:24000000000002")
    asked = len(graph.sent_messages)
    with pytest.raises(inbox_threads.CannotAnswer) as refused:
        inbox_threads.reply(admin, village, old_key, "message", "Silakan datang.", store, replies, at)
    assert "24 jam" in refused.value.message.id and len(graph.sent_messages) == asked
    # and the month's answer times: 2 of 4 answered within the day is 50 %, never 100 % with threads open
    month = month_of(at)
    figures = answer_times(store.inquiries_in_month(VILLAGE, month), month, at)
    same = month_of(old_at) == month  # the old message may fall in last month on the 1st
    assert figures.received == (4 if same else 3) and figures.met == 2
    assert figures.rate == (50 if same else 67)

    # And one village never reaches another's thread, nor may a reader act
    other_admin, _ = add_staff(OTHER, "admin", "Admin Lain", "admin@candibinangun.desa.id", svc=services())
    with pytest.raises(NotFound):
        inbox_threads.thread_view(other_admin, store.get_village(OTHER), key, store, at)
    reviewer, _ = add_staff(VILLAGE, "reviewer", "PPID", "ppid2@purwobinangun.desa.id", svc=services())
    with pytest.raises(inbox_threads.NotAllowed):
        inbox_threads.mark_no_answer(reviewer, village, old_key, store, at)
    assert reviewer.role is Role.REVIEWER


def test_no_answer_needed_hide_and_assign_commit_with_their_audit(aws, meta):
    graph, _ = meta
    admin, _ = add_staff(VILLAGE, "admin", "Admin Media", "admin.media@purwobinangun.desa.id", svc=services())
    colleague, _ = add_staff(VILLAGE, "admin", "Dewi", "dewi@purwobinangun.desa.id", svc=services())
    village = services().store.get_village(VILLAGE)
    store, at = services().store, now()
    post = a_post(graph)
    spam = graph.visitor_comment(post, "3300000000001", "Promo Slot", "Daftar sekarang bonus 100% klik link")
    spam_id = spam["entry"][0]["changes"][0]["value"]["comment_id"]
    deliver(aws, spam)
    plain = graph.visitor_comment(post, "3300000000002", "Yanto", "Sudah saya bagikan ke grup RT")
    plain_id = plain["entry"][0]["changes"][0]["value"]["comment_id"]
    deliver(aws, plain)
    # When the admin hides the spam, marks the other as needing no answer (twice) and gives a thread to Dewi
    assert inbox_threads.hide(admin, village, thread_key(f"facebook:c:{spam_id}"), spam_id, store,
                              services().channels.inbox_replies(village), at)
    assert graph._comments[spam_id].hidden
    key = thread_key(f"facebook:c:{plain_id}")
    assert inbox_threads.mark_no_answer(admin, village, key, store, at) == 1
    assert inbox_threads.mark_no_answer(admin, village, key, store, at) == 0
    assert inbox_threads.assign(admin, village, thread_key(f"facebook:c:{spam_id}"), colleague.staff_id, store, at,
                                "https://kabar.example.id") == "Dewi"
    aws.settle()
    # Then each change is on the village's audit trail, once, and Dewi has an email linking to the thread
    actions = [e.action for e in store.workspace_audit(VILLAGE)]
    assert actions.count("inbox_hidden") == 1 and actions.count("inbox_no_answer") == 1
    assert actions.count("inbox_assigned") == 1
    assert inquiry(spam_id).no_answer == "hidden" and inquiry(plain_id).no_answer == "admin"
    from kabar_local.outbox import Outbox

    (mail,) = Outbox().list(to="dewi@purwobinangun.desa.id")
    assert f"/app/{VILLAGE}/kotak-masuk/{thread_key(f'facebook:c:{spam_id}')}" in json.dumps(mail)


def test_the_digest_links_straight_to_each_thread_and_names_the_person(aws, meta):
    graph, _ = meta
    message = graph.visitor_message(PAGE_ID, "24000000000031", "Rina", "Halo, mau tanya jadwal posyandu")
    deliver(aws, message)
    village = services().store.get_village(VILLAGE)
    # the names asked of Meta
    inbox_threads.inbox(village, services().store, now(), services().channels.inbox_replies(village))
    assert inbox.send_digest(village, as_of=now(), svc=services()) == {"sent": 1}
    aws.settle()
    from kabar_local.outbox import Outbox

    (mail,) = Outbox().list(to="admin@purwobinangun.desa.id")
    text = json.dumps(mail, ensure_ascii=False)
    assert f"/app/{VILLAGE}/kotak-masuk/{thread_key(f'facebook:m:{PAGE_ID}:24000000000031')}" in text
    assert "Rina" in text and "24000000000031" not in text


def test_instagram_metrics_are_collected_and_a_retired_metric_is_unavailable_not_zero(aws, meta):
    _, ig = meta
    media = a_media(ig)
    services().store.save_publication(Publication(
        tenant_id=VILLAGE, submission_id="s0000000000000000002", procedure=Procedure.SOCIAL, version=1,
        channel="instagram", status=PublicationStatus.PUBLISHED, marker="kabar-ig", remote_id=media,
        published_at=datetime(2026, 11, 20, 3, tzinfo=UTC)))
    ig.set_account_metrics(IG_ID, followers=812, day="2026-11-26", views=1450)  # no reach that day: no data
    ig.set_media_insights(media, views=900, reach=640, likes=73, comments=5, shares=4, saved=2)
    ig.retire_metric("saved")
    # When the morning schedule runs and the Instagram job is delivered (twice)
    assert aws.invoke("MetricsSchedulerFunction", {"day": "2026-11-26"})["queued"] == 2  # one per village
    jobs = aws.drain("MetricsQueue")
    ours = [j for j in jobs if json.loads(j["body"])["tenant_id"] == VILLAGE]
    assert len(ours) == 1 and json.loads(ours[0]["body"])["period"] == "2026-11-26"
    for _ in range(2):  # the village's day: its Page and its Instagram account
        assert aws.invoke("MetricsCollectorFunction", {"Records": ours}) == {"batchItemFailures": []}
    # Then the account's followers and views are stored, reach named as missing (never 0)
    (account,) = [a for a in services().store.account_snapshots(VILLAGE, "2026-11") if a.channel == "instagram"]
    assert account.day == date(2026, 11, 26) and account.values == {"followers": 812, "views": 1450}
    assert account.unavailable == {"reach": "no data"}
    (item,) = [i for i in services().store.item_snapshots(VILLAGE, "2026-11") if i.channel == "instagram"]
    assert item.values == {"views": 900, "reach": 640, "reactions": 73, "comments": 5, "shares": 4}
    assert "saved" in item.unavailable and "saved" not in item.values
    # and the month's report shows the account beside the Page, the missing metric as not available, not 0
    from kabar.domain.report_tables import accounts
    from kabar.usecases.reporting import month_figures

    figures = month_figures(services().store.get_village(VILLAGE), "2026-11", services(), with_previous=False)
    (ig_month,) = [a for a in figures.accounts if a.channel == "instagram"]
    assert (ig_month.followers_end, ig_month.views, ig_month.unavailable) == (812, 1450, [])
    (row,) = [r for r in accounts(figures).rows if str(r[0]).startswith("Instagram")]
    assert row[2] == 812 and row[4] == 1450
    (kpi,) = [k for k in figures.kpi if k.channel == "instagram"]
    assert kpi.engagement == {"reactions": 73, "comments": 5, "shares": 4, "views": 900} and "saved" in kpi.unavailable


def test_a_commenters_erasure_also_forgets_their_name_on_the_inbox_thread(aws, meta):
    from kabar.usecases import erasure

    graph, _ = meta
    message = graph.visitor_message(PAGE_ID, "24000000000077", "Budi Santoso", "Saya mau lapor jalan rusak")
    deliver(aws, message)
    village = services().store.get_village(VILLAGE)
    # the name asked of Meta, kept
    inbox_threads.inbox(village, services().store, now(), services().channels.inbox_replies(village))
    key = thread_key(f"facebook:m:{PAGE_ID}:24000000000077")
    assert services().store.inbox.thread(VILLAGE, key)["author_name"] == "Budi Santoso"

    erasure.erase_commenter(VILLAGE, "24000000000077", "operator:ppid", svc=services())

    kept = services().store.inbox.thread(VILLAGE, key)
    assert kept["author_name"] == "" and "24000000000077" not in json.dumps(kept)


def test_a_private_reply_once_and_an_instagram_reply_under_the_top_comment(aws, meta):
    graph, ig = meta
    admin, _ = add_staff(VILLAGE, "admin", "Admin Media", "admin.media@purwobinangun.desa.id", svc=services())
    village = services().store.get_village(VILLAGE)
    store, at, replies = services().store, now(), services().channels.inbox_replies(village)
    post = a_post(graph)
    question = graph.visitor_comment(post, "9988776655", "Sri Wahyuni", "Boleh minta nomor WA pak dukuh?")
    comment_id = question["entry"][0]["changes"][0]["value"]["comment_id"]
    deliver(aws, question)
    key = thread_key(f"facebook:c:{comment_id}")
    # a private reply goes to the commenter by the Send API (recipient: the comment) and answers it
    inbox_threads.reply(admin, village, key, "private", "Nomornya kami kirim lewat pesan ya.", store, replies, at,
                        comment_id)
    assert graph.sent_messages[-1]["recipient"] == {"comment_id": comment_id}
    assert inquiry(comment_id).private_reply_id and inquiry(comment_id).answered_via == "kabar"
    # a second private reply to the same comment is refused by Kabar before Meta is asked (Meta allows one)
    with pytest.raises(inbox_threads.CannotAnswer):
        inbox_threads.reply(admin, village, key, "private", "Sekali lagi", store, replies, at, comment_id)
    assert len(graph.sent_messages) == 1

    # Instagram: a reply under a reply goes under the top-level comment (Meta answers only those)
    media = a_media(ig)
    top = ig.visitor_comment(media, "17850000000000009", "warga.kemput", "Acaranya jam berapa?")
    top_id = top["entry"][0]["changes"][0]["value"]["id"]
    deliver(aws, top)
    under = ig.visitor_comment(media, "17850000000000010", "tetangga", "Saya juga mau tahu?", parent_id=top_id)
    under_id = under["entry"][0]["changes"][0]["value"]["id"]
    deliver(aws, under)
    ig_key = thread_key(f"instagram:c:{top_id}")
    view = inbox_threads.thread_view(admin, village, ig_key, store, at, replies)
    assert [i.inquiry_id for i in view.thread.inquiries] == [top_id, under_id]  # one thread
    inbox_threads.reply(admin, village, ig_key, "comment", "Pukul 09.00 WIB.", store, replies, at, under_id)
    assert any(r["path"].endswith(f"/{top_id}/replies") for r in ig.requests)
    assert inquiry(top_id).answered_at and inquiry(under_id).answered_at  # both waited, both answered
    for delivery in ig.webhooks:  # Meta's delivery of the account's own reply changes nothing
        assert deliver(aws, delivery)["answered"] == 0


def test_meta_not_answering_is_said_plainly_and_records_nothing(aws, meta):
    graph, _ = meta
    admin, _ = add_staff(VILLAGE, "admin", "Admin Media", "admin.media@purwobinangun.desa.id", svc=services())
    village = services().store.get_village(VILLAGE)
    store, at = services().store, now()
    question = graph.visitor_comment(a_post(graph), "9988776655", "Sri Wahyuni", "Kapan mulai?")
    comment_id = question["entry"][0]["changes"][0]["value"]["comment_id"]
    deliver(aws, question)
    graph.fail_next(2, 500, on="comments")  # Meta's transient error on the reply
    with pytest.raises(inbox_threads.CannotAnswer) as later:
        inbox_threads.reply(admin, village, thread_key(f"facebook:c:{comment_id}"), "comment", "Pukul 07.00.", store,
                            services().channels.inbox_replies(village), at, comment_id)
    assert "Coba lagi" in later.value.message.id and later.value.status == 409
    assert inquiry(comment_id).open  # the clock still runs: nothing was answered
