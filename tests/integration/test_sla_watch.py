"""The SLA watch's handler with a controlled clock: reminders and escalation once each, re-drives."""

import json
from datetime import timedelta

from kabar.domain.clock import iso
from kabar.domain.models import Contact
from kabar.services import services
from kabar.usecases.villages import put_village
from kabar_local.outbox import Outbox
from tests.integration.flow import (
    OTHER,
    VILLAGE,
    draft_links_in,
    drafted,
    review_event,
    review_links,
    submitted_and_uploaded,
)


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
    sid = created["submission_id"]
    review_links(aws)
    drafts = services().store.submission_items(VILLAGE, sid)["draft"]
    ready = max(d.created_at for d in drafts)
    assert _watch(aws, ready + timedelta(minutes=20))["remind"] == 0
    assert _watch(aws, ready + timedelta(minutes=31))["remind"] == 2  # one action per draft (social, website)
    assert _watch(aws, ready + timedelta(minutes=45))["remind"] == 0  # never twice
    # one reminder for the activity, on one page: both drafts waiting, each with its own link
    (reminder,) = [m for m in Outbox().list(to="ppid@purwobinangun.desa.id") if "Pengingat" in m["subject"]]
    assert "Media Sosial (v1) + Website (v1)" in reminder["subject"]
    assert sorted(p for p, _ in draft_links_in(reminder)) == ["social", "website"]
    assert _subjects("wakil.ppid@purwobinangun.desa.id") == []

    assert _watch(aws, ready + timedelta(minutes=61))["escalate"] == 2
    assert _watch(aws, ready + timedelta(minutes=76))["escalate"] == 0
    (deputy,) = Outbox().list(to="wakil.ppid@purwobinangun.desa.id")
    assert "Eskalasi" in deputy["subject"] and "Media Sosial (v1) + Website (v1)" in deputy["subject"]
    links = dict(draft_links_in(deputy))
    assert sorted(links) == ["social", "website"]
    # the deputy's link works like the reviewer's: one decision stands
    link = links["website"].rsplit("/", 1)[1]
    assert aws.invoke("ReviewApiFunction", review_event("POST", link, "decision=approve"))["statusCode"] == 200
    # the admins: one notice naming both overdue drafts, their state in words, and the activity's page
    (admin,) = [m for m in Outbox().list(to="admin@purwobinangun.desa.id") if "terlambat" in m["subject"]]
    for body in (admin["text"], admin["html"]):
        assert "2 draf kegiatan ini" in body and body.count("menunggu keputusan PPID") == 2
        assert "Media Sosial</strong>, versi 1" in body or "- Media Sosial, versi 1" in body
        assert "Website</strong>, versi 1" in body or "- Website, versi 1" in body
    assert any(u.endswith(f"/app/{VILLAGE}/s/{sid}") for u in admin["links"])


def test_a_reminder_lists_only_the_drafts_still_waiting(aws):
    _, created = drafted(aws)
    sid = created["submission_id"]
    review_links(aws)  # the PPID's first email
    links = dict(found for mail in Outbox().list() for found in draft_links_in(mail))
    assert aws.invoke("ReviewApiFunction", review_event("POST", links["website"].rsplit("/", 1)[1],
                                                        "decision=approve"))["statusCode"] == 200
    drafts = services().store.submission_items(VILLAGE, sid)["draft"]
    ready = max(d.created_at for d in drafts)
    assert _watch(aws, ready + timedelta(minutes=31))["remind"] == 1
    (reminder,) = [m for m in Outbox().list(to="ppid@purwobinangun.desa.id") if "Pengingat" in m["subject"]]
    assert "Media Sosial (v1)" in reminder["subject"] and "Website" not in reminder["subject"]
    assert [p for p, _ in draft_links_in(reminder)] == ["social"]


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


def test_a_reminder_leaves_out_a_draft_the_admin_has_not_sent_to_the_ppid(aws):
    from kabar.domain.models import Procedure
    from kabar.usecases.admin_review import send_to_ppid
    from kabar.usecases.staff import add_staff

    village = services().store.get_village(VILLAGE)
    put_village(village.model_copy(update={"admin_review_first": True}), svc=services())
    _, created = drafted(aws)
    sid = created["submission_id"]
    aws.deliver("NotificationQueue", "ReviewNotificationFunction")
    admin, _ = add_staff(VILLAGE, "admin", "Admin", "admin@purwobinangun.desa.id", svc=services())
    send_to_ppid(admin, services().store.get_village(VILLAGE), sid, Procedure.WEBSITE, services())
    aws.deliver("NotificationQueue", "ReviewNotificationFunction")
    ready = max(d.created_at for d in services().store.submission_items(VILLAGE, sid)["draft"])
    assert _watch(aws, ready + timedelta(minutes=31))["remind"] == 1  # the social draft waits for the admin
    (reminder,) = [m for m in Outbox().list(to="ppid@purwobinangun.desa.id") if "Pengingat" in m["subject"]]
    assert "Website (v1)" in reminder["subject"] and "Media Sosial" not in reminder["subject"]
    assert [p for p, _ in draft_links_in(reminder)] == ["website"]
