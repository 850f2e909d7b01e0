"""moto's server, with DynamoDB's atomicity and DynamoDB's cost model for queries.

- Atomicity: moto serves requests in parallel threads and its DynamoDB checks a condition
  and then writes without a lock, so two racing conditional writes or transactions can
  both pass: the lost update DynamoDB itself never allows. Serialising the DynamoDB
  requests (and only them: S3 and SQS stay parallel) gives the local stack DynamoDB's
  guarantees, which the domain's counters and state changes rely on.
- Queries: moto answers every query by sorting the whole table, so a request's cost
  grows with the table, where DynamoDB's grows with the partition read. A query on the
  table's key here reads only its partition, as DynamoDB does; queries on an index still
  look at every item (without sorting them all first), which is moto's model of a GSI.
- Responses: moto writes every response through a generic, shape-driven serializer that
  costs milliseconds per item; the item-returning reads, whose results are already
  DynamoDB's wire JSON, are written with json.dumps.

    python -m peerless_local.emulator_server PORT
"""
from __future__ import annotations

import base64
import json
import signal
import sys
import threading
from decimal import Decimal

from moto.moto_server.werkzeug_app import (DomainDispatcherApplication, MotoRequestHandler,
                                           create_backend_app)
from werkzeug.serving import run_simple

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


_ITEM_READS = {"GetItem", "BatchGetItem", "Query"}


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
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, atomic_dynamodb(app), threaded=True,
               request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
