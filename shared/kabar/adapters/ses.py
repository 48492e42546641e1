"""SES v2 behind the Mailer port: one MIME message, text and HTML parts, optional attachments."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from ..ports import Mail, MailThrottled
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


#: SES error codes that mean "too fast" or "too many today": the send is retried later, never dropped.
THROTTLE_CODES = {"Throttling", "ThrottlingException", "TooManyRequestsException", "LimitExceededException",
                  "MaxSendingRateExceeded", "SendingPausedException"}
#: How long the account's send quota is kept before it is asked again (GetSendQuota).
QUOTA_SECONDS = 300


def is_throttle(err: Exception) -> bool:
    code = getattr(err, "response", {}).get("Error", {}).get("Code")
    message = str(getattr(err, "response", {}).get("Error", {}).get("Message") or "")
    return code in THROTTLE_CODES or "Maximum sending rate exceeded" in message


class PacedMailer:
    """Sends no faster than this instance's share of the account's ``MaxSendRate``.

    Every concurrent sender (at most ``senders``: the notice queue's MaximumConcurrency) takes an equal
    share, so together they stay under the account's rate; the quota is read from SES (GetSendQuota)
    and kept ``QUOTA_SECONDS``. A throttled send raises :class:`~kabar.ports.MailThrottled`: its
    notice is released and the queue brings it back later (``functions/notice_sender``)."""

    def __init__(self, inner: SesMailer, senders: int = 1, clock: Any = None, sleep: Any = None,
                 max_send_rate: float | None = None) -> None:
        import time

        self.inner = inner
        self.fixed_rate = max_send_rate
        self.senders = max(1, senders)
        self._clock = clock or time.monotonic
        self._sleep = sleep or time.sleep
        self._quota: tuple[float, float] = (-QUOTA_SECONDS, 1.0)
        self._next = 0.0

    def max_send_rate(self) -> float:
        if self.fixed_rate:
            return self.fixed_rate
        stamp, rate = self._quota
        if self._clock() - stamp >= QUOTA_SECONDS:
            try:
                rate = float(client("ses").get_send_quota().get("MaxSendRate") or 1.0)
            except Exception as err:  # noqa: BLE001 - keep the last rate known (1 a second at first: the sandbox's)
                logging.getLogger(__name__).warning("send quota not read", extra={"error": repr(err)})
            self._quota = (self._clock(), max(rate, 0.1))
        return self._quota[1]

    def interval(self) -> float:
        """Seconds between two sends of this instance."""
        return self.senders / self.max_send_rate()

    def send(self, mail: Mail) -> str:
        now = self._clock()
        if self._next > now:
            self._sleep(self._next - now)
        self._next = max(now, self._next) + self.interval()
        try:
            return self.inner.send(mail)
        except Exception as err:
            if is_throttle(err):
                raise MailThrottled(str(err)) from err
            raise
