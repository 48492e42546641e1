"""Issue 10: a TERIMA has a short undo window. The reviewer is emailed a confirmation with a scanner-safe,
single-use way to undo; publication waits until the window closes; undoing puts the draft back under
review, audited; after the window the undo link is refused clearly."""

import json
import re
from datetime import timedelta

import pytest

from kabar.domain.clock import now
from kabar.domain.events import DraftApproved
from kabar.domain.models import DraftStatus, Procedure, PublicationStatus
from kabar.domain.tokens import split_token, token_hash
from kabar.services import services
from kabar.usecases import publication, undo
from kabar.usecases.villages import put_village
from kabar.web import page_html
from kabar_local.outbox import Outbox
from tests.integration.flow import PHONE, VILLAGE, api_event, drafted, review_event, review_links

BROWSER = {"user-agent": PHONE, "sec-fetch-site": "same-origin"}


@pytest.fixture
def approved(aws):
    """The website draft approved by the PPID, in a village whose TERIMA can be undone for 5 minutes."""
    store = services().store
    put_village(store.get_village(VILLAGE).model_copy(update={"undo_minutes": 5}), svc=services())
    _, created = drafted(aws)
    sid = created["submission_id"]
    for link in review_links(aws):
        raw = link.rsplit("/", 1)[1]
        token = store.get_review_token(VILLAGE, token_hash(raw))
        if token.submission_id == sid and token.procedure is Procedure.WEBSITE:
            break
    result = aws.invoke("ReviewApiFunction", review_event("POST", raw, "decision=approve&note="))
    assert result["statusCode"] == 200 and "Keputusan tercatat" in result["body"]
    [event] = [DraftApproved.model_validate(json.loads(m["body"])["detail"]) for m in aws.drain("PublicationQueue")]
    draft = store.get_draft(VILLAGE, sid, Procedure.WEBSITE)
    assert draft.status is DraftStatus.APPROVED
    return {"sid": sid, "review_token": raw, "event": event, "draft": draft}


def _undo_link(to: str | None = None) -> str:
    mails = [m for m in Outbox().list(to=to) if "TERIMA tercatat" in m["subject"]]
    assert len(mails) == 1, [m["subject"] for m in Outbox().list()]
    [link] = [u for u in mails[0]["links"] if "/undo/" in u]
    return link.rsplit("/", 1)[1]


def _undo_event(method: str, token: str, form: str | None = None, **headers) -> dict:
    event = api_event(method, f"/undo/{token}", "/undo/{token}", path_params={"token": token}, form=form)
    event["headers"].update({"user-agent": PHONE, **headers})
    return event


def _page_token(aws, token: str) -> str:
    page = aws.invoke("ReviewApiFunction", _undo_event("GET", token))
    assert page["statusCode"] == 200 and "Batalkan TERIMA?" in page["body"], page["body"][:500]
    return re.search(r'name="form_token" value="([^"]+)"', page["body"]).group(1)


def _published(sid: str) -> list:
    return [p for p in services().store.publications(VILLAGE, sid, Procedure.WEBSITE, 1)
            if p.status is PublicationStatus.PUBLISHED]


def test_undo_within_the_window_publishes_nothing_and_is_audited(aws, approved):
    sid, store = approved["sid"], services().store
    token = _undo_link()
    # opening the link (a mail scanner, a preview) changes nothing
    for method in ("GET", "HEAD"):
        assert aws.invoke("ReviewApiFunction", _undo_event(method, token))["statusCode"] == 200
    assert store.get_draft(VILLAGE, sid, Procedure.WEBSITE).status is DraftStatus.APPROVED
    # the person presses the page's one button
    form = f"form_token={_page_token(aws, token)}"
    done = aws.invoke("ReviewApiFunction", _undo_event("POST", token, form, **BROWSER))
    assert done["statusCode"] == 200 and "TERIMA dibatalkan" in done["body"]
    draft = store.get_draft(VILLAGE, sid, Procedure.WEBSITE)
    assert draft.status is DraftStatus.IN_REVIEW and draft.decided_at is None
    [entry] = [e for e in store.submission_items(VILLAGE, sid)["audit"] if e.action == "decision_undone"]
    assert entry.actor.startswith("reviewer:") and (entry.from_state, entry.to_state) == ("approved", "in_review")
    # the approval's message comes back after the window: nothing goes out
    assert publication.publish_approved(approved["event"], services(), at=now() + timedelta(minutes=6)) == []
    assert _published(sid) == []
    # single use: the same link again is told it is done
    again = aws.invoke("ReviewApiFunction", _undo_event("POST", token, form, **BROWSER))
    assert again["statusCode"] == 409 and "Sudah dibatalkan" in again["body"]
    # the draft is back under review: the reviewer's link shows the decision page again
    page = aws.invoke("ReviewApiFunction", review_event("GET", approved["review_token"]))
    assert page["statusCode"] == 200 and 'name="decision"' in page["body"]


def test_when_the_window_passes_it_is_published_once(aws, approved):
    sid, event = approved["sid"], approved["event"]
    with pytest.raises(publication.PublicationDeferred) as waiting:  # within the window: nothing goes out
        publication.publish_approved(event, services(), at=now() + timedelta(minutes=1))
    assert 0 < waiting.value.retry_after <= 5 * 60 and _published(sid) == []
    after = now() + timedelta(minutes=6)
    publication.publish_approved(event, services(), at=after)
    publication.publish_approved(event, services(), at=after + timedelta(seconds=30))  # a redelivery: nothing new
    assert len(_published(sid)) == 1
    assert services().store.get_draft(VILLAGE, sid, Procedure.WEBSITE).status is DraftStatus.PUBLISHED
    # the undo link now says why it cannot act
    token = _undo_link()
    late = aws.invoke("ReviewApiFunction", _undo_event("GET", token))
    assert late["statusCode"] == 410 and "Waktu pembatalan sudah lewat" in late["body"]


def test_the_undo_link_after_the_window_is_refused_clearly(aws, approved):
    token, svc = _undo_link(), services()
    form = {"form_token": re.search(r'name="form_token" value="([^"]+)"',
                                    page_html(undo.show(token, svc, now()))).group(1)}
    late = undo.undo(token, form, BROWSER, svc, now() + timedelta(minutes=5, seconds=1))
    assert late.status == 410 and "sudah lewat" in page_html(late) and "time to undo has passed" in page_html(late)
    assert svc.store.get_draft(VILLAGE, approved["sid"], Procedure.WEBSITE).status is DraftStatus.APPROVED
    assert not any(e.action == "decision_undone" for e in svc.store.submission_items(VILLAGE, approved["sid"])["audit"])


def test_the_undo_is_post_confirmed_from_a_person_only(aws, approved):
    sid, token, store = approved["sid"], _undo_link(), services().store
    page_token = _page_token(aws, token)
    refusals = [
        _undo_event("POST", token, ""),  # a scanner pressing the button without the page (no page token)
        _undo_event("POST", token, f"form_token={page_token[:-4]}abcd", **BROWSER),  # a forged page token
        _undo_event("POST", token, f"form_token={page_token}", **{"sec-fetch-site": "cross-site"}),
        _undo_event("POST", token, f"form_token={page_token}", **{"user-agent": "curl/8.5.0"}),
        _undo_event("POST", token, f"form_token={page_token}", **{"user-agent": "Mozilla/5.0 HeadlessChrome/131.0"}),
    ]
    for event in refusals:
        assert aws.invoke("ReviewApiFunction", event)["statusCode"] == 403
    assert aws.invoke("ReviewApiFunction", _undo_event("POST", "purwobinangun." + "A" * 43, "x=1"))["statusCode"] == 404
    assert store.get_draft(VILLAGE, sid, Procedure.WEBSITE).status is DraftStatus.APPROVED


def test_publication_begun_closes_the_window_even_before_its_end(aws, approved):
    """Whichever is written first wins: once publication began, an undo (even in time) is refused."""
    sid, token, svc = approved["sid"], _undo_link(), services()
    draft = svc.store.get_draft(VILLAGE, sid, Procedure.WEBSITE)
    assert svc.store.close_undo(draft, now())
    form = {"form_token": re.search(r'name="form_token" value="([^"]+)"',
                                    page_html(undo.show(token, svc, now()))).group(1)}
    refused = undo.undo(token, form, BROWSER, svc, now())
    assert refused.status == 410 and "Penerbitan sudah dimulai" in page_html(refused)
    assert svc.store.get_draft(VILLAGE, sid, Procedure.WEBSITE).status is DraftStatus.APPROVED


def test_the_window_stays_within_the_sops_limits(aws):
    from kabar.domain import sop

    assert sop.jendela_urungkan(None) == timedelta(minutes=5)
    assert sop.jendela_urungkan(timedelta(hours=5)) == sop.JENDELA_URUNGKAN_MAKS
    assert sop.jendela_urungkan(timedelta(minutes=-3)) == timedelta(0)
    # decided near the end of H+1: the window ends with step 4's limit, not after it
    day = now().date()
    late = sop.batas_unggah(day) - timedelta(minutes=2)
    assert sop.batas_urungkan(late, timedelta(minutes=30), day) == sop.batas_unggah(day)
    assert split_token("x") is None
    # a village's own window is held to the same rule when it is stored
    from pydantic import ValidationError

    from kabar.domain.models import Village

    most = int(sop.JENDELA_URUNGKAN_MAKS.total_seconds() // 60)
    people = [{"name": "A", "email": "a@desa.id"}]
    base = {"id": "desa", "name": "Desa", "admins": people, "reviewers": people}
    assert Village.model_validate({**base, "undo_minutes": most}).undo_minutes == most
    with pytest.raises(ValidationError, match="JENDELA_URUNGKAN_MAKS"):
        Village.model_validate({**base, "undo_minutes": most + 1})
