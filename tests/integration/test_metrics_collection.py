"""The daily metrics collection against moto and the fake Graph API: schedule -> one job per account -> snapshots."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from kabar.domain.models import Procedure, Publication, PublicationStatus
from kabar.services import services
from tests.integration.flow import OTHER, PAGE_ID, VILLAGE


def test_one_job_per_village_account_and_a_retired_metric_is_recorded(aws, graph):
    # Given a post published on the Page on 20 November, with engagement, and Meta has retired the Page views metric
    with graph._lock:
        post_id = graph._new_post(graph._pages[PAGE_ID], "Kerja bakti", []).id
    services().store.save_publication(Publication(
        tenant_id=VILLAGE, submission_id="s0000000000000000001", procedure=Procedure.SOCIAL, version=1,
        channel="facebook", status=PublicationStatus.PUBLISHED, marker="kabar-x", remote_id=post_id,
        published_at=datetime(2026, 11, 20, 3, tzinfo=UTC)))
    graph.set_engagement(post_id, reactions=31, comments=4, shares=2, views=640)
    graph.set_followers(PAGE_ID, 2300)
    graph.retire_metric("page_media_view")

    # When the morning schedule runs for 26 November and the jobs are delivered
    assert aws.invoke("MetricsSchedulerFunction", {"day": "2026-11-26"})["queued"] == 2  # one per village
    jobs = aws.drain("MetricsQueue")
    assert sorted((json.loads(j["body"])["tenant_id"], json.loads(j["body"])["period"]) for j in jobs) == sorted(
        [(VILLAGE, "2026-11-26"), (OTHER, "2026-11-26")])
    assert aws.invoke("MetricsCollectorFunction", {"Records": jobs}) == {"batchItemFailures": []}
    # and delivered again (a retry changes nothing)
    assert aws.invoke("MetricsCollectorFunction", {"Records": jobs}) == {"batchItemFailures": []}

    # Then the day's snapshots are stored, the retired metric named, the others there
    (account,) = services().store.account_snapshots(VILLAGE, "2026-11")
    assert account.day == date(2026, 11, 26) and account.values == {"followers": 2300}
    assert "page_media_view" in account.unavailable["views"]
    (item,) = services().store.item_snapshots(VILLAGE, "2026-11")
    assert item.remote_id == post_id and item.values == {"reactions": 31, "comments": 4, "shares": 2, "views": 640}
    assert services().store.account_snapshots(OTHER, "2026-11") == []
    # and the token never travelled in a URL
    assert {r["token_in"] for r in graph.requests} == {"header"}
