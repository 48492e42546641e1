"""Create the template's resources in moto with plain boto3.

Never moto CloudFormation (it drops bucket notifications, TTL, queue policies, the HTTP API and
schedules) and never moto Lambda (it needs Docker and steals SQS receives): see moto-notes.
Calls are idempotent enough to run twice against the same server.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from .template import (
    ACCOUNT_ID,
    REGION,
    Bucket,
    EventBridgeRuleEvent,
    Queue,
    Rule,
    StackModel,
    Table,
)

log = logging.getLogger("kabar_local.provision")

TAP_MAX_RECEIVE_COUNT = 3  # an asynchronous Lambda invoke: the first try and two retries


@dataclass
class Provisioned:
    """What was created, by kind (names or URLs), for logs and tests."""

    queues: dict[str, str] = field(default_factory=dict)  # logical id -> URL
    buckets: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    buses: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    tap_queues: dict[str, str] = field(default_factory=dict)  # "<function>.<event>" -> URL
    ses_domains: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    ssm_parameters: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


_SESSION_LOCK = threading.RLock()
_SESSIONS: dict[str, Any] = {}


def local_session(region: str = REGION) -> Any:
    """One boto3 session per region for the stack's own clients (a new session re-reads botocore's
    data files, ~0.1 s per client)."""
    with _SESSION_LOCK:
        if region not in _SESSIONS:
            import boto3

            _SESSIONS[region] = boto3.session.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing",  # noqa: S106 - moto's fake keys
                region_name=region)
        return _SESSIONS[region]


class Clients:
    """boto3 clients for the moto endpoint, created on first use."""

    def __init__(self, endpoint_url: str, region: str = REGION) -> None:
        self._session = local_session(region)
        self.endpoint_url = endpoint_url
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._clients:
            with _SESSION_LOCK:  # sessions are not thread-safe while creating clients
                self._clients[service] = self._session.client(service, endpoint_url=self.endpoint_url)
        return self._clients[service]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


def provision(model: StackModel, endpoint_url: str, mail_from: str | None = None,
              region: str = REGION) -> Provisioned:
    """Create everything ``model`` describes. ``mail_from`` (KABAR_MAIL_FROM) gets an SES identity."""
    clients = Clients(endpoint_url, region)
    done = Provisioned()
    try:
        for queue in model.queues:
            done.queues[queue.logical_id] = _queue(clients("sqs"), queue)
        for bucket in model.buckets:
            _bucket(clients("s3"), bucket, model, region)
            done.buckets.append(bucket.name)
        for table in model.tables:
            _table(clients("dynamodb"), table)
            done.tables.append(table.name)
        for bus in model.buses:
            _bus(clients("events"), bus.name)
            done.buses.append(bus.name)
        for rule in model.rules:
            if _rule(clients("events"), rule, model, done):
                done.rules.append(rule.name)
        for fn in model.functions:
            for ev in fn.events:
                if isinstance(ev, EventBridgeRuleEvent) and ev.enabled:
                    done.tap_queues[f"{fn.logical_id}.{ev.name}"] = _tap(clients, fn.logical_id, ev)
        for secret in model.secrets:
            if secret.generate is not None:
                _generated_secret(clients("secretsmanager"), secret.name, secret.generate)
            else:
                _secret(clients("secretsmanager"), secret.name, secret.secret_string or "{}")
            done.secrets.append(secret.name)
        for alias in getattr(model, "kms_aliases", ()):
            _kms_alias(clients("kms"), alias.name)
        for param in model.ssm_parameters:
            clients("ssm").put_parameter(Name=param.name, Value=param.value or "-", Type=param.type, Overwrite=True)
            done.ssm_parameters.append(param.name)
        if mail_from:
            domain = mail_domain(mail_from)
            if not _ses_has(clients, domain):
                clients("sesv2").create_email_identity(EmailIdentity=domain)
            clients("ses").verify_domain_identity(Domain=domain)
            done.ses_domains.append(domain)
        done.skipped = [f"{u.logical_id} ({u.type})" for u in model.unsupported]
    finally:
        clients.close()
    return done


def mail_domain(mail_from: str) -> str:
    """``"Kabar <noreply@kabar.example>"`` -> ``kabar.example``."""
    address = parseaddr(mail_from)[1] or mail_from
    if "@" not in address:
        raise ValueError(f"KABAR_MAIL_FROM is not an email address: {mail_from!r}")
    return address.rsplit("@", 1)[1].strip().lower()


def _ses_has(clients: Clients, domain: str) -> bool:
    names = clients("sesv2").list_email_identities().get("EmailIdentities", [])
    return any(item.get("IdentityName") == domain for item in names)


def _queue(sqs: Any, queue: Queue) -> str:
    attributes: dict[str, str] = {"VisibilityTimeout": str(queue.visibility_timeout), **queue.attributes}
    if queue.fifo:
        attributes["FifoQueue"] = "true"
        if queue.content_based_deduplication:
            attributes["ContentBasedDeduplication"] = "true"
    if queue.redrive is not None:
        attributes["RedrivePolicy"] = json.dumps({
            "deadLetterTargetArn": queue.redrive.target_arn,
            "maxReceiveCount": queue.redrive.max_receive_count,
        })
    url = sqs.create_queue(QueueName=queue.name, Attributes=attributes)["QueueUrl"]
    if url != queue.url:
        log.warning("queue %s: moto answered %s, the template model says %s", queue.logical_id, url, queue.url)
    return url


def _bucket(s3: Any, bucket: Bucket, model: StackModel, region: str) -> None:
    try:
        s3.create_bucket(Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": region},
                         **({"ObjectLockEnabledForBucket": True} if bucket.object_lock else {}))
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    if bucket.versioned:
        s3.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
    if bucket.cors_rules:
        s3.put_bucket_cors(Bucket=bucket.name, CORSConfiguration={"CORSRules": list(bucket.cors_rules)})
    if bucket.notifications or bucket.eventbridge:
        config: dict[str, Any] = {}
        if bucket.notifications:
            config["QueueConfigurations"] = []
            for note in bucket.notifications:
                entry: dict[str, Any] = {"QueueArn": model.queue(note.queue_logical_id).arn,
                                         "Events": list(note.events)}
                rules = [{"Name": name, "Value": value}
                         for name, value in (("prefix", note.prefix), ("suffix", note.suffix)) if value is not None]
                if rules:
                    entry["Filter"] = {"Key": {"FilterRules": rules}}
                config["QueueConfigurations"].append(entry)
        if bucket.eventbridge:
            config["EventBridgeConfiguration"] = {}
        # This enqueues an s3:TestEvent, as AWS does; handlers must ignore it (moto-notes 3).
        s3.put_bucket_notification_configuration(Bucket=bucket.name, NotificationConfiguration=config)


def _table(dynamodb: Any, table: Table) -> None:
    kwargs: dict[str, Any] = {
        "TableName": table.name,
        "AttributeDefinitions": list(table.attribute_definitions),
        "KeySchema": list(table.key_schema),
        "BillingMode": "PAY_PER_REQUEST",
    }
    if table.global_secondary_indexes:
        kwargs["GlobalSecondaryIndexes"] = [
            {k: v for k, v in index.items() if k in ("IndexName", "KeySchema", "Projection")}
            for index in table.global_secondary_indexes]
    if table.local_secondary_indexes:
        kwargs["LocalSecondaryIndexes"] = [
            {k: v for k, v in index.items() if k in ("IndexName", "KeySchema", "Projection")}
            for index in table.local_secondary_indexes]
    if table.stream_view_type:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": table.stream_view_type}
    try:
        dynamodb.create_table(**kwargs)
    except dynamodb.exceptions.ResourceInUseException:
        pass
    if table.ttl_attribute:
        # moto stores the setting but never expires items (moto-notes 6): code filters on expiry itself.
        dynamodb.update_time_to_live(TableName=table.name, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": table.ttl_attribute})


def _bus(events: Any, name: str) -> None:
    if name == "default":
        return
    try:
        events.create_event_bus(Name=name)
    except events.exceptions.ResourceAlreadyExistsException:
        pass


def _rule(events: Any, rule: Rule, model: StackModel, done: Provisioned) -> bool:
    if not rule.enabled:
        # moto delivers through DISABLED rules (moto-notes 4), so a disabled rule is not created at all
        done.skipped.append(f"{rule.logical_id} (DISABLED rule)")
        return False
    if rule.pattern is None:
        done.skipped.append(f"{rule.logical_id} (schedule rule {rule.schedule_expression}: no pattern)")
        return False
    events.put_rule(Name=rule.name, EventBusName=rule.bus_name, EventPattern=json.dumps(rule.pattern),
                    State="ENABLED")
    targets = []
    for target in rule.targets:
        if target.queue_logical_id is None:
            # moto answers HTTP 500 on Lambda/SNS/Step Functions targets (moto-notes 4)
            done.skipped.append(f"{rule.logical_id} target {target.id} ({target.arn}): not a queue of the template")
            continue
        entry: dict[str, Any] = {"Id": target.id, "Arn": model.queue(target.queue_logical_id).arn}
        if target.input is not None:
            entry["Input"] = target.input
        if target.input_path is not None:
            entry["InputPath"] = target.input_path
        if target.input_transformer is not None:
            entry["InputTransformer"] = dict(target.input_transformer)
        if target.message_group_id is not None:
            entry["SqsParameters"] = {"MessageGroupId": target.message_group_id}
        targets.append(entry)
    if targets:
        events.put_targets(Rule=rule.name, EventBusName=rule.bus_name, Targets=targets)
    return True


def _tap(clients: Clients, function_id: str, ev: EventBridgeRuleEvent) -> str:
    """A function's EventBridgeRule event: rule -> tap queue (with its own DLQ), polled by the dispatcher."""
    sqs = clients("sqs")
    dlq_name = f"{ev.tap_queue_name[:76]}-dlq"
    sqs.create_queue(QueueName=dlq_name)
    dlq_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{dlq_name}"
    url = sqs.create_queue(QueueName=ev.tap_queue_name, Attributes={
        "VisibilityTimeout": "60",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": TAP_MAX_RECEIVE_COUNT}),
    })["QueueUrl"]
    events = clients("events")
    rule_name = f"{ev.tap_queue_name}"[:64]
    _bus(events, ev.bus_name)
    events.put_rule(Name=rule_name, EventBusName=ev.bus_name, EventPattern=json.dumps(ev.pattern), State="ENABLED")
    events.put_targets(Rule=rule_name, EventBusName=ev.bus_name, Targets=[
        {"Id": "tap", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{ev.tap_queue_name}"}])
    log.debug("tap queue for %s.%s: %s", function_id, ev.name, url)
    return url


def _kms_alias(kms: Any, alias: str) -> None:
    """A symmetric key under ``alias`` (kept when the alias exists: moto's keys have random ids)."""
    try:
        kms.describe_key(KeyId=alias)
        return
    except kms.exceptions.NotFoundException:
        pass
    key = kms.create_key(Description=f"local: {alias}")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=key)


def _secret(secrets: Any, name: str, value: str) -> None:
    try:
        secrets.create_secret(Name=name, SecretString=value)
    except secrets.exceptions.ResourceExistsException:
        secrets.put_secret_value(SecretId=name, SecretString=value)


#: GenerateSecretString properties that GetRandomPassword takes under the same names
_PASSWORD_OPTIONS = ("PasswordLength", "ExcludeCharacters", "ExcludeNumbers", "ExcludePunctuation",
                     "ExcludeUppercase", "ExcludeLowercase", "IncludeSpace", "RequireEachIncludedType")


def generated_value(secrets: Any, generate: Any) -> str:
    """What CloudFormation stores for a GenerateSecretString: a random password, or the JSON
    SecretStringTemplate with the password under GenerateStringKey."""
    options = {k: generate[k] for k in _PASSWORD_OPTIONS if k in generate}
    for key in ("ExcludeNumbers", "ExcludePunctuation", "ExcludeUppercase", "ExcludeLowercase", "IncludeSpace",
                "RequireEachIncludedType"):
        if key in options:
            options[key] = str(options[key]).lower() == "true"
    if "PasswordLength" in options:
        options["PasswordLength"] = int(options["PasswordLength"])
    password = secrets.get_random_password(**options)["RandomPassword"]
    template, key = generate.get("SecretStringTemplate"), generate.get("GenerateStringKey")
    if template is None or key is None:
        return password
    document = json.loads(template)
    document[key] = password
    return json.dumps(document)


def _generated_secret(secrets: Any, name: str, generate: Any) -> None:
    # Like CloudFormation: generated once; provisioning again keeps the value (links stay valid).
    try:
        secrets.create_secret(Name=name, SecretString=generated_value(secrets, generate))
    except secrets.exceptions.ResourceExistsException:
        pass


def create_secret(endpoint_url: str, name: str, value: str, region: str = REGION, *, replace: bool = True) -> bool:
    """Store ``value`` under ``name``; with ``replace=False`` an existing secret is kept as it is.
    True when ``value`` was stored."""
    clients = Clients(endpoint_url, region)
    try:
        secrets = clients("secretsmanager")
        if not replace:
            try:
                secrets.create_secret(Name=name, SecretString=value)
            except secrets.exceptions.ResourceExistsException:
                return False
            return True
        _secret(secrets, name, value)
        return True
    finally:
        clients.close()
