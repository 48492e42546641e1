"""SES v2 behind the Mailer port: one MIME message, text and HTML parts, optional attachments."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from ..ports import Mail
from .aws import client


def _clean_header(value: str) -> str:
    # Header injection: a subject or name never carries a line break.
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def build_mime(mail: Mail, sender: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = formataddr(("Kabar", sender))
    msg["To"] = ", ".join(_clean_header(a) for a in mail.to)
    if mail.reply_to:
        msg["Reply-To"] = ", ".join(_clean_header(a) for a in mail.reply_to)
    msg["Subject"] = _clean_header(mail.subject)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    msg.set_content(mail.text, charset="utf-8")
    msg.add_alternative(mail.html, subtype="html", charset="utf-8")
    for att in mail.attachments:
        maintype, subtype = att.content_type.split("/", 1)
        msg.add_attachment(att.data, maintype=maintype, subtype=subtype, filename=att.filename)
    return bytes(msg)


class SesMailer:
    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send(self, mail: Mail) -> str:
        response = client("sesv2").send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": list(mail.to)},
            Content={"Raw": {"Data": build_mime(mail, self.sender)}},
            EmailTags=[{"Name": k, "Value": v} for k, v in mail.tags.items()],
        )
        return response["MessageId"]
