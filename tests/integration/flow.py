"""Moving one submission through the SOP by invoking the handlers, as the event sources would."""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import parse_qsl

import requests

from kabar.services import services
from kabar.usecases.staff import add_staff
from kabar_local import samples
from tests.support import AwsEnv, load_event

VILLAGE = "purwobinangun"
OTHER = "candibinangun"
#: The Facebook Page the ``graph`` fixture (conftest.py) gives VILLAGE, and its token.
PAGE_ID, TOKEN = "1234567890", "EAAG-test-page-token"


def api_event(method: str, path: str, route: str, token: str | None = None, body: object = None,
              path_params: dict | None = None, query: dict | None = None, form: str | None = None) -> dict:
    event = load_event("submissions_api/get_upload")
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {route}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["headers"] = {k: v for k, v in event["headers"].items() if k != "authorization"}
    if token:
        event["headers"]["authorization"] = f"Bearer {token}"
    if body is not None:
        event["body"] = json.dumps(body)
        event["headers"]["content-type"] = "application/json"
    if form is not None:
        event["body"] = form
        event["headers"]["content-type"] = "application/x-www-form-urlencoded"
    if path_params:
        event["pathParameters"] = path_params
    if query:
        event["queryStringParameters"] = query
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    return event


def staff(role: str, village: str = VILLAGE) -> str:
    return add_staff(village, role, f"{role.title()} {village}", f"{role}@{village}.desa.id", svc=services())[1]


def submit(aws: AwsEnv, token: str, payload: dict) -> tuple[int, dict]:
    result = aws.invoke("SubmissionsApiFunction", api_event("POST", "/submissions", "/submissions", token, payload))
    return result["statusCode"], json.loads(result["body"])


def upload_all(created: dict, blobs: list[bytes], payload: dict) -> None:
    for instruction, blob, declared in zip(created["uploads"], blobs, payload["files"], strict=True):
        response = requests.post(instruction["url"], data=instruction["fields"],
                                 files={"file": (declared["name"], blob, declared["content_type"])}, timeout=30)
        assert response.status_code in (200, 201, 204), response.text


def submitted_and_uploaded(aws: AwsEnv, day: date | None = None, **kw) -> tuple[str, dict]:  # noqa: ANN003
    token = staff("submitter")
    payload, blobs = samples.submission_payload(day or date.today(), **kw)
    status, created = submit(aws, token, payload)
    assert status == 201, created
    upload_all(created, blobs, payload)
    return token, created


def drafted(aws: AwsEnv) -> tuple[str, dict]:
    token, created = submitted_and_uploaded(aws)
    aws.deliver("IntakeQueue", "IntakeFunction")
    aws.deliver("DraftingQueue", "DraftingFunction")  # the website draft; the social one waits for the video
    aws.deliver("VideoDraftingQueue", "VideoDraftingFunction")  # the draft video -> VideoDrafted
    aws.deliver("DraftingQueue", "DraftingFunction")  # the social draft, with the video
    return token, created


def review_links(aws: AwsEnv) -> list[str]:
    """Deliver the notifications and pull the review links out of the emails sent: each draft's own
    link (``review.draft_link``) of every activity link, so a test can act on each draft by itself."""
    from kabar_local.outbox import Outbox

    aws.deliver("NotificationQueue", "ReviewNotificationFunction")
    links = []
    for mail in Outbox().list():
        links += [link for _, link in draft_links_in(mail)]
    return list(dict.fromkeys(links))


def activity_links(aws: AwsEnv, to: str | None = None) -> list[str]:
    """The review links exactly as the emails carry them (one per activity and reviewer)."""
    from kabar_local.outbox import Outbox

    aws.deliver("NotificationQueue", "ReviewNotificationFunction")
    links = []
    for mail in Outbox().list(**({"to": to} if to else {})):
        links += [u for u in mail["links"] if "/review/" in u]
    return list(dict.fromkeys(links))


def draft_links_in(mail: dict) -> list[tuple[str, str]]:
    """(procedure, the draft's own link) for each draft an email's review link covers."""
    from kabar.domain.models import Procedure
    from kabar.domain.tokens import split_token, token_hash
    from kabar.services import services
    from kabar.usecases.review import draft_link

    found = []
    for url in dict.fromkeys(u for u in mail["links"] if "/review/" in u):
        raw = url.rsplit("/", 1)[1]
        parts = split_token(raw)
        if parts is None:
            continue
        single = services().store.get_review_token(parts[0], token_hash(raw))
        if single is not None:
            found.append((single.procedure.value, url))
            continue
        for procedure in Procedure:
            if services().store.get_review_token(parts[0], token_hash(draft_link(raw, procedure))):
                found.append((procedure.value, draft_link(url, procedure)))
    return found


#: the reviewer's phone browser (automation user agents are refused the decision)
PHONE = ("Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.0.0 Mobile Safari/537.36")


def _field(html: str, name: str) -> str | None:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    return found.group(1) if found else None


def as_a_person(token: str, form: str) -> str:
    """The form a person sends: the page's token from the page the link shows, and for TERIMA the
    confirmation step answered (its token, the box ticked)."""
    from kabar.usecases import review
    from kabar.web import page_html

    page_token = _field(page_html(review.show(token, svc=services())), "form_token")
    if page_token is None:  # the link no longer shows a form: the POST is told why
        return form
    form = f"{form}&form_token={page_token}"
    fields = dict(parse_qsl(form, keep_blank_values=True))
    if fields.get("decision") == "approve":
        step = page_html(review.submit(token, fields, {"user-agent": PHONE}, svc=services()))
        confirm = _field(step, "confirm")
        if confirm:
            form = f"{form}&confirm={confirm}&sure=ya"
    return form


def review_event(method: str, token: str, form: str | None = None, raw: bool = False) -> dict:
    """The reviewer's request; a POST carries what a person's browser sends unless ``raw``."""
    if method == "POST" and form is not None and not raw:
        form = as_a_person(token, form)
    event = api_event(method, f"/review/{token}", "/review/{token}", path_params={"token": token}, form=form)
    event["headers"]["user-agent"] = PHONE
    return event


def meta_connected(page_id: str, app_secret: str, verify_token: str) -> None:
    """Meta's webhook secret in place and the village's Facebook Page connected (the webhook finds it)."""
    import boto3

    from kabar.adapters import secrets
    from kabar.domain.models import ChannelConfig, Procedure
    from kabar.usecases import inbox
    from kabar.usecases.villages import put_village

    boto3.client("secretsmanager").create_secret(
        Name=services().settings.meta_webhook_secret,
        SecretString=json.dumps({"app_secret": app_secret, "verify_token": verify_token}))
    secrets.forget()
    inbox.forget_pages()
    village = services().store.get_village(VILLAGE)
    social = [ChannelConfig(type="facebook", page_id=page_id, secret_name=f"kabar/{VILLAGE}/facebook")]
    put_village(village.model_copy(update={"channels": {**village.channels, Procedure.SOCIAL: social}}),
                svc=services())
