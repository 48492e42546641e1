"""What a narrative carries into the review: personal data flagged (and kept with the decision),
markup escaped in pages and emails, and no header smuggled through an activity's title."""

from datetime import date
from email import message_from_bytes, policy

from kabar.services import services
from kabar_local import samples
from kabar_local.outbox import Outbox
from tests.integration.flow import VILLAGE, review_event, staff, submit, upload_all

HOSTILE_TITLE = "Kerja Bakti <script>alert('t')</script>\r\nBcc: bocor@example.org"
NARRATIVE = (samples.NARRATIVE + "\n\nBantuan diterima Ibu Sutinah (NIK 3404014508900002), hubungi 0812-3456-7890. "
             "<img src=x onerror=alert(1)> <b>tebal</b>")


def _drafted_with(aws, title=HOSTILE_TITLE, narrative=NARRATIVE) -> str:
    payload, blobs = samples.submission_payload(date.today())
    payload["activity"]["title"] = title
    payload["narrative"] = narrative
    status, created = submit(aws, staff("submitter"), payload)
    assert status == 201, created
    upload_all(created, blobs, payload)
    aws.deliver("IntakeQueue", "IntakeFunction")
    aws.deliver("VideoDraftingQueue", "VideoDraftingFunction")  # the social draft waits for the draft video
    aws.deliver("DraftingQueue", "DraftingFunction")
    aws.deliver("NotificationQueue", "ReviewNotificationFunction")
    return created["submission_id"]


def test_personal_data_is_shown_masked_to_the_reviewer_and_kept_with_the_decision(aws):
    sid = _drafted_with(aws, title="Penyaluran Bantuan Sosial")
    mails = Outbox().list(to="ppid@purwobinangun.desa.id")
    assert len(mails) == 1  # one email for the activity's two drafts
    assert "Media Sosial" in mails[0]["subject"] and "Website" in mails[0]["subject"]
    for mail in mails:
        assert "Kemungkinan data pribadi" in mail["html"] and "************0002" in mail["html"]
        assert "NIK" in mail["text"] and "********7890" in mail["text"]
    token = next(u for u in mails[0]["links"] if "/review/" in u).rsplit("/", 1)[1]
    page = aws.invoke("ReviewApiFunction", review_event("GET", token))
    assert "Kemungkinan data pribadi" in page["body"] and "************0002" in page["body"]
    # approving anyway needs a reason, and the reason is kept with what the screening showed
    refused = aws.invoke("ReviewApiFunction", review_event("POST", token, "decision=approve"))
    assert refused["statusCode"] == 422 and "alasan menyetujui" in refused["body"]
    assert aws.invoke("ReviewApiFunction", review_event(
        "POST", token, "decision=approve&note=Penerima+sudah+memberi+izin+tertulis"))["statusCode"] == 200
    decided = [e for e in services().store.submission_items(VILLAGE, sid)["audit"] if e.action == "decision_approve"]
    assert len(decided) == 1 and decided[0].note == "Penerima sudah memberi izin tertulis"
    assert {r.split(":")[0] for r in decided[0].personal_data} == {"nik", "phone", "aid_recipient"}
    assert all("3404014508900002" not in r for r in decided[0].personal_data)


def test_markup_in_titles_and_narratives_is_escaped_and_subjects_carry_no_extra_header(aws):
    _drafted_with(aws)
    mails = Outbox().list(to="ppid@purwobinangun.desa.id")
    assert mails
    for mail in mails:
        # a subject is plain text (shown, never rendered); the HTML part must never carry markup typed by a person
        assert "<script>" not in mail["html"] and "<img src=x" not in mail["html"] and "<b>tebal" not in mail["html"]
        assert "&lt;script&gt;" in mail["html"]
        parsed = message_from_bytes(Outbox().raw(mail["id"]), policy=policy.default)
        assert parsed["Bcc"] is None and "\n" not in parsed["Subject"] and "\r" not in parsed["Subject"]
        assert parsed.get_all("To") == ["ppid@purwobinangun.desa.id"]
    assert not Outbox().list(to="bocor@example.org")
    token = next(u for u in mails[0]["links"] if "/review/" in u).rsplit("/", 1)[1]
    page = aws.invoke("ReviewApiFunction", review_event("GET", token))["body"]
    assert "<script>alert" not in page and "<img src=x" not in page and "&lt;script&gt;" in page
    note = "<script>document.location='https://x'</script>"
    done = aws.invoke("ReviewApiFunction", review_event(
        "POST", token, "decision=revise&note=%3Cscript%3Edocument.location%3D%27https%3A%2F%2Fx%27%3C%2Fscript%3E"))
    assert done["statusCode"] == 200 and note not in done["body"]
    aws.deliver("NotificationQueue", "ReviewNotificationFunction")
    (admin,) = [m for m in Outbox().list(to="admin@purwobinangun.desa.id") if "Perlu koreksi" in m["subject"]]
    assert note not in admin["html"] and "&lt;script&gt;" in admin["html"]
