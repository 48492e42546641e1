"""template.yaml holds the invariants of the infrastructure; no AWS, no network.

Two views of the template are checked: the SAM source (what people edit, and what the local stack
reads) and the CloudFormation that samtranslator makes of it offline (what AWS would deploy).
"""

from __future__ import annotations

import ast
import copy
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

from kabar.config import Settings

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
REGION = "ap-southeast-3"
PARAMETERS = {"Stage": "test", "MailFrom": "kabar@desa.example.id"}
ONE_DAY = 86400

# Managed policies SAM attaches by itself. Each grants on Resource "*" because the service offers
# nothing narrower to name: CloudWatch Logs streams and X-Ray segments have no ARN to scope to at
# deploy time, and SAM adds the SQS poller policy for every SQS event source.
ALLOWED_MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
    # SAM attaches it for a DynamoDB stream event: read the stream (the outbox relay)
    "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
}
# Inline statements allowed a "*" resource, keyed by (logical id of the policy holder, action), each
# with the reason AWS requires it. Empty today: every inline statement names its resource.
ALLOWED_WILDCARD_RESOURCES: dict[tuple[str, str], str] = {
    # the account's send quota, which the notice sender paces to; the action names no resource
    ("NoticeSenderFunctionRole", "ses:GetSendQuota"): "GetSendQuota supports no resource-level permission",
}

# DESIGN.md's HTTP contract, plus the website's click counter.
EXPECTED_ROUTES = {
    "SubmissionsApiFunction": {("POST", "/submissions"), ("GET", "/submissions/{id}"),
                               ("GET", "/register"), ("GET", "/upload"),
                               # the privacy notice (issue 16)
                               ("GET", "/privasi"),
                               # the admin's corrected version of a draft (issue 4)
                               ("PUT", "/drafts/{submission_id}/{procedure}"),
                               # the draft and its preview as published (issue 5)
                               ("GET", "/drafts/{submission_id}/{procedure}"),
                               # the upload instructions of one file: fresh, abort, resume, complete
                               ("POST", "/submissions/{id}/files/{file_id}/upload"),
                               ("DELETE", "/submissions/{id}/files/{file_id}/upload"),
                               ("GET", "/submissions/{id}/files/{file_id}/parts"),
                               ("POST", "/submissions/{id}/files/{file_id}/complete"),
                               # the submitter's side of issue 11: replace a refused file, their own history
                               ("POST", "/submissions/{id}/files/{file_id}/replace"), ("GET", "/submissions"),
                               # ... and add a file the hand-over did not declare
                               ("POST", "/submissions/{id}/files")},
    "ReviewApiFunction": {("GET", "/review/{token}"), ("HEAD", "/review/{token}"), ("POST", "/review/{token}"),
                          # one tap: a personal-data finding masked in a new version (issue 16)
                          ("POST", "/review/{token}/redact"),
                          # a TERIMA's undo link within its window (issue 10)
                          ("GET", "/undo/{token}"), ("HEAD", "/undo/{token}"), ("POST", "/undo/{token}")},
    "ClicksFunction": {("GET", "/r/{tenant}/{item}"), ("HEAD", "/r/{tenant}/{item}")},
    "MetaWebhookFunction": {("GET", "/webhooks/meta"), ("POST", "/webhooks/meta")},
    # durable signed links to reports and draft images in emails
    "FilesFunction": {("GET", "/files/{token}"), ("HEAD", "/files/{token}")},
    # the admin's workspace (issue 11): server-rendered pages routed inside the function
    "WorkspaceFunction": {("ANY", "/app"), ("ANY", "/app/{proxy+}")},
}


class _NoAwsPolicyLoader:
    """Managed-policy names resolve from the map bundled with samtranslator: no IAM call."""

    def load(self) -> dict[str, str]:
        return {}


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    return yaml_parse(TEMPLATE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cfn(source: dict[str, Any]) -> dict[str, Any]:
    """The template as CloudFormation, translated offline (what `sam package` + deploy would do)."""
    tpl = copy.deepcopy(source)
    for logical_id, resource in tpl["Resources"].items():
        props = resource.get("Properties", {})
        # samtranslator accepts only s3:// code locations; `sam package` rewrites them the same way.
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str):
                props[key] = f"s3://kabar-test-artifacts/{logical_id}.zip"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        return transform(tpl, dict(PARAMETERS), _NoAwsPolicyLoader())


def resources(tpl: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in tpl["Resources"].items() if r["Type"] == rtype}


def props(tpl: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return tpl["Resources"][logical_id].get("Properties", {})


def getatt_id(value: Any, attribute: str) -> str:
    """The logical id in {"Fn::GetAtt": [id, attribute]}; fails on anything else."""
    assert isinstance(value, dict) and "Fn::GetAtt" in value, f"expected a GetAtt, got {value!r}"
    logical_id, att = value["Fn::GetAtt"]
    assert att == attribute, f"expected GetAtt {attribute}, got {value!r}"
    return logical_id


def ref_id(value: Any) -> str:
    assert isinstance(value, dict) and set(value) == {"Ref"}, f"expected a Ref, got {value!r}"
    return value["Ref"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_documents(tpl: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(holder logical id, policy document) for identity and resource policies alike."""
    for lid, res in tpl["Resources"].items():
        p = res.get("Properties", {})
        if res["Type"] == "AWS::IAM::Role":
            for policy in p.get("Policies", []):
                yield lid, policy["PolicyDocument"]
        elif res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::SQS::QueuePolicy",
                             "AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy"):
            yield lid, p["PolicyDocument"]


def consumers(cfn: dict[str, Any]) -> dict[str, str]:
    """Queue logical id -> the function consuming it (from the event source mappings)."""
    result: dict[str, str] = {}
    for mapping in resources(cfn, "AWS::Lambda::EventSourceMapping").values():
        if mapping["Properties"]["EventSourceArn"].get("Fn::GetAtt", [None, None])[1] == "StreamArn":
            continue  # a table's stream, not a queue (stream_consumers)
        queue = getatt_id(mapping["Properties"]["EventSourceArn"], "Arn")
        function = ref_id(mapping["Properties"]["FunctionName"])
        assert queue not in result, f"{queue} has two consumers ({result[queue]}, {function}): one queue per consumer"
        result[queue] = function
    return result


def alarmed_queues(cfn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Queue logical id -> its "messages visible > 0" alarm that notifies someone."""
    result = {}
    for alarm in resources(cfn, "AWS::CloudWatch::Alarm").values():
        p = alarm["Properties"]
        if (p.get("Namespace"), p.get("MetricName")) != ("AWS/SQS", "ApproximateNumberOfMessagesVisible"):
            continue
        if p.get("ComparisonOperator") != "GreaterThanThreshold" or p.get("Threshold") != 0:
            continue
        if not p.get("AlarmActions"):
            continue
        for dim in p.get("Dimensions", []):
            if dim["Name"] == "QueueName":
                result[getatt_id(dim["Value"], "QueueName")] = alarm
    return result


def function_env(source: dict[str, Any], logical_id: str) -> dict[str, Any]:
    env = dict(source["Globals"]["Function"]["Environment"]["Variables"])
    env.update(((props(source, logical_id).get("Environment") or {}).get("Variables")) or {})
    return env


# ------------------------------------------------------------------------------------ tools accept it


def test_cfn_lint_reports_nothing():
    from cfnlint.api import ManualArgs, lint

    matches = lint(TEMPLATE.read_text(encoding="utf-8"), config=ManualArgs(regions=[REGION]))
    # `sam validate --lint` fails on warnings too, so none is tolerated here either.
    assert [str(m) for m in matches] == []


def test_sam_translates_offline_into_plain_cloudformation(cfn):
    types = {r["Type"] for r in cfn["Resources"].values()}
    assert not {t for t in types if t.startswith("AWS::Serverless::")}
    # every folder under functions/ is one Lambda, and every Lambda has its folder
    folders = [p for p in (TEMPLATE.parent / "functions").iterdir() if (p / "app.py").exists()]
    assert len(resources(cfn, "AWS::Lambda::Function")) == len(folders)
    assert {"AWS::Lambda::EventSourceMapping", "AWS::Scheduler::Schedule", "AWS::ApiGatewayV2::Api"} <= types


# ------------------------------------------------------------------------------------ async edges


def test_every_consumed_queue_has_a_dlq_with_an_alarm_and_a_visibility_of_six_timeouts(cfn):
    queues = consumers(cfn)
    assert {"IntakeQueue", "DraftingQueue", "NotificationQueue", "NoticeQueue", "PublicationQueue", "ReportQueue",
            "MetricsQueue", "VideoDraftingQueue", "SlaWatchQueue", "IntakeWatchQueue", "InboxDigestQueue",
            "TokenWatchQueue"} <= set(queues)
    alarms = alarmed_queues(cfn)
    for queue, function in queues.items():
        q = props(cfn, queue)
        assert "RedrivePolicy" in q, f"{queue} has no DLQ"
        dlq = getatt_id(q["RedrivePolicy"]["deadLetterTargetArn"], "Arn")
        # notices wait out an email service outage of hours; the rest retry a few times
        assert q["RedrivePolicy"]["maxReceiveCount"] == (20 if queue == "NoticeQueue" else 5), queue
        assert dlq not in queues, f"{queue}'s DLQ {dlq} is consumed by a function"
        assert props(cfn, dlq)["MessageRetentionPeriod"] == 14 * ONE_DAY, dlq
        assert dlq in alarms, f"{dlq} (DLQ of {queue}) has no alarm"
        timeout = props(cfn, function)["Timeout"]
        assert q["VisibilityTimeout"] >= 6 * timeout, f"{queue}: visibility < 6x {function}'s {timeout} s"
        assert q.get("SqsManagedSseEnabled") is True, queue


def test_every_sqs_event_reports_partial_batch_failures(cfn):
    for lid, mapping in resources(cfn, "AWS::Lambda::EventSourceMapping").items():
        assert mapping["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"], lid


def test_every_rule_and_schedule_target_has_retry_and_an_alarmed_dlq(cfn):
    alarms = alarmed_queues(cfn)
    targets = [(lid, t) for lid, rule in resources(cfn, "AWS::Events::Rule").items()
               for t in rule["Properties"]["Targets"]]
    targets += [(lid, s["Properties"]["Target"]) for lid, s in resources(cfn, "AWS::Scheduler::Schedule").items()]
    assert len(targets) >= 10
    for lid, target in targets:
        assert target.get("RetryPolicy"), f"{lid}: target without RetryPolicy"
        assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= ONE_DAY, lid
        dlq = getatt_id(target.get("DeadLetterConfig", {}).get("Arn"), "Arn")
        assert dlq in alarms, f"{lid}: dead-letter queue {dlq} has no alarm"


SCHEDULED_FUNCTIONS = {"ReportSchedulerFunction", "SlaWatchFunction", "IntakeWatchFunction",
                       "MetricsSchedulerFunction", "InboxDigestFunction", "TokenWatchFunction"}


def _async_callers(cfn: dict[str, Any]) -> set[str]:
    """Functions invoked asynchronously: a schedule's or a rule's target, or a Lambda permission for a
    service that invokes asynchronously (S3, SNS, EventBridge)."""
    found = set()
    for schedule in resources(cfn, "AWS::Scheduler::Schedule").values():
        found.add(getatt_id(schedule["Properties"]["Target"]["Arn"], "Arn"))
    for rule in resources(cfn, "AWS::Events::Rule").values():
        for target in rule["Properties"]["Targets"]:
            if cfn["Resources"][getatt_id(target["Arn"], "Arn")]["Type"] == "AWS::Lambda::Function":
                found.add(getatt_id(target["Arn"], "Arn"))
    for permission in resources(cfn, "AWS::Lambda::Permission").values():
        p = permission["Properties"]
        if p.get("Principal") in ("s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com"):
            found.add(ref_id(p["FunctionName"]))
    return found


def test_every_asynchronously_invoked_function_has_retries_an_alarmed_failure_destination_and_may_send_to_it(cfn):
    """A schedule's own DLQ only catches deliveries that failed; once Lambda accepted the invocation, a
    function error is retried by Lambda and then dropped unless the function has a failure destination."""
    callers = _async_callers(cfn)
    assert callers == SCHEDULED_FUNCTIONS
    configs = {ref_id(c["Properties"]["FunctionName"]): c["Properties"]
               for c in resources(cfn, "AWS::Lambda::EventInvokeConfig").values()}
    alarms = alarmed_queues(cfn)
    for function in callers:
        config = configs.get(function)
        assert config, f"{function} is invoked asynchronously without an EventInvokeConfig"
        assert config["MaximumRetryAttempts"] >= 1, function
        assert 60 <= config["MaximumEventAgeInSeconds"] <= ONE_DAY, function
        dlq = getatt_id(config["DestinationConfig"]["OnFailure"]["Destination"], "Arn")
        assert props(cfn, dlq)["MessageRetentionPeriod"] == 14 * ONE_DAY, dlq
        assert dlq in alarms, f"{function}: failure destination {dlq} has no alarm"
        role = props(cfn, f"{function}Role")
        sends = [st for policy in role["Policies"] for st in as_list(policy["PolicyDocument"]["Statement"])
                 if st["Effect"] == "Allow" and "sqs:SendMessage" in as_list(st["Action"])
                 and {"Fn::GetAtt": [dlq, "Arn"]} in as_list(st["Resource"])]
        assert sends, f"{function} may not send to its failure destination {dlq}"


def test_rules_name_their_bus_by_getatt_name(cfn):
    # The local stack (moto) fails on a Ref to a bus: keep GetAtt Name.
    for lid, rule in resources(cfn, "AWS::Events::Rule").items():
        bus = getatt_id(rule["Properties"]["EventBusName"], "Name")
        assert cfn["Resources"][bus]["Type"] == "AWS::Events::EventBus", lid
        assert rule["Properties"]["EventPattern"]["source"] == ["kabar"], lid


def test_rules_route_the_sop_events_to_their_consumers(cfn):
    routes = {}
    for lid, rule in resources(cfn, "AWS::Events::Rule").items():
        if lid == "VideoDraftingRule":
            continue  # the one event with two consumers, checked below
        (target,) = rule["Properties"]["Targets"]
        for detail_type in rule["Properties"]["EventPattern"]["detail-type"]:
            routes[detail_type] = consumers(cfn)[getatt_id(target["Arn"], "Arn")]
    assert routes == {
        "SubmissionCompleted": "DraftingFunction",
        "VideoDrafted": "DraftingFunction",
        "RevisionSubmitted": "DraftingFunction",
        "DraftReady": "ReviewNotificationFunction",
        "DraftApproved": "PublicationFunction",
        "NoticeDue": "NoticeSenderFunction",
    }


def test_the_outbox_reaches_the_relay_by_the_stream_with_a_failure_destination_and_an_alarm(cfn, source):
    assert props(source, "Table")["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    streams = [m["Properties"] for m in resources(cfn, "AWS::Lambda::EventSourceMapping").values()
               if m["Properties"]["EventSourceArn"].get("Fn::GetAtt", [None, None])[1] == "StreamArn"]
    (mapping,) = streams
    assert ref_id(mapping["FunctionName"]) == "OutboxRelayFunction"
    assert mapping["BisectBatchOnFunctionError"] is True and mapping["MaximumRetryAttempts"] > 0
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    (pattern,) = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert pattern == {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"rtype": {"S": ["outbox"]}}}}
    dlq = getatt_id(mapping["DestinationConfig"]["OnFailure"]["Destination"], "Arn")
    assert dlq in alarmed_queues(cfn)
    assert props(cfn, dlq)["MessageRetentionPeriod"] == 14 * ONE_DAY


def test_a_completed_hand_over_also_reaches_the_video_step_on_its_own_queue(cfn):
    (target,) = props(cfn, "VideoDraftingRule")["Targets"]
    assert props(cfn, "VideoDraftingRule")["EventPattern"]["detail-type"] == ["SubmissionCompleted"]
    assert consumers(cfn)[getatt_id(target["Arn"], "Arn")] == "VideoDraftingFunction"


def test_the_video_function_has_ffmpeg_more_memory_disk_and_time_and_reads_originals_only(cfn, source):
    p = props(source, "VideoDraftingFunction")
    assert p["Layers"] == [{"Ref": "VideoLayer"}]
    assert p["Timeout"] == 900 and p["MemorySize"] >= 2048 and p["EphemeralStorage"]["Size"] >= 2048
    role = props(cfn, "VideoDraftingFunctionRole")
    uploads = {(a, str(r)) for policy in role["Policies"] for st in as_list(policy["PolicyDocument"]["Statement"])
               for a in as_list(st["Action"]) for r in as_list(st["Resource"]) if "UploadsBucket" in str(r)}
    assert uploads == {("s3:GetObject", str({"Fn::Sub": "${UploadsBucket.Arn}/*"}))}
    assert props(source, "VideoLayer")["CompatibleRuntimes"] == props(source, "KabarLayer")["CompatibleRuntimes"]


def _schedules(cfn: dict[str, Any], with_input: bool = False) -> dict[str, dict[str, Any]]:
    """Each scheduled function's schedule properties (the one without an input, or the one with)."""
    out = {}
    for schedule in resources(cfn, "AWS::Scheduler::Schedule").values():
        p = schedule["Properties"]
        if bool(p["Target"].get("Input")) == with_input:
            out[getatt_id(p["Target"]["Arn"], "Arn")] = p
    return out


def test_the_monthly_schedule_runs_on_day_one_in_jakarta(cfn):
    p = _schedules(cfn)["ReportSchedulerFunction"]
    assert (p["ScheduleExpression"], p["ScheduleExpressionTimezone"]) == ("cron(0 7 1 * ? *)", "Asia/Jakarta")


def test_the_regency_report_is_scheduled_after_the_village_reports(cfn):
    p = _schedules(cfn, with_input=True)["ReportSchedulerFunction"]
    assert json.loads(p["Target"]["Input"]) == {"regency": True}
    assert (p["ScheduleExpression"], p["ScheduleExpressionTimezone"]) == ("cron(0 10 1 * ? *)", "Asia/Jakarta")


def test_the_intake_watch_runs_hourly_in_jakarta(cfn):
    p = _schedules(cfn)["IntakeWatchFunction"]
    assert (p["ScheduleExpression"], p["ScheduleExpressionTimezone"]) == ("cron(5 * * * ? *)", "Asia/Jakarta")


def test_the_sla_watch_runs_every_fifteen_minutes_in_jakarta(cfn):
    p = _schedules(cfn)["SlaWatchFunction"]
    assert (p["ScheduleExpression"], p["ScheduleExpressionTimezone"]) == ("cron(0/15 * * * ? *)", "Asia/Jakarta")


def test_the_token_watch_runs_daily_in_jakarta(cfn):
    p = _schedules(cfn)["TokenWatchFunction"]
    assert (p["ScheduleExpression"], p["ScheduleExpressionTimezone"]) == ("cron(0 8 * * ? *)", "Asia/Jakarta")


# ------------------------------------------------------------------------------------ resource policies


def _queue_grants(cfn: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(queue logical id, service principal, condition) for each Allow in a queue policy."""
    grants = []
    for policy in resources(cfn, "AWS::SQS::QueuePolicy").values():
        for queue in policy["Properties"]["Queues"]:
            for st in policy["Properties"]["PolicyDocument"]["Statement"]:
                if st["Effect"] == "Allow":
                    for service in as_list(st["Principal"]["Service"]):
                        grants.append((ref_id(queue), service, st.get("Condition", {})))
    return grants


def test_every_queue_policy_statement_has_a_source_condition(cfn):
    grants = _queue_grants(cfn)
    assert grants
    for queue, service, condition in grants:
        keys = {key for op in condition.values() for key in op}
        assert keys & {"aws:SourceArn", "aws:SourceAccount"}, f"{queue}: {service} allowed without a source condition"


def test_every_rule_may_send_to_its_target_and_dead_letter_queues(cfn):
    allowed = {(q, s, str(c.get("ArnEquals", {}).get("aws:SourceArn"))) for q, s, c in _queue_grants(cfn)}
    sources = {(q, s): c.get("ArnEquals", {}).get("aws:SourceArn") for q, s, c in _queue_grants(cfn)}
    assert allowed
    for lid, rule in resources(cfn, "AWS::Events::Rule").items():
        rule_arn = {"Fn::GetAtt": [lid, "Arn"]}
        for target in rule["Properties"]["Targets"]:
            for queue in (getatt_id(target["Arn"], "Arn"), getatt_id(target["DeadLetterConfig"]["Arn"], "Arn")):
                assert rule_arn in as_list(sources.get((queue, "events.amazonaws.com"))), \
                    f"{queue} does not let {lid} send to it"


def test_uploads_notifications_reach_the_intake_queue_through_a_policy_naming_the_bucket(cfn, source):
    bucket = props(cfn, "UploadsBucket")
    (notification,) = bucket["NotificationConfiguration"]["QueueConfigurations"]
    queue = getatt_id(notification["Queue"], "Arn")
    assert notification["Event"] == "s3:ObjectCreated:*"
    ((_, service, condition),) = [g for g in _queue_grants(cfn) if g[0] == queue]
    assert service == "s3.amazonaws.com"
    # The policy names the bucket by a string (a GetAtt would be a cycle): it must be the same name.
    assert condition["ArnEquals"]["aws:SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::" + bucket["BucketName"]["Fn::Sub"]}
    assert condition["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert "IntakeQueuePolicy" in as_list(source["Resources"]["UploadsBucket"].get("DependsOn", []))


def test_every_bucket_is_private_encrypted_and_tls_only(cfn):
    policies = {ref_id(p["Properties"]["Bucket"]): p["Properties"]["PolicyDocument"]
                for p in resources(cfn, "AWS::S3::BucketPolicy").values()}
    buckets = resources(cfn, "AWS::S3::Bucket")
    assert len(buckets) == 4
    for lid, bucket in buckets.items():
        p = bucket["Properties"]
        assert set(p["PublicAccessBlockConfiguration"].values()) == {True}, lid
        assert p["BucketEncryption"]["ServerSideEncryptionConfiguration"], lid
        assert p["BucketName"]["Fn::Sub"].startswith("kabar-${Stage}-"), lid
        denies = [s for s in policies[lid]["Statement"]
                  if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
        assert denies, f"{lid} accepts plain HTTP"


def test_the_uploads_bucket_keeps_every_version_and_removes_only_what_intake_discarded(cfn):
    from kabar.adapters.s3 import DISCARD_TAG, DISCARD_VALUE

    p = props(cfn, "UploadsBucket")
    # the record is a version: a later upload to the same key can never replace it
    assert p["VersioningConfiguration"] == {"Status": "Enabled"}
    removing = ("ExpirationInDays", "ExpirationDate", "NoncurrentVersionExpiration",
                "NoncurrentVersionExpirationInDays", "Transitions", "NoncurrentVersionTransitions")
    rules = p["LifecycleConfiguration"]["Rules"]
    # the retention period (issue 16) is the one rule on every original; the rest only touch what intake discarded
    retention = ("expire-originals", "archive-originals", "deep-archive-original-videos",
                 "expire-noncurrent-originals")  # issues 15, 16: below
    discard = [r for r in rules if any(k in r for k in removing) and r["Id"] not in retention]
    assert discard, "no rule removes the versions intake discarded"
    for rule in discard:  # an untagged version may be a record: no rule may touch it
        assert rule.get("TagFilters") == [{"Key": DISCARD_TAG, "Value": DISCARD_VALUE}], rule["Id"]
        assert not rule.get("Prefix"), rule["Id"]


def _grants_on(cfn: dict[str, Any], role: str, resource: dict[str, Any]) -> set[str]:
    return {action for policy in props(cfn, role)["Policies"]
            for st in as_list(policy["PolicyDocument"]["Statement"]) if st["Effect"] == "Allow"
            and resource in as_list(st["Resource"]) for action in as_list(st["Action"])}


def test_intake_cannot_delete_from_the_record(cfn):
    """Intake reads the originals and tags what it refuses; it may never delete an original or a version."""
    objects = {"Fn::Sub": "${UploadsBucket.Arn}/*"}
    actions = _grants_on(cfn, "IntakeFunctionRole", objects)
    assert {"s3:GetObject", "s3:GetObjectVersion", "s3:PutObjectVersionTagging"} <= actions
    forbidden = {a for a in actions if a in ("s3:*", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject",
                                              "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning")
                 or a.startswith("s3:Delete")}
    assert forbidden == set()
    # nor anything on the bucket itself that could switch versioning or the lifecycle rules
    assert _grants_on(cfn, "IntakeFunctionRole", {"Fn::GetAtt": ["UploadsBucket", "Arn"]}) == {"s3:ListBucket"}


def test_only_cloudfront_of_this_distribution_reads_the_site_bucket(cfn):
    allows = [s for s in props(cfn, "SiteBucketPolicy")["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows
    for st in allows:
        assert st["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert "${SiteDistribution}" in st["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]


# ------------------------------------------------------------------------------------ IAM


def test_no_policy_statement_grants_on_every_resource(cfn):
    found = []
    for holder, document in policy_documents(cfn):
        for st in as_list(document["Statement"]):
            if st["Effect"] == "Allow" and "*" in as_list(st.get("Resource")):
                for action in as_list(st["Action"]):
                    if (holder, action) not in ALLOWED_WILDCARD_RESOURCES:
                        found.append((holder, action))
    assert found == []


def test_only_known_managed_policies_are_attached(cfn):
    for lid, role in resources(cfn, "AWS::IAM::Role").items():
        assert set(role["Properties"].get("ManagedPolicyArns", [])) <= ALLOWED_MANAGED_POLICIES, lid


def test_no_statement_grants_a_whole_service(cfn):
    for holder, document in policy_documents(cfn):
        for st in as_list(document["Statement"]):
            if st["Effect"] == "Allow":
                assert not [a for a in as_list(st["Action"]) if a == "*" or a.endswith(":*")], holder


def test_mail_is_sent_only_as_the_mail_from_identity(cfn):
    senders = set()
    for holder, document in policy_documents(cfn):
        for st in as_list(document["Statement"]):
            if as_list(st["Action"]) == ["ses:GetSendQuota"]:
                continue  # reads the quota, sends nothing (ALLOWED_WILDCARD_RESOURCES)
            if any(str(a).startswith("ses:") for a in as_list(st["Action"])):
                senders.add(holder)
                for resource in as_list(st["Resource"]):
                    text = resource["Fn::Sub"] if isinstance(resource["Fn::Sub"], str) else resource["Fn::Sub"][0]
                    assert re.fullmatch(r"arn:\$\{AWS::Partition\}:ses:\$\{AWS::Region\}:\$\{AWS::AccountId\}"
                                        r":identity/\$\{(MailFrom|MailDomain)\}", text), holder
    # every email is a notice, sent by one function (kabar.usecases.notices)
    assert senders == {"NoticeSenderFunctionRole"}


# ------------------------------------------------------------------------------------ functions


def test_every_function_logs_to_its_own_log_group_with_retention(cfn):
    seen: dict[str, str] = {}
    for lid, function in resources(cfn, "AWS::Lambda::Function").items():
        group = ref_id(function["Properties"].get("LoggingConfig", {}).get("LogGroup"))
        assert cfn["Resources"][group]["Type"] == "AWS::Logs::LogGroup", lid
        assert props(cfn, group).get("RetentionInDays") == {"Ref": "LogRetentionDays"}, group
        assert group not in seen, f"{lid} shares {group} with {seen.get(group)}"
        seen[group] = lid


def test_every_function_runs_on_the_layer_with_the_runtime_the_layer_is_built_for(cfn, source):
    makefile = (ROOT / "shared" / "Makefile").read_text(encoding="utf-8")
    (layer_python,) = re.findall(r"^PYTHON_VERSION := (\S+)$", makefile, re.M)
    runtime = source["Globals"]["Function"]["Runtime"]
    assert runtime == f"python{layer_python}"
    assert props(source, "KabarLayer")["CompatibleRuntimes"] == [runtime]
    for lid, function in resources(cfn, "AWS::Lambda::Function").items():
        p = function["Properties"]
        assert (p["Runtime"], p["Architectures"]) == (runtime, ["arm64"]), lid
        assert p["TracingConfig"] == {"Mode": "Active"}, lid
        # translated layer versions carry a hash suffix: KabarLayer3c51...
        layers = [re.sub(r"[0-9a-f]{10}$", "", ref_id(layer)) for layer in p["Layers"]]
        # every function has the kabar layer first; only the video step also loads FFmpeg
        assert layers == (["KabarLayer", "VideoLayer"] if lid == "VideoDraftingFunction" else ["KabarLayer"]), lid
        for layer in (ref_id(layer) for layer in p["Layers"]):
            assert cfn["Resources"][layer]["Type"] == "AWS::Lambda::LayerVersion", lid


def test_every_handler_exists_and_every_function_has_a_build_target(source):
    functions = resources(source, "AWS::Serverless::Function")
    assert len(functions) == len([p for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()])
    for lid, function in functions.items():
        p = function["Properties"]
        module, attribute = p["Handler"].rsplit(".", 1)
        code_dir = ROOT / p["CodeUri"]
        handler_file = code_dir / f"{module.replace('.', '/')}.py"
        assert handler_file.is_file(), f"{lid}: {handler_file} is missing"
        tree = ast.parse(handler_file.read_text(encoding="utf-8"))
        names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        names |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
        assert attribute in names, f"{lid}: {handler_file.name} defines no {attribute!r}"
        assert function.get("Metadata", {}).get("BuildMethod") == "makefile", lid
        makefile = (code_dir / "Makefile").read_text(encoding="utf-8")
        assert re.search(rf"^build-{lid}:", makefile, re.M), f"{lid}: no build-{lid} target in {code_dir}/Makefile"


def test_every_function_has_every_required_setting(source):
    required = {f.alias for f in Settings.model_fields.values() if f.is_required()}
    known = {f.alias for f in Settings.model_fields.values()}
    assert required
    for lid in resources(source, "AWS::Serverless::Function"):
        env = function_env(source, lid)
        assert required <= set(env), f"{lid} misses {sorted(required - set(env))}"
        unknown = {k for k in env if k.startswith("KABAR_")} - known
        assert not unknown, f"{lid} sets {sorted(unknown)}, which kabar.config.Settings does not read"


@pytest.mark.parametrize(("function", "variable"), [
    ("NoticeSenderFunction", "KABAR_PUBLIC_URL"),
    ("PublicationFunction", "KABAR_PUBLIC_URL"),
    ("PublicationFunction", "KABAR_SITE_URL"),
    ("MonthlyReportFunction", "KABAR_PUBLIC_URL"),
    ("ClicksFunction", "KABAR_SITE_URL"),
    ("ReportSchedulerFunction", "KABAR_REPORT_QUEUE_URL"),
    ("SlaWatchFunction", "KABAR_PUBLIC_URL"),
    ("IntakeWatchFunction", "KABAR_PUBLIC_URL"),
    ("WorkspaceFunction", "KABAR_PUBLIC_URL"),
    *((fn, "KABAR_LINK_SIGNING_SECRET") for fn in ("NoticeSenderFunction", "ReviewApiFunction",
                                                    "WorkspaceFunction",
                                                    "SlaWatchFunction", "MonthlyReportFunction", "FilesFunction")),
])
def test_functions_that_build_links_or_send_jobs_have_the_optional_setting(source, function, variable):
    assert variable in function_env(source, function)


def test_http_api_routes_are_the_designed_contract(source, cfn):
    routes: dict[str, set[tuple[str, str]]] = {}
    for lid, function in resources(source, "AWS::Serverless::Function").items():
        for event in (function["Properties"].get("Events") or {}).values():
            if event["Type"] == "HttpApi":
                assert ref_id(event["Properties"]["ApiId"]) == "HttpApi", lid
                routes.setdefault(lid, set()).add((event["Properties"]["Method"], event["Properties"]["Path"]))
    assert routes == EXPECTED_ROUTES
    stage = props(cfn, "HttpApiApiGatewayDefaultStage")
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    # Review links carry their token in the path: the access log must not record paths.
    assert "$context.path" not in stage["AccessLogSettings"]["Format"]
    assert "$context.routeKey" in stage["AccessLogSettings"]["Format"]


# ------------------------------------------------------------------------------------ durable file links

LINK_KEY_READERS = {"NoticeSenderFunction", "ReviewApiFunction", "SlaWatchFunction", "MonthlyReportFunction",
                    "FilesFunction", "WorkspaceFunction"}


def test_the_link_signing_key_is_generated_and_read_only_by_who_signs_or_serves_links(source, cfn):
    secret = props(source, "LinkSigningSecret")
    assert secret["Name"] == {"Fn::Sub": "kabar/${Stage}/link-signing"}
    generate = secret["GenerateSecretString"]
    assert (generate["SecretStringTemplate"], generate["GenerateStringKey"]) == ("{}", "key")
    assert generate["PasswordLength"] >= 32
    readers = set()
    for holder, document in policy_documents(cfn):
        for st in as_list(document["Statement"]):
            if {"Ref": "LinkSigningSecret"} in as_list(st.get("Resource")):
                assert (as_list(st["Action"]), as_list(st["Resource"])) == (
                    ["secretsmanager:GetSecretValue"], [{"Ref": "LinkSigningSecret"}]), holder
                readers.add(holder)
    assert readers == {f"{fn}Role" for fn in LINK_KEY_READERS}
    for fn in LINK_KEY_READERS:
        assert function_env(source, fn)["KABAR_LINK_SIGNING_SECRET"] == secret["Name"], fn


def test_the_files_function_may_only_read_reports_and_media_objects_and_the_key(cfn):
    role = props(cfn, "FilesFunctionRole")
    grants = {(action, str(resource)) for policy in role["Policies"]
              for st in as_list(policy["PolicyDocument"]["Statement"]) if st["Effect"] == "Allow"
              for action in as_list(st["Action"]) for resource in as_list(st["Resource"])}
    assert grants == {("secretsmanager:GetSecretValue", str({"Ref": "LinkSigningSecret"})),
                      ("s3:GetObject", str({"Fn::Sub": "${ReportsBucket.Arn}/*"})),
                      ("s3:GetObject", str({"Fn::Sub": "${MediaBucket.Arn}/*"}))}
    assert set(role.get("ManagedPolicyArns", [])) <= ALLOWED_MANAGED_POLICIES - {
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"}


# ------------------------------------------------------------------------------------ the layer


def _requirements(lines: list[str]) -> dict[str, str]:
    reqs = [Requirement(line) for line in (x.split("#", 1)[0].strip() for x in lines) if line]
    return {r.name.lower().replace("_", "-"): str(r.specifier) for r in reqs}


def test_layer_requirements_equal_the_project_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layer = (ROOT / "shared" / "requirements-layer.txt").read_text(encoding="utf-8").splitlines()
    expected = _requirements(pyproject["project"]["dependencies"])
    assert expected, "pyproject.toml lists no dependencies"
    assert _requirements(layer) == expected
    assert all(spec.startswith("==") for spec in expected.values()), "pin the layer's dependencies exactly"


def test_video_layer_requirements_equal_the_video_extra():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layer = (ROOT / "shared" / "requirements-video-layer.txt").read_text(encoding="utf-8").splitlines()
    expected = _requirements(pyproject["project"]["optional-dependencies"]["video"])
    assert expected and _requirements(layer) == expected
    assert all(spec.startswith("==") for spec in expected.values())


# --- retention of personal data and the audit trail's anchors (issue 16) ----------------------------

def _lifecycle(source: dict[str, Any], bucket: str) -> dict[str, dict[str, Any]]:
    return {r["Id"]: r for r in props(source, bucket)["LifecycleConfiguration"]["Rules"]}


def test_retention_periods_are_enforced_as_the_policy_says(source):
    from kabar.domain import retention

    params = source["Parameters"]
    assert params["OriginalsRetentionDays"]["Default"] == retention.ORIGINALS_DAYS
    assert params["MediaRetentionDays"]["Default"] == retention.MEDIA_DAYS
    assert params["LogRetentionDays"]["Default"] == retention.LOG_DAYS
    originals = _lifecycle(source, "UploadsBucket")["expire-originals"]
    media = _lifecycle(source, "MediaBucket")["expire-media"]
    assert originals["Status"] == media["Status"] == "Enabled"
    assert ref_id(originals["ExpirationInDays"]) == "OriginalsRetentionDays"
    assert ref_id(media["ExpirationInDays"]) == "MediaRetentionDays"
    assert props(source, "Table")["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}


def test_the_reports_bucket_keeps_anchors_under_object_lock_and_only_the_report_may_set_their_retention(source, cfn):
    reports = props(source, "ReportsBucket")
    assert reports["ObjectLockEnabled"] is True and reports["VersioningConfiguration"]["Status"] == "Enabled"
    assert "ObjectLockConfiguration" not in reports  # retention per anchor, not on every report
    holders = {lid for lid, doc in policy_documents(cfn) for st in as_list(doc.get("Statement"))
               if "s3:PutObjectRetention" in as_list(st.get("Action"))}
    assert holders == {"MonthlyReportFunctionRole"}


# --- storage classes, the dashboard and the alarms (issue 15) ---------------------------------------

def test_originals_go_to_instant_retrieval_once_read_and_every_version_expires_past_retention(source):
    from kabar.domain import retention

    params = source["Parameters"]
    assert params["OriginalsArchiveDays"]["Default"] == retention.ORIGINALS_ARCHIVE_DAYS
    # intake and the video step read an original within hours (an upload completed late: a day or two);
    # earlier than that, Glacier IR's retrieval fee would fall on the pipeline's own reads
    assert params["OriginalsArchiveDays"]["MinValue"] >= 3
    rules = _lifecycle(source, "UploadsBucket")
    archive = rules["archive-originals"]
    assert archive["Status"] == "Enabled" and not archive.get("TagFilters") and not archive.get("Prefix")
    for key in ("Transitions", "NoncurrentVersionTransitions"):
        [step] = archive[key]
        # instant retrieval: a GET answers at once (no restore step), so every reader of the record still works
        assert step["StorageClass"] == "GLACIER_IR" and ref_id(step["TransitionInDays"]) == "OriginalsArchiveDays"
    assert "ExpirationInDays" not in archive and "NoncurrentVersionExpiration" not in archive
    # versions of originals (a recorded one made noncurrent by a double tap, or hidden by expire-originals'
    # delete marker) go only after the retention period
    noncurrent = rules["expire-noncurrent-originals"]
    assert ref_id(noncurrent["NoncurrentVersionExpiration"]["NoncurrentDays"]) == "OriginalsRetentionDays"
    assert set(noncurrent) == {"Id", "Status", "NoncurrentVersionExpiration"}
    assert rules["abort-incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] <= 7
    classes = {t["StorageClass"] for r in rules.values() for k in ("Transitions", "NoncurrentVersionTransitions")
               for t in r.get(k, [])}
    assert classes == {"GLACIER_IR", "DEEP_ARCHIVE"}
    # only videos (never a photo) go on to a class that needs a restore, and only after Glacier IR's 90 days
    videos = rules["deep-archive-original-videos"]
    assert int(videos["ObjectSizeGreaterThan"]) >= 8 * 1024 * 1024 and not videos.get("TagFilters")
    for key in ("Transitions", "NoncurrentVersionTransitions"):
        [step] = videos[key]
        assert step["StorageClass"] == "DEEP_ARCHIVE"
        assert ref_id(step["TransitionInDays"]) == "OriginalVideosDeepArchiveDays"
    assert params["OriginalVideosDeepArchiveDays"]["MinValue"] >= params["OriginalsArchiveDays"]["Default"] + 90
    assert params["OriginalVideosDeepArchiveDays"]["Default"] == retention.VIDEOS_DEEP_ARCHIVE_DAYS
    assert "ExpirationInDays" not in videos and "NoncurrentVersionExpiration" not in videos


def test_derived_copies_expire_when_no_longer_served_and_published_pages_stay(source):
    from kabar.domain import retention

    params = source["Parameters"]
    assert params["VideoCopiesRetentionDays"]["Default"] == retention.VIDEO_COPIES_DAYS
    # the month's report draws its thumbnails from the media bucket in week 1 of the next month
    assert params["MediaRetentionDays"]["MinValue"] >= 31 + 7
    rules = _lifecycle(source, "MediaBucket")
    videos = rules["expire-video-copies"]
    assert ref_id(videos["ExpirationInDays"]) == "VideoCopiesRetentionDays"
    # only video copies: a sanitized photo (2048 px JPEG, a few hundred KB) is far below the size filter
    assert int(videos["ObjectSizeGreaterThan"]) >= 4 * 1024 * 1024
    assert rules["abort-incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] <= 7
    site = _lifecycle(source, "SiteBucket")
    for rule in site.values():  # public information stays published: no rule removes a page or a photo
        assert not {"ExpirationInDays", "NoncurrentVersionExpiration", "ExpiredObjectDeleteMarker"} & set(rule)
    [tiering] = site["site-photos-intelligent-tiering"]["Transitions"]
    assert tiering["StorageClass"] == "INTELLIGENT_TIERING"


def _dashboard(source: dict[str, Any]) -> dict[str, Any]:
    body = props(source, "OperationsDashboard")["DashboardBody"]["Fn::Sub"]
    return json.loads(re.sub(r"\$\{[A-Za-z0-9:.]+\}", "x", body))


def test_the_dashboard_shows_every_sop_figure_without_a_village_dimension(source):
    from kabar.domain import sop_metrics

    env = source["Globals"]["Function"]["Environment"]["Variables"]
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == sop_metrics.NAMESPACE
    assert env["POWERTOOLS_SERVICE_NAME"] == sop_metrics.SERVICE
    text = json.dumps(_dashboard(source))
    for name in sop_metrics.ALL:
        assert f'MetricName=\\"{name}\\"' in text, name
    assert "tenant" not in text and "village" not in text.lower()
    for searched in ("AWS/SQS", "AWS/Lambda", "AWS/ApiGateway", "ConcurrentExecutions"):
        assert searched in text


def _alarm_metrics(source: dict[str, Any], logical_id: str) -> list[dict[str, Any]]:
    p = props(source, logical_id)
    assert ref_id(p["AlarmActions"][0]) == "AlarmTopic" and p["TreatMissingData"] == "notBreaching"
    return [m["MetricStat"]["Metric"] for m in p["Metrics"] if "MetricStat" in m]


def test_alarms_watch_channel_errors_on_every_channel_and_late_steps_on_every_sop_clock(source):
    from kabar.domain import sop_metrics

    errors = _alarm_metrics(source, "ChannelErrorsAlarm")
    assert {m["MetricName"] for m in errors} == {sop_metrics.CHANNEL_ERRORS}
    dims = [{d["Name"]: d["Value"] for d in m["Dimensions"]} for m in errors]
    assert sorted(d["channel"] for d in dims) == sorted(sop_metrics.CHANNELS)
    assert {d["kind"] for d in dims} == {"permanent"}
    assert {d["service"] for d in dims} == {sop_metrics.SERVICE}  # EMF's dimension set, exactly
    late = _alarm_metrics(source, "LateStepsAlarm")
    assert {m["MetricName"] for m in late} == {sop_metrics.LATE_STEPS}
    late_dims = [{d["Name"]: d["Value"] for d in m["Dimensions"]} for m in late]
    assert sorted(d["clock"] for d in late_dims) == sorted(sop_metrics.CLOCKS)
    assert all(set(d) == {"clock", "service"} for d in late_dims)
    for metric in errors + late:
        assert metric["Namespace"] == sop_metrics.NAMESPACE
    for logical_id in ("LambdaThrottlesAlarm", "HttpApi5xxAlarm"):
        p = props(source, logical_id)
        assert ref_id(p["AlarmActions"][0]) == "AlarmTopic"
    assert ref_id(props(source, "HttpApi5xxAlarm")["Dimensions"][0]["Value"]) == "HttpApi"


# ------------------------------------------------------------------------------------ concurrency (issue 15)

#: Lambda's default concurrency per account and region (a new account may start lower; raise it first).
ACCOUNT_CONCURRENCY = 1000
#: Kept free for the HTTP API: its stage throttle's burst (100 requests) times a slow request (2 s).
HTTP_API_HEADROOM = 200


def _sqs_caps(cfn: dict[str, Any]) -> dict[str, int]:
    caps = {}
    for lid, mapping in resources(cfn, "AWS::Lambda::EventSourceMapping").items():
        p = mapping["Properties"]
        if "Queue" in str(p.get("EventSourceArn")) or "SQS" in lid or "sqs" in str(p.get("EventSourceArn")).lower():
            if "StartingPosition" in p:
                continue  # a stream
            caps[lid] = (p.get("ScalingConfig") or {}).get("MaximumConcurrency")
    return caps


def test_every_sqs_event_source_has_a_concurrency_cap(cfn):
    caps = _sqs_caps(cfn)
    assert len(caps) >= 12
    assert all(isinstance(c, int) and 2 <= c <= 1000 for c in caps.values()), caps


def test_the_caps_leave_the_http_api_its_headroom(cfn):
    """Every queue consumer at its cap, every scheduler and the relay running: the API still has room."""
    queued = sum(_sqs_caps(cfn).values())
    others = len([f for f in resources(cfn, "AWS::Lambda::Function")]) - len(_sqs_caps(cfn))
    assert queued + others <= ACCOUNT_CONCURRENCY - HTTP_API_HEADROOM, (queued, others)


def test_the_notice_sender_paces_to_its_share_of_the_send_rate(cfn, source):
    """Each concurrent sender takes 1/KABAR_MAIL_SENDERS of MaxSendRate: the setting equals the cap."""
    fn = source["Resources"]["NoticeSenderFunction"]["Properties"]
    cap = fn["Events"]["Notices"]["Properties"]["ScalingConfig"]["MaximumConcurrency"]
    assert int(fn["Environment"]["Variables"]["KABAR_MAIL_SENDERS"]) == cap


@pytest.mark.parametrize("function", ["SlaWatchFunction", "IntakeWatchFunction", "InboxDigestFunction",
                                      "TokenWatchFunction", "MonthlyReportFunction", "MetricsCollectorFunction"])
def test_each_scheduled_job_fans_out_through_its_own_queue(source, function):
    """The function consuming a job queue may send to it (a scheduler's continuation pages on there)."""
    fn = source["Resources"][function]["Properties"]
    (queue,) = [e["Properties"]["Queue"]["Fn::GetAtt"][0] for e in fn["Events"].values() if e["Type"] == "SQS"]
    sends = [p["SQSSendMessagePolicy"]["QueueName"]["Fn::GetAtt"][0] for p in fn["Policies"]
             if isinstance(p, dict) and "SQSSendMessagePolicy" in p]
    assert sends == [queue]
    env = fn["Environment"]["Variables"]
    assert queue in [v.get("Ref") for v in env.values() if isinstance(v, dict)]


# ------------------------------------------------------------------------------------ channel credentials

CREDENTIAL_READERS = {"PublicationFunction", "MetricsCollectorFunction", "TokenWatchFunction", "WorkspaceFunction"}


def test_channel_credentials_are_sealed_under_one_rotated_key_with_least_privilege(source, cfn):
    key = props(source, "CredentialsKey")
    assert key["EnableKeyRotation"] is True
    assert ref_id(props(source, "CredentialsKeyAlias")["TargetKeyId"]) == "CredentialsKey"
    assert source["Globals"]["Function"]["Environment"]["Variables"]["KABAR_CREDENTIALS_KEY"] == {
        "Ref": "CredentialsKeyAlias"}
    grants: dict[str, set[str]] = {}
    for holder, document in policy_documents(cfn):
        for st in as_list(document["Statement"]):
            actions = [a for a in as_list(st.get("Action")) if str(a).startswith("kms:")]
            if not actions:
                continue
            assert as_list(st["Resource"]) == [{"Fn::GetAtt": ["CredentialsKey", "Arn"]}], holder
            if set(actions) & {"kms:Decrypt", "kms:GenerateDataKey"}:
                # only for values carrying Kabar's encryption context (the village and the credential)
                keys = st["Condition"]["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"]
                assert sorted(keys) == ["kabar:credential", "kabar:village"], holder
            grants.setdefault(holder, set()).update(actions)
    assert {h for h, a in grants.items() if "kms:Decrypt" in a} == {f"{fn}Role" for fn in CREDENTIAL_READERS}
    assert {h for h, a in grants.items() if "kms:GenerateDataKey" in a} == {"WorkspaceFunctionRole"}
    # no function reads a per-channel secret any more (only the deployment-wide ones, by name)
    for holder, document in policy_documents(cfn):
        for st in as_list(document["Statement"]):
            if "secretsmanager:GetSecretValue" in as_list(st.get("Action")):
                assert "secret:kabar/*" not in json.dumps(st["Resource"]), holder
