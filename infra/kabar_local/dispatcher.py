"""The dispatcher: what Lambda's event-source mappings, EventBridge and the Scheduler do in the cloud.

- **SQS events**: one poller thread per (function, queue) with Lambda's batch semantics: the handler
  gets up to ``BatchSize`` records; successes are deleted; failures (the ``batchItemFailures`` a
  function reports, or the whole batch when it raises or does not report) stay on the queue and come
  back after the visibility timeout (``retry_delay_seconds`` shortens it for tests and the demo).
  moto itself moves a message to the DLQ after ``maxReceiveCount`` receives.
- **EventBridgeRule events**: the rule targets a *tap queue* (moto cannot call Python), polled here;
  each event is one invocation, as an asynchronous Lambda invoke would be.
- **DynamoDB streams**: one GetRecords poller per stream mapping with Lambda's rules: the mapping's
  filter patterns, batches in order, ``batchItemFailures`` checkpointing up to the first failed record,
  a failing batch bisected and retried up to ``MaximumRetryAttempts``, then a failure record (the
  batch's shard and sequence numbers, as Lambda writes it) sent to the ``OnFailure`` queue.
- **Schedules**: AWS ``cron()``/``rate()``/``at()`` evaluated in the schedule's time zone; a clock
  thread (off unless asked) fires them when due, and :meth:`Dispatcher.fire` fires one now. A
  scheduled run is an asynchronous invocation (:meth:`Dispatcher.invoke_async`): retried as the
  function's ``EventInvokeConfig`` says, then sent to its ``OnFailure`` queue, with an error line.
"""

from __future__ import annotations

import base64
import calendar
import json
import logging
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .lambda_runtime import LambdaRuntime
from .provision import _SESSION_LOCK, local_session
from .template import (
    ACCOUNT_ID,
    REGION,
    DynamoDBEvent,
    EventBridgeRuleEvent,
    ScheduleEvent,
    SqsEvent,
    StackModel,
)

log = logging.getLogger("kabar_local.dispatcher")

# ---------------------------------------------------------------------------------------------
# Schedule expressions
# ---------------------------------------------------------------------------------------------

_MONTHS = {name: i for i, name in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
_DAYS = {name: i for i, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}


class ScheduleExpressionError(ValueError):
    pass


def _parse_set(text: str, low: int, high: int, names: Mapping[str, int] | None = None,
               what: str = "field") -> frozenset[int]:
    """``*``, ``a``, ``a-b`` (wrapping), ``*/s``, ``a/s``, ``a-b/s`` and comma lists of them."""
    values: set[int] = set()

    def number(token: str) -> int:
        token = token.strip().upper()
        if names and token in names:
            return names[token]
        if not token.isdigit():
            raise ScheduleExpressionError(f"{what}: {token!r} is not a number or a name")
        value = int(token)
        if not low <= value <= high:
            raise ScheduleExpressionError(f"{what}: {value} is outside {low}-{high}")
        return value

    for item in text.split(","):
        if not item:
            raise ScheduleExpressionError(f"{what}: empty list item in {text!r}")
        base, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ScheduleExpressionError(f"{what}: bad step {step_text!r}")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            start, end = number(a), number(b)
        else:
            start = number(base)
            end = high if step_text else start
        if start <= end:
            span = list(range(start, end + 1))
        else:  # a wrapping range such as FRI-MON or 22-2
            span = list(range(start, high + 1)) + list(range(low, end + 1))
        values.update(span[::step])
    return frozenset(values)


@dataclass(frozen=True)
class CronExpression:
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int] | None
    dom_any: bool
    dom_days: frozenset[int] = frozenset()
    dom_last: bool = False  # L
    dom_last_offset: int = 0  # L-3
    dom_last_weekday: bool = False  # LW
    dom_nearest_weekday: frozenset[int] = frozenset()  # 15W
    dow_any: bool = True
    dow_days: frozenset[int] = frozenset()  # 1=SUN .. 7=SAT
    dow_last: frozenset[int] = frozenset()  # 5L: last Thursday
    dow_nth: frozenset[tuple[int, int]] = frozenset()  # 3#2: second Tuesday

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        last = calendar.monthrange(day.year, day.month)[1]
        if not self.dom_any:
            ok = day.day in self.dom_days
            ok = ok or (self.dom_last and day.day == last - self.dom_last_offset)
            ok = ok or (self.dom_last_weekday and day == _nearest_weekday(day.year, day.month, last))
            ok = ok or any(day == _nearest_weekday(day.year, day.month, n) for n in self.dom_nearest_weekday)
            if not ok:
                return False
        if not self.dow_any:
            aws_dow = (day.isoweekday() % 7) + 1  # Monday=1 -> 2, Sunday=7 -> 1
            ok = aws_dow in self.dow_days
            ok = ok or (aws_dow in self.dow_last and day.day + 7 > last)
            ok = ok or any(aws_dow == d and (day.day - 1) // 7 + 1 == n for d, n in self.dow_nth)
            if not ok:
                return False
        return True


def _nearest_weekday(year: int, month: int, dom: int) -> date | None:
    last = calendar.monthrange(year, month)[1]
    if dom > last:
        return None
    target = date(year, month, dom)
    if target.weekday() == 5:  # Saturday -> Friday, unless that leaves the month
        return target - timedelta(days=1) if dom > 1 else target + timedelta(days=2)
    if target.weekday() == 6:  # Sunday -> Monday, unless that leaves the month
        return target + timedelta(days=1) if dom < last else target - timedelta(days=2)
    return target


def parse_cron(body: str) -> CronExpression:
    """The six fields inside ``cron(...)``: minutes hours day-of-month month day-of-week year."""
    fields = body.split()
    if len(fields) != 6:
        raise ScheduleExpressionError(f"cron needs 6 fields (min hour dom month dow year), got {len(fields)}: {body!r}")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError("cron: exactly one of day-of-month and day-of-week must be '?'")
    kwargs: dict[str, Any] = {
        "minutes": _parse_set(minute, 0, 59, what="minutes"),
        "hours": _parse_set(hour, 0, 23, what="hours"),
        "months": _parse_set(month, 1, 12, _MONTHS, what="month"),
        "years": None if year == "*" else _parse_set(year, 1970, 2199, what="year"),
        "dom_any": dom in ("?", "*"),
        "dow_any": dow in ("?", "*"),
    }
    if not kwargs["dom_any"]:
        days: set[int] = set()
        nearest: set[int] = set()
        for item in dom.split(","):
            upper = item.upper()
            if upper == "L":
                kwargs["dom_last"] = True
            elif re.fullmatch(r"L-\d+", upper):
                kwargs["dom_last"] = True
                kwargs["dom_last_offset"] = int(upper[2:])
            elif upper == "LW":
                kwargs["dom_last_weekday"] = True
            elif re.fullmatch(r"\d+W", upper):
                value = int(upper[:-1])
                if not 1 <= value <= 31:
                    raise ScheduleExpressionError(f"day-of-month: {item!r} is outside 1-31")
                nearest.add(value)
            else:
                days.update(_parse_set(item, 1, 31, what="day-of-month"))
        kwargs["dom_days"], kwargs["dom_nearest_weekday"] = frozenset(days), frozenset(nearest)
    if not kwargs["dow_any"]:
        days = set()
        last: set[int] = set()
        nth: set[tuple[int, int]] = set()
        for item in dow.split(","):
            upper = item.upper()
            if upper == "L":
                days.add(7)  # "L" alone in day-of-week is the last day of the week: Saturday
            elif upper.endswith("L"):
                last.update(_parse_set(upper[:-1], 1, 7, _DAYS, what="day-of-week"))
            elif "#" in upper:
                day_text, n_text = upper.split("#", 1)
                if not n_text.isdigit() or not 1 <= int(n_text) <= 5:
                    raise ScheduleExpressionError(f"day-of-week: bad '#' in {item!r}")
                for d in _parse_set(day_text, 1, 7, _DAYS, what="day-of-week"):
                    nth.add((d, int(n_text)))
            else:
                days.update(_parse_set(item, 1, 7, _DAYS, what="day-of-week"))
        kwargs["dow_days"], kwargs["dow_last"], kwargs["dow_nth"] = frozenset(days), frozenset(last), frozenset(nth)
    return CronExpression(**kwargs)


_RATE_RE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


def parse_rate(expression: str) -> timedelta:
    match = _RATE_RE.match(expression.strip())
    if not match:
        raise ScheduleExpressionError(f"not a rate expression: {expression!r}")
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        raise ScheduleExpressionError("rate: the value must be positive")
    if (value == 1) != (not unit.endswith("s")):
        raise ScheduleExpressionError(f"rate: use '1 {unit.rstrip('s')}' or 'N {unit.rstrip('s')}s' (AWS is strict)")
    return timedelta(seconds=value * _UNITS[unit.rstrip("s")])


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleExpressionError(f"unknown time zone {tz!r}") from None


def validate_expression(expression: str, tz: str = "UTC") -> None:
    """Raise :class:`ScheduleExpressionError` when AWS would reject the expression or the zone."""
    next_fire_time(expression, tz, datetime(2026, 1, 1, tzinfo=UTC))


def next_fire_time(expression: str, tz: str | ZoneInfo, after: datetime,
                   anchor: datetime | None = None) -> datetime | None:
    """The first time strictly after ``after`` at which the schedule fires, in ``tz`` (aware).

    ``rate()`` schedules count from ``anchor`` (when the schedule was created; default ``after``).
    ``None`` means it never fires again (a past ``at()``, or a cron whose years are over).
    """
    zone = _zone(tz)
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    expression = expression.strip()
    if expression.startswith("rate("):
        period = parse_rate(expression)
        start = anchor or after
        if start > after:
            return start.astimezone(zone)
        steps = int((after - start) / period) + 1
        return (start + steps * period).astimezone(zone)
    if expression.startswith("at(") and expression.endswith(")"):
        try:
            when = datetime.fromisoformat(expression[3:-1]).replace(tzinfo=zone)
        except ValueError:
            raise ScheduleExpressionError(f"at(): expected yyyy-mm-ddThh:mm:ss, got {expression!r}") from None
        return when if when > after else None
    if not (expression.startswith("cron(") and expression.endswith(")")):
        raise ScheduleExpressionError(f"not a cron(), rate() or at() expression: {expression!r}")
    cron = parse_cron(expression[5:-1])
    local_after = after.astimezone(zone)
    day = local_after.date()
    hours = sorted(cron.hours)
    minutes = sorted(cron.minutes)
    last_year = max(cron.years) if cron.years else day.year + 30
    while day.year <= last_year:
        if cron.matches_day(day):
            for hour in hours:
                for minute in minutes:
                    candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                    if candidate > local_after:
                        return candidate
        day += timedelta(days=1)
    return None


# ---------------------------------------------------------------------------------------------
# Event shapes
# ---------------------------------------------------------------------------------------------


def _message_attributes(raw: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for name, attr in raw.items():
        value: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": attr.get("DataType")}
        if "StringValue" in attr:
            value["stringValue"] = attr["StringValue"]
        if "BinaryValue" in attr:
            value["binaryValue"] = base64.b64encode(attr["BinaryValue"]).decode()
        out[name] = value
    return out


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str = REGION) -> dict[str, Any]:
    """One boto3 ReceiveMessage entry as Lambda's SQS event record."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": _message_attributes(message.get("MessageAttributes") or {}),
        "md5OfBody": message.get("MD5OfBody"),
        "md5OfMessageAttributes": message.get("MD5OfMessageAttributes"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def scheduled_event(source: str, resource_arn: str, when: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": source,
        "account": ACCOUNT_ID,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [resource_arn],
        "detail": {},
    }


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _input_path(event: Mapping[str, Any], path: str) -> Any:
    """The simple JSONPath subset EventBridge's InputPath takes (``$``, ``$.a.b``)."""
    value: Any = event
    for part in path.lstrip("$").strip(".").split("."):
        if part:
            value = value.get(part) if isinstance(value, Mapping) else None
    return value


# ---------------------------------------------------------------------------------------------
# DynamoDB streams
# ---------------------------------------------------------------------------------------------


def matches_filter(pattern: Mapping[str, Any], value: Any) -> bool:
    """Lambda's event filtering (the EventBridge pattern subset it takes: exact values, nesting, exists)."""
    if not isinstance(value, Mapping):
        return False
    for key, wanted in pattern.items():
        if isinstance(wanted, Mapping):
            if not matches_filter(wanted, value.get(key)):
                return False
            continue
        options = wanted if isinstance(wanted, list) else [wanted]
        got = value.get(key)
        ok = False
        for option in options:
            if isinstance(option, Mapping) and "exists" in option:
                ok = ok or (bool(option["exists"]) == (key in value))
            elif got == option:
                ok = True
        if not ok:
            return False
    return True


def stream_record(raw: Mapping[str, Any], stream_arn: str, region: str = REGION) -> dict[str, Any]:
    """A GetRecords record as Lambda's DynamoDB event record (moto hard-codes us-east-1)."""
    record = json.loads(json.dumps(raw, default=lambda v: v.timestamp() if isinstance(v, datetime) else str(v)))
    record["awsRegion"] = region
    record["eventSourceARN"] = stream_arn
    return record


@dataclass
class _StreamSource:
    function_id: str
    event: DynamoDBEvent
    stream_arn: str
    iterators: dict[str, str | None] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    limit: int = 0
    attempts: int = 0
    empty_polls: int = 0
    empty_since: float = 0.0  # when the last read that found nothing began (monotonic)
    busy: bool = False


# ---------------------------------------------------------------------------------------------
# The dispatcher
# ---------------------------------------------------------------------------------------------


@dataclass
class _QueueSource:
    function_id: str
    event_name: str
    queue_url: str
    queue_arn: str
    batch_size: int
    report_batch_item_failures: bool
    kind: str  # "sqs" or "rule"
    rule_event: EventBridgeRuleEvent | None = None


@dataclass
class _Timer:
    key: str  # "<function>.<event>" or "schedule:<logical id>"
    expression: str
    timezone: str
    fire: Callable[[datetime], Any]
    next_at: datetime | None = None
    anchor: datetime | None = None


@dataclass
class InvocationRecord:
    function_id: str
    source: str
    started: float
    duration: float
    error: str | None = None
    failed_items: int = 0
    records: int = 0


@dataclass
class _Stats:
    history: deque[InvocationRecord] = field(default_factory=lambda: deque(maxlen=2000))


class Dispatcher:
    """Invokes the template's handlers on the event sources the template names."""

    def __init__(
        self,
        model: StackModel,
        runtime: LambdaRuntime,
        endpoint_url: str,
        *,
        retry_delay_seconds: float | None = None,
        clock: bool = False,
        poll_wait_seconds: int = 1,
        region: str = REGION,
    ) -> None:
        from botocore.config import Config

        self.model = model
        self.runtime = runtime
        self.endpoint_url = endpoint_url
        self.retry_delay_seconds = retry_delay_seconds
        self.clock_enabled = clock
        self.poll_wait_seconds = poll_wait_seconds
        self.region = region
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._locks = {fn.logical_id: threading.Lock() for fn in model.functions}
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._last_done = time.monotonic()  # when an invocation last finished: its writes are in the stream
        self._stats = _Stats()
        self._started = False
        sources = self._queue_sources_count()
        config = Config(max_pool_connections=max(10, sources + 5), retries={"max_attempts": 2, "mode": "standard"},
                        read_timeout=max(10, poll_wait_seconds + 5))
        with _SESSION_LOCK:
            self._sqs = local_session(region).client("sqs", endpoint_url=endpoint_url, config=config)
            self._streams = local_session(region).client("dynamodbstreams", endpoint_url=endpoint_url, config=config)
            self._dynamodb = local_session(region).client("dynamodb", endpoint_url=endpoint_url, config=config)
        self.sources: list[_QueueSource] = []
        self.stream_sources: list[_StreamSource] = []
        self.timers: list[_Timer] = []

    def _queue_sources_count(self) -> int:
        return sum(1 for fn in self.model.functions for ev in fn.events
                   if isinstance(ev, SqsEvent | EventBridgeRuleEvent))

    # --- lifecycle ---

    def start(self) -> Dispatcher:
        if self._started:
            return self
        self._started = True
        self.sources = self._build_sources()
        self.timers = self._build_timers(datetime.now(UTC))
        for source in self.sources:
            thread = threading.Thread(target=self._poll, args=(source,), daemon=True,
                                      name=f"kabar-poll-{source.function_id}-{source.event_name}")
            thread.start()
            self._threads.append(thread)
        self.stream_sources = self._build_stream_sources()
        for stream in self.stream_sources:
            thread = threading.Thread(target=self._poll_stream, args=(stream,), daemon=True,
                                      name=f"kabar-stream-{stream.function_id}-{stream.event.name}")
            thread.start()
            self._threads.append(thread)
        if self.clock_enabled:
            thread = threading.Thread(target=self._clock, daemon=True, name="kabar-clock")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 2.5) -> None:
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.05, deadline - time.monotonic()))
        alive = [t.name for t in self._threads if t.is_alive()]
        if alive:
            log.warning("dispatcher threads still running after stop (a handler is busy): %s", alive)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._sqs.close()
        self._streams.close()
        self._dynamodb.close()

    def _build_sources(self) -> list[_QueueSource]:
        sources = []
        for fn in self.model.functions:
            for ev in fn.events:
                if isinstance(ev, SqsEvent) and ev.enabled:
                    queue = self.model.queue(ev.queue_logical_id)
                    sources.append(_QueueSource(fn.logical_id, ev.name, queue.url, queue.arn, ev.batch_size,
                                                ev.report_batch_item_failures, "sqs"))
                elif isinstance(ev, EventBridgeRuleEvent) and ev.enabled:
                    url = self._sqs.get_queue_url(QueueName=ev.tap_queue_name)["QueueUrl"]
                    arn = f"arn:aws:sqs:{self.region}:{ACCOUNT_ID}:{ev.tap_queue_name}"
                    sources.append(_QueueSource(fn.logical_id, ev.name, url, arn, 1, False, "rule", ev))
        return sources

    def _build_timers(self, now: datetime) -> list[_Timer]:
        timers = []
        for fn in self.model.functions:
            for ev in fn.events:
                if isinstance(ev, ScheduleEvent) and ev.enabled:
                    timers.append(_Timer(f"{fn.logical_id}.{ev.name}", ev.expression, ev.timezone,
                                         self._schedule_firer(fn.logical_id, ev), anchor=now))
        for schedule in self.model.schedules:
            if schedule.enabled and (schedule.function_logical_id or schedule.queue_logical_id):
                timers.append(_Timer(f"schedule:{schedule.logical_id}", schedule.expression, schedule.timezone,
                                     self._resource_schedule_firer(schedule), anchor=now))
        for timer in timers:
            timer.next_at = next_fire_time(timer.expression, timer.timezone, now, anchor=timer.anchor)
        return timers

    # --- invocation ---

    def invoke(self, function_id: str, event: Any, source: str = "direct") -> Any:
        """Invoke a handler synchronously (one at a time per function). Exceptions propagate."""
        return self._invoke(function_id, event, InvocationRecord(function_id, source, time.time(), 0.0))

    def _invoke(self, function_id: str, event: Any, record: InvocationRecord) -> Any:
        lock = self._locks.get(function_id)
        if lock is None:
            raise KeyError(f"no function {function_id!r} in the template")
        with self._busy_lock:
            self._busy += 1
        started = time.monotonic()
        try:
            with lock:
                return self.runtime.invoke(function_id, event)
        except BaseException as err:
            record.error = f"{type(err).__name__}: {err}"
            raise
        finally:
            record.duration = time.monotonic() - started
            self._stats.history.append(record)
            with self._busy_lock:
                self._busy -= 1
                self._last_done = time.monotonic()

    @property
    def history(self) -> list[InvocationRecord]:
        """Every invocation so far, oldest first."""
        return list(self._stats.history)

    def _poll(self, source: _QueueSource) -> None:
        while not self._stop.is_set():
            try:
                messages = self._receive(source)
            except Exception as err:  # noqa: BLE001 - a poller must outlive a hiccup (or moto stopping)
                if self._stop.is_set():
                    break
                log.warning("receive from %s failed: %s", source.queue_url, err)
                self._stop.wait(0.5)
                continue
            if not messages:
                continue
            try:
                if source.kind == "sqs":
                    self._handle_batch(source, messages)
                else:
                    for message in messages:
                        self._handle_rule_event(source, message)
            except Exception:  # noqa: BLE001
                log.exception("dispatching %s from %s failed", source.function_id, source.queue_url)

    def _receive(self, source: _QueueSource) -> list[dict[str, Any]]:
        kwargs = {"QueueUrl": source.queue_url, "AttributeNames": ["All"], "MessageAttributeNames": ["All"]}
        messages = self._sqs.receive_message(
            MaxNumberOfMessages=min(10, source.batch_size), WaitTimeSeconds=self.poll_wait_seconds, **kwargs,
        ).get("Messages", [])
        # BatchSize above 10 takes several receives, as an event-source mapping does.
        while messages and len(messages) < source.batch_size and not self._stop.is_set():
            more = self._sqs.receive_message(
                MaxNumberOfMessages=min(10, source.batch_size - len(messages)), WaitTimeSeconds=0, **kwargs,
            ).get("Messages", [])
            if not more:
                break
            messages.extend(more)
        return messages

    def _handle_batch(self, source: _QueueSource, messages: list[dict[str, Any]]) -> None:
        records = [sqs_record(m, source.queue_arn, self.region) for m in messages]
        ids = [r["messageId"] for r in records]
        failed: set[str] = set(ids)
        record = InvocationRecord(source.function_id, f"sqs:{source.event_name}", time.time(), 0.0,
                                  records=len(records))
        try:
            result = self._invoke(source.function_id, {"Records": records}, record)
        except Exception:  # noqa: BLE001 - Lambda reports the error and the batch returns to the queue
            log.exception("%s raised on a batch of %d from %s; the whole batch will be retried",
                          source.function_id, len(records), source.queue_url.rsplit("/", 1)[-1])
        else:
            failed = self._failed_ids(source, result, ids)
        record.failed_items = len(failed)
        by_id = {m["MessageId"]: m for m in messages}
        done = [by_id[i] for i in ids if i not in failed]
        retry = [by_id[i] for i in ids if i in failed]
        self._delete(source, done)
        self._release(source, retry)

    def _failed_ids(self, source: _QueueSource, result: Any, ids: list[str]) -> set[str]:
        if not source.report_batch_item_failures:
            return set()
        if result is None:
            return set()
        if not isinstance(result, Mapping):
            log.error("%s returned %r; a partial batch response must be a dict", source.function_id, type(result))
            return set(ids)
        failures = result.get("batchItemFailures")
        if failures is None or failures == []:
            return set()
        failed = set()
        for item in failures:
            ident = item.get("itemIdentifier") if isinstance(item, Mapping) else None
            if not ident or ident not in ids:
                log.error("%s reported an unknown itemIdentifier %r; the whole batch fails", source.function_id, ident)
                return set(ids)
            failed.add(ident)
        return failed

    def _delete(self, source: _QueueSource, messages: list[dict[str, Any]]) -> None:
        for chunk in _chunks(messages, 10):
            response = self._sqs.delete_message_batch(QueueUrl=source.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)])
            for failure in response.get("Failed", []):
                log.warning("could not delete a message from %s: %s", source.queue_url, failure)

    def _release(self, source: _QueueSource, messages: list[dict[str, Any]]) -> None:
        if not messages or self.retry_delay_seconds is None:
            return  # they come back when the queue's visibility timeout ends, as on AWS
        delay = max(0, int(round(self.retry_delay_seconds)))
        for chunk in _chunks(messages, 10):
            self._sqs.change_message_visibility_batch(QueueUrl=source.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": delay}
                for i, m in enumerate(chunk)])

    def _handle_rule_event(self, source: _QueueSource, message: dict[str, Any]) -> None:
        ev = source.rule_event
        assert ev is not None
        event = _json_or_text(message["Body"])
        if isinstance(event, dict):
            event.setdefault("account", ACCOUNT_ID)  # moto leaves it out; powertools requires it
        if ev.input is not None:
            payload: Any = _json_or_text(ev.input)
        elif ev.input_path and isinstance(event, dict):
            payload = _input_path(event, ev.input_path)
        else:
            payload = event
        try:
            self.invoke(source.function_id, payload, source=f"rule:{ev.name}")
        except Exception:  # noqa: BLE001
            log.exception("%s raised on an event from rule %s; it will be retried", source.function_id, ev.name)
            self._release(source, [message])
        else:
            self._delete(source, [message])

    # --- DynamoDB streams ---

    def _build_stream_sources(self) -> list[_StreamSource]:
        sources = []
        for fn in self.model.functions:
            for ev in fn.events:
                if not (isinstance(ev, DynamoDBEvent) and ev.enabled):
                    continue
                table = next(t for t in self.model.tables if t.arn == ev.table_arn)
                arn = self._dynamodb.describe_table(TableName=table.name)["Table"].get("LatestStreamArn")
                if not arn:
                    raise RuntimeError(f"{fn.logical_id}.{ev.name}: table {table.name} has no stream")
                sources.append(_StreamSource(fn.logical_id, ev, arn, limit=ev.batch_size))
        return sources

    def _read_stream(self, source: _StreamSource) -> list[dict[str, Any]]:
        """New records of every shard, in order; filtered as the mapping's FilterCriteria say."""
        shards = self._streams.describe_stream(StreamArn=source.stream_arn)["StreamDescription"]["Shards"]
        records: list[dict[str, Any]] = []
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in source.iterators:
                source.iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=source.stream_arn, ShardId=shard_id,
                    ShardIteratorType=source.event.starting_position)["ShardIterator"]
            iterator = source.iterators[shard_id]
            if iterator is None:
                continue
            page = self._streams.get_records(ShardIterator=iterator, Limit=1000)
            source.iterators[shard_id] = page.get("NextShardIterator")
            records.extend(stream_record(r, source.stream_arn, self.region) for r in page.get("Records", []))
        filters = source.event.filters
        return [r for r in records if not filters or any(matches_filter(f, r) for f in filters)]

    def _poll_stream(self, source: _StreamSource) -> None:
        while not self._stop.is_set():
            try:
                if not source.pending:
                    began = time.monotonic()
                    source.pending = self._read_stream(source)
                    if not source.pending:
                        source.empty_polls += 1
                        source.empty_since = began
                        self._stop.wait(0.05)
                        continue
                self._stream_batch(source)
            except Exception as err:  # noqa: BLE001 - a poller must outlive a hiccup (or moto stopping)
                if self._stop.is_set():
                    break
                log.warning("reading the stream for %s failed: %s", source.function_id, err)
                self._stop.wait(0.5)

    def _stream_batch(self, source: _StreamSource) -> None:
        ev = source.event
        batch = source.pending[:max(1, source.limit)]
        record = InvocationRecord(source.function_id, f"dynamodb:{ev.name}", time.time(), 0.0, records=len(batch))
        source.busy = True
        try:
            failed_from: int | None
            try:
                result = self._invoke(source.function_id, {"Records": batch}, record)
            except Exception:  # noqa: BLE001 - Lambda retries the batch (bisected when asked)
                log.exception("%s raised on a stream batch of %d; it will be retried", source.function_id, len(batch))
                failed_from = 0
            else:
                failed_from = self._first_failed(source, result, batch)
            if failed_from is None:
                source.pending = source.pending[len(batch):]
                source.limit, source.attempts = ev.batch_size, 0
                return
            record.failed_items = len(batch) - failed_from
            source.pending = source.pending[failed_from:]  # what succeeded before the failure is checkpointed
            source.attempts += 1
            if ev.maximum_retry_attempts >= 0 and source.attempts > ev.maximum_retry_attempts:
                failed = batch[failed_from:]
                self._stream_failure(source, failed)
                source.pending = source.pending[len(failed):]
                source.limit, source.attempts = ev.batch_size, 0
                return
            if ev.bisect_on_error and failed_from == 0 and len(batch) > 1:
                source.limit = max(1, len(batch) // 2)
            log.warning("%s: stream batch retry %d", source.function_id, source.attempts)
            self._stop.wait(self.retry_delay_seconds if self.retry_delay_seconds is not None else 1.0)
        finally:
            source.busy = False

    def _first_failed(self, source: _StreamSource, result: Any, batch: list[dict[str, Any]]) -> int | None:
        """Where the batch must be retried from: the lowest failed sequence number, or None when all passed."""
        if not source.event.report_batch_item_failures or not isinstance(result, Mapping):
            return None
        failures = result.get("batchItemFailures") or []
        if not failures:
            return None
        sequence = [r["dynamodb"]["SequenceNumber"] for r in batch]
        positions = []
        for item in failures:
            ident = item.get("itemIdentifier") if isinstance(item, Mapping) else None
            if ident not in sequence:
                log.error("%s reported an unknown itemIdentifier %r; the whole batch fails", source.function_id, ident)
                return 0
            positions.append(sequence.index(ident))
        return min(positions)

    def _stream_failure(self, source: _StreamSource, failed: list[dict[str, Any]]) -> None:
        """What Lambda sends to an OnFailure destination for a stream: where the records are, not the records."""
        queue_id = source.event.on_failure_queue_logical_id
        log.error("%s: %d stream record(s) failed every retry; sent to its failure destination %s",
                  source.function_id, len(failed), queue_id or "(none: dropped)")
        if queue_id is None:
            return
        first, last = failed[0]["dynamodb"], failed[-1]["dynamodb"]
        body = {
            "requestContext": {"requestId": str(uuid.uuid4()), "condition": "RetryAttemptsExhausted",
                               "approximateInvokeCount": source.attempts,
                               "functionArn": self.model.function(source.function_id).arn},
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "DDBStreamBatchInfo": {
                "shardId": next(iter(source.iterators), ""), "streamArn": source.stream_arn,
                "startSequenceNumber": first["SequenceNumber"], "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": first.get("ApproximateCreationDateTime"),
                "approximateArrivalOfLastRecord": last.get("ApproximateCreationDateTime"),
                "batchSize": len(failed)},
        }
        self._sqs.send_message(QueueUrl=self.model.queue(queue_id).url, MessageBody=json.dumps(body))

    # --- schedules ---

    def _schedule_event(self, function_id: str, event_name: str | None) -> ScheduleEvent:
        fn = self.runtime.function(function_id)
        schedules = [ev for ev in fn.events if isinstance(ev, ScheduleEvent)]
        if event_name is not None:
            schedules = [ev for ev in schedules if ev.name == event_name]
        if not schedules:
            raise KeyError(f"{function_id} has no schedule event{'' if event_name is None else ' ' + event_name}")
        return schedules[0]

    def _schedule_payload(self, function_id: str, ev: ScheduleEvent, when: datetime) -> Any:
        if ev.kind == "ScheduleV2":
            arn = f"arn:aws:scheduler:{self.region}:{ACCOUNT_ID}:schedule/default/{ev.schedule_name}"
            if ev.input is not None:
                return _json_or_text(_scheduler_context(ev.input, arn, when))
            return scheduled_event("aws.scheduler", arn, when)
        arn = f"arn:aws:events:{self.region}:{ACCOUNT_ID}:rule/{ev.schedule_name}"
        if ev.input is not None:
            return _json_or_text(ev.input)
        return scheduled_event("aws.events", arn, when)

    def _schedule_firer(self, function_id: str, ev: ScheduleEvent) -> Callable[[datetime], Any]:
        def fire(when: datetime) -> Any:
            return self.invoke_async(function_id, self._schedule_payload(function_id, ev, when),
                                     source=f"schedule:{ev.name}")
        return fire

    def invoke_async(self, function_id: str, event: Any, source: str = "async") -> bool:
        """Invoke as Lambda does for an asynchronous caller (EventBridge Scheduler, a schedule rule).

        A failed attempt is retried ``MaximumRetryAttempts`` times (the template's ``EventInvokeConfig``;
        Lambda's default is 2), waiting ``retry_delay_seconds`` (else a minute) in between. When every
        attempt failed, the event goes to the ``OnFailure`` queue in Lambda's destination record shape,
        and an error line says so; without a destination it is dropped, also said. True on success.
        """
        config = self.runtime.function(function_id).async_failure
        attempts = 1 + max(0, config.max_retries)
        wait = 60.0 if self.retry_delay_seconds is None else float(self.retry_delay_seconds)
        with self._busy_lock:
            self._busy += 1  # idle only once the last retry is over
        try:
            error: BaseException | None = None
            for attempt in range(1, attempts + 1):
                try:
                    label = source if attempt == 1 else f"{source} (retry {attempt - 1})"
                    self.invoke(function_id, event, source=label)
                    return True
                except Exception as err:  # noqa: BLE001 - Lambda records the error and retries
                    error = err
                    log.error("%s failed (attempt %d of %d, asynchronous invocation from %s)",
                              function_id, attempt, attempts, source, exc_info=True)
                if attempt < attempts and self._stop.wait(wait):
                    break
            assert error is not None
            self._dead_letter(function_id, event, error, attempts, config.queue_logical_id)
            return False
        finally:
            with self._busy_lock:
                self._busy -= 1

    def _dead_letter(self, function_id: str, event: Any, error: BaseException, attempts: int,
                     queue_logical_id: str | None) -> None:
        fn = self.runtime.function(function_id)
        if queue_logical_id is None:
            log.error("%s: asynchronous invocation dropped after %d attempts: the function has no "
                      "failure destination (EventInvokeConfig OnFailure)", function_id, attempts)
            return
        import traceback

        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": f"{fn.arn}:$LATEST",
                               "condition": "RetriesExhausted", "approximateInvokeCount": attempts},
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {"errorMessage": str(error), "errorType": type(error).__name__,
                                "stackTrace": traceback.format_exception(error)[-5:]},
        }
        queue = self.model.queue(queue_logical_id)
        self._sqs.send_message(QueueUrl=queue.url, MessageBody=json.dumps(record, default=str))
        log.error("%s: asynchronous invocation failed %d times; the event is in %s (its failure destination)",
                  function_id, attempts, queue.name)

    def _resource_schedule_firer(self, schedule: Any) -> Callable[[datetime], Any]:
        arn = f"arn:aws:scheduler:{self.region}:{ACCOUNT_ID}:schedule/default/{schedule.name}"

        def fire(when: datetime) -> Any:
            payload = _scheduler_context(schedule.input, arn, when) if schedule.input is not None else "{}"
            if schedule.function_logical_id:
                event = _json_or_text(payload) if schedule.input is not None else scheduled_event(
                    "aws.scheduler", arn, when)
                return self.invoke_async(schedule.function_logical_id, event, source=f"schedule:{schedule.logical_id}")
            queue = self.model.queue(schedule.queue_logical_id)
            return self._sqs.send_message(QueueUrl=queue.url, MessageBody=payload)
        return fire

    def fire(self, function_logical_id: str, input: Any = None, event_name: str | None = None,  # noqa: A002
             asynchronous: bool = False) -> Any:
        """Invoke a scheduled function now, with the event its schedule would send.

        ``input`` replaces the payload (a dict or a JSON string); otherwise the schedule's ``Input``,
        or a Scheduled Event envelope when it has none. Returns the handler's result; raises its error.
        ``asynchronous=True`` invokes as the schedule does (:meth:`invoke_async`: retries, then the
        failure destination) and returns whether it succeeded.
        """
        now = datetime.now(UTC)
        if input is not None:
            payload = _json_or_text(input) if isinstance(input, str) else input
        else:
            ev = self._schedule_event(function_logical_id, event_name)
            payload = self._schedule_payload(function_logical_id, ev, now)
        if asynchronous:
            return self.invoke_async(function_logical_id, payload, source="fire")
        return self.invoke(function_logical_id, payload, source="fire")

    def tick(self, now: datetime) -> list[str]:
        """Fire every timer that is due at ``now``; return their keys. The clock thread calls this."""
        fired = []
        for timer in self.timers:
            if timer.next_at is None or timer.next_at > now:
                continue
            due = timer.next_at
            fired.append(timer.key)
            # one firing even if several were missed (e.g. the laptop slept)
            timer.next_at = next_fire_time(timer.expression, timer.timezone, max(now, due), anchor=timer.anchor)
            thread = threading.Thread(target=self._run_timer, args=(timer, due), daemon=True,
                                      name=f"kabar-fire-{timer.key}")
            thread.start()
        return fired

    def _run_timer(self, timer: _Timer, due: datetime) -> None:
        log.info("schedule %s fires (due %s)", timer.key, due.isoformat())
        try:
            timer.fire(due)
        except Exception:  # noqa: BLE001
            log.exception("scheduled invocation %s failed", timer.key)

    def _clock(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.tick(datetime.now(UTC))
            except Exception:  # noqa: BLE001
                log.exception("schedule clock tick failed")

    def next_fire_times(self) -> dict[str, datetime | None]:
        return {timer.key: timer.next_at for timer in self.timers}

    # --- idleness ---

    @property
    def consumed_queue_urls(self) -> list[str]:
        return sorted({source.queue_url for source in self.sources})

    def queue_depths(self) -> dict[str, tuple[int, int]]:
        depths = {}
        for url in self.consumed_queue_urls:
            attrs = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed"])["Attributes"]
            visible = int(attrs.get("ApproximateNumberOfMessages", 0)) + int(
                attrs.get("ApproximateNumberOfMessagesDelayed", 0))
            depths[url.rsplit("/", 1)[-1]] = (visible, int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)))
        return depths

    def wait_idle(self, timeout: float = 30.0, interval: float = 0.1) -> None:
        """Block until every consumed queue is empty (visible and in flight) and nothing runs.

        Idle must hold on two consecutive checks. Raises ``TimeoutError`` with the depths otherwise.
        """
        deadline = time.monotonic() + timeout
        streak = 0
        depths: dict[str, tuple[int, int]] = {}
        busy = 0
        while True:
            depths = self.queue_depths()
            with self._busy_lock:
                busy, last_done = self._busy, self._last_done
            # a stream is idle when a read that began after the last invocation ended (whose writes the
            # stream then holds) found nothing new
            streams_idle = all(s.empty_since > last_done and not s.pending and not s.busy
                               for s in self.stream_sources)
            if busy == 0 and streams_idle and all(v == 0 and nv == 0 for v, nv in depths.values()):
                streak += 1
                if streak >= 2:
                    return
            else:
                streak = 0
            if time.monotonic() >= deadline:
                waiting = {name: {"visible": v, "in_flight": nv} for name, (v, nv) in depths.items() if v or nv}
                streams = {s.function_id: len(s.pending) for s in self.stream_sources if s.pending or s.busy}
                raise TimeoutError(
                    f"stack lokal belum diam setelah {timeout:g} dtk / local stack not idle after {timeout:g}s: "
                    f"running invocations={busy}, queues={waiting}, streams={streams}")
            time.sleep(interval)


def _scheduler_context(text: str, arn: str, when: datetime) -> str:
    """EventBridge Scheduler's context attributes in a target's Input."""
    return (text.replace("<aws.scheduler.schedule-arn>", arn)
            .replace("<aws.scheduler.scheduled-time>", when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
            .replace("<aws.scheduler.execution-id>", str(uuid.uuid4()))
            .replace("<aws.scheduler.attempt-number>", "1"))


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
