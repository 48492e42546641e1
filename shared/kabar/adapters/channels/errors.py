"""The two error shapes every HTTP channel adapter raises, and the bits of ``urllib`` plumbing they share.

Each adapter subclasses the two classes under its own name (``WordPressTransientError``, ...) so that
its callers and tests can tell one channel's refusal from another's.
"""

from __future__ import annotations

import http.client
import json
import urllib.error

from ...domain.text import Bilingual
from ...ports import PermanentChannelError, TransientChannelError

#: A request that got no HTTP answer: a timeout or a dropped connection.
NO_ANSWER_ERRORS = (urllib.error.URLError, OSError, http.client.HTTPException)


class ChannelPermanentError(PermanentChannelError):
    """Refused for a reason a retry cannot fix; ``explanation`` says what the admin must do, ``detail``
    quotes the channel."""

    def __init__(self, explanation: Bilingual, detail: str = "") -> None:
        super().__init__(f"{explanation} {detail}".strip())
        self.explanation = explanation


class ChannelTransientError(TransientChannelError):
    """Worth retrying. ``ambiguous``: the request may have been carried out (5xx, timeout), so look
    for the post before posting again. ``retry_after``: seconds the channel says to wait, when it says."""

    def __init__(self, explanation: Bilingual, detail: str = "", *, ambiguous: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{explanation} {detail}".strip())
        self.explanation = explanation
        self.ambiguous = ambiguous
        self.retry_after = retry_after


def error_body(err: urllib.error.HTTPError) -> bytes:
    """The body of an HTTP error answer, or nothing when the connection drops while reading it."""
    try:
        return err.read()
    except (OSError, http.client.HTTPException):
        return b""


def json_object(raw: bytes) -> dict:
    """``raw`` as a JSON object; an empty, unparsable or non-object body is ``{}``."""
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
