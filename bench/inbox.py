"""Signed activities accepted per second by the inbox, on the real local stack.

Starts a local stack (federating with loopback addresses, no seeder, no inbox worker: the
door alone is measured) and a remote actor served on loopback, signs N activities with
distinct ids beforehand (signing is the sender's cost), then POSTs them to the shared inbox
from 8, 16 and 32 concurrent senders in turn (a busy instance hears from many servers at
once; Mastodon alone delivers from several threads per server). Each is verified (Digest,
Date, RSA signature against the actor's key, fetched once, then kept in memory a while),
checked against the instance's blocks, recorded by id (a conditional write) and put on
the inbox queue; activities that arrive together share those DynamoDB and SQS calls
(peerless.group_commit). A drain in this process takes the messages off the queue as they
come, as the worker would. Prints activities accepted per second and the p50 and p99
latency of one POST at each number of senders, and checks that every activity reached
the queue exactly once. Issue 7 aims at >= 300 activities/s.

Then the door's own cost, without the local stack's HTTP hops to the emulator: the same
`inbox.receive` called in this process, one activity after another, against moto's
in-memory AWS (what a Lambda instance pays per activity, less DynamoDB's and SQS's own
latency).

    .venv/bin/python bench/inbox.py [--activities 2000] [--clients 8,16,32]
"""
from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from peerless.federation import http_signatures  # noqa: E402
from tests.stack import Stack  # noqa: E402
from tests.unit.federation.test_fetch import Served  # noqa: E402
from tests.unit.federation.test_remote_actors import KEY, person  # noqa: E402


def activity(actor: str, number: int) -> bytes:
    return json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
        "id": f"{actor}/statuses/{number}/activity", "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {"type": "Note", "id": f"{actor}/statuses/{number}",
                   "attributedTo": actor, "content": f"<p>Note number {number}</p>"}}).encode()


def signed(stack: Stack, actor: str, body: bytes) -> dict:
    headers = {"Content-Type": "application/activity+json"}
    headers.update(http_signatures.sign("POST", f"{stack.url}/inbox", headers,
                                        f"{actor}#main-key", KEY, body=body))
    return headers


def run(stack: Stack, requests: list[tuple[dict, bytes]], clients: int) -> tuple[float, list]:
    """POSTs every request from `clients` threads; returns the elapsed time and each
    request's latency. Any answer but 202 stops the benchmark."""
    latencies: list[float] = []
    failures: list[str] = []
    cursor = iter(requests)
    lock = threading.Lock()

    def client() -> None:
        # http.client, the lightest client at hand: the senders share the machine with the
        # instance they measure.
        connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=60)
        try:
            while True:
                with lock:
                    item = next(cursor, None)
                if item is None or failures:
                    return
                headers, body = item
                started = time.perf_counter()
                connection.request("POST", "/inbox", body=body, headers=headers)
                answer = connection.getresponse()
                text = answer.read()
                took = time.perf_counter() - started
                with lock:
                    latencies.append(took)
                    if answer.status != 202:
                        failures.append(f"{answer.status} {text[:500]!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"the inbox refused an activity: {failures[0]}")
    return elapsed, latencies


class Drain(threading.Thread):
    """Takes the inbox queue's messages off as they come and counts their activity ids."""

    def __init__(self, stack: Stack):
        super().__init__(daemon=True)
        self.sqs = stack.aws("sqs")
        self.url = self.sqs.get_queue_url(QueueName="peerless-inbox")["QueueUrl"]
        self.ids: Counter[str] = Counter()
        self.stopping = threading.Event()

    def run(self) -> None:
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                                WaitTimeSeconds=1).get("Messages", [])
            if not messages and self.stopping.is_set():
                return
            for message in messages:
                self.ids[json.loads(message["Body"])["activity"]["id"]] += 1
            if messages:
                self.sqs.delete_message_batch(QueueUrl=self.url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)])

    def finish(self) -> Counter[str]:
        self.stopping.set()
        self.join()
        return self.ids


def in_process(actor: str, count: int, tmp: Path) -> float:
    """Activities per second through `inbox.receive` in this process, moto in memory."""
    import os

    from moto import mock_aws

    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                      AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
                      PEERLESS_FEDERATION_ALLOW_PRIVATE="1",
                      PEERLESS_KEY_FILE=str(tmp / "bench.key"))
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3

    from peerless.federation import inbox
    from peerless.settings import settings
    from peerless_local.provision import provision
    settings.cache_clear()
    with mock_aws():
        provision(boto3.session.Session(region_name="us-east-1"))
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue = sqs.get_queue_url(QueueName=settings().inbox_queue)["QueueUrl"]
        url = f"{settings().public_url}/inbox"
        deliveries = []
        for n in range(count + 1):
            body = activity(actor, 10_000_000 + n)
            headers = {"Content-Type": "application/activity+json"}
            headers.update(http_signatures.sign("POST", url, headers, f"{actor}#main-key",
                                                KEY, body=body))
            deliveries.append(inbox.Delivery(path="/inbox", headers=headers, body=body))
        inbox.receive(deliveries[0])  # fetches the actor
        spent = 0.0
        for delivery in deliveries[1:]:
            started = time.perf_counter()
            assert inbox.receive(delivery) == "queued"
            spent += time.perf_counter() - started
            # Untimed: moto counts a queue's messages on every send; keep it short.
            for message in sqs.receive_message(QueueUrl=queue).get("Messages", []):
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return count / spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=2000,
                        help="activities sent at each number of senders")
    parser.add_argument("--clients", default="8,16,32",
                        help="numbers of concurrent senders, one run each (comma-separated)")
    args = parser.parse_args()
    levels = [int(n) for n in args.clients.split(",")]
    remote = Served()
    remote.json("/users/bob", person(remote.url))
    actor = f"{remote.url}/users/bob"
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp) / "data", PEERLESS_FEDERATION_ALLOW_PRIVATE="1",
                      PEERLESS_SEEDER="off", PEERLESS_INBOX_WORKERS="0").start()
        try:
            drain = Drain(stack)
            drain.start()
            # The first activity fetches the actor; the rest find its key in memory.
            body = activity(actor, 0)
            stack.http.post("/inbox", content=body, headers=signed(stack, actor, body))
            warm = [(signed(stack, actor, b), b)
                    for b in (activity(actor, -n) for n in range(1, 201))]
            run(stack, warm, levels[0])
            for level, clients in enumerate(levels):
                print(f"signing {args.activities} activities...", flush=True)
                first = 1 + level * args.activities
                requests = [(signed(stack, actor, b), b) for b in (
                    activity(actor, n) for n in range(first, first + args.activities))]
                runs.append((clients, *run(stack, requests, clients)))
            ids = drain.finish()
        finally:
            stack.stop()
        door = in_process(actor, min(args.activities, 1000), Path(tmp))
        remote.close()
    print(f"inbox: {args.activities} signed activities at each number of concurrent "
          "senders (aim: >= 300/s)")
    for clients, elapsed, latencies in runs:
        latencies.sort()
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        print(f"  {clients:3d} senders: accepted {args.activities / elapsed:,.0f} "
              f"activities/s   p50 {p50:.1f} ms   p99 {p99:.1f} ms")
    sent = args.activities * len(levels) + 201
    once = sum(1 for count in ids.values() if count == 1)
    print(f"  on the inbox queue: {len(ids)} distinct activities of {sent} sent, "
          f"{once} of them exactly once")
    print(f"the door alone (inbox.receive in one thread, moto in memory): {door:,.0f} "
          f"activities/s, {1000 / door:.2f} ms each")


if __name__ == "__main__":
    main()
