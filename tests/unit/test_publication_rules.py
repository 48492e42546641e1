"""SOP step 4's rules, without AWS: retry timing within H+1, the late alert, the village's time of day,
channels that do not take a post, and at most one post per version and channel."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from kabar.domain.clock import WIB
from kabar.domain.errors import Conflict
from kabar.domain.events import DraftApproved
from kabar.domain.models import (
    Activity,
    Contact,
    Draft,
    DraftStatus,
    Procedure,
    Publication,
    PublicationStatus,
    Submission,
    Village,
)
from kabar.domain.publishing import backoff, publish_moment, retry_plan
from kabar.domain.sop import batas_unggah
from kabar.ports import PermanentChannelError, Published, TransientChannelError
from kabar.services import Services
from kabar.usecases.publication import PublicationDeferred, PublicationIncomplete, publish_approved, republish
from tests.fakes import MemoryStore, memory_services, settle

DAY = date(2026, 11, 27)
DEADLINE = batas_unggah(DAY)  # 28 November 2026, 23:59:59 WIB


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=WIB)


# -- the pure rules ----------------------------------------------------------------------------------


def test_backoff_doubles_from_a_minute_up_to_an_hour():
    assert [backoff(n) for n in (1, 2, 3, 7, 20)] == [60, 120, 240, 3600, 3600]


def test_a_channel_hint_longer_than_the_backoff_wins():
    plan = retry_plan(1, 7 * 60, wib(27, 10), DEADLINE)
    assert plan.delay_seconds == 420 and not plan.misses_deadline


def test_a_wait_across_the_deadline_is_kept_but_flagged():
    plan = retry_plan(2, 3600, wib(28, 23, 30), DEADLINE)
    assert plan.delay_seconds == 3600 and plan.misses_deadline
    assert retry_plan(1, 10**6, wib(27, 10), DEADLINE).delay_seconds == 12 * 3600  # SQS's ceiling


@pytest.mark.parametrize(("at", "publish_time", "expected"), [
    (wib(27, 14), None, wib(27, 14)),  # immediate
    (wib(27, 6), time(8, 0), wib(27, 8)),  # later today
    (wib(27, 14), time(8, 0), wib(28, 8)),  # tomorrow morning, still within H+1
    (wib(28, 14), time(8, 0), wib(28, 14)),  # the next 08:00 is after H+1: at once
])
def test_publish_moment(at, publish_time, expected):
    assert publish_moment(at, publish_time, DEADLINE) == expected


# -- the use case with in-memory ports ------------------------------------------------------------


class Store(MemoryStore):
    """The shared in-memory store, holding one village, one submission and its approved draft."""

    def __init__(self, village: Village, submission: Submission, draft: Draft) -> None:
        super().__init__()
        self.put_village(village)
        self.create_submission(submission, [])
        self.put_draft(draft)
        self.first = draft

    @property
    def draft(self) -> Draft:
        return self.get_draft(self.first.tenant_id, self.first.submission_id, self.first.procedure)

    @draft.setter
    def draft(self, draft: Draft) -> None:  # a test's change to the stored version
        self.drafts[(draft.tenant_id, draft.submission_id, str(draft.procedure), draft.version)] = draft

    @property
    def village(self) -> Village:
        return self.get_village(self.first.tenant_id)

    @village.setter
    def village(self, village: Village) -> None:
        self.put_village(village)

    @property
    def pubs(self) -> dict[str, Publication]:
        return {p.channel: p for p in self.publication_items.values()}


class Remote:
    """A channel whose remote keeps what was posted; ``faults`` are raised in turn before posting."""

    def __init__(self, name: str, faults=(), accepts=None) -> None:
        self.name = name
        self.faults = list(faults)
        self.posts: dict[str, str] = {}
        if accepts is not None:
            self.accepts = accepts

    def find(self, post):
        return Published(self.posts[post.marker], None) if post.marker in self.posts else None

    def publish(self, post):
        fault = self.faults.pop(0) if self.faults else None
        if fault == "after_success":
            self.posts[post.marker] = f"{self.name}-1"
            raise TransientChannelError("timeout after success")
        if isinstance(fault, Exception):
            raise fault
        assert post.marker not in self.posts, "posted twice"
        self.posts[post.marker] = f"{self.name}-1"
        return Published(self.posts[post.marker], f"https://{self.name}.example/1")


class Throttled(TransientChannelError):
    def __init__(self, seconds: float) -> None:
        super().__init__("rate limited")
        self.retry_after = seconds


@pytest.fixture
def svc():
    return make_svc()


def make_svc() -> Services:
    """Services over in-memory ports with one approved social draft (also used by the channel tests)."""
    village = Village(id="purwobinangun", name="Purwobinangun",
                      reviewers=[Contact(name="PPID", email="ppid@purwobinangun.desa.id")],
                      admins=[Contact(name="Admin", email="admin@purwobinangun.desa.id")])
    submission = Submission(tenant_id=village.id, submission_id="s1", submitter_id="u", submitter_name="U",
                            submitter_email="u@purwobinangun.desa.id",
                            activity=Activity(title="Kerja Bakti", date=DAY, location="Candi"), narrative="n",
                            procedures=[Procedure.SOCIAL], created_at=wib(27, 9))
    draft = Draft(tenant_id=village.id, submission_id="s1", procedure=Procedure.SOCIAL, version=1,
                  status=DraftStatus.APPROVED, title="Kerja Bakti", caption="Kerja bakti #Purwobinangun",
                  photo_keys=["purwobinangun/s1/a.jpg"], video_key=None, created_at=wib(27, 10))
    # the undo window's own cases: test_undo_window_defers_publication_until_it_closes
    return memory_services(Store(village, submission, draft), public_url="https://api.example.id",
                           undo_window_seconds=0)


EVENT = DraftApproved(tenant_id="purwobinangun", submission_id="s1", procedure=Procedure.SOCIAL, version=1,
                      reviewer="PPID", occurred_at=wib(27, 11))


def run(svc, channels, at):
    try:
        return publish_approved(EVENT, svc, channels_for=lambda v, p: channels, at=at)
    finally:
        settle(svc, at)  # the relay and the notice sender


def test_a_throttled_channel_sets_the_wait_and_the_others_go_on(svc):
    fb, ig = Remote("facebook"), Remote("instagram", faults=[Throttled(420)])
    with pytest.raises(PublicationIncomplete) as caught:
        run(svc, [fb, ig], wib(27, 12))
    assert caught.value.retry_after == 420
    assert svc.store.pubs["facebook"].status is PublicationStatus.PUBLISHED
    assert svc.store.pubs["instagram"].status is PublicationStatus.PENDING and not svc.mailer.sent
    # the redelivery publishes the rest, and facebook is not posted again
    run(svc, [fb, ig], wib(27, 12, 8))
    assert {c: p.status for c, p in svc.store.pubs.items()} == {
        "facebook": PublicationStatus.PUBLISHED, "instagram": PublicationStatus.PUBLISHED}
    assert svc.store.draft.status is DraftStatus.PUBLISHED
    # counted through the Metrics port: one publication per channel, the throttled attempt as transient
    assert svc.metrics.of("Publications") == [{"channel": "facebook"}, {"channel": "instagram"}]
    assert svc.metrics.of("ChannelErrors") == [{"channel": "instagram", "kind": "transient"}]


def test_a_timeout_after_success_and_a_duplicate_delivery_make_one_post(svc):
    fb = Remote("facebook", faults=["after_success"])
    with pytest.raises(PublicationIncomplete):
        run(svc, [fb], wib(27, 12))
    for _ in range(2):  # the retry and a duplicate delivery of the approval
        (pub,) = run(svc, [fb], wib(27, 12, 5))
        assert pub.status is PublicationStatus.PUBLISHED and pub.remote_id == "facebook-1"
    assert len(fb.posts) == 1


def test_a_retry_after_the_deadline_alerts_the_admin_once(svc):
    ig = Remote("instagram", faults=[Throttled(3600), Throttled(3600)])
    for minute in (30, 40):
        with pytest.raises(PublicationIncomplete):
            run(svc, [ig], wib(28, 23, minute))
    (mail,) = svc.mailer.sent
    assert "Terbit terlambat di Instagram" in mail.subject and mail.to == ("admin@purwobinangun.desa.id",)
    assert "29 November 2026, 00.30 WIB" in mail.text and "28 November 2026, 23.59 WIB" in mail.text


def test_a_permanent_error_stops_at_once_and_emails_the_admin(svc):
    fb = Remote("facebook", faults=[PermanentChannelError("Token akses Halaman Facebook tidak berlaku lagi.")])
    (pub,) = run(svc, [fb], wib(27, 12))
    assert pub.status is PublicationStatus.FAILED
    (mail,) = svc.mailer.sent
    assert "Gagal terbit di Facebook" in mail.subject and "Token akses" in mail.text
    assert svc.store.draft.status is DraftStatus.APPROVED  # kept ready to publish again
    run(svc, [fb], wib(27, 12, 5))  # a redelivery does not retry blindly nor email again
    assert len(svc.mailer.sent) == 1 and fb.posts == {}


def test_the_village_time_of_day_defers_within_h_plus_1(svc):
    svc.store.village = svc.store.village.model_copy(update={"publish_time": time(8, 0)})
    fb = Remote("facebook")
    with pytest.raises(PublicationDeferred) as caught:
        run(svc, [fb], wib(27, 14))
    assert caught.value.publish_at == wib(28, 8) and caught.value.retry_after == 18 * 3600 + 1
    assert fb.posts == {} and svc.store.pubs == {}
    run(svc, [fb], wib(28, 8, 0))
    assert len(fb.posts) == 1


def test_undo_window_defers_publication_until_it_closes(svc):
    """Issue 10: a TERIMA can be undone for the village's window; nothing goes out before it closes."""
    svc.store.village = svc.store.village.model_copy(update={"undo_minutes": 10})
    svc.store.draft = svc.store.draft.model_copy(update={"decided_at": wib(27, 11)})
    fb = Remote("facebook")
    with pytest.raises(PublicationDeferred) as caught:
        run(svc, [fb], wib(27, 11, 4))
    assert caught.value.publish_at == wib(27, 11, 10) and caught.value.retry_after == 6 * 60 + 1
    assert fb.posts == {} and svc.store.pubs == {}
    run(svc, [fb], wib(27, 11, 10))
    assert len(fb.posts) == 1


def test_an_approval_undone_in_its_window_is_never_published(svc):
    svc.store.village = svc.store.village.model_copy(update={"undo_minutes": 10})
    svc.store.draft = svc.store.draft.model_copy(update={"decided_at": None, "status": DraftStatus.IN_REVIEW})
    fb = Remote("facebook")
    assert run(svc, [fb], wib(27, 11, 30)) == [] and fb.posts == {}


def test_a_retry_after_the_set_time_is_not_put_off_to_the_next_day(svc):
    # Approved at 11:00 on day H with a 12:00 slot: a retry at 12:05 goes at once, not on H+1 at 12:00
    svc.store.village = svc.store.village.model_copy(update={"publish_time": time(12, 0)})
    ig = Remote("instagram", faults=[Throttled(300)])
    with pytest.raises(PublicationIncomplete):
        run(svc, [ig], wib(27, 12, 0))
    (pub,) = run(svc, [ig], wib(27, 12, 5))
    assert pub.status is PublicationStatus.PUBLISHED


def test_a_channel_that_does_not_take_the_post_is_skipped(svc):
    fb, yt = Remote("facebook"), Remote("youtube", accepts=lambda post: bool(post.video_key))
    run(svc, [fb, yt], wib(27, 12))
    assert set(svc.store.pubs) == {"facebook"} and svc.store.draft.status is DraftStatus.PUBLISHED


def test_the_admin_republishes_after_fixing_a_permanent_failure(svc):
    # Given facebook failed for good (an expired token) and instagram published
    fb = Remote("facebook", faults=[PermanentChannelError("token expired")])
    ig = Remote("instagram")
    run(svc, [fb, ig], wib(27, 12))
    # When the admin, with a new token, publishes again
    assert republish("purwobinangun", "s1", Procedure.SOCIAL, "admin", svc=svc, at=wib(27, 13)) == ["facebook"]
    settle(svc)
    # Then the approval is announced again and only facebook is posted on its redelivery
    (again,) = [e for e in svc.events.published if isinstance(e, DraftApproved)]
    assert again.version == 1 and again.note == "republish by admin"
    run(svc, [fb, ig], wib(27, 13, 1))
    assert len(fb.posts) == 1 and len(ig.posts) == 1
    assert svc.store.draft.status is DraftStatus.PUBLISHED
    with pytest.raises(Conflict):  # nothing left to publish
        republish("purwobinangun", "s1", Procedure.SOCIAL, "admin", svc=svc)


def test_the_handler_sets_the_wait_on_the_message_and_leaves_it_on_the_queue(monkeypatch):
    import importlib.util
    import json
    from pathlib import Path

    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from kabar.adapters import redelivery
    from kabar.usecases import publication

    spec = importlib.util.spec_from_file_location(
        "publication_app", Path(__file__).resolve().parents[2] / "functions" / "publication" / "app.py")
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    waits = []
    monkeypatch.setattr(redelivery, "delay", lambda record, seconds: waits.append((record.message_id, seconds)))

    wired = object()  # the handler wires the services once and hands them on

    def throttled(event, svc, later=None):
        assert svc is wired
        assert later is not None and later.queue_arn == "arn:aws:sqs:x:1:q"  # checks go back to this queue
        raise PublicationIncomplete("retry needed for: instagram", 420)

    monkeypatch.setattr(publication, "publish_approved", throttled)
    monkeypatch.setattr(app, "services", lambda: wired)
    record = SQSRecord({"messageId": "m-1", "receiptHandle": "r", "eventSourceARN": "arn:aws:sqs:x:1:q",
                        "body": json.dumps({"detail-type": "DraftApproved",
                                            "detail": EVENT.model_dump(mode="json")})})
    with pytest.raises(PublicationIncomplete):
        app.record_handler(record)
    assert waits == [("m-1", 420)]


def test_a_republish_that_meets_the_same_failure_does_not_email_it_again(svc):
    # Given WordPress refused the login and the admin was told
    wp = Remote("wordpress", faults=[PermanentChannelError("WordPress menolak login Kabar."),
                                     PermanentChannelError("WordPress menolak login Kabar."),
                                     PermanentChannelError("Akun WordPress tidak berhak menerbitkan berita.")])
    run(svc, [wp], wib(27, 12))
    assert len(svc.mailer.sent) == 1
    # When the admin publishes again before the fix took (the same refusal)
    republish("purwobinangun", "s1", Procedure.SOCIAL, "admin", svc=svc, at=wib(27, 13))
    run(svc, [wp], wib(27, 13, 1))
    # Then no second email says the same thing
    assert len(svc.mailer.sent) == 1
    # but another cause is told
    republish("purwobinangun", "s1", Procedure.SOCIAL, "admin", svc=svc, at=wib(27, 14))
    run(svc, [wp], wib(27, 14, 1))
    assert len(svc.mailer.sent) == 2 and "tidak berhak" in svc.mailer.sent[1].text


def test_a_site_that_moved_to_https_is_published_and_the_admin_told_to_fix_its_address(svc):
    wp = Remote("wordpress")
    wp.notice = "Situs WordPress sudah pindah ke https://desa.id. Admin: ganti alamat kanal WordPress."
    (pub,) = run(svc, [wp], wib(27, 12))
    assert pub.status is PublicationStatus.PUBLISHED
    (mail,) = [m for m in svc.mailer.sent if "Perlu diperbaiki" in m.subject]  # the submitter is told too
    assert "Perlu diperbaiki di Situs web (WordPress)" in mail.subject and "pindah ke https://desa.id" in mail.text
    assert "https://wordpress.example/1" in mail.text
