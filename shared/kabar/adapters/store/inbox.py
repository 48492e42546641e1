"""The inbox's records in the one table: inquiries (comments and messages) and their threads.

The ``Inbox`` repository of ``kabar.ports``, reached as ``DynamoStore.inbox``. Key layout (beside
``adapters/dynamo.py``'s):
- ``T#<t>#INQ#<comment id | mid>`` / ``INQ``: one comment or message (as ``DynamoStore.put_inquiry``)
- ``T#<t>#THREADS`` / ``<thread key>``: a thread's own state: who it is given to, when someone in Kabar
  last opened it, the author's name and the post commented on once resolved

Every change goes through the store's unit of work (``DynamoStore._commit``): the state and its audit
entry and notices in one transaction. Each write is conditional, so a redelivered webhook or a second
click changes nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...domain.clock import iso, month_of
from ...domain.inbox import Inquiry
from ...domain.outbox import Change
from ...domain.retention import INQUIRY_DAYS, expires

if TYPE_CHECKING:
    from .base import TableBase

#: What a thread record may hold (anything else the caller passes is refused).
THREAD_FIELDS = frozenset({"assigned_to", "assigned_name", "seen_at", "author_name", "post_title", "post_thumb",
                           "post_link", "resolved_at"})


def _threads_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}#THREADS"


def _inq_key(tenant_id: str, inquiry_id: str) -> dict[str, str]:
    return {"PK": f"T#{tenant_id}#INQ#{inquiry_id}", "SK": "INQ"}


class InboxTable:
    """Inquiries and threads of one table (reached as ``DynamoStore.inbox``; its unit of work is the store's)."""

    def __init__(self, store: TableBase) -> None:
        self.store = store

    @property
    def _name(self) -> str:
        return self.store.table_name

    def _update(self, key: dict, expression: str, values: dict, condition: str | None = None,
                names: dict | None = None) -> dict:
        op: dict[str, Any] = {"TableName": self._name, "Key": self.store._ser(key), "UpdateExpression": expression,
                              "ExpressionAttributeValues": self.store._ser(values)}
        if condition:
            op["ConditionExpression"] = condition
        if names:
            op["ExpressionAttributeNames"] = names
        return {"Update": op}

    def _commit_once(self, ops: list[dict], change: Change | None = None) -> bool:
        """The store's unit of work; False when one of ``ops``' own conditions failed (done before)."""
        try:
            self.store._commit(ops, change or Change())  # noqa: SLF001 - the store's unit of work
        except Exception as err:
            reasons = getattr(err, "response", {}).get("CancellationReasons") or []
            if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons[:len(ops)]):
                return False
            raise
        return True

    # --- recording what arrives -------------------------------------------------------------------

    def record(self, inq: Inquiry) -> bool:
        """The inquiry, once (False for a redelivery), and its thread's record, in one transaction."""
        item = {**_inq_key(inq.tenant_id, inq.inquiry_id), "rtype": "inquiry",
                "GSI1PK": f"T#{inq.tenant_id}#INBOX#{month_of(inq.received_at)}",
                "GSI1SK": f"{iso(inq.received_at)}#{inq.inquiry_id}", **inq.model_dump(mode="json"),
                "ttl": expires(inq.received_at, INQUIRY_DAYS)}  # commenters' names: kept no longer than needed
        put = {"Put": {"TableName": self._name, "Item": self.store._ser(item),
                       "ConditionExpression": "attribute_not_exists(PK)"}}
        values: dict[str, Any] = {":ch": inq.channel, ":k": inq.kind.value,
                                  ":a": inq.page_id, ":ai": inq.author_id, ":at": iso(inq.received_at),
                                  ":ttl": expires(inq.received_at, INQUIRY_DAYS), ":r": "thread"}
        expression = ("SET channel = :ch, kind = :k, account_id = :a, rtype = :r, "
                      "author_id = if_not_exists(author_id, :ai), last_at = :at, #ttl = :ttl")
        if inq.author_name:
            expression += ", author_name = :n"
            values[":n"] = inq.author_name
        if inq.kind.value == "comment" and inq.thread_id:
            expression += ", post_id = if_not_exists(post_id, :p)"
            values[":p"] = inq.thread_id
        thread = self._update({"PK": _threads_pk(inq.tenant_id), "SK": inq.thread_key}, expression, values,
                              names={"#ttl": "ttl"})
        return self._commit_once([put, thread])

    def revise(self, tenant_id: str, inquiry_id: str, at: datetime, verb: str, text: str | None) -> bool:
        """An edit, removal or hide by the platform, once: False when it was applied before (or the
        inquiry is unknown: an edit of something never recorded is not an inquiry of ours)."""
        key = _inq_key(tenant_id, inquiry_id)
        if verb == "edited":
            op = self._update(key, "SET #t = :t, edited_at = :a", {":t": text or "", ":a": iso(at)},
                              "attribute_exists(PK) AND (attribute_not_exists(edited_at) OR edited_at < :a "
                              "OR edited_at = :none)", names={"#t": "text"})
            op["Update"]["ExpressionAttributeValues"].update(self.store._ser({":none": None}))
        elif verb == "remove":
            # removed by its author: it no longer waits for an answer (an answer given before stands)
            op = self._update(key, "SET no_answer = :d, no_answer_at = :a",
                              {":d": "deleted", ":a": iso(at), ":none": None},
                              "attribute_exists(PK) AND (attribute_not_exists(no_answer) OR no_answer = :none "
                              "OR no_answer <> :d)")
        elif verb == "hide":
            op = self._update(key, "SET hidden_at = :a", {":a": iso(at), ":none": None},
                              "attribute_exists(PK) AND (attribute_not_exists(hidden_at) OR hidden_at = :none)")
        else:
            return False
        return self._commit_once([op])

    # --- settling ---------------------------------------------------------------------------------

    def answered(self, inq: Inquiry, at: datetime, answer_id: str, via: str, text: str = "",
                 change: Change | None = None) -> bool:
        """The first answer stands (False when it was answered before); with its audit entry, if any."""
        op = self._update(_inq_key(inq.tenant_id, inq.inquiry_id),
                          "SET answered_at = :at, answer_id = :id, answered_via = :v, answer_text = :t",
                          {":at": iso(at), ":id": answer_id, ":v": via, ":t": text[:2000], ":none": None},
                          "attribute_exists(PK) AND (attribute_not_exists(answered_at) OR answered_at = :none)")
        return self._commit_once([op], change)

    def private_replied(self, inq: Inquiry, at: datetime, message_id: str, text: str, change: Change) -> bool:
        """A private reply is sent once per comment; it answers the comment unless it was answered before."""
        once = "attribute_exists(PK) AND (attribute_not_exists(private_reply_id) OR private_reply_id = :none)"
        if inq.answered_at is None:
            op = self._update(_inq_key(inq.tenant_id, inq.inquiry_id),
                              "SET private_reply_id = :m, answered_at = :at, answer_id = :m, answered_via = :v, "
                              "answer_text = :t",
                              {":m": message_id, ":at": iso(at), ":v": "kabar", ":t": text[:2000], ":none": None},
                              once + " AND (attribute_not_exists(answered_at) OR answered_at = :none)")
        else:
            op = self._update(_inq_key(inq.tenant_id, inq.inquiry_id), "SET private_reply_id = :m",
                              {":m": message_id, ":none": None}, once)
        return self._commit_once([op], change)

    def settle_without_answer(self, inquiries: list[Inquiry], reason: str, at: datetime,
                              change: Change | None = None) -> bool:
        """Mark waiting inquiries as needing no answer, all or none (False: one was settled meanwhile)."""
        ops = [self._update(_inq_key(i.tenant_id, i.inquiry_id), "SET no_answer = :r, no_answer_at = :a",
                            {":r": reason, ":a": iso(at), ":none": None},
                            "attribute_exists(PK) AND (attribute_not_exists(answered_at) OR answered_at = :none) "
                            "AND (attribute_not_exists(no_answer) OR no_answer = :none)") for i in inquiries]
        if not ops:
            return False
        return self._commit_once(ops, change)

    def hide(self, inq: Inquiry, at: datetime, change: Change) -> bool:
        """A spam comment hidden by the admin: hidden, and needing no answer (if it still waited)."""
        expression = "SET hidden_at = :a"
        if inq.open:
            expression += ", no_answer = :r, no_answer_at = :a"
        op = self._update(_inq_key(inq.tenant_id, inq.inquiry_id), expression,
                          {":a": iso(at), ":none": None, **({":r": "hidden"} if inq.open else {})},
                          "attribute_exists(PK) AND (attribute_not_exists(hidden_at) OR hidden_at = :none)")
        return self._commit_once([op], change)

    # --- threads ----------------------------------------------------------------------------------

    def thread(self, tenant_id: str, key: str) -> dict | None:
        item = self.store._get(_threads_pk(tenant_id), key)  # noqa: SLF001
        return _plain(item) if item else None

    def threads(self, tenant_id: str) -> dict[str, dict]:
        items = self.store._query(KeyConditionExpression="PK = :p",  # noqa: SLF001
                                  ExpressionAttributeValues={":p": _threads_pk(tenant_id)})
        return {i["SK"]: _plain(i) for i in items}

    def update_thread(self, tenant_id: str, key: str, fields: dict[str, Any], change: Change | None = None,
                      expected: dict[str, Any] | None = None) -> bool:
        """Set fields of an existing thread (with the change's audit entry). ``expected``: values the
        thread must still hold (say, who it was given to when the page was read)."""
        unknown = set(fields) - THREAD_FIELDS
        if unknown:
            raise ValueError(f"not thread fields: {sorted(unknown)}")
        names = {f"#f{n}": name for n, name in enumerate(fields)}
        values = {f":v{n}": _value(value) for n, value in enumerate(fields.values())}
        expression = "SET " + ", ".join(f"#f{n} = :v{n}" for n in range(len(fields)))
        condition = "attribute_exists(PK)"
        for n, (name, value) in enumerate((expected or {}).items()):
            names[f"#e{n}"] = name
            if value is None:
                values[":none"] = None
                condition += f" AND (attribute_not_exists(#e{n}) OR #e{n} = :none)"
            else:
                values[f":e{n}"] = _value(value)
                condition += f" AND #e{n} = :e{n}"
        op = self._update({"PK": _threads_pk(tenant_id), "SK": key}, expression, values, condition, names)
        return self._commit_once([op], change)

    def forget_author(self, tenant_id: str, author_id: str, pseudonym: str) -> int:
        """A commenter's erasure: their threads keep the times and the post, not who they are."""
        forgotten = 0
        for key, thread in self.threads(tenant_id).items():
            if thread.get("author_id") != author_id:
                continue
            forgotten += self._commit_once([self._update(
                {"PK": _threads_pk(tenant_id), "SK": key}, "SET author_id = :p, author_name = :b",
                {":p": pseudonym, ":b": ""}, "attribute_exists(PK)")])
        return forgotten


def _value(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


def _plain(item: dict) -> dict:
    out = {k: v for k, v in item.items() if k not in ("PK", "SK", "rtype", "ttl")}
    out["key"] = item["SK"]
    return out
