"""Issue 10: the public click counter counts readers of published news only, once a day each, and
stores nothing about them."""

from __future__ import annotations

import copy

from kabar.domain.clock import month_of, now
from kabar.services import services
from tests.integration.flow import OTHER, VILLAGE
from tests.support import load_event

ITEM = "20261127-kerja-bakti-012345"
ANDROID = "Mozilla/5.0 (Linux; Android 14)"


def _click(aws, tenant: str = VILLAGE, item: str = ITEM, ip: str = "203.0.113.7", agent: str = ANDROID,
           **headers) -> dict:
    event = copy.deepcopy(load_event("clicks/get_click"))
    event["pathParameters"] = {"tenant": tenant, "item": item}
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/r/{tenant}/{item}"
    event["requestContext"]["http"]["sourceIp"] = ip
    event["headers"].update({"user-agent": agent, "x-forwarded-for": ip, **headers})
    return aws.invoke("ClicksFunction", event)


def _counts(tenant: str = VILLAGE) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in services().store.clicks_in_month(tenant, month_of(now())):
        out[c.item] = out.get(c.item, 0) + c.count
    return out


def _table_items() -> list[dict]:
    import boto3

    return boto3.resource("dynamodb").Table(services().settings.table).scan()["Items"]


def test_unknown_villages_and_items_are_404_and_write_nothing(aws):
    services().site.put(f"{VILLAGE}/berita/{ITEM}/index.html", b"<html></html>", "text/html; charset=utf-8")
    before = len(_table_items())
    assert _click(aws, tenant="desa-tidak-ada")["statusCode"] == 404
    assert _click(aws, item="20261127-berita-tidak-ada-000000")["statusCode"] == 404
    assert _click(aws, tenant=OTHER)["statusCode"] == 404  # another village's item is not its own
    assert len(_table_items()) == before and _counts() == {} and _counts(OTHER) == {}


def test_one_reader_counts_once_a_day_and_no_address_is_stored(aws):
    services().site.put(f"{VILLAGE}/berita/{ITEM}/index.html", b"<html></html>", "text/html; charset=utf-8")
    for _ in range(5):
        assert _click(aws)["statusCode"] == 302  # one reader pressing the link again and again
    assert _counts() == {ITEM: 1}
    assert _click(aws, ip="198.51.100.23")["statusCode"] == 302  # another reader
    assert _click(aws, agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)")["statusCode"] == 302  # another phone
    assert _counts() == {ITEM: 3}
    stored = repr(_table_items())
    assert "203.0.113.7" not in stored and "198.51.100.23" not in stored and "iPhone" not in stored


def test_prefetchers_and_bots_are_not_counted(aws):
    services().site.put(f"{VILLAGE}/berita/{ITEM}/index.html", b"<html></html>", "text/html; charset=utf-8")
    for agent in ("facebookexternalhit/1.1", "WhatsApp/2.23", "Mozilla/5.0 (compatible; Googlebot/2.1)",
                  "Mozilla/5.0 HeadlessChrome/131.0", "curl/8.5.0", ""):
        assert _click(aws, agent=agent, ip="192.0.2.1")["statusCode"] == 302
    for headers in ({"purpose": "prefetch"}, {"sec-purpose": "prefetch;prerender"}, {"x-moz": "prefetch"}):
        assert _click(aws, ip="192.0.2.2", **headers)["statusCode"] == 302
    assert _counts() == {}
