"""Issue 4: the correction loop, rejection and resubmission, the hash-chained audit trail, races.

Given a drafted submission, these drive the review API and PUT /drafts through the handlers and
check what a reviewer, an admin and an auditor would see.
"""

import json
import threading
from datetime import timedelta
from urllib.parse import quote_plus

import boto3

from kabar.domain.clock import now
from kabar.services import services
from kabar.usecases import review
from kabar.usecases.audit import verify_trail
from kabar_local import cli, samples
from kabar_local.outbox import Outbox
from tests.integration.flow import OTHER, VILLAGE, api_event, draft_links_in, drafted, review_event, staff, submit


def _links_by_procedure(aws) -> dict[str, str]:
    """Deliver the notifications; the newest review token of each procedure, from the emails."""
    aws.deliver("NotificationQueue", "ReviewNotificationFunction")
    out = {}
    for mail in Outbox().list(to="ppid@purwobinangun.desa.id"):
        for procedure, url in draft_links_in(mail):
            out.setdefault(procedure, []).append((mail["subject"], url.rsplit("/", 1)[1]))
    return {p: sorted(v)[-1][1] for p, v in out.items()}


def _put_draft(aws, token, sid, procedure, body):
    result = aws.invoke("SubmissionsApiFunction", api_event(
        "PUT", f"/drafts/{sid}/{procedure}", "/drafts/{submission_id}/{procedure}", token, body,
        path_params={"submission_id": sid, "procedure": procedure}))
    return result["statusCode"], json.loads(result["body"])


def _drafts(sid):
    return {(d.procedure.value, d.version): d.status.value
            for d in services().store.submission_items(VILLAGE, sid)["draft"]}


def test_a_correction_comes_back_as_a_new_version_with_its_differences_highlighted(aws):
    _, created = drafted(aws)
    sid = created["submission_id"]
    old_link = _links_by_procedure(aws)["website"]
    asked = aws.invoke("ReviewApiFunction", review_event(
        "POST", old_link, "decision=revise&note=" + quote_plus("Sebutkan jumlah warga yang hadir")))
    assert asked["statusCode"] == 200
    aws.deliver("NotificationQueue", "ReviewNotificationFunction")
    assert any("Perlu koreksi" in m["subject"] for m in Outbox().list(to="admin@purwobinangun.desa.id"))

    admin = staff("admin")
    body = {"version": 1, "lead": "Sebanyak 60 warga <script>alert(1)</script> membersihkan saluran irigasi.",
            "note": "jumlah warga ditambahkan"}
    status, result = _put_draft(aws, admin, sid, "website", body)
    assert status == 200, result
    assert (result["version"], result["changed"]) == (2, ["lead"])
    assert _drafts(sid)[("website", 1)] == "superseded" and _drafts(sid)[("website", 2)] == "in_review"
    # RevisionSubmitted -> drafting -> DraftReady v2 -> the reviewer's email for v2
    aws.deliver("DraftingQueue", "DraftingFunction")
    aws.deliver("NotificationQueue", "ReviewNotificationFunction")
    v2 = [m for m in Outbox().list(to="ppid@purwobinangun.desa.id") if "(v2)" in m["subject"]]
    assert len(v2) == 1
    assert "Perubahan dari versi 1" in v2[0]["html"] and "<ins" in v2[0]["html"] and "<del" in v2[0]["html"]
    assert "[-Kegiatan-][+Sebanyak+]" in v2[0]["text"]
    assert "<script>" not in v2[0]["html"] and "&lt;script&gt;" in v2[0]["html"]
    # the old link acts on nothing and says a newer version exists; the new page shows the changes
    stale = aws.invoke("ReviewApiFunction", review_event("POST", old_link, "decision=approve"))
    assert stale["statusCode"] == 409 and "versi yang lebih baru" in stale["body"].lower()
    new_link = _links_by_procedure(aws)["website"]
    page = aws.invoke("ReviewApiFunction", review_event("GET", new_link))
    assert page["statusCode"] == 200 and "<ins" in page["body"] and "<script>alert" not in page["body"]


def test_a_stale_foreign_or_wrong_role_edit_is_refused_and_an_expired_link_decides_nothing(aws):
    _, created = drafted(aws)
    sid = created["submission_id"]
    link = _links_by_procedure(aws)["social"]
    later = now() + timedelta(hours=services().settings.review_link_hours, minutes=1)
    assert review.show(link, at=later, svc=services()).status == 404  # the same plain answer as a bad link
    assert review.decide(link, {"decision": "approve"}, at=later, svc=services()).status == 404
    assert _drafts(sid)[("social", 1)] == "in_review"
    admin = staff("admin")
    assert _put_draft(aws, admin, sid, "website", {"version": 1, "lead": "Lead baru yang lebih jelas."})[0] == 200
    status, stale = _put_draft(aws, admin, sid, "website", {"version": 1, "lead": "Tabrakan dua tab."})
    assert status == 409 and "versi 2" in stale["error"]["message"]
    assert _put_draft(aws, admin, sid, "website", {"version": 2, "lead": "Lead baru yang lebih jelas."})[0] == 422
    assert _put_draft(aws, admin, sid, "website", {"version": 2, "caption": "bukan untuk website"})[0] == 422
    assert _put_draft(aws, staff("submitter"), sid, "website", {"version": 2, "lead": "x" * 10})[0] in (401, 403)
    assert _put_draft(aws, staff("admin", OTHER), sid, "website", {"version": 2, "lead": "x" * 10})[0] == 404
    assert _put_draft(aws, admin, sid, "pamflet", {"version": 2, "lead": "x" * 10})[0] == 404
    assert sorted(_drafts(sid)) == [("social", 1), ("website", 1), ("website", 2)]


def test_a_rejection_closes_the_submission_and_only_a_rejected_one_of_the_village_can_be_resubmitted(aws):
    token, created = drafted(aws)
    sid = created["submission_id"]
    payload, _ = samples.submission_payload(now().date())
    status, body = submit(aws, token, {**payload, "resubmission_of": sid})
    assert status == 422 and body["error"]["fields"][0]["field"] == "resubmission_of"  # not rejected yet
    links = _links_by_procedure(aws)
    # TOLAK for the content of one draft: the other procedure goes on, the entry stays open
    aws.invoke("ReviewApiFunction", review_event("POST", links["social"],
                                                 "decision=reject&reason=confidential&note=rahasia"))
    sub = services().store.get_submission(VILLAGE, sid)
    assert sub.status.value == "complete" and sub.closed_at is None
    assert services().store.get_draft(VILLAGE, sid, "website").status.value == "in_review"
    # the other one refused too: every procedure refused closes the entry
    aws.invoke("ReviewApiFunction", review_event("POST", links["website"],
                                                 "decision=reject&reason=personal_data&note=ada+NIK"))
    sub = services().store.get_submission(VILLAGE, sid)
    assert sub.status.value == "rejected" and sub.closed_at is not None
    foreign, _ = samples.submission_payload(now().date())
    assert submit(aws, staff("submitter", OTHER), {**foreign, "resubmission_of": sid})[0] == 422
    status, again = submit(aws, token, {**payload, "resubmission_of": sid})
    assert status == 201
    assert services().store.get_submission(VILLAGE, again["submission_id"]).resubmission_of == sid


def test_an_activity_refused_as_not_for_publication_withdraws_the_other_draft_and_publishes_nothing(aws):
    # Given the website draft approved (its publication not yet run) and the social draft under review
    _, created = drafted(aws)
    sid = created["submission_id"]
    links = _links_by_procedure(aws)
    aws.invoke("ReviewApiFunction", review_event("POST", links["website"], "decision=approve"))
    # When the PPID refuses the social draft because the activity is not for publication
    aws.invoke("ReviewApiFunction", review_event(
        "POST", links["social"], "decision=reject&reason=not_for_publication&note=kegiatan+internal"))
    aws.deliver("PublicationQueue", "PublicationFunction")
    # Then both drafts are refused, the entry is closed, nothing went online, and the trail says why
    items = services().store.submission_items(VILLAGE, sid)
    assert {d.procedure.value: d.status.value for d in items["draft"]} == {"social": "rejected", "website": "rejected"}
    assert services().store.get_submission(VILLAGE, sid).status.value == "rejected"
    assert items["publication"] == []
    assert "withdrawn_with_activity" in {a.action for a in items["audit"]}
    website = services().store.get_draft(VILLAGE, sid, "website")
    assert "tidak untuk dipublikasikan" in website.decision_note


def test_two_tabs_deciding_at_once_leave_exactly_one_decision(aws):
    _, created = drafted(aws)
    link = _links_by_procedure(aws)["website"]
    pages = {}

    def decide(decision):
        pages[decision] = review.decide(link, {"decision": decision, "note": "catatan"}, svc=services())

    threads = [threading.Thread(target=decide, args=(d,)) for d in ("approve", "reject")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(p.status for p in pages.values()) == [200, 409]
    winner = next(d for d, p in pages.items() if p.status == 200)
    assert _drafts(created["submission_id"])[("website", 1)] == {"approve": "approved", "reject": "rejected"}[winner]
    decisions = [e for e in services().store.submission_items(VILLAGE, created["submission_id"])["audit"]
                 if e.action.startswith("decision_")]
    assert len(decisions) == 1
    assert verify_trail(VILLAGE, svc=services()).intact


def _chain_items():
    table = boto3.resource("dynamodb").Table(services().settings.table)
    items = table.query(KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": f"T#{VILLAGE}#AUDIT"},
                        ConsistentRead=True)["Items"]
    return table, sorted((i for i in items if i["SK"].startswith("E#")), key=lambda i: i["SK"])


def test_the_audit_trail_is_chained_and_an_edit_or_a_deletion_is_detected(aws, monkeypatch, capsys):
    drafted(aws)
    link = _links_by_procedure(aws)["website"]
    aws.invoke("ReviewApiFunction", review_event("POST", link, "decision=approve"))
    monkeypatch.setattr(cli, "attach", lambda: {})
    verdict = verify_trail(VILLAGE, svc=services())
    assert verdict.intact and verdict.entries >= 4  # submitted, received files, drafted x2, decided
    assert cli.main(["audit", "verify", "--village", VILLAGE]) == 0
    assert verify_trail(OTHER, svc=services()).entries == 0  # one chain per village

    table, entries = _chain_items()
    decision = next(i for i in entries if i["action"] == "decision_approve")
    table.update_item(Key={"PK": decision["PK"], "SK": decision["SK"]}, UpdateExpression="SET actor = :a",
                      ExpressionAttributeValues={":a": "reviewer:someone-else@example.org"})
    assert [p.kind for p in verify_trail(VILLAGE, svc=services()).problems] == ["edited"]
    assert cli.main(["audit", "verify", "--village", VILLAGE]) == 1
    assert "TIDAK UTUH" in capsys.readouterr().out
    table.put_item(Item=decision)  # put it back as it was
    assert verify_trail(VILLAGE, svc=services()).intact

    table.delete_item(Key={"PK": entries[1]["PK"], "SK": entries[1]["SK"]})
    assert {"missing", "broken_link"} <= {p.kind for p in verify_trail(VILLAGE, svc=services()).problems}
    table.put_item(Item=entries[1])
    table.delete_item(Key={"PK": entries[-1]["PK"], "SK": entries[-1]["SK"]})  # the newest one
    assert [p.kind for p in verify_trail(VILLAGE, svc=services()).problems] == ["head_mismatch"]


def test_concurrent_appends_extend_one_chain_without_a_fork(aws):
    from kabar.domain.models import AuditEntry

    before = verify_trail(OTHER, svc=services()).entries

    errors = []

    def append(n):
        try:
            services().store.append_audit(AuditEntry(
                tenant_id=OTHER, submission_id=f"{n:020x}", at=now(), actor="test", action="noted", subject="x"))
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    verdict = verify_trail(OTHER, svc=services())
    assert verdict.intact and verdict.entries == before + 8
