"""Delivery against a receiver on 127.0.0.1 (private addresses allowed, as in a local test
federation): the POST arrives signed as PeerTube checks it; 5xx and 429 come back later
with a growing attempt count, 4xx are dropped, the last failure goes to the dead-letter
queue and marks its host, and a marked host is left alone but for an hourly probe."""
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from peerless.federation import actors, delivery, http_signatures, keys
from peerless.models import now
from peerless.settings import settings
from tests.unit.federation.test_follows import INSTANCE, queued


pytestmark = pytest.mark.usefixtures("allow_private")
ACTIVITY = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
            "id": "http://localhost:9000/videos/watch/1/activity",
            "actor": "http://localhost:9000/accounts/peertube", "object": "x"}


@pytest.fixture
def receiver():
    """An inbox answering what `status` holds, recording what it got."""
    got, answer = [], {"status": 202}

    class Inbox(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append({"path": self.path, "headers": dict(self.headers.items()),
                        "body": body})
            self.send_response(answer["status"])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield type("Receiver", (), {"got": got, "answer": answer,
                                "inbox": f"http://127.0.0.1:{server.server_port}/inbox",
                                "host": f"127.0.0.1:{server.server_port}"})
    server.shutdown()


@pytest.fixture
def sent(monkeypatch):
    """What the worker puts back on a queue: (queue, delay, message)."""
    calls = []
    original = delivery._send

    def spy(messages, delay=0, queue=None):
        calls.extend((queue, delay, m) for m in messages)
        original(messages, delay, queue)
    monkeypatch.setattr(delivery, "_send", spy)
    return calls


def one(inbox: str, attempt: int = 1, **extra) -> dict:
    return {"activity": ACTIVITY, "sender": INSTANCE, "inbox": inbox, "attempt": attempt,
            **extra}


def records(*messages) -> list[dict]:
    return [{"body": json.dumps(m)} for m in messages]


def test_deliver_queues_one_message_per_distinct_inbox():
    delivery.deliver(ACTIVITY, sender=INSTANCE,
                     inboxes=["http://a.example/inbox", "http://b.example/inbox",
                              "http://a.example/inbox", None])
    assert sorted(m["inbox"] for m in queued()) == ["http://a.example/inbox",
                                                    "http://b.example/inbox"]


def test_the_post_arrives_signed(receiver):
    delivery.deliver(ACTIVITY, sender=INSTANCE, inboxes=[receiver.inbox])
    [message] = queued()
    assert message == one(receiver.inbox)
    assert delivery.handle(records(message)) == ["delivered"]

    [request] = receiver.got
    headers = request["headers"]
    assert headers["Content-Type"] == "application/activity+json"
    assert json.loads(request["body"]) == ACTIVITY
    signer = http_signatures.verify(
        "POST", request["path"], headers, request["body"],
        lambda key_id: keys.public_key_pem(INSTANCE)
        if key_id == actors.key_id(actors.account_url(INSTANCE)) else None,
        expected_host=receiver.host)
    assert signer.endswith("/accounts/peertube#main-key")
    signed = http_signatures.parse_signature_header(headers["Signature"]).headers
    assert signed == ("(request-target)", "host", "date", "digest", "content-type")


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_come_back_later_with_the_next_attempt(receiver, sent, status):
    receiver.answer["status"] = status
    before = time.time()
    assert delivery.process(one(receiver.inbox, attempt=3)) == "retried"
    [(queue, delay, message)] = sent
    assert queue is None and message["attempt"] == 4
    # The third wait of the schedule (2 min), with its jitter of a quarter either way.
    wait = message["not_before"] - before
    assert 90 <= delay <= 150 and 89 <= wait <= 151
    assert queued() == []              # delayed: not to be received yet


def test_a_long_wait_is_made_of_hops(receiver, sent):
    clock = time.time()
    later = one(receiver.inbox, attempt=12, not_before=clock + 5000)
    assert delivery.process(later, clock=clock) == "hop"
    assert sent == [(None, 900, later)] and receiver.got == []
    assert delivery.process(later, clock=clock + 4500) == "hop"
    assert sent[-1] == (None, 500, later)
    assert delivery.process(later, clock=clock + 5001) == "delivered"
    # Past the first wait, every one is longer than SQS can delay a message.
    assert delivery.RETRY_DELAYS[5] > delivery.SQS_MAX_DELAY
    assert 40 * 3600 < sum(delivery.RETRY_DELAYS) < 56 * 3600


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 301])
def test_refusals_are_dropped_not_retried(receiver, sent, status, caplog):
    receiver.answer["status"] = status
    assert delivery.process(one(receiver.inbox)) == "dropped"
    assert sent == [] and queued() == []
    assert f"HTTP {status}" in caplog.text


def test_an_unreachable_inbox_is_retried(sent):
    assert delivery.process(one("http://127.0.0.1:9/inbox")) == "retried"
    assert sent[0][2]["attempt"] == 2


def test_a_private_address_is_refused_unless_allowed(receiver, monkeypatch):
    monkeypatch.setenv("PEERLESS_FEDERATION_ALLOW_PRIVATE", "0")
    settings.cache_clear()
    assert delivery.process(one(receiver.inbox)) == "dropped"
    assert receiver.got == []


def test_the_last_failure_goes_to_the_dead_letters_and_marks_the_host(receiver, sent):
    receiver.answer["status"] = 502
    last = one(receiver.inbox, attempt=delivery.MAX_ATTEMPTS)
    assert delivery.process(last) == "dead"
    [dead] = queued(f"{settings().delivery_queue}-dlq")
    assert dead == {**last, "error": "HTTP 502"}
    assert queued() == []
    record = delivery.host_failure(receiver.host)
    assert record.reason == "HTTP 502"

    # A marked host is left alone: new deliveries to it are skipped, not even tried.
    receiver.got.clear()
    receiver.answer["status"] = 202
    assert delivery.process(one(receiver.inbox)) == "skipped"
    assert receiver.got == []

    # An hour later one delivery probes it (one only); its success clears the mark.
    record.update(actions=[delivery.HostFailure.tried_at.set(now() - timedelta(hours=2))])
    assert delivery.handle(records(one(receiver.inbox), one(receiver.inbox))) in (
        ["delivered", "skipped"], ["skipped", "delivered"])
    assert len(receiver.got) == 1
    assert delivery.host_failure(receiver.host) is None
    assert delivery.process(one(receiver.inbox)) == "delivered"


def test_a_message_from_no_local_actor_is_dropped(receiver):
    assert delivery.process({**one(receiver.inbox), "sender": "nobody"}) == "dropped"
    assert receiver.got == []
