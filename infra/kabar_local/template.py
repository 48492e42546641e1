"""template.yaml as the local stack sees it: a typed model of what to emulate.

The template is the single source of truth for the cloud and for the local stack. This module reads
it with CloudFormation's short tags, resolves parameters, conditions, pseudo parameters and
intrinsic functions for the *local* world (a queue's ``Ref`` is its moto URL, a CloudFront domain is
a placeholder the stack overrides), applies SAM ``Globals`` and produces plain dataclasses. Nothing
here talks to AWS or moto.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
REGION = "ap-southeast-3"
STACK_NAME = "kabar-local"
PLACEHOLDER_DOMAIN = "127.0.0.1"


class TemplateError(ValueError):
    """template.yaml cannot be emulated as written (broken reference, unknown event type, ...)."""


# ---------------------------------------------------------------------------------------------
# YAML with CloudFormation short tags
# ---------------------------------------------------------------------------------------------

_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "FindInMap": "Fn::FindInMap",
    "ImportValue": "Fn::ImportValue",
    "Base64": "Fn::Base64",
    "GetAZs": "Fn::GetAZs",
    "Cidr": "Fn::Cidr",
    "Length": "Fn::Length",
    "ToJsonString": "Fn::ToJsonString",
    "Transform": "Fn::Transform",
}


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster on template.yaml


class _CfnLoader(_BaseLoader):
    """SafeLoader plus the short tags, each turned into its long form."""


def _construct(long_name: str):
    def construct(loader: Any, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if long_name == "Fn::GetAtt":
                logical, _, attribute = str(value).partition(".")
                value = [logical, attribute]
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {long_name: value}

    return construct


for _short, _long in _SHORT_TAGS.items():
    _CfnLoader.add_constructor(f"!{_short}", _construct(_long))


def _no_date(loader: Any, node: yaml.Node) -> str:
    return loader.construct_scalar(node)  # CloudFormation keeps "2010-09-09" a string


_CfnLoader.add_constructor("tag:yaml.org,2002:timestamp", _no_date)


def load_yaml(text: str) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template; short tags become their long forms."""
    data = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(data, dict):
        raise TemplateError("template: the document is not a mapping")
    return data


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueNotification:
    queue_logical_id: str
    queue_arn: str
    events: tuple[str, ...]
    prefix: str | None = None
    suffix: str | None = None


@dataclass(frozen=True)
class Bucket:
    logical_id: str
    name: str
    arn: str
    cors_rules: tuple[dict[str, Any], ...] = ()  # boto3 ``CORSRules`` shape
    notifications: tuple[QueueNotification, ...] = ()
    eventbridge: bool = False
    versioned: bool = False  # VersioningConfiguration Status Enabled: every upload keeps its own version
    object_lock: bool = False  # ObjectLockEnabled: write-once objects (the audit trail's anchors)


@dataclass(frozen=True)
class Redrive:
    target_logical_id: str
    target_arn: str
    max_receive_count: int


@dataclass(frozen=True)
class Queue:
    logical_id: str
    name: str
    url: str
    arn: str
    visibility_timeout: int = 30
    redrive: Redrive | None = None
    fifo: bool = False
    content_based_deduplication: bool = False
    attributes: Mapping[str, str] = field(default_factory=dict)  # other SQS attributes to set


@dataclass(frozen=True)
class Table:
    logical_id: str
    name: str
    arn: str
    attribute_definitions: tuple[dict[str, str], ...]
    key_schema: tuple[dict[str, str], ...]
    global_secondary_indexes: tuple[dict[str, Any], ...] = ()
    local_secondary_indexes: tuple[dict[str, Any], ...] = ()
    ttl_attribute: str | None = None
    stream_view_type: str | None = None


@dataclass(frozen=True)
class EventBus:
    logical_id: str
    name: str
    arn: str


@dataclass(frozen=True)
class RuleTarget:
    id: str
    arn: str
    queue_logical_id: str | None  # set when the target is a queue of this template
    input: str | None = None
    input_path: str | None = None
    input_transformer: Mapping[str, Any] | None = None
    message_group_id: str | None = None


@dataclass(frozen=True)
class Rule:
    logical_id: str
    name: str
    bus_name: str
    pattern: Mapping[str, Any] | None
    schedule_expression: str | None
    enabled: bool
    targets: tuple[RuleTarget, ...]


@dataclass(frozen=True)
class SqsEvent:
    name: str
    queue_logical_id: str
    queue_arn: str
    batch_size: int = 10
    report_batch_item_failures: bool = False
    enabled: bool = True


@dataclass(frozen=True)
class HttpApiEvent:
    name: str
    method: str
    path: str


@dataclass(frozen=True)
class ScheduleEvent:
    name: str
    kind: str  # "ScheduleV2" (EventBridge Scheduler) or "Schedule" (an EventBridge rule)
    expression: str
    timezone: str = "UTC"
    input: str | None = None
    enabled: bool = True
    schedule_name: str = ""


@dataclass(frozen=True)
class EventBridgeRuleEvent:
    """A rule that invokes the function directly; locally it goes rule -> tap queue -> dispatcher."""

    name: str
    bus_name: str
    pattern: Mapping[str, Any]
    input: str | None = None
    input_path: str | None = None
    enabled: bool = True
    tap_queue_name: str = ""


@dataclass(frozen=True)
class DynamoDBEvent:
    """A DynamoDB stream event-source mapping (locally: a GetRecords poller with Lambda's retry rules)."""

    name: str
    stream_arn: str
    starting_position: str = "TRIM_HORIZON"
    batch_size: int = 100
    filters: tuple[Mapping[str, Any], ...] = ()  # FilterCriteria patterns, parsed
    bisect_on_error: bool = False
    maximum_retry_attempts: int = -1  # -1: until the record expires, as on AWS
    report_batch_item_failures: bool = False
    on_failure_queue_logical_id: str | None = None
    enabled: bool = True

    @property
    def table_arn(self) -> str:
        return self.stream_arn.split("/stream/", 1)[0]


FunctionEvent = SqsEvent | HttpApiEvent | ScheduleEvent | EventBridgeRuleEvent | DynamoDBEvent


@dataclass(frozen=True)
class AsyncFailure:
    """A function's ``EventInvokeConfig``: how Lambda retries an asynchronous invocation (a schedule's)
    and where the event goes when every attempt failed (``DestinationConfig.OnFailure``, a queue)."""

    max_retries: int = 2
    max_event_age_seconds: int = 21600
    queue_logical_id: str | None = None


@dataclass(frozen=True)
class Function:
    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str  # "module.func", as in the template
    runtime: str
    timeout: int
    memory_size: int
    env: Mapping[str, str]
    events: tuple[FunctionEvent, ...]
    async_failure: AsyncFailure = AsyncFailure()  # Lambda's defaults: 2 retries, then dropped

    @property
    def module_file(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_dir / (module.replace(".", "/") + ".py")

    @property
    def handler_attribute(self) -> str:
        return self.handler.rpartition(".")[2]


@dataclass(frozen=True)
class Schedule:
    """An ``AWS::Scheduler::Schedule`` resource written out (not a SAM event)."""

    logical_id: str
    name: str
    expression: str
    timezone: str
    target_arn: str
    function_logical_id: str | None
    queue_logical_id: str | None
    input: str | None
    enabled: bool


@dataclass(frozen=True)
class KmsAlias:
    """A KMS key and its alias: the local stack makes the key and names it (functions find it by the alias)."""

    logical_id: str
    name: str  # alias/...
    key_logical_id: str


@dataclass(frozen=True)
class Secret:
    logical_id: str
    name: str
    secret_string: str | None
    #: GenerateSecretString as written in the template (the provisioner generates the value)
    generate: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Parameter:
    logical_id: str
    name: str
    value: str
    type: str


@dataclass(frozen=True)
class Unsupported:
    logical_id: str
    type: str

    @property
    def expected(self) -> bool:
        """True for what the local world does without on purpose (CDN, alarms, logs, IAM, policies...)."""
        return self.type.startswith(NOT_EMULATED_PREFIXES)


@dataclass(frozen=True)
class StackModel:
    template_path: Path
    parameters: Mapping[str, Any]
    conditions: Mapping[str, bool]
    buckets: tuple[Bucket, ...]
    queues: tuple[Queue, ...]
    tables: tuple[Table, ...]
    buses: tuple[EventBus, ...]
    rules: tuple[Rule, ...]
    functions: tuple[Function, ...]
    schedules: tuple[Schedule, ...]
    secrets: tuple[Secret, ...]
    ssm_parameters: tuple[Parameter, ...]
    unsupported: tuple[Unsupported, ...]
    outputs: Mapping[str, Any]
    kms_aliases: tuple[KmsAlias, ...] = ()

    def function(self, logical_id: str) -> Function:
        for fn in self.functions:
            if fn.logical_id == logical_id:
                return fn
        raise KeyError(f"no function {logical_id!r} in {self.template_path.name}")

    def queue(self, logical_id: str) -> Queue:
        for queue in self.queues:
            if queue.logical_id == logical_id:
                return queue
        raise KeyError(f"no queue {logical_id!r} in {self.template_path.name}")

    def bucket(self, logical_id: str) -> Bucket:
        for bucket in self.buckets:
            if bucket.logical_id == logical_id:
                return bucket
        raise KeyError(f"no bucket {logical_id!r} in {self.template_path.name}")

    def table(self, logical_id: str) -> Table:
        for table in self.tables:
            if table.logical_id == logical_id:
                return table
        raise KeyError(f"no table {logical_id!r} in {self.template_path.name}")


# ---------------------------------------------------------------------------------------------
# Resolution
# ---------------------------------------------------------------------------------------------

_NO_VALUE = object()  # AWS::NoValue: the key or item disappears

# Resources the local stack leaves out on purpose. Anything else that is not modelled is listed as
# unsupported too, and the stack warns about it: it may be something a flow depends on.
NOT_EMULATED_PREFIXES = (
    "AWS::CloudFront::",
    "AWS::CloudWatch::",
    "AWS::SNS::",
    "AWS::Logs::",
    "AWS::IAM::",
    "AWS::Lambda::LayerVersion",
    "AWS::Serverless::LayerVersion",
    "AWS::SQS::QueuePolicy",
    "AWS::S3::BucketPolicy",
    "AWS::Serverless::HttpApi",  # the local gateway plays the HTTP API
    "AWS::ApiGatewayV2::",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::Serverless::Api",
    "AWS::ApiGateway::",
)

_SERVICE_OF_TYPE = {
    "AWS::S3::Bucket": "s3",
    "AWS::SQS::Queue": "sqs",
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::Serverless::SimpleTable": "dynamodb",
    "AWS::Events::EventBus": "events",
    "AWS::Events::Rule": "events",
    "AWS::SNS::Topic": "sns",
    "AWS::Serverless::Function": "lambda",
    "AWS::Lambda::Function": "lambda",
    "AWS::SecretsManager::Secret": "secretsmanager",
    "AWS::SSM::Parameter": "ssm",
    "AWS::Scheduler::Schedule": "scheduler",
    "AWS::Logs::LogGroup": "logs",
    "AWS::IAM::Role": "iam",
    "AWS::CloudFront::Distribution": "cloudfront",
}


def _physical(prefix: str, logical_id: str, limit: int = 63) -> str:
    return f"{prefix}-{logical_id}"[:limit]


class _Resolver:
    """Evaluates intrinsic functions against parameters, conditions and local physical names."""

    def __init__(self, template: dict[str, Any], parameters: Mapping[str, Any], endpoint_url: str | None):
        self.template = template
        self.resources: dict[str, dict[str, Any]] = template.get("Resources") or {}
        self.mappings: dict[str, Any] = template.get("Mappings") or {}
        self.endpoint_url = (endpoint_url or f"https://sqs.{REGION}.amazonaws.com").rstrip("/")
        self.parameters = self._parameters(template.get("Parameters") or {}, parameters)
        self._condition_defs: dict[str, Any] = template.get("Conditions") or {}
        self.conditions: dict[str, bool] = {}
        self._resolving_conditions: set[str] = set()
        for name in self._condition_defs:
            self.condition(name)
        self._names: dict[str, str] = {}
        self._naming: set[str] = set()

    # --- parameters and conditions ---

    @staticmethod
    def _parameters(declared: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(overrides) - set(declared)
        if unknown:
            raise TemplateError(f"parameter override for undeclared parameter(s): {sorted(unknown)}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            spec = spec or {}
            if name in overrides:
                value = overrides[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise TemplateError(f"parameter {name!r} has no Default and no override was given")
            allowed = spec.get("AllowedValues")
            if allowed is not None and str(value) not in [str(a) for a in allowed]:
                raise TemplateError(f"parameter {name!r}={value!r} is not one of {allowed}")
            if isinstance(value, str):
                pattern = spec.get("AllowedPattern")
                if pattern is not None and not re.fullmatch(str(pattern), value):
                    hint = f" ({spec['ConstraintDescription']})" if "ConstraintDescription" in spec else ""
                    raise TemplateError(f"parameter {name!r}={value!r} does not match {pattern!r}{hint}")
                if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
                    raise TemplateError(f"parameter {name!r} is longer than {spec['MaxLength']}")
                if "MinLength" in spec and len(value) < int(spec["MinLength"]):
                    raise TemplateError(f"parameter {name!r} is shorter than {spec['MinLength']}")
            ptype = str(spec.get("Type", "String"))
            if ptype == "CommaDelimitedList" or ptype.startswith("List<"):
                if isinstance(value, str):
                    value = [item.strip() for item in value.split(",")] if value else []
            elif ptype == "Number":
                value = str(value)
            elif not isinstance(value, list | dict):
                value = "" if value is None else str(value)
            values[name] = value
        return values

    def condition(self, name: str) -> bool:
        if name in self.conditions:
            return self.conditions[name]
        if name not in self._condition_defs:
            raise TemplateError(f"unknown condition {name!r}")
        if name in self._resolving_conditions:
            raise TemplateError(f"condition {name!r} refers to itself")
        self._resolving_conditions.add(name)
        value = self.resolve(self._condition_defs[name])
        self._resolving_conditions.discard(name)
        if not isinstance(value, bool):
            raise TemplateError(f"condition {name!r} does not evaluate to true/false: {value!r}")
        self.conditions[name] = value
        return value

    def active(self, logical_id: str) -> bool:
        cond = (self.resources.get(logical_id) or {}).get("Condition")
        return True if cond is None else self.condition(cond)

    # --- physical names (what Ref and GetAtt give locally) ---

    def _type(self, logical_id: str) -> str:
        if logical_id not in self.resources:
            raise TemplateError(f"reference to unknown resource or parameter {logical_id!r}")
        return str(self.resources[logical_id].get("Type", ""))

    def _props(self, logical_id: str) -> dict[str, Any]:
        return self.resources[logical_id].get("Properties") or {}

    def name(self, logical_id: str) -> str:
        if logical_id in self._names:
            return self._names[logical_id]
        if logical_id in self._naming:
            raise TemplateError(f"circular reference while naming {logical_id!r}")
        self._naming.add(logical_id)
        try:
            value = self._compute_name(logical_id)
        finally:
            self._naming.discard(logical_id)
        self._names[logical_id] = value
        return value

    def _explicit(self, logical_id: str, prop: str) -> str | None:
        raw = self._props(logical_id).get(prop)
        if raw is None:
            return None
        value = self.resolve(raw)
        return None if value is _NO_VALUE or value is None else str(value)

    def _compute_name(self, logical_id: str) -> str:
        rtype = self._type(logical_id)
        if rtype == "AWS::S3::Bucket":
            return self._explicit(logical_id, "BucketName") or _physical(STACK_NAME, logical_id.lower())
        if rtype == "AWS::SQS::Queue":
            name = self._explicit(logical_id, "QueueName")
            if name:
                return name
            fifo = self.resolve(self._props(logical_id).get("FifoQueue", False))
            return _physical(STACK_NAME, logical_id, 75) + (".fifo" if _truthy(fifo) else "")
        if rtype in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
            return self._explicit(logical_id, "TableName") or _physical(STACK_NAME, logical_id, 255)
        if rtype == "AWS::Events::EventBus":
            return self._explicit(logical_id, "Name") or _physical(STACK_NAME, logical_id)
        if rtype == "AWS::Events::Rule":
            return self._explicit(logical_id, "Name") or _physical(STACK_NAME, logical_id)
        if rtype == "AWS::SNS::Topic":
            return self._explicit(logical_id, "TopicName") or _physical(STACK_NAME, logical_id)
        if rtype in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            return self._explicit(logical_id, "FunctionName") or _physical(STACK_NAME, logical_id)
        if rtype == "AWS::KMS::Alias":
            return self._explicit(logical_id, "AliasName") or f"alias/{_physical(STACK_NAME, logical_id)}"
        if rtype in ("AWS::SecretsManager::Secret", "AWS::SSM::Parameter", "AWS::Scheduler::Schedule",
                     "AWS::Logs::LogGroup"):
            prop = {"AWS::Logs::LogGroup": "LogGroupName"}.get(rtype, "Name")
            return self._explicit(logical_id, prop) or _physical(STACK_NAME, logical_id)
        return _physical(STACK_NAME, logical_id)

    def arn(self, logical_id: str) -> str:
        rtype = self._type(logical_id)
        name = self.name(logical_id)
        if rtype == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{name}"
        if rtype == "AWS::SQS::Queue":
            return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
        if rtype in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
        if rtype == "AWS::Events::EventBus":
            return f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{name}"
        if rtype == "AWS::Events::Rule":
            bus = self.bus_name_of_rule(logical_id)
            suffix = name if bus == "default" else f"{bus}/{name}"
            return f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{suffix}"
        if rtype == "AWS::SNS::Topic":
            return f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{name}"
        if rtype in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
        if rtype == "AWS::SecretsManager::Secret":
            return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{name}"
        if rtype == "AWS::Scheduler::Schedule":
            return f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{name}"
        if rtype == "AWS::Logs::LogGroup":
            return f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}:*"
        if rtype == "AWS::IAM::Role":
            return f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"
        parts = rtype.split("::")
        service = _SERVICE_OF_TYPE.get(rtype) or (parts[1].lower() if len(parts) > 1 else "local")
        return f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{logical_id}"

    def queue_url(self, logical_id: str) -> str:
        return f"{self.endpoint_url}/{ACCOUNT_ID}/{self.name(logical_id)}"

    def bus_name_of_rule(self, logical_id: str) -> str:
        raw = self._props(logical_id).get("EventBusName")
        if raw is None:
            return "default"
        return _bus_name(str(self.resolve(raw)))

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::StackName": STACK_NAME,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{STACK_NAME}/local",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
            "AWS::NotificationARNs": [],
        }
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        rtype = self._type(name)
        if rtype == "AWS::SQS::Queue":
            return self.queue_url(name)
        if rtype in ("AWS::SNS::Topic", "AWS::SecretsManager::Secret"):
            return self.arn(name)
        if rtype in ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api"):
            return f"local{name.lower()}"[:10]
        return self.name(name)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        rtype = self._type(logical_id)
        if attribute == "Arn":
            return self.arn(logical_id)
        if rtype == "AWS::SQS::Queue":
            if attribute == "QueueName":
                return self.name(logical_id)
            if attribute == "QueueUrl":
                return self.queue_url(logical_id)
        if rtype in ("AWS::Events::EventBus", "AWS::Events::Rule") and attribute == "Name":
            return self.name(logical_id)
        if rtype == "AWS::S3::Bucket":
            name = self.name(logical_id)
            if attribute in ("DomainName", "RegionalDomainName", "DualStackDomainName"):
                return f"{name}.s3.{REGION}.amazonaws.com"
            if attribute == "WebsiteURL":
                return f"http://{name}.s3-website.{REGION}.amazonaws.com"
        if rtype in ("AWS::DynamoDB::Table",) and attribute == "StreamArn":
            return f"{self.arn(logical_id)}/stream/local"
        if rtype == "AWS::CloudFront::Distribution" and attribute == "DomainName":
            return PLACEHOLDER_DOMAIN
        if rtype == "AWS::SNS::Topic" and attribute == "TopicName":
            return self.name(logical_id)
        if attribute in ("Name", "Id"):
            return self.name(logical_id)
        return f"{self.name(logical_id)}.{attribute}"

    # --- intrinsic functions ---

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(str(arg))
            if key == "Condition" and isinstance(arg, str):
                return self.condition(arg)
            if key.startswith("Fn::"):
                return self._function(key, arg)
        out: dict[str, Any] = {}
        for key, item in value.items():
            resolved = self.resolve(item)
            if resolved is not _NO_VALUE:
                out[key] = resolved
        return out

    def _function(self, key: str, arg: Any) -> Any:
        if key == "Fn::GetAtt":
            if isinstance(arg, str):
                arg = arg.split(".", 1)
            logical, attribute = self.resolve(arg[0]), self.resolve(arg[1])
            return self.get_att(str(logical), str(attribute))
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::If":
            cond, when_true, when_false = arg
            return self.resolve(when_true if self.condition(cond) else when_false)
        if key == "Fn::Equals":
            left, right = (self.resolve(item) for item in arg)
            return _scalar(left) == _scalar(right)
        if key == "Fn::Not":
            (inner,) = self.resolve(arg)
            return not _as_bool(inner)
        if key == "Fn::And":
            return all(_as_bool(item) for item in self.resolve(arg))
        if key == "Fn::Or":
            return any(_as_bool(item) for item in self.resolve(arg))
        if key == "Fn::Join":
            delimiter, items = arg
            items = self.resolve(items)
            return str(delimiter).join(_scalar(item) for item in items)
        if key == "Fn::Select":
            index, items = self.resolve(arg)
            return items[int(index)]
        if key == "Fn::Split":
            delimiter, source = self.resolve(arg)
            return str(source).split(str(delimiter))
        if key == "Fn::FindInMap":
            name, top, second = (self.resolve(item) for item in arg[:3])
            try:
                return self.mappings[name][top][second]
            except KeyError as err:
                raise TemplateError(f"FindInMap {name}/{top}/{second}: missing {err}") from None
        if key == "Fn::ImportValue":
            return f"import-{self.resolve(arg)}"
        if key == "Fn::Base64":
            return base64.b64encode(str(self.resolve(arg)).encode()).decode()
        if key == "Fn::GetAZs":
            return [f"{REGION}{zone}" for zone in "abc"]
        if key == "Fn::Length":
            return len(self.resolve(arg))
        if key == "Fn::ToJsonString":
            return json.dumps(self.resolve(arg), separators=(",", ":"))
        if key == "Fn::Cidr":
            return ["10.0.0.0/24"]
        raise TemplateError(f"intrinsic function {key} is not supported by the local stack")

    _SUB_RE = re.compile(r"\$\{([^}]*)\}")

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], self.resolve(arg[1] if len(arg) > 1 else {})
        else:
            text, variables = arg, {}

        def replace(match: re.Match[str]) -> str:
            inner = match.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            if inner in variables:
                return _scalar(variables[inner])
            if "." in inner and not inner.startswith("AWS::"):
                logical, attribute = inner.split(".", 1)
                return _scalar(self.get_att(logical, attribute))
            return _scalar(self.ref(inner))

        return self._SUB_RE.sub(replace, str(text))


def _scalar(value: Any) -> str:
    if value is _NO_VALUE:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        raise TemplateError(f"expected a scalar, got {value!r}")
    return str(value)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise TemplateError(f"expected true/false in a condition, got {value!r}")


def _bus_name(value: str) -> str:
    """EventBusName may be a name or an ARN; the local stack always uses the name."""
    return value.rsplit("event-bus/", 1)[1] if "event-bus/" in value else value


# ---------------------------------------------------------------------------------------------
# SAM Globals
# ---------------------------------------------------------------------------------------------


def merge_globals(global_props: Mapping[str, Any], local_props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's rule: maps merge (the resource wins), lists concatenate, scalars are replaced."""
    merged: dict[str, Any] = dict(global_props)
    for key, value in local_props.items():
        if key in merged and isinstance(merged[key], dict) and isinstance(value, dict) \
                and not _is_intrinsic(value) and not _is_intrinsic(merged[key]):
            merged[key] = merge_globals(merged[key], value)
        elif key in merged and isinstance(merged[key], list) and isinstance(value, list):
            merged[key] = list(merged[key]) + list(value)
        else:
            merged[key] = value
    return merged


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)) in ({"Ref", "Condition"} | set(_SHORT_TAGS.values()))


# ---------------------------------------------------------------------------------------------
# Building the model
# ---------------------------------------------------------------------------------------------

KNOWN_EVENT_TYPES = ("SQS", "HttpApi", "Schedule", "ScheduleV2", "EventBridgeRule", "DynamoDB")


def declared_parameters(template_path: str | Path) -> dict[str, Any]:
    """The template's ``Parameters`` section (to choose local values for those without a default)."""
    return dict(load_yaml(Path(template_path).read_text(encoding="utf-8")).get("Parameters") or {})


def load_model(
    template_path: str | Path = "template.yaml",
    parameters: Mapping[str, Any] | None = None,
    endpoint_url: str | None = None,
) -> StackModel:
    """Read ``template_path`` and build the local model.

    ``endpoint_url`` is the moto server's URL: a queue's ``Ref`` (its URL) is built on it, so handlers
    receive exactly the URL moto answers with. ``parameters`` override the template's defaults.
    """
    path = Path(template_path).resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(f"template not found: {path}") from None
    return build_model(load_yaml(text), path, parameters or {}, endpoint_url)


def build_model(
    template: dict[str, Any],
    template_path: Path,
    parameters: Mapping[str, Any],
    endpoint_url: str | None = None,
) -> StackModel:
    resolver = _Resolver(template, parameters, endpoint_url)
    globals_fn = (template.get("Globals") or {}).get("Function") or {}
    base_dir = template_path.parent

    buckets: list[Bucket] = []
    queues: list[Queue] = []
    tables: list[Table] = []
    buses: list[EventBus] = []
    rules: list[Rule] = []
    functions: list[Function] = []
    schedules: list[Schedule] = []
    secrets: list[Secret] = []
    ssm: list[Parameter] = []
    kms_aliases: list[KmsAlias] = []
    unsupported: list[Unsupported] = []

    queue_by_arn: dict[str, str] = {}
    function_by_arn: dict[str, str] = {}
    for logical_id, resource in resolver.resources.items():
        if not resolver.active(logical_id):
            continue
        rtype = resource.get("Type")
        if rtype == "AWS::SQS::Queue":
            queue_by_arn[resolver.arn(logical_id)] = logical_id
        elif rtype in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            function_by_arn[resolver.arn(logical_id)] = logical_id

    for logical_id, resource in resolver.resources.items():
        if not isinstance(resource, dict) or "Type" not in resource:
            raise TemplateError(f"resource {logical_id!r} has no Type")
        if not resolver.active(logical_id):
            continue
        rtype = str(resource["Type"])
        raw_props = resource.get("Properties") or {}
        try:
            if rtype == "AWS::S3::Bucket":
                buckets.append(_bucket(resolver, logical_id, resolver.resolve(raw_props), queue_by_arn))
            elif rtype == "AWS::SQS::Queue":
                queues.append(_queue(resolver, logical_id, resolver.resolve(raw_props), queue_by_arn))
            elif rtype in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
                tables.append(_table(resolver, logical_id, rtype, resolver.resolve(raw_props)))
            elif rtype == "AWS::Events::EventBus":
                buses.append(EventBus(logical_id, resolver.name(logical_id), resolver.arn(logical_id)))
            elif rtype == "AWS::Events::Rule":
                rules.append(_rule(resolver, logical_id, resolver.resolve(raw_props), queue_by_arn))
            elif rtype == "AWS::Serverless::Function":
                props = resolver.resolve(merge_globals(globals_fn, raw_props))
                functions.append(_function(resolver, logical_id, props, base_dir, queue_by_arn))
            elif rtype == "AWS::Scheduler::Schedule":
                schedules.append(_schedule(resolver, logical_id, resolver.resolve(raw_props),
                                           function_by_arn, queue_by_arn))
            elif rtype == "AWS::SecretsManager::Secret":
                props = resolver.resolve(raw_props)
                secrets.append(Secret(logical_id, resolver.name(logical_id), props.get("SecretString"),
                                      props.get("GenerateSecretString")))
            elif rtype == "AWS::KMS::Alias":
                target = raw_props.get("TargetKeyId")
                key_id = target.get("Ref") if isinstance(target, dict) else None
                kms_aliases.append(KmsAlias(logical_id, resolver.name(logical_id), str(key_id or target)))
            elif rtype == "AWS::KMS::Key":
                pass  # made with its alias (KmsAlias)
            elif rtype == "AWS::SSM::Parameter":
                props = resolver.resolve(raw_props)
                ssm.append(Parameter(logical_id, resolver.name(logical_id), str(props.get("Value", "")),
                                     str(props.get("Type", "String"))))
            else:
                unsupported.append(Unsupported(logical_id, rtype))
        except TemplateError as err:
            raise TemplateError(f"{logical_id} ({rtype}): {err}") from None
        except (KeyError, TypeError, ValueError) as err:
            raise TemplateError(f"{logical_id} ({rtype}): cannot read {err!r}") from None

    outputs: dict[str, Any] = {}
    for name, output in (template.get("Outputs") or {}).items():
        cond = (output or {}).get("Condition")
        if cond is not None and not resolver.condition(cond):
            continue
        try:
            outputs[name] = resolver.resolve((output or {}).get("Value"))
        except TemplateError:
            outputs[name] = None

    return StackModel(
        template_path=template_path,
        parameters=dict(resolver.parameters),
        conditions=dict(resolver.conditions),
        buckets=tuple(buckets),
        queues=tuple(_dlqs_first(queues)),
        tables=tuple(tables),
        buses=tuple(buses),
        rules=tuple(rules),
        functions=tuple(functions),
        schedules=tuple(schedules),
        secrets=tuple(secrets),
        ssm_parameters=tuple(ssm),
        unsupported=tuple(unsupported),
        outputs=outputs,
        kms_aliases=tuple(kms_aliases),
    )


def _dlqs_first(queues: list[Queue]) -> list[Queue]:
    """Order queues so that every redrive target comes before the queues that use it."""
    by_id = {queue.logical_id: queue for queue in queues}
    ordered: list[Queue] = []
    seen: set[str] = set()

    def visit(queue: Queue, trail: tuple[str, ...]) -> None:
        if queue.logical_id in seen:
            return
        if queue.logical_id in trail:
            raise TemplateError(f"redrive cycle: {' -> '.join(trail + (queue.logical_id,))}")
        if queue.redrive is not None:
            visit(by_id[queue.redrive.target_logical_id], trail + (queue.logical_id,))
        seen.add(queue.logical_id)
        ordered.append(queue)

    for queue in queues:
        visit(queue, ())
    return ordered


def _queue_id(arn: Any, queue_by_arn: Mapping[str, str], what: str) -> str:
    arn = str(arn)
    if arn in queue_by_arn:
        return queue_by_arn[arn]
    raise TemplateError(f"{what} {arn!r} is not a queue of this template")


def _bucket(r: _Resolver, logical_id: str, props: dict[str, Any], queue_by_arn: Mapping[str, str]) -> Bucket:
    cors_rules = []
    for rule in (props.get("CorsConfiguration") or {}).get("CorsRules") or []:
        converted: dict[str, Any] = {
            "AllowedMethods": list(rule["AllowedMethods"]),
            "AllowedOrigins": list(rule["AllowedOrigins"]),
        }
        if "AllowedHeaders" in rule:
            converted["AllowedHeaders"] = list(rule["AllowedHeaders"])
        if "ExposedHeaders" in rule:
            converted["ExposeHeaders"] = list(rule["ExposedHeaders"])
        if "MaxAge" in rule:
            converted["MaxAgeSeconds"] = int(rule["MaxAge"])
        if "Id" in rule:
            converted["ID"] = str(rule["Id"])
        cors_rules.append(converted)

    notification = props.get("NotificationConfiguration") or {}
    notes = []
    for config in notification.get("QueueConfigurations") or []:
        prefix = suffix = None
        for filter_rule in ((config.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []:
            if str(filter_rule["Name"]).lower() == "prefix":
                prefix = str(filter_rule["Value"])
            elif str(filter_rule["Name"]).lower() == "suffix":
                suffix = str(filter_rule["Value"])
        events = config.get("Event") or config.get("Events")
        events = (events,) if isinstance(events, str) else tuple(events)
        queue_arn = str(config["Queue"])
        notes.append(QueueNotification(_queue_id(queue_arn, queue_by_arn, "notification queue"),
                                       queue_arn, events, prefix, suffix))
    for kind in ("LambdaConfigurations", "TopicConfigurations"):
        if notification.get(kind):
            raise TemplateError(f"bucket {kind} are not emulated locally (use a queue notification)")
    eventbridge = _truthy((notification.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled", False))
    versioned = str((props.get("VersioningConfiguration") or {}).get("Status", "")) == "Enabled"
    return Bucket(logical_id, r.name(logical_id), r.arn(logical_id), tuple(cors_rules), tuple(notes), eventbridge,
                  versioned, object_lock=_truthy(props.get("ObjectLockEnabled", False)))


_QUEUE_PASSTHROUGH = {
    "DelaySeconds": "DelaySeconds",
    "MaximumMessageSize": "MaximumMessageSize",
    "MessageRetentionPeriod": "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "DeduplicationScope": "DeduplicationScope",
    "FifoThroughputLimit": "FifoThroughputLimit",
}


def _queue(r: _Resolver, logical_id: str, props: dict[str, Any], queue_by_arn: Mapping[str, str]) -> Queue:
    redrive = None
    policy = props.get("RedrivePolicy")
    if isinstance(policy, str):
        policy = json.loads(policy)
    if policy:
        target = str(policy["deadLetterTargetArn"])
        redrive = Redrive(_queue_id(target, queue_by_arn, "dead-letter target"), target,
                          int(policy["maxReceiveCount"]))
    attributes = {attr: str(props[prop]) for prop, attr in _QUEUE_PASSTHROUGH.items() if prop in props}
    return Queue(
        logical_id=logical_id,
        name=r.name(logical_id),
        url=r.queue_url(logical_id),
        arn=r.arn(logical_id),
        visibility_timeout=int(props.get("VisibilityTimeout", 30)),
        redrive=redrive,
        fifo=_truthy(props.get("FifoQueue", False)),
        content_based_deduplication=_truthy(props.get("ContentBasedDeduplication", False)),
        attributes=attributes,
    )


def _table(r: _Resolver, logical_id: str, rtype: str, props: dict[str, Any]) -> Table:
    if rtype == "AWS::Serverless::SimpleTable":
        key = props.get("PrimaryKey") or {"Name": "id", "Type": "String"}
        short = {"String": "S", "Number": "N", "Binary": "B"}[key["Type"]]
        return Table(logical_id, r.name(logical_id), r.arn(logical_id),
                     ({"AttributeName": key["Name"], "AttributeType": short},),
                     ({"AttributeName": key["Name"], "KeyType": "HASH"},))
    ttl = props.get("TimeToLiveSpecification") or {}
    stream = props.get("StreamSpecification") or {}
    return Table(
        logical_id=logical_id,
        name=r.name(logical_id),
        arn=r.arn(logical_id),
        attribute_definitions=tuple(props["AttributeDefinitions"]),
        key_schema=tuple(props["KeySchema"]),
        global_secondary_indexes=tuple(props.get("GlobalSecondaryIndexes") or ()),
        local_secondary_indexes=tuple(props.get("LocalSecondaryIndexes") or ()),
        ttl_attribute=str(ttl["AttributeName"]) if _truthy(ttl.get("Enabled", False)) else None,
        stream_view_type=stream.get("StreamViewType"),
    )


def _pattern(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return json.loads(value) if isinstance(value, str) else dict(value)


def _rule(r: _Resolver, logical_id: str, props: dict[str, Any], queue_by_arn: Mapping[str, str]) -> Rule:
    targets = []
    for target in props.get("Targets") or []:
        arn = str(target["Arn"])
        targets.append(RuleTarget(
            id=str(target["Id"]),
            arn=arn,
            queue_logical_id=queue_by_arn.get(arn),
            input=target.get("Input"),
            input_path=target.get("InputPath"),
            input_transformer=target.get("InputTransformer"),
            message_group_id=(target.get("SqsParameters") or {}).get("MessageGroupId"),
        ))
    return Rule(
        logical_id=logical_id,
        name=r.name(logical_id),
        bus_name=r.bus_name_of_rule(logical_id),
        pattern=_pattern(props.get("EventPattern")),
        schedule_expression=props.get("ScheduleExpression"),
        enabled=str(props.get("State", "ENABLED")).upper() == "ENABLED",
        targets=tuple(targets),
    )


def _schedule(r: _Resolver, logical_id: str, props: dict[str, Any], function_by_arn: Mapping[str, str],
              queue_by_arn: Mapping[str, str]) -> Schedule:
    target = props.get("Target") or {}
    arn = str(target.get("Arn", ""))
    return Schedule(
        logical_id=logical_id,
        name=r.name(logical_id),
        expression=str(props["ScheduleExpression"]),
        timezone=str(props.get("ScheduleExpressionTimezone") or "UTC"),
        target_arn=arn,
        function_logical_id=function_by_arn.get(arn),
        queue_logical_id=queue_by_arn.get(arn),
        input=target.get("Input"),
        enabled=str(props.get("State", "ENABLED")).upper() == "ENABLED",
    )


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        raise TemplateError(f"environment values must be strings, got {value!r}")
    return "" if value is None else str(value)


def _async_failure(config: Any, queue_by_arn: Mapping[str, str]) -> AsyncFailure:
    if not config:
        return AsyncFailure()
    destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {})
    queue_id = None
    if destination:
        if str(destination.get("Type", "SQS")) != "SQS":
            raise TemplateError(f"OnFailure destination type {destination.get('Type')!r} is not emulated (use SQS)")
        queue_id = _queue_id(str(destination["Destination"]), queue_by_arn, "OnFailure destination")
    return AsyncFailure(max_retries=int(config.get("MaximumRetryAttempts", 2)),
                        max_event_age_seconds=int(config.get("MaximumEventAgeInSeconds", 21600)),
                        queue_logical_id=queue_id)


def _function(r: _Resolver, logical_id: str, props: dict[str, Any], base_dir: Path,
              queue_by_arn: Mapping[str, str]) -> Function:
    code_uri = props.get("CodeUri")
    if code_uri is None:
        raise TemplateError("CodeUri is required (InlineCode is not emulated)")
    if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
        raise TemplateError(f"CodeUri must be a local folder, got {code_uri!r}")
    code_dir = (base_dir / code_uri).resolve()
    handler = props.get("Handler")
    if not handler or "." not in str(handler):
        raise TemplateError(f"Handler must look like 'module.function', got {handler!r}")
    runtime = str(props.get("Runtime", ""))
    if runtime and not runtime.startswith("python3"):
        raise TemplateError(f"runtime {runtime!r}: the local stack runs Python handlers only")
    env = {str(k): _env_value(v) for k, v in ((props.get("Environment") or {}).get("Variables") or {}).items()}

    events: list[FunctionEvent] = []
    for event_name, event in (props.get("Events") or {}).items():
        etype = (event or {}).get("Type")
        eprops = (event or {}).get("Properties") or {}
        if etype == "SQS":
            queue_arn = str(eprops["Queue"])
            types = eprops.get("FunctionResponseTypes") or []
            events.append(SqsEvent(
                name=event_name,
                queue_logical_id=_queue_id(queue_arn, queue_by_arn, f"event {event_name}: queue"),
                queue_arn=queue_arn,
                batch_size=int(eprops.get("BatchSize", 10)),
                report_batch_item_failures="ReportBatchItemFailures" in types,
                enabled=_truthy(eprops.get("Enabled", True)),
            ))
        elif etype == "HttpApi":
            method = str(eprops.get("Method", "ANY")).upper()
            path = str(eprops.get("Path", "$default"))
            events.append(HttpApiEvent(event_name, "ANY" if method in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD")
                                       else method, path))
        elif etype in ("Schedule", "ScheduleV2"):
            expression = eprops.get("ScheduleExpression" if etype == "ScheduleV2" else "Schedule")
            if not expression:
                raise TemplateError(f"event {event_name}: no schedule expression")
            state = eprops.get("State")
            enabled = _truthy(eprops.get("Enabled", True)) if state is None else str(state).upper() == "ENABLED"
            default_name = f"{r.name(logical_id)}-{event_name}"[:64]
            events.append(ScheduleEvent(
                name=event_name,
                kind=etype,
                expression=str(expression),
                timezone=str(eprops.get("ScheduleExpressionTimezone") or "UTC") if etype == "ScheduleV2" else "UTC",
                input=eprops.get("Input"),
                enabled=enabled,
                schedule_name=str(eprops.get("Name") or default_name),
            ))
        elif etype == "EventBridgeRule":
            pattern = _pattern(eprops.get("Pattern"))
            if pattern is None:
                raise TemplateError(f"event {event_name}: EventBridgeRule needs a Pattern")
            state = eprops.get("State")
            events.append(EventBridgeRuleEvent(
                name=event_name,
                bus_name=_bus_name(str(eprops.get("EventBusName") or "default")),
                pattern=pattern,
                input=eprops.get("Input"),
                input_path=eprops.get("InputPath"),
                enabled=state is None or str(state).upper() == "ENABLED",
                tap_queue_name=f"{STACK_NAME}-tap-{logical_id}-{event_name}"[:80],
            ))
        elif etype == "DynamoDB":
            types = eprops.get("FunctionResponseTypes") or []
            filters = tuple(json.loads(f["Pattern"]) if isinstance(f.get("Pattern"), str) else dict(f["Pattern"])
                            for f in ((eprops.get("FilterCriteria") or {}).get("Filters") or []))
            on_failure = ((eprops.get("DestinationConfig") or {}).get("OnFailure") or {})
            failure_queue = None
            if on_failure:
                if str(on_failure.get("Type", "SQS")) != "SQS":
                    raise TemplateError(f"event {event_name}: only an SQS OnFailure destination is emulated")
                failure_queue = _queue_id(str(on_failure["Destination"]), queue_by_arn,
                                          f"event {event_name}: OnFailure destination")
            events.append(DynamoDBEvent(
                name=event_name,
                stream_arn=str(eprops["Stream"]),
                starting_position=str(eprops.get("StartingPosition", "TRIM_HORIZON")),
                batch_size=int(eprops.get("BatchSize", 100)),
                filters=filters,
                bisect_on_error=_truthy(eprops.get("BisectBatchOnFunctionError", False)),
                maximum_retry_attempts=int(eprops.get("MaximumRetryAttempts", -1)),
                report_batch_item_failures="ReportBatchItemFailures" in types,
                on_failure_queue_logical_id=failure_queue,
                enabled=_truthy(eprops.get("Enabled", True)),
            ))
        else:
            raise TemplateError(
                f"event {event_name}: type {etype!r} is not emulated by the local stack "
                f"(supported: {', '.join(KNOWN_EVENT_TYPES)})")

    return Function(
        async_failure=_async_failure(props.get("EventInvokeConfig"), queue_by_arn),
        logical_id=logical_id,
        name=r.name(logical_id),
        arn=r.arn(logical_id),
        code_dir=code_dir,
        handler=str(handler),
        runtime=runtime,
        timeout=int(props.get("Timeout", 3)),
        memory_size=int(props.get("MemorySize", 128)),
        env=env,
        events=tuple(events),
    )
