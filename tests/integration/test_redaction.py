"""The PPID masks a personal-data finding in one tap: a new draft version, audited, sent for review again."""

import html
import re
from datetime import date

from kabar.domain.models import DraftStatus, Procedure
from kabar.services import services
from kabar_local import samples
from kabar_local.outbox import Outbox
from tests.integration.flow import VILLAGE, api_event, draft_links_in, review_event, staff, submit, upload_all

NIK = "3404014508900002"
NARRATIVE = samples.NARRATIVE + f"\n\nBantuan diterima warga dengan NIK {NIK} pada hari itu."


def _drafted(aws) -> str:
    payload, blobs = samples.submission_payload(date.today())
    payload["narrative"] = NARRATIVE
    status, created = submit(aws, staff("submitter"), payload)
    assert status == 201, created
    upload_all(created, blobs, payload)
    aws.deliver("IntakeQueue", "IntakeFunction")
    aws.deliver("DraftingQueue", "DraftingFunction")  # the website draft; the social one waits for the video
    aws.deliver("VideoDraftingQueue", "VideoDraftingFunction")
    aws.deliver("DraftingQueue", "DraftingFunction")  # the social draft: one email asks for both
    aws.deliver("NotificationQueue", "ReviewNotificationFunction")
    return created["submission_id"]


def _website_link(mails) -> str:
    """The website draft's own link within the newest email's activity link."""
    mail = [m for m in mails if "Website" in m["subject"]][0]  # the outbox lists the newest first
    return next(u for p, u in draft_links_in(mail) if p == "website").rsplit("/", 1)[1]


def _redact_event(token: str, form: str) -> dict:
    return api_event("POST", f"/review/{token}/redact", "/review/{token}/redact", path_params={"token": token},
                     form=form)


def _buttons(page: str) -> list[tuple[str, str, str]]:
    """(action, csrf, finding id) of each one-tap mask button on the confirmation page."""
    forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="csrf" '
                       r'value="([^"]+)"><input type="hidden" name="finding" value="([^"]+)">', page)
    return [(html.unescape(a), c, f) for a, c, f in forms]


def test_one_tap_masks_the_finding_in_a_new_version_that_goes_to_the_reviewer_again(aws):
    sid = _drafted(aws)
    token = _website_link(Outbox().list(to="ppid@purwobinangun.desa.id"))
    page = aws.invoke("ReviewApiFunction", review_event("GET", token))["body"]
    buttons = [b for b in _buttons(page) if b[2].startswith("article.") and b[2].endswith(".nik")]
    assert len(buttons) == 1, _buttons(page)
    action, csrf, finding = buttons[0]
    assert action.endswith(f"/review/{token}/redact")

    done = aws.invoke("ReviewApiFunction", _redact_event(token, f"csrf={csrf}&finding={finding}"))
    assert done["statusCode"] == 200 and "[NIK disamarkan]" in done["body"] and NIK not in done["body"]

    store = services().store
    v2 = store.get_draft(VILLAGE, sid, Procedure.WEBSITE)
    assert v2.version == 2 and v2.status is DraftStatus.IN_REVIEW
    assert NIK not in v2.article_html and "[NIK disamarkan]" in v2.article_html
    assert store.get_draft(VILLAGE, sid, Procedure.WEBSITE, 1).status is DraftStatus.SUPERSEDED
    (entry,) = [e for e in store.submission_items(VILLAGE, sid)["audit"] if e.action == "redacted"]
    assert entry.actor == "reviewer:ppid@purwobinangun.desa.id" and entry.subject == "draft:website:v2"
    assert entry.personal_data == [f"nik:article:{finding.split('.')[1]}-{finding.split('.')[2]}:************0002"]
    assert all(NIK not in r for r in entry.personal_data)

    # like any revision: drafting announces version 2, the reviewer gets a fresh link, the old one says so
    aws.deliver("DraftingQueue", "DraftingFunction")
    aws.deliver("NotificationQueue", "ReviewNotificationFunction")
    newest = [m for m in Outbox().list(to="ppid@purwobinangun.desa.id") if "(v2)" in m["subject"]]
    assert len(newest) == 1 and "Website" in newest[0]["subject"]
    old = aws.invoke("ReviewApiFunction", review_event("GET", token))
    assert old["statusCode"] == 409 and "versi yang lebih baru" in old["body"].lower()
    again = aws.invoke("ReviewApiFunction", _redact_event(token, f"csrf={csrf}&finding={finding}"))
    assert again["statusCode"] == 409 and store.get_draft(VILLAGE, sid, Procedure.WEBSITE).version == 2


def test_a_forged_or_stale_form_changes_nothing(aws):
    sid = _drafted(aws)
    token = _website_link(Outbox().list(to="ppid@purwobinangun.desa.id"))
    page = aws.invoke("ReviewApiFunction", review_event("GET", token))["body"]
    _, csrf, finding = _buttons(page)[0]
    forged = aws.invoke("ReviewApiFunction", _redact_event(token, f"csrf={'0' * 32}&finding={finding}"))
    assert forged["statusCode"] == 403
    unknown = aws.invoke("ReviewApiFunction", _redact_event(token, f"csrf={csrf}&finding=article.0.5.nik"))
    assert unknown["statusCode"] == 409
    assert services().store.get_draft(VILLAGE, sid, Procedure.WEBSITE).version == 1
    assert not [e for e in services().store.submission_items(VILLAGE, sid)["audit"] if e.action == "redacted"]
