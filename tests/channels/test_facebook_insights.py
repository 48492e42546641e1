"""Daily metrics of a Facebook Page against the fake Graph API: each metric on its own, retired ones recorded."""

from __future__ import annotations

from datetime import date

import pytest

from kabar.adapters.channels.facebook import FacebookPage, FacebookTransientError
from kabar.adapters.channels.facebook_insights import FacebookInsights

from .channel_support import PAGE_ID, PAGE_TOKEN


@pytest.fixture
def insights(graph) -> FacebookInsights:
    return FacebookInsights(FacebookPage(PAGE_ID, PAGE_TOKEN, graph.graph_url))


def a_post(graph, make_post) -> str:
    page = FacebookPage(PAGE_ID, PAGE_TOKEN, graph.graph_url)
    return page.publish(make_post(photo_urls=(), link="https://desa.id/r/desa/kerja-bakti?c=facebook")).remote_id


def test_account_followers_and_the_days_views(graph, insights):
    # Given a Page with 1,250 followers and 340 views on 2 November (Jakarta)
    graph.fake.set_followers(PAGE_ID, 1250)
    graph.fake.set_page_views(PAGE_ID, "2026-11-02", 340)
    graph.fake.set_page_views(PAGE_ID, "2026-11-03", 999)
    # When 2 November is read
    reading = insights.account(date(2026, 11, 2))
    # Then both arrive, and only that day's views
    assert reading.values == {"followers": 1250, "views": 340} and reading.unavailable == {}
    views = [r for r in graph.fake.requests if r["edge"] == "insights"]
    assert len(views) == 1 and views[0]["query"]["metric"] == "page_media_view"


def test_a_retired_metric_is_recorded_and_the_others_still_arrive(graph, insights, make_post):
    # Given Meta has retired the Page's views metric and the post views metric
    graph.fake.set_followers(PAGE_ID, 80)
    graph.fake.retire_metric("page_media_view")
    graph.fake.retire_metric("post_media_view")
    post_id = a_post(graph, make_post)
    graph.fake.set_engagement(post_id, reactions=12, comments=3, shares=0, views=500)
    # When the account and the post are read
    account = insights.account(date(2026, 11, 2))
    item = insights.item(post_id)
    # Then the retired metric is unavailable (with Meta's reason), never a zero, and the rest arrive
    assert account.values == {"followers": 80}
    assert "page_media_view" in account.unavailable["views"]
    assert item.values == {"reactions": 12, "comments": 3, "shares": 0}
    assert set(item.unavailable) == {"views"}
    assert {r["code"] for r in graph.fake.requests if r["status"] != 200} == {100}


def test_post_engagement_counts(graph, insights, make_post):
    post_id = a_post(graph, make_post)
    graph.fake.set_engagement(post_id, reactions=40, comments=7, shares=5, views=1200)
    assert insights.item(post_id).values == {"reactions": 40, "comments": 7, "shares": 5, "views": 1200}


def test_a_throttled_page_fails_the_reading_so_the_job_is_retried(graph, insights):
    graph.fake.fail_next(32, on="node")
    with pytest.raises(FacebookTransientError):
        insights.account(date(2026, 11, 2))
