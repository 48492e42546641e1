"""The SLA watch's handler with a controlled clock: reminders and escalation once each, re-drives."""

import json
from datetime import timedelta

from kabar.domain.clock import iso
from kabar.domain.models import Contact
from kabar.services import services
from kabar.usecases.villages import put_village
from kabar_local.outbox import Outbox
from tests.integration.flow import OTHER, VILLAGE, drafted, review_event, review_links, submitted_and_uploaded


def _watch(aws, at) -> dict:
    return aws.run_job("SlaWatchFunction", {"at": iso(at)}, "SlaWatchQueue")


def _with_deputy():
    village = services().store.get_village(VILLAGE)
    put_village(village.model_copy(update={"deputy_reviewers": [
        Contact(name="Wakil PPID", email="wakil.ppid@purwobinangun.desa.id")]}), svc=services())


def _subjects(to):
    return sorted(m["subject"] for m in Outbox().list(to=to))


def test_the_reviewer_is_reminded_once_then_the_deputy_and_the_admins_are_told_once(aws):
    _with_deputy()
    _, created = drafted(aws)
    review_links(aws)
    drafts = services().store.submission_items(VILLAGE, created["submission_id"])["draft"]
    ready = max(d.created_at for d in drafts)
    assert _watch(aws, ready + timedelta(minutes=20))["remind"] == 0
    assert _watch(aws, ready + timedelta(minutes=31))["remind"] == 2  # one per draft (social, website)
    assert _watch(aws, ready + timedelta(minutes=45))["remind"] == 0  # never twice
    reminders = [s for s in _subjects("ppid@purwobinangun.desa.id") if "Pengingat" in s]
    assert len(reminders) == 2
    assert _subjects("wakil.ppid@purwobinangun.desa.id") == []

    assert _watch(aws, ready + timedelta(minutes=61))["escalate"] == 2
    assert _watch(aws, ready + timedelta(minutes=76))["escalate"] == 0
    deputy = Outbox().list(to="wakil.ppid@purwobinangun.desa.id")
    assert len(deputy) == 2 and all("Eskalasi" in m["subject"] for m in deputy)
    # the deputy's link works like the reviewer's: one decision stands
    link = next(u for u in deputy[0]["links"] if "/review/" in u).rsplit("/", 1)[1]
    assert aws.invoke("ReviewApiFunction", review_event("POST", link, "decision=approve"))["statusCode"] == 200
    admin = [s for s in _subjects("admin@purwobinangun.desa.id") if "terlambat" in s]
    assert len(admin) == 2


def test_a_lost_completion_is_redriven_once(aws):
    _, created = submitted_and_uploaded(aws)
    aws.deliver("IntakeQueue", "IntakeFunction")
    assert len(aws.drain("DraftingQueue")) == 1  # the completion event is "lost"
    completed = services().store.get_submission(VILLAGE, created["submission_id"]).completed_at
    assert _watch(aws, completed + timedelta(minutes=16))["redrive_completed"] == 1
    assert _watch(aws, completed + timedelta(minutes=31))["redrive_completed"] == 0
    redriven = [json.loads(r["body"]) for r in aws.drain("DraftingQueue")]
    assert [(r["detail-type"], r["detail"]["submission_id"]) for r in redriven] == [
        ("SubmissionCompleted", created["submission_id"])]


def test_an_approval_whose_event_was_lost_reaches_publication_again(aws):
    _, created = drafted(aws)
    for link in review_links(aws):
        aws.invoke("ReviewApiFunction", review_event("POST", link.rsplit("/", 1)[1], "decision=approve"))
    assert len(aws.drain("PublicationQueue")) == 2  # "lost"
    decided = max(d.decided_at for d in services().store.submission_items(VILLAGE, created["submission_id"])["draft"]
                  if d.decided_at)
    assert _watch(aws, decided + timedelta(minutes=16))["redrive_approved"] == 2
    aws.deliver("PublicationQueue", "PublicationFunction")
    pubs = services().store.submission_items(VILLAGE, created["submission_id"])["publication"]
    assert {p.status.value for p in pubs} == {"published"}
    assert _watch(aws, decided + timedelta(minutes=46))["redrive_approved"] == 0


def test_the_scheduled_event_runs_the_watch_at_the_current_time(aws):
    from tests.support import load_event

    done = aws.run_job("SlaWatchFunction", load_event("sla_watch/schedule"), "SlaWatchQueue")
    assert done["queued"] == 2 and sorted(done["delivered"]) == sorted([VILLAGE, OTHER])  # one run per village
    actions = {"remind", "escalate", "draft_late", "redrive_completed", "redrive_approved", "redrive_stranded",
               "publish_stalled", "publish_attention"}
    assert actions <= set(done) and {done[a] for a in actions} == {0}
