"""The local outbox: mail sent through a real in-process moto server, read back and shown.

Given a ThreadedMotoServer in this process and real SESv2 sends, when the outbox (or the gateway's
outbox pages) is read, then it shows what was sent, newest first, decoded, with its links.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from types import SimpleNamespace

import boto3
import pytest
from werkzeug.test import Client

from kabar_local.gateway import make_app
from kabar_local.outbox import Outbox, find_links

REGION = "ap-southeast-3"
SENDER = "kabar@desa-purwobinangun.id"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(scope="module")
def sesv2(moto_url):
    client = boto3.client(
        "sesv2",
        endpoint_url=moto_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_email_identity(EmailIdentity=SENDER)
    return client


@pytest.fixture
def outbox():
    return Outbox(account_id="123456789012", region=REGION)


@pytest.fixture
def reviewer():
    # A fresh address per test: the SES backend is shared by every test in this process.
    return f"ppid-{uuid.uuid4().hex[:8]}@desa-purwobinangun.id"


def review_mail(to: str, subject: str, *, attachment: bool = False, sent: datetime | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = formataddr(("Kabar Purwobinangun", SENDER))
    msg["To"] = formataddr(("Bu Sri (PPID)", to))
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="desa-purwobinangun.id")
    if sent:
        msg["Date"] = format_datetime(sent)
    msg.set_content(
        "Draf siap ditinjau.\nSetujui: https://kabar.test/review/tok-123?v=2.\nBatal: https://kabar.test/x\n",
        charset="utf-8",
    )
    msg.add_alternative(
        "<!doctype html><html><head><style>.btn{color:red}</style></head><body>"
        '<p>Draf <b>siap</b> ditinjau — “Kerja bakti”.</p><img src="cid:foto1@kabar">'
        '<a class="btn" href="https://kabar.test/review/tok-123?v=2&amp;lang=id">Tinjau draf</a>'
        "</body></html>",
        subtype="html",
        charset="utf-8",
    )
    msg.get_payload()[1].add_related(PNG, maintype="image", subtype="png", cid="<foto1@kabar>")
    if attachment:
        msg.add_attachment(b"%PDF-1.4 laporan", maintype="application", subtype="pdf", filename="laporan-mei.pdf")
    return bytes(msg)


def send_raw(sesv2, to: str, raw: bytes) -> str:
    response = sesv2.send_email(
        FromEmailAddress=SENDER, Destination={"ToAddresses": [to]}, Content={"Raw": {"Data": raw}}
    )
    return response["MessageId"]


def test_raw_mail_is_listed_decoded_with_links(sesv2, outbox, reviewer):
    # Given a raw MIME review email with an Indonesian, non-ASCII subject
    subject = "Draf siap ditinjau: “Kerja bakti” di Padukuhan Ngemplak — mohon persetujuan"
    sent = datetime(2025, 5, 12, 3, 4, 5, tzinfo=UTC)
    msg_id = send_raw(sesv2, reviewer, review_mail(reviewer, subject, attachment=True, sent=sent))

    # When the outbox is listed for that reviewer
    listed = outbox.list(to=reviewer)

    # Then the one message comes back decoded, with every link from both parts
    assert len(listed) == 1
    email = listed[0]
    assert email["id"] == msg_id
    assert email["to"] == [reviewer]
    assert email["from"] == f"Kabar Purwobinangun <{SENDER}>"
    assert email["subject"] == subject
    assert "Draf siap ditinjau." in email["text"]
    assert "<b>siap</b>" in email["html"]
    assert email["links"] == [
        "https://kabar.test/review/tok-123?v=2",
        "https://kabar.test/x",
        "https://kabar.test/review/tok-123?v=2&lang=id",
    ]
    assert email["sent_at"] == "2025-05-12T03:04:05+00:00"
    assert email["attachments"] == [{"filename": "laporan-mei.pdf", "content_type": "application/pdf", "size": 16}]
    assert json.dumps(listed)  # the gateway serves it as JSON
    assert outbox.get(msg_id) == email
    assert message_from_bytes(outbox.raw(msg_id), policy=policy.default)["subject"] == subject


def test_list_is_newest_first_and_filters_by_recipient(sesv2, outbox, reviewer):
    other = f"admin-{uuid.uuid4().hex[:8]}@desa-purwobinangun.id"
    first = send_raw(sesv2, reviewer, review_mail(reviewer, "Pertama"))
    send_raw(sesv2, other, review_mail(other, "Untuk admin"))
    second = send_raw(sesv2, reviewer, review_mail(reviewer, "Kedua"))

    assert [m["id"] for m in outbox.list(to=reviewer)] == [second, first]
    assert [m["subject"] for m in outbox.list(to=other.upper())] == ["Untuk admin"]
    everything = [m["id"] for m in outbox.list()]
    assert everything.index(second) < everything.index(first)
    assert outbox.get("no-such-id") is None and outbox.raw("no-such-id") is None


def test_simple_messages_are_supported(sesv2, outbox, reviewer):
    # moto keeps only the HTML body of a Simple message that has both
    sesv2.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": [reviewer], "CcAddresses": ["arsip@desa-purwobinangun.id"]},
        Content={
            "Simple": {
                "Subject": {"Data": "Laporan bulanan Mei — siap"},
                "Body": {
                    "Text": {"Data": "Unduh: https://kabar.test/laporan/mei"},
                    "Html": {"Data": '<p>Unduh <a href="https://kabar.test/laporan/mei">laporan</a></p>'},
                },
            }
        },
    )
    sesv2.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": [reviewer]},
        Content={
            "Simple": {
                "Subject": {"Data": "Teks saja"},
                "Body": {"Text": {"Data": "Lihat https://a.test/b."}},
            }
        },
    )

    text_only, with_html = outbox.list(to=reviewer)
    assert with_html["subject"] == "Laporan bulanan Mei — siap"
    assert with_html["to"] == [reviewer, "arsip@desa-purwobinangun.id"]
    assert with_html["html"].startswith("<p>Unduh") and with_html["text"] is None
    assert with_html["links"] == ["https://kabar.test/laporan/mei"]
    assert text_only["text"] == "Lihat https://a.test/b." and text_only["html"] is None
    assert text_only["links"] == ["https://a.test/b"]
    raw = message_from_bytes(outbox.raw(text_only["id"]), policy=policy.default)
    assert raw["subject"] == "Teks saja" and raw.get_content().strip() == "Lihat https://a.test/b."


def test_find_links_trims_prose_punctuation_and_unescapes_html():
    assert find_links("lihat (https://a.test/x), lalu https://b.test/y?q=1.") == [
        "https://a.test/x",
        "https://b.test/y?q=1",
    ]
    assert find_links('<a href="https://a.test/?a=1&amp;b=2">x</a>', is_html=True) == ["https://a.test/?a=1&b=2"]
    assert find_links(None) == []


def test_gateway_serves_the_outbox_json_page_and_eml(sesv2, outbox, reviewer, moto_url):
    subject = "Draf siap ditinjau: “Posyandu” Dusun Jetis"
    msg_id = send_raw(sesv2, reviewer, review_mail(reviewer, subject, attachment=True))
    stack = SimpleNamespace(moto_url=moto_url, settings=SimpleNamespace(site_bucket="unused"), mounts={})
    client = Client(make_app([], stack, outbox=outbox))

    # JSON, filtered by recipient
    response = client.get("/_local/outbox", query_string={"to": reviewer})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert [m["subject"] for m in response.get_json()] == [subject]

    # The page: a header block, then the HTML part as-is with working links and inline images
    page = client.get(f"/_local/outbox/{msg_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "Draf <b>siap</b> ditinjau — “Kerja bakti”." in html
    assert "Dari" in html and "Kepada" in html and "Subjek" in html
    assert "Draf siap ditinjau: “Posyandu” Dusun Jetis" in html
    assert '<a class="btn" href="https://kabar.test/review/tok-123?v=2&amp;lang=id">Tinjau draf</a>' in html
    assert ".btn{color:red}" in html and "<html><head>" not in html
    assert "cid:" not in html
    assert f"/_local/outbox/{msg_id}/parts/" in html and "laporan-mei.pdf" in html

    # The inline image and the attachment are served from their parts
    image_url = html.split('<img src="', 1)[1].split('"', 1)[0]
    image = client.get(image_url)
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG

    # The raw MIME
    eml = client.get(f"/_local/outbox/{msg_id}.eml")
    assert eml.status_code == 200 and eml.mimetype == "message/rfc822"
    assert message_from_bytes(eml.data, policy=policy.default)["subject"] == subject

    # Unknown ids are a 404 page
    assert client.get("/_local/outbox/nope").status_code == 404
    assert client.get("/_local/outbox/nope.eml").status_code == 404
    assert client.get(f"/_local/outbox/{msg_id}/parts/99").status_code == 404


def test_text_only_mail_page_links_its_urls(sesv2, outbox, reviewer, moto_url):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, reviewer, "Tautan unggah <untuk> Pak Dukuh"
    msg.set_content("Unggah di https://kabar.test/upload?t=a&b=1 ya.", charset="utf-8")
    msg_id = send_raw(sesv2, reviewer, bytes(msg))
    stack = SimpleNamespace(moto_url=moto_url, settings=SimpleNamespace(site_bucket="unused"), mounts={})

    html = Client(make_app([], stack, outbox=outbox)).get(f"/_local/outbox/{msg_id}").get_data(as_text=True)

    assert "Tautan unggah &lt;untuk&gt; Pak Dukuh" in html  # escaped, never interpreted
    assert '<a href="https://kabar.test/upload?t=a&amp;b=1">https://kabar.test/upload?t=a&amp;b=1</a> ya.' in html
