"""moto's DynamoDB, answering by partition as DynamoDB does: for the scale bench's emulator.

moto answers every Query by listing and sorting the whole table (a GSI query too), and it makes every
TransactWriteItems undoable by deep-copying each table it names. DynamoDB does neither: a query reads
its partition, a transaction touches its items. At a thousand villages (tens of thousands of items) the
emulator's own work then grows with the table and hides what the bench measures, the cost of one
village's run, which on DynamoDB does not depend on how many villages there are.

:func:`install` gives moto the same answers by the shorter path:

- a base-table query lists only its partition (``Table.items[hash]``) before moto's own filtering,
  sorting, paging and projection run on it unchanged;
- a GSI query with one hash-key condition lists only the items with that GSI hash value, kept in a
  per-table map updated on every put, update and delete (built on the first GSI query);
- a transaction saves the items it names (not the tables) and puts them back when it is cancelled.

What moto returns does not change (``tests/integration/test_moto_partitions.py`` compares both); only
how much of the table it walks to find it. :func:`uninstall` puts moto back.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_STATE: dict[str, Any] = {}
_LOCAL = threading.local()
#: bumped by each install: a table's GSI map from an earlier install (kept since) is built again
_GENERATION = [0]


def installed() -> bool:
    return bool(_STATE)


def _gsi_hash_attrs(table: Any) -> set[str]:
    return {k["AttributeName"] for index in (table.global_indexes or []) for k in index.schema
            if k["KeyType"] == "HASH"}


def _key(table: Any, key: dict[str, Any]) -> tuple[Any, Any] | None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    if table.hash_key_attr not in key:
        return None
    hash_value = DynamoType(key[table.hash_key_attr])
    if table.range_key_attr is None:
        return hash_value, None
    if table.range_key_attr not in key:
        return None
    return hash_value, DynamoType(key[table.range_key_attr])


def _item_at(table: Any, hash_value: Any, range_value: Any) -> Any:
    if table.range_key_attr is None:
        return table.items.get(hash_value)
    partition = table.items.get(hash_value)
    return partition.get(range_value) if partition else None


def _build(table: Any) -> dict[str, dict[Any, set]]:
    """The table's GSI map: hash attribute -> value -> item keys (and the reverse, to move an item)."""
    index: dict[str, dict[Any, set]] = {attr: {} for attr in _gsi_hash_attrs(table)}
    table._kabar_gsi = index
    table._kabar_gsi_of = {}
    table._kabar_generation = _GENERATION[0]
    for item in _walk(table):
        _add(table, item.hash_key, item.range_key, item)
    return index


def _walk(table: Any) -> Iterator[Any]:
    for partition in table.items.values():
        if table.range_key_attr is None:
            yield partition
        else:
            yield from partition.values()


def _add(table: Any, hash_value: Any, range_value: Any, item: Any) -> None:
    values = {}
    for attr, by_value in table._kabar_gsi.items():
        value = item.attrs.get(attr)
        if value is not None:
            by_value.setdefault(value, set()).add((hash_value, range_value))
            values[attr] = value
    if values:
        table._kabar_gsi_of[(hash_value, range_value)] = values


def _reindex(table: Any, hash_value: Any, range_value: Any) -> None:
    if getattr(table, "_kabar_generation", None) != _GENERATION[0]:
        return
    for attr, value in table._kabar_gsi_of.pop((hash_value, range_value), {}).items():
        keys = table._kabar_gsi[attr].get(value)
        if keys is not None:
            keys.discard((hash_value, range_value))
            if not keys:
                del table._kabar_gsi[attr][value]
    item = _item_at(table, hash_value, range_value)
    if item is not None:
        _add(table, hash_value, range_value, item)


def _candidates(table: Any, hash_key: Any, index_name: str | None, conditions: list) -> list | None:
    """The items a query can match (None: let moto walk the whole table)."""
    if not index_name:
        if hash_key is None or table.range_key_attr is None:
            return None
        partition = table.items.get(hash_key)
        return list(partition.values()) if partition else []
    if len(conditions) != 1:
        return None
    attr, value = conditions[0]
    index = table._kabar_gsi if getattr(table, "_kabar_generation", None) == _GENERATION[0] else _build(table)
    if attr not in index:
        return None
    keys = index[attr].get(value, ())
    return [item for item in (_item_at(table, h, r) for h, r in keys) if item is not None]


class _Copy:
    """``copy`` for moto's DynamoDB backend module: a Table is "copied" as itself (the transaction saves
    its own items instead), everything else as before."""

    def __init__(self, table_type: type) -> None:
        self.table_type = table_type

    def deepcopy(self, obj: Any, memo: Any = None) -> Any:
        if isinstance(obj, self.table_type):
            return obj
        return copy.deepcopy(obj, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


@contextmanager
def _restoring(backend: Any, transact_items: list[dict]) -> Iterator[None]:
    saved = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        key = _key(table, op.get("Key") or op.get("Item") or {}) if table is not None else None
        if key is not None:
            saved.append((table, *key, copy.deepcopy(_item_at(table, *key))))
    try:
        yield
    except Exception:
        for table, hash_value, range_value, old in reversed(saved):
            if table.range_key_attr is None:
                table.items.pop(hash_value, None)
                if old is not None:
                    table.items[hash_value] = old
            else:
                table.items[hash_value].pop(range_value, None)
                if old is not None:
                    table.items[hash_value][range_value] = old
            _reindex(table, hash_value, range_value)
        raise


def install() -> None:
    """Patch moto's DynamoDB (process-wide, idempotent)."""
    if _STATE:
        return
    _GENERATION[0] += 1
    import moto.dynamodb.models as backend_module
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original: dict[str, Any] = {"query": Table.query, "all_items": Table.all_items, "put_item": Table.put_item,
                "delete_item": Table.delete_item, "update_item": DynamoDBBackend.update_item,
                "transact": DynamoDBBackend.transact_write_items, "copy": backend_module.copy}

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        candidates = _candidates(self, hash_key, index_name, kwargs.get("hash_key_conditions") or [])
        if candidates is None:
            return original["query"](self, hash_key, *args, **kwargs)
        _LOCAL.candidates = candidates
        try:
            return original["query"](self, hash_key, *args, **kwargs)
        finally:
            _LOCAL.candidates = None

    def all_items(self: Any) -> list:
        candidates = getattr(_LOCAL, "candidates", None)
        if candidates is None:
            return original["all_items"](self)
        _LOCAL.candidates = None  # once: moto lists the table once per query
        return sorted(candidates, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    def put_item(self: Any, item_attrs: dict, *args: Any, **kwargs: Any) -> Any:
        item = original["put_item"](self, item_attrs, *args, **kwargs)
        _reindex(self, item.hash_key, item.range_key)
        return item

    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        item = original["delete_item"](self, hash_key, range_key)
        _reindex(self, hash_key, range_key)
        return item

    def update_item(self: Any, table_name: str, key: dict, *args: Any, **kwargs: Any) -> Any:
        item = original["update_item"](self, table_name, key, *args, **kwargs)
        table = self.get_table(table_name)
        where = _key(table, key)
        if where is not None:
            _reindex(table, *where)
        return item

    def transact_write_items(self: Any, transact_items: list[dict]) -> None:
        with _restoring(self, transact_items):
            return original["transact"](self, transact_items)

    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
    Table.put_item = put_item  # type: ignore[method-assign]
    Table.delete_item = delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    backend_module.copy = _Copy(Table)  # type: ignore[assignment]
    _STATE.update(original)


def uninstall() -> None:
    """moto as it was (tests compare both)."""
    if not _STATE:
        return
    import moto.dynamodb.models as backend_module
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    Table.query = _STATE["query"]  # type: ignore[method-assign]
    Table.all_items = _STATE["all_items"]  # type: ignore[method-assign]
    Table.put_item = _STATE["put_item"]  # type: ignore[method-assign]
    Table.delete_item = _STATE["delete_item"]  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _STATE["update_item"]  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _STATE["transact"]  # type: ignore[method-assign]
    backend_module.copy = _STATE["copy"]
    _STATE.clear()
