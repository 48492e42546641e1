"""The SOP's figures and failures are counted through the Metrics port (issue 15), once per step,
with few-valued dimensions and the village as a property: a redelivery counts nothing again."""

from collections import Counter
from dataclasses import dataclass, field

import pytest

from kabar.domain import sop_metrics
from kabar.ports import PermanentChannelError
from kabar.services import services
from tests.integration.flow import VILLAGE, drafted, review_event, review_links


@dataclass
class Recorded:
    """A Metrics port that keeps what it was given."""

    counts: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def count(self, name: str, tenant_id: str, **dimensions: str) -> None:
        self.counts.append((name, tenant_id, dimensions))

    def of(self, name: str) -> Counter:
        return Counter(tuple(sorted(d.items())) for n, _, d in self.counts if n == name)


@pytest.fixture
def metrics(aws, monkeypatch):
    recorded = Recorded()
    monkeypatch.setattr(services(), "metrics", recorded)
    return recorded


def test_each_step_of_the_sop_is_counted_once_with_the_village_as_a_property(aws, metrics):
    drafted(aws)
    assert metrics.of(sop_metrics.SUBMISSIONS) == Counter({(): 1})
    assert metrics.of(sop_metrics.DRAFTS) == Counter({(("procedure", "social"),): 1, (("procedure", "website"),): 1})
    # a redelivered completion and drafting request count nothing again
    aws.deliver("DraftingQueue", "DraftingFunction")
    assert sum(metrics.of(sop_metrics.DRAFTS).values()) == 2

    for link in review_links(aws):
        aws.invoke("ReviewApiFunction", review_event("POST", link.rsplit("/", 1)[1], "decision=approve"))
    assert metrics.of(sop_metrics.DECISIONS) == Counter({(("decision", "approve"),): 2})
    records = aws.drain("PublicationQueue")
    for _ in range(2):  # the second round is a redelivery
        aws.invoke("PublicationFunction", {"Records": records})
    assert metrics.of(sop_metrics.PUBLICATIONS) == Counter({(("channel", "static_site"),): 1})
    assert {tenant for _, tenant, _ in metrics.counts} == {VILLAGE}
    for name, _, dimensions in metrics.counts:  # never a village, a submission or an id as a dimension
        assert name in sop_metrics.ALL
        assert set(dimensions) <= {"procedure", "decision", "channel", "kind", "clock"}


def test_a_channel_that_refuses_is_counted_as_a_permanent_error(aws, metrics, monkeypatch):
    from kabar.adapters.channels.static_site import StaticSite

    def refuse(self, post):  # noqa: ANN001, ANN202
        raise PermanentChannelError("Situs menolak. (The site refused.)")

    monkeypatch.setattr(StaticSite, "publish", refuse)
    drafted(aws)
    for link in review_links(aws):
        aws.invoke("ReviewApiFunction", review_event("POST", link.rsplit("/", 1)[1], "decision=approve"))
    aws.deliver("PublicationQueue", "PublicationFunction")
    assert metrics.of(sop_metrics.CHANNEL_ERRORS) == Counter({(("channel", "static_site"), ("kind", "permanent")): 1})
    assert metrics.of(sop_metrics.PUBLICATIONS) == Counter()


def test_the_emf_adapter_writes_a_count_cloudwatch_reads_and_never_raises(capsys):
    import json

    from kabar.adapters.metrics import EmfMetrics

    EmfMetrics("Kabar").count(sop_metrics.LATE_STEPS, VILLAGE, clock="review_1h")
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    spec = record["_aws"]["CloudWatchMetrics"][0]
    assert spec["Namespace"] == "Kabar" and spec["Dimensions"] == [["clock", "service"]]
    assert spec["Metrics"] == [{"Name": "LateSteps", "Unit": "Count"}]
    assert record["LateSteps"] == [1.0] and record["tenant_id"] == VILLAGE and record["clock"] == "review_1h"
    assert record["service"] == sop_metrics.SERVICE  # Powertools' dimension, named by the alarms
    EmfMetrics("Kabar").count("", VILLAGE)  # an invalid count is logged, not raised


def test_a_late_review_is_counted_once_on_its_sop_clock(aws, metrics):
    from datetime import timedelta

    from kabar.domain.clock import iso

    _, created = drafted(aws)
    review_links(aws)
    drafts = services().store.submission_items(VILLAGE, created["submission_id"])["draft"]
    ready = max(d.created_at for d in drafts)
    aws.run_job("SlaWatchFunction", {"at": iso(ready + timedelta(minutes=31))}, "SlaWatchQueue")  # not late yet
    assert metrics.of(sop_metrics.LATE_STEPS) == Counter()
    for minutes in (61, 76):  # the 1-hour limit passed; the next run counts nothing again
        aws.run_job("SlaWatchFunction", {"at": iso(ready + timedelta(minutes=minutes))}, "SlaWatchQueue")
    assert metrics.of(sop_metrics.LATE_STEPS) == Counter({(("clock", "review_1h"),): 2})  # social and website
