"""The fan-out's pure rules (periods, spread, partitions) and the mailer's pacing to the send rate."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from botocore.exceptions import ClientError

from kabar.adapters.ses import PacedMailer
from kabar.domain.clock import WIB
from kabar.domain.fanout import DIRECTORY_SHARDS, SPREAD_SECONDS, period_of, shard_of, spread
from kabar.ports import Mail, MailThrottled


def test_each_job_has_its_period_in_jakarta_time():
    at = datetime(2026, 12, 1, 0, 20, tzinfo=WIB)  # 30 November 17:20 UTC
    assert period_of("sla-watch", at) == "2026-12-01T00:15"
    assert period_of("intake-watch", at) == "2026-12-01T00"
    assert period_of("token-watch", at) == period_of("inbox-digest", at) == "2026-12-01"
    assert period_of("metrics", at) == "2026-11-30"  # yesterday, a complete day
    assert period_of("report", at) == period_of("regency-report", at) == "2026-11"
    with pytest.raises(ValueError):
        period_of("nightly", at)


def test_the_spread_is_stable_within_the_jobs_window_and_the_partitions_even():
    ids = [f"desa-{n:05d}" for n in range(4000)]
    delays = [spread("report", v, "2026-11") for v in ids]
    assert delays == [spread("report", v, "2026-11") for v in ids]  # a retried scheduler: the same delays
    assert 0 <= min(delays) and max(delays) <= SPREAD_SECONDS["report"] <= 900
    assert len(set(delays)) > 500  # spread over the window, not bunched
    assert {spread("report", v, "2026-11", cap=0) for v in ids[:50]} == {0}
    per_shard = Counter(shard_of(v) for v in ids)
    assert len(per_shard) == DIRECTORY_SHARDS and max(per_shard.values()) < 2 * min(per_shard.values())


class _Inner:
    def __init__(self, fail_with: Exception | None = None) -> None:
        self.sent = 0
        self.fail_with = fail_with

    def send(self, mail: Mail) -> str:
        if self.fail_with:
            raise self.fail_with
        self.sent += 1
        return f"m{self.sent}"


class _Clock:
    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


MAIL = Mail(to=("a@desa.id",), subject="s", text="t", html="<p>t</p>")


def test_each_sender_keeps_to_its_share_of_the_account_rate():
    clock = _Clock()
    mailer = PacedMailer(_Inner(), senders=10, clock=clock, sleep=clock.sleep, max_send_rate=50.0)
    for _ in range(6):
        mailer.send(MAIL)
    # 10 senders share 50 a second: each sends one every 0.2 s
    assert mailer.interval() == pytest.approx(0.2)
    assert clock.t - 1000.0 == pytest.approx(1.0) and all(s == pytest.approx(0.2) for s in clock.slept)


def test_a_throttled_send_says_so_and_other_errors_pass_through():
    throttled = ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}}, "SendEmail")
    with pytest.raises(MailThrottled):
        PacedMailer(_Inner(throttled), max_send_rate=10.0).send(MAIL)
    other = ClientError({"Error": {"Code": "MessageRejected", "Message": "bad address"}}, "SendEmail")
    with pytest.raises(ClientError):
        PacedMailer(_Inner(other), max_send_rate=10.0).send(MAIL)


def test_a_hand_on_splits_the_rest_into_one_chain_per_partition():
    from kabar.domain.fanout import Cursor

    chains = Cursor(5, "desa-00123").hand_on()
    assert chains[0] == Cursor(5, "desa-00123", True)
    assert [c.shard for c in chains[1:]] == list(range(6, DIRECTORY_SHARDS)) and all(c.single for c in chains)
    # a chain of one partition goes on in it only, and ends with it
    assert Cursor(7, "x", True).hand_on() == [Cursor(7, "x", True)]
    assert Cursor(7, None, True).next_page(["a", "b"], 2) == Cursor(7, "b", True)
    assert Cursor(7, "b", True).next_page(["c"], 2).done
    assert Cursor(7, "b").next_page(["c"], 2) == Cursor(8)
