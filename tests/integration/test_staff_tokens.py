"""Issue 10: staff tokens expire, can be revoked and rotated, and failed attempts are limited per client;
each of these is audited."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from kabar.domain.clock import now
from kabar.domain.errors import Unauthorized
from kabar.domain.models import Role
from kabar.services import services
from kabar.usecases.audit import verify_trail
from kabar.usecases.staff import add_staff, authenticate, revoke_staff, rotate_staff
from tests.integration.flow import VILLAGE, api_event


def _register(aws, token: str, ip: str = "203.0.113.7") -> dict:
    event = api_event("GET", "/register", "/register", token, query={"month": now().strftime("%Y-%m")})
    event["requestContext"]["http"]["sourceIp"] = ip
    return aws.invoke("SubmissionsApiFunction", event)


def _audit_actions() -> list[str]:
    return [e.action for e in services().store.submission_items(VILLAGE, "staff")["audit"]]


def test_a_token_expires(aws):
    staff, token = add_staff(VILLAGE, "admin", "Admin", "admin-x@purwobinangun.desa.id", svc=services())
    days = services().settings.staff_token_days
    assert staff.token_expires_at is not None
    assert timedelta(days=days - 1) < staff.token_expires_at - now() <= timedelta(days=days)
    assert _register(aws, token)["statusCode"] == 200
    later = staff.token_expires_at + timedelta(seconds=1)
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {token}", {Role.ADMIN}, at=later, svc=services())


def test_revoke_and_rotate_end_the_old_token_and_are_audited(aws):
    staff, token = add_staff(VILLAGE, "admin", "Admin", "admin-y@purwobinangun.desa.id", svc=services())
    assert _register(aws, token)["statusCode"] == 200
    rotated, fresh = rotate_staff(VILLAGE, "admin-y@purwobinangun.desa.id", actor="cli:lurah", svc=services())
    assert fresh != token and rotated.staff_id == staff.staff_id
    assert _register(aws, token)["statusCode"] == 401
    assert _register(aws, fresh)["statusCode"] == 200
    revoke_staff(VILLAGE, staff.staff_id, actor="cli:lurah", svc=services())
    assert _register(aws, fresh, ip="198.51.100.9")["statusCode"] == 401
    assert sorted(_audit_actions()) == ["staff_token_revoked", "staff_token_rotated"]
    # the trail stays a valid chain with these entries on it
    assert verify_trail(VILLAGE, svc=services()).intact


def test_failed_token_attempts_are_limited_per_client_with_retry_after(aws):
    _, good = add_staff(VILLAGE, "admin", "Admin", "admin-z@purwobinangun.desa.id", svc=services())
    limit = services().settings.auth_failures_max
    wrong = VILLAGE + "." + "A" * 43
    answers = [_register(aws, wrong)["statusCode"] for _ in range(limit)]
    assert answers == [401] * limit
    limited = _register(aws, wrong)
    assert limited["statusCode"] == 429 and 0 < int(limited["headers"]["Retry-After"]) <= 900
    body = json.loads(limited["body"])["error"]
    assert body["code"] == "too_many_attempts" and "detik" in body["message"] and "seconds" in body["message_en"]
    assert _register(aws, good)["statusCode"] == 429  # the client waits, even with a good token now
    assert _register(aws, good, ip="198.51.100.10")["statusCode"] == 200  # another client is not held
    assert _audit_actions() == ["token_attempts_limited"]  # once, when the limit was reached
