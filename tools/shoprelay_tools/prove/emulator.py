"""Make moto's in-process server behave like DynamoDB and SQS under a concurrent soak.

Two gaps in moto (5.x) turn a long concurrent run into false failures or a crawl:

* its DynamoDB backend is not thread-safe: concurrent requests fail with "dictionary changed
  size during iteration" (botocore retries them, but not forever), and ``TransactWriteItems``
  rolls a failed transaction back by putting back a copy of the *whole table* taken before it
  started, silently undoing every write other threads made meanwhile (lost effect records
  would show up as double deliveries that AWS would never produce);
* that copy is a ``deepcopy`` of the table per item in the transaction, and a ``Query`` on
  the table's key sorts and scans every item in the table, so each ingress claim and each
  vendor delivery costs time proportional to everything stored so far: quadratic over a soak.

:func:`hardened_moto` serialises moto's DynamoDB requests (each request is atomic, as in
DynamoDB), makes a transaction remember and restore only the items it touches, lets a key
``Query`` read only its partition, and serialises SQS requests other than long polls (moto
can hand one message to two concurrent receivers). The product code is unchanged; only the
emulator is patched, and only while the block runs.
"""

from __future__ import annotations

import copy
import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_LOCK = threading.RLock()
_MISSING = object()
_QUERY = threading.local()
"""The partition the current thread's key ``Query`` reads, while moto runs it."""


def _touched_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any]]:
    """(table, hash key, range key, copy of the item or None) for each item the transaction names."""
    touched = []
    for entry in transact_items:
        try:
            _op_type, op = next(iter(entry.items()))
            table = backend.get_table(op["TableName"])
            if "Item" in op:
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            hash_key, range_key = backend.get_keys_value(table, key)
            current = table.get_item(hash_key, range_key)
        except Exception:  # noqa: S112 - malformed: moto's own validation answers it below
            continue
        touched.append((table, hash_key, range_key, copy.deepcopy(current)))
    return touched


def _restore(touched: list[tuple[Any, Any, Any, Any]]) -> None:
    for table, hash_key, range_key, before in reversed(touched):
        if range_key is not None:
            if before is None:
                table.items[hash_key].pop(range_key, None)
            else:
                table.items[hash_key][range_key] = before
        elif before is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = before


def _locked(original: Callable[..., Any]) -> Callable[..., Any]:
    def call_action(self: Any) -> Any:
        with _LOCK:
            return original(self)

    return call_action


def _locked_short_polls(original: Callable[..., Any]) -> Callable[..., Any]:
    def call_action(self: Any) -> Any:
        try:
            waits = int(self._get_param("WaitTimeSeconds") or 0) > 0
        except (TypeError, ValueError):
            waits = False
        if waits:  # a long poll waits for other requests' messages: it must not hold the lock
            return original(self)
        with _LOCK:
            return original(self)

    return call_action


def _item_level_transactions(original: Callable[..., Any]) -> Callable[..., Any]:
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with _LOCK:
            touched = _touched_items(self, transact_items)
            try:
                original(self, transact_items)
            except BaseException:
                _restore(touched)
                raise

    return transact_write_items


def _partition_query(original: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        if arguments.get("index_name") is None and arguments.get("hash_key") is not None and self.range_key_attr:
            _QUERY.hash_key = arguments["hash_key"]
            try:
                return original(self, *args, **kwargs)
            finally:
                _QUERY.hash_key = None
        return original(self, *args, **kwargs)

    return query


def _partition_items(original: Callable[..., Any]) -> Callable[..., Any]:
    def all_items(self: Any) -> Any:
        hash_key = getattr(_QUERY, "hash_key", None)
        if hash_key is None or not self.range_key_attr:
            return original(self)
        partition = self.items.get(hash_key)  # .get: the defaultdict must not grow
        return sorted(partition.values(), key=lambda item: item.range_key) if partition else []

    return all_items


def _same_table(self: Any, memo: dict[int, Any]) -> Any:
    """moto's transaction "backup" of the whole table: the touched items are kept instead."""
    return self


@contextmanager
def hardened_moto() -> Iterator[None]:
    """Patch moto's DynamoDB and SQS request handling while the block runs (not re-entrant)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler
    from moto.sqs.responses import SQSResponse

    patches: list[tuple[type, str, Any]] = [
        (DynamoHandler, "call_action", _locked(DynamoHandler.call_action)),
        (DynamoDBBackend, "transact_write_items", _item_level_transactions(DynamoDBBackend.transact_write_items)),
        (SQSResponse, "call_action", _locked_short_polls(SQSResponse.call_action)),
        (Table, "__deepcopy__", _same_table),
        (Table, "query", _partition_query(Table.query)),
        (Table, "all_items", _partition_items(Table.all_items)),
    ]
    saved = [(owner, name, owner.__dict__.get(name, _MISSING)) for owner, name, _new in patches]
    for owner, name, new in patches:
        setattr(owner, name, new)
    try:
        yield
    finally:
        for owner, name, old in saved:
            if old is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, old)
