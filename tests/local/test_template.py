"""The template model: short tags, intrinsics, Globals, and the local stack's view of every event.

Given a small fixture template (every feature once) and the real template.yaml, when the model is
built, then names, ARNs, URLs, environments and events come out as the cloud would resolve them,
and every function event has a local route (dispatcher or gateway).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kabar_local.dispatcher import validate_expression
from kabar_local.lambda_runtime import EnvironmentConflict, environment_union
from kabar_local.stack import OVERRIDDEN_KEYS
from kabar_local.template import (
    DynamoDBEvent,
    EventBridgeRuleEvent,
    HttpApiEvent,
    ScheduleEvent,
    SqsEvent,
    TemplateError,
    build_model,
    load_model,
    load_yaml,
)

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_TEMPLATE = FIXTURES / "template.yaml"
REAL_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
MOTO = "http://127.0.0.1:5555"
REAL_PARAMETERS = {"Stage": "local", "MailFrom": "kabar@kabar.desa.id"}


@pytest.fixture(scope="module")
def model():
    return load_model(FIXTURE_TEMPLATE, endpoint_url=MOTO)


def _model_of(text: str, parameters=None):
    return build_model(load_yaml(text), FIXTURE_TEMPLATE, parameters or {})


# --- YAML short tags ------------------------------------------------------------------------------


def test_short_tags_become_long_forms():
    doc = load_yaml("""
a: !Ref X
b: !GetAtt Q.Arn
c: !GetAtt [Q, QueueName]
d: !Sub "x-${AWS::Region}"
e: !Sub ["${A}", {A: !Ref B}]
f: !If [C, 1, 2]
g: !Equals [!Ref P, x]
h: !Not [!Condition C]
i: !And [!Condition C, !Condition D]
j: !Or [!Condition C, !Condition D]
k: !Join [",", [a, b]]
l: !Select [0, !Split [",", "a,b"]]
m: !FindInMap [M, a, b]
n: !ImportValue Exported
o: !Base64 hi
p: !GetAZs ""
date: 2010-09-09
""")
    assert doc["a"] == {"Ref": "X"}
    assert doc["b"] == {"Fn::GetAtt": ["Q", "Arn"]}
    assert doc["c"] == {"Fn::GetAtt": ["Q", "QueueName"]}
    assert doc["d"] == {"Fn::Sub": "x-${AWS::Region}"}
    assert doc["e"] == {"Fn::Sub": ["${A}", {"A": {"Ref": "B"}}]}
    assert doc["f"] == {"Fn::If": ["C", 1, 2]}
    assert doc["h"] == {"Fn::Not": [{"Condition": "C"}]}
    assert doc["i"] == {"Fn::And": [{"Condition": "C"}, {"Condition": "D"}]}
    assert doc["l"] == {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}
    assert doc["m"] == {"Fn::FindInMap": ["M", "a", "b"]}
    assert doc["n"] == {"Fn::ImportValue": "Exported"}
    assert doc["o"] == {"Fn::Base64": "hi"}
    assert doc["p"] == {"Fn::GetAZs": ""}
    assert doc["date"] == "2010-09-09"


# --- resources --------------------------------------------------------------------------------------


def test_queues_have_local_urls_arns_and_redrive_with_dlqs_first(model):
    names = [q.logical_id for q in model.queues]
    assert names.index("WorkDLQ") < names.index("WorkQueue")
    work = model.queue("WorkQueue")
    assert work.name == "kabar-local-WorkQueue"
    assert work.url == f"{MOTO}/123456789012/kabar-local-WorkQueue"
    assert work.arn == "arn:aws:sqs:ap-southeast-3:123456789012:kabar-local-WorkQueue"
    assert work.visibility_timeout == 60
    assert work.redrive.target_logical_id == "WorkDLQ"
    assert work.redrive.max_receive_count == 2
    dlq = model.queue("WorkDLQ")
    assert dlq.name == "kabar-local-work-dlq"  # !Sub with a pseudo parameter
    assert dlq.attributes == {"MessageRetentionPeriod": "1209600"}


def test_bucket_cors_and_queue_notification(model):
    uploads = model.bucket("Uploads")
    assert uploads.name == "kabar-local-uploads-123456789012"
    assert uploads.cors_rules == ({"AllowedMethods": ["POST", "PUT"], "AllowedOrigins": ["*"],
                                   "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000},)
    (note,) = uploads.notifications
    assert (note.queue_logical_id, note.events, note.prefix, note.suffix) == (
        "WorkQueue", ("s3:ObjectCreated:*",), "incoming/", ".jpg")
    assert uploads.eventbridge is True
    assert model.bucket("Site").name == "kabar-local-site"


def test_table_keys_gsi_and_ttl(model):
    table = model.table("Table")
    assert table.name == "kabar-local-main"  # !Join with a pseudo parameter
    assert [k["AttributeName"] for k in table.key_schema] == ["pk", "sk"]
    assert table.global_secondary_indexes[0]["IndexName"] == "gsi1"
    assert table.ttl_attribute == "expires_at"


def test_bus_and_rule_with_queue_target(model):
    (bus,) = model.buses
    assert bus.name == "kabar-local-bus"
    (rule,) = model.rules
    assert rule.bus_name == "kabar-local-bus"
    assert rule.pattern == {"source": ["fixture"], "detail-type": ["Ping"]}
    assert rule.targets[0].queue_logical_id == "WorkQueue"


def test_unsupported_resources_are_listed_and_false_conditions_dropped(model):
    listed = {(u.logical_id, u.type) for u in model.unsupported}
    assert ("Cdn", "AWS::CloudFront::Distribution") in listed
    assert ("Topic", "AWS::SNS::Topic") in listed
    assert not any(u.logical_id == "Alarm" for u in model.unsupported)  # Condition: Alarms is false
    assert model.conditions == {"IsProd": False, "NotProd": True, "Alarms": False}
    assert all(u.expected for u in model.unsupported)
    (stream,) = _model_of("Resources:\n  S: {Type: AWS::Kinesis::Stream}\n").unsupported
    assert not stream.expected  # the stack warns: a flow may depend on it


# --- functions ----------------------------------------------------------------------------------------


def test_globals_merge_into_every_function_and_intrinsics_resolve(model):
    ok = model.function("OkFunction")
    assert ok.code_dir == (FIXTURES / "ok_fn").resolve()
    assert ok.module_file == (FIXTURES / "ok_fn" / "app.py").resolve()
    assert (ok.handler_attribute, ok.timeout, ok.memory_size, ok.runtime) == ("handler", 10, 256, "python3.11")
    env = ok.env
    assert env["FIXTURE_TABLE"] == "kabar-local-main"  # from Globals
    assert env["FIXTURE_BUCKET"] == "kabar-local-uploads-123456789012"
    assert env["FIXTURE_BUS"] == "kabar-local-bus"  # GetAtt Bus.Name
    assert env["FIXTURE_SITE_URL"] == "https://127.0.0.1"  # CloudFront placeholder
    assert env["FIXTURE_TOPIC"] == "arn:aws:sns:ap-southeast-3:123456789012:kabar-local-Topic"
    assert env["FIXTURE_WORK_QUEUE"] == f"{MOTO}/123456789012/kabar-local-WorkQueue"
    assert env["FIXTURE_DLQ_NAME"] == "kabar-local-work-dlq"
    assert "FIXTURE_NOVALUE" not in env  # !If -> AWS::NoValue
    assert env["FIXTURE_B64"] == "aGk="
    assert env["FIXTURE_SELECT"] == "b"
    assert env["FIXTURE_MAP"] == "5"
    assert env["FIXTURE_ESCAPED"] == "${Literal}-local"
    assert env["FIXTURE_SUBLIST"] == "x/local"
    assert env["FIXTURE_ISNOTPROD"] == "true"
    assert model.function("BoomFunction").timeout == 5  # the function's own value beats Globals
    assert model.function("BoomFunction").env["FIXTURE_TABLE"] == "kabar-local-main"


def test_events_of_every_kind(model):
    (work,) = model.function("OkFunction").events
    assert work == SqsEvent("Work", "WorkQueue", model.queue("WorkQueue").arn, 10, True, True)
    (partial,) = model.function("PartialFunction").events
    assert partial.batch_size == 5  # FindInMap on the Stage parameter
    (boom,) = model.function("BoomFunction").events
    assert boom.report_batch_item_failures is False
    monthly, often, pinged = model.function("SchedFunction").events
    assert monthly == ScheduleEvent("Monthly", "ScheduleV2", "cron(0 7 1 * ? *)", "Asia/Jakarta",
                                    '{"kind": "monthly"}', True, "kabar-local-SchedFunction-Monthly")
    assert (often.kind, often.expression, often.timezone, often.input) == ("Schedule", "rate(15 minutes)", "UTC", None)
    assert isinstance(pinged, EventBridgeRuleEvent)
    assert pinged.bus_name == "kabar-local-bus"
    get, post = model.function("HttpFunction").events
    assert get == HttpApiEvent("Get", "GET", "/things/{id}")
    assert post == HttpApiEvent("Post", "POST", "/things")


def test_parameter_overrides_and_allowed_values():
    prod = load_model(FIXTURE_TEMPLATE, parameters={"Stage": "prod"})
    assert prod.conditions["IsProd"] is True
    assert prod.function("OkFunction").env["FIXTURE_NOVALUE"] == "yes"
    assert prod.function("PartialFunction").events[0].batch_size == 10
    with pytest.raises(TemplateError, match="not one of"):
        load_model(FIXTURE_TEMPLATE, parameters={"Stage": "staging"})
    with pytest.raises(TemplateError, match="undeclared"):
        load_model(FIXTURE_TEMPLATE, parameters={"Nope": "x"})


def test_outputs_resolve(model):
    assert model.outputs == {"Bucket": "kabar-local-uploads-123456789012", "SiteUrl": "https://127.0.0.1"}


# --- errors ----------------------------------------------------------------------------------------------

_FN = """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ok_fn/
      Handler: app.handler
      Runtime: python3.11
      Events:
        E:
%s
"""


def test_unknown_event_type_is_an_error():
    with pytest.raises(TemplateError, match="type 'Kinesis' is not emulated"):
        _model_of(_FN % "          Type: Kinesis\n          Properties: {Stream: x}")


def test_reference_to_a_missing_resource_is_an_error():
    with pytest.raises(TemplateError, match="unknown resource or parameter 'Missing'"):
        _model_of(_FN % "          Type: SQS\n          Properties: {Queue: !GetAtt Missing.Arn}")


def test_a_queue_event_must_name_a_queue_of_the_template():
    with pytest.raises(TemplateError, match="not a queue of this template"):
        _model_of(_FN % "          Type: SQS\n          Properties: {Queue: arn:aws:sqs:x:1:elsewhere}")


def test_parameter_without_default_needs_an_override():
    text = "Parameters:\n  P: {Type: String}\nResources: {}\n"
    with pytest.raises(TemplateError, match="no Default"):
        _model_of(text)
    assert _model_of(text, {"P": "x"}).parameters == {"P": "x"}


def test_environment_conflicts_are_reported_with_both_functions(model):
    base = model.function("OkFunction")
    other = type(base)(**{**base.__dict__, "logical_id": "Other", "env": {**base.env, "FIXTURE_TABLE": "else"}})
    with pytest.raises(EnvironmentConflict, match="FIXTURE_TABLE: OkFunction='kabar-local-main' but Other='else'"):
        environment_union([base, other])
    assert environment_union([base, other], overridden=["FIXTURE_TABLE"])["FIXTURE_STAGE"] == "local"


# --- the drift guard: SAM's own translation agrees with the model -------------------------------------


def _translated(path: Path, parameters: dict) -> dict:
    """samtranslator offline (moto-notes 2): what CloudFormation would deploy from the SAM template."""
    import copy

    class NoAwsPolicyLoader:
        def load(self):
            return {}

    template = copy.deepcopy(load_yaml(path.read_text(encoding="utf-8")))
    for resource in template.get("Resources", {}).values():
        props = resource.get("Properties") or {}
        for prop in ("CodeUri", "ContentUri"):  # what `sam package` does
            if isinstance(props.get(prop), str):
                props[prop] = "s3://bucket/" + props[prop].strip("/")
    glob = template.get("Globals", {}).get("Function", {})
    if isinstance(glob.get("CodeUri"), str):
        glob["CodeUri"] = "s3://bucket/" + glob["CodeUri"].strip("/")
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    session = boto3.session.Session(region_name="ap-southeast-3")
    translator = Translator(NoAwsPolicyLoader(), Parser(), boto_session=session)
    return translator.translate(template, parameter_values=dict(parameters))


def _assert_every_event_routed(path: Path, parameters=None) -> None:
    model = load_model(path, parameters=parameters, endpoint_url=MOTO)
    cfn = _translated(path, parameters or {})
    resources = cfn["Resources"]

    tables = {t.arn: t.logical_id for t in model.tables}
    sqs = sorted([(fn.logical_id, ev.queue_logical_id) for fn in model.functions for ev in fn.events
                  if isinstance(ev, SqsEvent)]
                 + [(fn.logical_id, tables[ev.table_arn]) for fn in model.functions for ev in fn.events
                    if isinstance(ev, DynamoDBEvent)])
    mappings = sorted(
        (r["Properties"]["FunctionName"]["Ref"], r["Properties"]["EventSourceArn"]["Fn::GetAtt"][0])
        for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping")
    assert sqs == mappings

    schedules_v2 = sorted(fn.logical_id for fn in model.functions for ev in fn.events
                          if isinstance(ev, ScheduleEvent) and ev.kind == "ScheduleV2")
    translated_v2 = sorted(r["Properties"]["Target"]["Arn"]["Fn::GetAtt"][0]
                           for r in resources.values() if r["Type"] == "AWS::Scheduler::Schedule")
    assert schedules_v2 == translated_v2
    for fn in model.functions:
        for ev in fn.events:
            if isinstance(ev, ScheduleEvent):
                validate_expression(ev.expression, ev.timezone)

    routes = sorted((ev.method, ev.path) for fn in model.functions for ev in fn.events
                    if isinstance(ev, HttpApiEvent))
    translated_routes = []
    for r in resources.values():
        if r["Type"] == "AWS::ApiGatewayV2::Api":
            for api_path, methods in r["Properties"]["Body"]["paths"].items():
                for method in methods:
                    method = method.upper()
                    translated_routes.append(("ANY" if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" else method,
                                              api_path))
    assert routes == sorted(translated_routes)

    for fn in model.functions:
        assert fn.module_file.is_file(), f"{fn.logical_id}: {fn.module_file} is missing"


def test_fixture_template_every_event_has_a_local_route():
    _assert_every_event_routed(FIXTURE_TEMPLATE)


real_template = pytest.mark.skipif(not REAL_TEMPLATE.exists(), reason="template.yaml is not written yet")


@real_template
def test_real_template_every_event_has_a_local_route():
    _assert_every_event_routed(REAL_TEMPLATE, REAL_PARAMETERS)


@real_template
def test_real_template_environment_is_one_process_and_satisfies_settings():
    from kabar.config import Settings

    model = load_model(REAL_TEMPLATE, parameters=REAL_PARAMETERS, endpoint_url=MOTO)
    union = environment_union(model.functions, overridden=OVERRIDDEN_KEYS)
    Settings.model_validate({**union, "KABAR_PUBLIC_URL": "http://127.0.0.1:1"})  # every required name present
    consumed = {ev.queue_logical_id for fn in model.functions for ev in fn.events if isinstance(ev, SqsEvent)}
    for logical_id in consumed:
        assert model.queue(logical_id).redrive is not None, f"{logical_id} has no dead-letter queue"


@real_template
def test_real_template_every_scheduled_function_has_its_failure_destination_locally():
    """The local dispatcher reads EventInvokeConfig: a failed scheduled run ends in the same DLQ as on AWS."""
    model = load_model(REAL_TEMPLATE, parameters=REAL_PARAMETERS, endpoint_url=MOTO)
    scheduled = [fn for fn in model.functions if any(isinstance(ev, ScheduleEvent) for ev in fn.events)]
    assert len(scheduled) == 6
    for fn in scheduled:
        assert fn.async_failure.queue_logical_id == "ScheduledRunsDLQ", fn.logical_id
        assert fn.async_failure.max_retries == 2, fn.logical_id
    assert model.queue("ScheduledRunsDLQ").name.endswith("scheduled-runs-dlq")
