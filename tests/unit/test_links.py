"""Durable file links: sign and verify, pure (no AWS)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from kabar.domain import links
from kabar.domain.links import InvalidLink, LinkTarget, sign_link, verify_link

SECRET = b"k" * 64
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
KEY = "purwobinangun/2026-11/laporan-purwobinangun-2026-11.pdf"


def forged(payload: dict, secret: bytes = SECRET) -> str:
    """A token with a genuine MAC over any payload: what the server must still refuse on its own rules."""
    part = links._b64(json.dumps(payload).encode())
    return f"{part}.{links._b64(links._mac(secret, part))}"


def flip(text: str, i: int) -> str:
    return text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1:]


def test_a_signed_link_opens_its_object_until_it_expires():
    # Given a link to a report, valid 30 days
    token = sign_link(SECRET, "reports", "purwobinangun", KEY, LATER)
    # Then it opens now and a second before the end, not at the end or later
    target = LinkTarget("reports", "purwobinangun", KEY, int(LATER.timestamp()))
    assert verify_link(SECRET, token, NOW) == target
    assert verify_link(SECRET, token, LATER - timedelta(seconds=1)) == target
    assert verify_link(SECRET, token, LATER) is None
    assert verify_link(SECRET, token, int(LATER.timestamp()) + 86400) is None


def test_the_token_names_no_bucket_and_is_url_safe():
    token = sign_link(SECRET, "media", "purwobinangun", "purwobinangun/s1/photo-1.jpg", LATER)
    assert all(c.isalnum() or c in "-_." for c in token)
    assert "kabar-" not in json.dumps(json.loads(links._unb64(token.split(".")[0])))


@pytest.mark.parametrize("part", [0, 1])
def test_changing_any_character_of_either_part_breaks_the_link(part):
    token = sign_link(SECRET, "reports", "purwobinangun", KEY, LATER)
    pieces = token.split(".")
    for i in range(len(pieces[part])):
        changed = list(pieces)
        changed[part] = flip(pieces[part], i)
        assert verify_link(SECRET, ".".join(changed), NOW) is None, (part, i)


def test_a_payload_with_another_links_signature_or_a_longer_expiry_is_refused():
    a = sign_link(SECRET, "reports", "purwobinangun", KEY, LATER)
    b = sign_link(SECRET, "reports", "purwobinangun", KEY, LATER + timedelta(days=365))
    assert verify_link(SECRET, f"{b.split('.')[0]}.{a.split('.')[1]}", NOW) is None
    # the expiry rewritten in the payload, old signature kept
    payload = json.loads(links._unb64(a.split(".")[0]))
    payload["e"] += 365 * 86400
    stretched = links._b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    assert verify_link(SECRET, f"{stretched}.{a.split('.')[1]}", NOW) is None


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.", ".abc", "a.b.c", "a" * 5000 + ".b", "ab=.cd", "a b.cd",
                                   "%2e%2e.x", "ey..x"])
def test_malformed_tokens_are_refused_without_raising(token):
    assert verify_link(SECRET, token, NOW) is None


def test_another_deployments_key_opens_nothing():
    token = sign_link(SECRET, "reports", "purwobinangun", KEY, LATER)
    assert verify_link(b"x" * 64, token, NOW) is None
    assert verify_link(b"", token, NOW) is None


@pytest.mark.parametrize(("role", "tenant", "key"), [
    ("reports", "purwobinangun", "candibinangun/2026-11/laporan.pdf"),  # another village's object
    ("reports", "purwobinangun", "purwobinangun-x/2026-11/laporan.pdf"),  # a prefix, not the village folder
    ("reports", "purwobinangun", "purwobinangun/"),  # the folder itself
    ("reports", "purwobinangun", "purwobinangun/../candibinangun/laporan.pdf"),
    ("reports", "Purwobinangun", "Purwobinangun/laporan.pdf"),  # not a village id
    ("uploads", "purwobinangun", "purwobinangun/s1/original.jpg"),  # originals are not linkable
    ("site", "purwobinangun", "purwobinangun/index.html"),
    ("kabar-test-reports-123456789012", "purwobinangun", "purwobinangun/laporan.pdf"),  # a bucket name
])
def test_a_wrong_role_or_a_key_outside_the_village_is_neither_signed_nor_served(role, tenant, key):
    # Signing refuses it
    with pytest.raises(InvalidLink):
        sign_link(SECRET, role, tenant, key, LATER)
    # and a token carrying it with a genuine MAC (a leaked key, a bug elsewhere) is refused too
    assert verify_link(SECRET, forged({"r": role, "t": tenant, "k": key, "e": int(LATER.timestamp())}), NOW) is None


@pytest.mark.parametrize("payload", [
    {"r": "reports", "t": "purwobinangun", "k": KEY},  # no expiry
    {"r": "reports", "t": "purwobinangun", "k": KEY, "e": "2099-01-01"},
    {"r": "reports", "t": "purwobinangun", "k": KEY, "e": True},
    {"r": "reports", "t": "purwobinangun", "k": KEY, "e": 4102444800, "b": "kabar-test-reports"},  # extra field
    ["reports", "purwobinangun", KEY, 4102444800],
])
def test_a_genuinely_signed_payload_of_the_wrong_shape_is_refused(payload):
    assert verify_link(SECRET, forged(payload), NOW) is None


def test_signing_needs_a_key_and_an_aware_expiry():
    with pytest.raises(InvalidLink):
        sign_link(b"", "reports", "purwobinangun", KEY, LATER)
    with pytest.raises(InvalidLink):
        sign_link(SECRET, "reports", "purwobinangun", KEY, datetime(2026, 12, 27, 10, 0))  # noqa: DTZ001
