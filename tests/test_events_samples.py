"""events/: one sample per function and trigger, in the shape its trigger delivers."""

import json

import pytest

from kabar.domain.events import EVENT_TYPES, parse_event
from kabar.domain.outbox import NoticeDue
from tests.support import EVENTS, PARAMETERS, TEMPLATE


def _functions():
    from kabar_local.template import load_model

    return load_model(TEMPLATE, parameters=PARAMETERS).functions


@pytest.mark.parametrize("function", _functions(), ids=lambda f: f.logical_id)
def test_every_function_has_a_sample_event_for_each_kind_of_trigger(function):
    folder = EVENTS / function.code_dir.name
    samples = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    assert samples, f"no sample event under {folder}"
    kinds = {type(e).__name__ for e in function.events}
    if "SqsEvent" in kinds:
        assert any("Records" in s and s["Records"][0]["eventSource"] == "aws:sqs" for s in samples)
    if "DynamoDBEvent" in kinds:
        assert any("Records" in s and s["Records"][0]["eventSource"] == "aws:dynamodb" for s in samples)
    if "HttpApiEvent" in kinds:
        routes = {f"{e.method} {e.path}" for e in function.events if type(e).__name__ == "HttpApiEvent"}
        sampled = {s["routeKey"] for s in samples if s.get("version") == "2.0"}
        assert sampled and sampled <= routes, (sampled, routes)


def test_bus_events_in_samples_are_valid_domain_events():
    seen = set()
    for path in EVENTS.rglob("*.json"):
        sample = json.loads(path.read_text(encoding="utf-8"))
        for record in sample.get("Records", []):
            if record.get("eventSource") != "aws:sqs":
                continue
            body = json.loads(record["body"])
            if body.get("detail-type") == "NoticeDue":
                NoticeDue.model_validate(body["detail"])
            elif body.get("source") == "kabar":
                event = parse_event(body["detail-type"], body["detail"])
                seen.add(type(event).__name__)
    assert seen <= set(EVENT_TYPES) and {"SubmissionCompleted", "DraftReady", "DraftApproved"} <= seen
