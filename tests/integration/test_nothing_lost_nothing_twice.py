"""Nothing lost, nothing twice: one injected failure at each boundary of a flow, then redelivery.

Each case makes one call at a boundary fail once (an exception from DynamoDB, the bus or the mail
service, before or after the remote side acted), lets the function's trigger deliver again as AWS
would, and asserts that every effect happened exactly once: the register rows, the drafts, the
emails to each person, the audit trail (intact and without gaps), the posts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest

from kabar.adapters import aws as aws_clients
from kabar.domain.models import Contact
from kabar.services import services
from kabar.usecases.audit import verify_trail
from kabar.usecases.villages import put_village
from kabar_local.outbox import Outbox
from tests.integration.flow import VILLAGE, review_event, review_links, submitted_and_uploaded


class Injected(RuntimeError):
    """The one failure a case injects."""


def fail_once(monkeypatch, target: object, name: str, when: Callable[..., bool] = lambda *a, **k: True,
              after: bool = False) -> list[int]:
    """Make ``target.name`` fail the first time ``when`` holds: before it acts, or (``after``) once it acted."""
    original = getattr(target, name)
    fired: list[int] = []

    def wrapper(*args, **kwargs):
        if not fired and when(*args, **kwargs):
            fired.append(1)
            if after:
                original(*args, **kwargs)
            raise Injected(f"{name} failed once ({'after' if after else 'before'} acting)")
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, wrapper)
    return fired


def _dynamodb_fails_once(monkeypatch, match: str, after: bool = False) -> list[int]:
    """The next transaction whose items mention ``match`` fails (the client is shared and cached)."""
    client = aws_clients.client("dynamodb")
    return fail_once(monkeypatch, client, "transact_write_items",
                     when=lambda *a, **k: match in json.dumps(k.get("TransactItems", []), default=str), after=after)


def _mail_fails_once(monkeypatch, to: str | None = None, after: bool = False, subject: str = "") -> list[int]:
    from kabar.adapters.ses import SesMailer

    return fail_once(monkeypatch, SesMailer, "send", after=after,
                     when=lambda self, mail: (to is None or to in mail.to) and subject in mail.subject)


def _bus_fails_once(monkeypatch) -> list[int]:
    from kabar.adapters.eventbridge import EventBridgePublisher

    return fail_once(monkeypatch, EventBridgePublisher, "publish")


def _site_put_fails_once(monkeypatch, after: bool = False) -> list[int]:
    from kabar.adapters.s3 import S3Storage

    site = services().settings.site_bucket
    return fail_once(monkeypatch, S3Storage, "put", after=after,
                     when=lambda self, key, *a, **k: self.bucket == site and key.endswith(".html"))


def _reports_put_fails_once(monkeypatch) -> list[int]:
    from kabar.adapters.s3 import S3Storage

    bucket = services().settings.reports_bucket
    return fail_once(monkeypatch, S3Storage, "put", when=lambda self, key, *a, **k: self.bucket == bucket)


def _mails() -> Counter:
    return Counter((to, m["subject"].split("]", 1)[-1].split(":", 1)[0].strip())
                   for m in Outbox().list() for to in m["to"])


def _audit_ok() -> int:
    verdict = verify_trail(VILLAGE, svc=services())
    assert verdict.problems == [], verdict.problems
    return verdict.entries


def _redeliver_until_done(aws, queue: str, function: str, rounds: int = 4) -> None:
    for _ in range(rounds):
        if not aws.deliver(queue, function, retry_failures=True):
            return


# --- the flows a case runs -----------------------------------------------------------------------------

def _intake(aws) -> dict:
    _, created = submitted_and_uploaded(aws)
    _redeliver_until_done(aws, "IntakeQueue", "IntakeFunction")
    return created


def _drafting(aws) -> dict:
    created = _intake(aws)
    _redeliver_until_done(aws, "DraftingQueue", "DraftingFunction")  # the website draft
    _redeliver_until_done(aws, "VideoDraftingQueue", "VideoDraftingFunction")  # the draft video -> VideoDrafted
    _redeliver_until_done(aws, "DraftingQueue", "DraftingFunction")  # the social draft, with its video
    _redeliver_until_done(aws, "NotificationQueue", "ReviewNotificationFunction")
    return created


def _decide(aws, decision: str, note: str = "Tidak untuk publikasi") -> dict:
    created = _drafting(aws)
    links = [u.rsplit("/", 1)[1] for u in review_links(aws)]
    form = f"decision={decision}&note={note.replace(' ', '+')}&reason=not_for_publication"
    for link in links:
        try:
            aws.invoke("ReviewApiFunction", review_event("POST", link, form))
        except Injected:
            # the reviewer saw an error page: they press the button again
            aws.invoke("ReviewApiFunction", review_event("POST", link, form))
    aws.settle()
    return created


def _publish(aws) -> dict:
    created = _decide(aws, "approve")
    _redeliver_until_done(aws, "PublicationQueue", "PublicationFunction")
    return created


def _revision(aws) -> dict:
    from tests.integration.flow import api_event, staff

    created = _decide(aws, "revise", "Tambahkan jumlah peserta")
    sid = created["submission_id"]
    token = staff("admin")
    body = {"version": 1, "lead": "Sebanyak 60 warga membersihkan saluran irigasi."}
    event = api_event("PUT", f"/drafts/{sid}/website", "/drafts/{submission_id}/{procedure}", token, body,
                      path_params={"submission_id": sid, "procedure": "website"})
    for _ in range(2):  # the admin presses "send" again after an error page
        try:
            if aws.invoke("SubmissionsApiFunction", event)["statusCode"] == 200:
                break
        except Injected:
            continue
    _redeliver_until_done(aws, "DraftingQueue", "DraftingFunction")
    _redeliver_until_done(aws, "NotificationQueue", "ReviewNotificationFunction")
    return created


def _report(aws) -> dict:
    created = _publish(aws)
    aws.invoke("ReportSchedulerFunction", {"month": _this_month()})
    jobs = [j for j in aws.drain("ReportQueue") if json.loads(j["body"])["tenant_id"] == VILLAGE]
    for _ in range(3):
        try:
            aws.invoke("MonthlyReportFunction", {"Records": jobs})
        except Exception:  # noqa: BLE001 - the job's queue brings it back
            continue
        break
    aws.settle()
    return created


def _this_month() -> str:
    from kabar.domain.clock import month_of, now

    return month_of(now())


FLOWS = {
    "publication": _publish,
    "revision": _revision,
    "report": _report,
    "intake": _intake,
    "drafting": _drafting,
    "reject": lambda aws: _decide(aws, "reject"),
    "revise": lambda aws: _decide(aws, "revise", "Tambahkan jumlah peserta"),
    "approve": lambda aws: _decide(aws, "approve"),
}

# (flow, boundary, how the failure is injected)
BOUNDARIES = [
    ("intake", "file verdict + its audit entry", lambda mp: _dynamodb_fails_once(mp, '"file_accepted"')),
    ("intake", "completion + its event", lambda mp: _dynamodb_fails_once(mp, '"completed"')),
    ("intake", "relay to the bus", _bus_fails_once),
    ("drafting", "draft + audit + DraftReady", lambda mp: _dynamodb_fails_once(mp, '"drafted"')),
    ("drafting", "review link email, before sending", lambda mp: _mail_fails_once(mp, "ppid@purwobinangun.desa.id")),
    ("drafting", "review link email, crash after the send was taken",
     lambda mp: _mail_fails_once(mp, "ppid@purwobinangun.desa.id", after=True)),
    ("reject", "decision + audit + event + notice", lambda mp: _dynamodb_fails_once(mp, '"decision_reject"')),
    ("reject", "rejection email to the submitter", lambda mp: _mail_fails_once(mp, subject="Ditolak")),
    ("revise", "decision + correction notices", lambda mp: _dynamodb_fails_once(mp, '"decision_revise"')),
    ("revise", "correction email to the admin", lambda mp: _mail_fails_once(mp, "admin@purwobinangun.desa.id")),
    ("approve", "decision + DraftApproved", lambda mp: _dynamodb_fails_once(mp, '"decision_approve"')),
    ("publication", "online + audit + ContentPublished", lambda mp: _dynamodb_fails_once(mp, '"published"')),
    ("publication", "the website's page, before it is written", lambda mp: _site_put_fails_once(mp)),
    ("publication", "the website's page written, then a crash", lambda mp: _site_put_fails_once(mp, after=True)),
    ("revision", "new version + supersede + audit + event", lambda mp: _dynamodb_fails_once(mp, '"revised"')),
    ("revision", "version 2's review email", lambda mp: _mail_fails_once(mp, subject="(v2)")),
    ("report", "the report's email", lambda mp: _mail_fails_once(mp, subject="Laporan bulanan")),
    ("report", "the report's documents, before they are stored", lambda mp: _reports_put_fails_once(mp)),
]


def _clean_run(aws, flow: str) -> tuple[Counter, int, dict]:
    created = FLOWS[flow](aws)
    items = services().store.submission_items(VILLAGE, created["submission_id"])
    shape = {k: sorted(str(getattr(i, "status", "")) for i in v) for k, v in items.items() if k != "audit"}
    return _mails(), len(items["audit"]), shape


@pytest.mark.parametrize(("flow", "boundary", "inject"), BOUNDARIES, ids=[f"{f}: {b}" for f, b, _ in BOUNDARIES])
def test_one_failure_at_a_boundary_then_redelivery_leaves_every_effect_exactly_once(aws, monkeypatch, flow,
                                                                                    boundary, inject):
    # Given what a clean run of the flow does
    expected_mails, expected_audit, expected_shape = _clean_run(aws, flow)
    from tests.support import provision_env

    provision_env(aws.url)
    aws._shards.clear()
    # When the same flow meets one failure at the boundary, and its trigger delivers again
    fired = inject(monkeypatch)
    created = FLOWS[flow](aws)
    assert fired, f"the failure at {boundary!r} was never reached"
    # Then every effect is there exactly once
    items = services().store.submission_items(VILLAGE, created["submission_id"])
    shape = {k: sorted(str(getattr(i, "status", "")) for i in v) for k, v in items.items() if k != "audit"}
    assert shape == expected_shape
    assert len(items["audit"]) == expected_audit
    _audit_ok()
    mails = _mails()
    if "after the send was taken" in boundary:
        # the one window left: the mail service took it, the mark was never written; it is sent again
        # rather than never (documented in kabar.usecases.notices)
        assert {k: v for k, v in mails.items() if v > expected_mails[k]} == {
            k: expected_mails[k] + 1 for k in mails if k[0] == "ppid@purwobinangun.desa.id"
            and k[1] == "Mohon keputusan" and mails[k] > expected_mails[k]}
    else:
        assert mails == expected_mails


def test_boundaries_covered(capsys):
    flows = sorted({f for f, _, _ in BOUNDARIES})
    with capsys.disabled():
        print(f"\nfault injection: {len(BOUNDARIES)} boundaries covered in {len(flows)} flows ({', '.join(flows)})")
    assert len(BOUNDARIES) >= 10


# --- the findings, each by name ------------------------------------------------------------------------

def test_a_rejection_whose_follow_up_fails_once_still_reaches_the_submitter_once(aws, monkeypatch):
    fired = _mail_fails_once(monkeypatch, subject="Ditolak")
    created = _decide(aws, "reject")
    submitter = services().store.get_submission(VILLAGE, created["submission_id"]).submitter_email
    rejected = [m for m in Outbox().list(to=submitter) if "Ditolak" in m["subject"]]
    # the activity refused as not for publication: one TOLAK withdraws the other draft, one email says so
    assert fired and len(rejected) == 1


def test_one_failed_send_to_the_second_reviewer_never_resends_to_the_first(aws, monkeypatch):
    village = services().store.get_village(VILLAGE)
    put_village(village.model_copy(update={"reviewers": [
        *village.reviewers, Contact(name="PPID 2", email="ppid2@purwobinangun.desa.id")]}), svc=services())
    _mail_fails_once(monkeypatch, "ppid2@purwobinangun.desa.id")
    _drafting(aws)
    first = [m for m in Outbox().list(to="ppid@purwobinangun.desa.id") if "Mohon keputusan" in m["subject"]]
    second = [m for m in Outbox().list(to="ppid2@purwobinangun.desa.id") if "Mohon keputusan" in m["subject"]]
    assert len(first) == 1 and len(second) == 1  # one per activity each; the failed one retried alone


def test_an_email_error_after_the_monthly_report_is_recorded_still_sends_it_once(aws, monkeypatch):
    _mail_fails_once(monkeypatch)
    aws.invoke("ReportSchedulerFunction", {"month": "2026-11"})
    jobs = [j for j in aws.drain("ReportQueue") if json.loads(j["body"])["tenant_id"] == VILLAGE]
    assert aws.invoke("MonthlyReportFunction", {"Records": jobs}) == {"batchItemFailures": []}
    assert aws.invoke("MonthlyReportFunction", {"Records": jobs}) == {"batchItemFailures": []}  # redelivered
    reports = [m for m in Outbox().list() if "Laporan bulanan" in m["subject"]]
    recipients = Counter(to for m in reports for to in m["to"])
    assert recipients and set(recipients.values()) == {1}


def test_the_audit_entry_of_a_file_verdict_is_never_lost(aws, monkeypatch):
    fired = _dynamodb_fails_once(monkeypatch, '"file_accepted"')
    created = _intake(aws)
    assert fired
    items = services().store.submission_items(VILLAGE, created["submission_id"])
    verdicts = [a for a in items["audit"] if a.action.startswith("file_")]
    assert len(verdicts) == len(items["asset"])
    _audit_ok()


def test_a_publication_stranded_after_an_outage_is_redriven_and_the_admin_told_once(aws, monkeypatch):
    from kabar.adapters.channels import static_site
    from kabar.ports import TransientChannelError

    created = _drafting(aws)
    for link in review_links(aws):
        aws.invoke("ReviewApiFunction", review_event("POST", link.rsplit("/", 1)[1], "decision=approve"))
    # Given the website is down through every receive: the message gives up (lands in the DLQ)
    down = {"on": True}
    original = static_site.StaticSite.publish

    def publish(self, post):
        if down["on"]:
            raise TransientChannelError("website unreachable")
        return original(self, post)

    monkeypatch.setattr(static_site.StaticSite, "publish", publish)
    records = aws.drain("PublicationQueue")
    aws.invoke("PublicationFunction", {"Records": records})  # fails; the message is dropped here
    pubs = services().store.submission_items(VILLAGE, created["submission_id"])["publication"]
    assert {p.status.value for p in pubs} == {"pending"}
    last = max(p.updated_at for p in pubs)
    # When the watch runs after the outage: it re-drives, and tells the admins once
    done = aws.run_job("SlaWatchFunction", {"at": (last + timedelta(minutes=80)).isoformat()}, "SlaWatchQueue")
    assert done["redrive_stranded"] >= 1 and done["publish_stalled"] >= 1
    assert aws.run_job("SlaWatchFunction", {"at": (last + timedelta(minutes=85)).isoformat()},
                       "SlaWatchQueue")["publish_stalled"] == 0
    down["on"] = False
    aws.deliver("PublicationQueue", "PublicationFunction")
    # Then it is online exactly once, and the admins were told once
    pubs = services().store.submission_items(VILLAGE, created["submission_id"])["publication"]
    assert {p.status.value for p in pubs} == {"published"}
    stalled = [m for m in Outbox().list(to="admin@purwobinangun.desa.id") if "Unggah tertunda" in m["subject"]]
    assert len(stalled) == 1
    # and later runs re-drive nothing more
    again = aws.run_job("SlaWatchFunction", {"at": (last + timedelta(hours=3)).isoformat()}, "SlaWatchQueue")
    assert again["redrive_stranded"] == 0


def test_replaying_the_outbox_after_a_relay_outage_repeats_no_effect(aws):
    from kabar.domain.clock import now
    from kabar.usecases.relay import replay

    since = now() - timedelta(seconds=1)
    created = _decide(aws, "reject")
    submitter = services().store.get_submission(VILLAGE, created["submission_id"]).submitter_email
    before = _mails()
    # the operator replays everything promised since then (the relay's failure queue alarmed)
    counts = replay(services().store.outbox_since(since, VILLAGE), services().events)
    assert counts["event"] >= 4 and counts["notice"] == 0  # every email was sent: none is due again
    for queue, function in (("DraftingQueue", "DraftingFunction"), ("VideoDraftingQueue", "VideoDraftingFunction"),
                            ("DraftingQueue", "DraftingFunction"), ("NotificationQueue", "ReviewNotificationFunction"),
                            ("PublicationQueue", "PublicationFunction")):
        aws.deliver(queue, function)
    aws.settle()
    assert _mails() == before
    assert len([m for m in Outbox().list(to=submitter) if "Ditolak" in m["subject"]]) == 1
    _audit_ok()
