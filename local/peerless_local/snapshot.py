"""Keeps the emulator's data in the data directory across restarts.

moto holds everything in memory. The stack snapshots the table and the buckets into the
data directory after changes (and at shutdown), and loads them back at start:
- `dynamodb/<table>.jsonl`: every item, one per line, in DynamoDB's own JSON (binary
  values in base64, as on the wire);
- `s3/<bucket>/<key>`: every object as a file, with `s3/<bucket>.manifest.json` holding
  each object's ETag and content headers, so only changed objects are copied again.
Queued messages are not kept: uploads waiting in the uploads bucket are announced again at
start (the transcoder ignores what it has done already), and that is what a queue held.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

log = logging.getLogger("peerless.local.snapshot")
_KEPT_HEADERS = ("ContentType", "CacheControl")


def _wire(value: dict, binary) -> dict:
    """A typed DynamoDB value with its binary parts passed through `binary`: boto3 gives
    and takes bytes, JSON holds base64."""
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": binary(inner)}
    if kind == "BS":
        return {"BS": [binary(b) for b in inner]}
    if kind == "M":
        return {"M": {k: _wire(v, binary) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_wire(v, binary) for v in inner]}
    return value


def _item_to_json(item: dict) -> dict:
    return {k: _wire(v, lambda b: base64.b64encode(b).decode()) for k, v in item.items()}


def _item_from_json(item: dict) -> dict:
    return {k: _wire(v, base64.b64decode) for k, v in item.items()}


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class Snapshot:
    def __init__(self, session, data_dir: Path, table: str, buckets: list[str]):
        self._dynamodb = session.client("dynamodb")
        self._s3 = session.client("s3")
        self._dir = data_dir
        self._table = table
        self._buckets = buckets
        self._lock = threading.Lock()

    # --- restore -----------------------------------------------------------------------

    def restore(self) -> None:
        self._restore_table()
        for bucket in self._buckets:
            self._restore_bucket(bucket)

    def _restore_table(self) -> None:
        path = self._dir / "dynamodb" / f"{self._table}.jsonl"
        if not path.exists():
            return
        items = [_item_from_json(json.loads(line))
                 for line in path.read_text().splitlines() if line]
        for start in range(0, len(items), 25):
            requests = [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]
            while requests:
                left = self._dynamodb.batch_write_item(
                    RequestItems={self._table: requests}).get("UnprocessedItems", {})
                requests = left.get(self._table, [])

    def _restore_bucket(self, bucket: str) -> None:
        manifest = self._manifest(bucket)
        root = self._dir / "s3" / bucket
        for key, meta in manifest.items():
            path = root / key
            if path.is_file():
                with path.open("rb") as body:
                    self._s3.put_object(Bucket=bucket, Key=key, Body=body,
                                        **{h: meta[h] for h in _KEPT_HEADERS if meta.get(h)})

    # --- save --------------------------------------------------------------------------

    def save(self) -> None:
        with self._lock:
            self._save_table()
            for bucket in self._buckets:
                self._save_bucket(bucket)

    def _save_table(self) -> None:
        lines = []
        for page in self._dynamodb.get_paginator("scan").paginate(TableName=self._table):
            lines += [json.dumps(_item_to_json(item), sort_keys=True) for item in page["Items"]]
        _write_atomically(self._dir / "dynamodb" / f"{self._table}.jsonl",
                          ("\n".join(lines) + "\n").encode())

    def _save_bucket(self, bucket: str) -> None:
        old = self._manifest(bucket)
        new: dict[str, dict] = {}
        root = self._dir / "s3" / bucket
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                key, etag = obj["Key"], obj["ETag"]
                if old.get(key, {}).get("ETag") == etag and (root / key).is_file():
                    new[key] = old[key]
                    continue
                try:
                    response = self._s3.get_object(Bucket=bucket, Key=key)
                except self._s3.exceptions.NoSuchKey:
                    continue  # deleted since the listing: the next snapshot agrees
                path = root / key
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(path.name + ".tmp")
                with tmp.open("wb") as out:
                    shutil.copyfileobj(response["Body"], out, 1024 * 1024)
                os.replace(tmp, path)
                new[key] = {"ETag": etag, **{h: response.get(h) for h in _KEPT_HEADERS}}
        # The manifest first, then the deletions: a crash in between leaves extra files,
        # never a manifest naming files that are gone.
        _write_atomically(self._dir / "s3" / f"{bucket}.manifest.json",
                          json.dumps(new, indent=0).encode())
        for key in old.keys() - new.keys():
            (root / key).unlink(missing_ok=True)

    def _manifest(self, bucket: str) -> dict:
        path = self._dir / "s3" / f"{bucket}.manifest.json"
        return json.loads(path.read_text()) if path.exists() else {}


class Snapshotter:
    """Saves a snapshot shortly after something changed, and once more at the end."""

    def __init__(self, snapshot: Snapshot, delay: float = 2.0):
        self._snapshot = snapshot
        self._delay = delay
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapshot", daemon=True)

    def mark_dirty(self) -> None:
        self._dirty.set()

    def start(self) -> "Snapshotter":
        self._thread.start()
        return self

    def _run(self) -> None:
        took = 0.0
        while not self._stopping.is_set():
            # A snapshot reads everything, so its cost grows with the data: spaced by nine
            # times the last one's duration, snapshots take at most a tenth of the time of
            # a stack that never stops changing (a burst of federated activities).
            if self._dirty.wait(0.5) and not self._stopping.wait(max(self._delay, 9 * took)):
                self._dirty.clear()
                started = time.monotonic()
                try:
                    self._snapshot.save()
                except Exception:
                    log.exception("snapshot failed; will try again")
                    self._dirty.set()
                took = time.monotonic() - started

    def stop(self) -> None:
        """Saves what changed since the last snapshot, if anything did."""
        self._stopping.set()
        self._thread.join()
        if self._dirty.is_set():
            self._snapshot.save()
