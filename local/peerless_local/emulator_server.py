"""moto's server, with DynamoDB's atomicity, and AWS's cost model where moto's differs.

- Atomicity: moto serves requests in parallel threads and its DynamoDB checks a condition
  and then writes without a lock, so two racing conditional writes or transactions can
  both pass: the lost update DynamoDB itself never allows. Serialising the DynamoDB
  requests (and only them: S3 and SQS stay parallel) gives the local stack DynamoDB's
  guarantees, which the domain's counters and state changes rely on.
- Transactions: moto backs each one up by copying every table it writes to, whole, so
  a transaction's cost grew with the table; here it copies the items it names.
- Queries: moto answers every query by sorting the whole table, so a request's cost
  grows with the table, where DynamoDB's grows with the partition read. A query on the
  table's key here reads only its partition, as DynamoDB does; queries on an index still
  look at every item (without sorting them all first), which is moto's model of a GSI.
- Responses: moto writes every response through a generic, shape-driven serializer that
  costs milliseconds per item; the item-returning reads, whose results are already
  DynamoDB's wire JSON (scans too: the local stack's snapshots are scans), are written
  with json.dumps.
- Queues: moto counts a queue's messages on every send (it computes all the queue's
  attributes to read one flag) and again for every message it hands out, and tells the
  time through datetime arithmetic for every message it looks at; here a send costs the
  same however long the queue, and looking at a message costs a clock read.
- Connections: werkzeug's server closes the connection after every response, so each
  AWS call paid a new TCP connection and a new thread; waitress keeps connections open
  (HTTP/1.1) and serves them from a pool of threads, more than the local stack's
  long-polling queue consumers and request threads use at once.

    python -m peerless_local.emulator_server PORT
"""
from __future__ import annotations

import base64
import copy
import json
import signal
import sys
import threading
import time
from decimal import Decimal

import waitress
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

_dynamodb = threading.Lock()


def _partition_local_queries() -> None:
    from moto.dynamodb.models.table import Table

    original = Table.query

    def query(self, hash_key, *args, **kwargs):
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name is None:
            partition = self.items.get(hash_key, {})
            # Handed over in order (by the raw key, cheaply) so that moto's own sort,
            # which compares its slow key objects, has nothing left to do.
            self.all_items = lambda: sorted(partition.values(),
                                            key=lambda item: item.range_key.value)
        else:
            self.all_items = lambda: [i for part in self.items.values()
                                      for i in part.values()]
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items  # back to moto's own method

    Table.query = query


_ITEM_READS = {"GetItem", "BatchGetItem", "Query", "Scan"}


def _fast_item_responses() -> None:
    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result

    def execute_result(self, context):
        if context.operation_model.name not in _ITEM_READS:
            return original(self, context)
        body = json.dumps({k: v for k, v in self.result.items() if v is not None},
                          default=_json_default)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    DynamoResult.execute_result = execute_result


def _json_default(value):
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _transactions_back_up_their_items() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    class _TablesUncopied:
        # moto backs a transaction up by deep-copying every table it writes to, whole.
        @staticmethod
        def deepcopy(value, memo=None):
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    models.copy = _TablesUncopied
    write = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        # Under the lock, the items a transaction names are all it can change: their
        # copies are its backup.
        backups = []
        for entry in transact_items:
            kind, operation = next(iter(entry.items()))
            table = self.tables.get(operation.get("TableName"))
            key = operation.get("Item" if kind == "Put" else "Key") or {}
            try:
                hash_key = DynamoType(key[table.hash_key_attr])
                range_key = (DynamoType(key[table.range_key_attr])
                             if table.range_key_attr else None)
            except (AttributeError, KeyError):
                continue  # a transaction moto refuses before it writes anything
            backups.append((table, hash_key, range_key,
                            copy.deepcopy(table.get_item(hash_key, range_key))))
        try:
            write(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(backups):
                _restore(table, hash_key, range_key, item)
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items


def _restore(table, hash_key, range_key, item) -> None:
    if range_key is None:
        if item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item
        return
    partition = table.items[hash_key]
    if item is not None:
        partition[range_key] = item
    else:
        partition.pop(range_key, None)
        if not partition:
            del table.items[hash_key]


def _queues_in_constant_time() -> None:
    from moto.sqs import models

    exact = models.unix_time

    def unix_time(dt=None) -> float:
        return time.time() if dt is None else exact(dt)

    models.unix_time = unix_time
    models.unix_time_millis = lambda dt=None: unix_time(dt) * 1000.0

    sending = threading.local()
    every_attribute = models.Queue.attributes.fget

    def attributes(self) -> dict:
        if getattr(sending, "active", False):
            # All that sending reads; the counts are left to GetQueueAttributes.
            return ({"ContentBasedDeduplication":
                     str(bool(self.content_based_deduplication)).lower()}
                    if self.fifo_queue else {})
        return every_attribute(self)

    models.Queue.attributes = property(attributes)
    send = models.SQSBackend.send_message

    def send_message(self, *args, **kwargs):
        sending.active = True
        try:
            return send(self, *args, **kwargs)
        finally:
            sending.active = False

    models.SQSBackend.send_message = send_message

    def is_message_valid_based_on_retention_period(self, queue_name, message) -> bool:
        # moto computes every attribute of the queue for each message it hands out.
        retention = int(self.get_queue(queue_name).message_retention_period)
        return message.sent_timestamp / 1000 + retention > time.time()

    models.SQSBackend.is_message_valid_based_on_retention_period = (
        is_message_valid_based_on_retention_period)


def _known_services_once() -> None:
    # moto's dispatcher lists its own package directory on every request, under a lock
    # that every request takes, to tell a service name from a host name; the list never
    # changes while the server runs.
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def atomic_dynamodb(app):
    def wrapped(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with _dynamodb:
                # The body is produced inside the lock: moto works while it is read.
                return list(app(environ, start_response))
        return app(environ, start_response)
    return wrapped


def main() -> None:
    port = int(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    _partition_local_queries()
    _fast_item_responses()
    _transactions_back_up_their_items()
    _queues_in_constant_time()
    _known_services_once()
    app = DomainDispatcherApplication(create_backend_app)
    # Long polls (up to 20 s) hold a thread each: one per queue consumer of the stack and
    # of each test's own clients, well under the pool.
    # Bodies up to S3's own limit for one PUT (waitress refuses more than 1 GiB by default).
    waitress.serve(atomic_dynamodb(app), host="127.0.0.1", port=port, threads=64,
                   connection_limit=1000, channel_timeout=120,
                   max_request_body_size=5 * 1024 ** 3, _quiet=True)


if __name__ == "__main__":
    main()
