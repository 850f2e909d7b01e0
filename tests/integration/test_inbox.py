"""The inbox door on a real local stack, with real signed HTTP: a remote actor served from
loopback (the stack federates with private addresses for this), its activities POSTed to
the shared inbox and to actors' inboxes. Accepted ones are on the inbox queue once, however
often they are delivered; everything malformed, unsigned, stale or tampered is a 4xx
problem document and leaves the queue empty. The stack runs no inbox worker, so the test
reads what the door queued."""
import json

import httpx
import pytest

from peerless.federation import http_signatures
from tests.stack import Stack
from tests.unit.federation.test_fetch import Served
from tests.unit.federation.test_remote_actors import KEY, person

pytestmark = pytest.mark.integration
AP = "application/activity+json"


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("inbox") / "data",
                  PEERLESS_FEDERATION_ALLOW_PRIVATE="1", PEERLESS_SEEDER="off",
                  PEERLESS_INBOX_WORKERS="0").start()
    remote = Served()
    remote.json("/users/bob", person(remote.url))
    remote.bob = f"{remote.url}/users/bob"
    stack.remote = remote
    yield stack
    remote.close()
    stack.stop()


def queued(stack: Stack) -> list[dict]:
    """Takes every message off the inbox queue."""
    sqs = stack.aws("sqs")
    url = sqs.get_queue_url(QueueName="peerless-inbox")["QueueUrl"]
    found = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                          WaitTimeSeconds=1).get("Messages", []):
        found += [json.loads(m["Body"]) for m in messages]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(messages)])
    return found


def activity(by: str, number: int, **fields) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
            "id": f"{by}/statuses/{number}/activity", "actor": by,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {"type": "Note", "id": f"{by}/statuses/{number}",
                       "content": "<p>Hello</p>", "attributedTo": by}, **fields}


def signed(stack: Stack, body: bytes, path: str = "/inbox", headers: dict | None = None,
           **options) -> dict:
    """The headers of a POST of `body` signed by bob."""
    sent = {"Content-Type": AP, **(headers or {})}
    return {**sent, **http_signatures.sign("POST", stack.url + path, sent,
                                           f"{stack.remote.bob}#main-key", KEY, body=body,
                                           **options)}


def post(stack: Stack, body: bytes, path: str = "/inbox", *, sign: bool = True,
         headers: dict | None = None, **options) -> httpx.Response:
    sent = signed(stack, body, path, headers, **options) if sign else {
        "Content-Type": AP, **(headers or {})}
    return stack.http.post(path, content=body, headers=sent)


def test_a_signed_activity_is_queued_once(door):
    data = activity(door.remote.bob, 1)
    body = json.dumps(data).encode()
    first = post(door, body)
    assert first.status_code == 202, first.text
    assert first.json() == {"status": "queued"}
    # The very same request again (a retry), then signed anew (a second delivery).
    again = door.http.post("/inbox", content=body, headers=first.request.headers)
    assert again.status_code == 202 and again.json() == {"status": "duplicate"}
    assert post(door, body).json() == {"status": "duplicate"}
    assert queued(door) == [{"actor": door.remote.bob, "relayed": False, "activity": data}]


def test_actors_inboxes(door):
    answer = post(door, json.dumps(activity(door.remote.bob, 2)).encode(),
                  "/accounts/root/inbox")
    assert answer.status_code == 202, answer.text
    answer = post(door, json.dumps(activity(door.remote.bob, 3)).encode(),
                  "/accounts/peertube/inbox")
    assert answer.status_code == 202, answer.text
    assert len(queued(door)) == 2
    for path in ("/accounts/nobody/inbox", "/video-channels/nothing/inbox"):
        answer = post(door, json.dumps(activity(door.remote.bob, 4)).encode(), path)
        assert answer.status_code == 404
        assert answer.json()["reason"] == "no_such_inbox"
    assert queued(door) == []


def _fuzz_cases(stack: Stack):
    bob = stack.remote.bob
    good = json.dumps(activity(bob, 100)).encode()
    yield "malformed JSON", post(stack, b'{"type": "Create", "id": '), 400, "malformed_json"
    yield "not UTF-8", post(stack, b'{"type": "\xff"}'), 400, "malformed_json"
    yield "an array", post(stack, b"[]"), 400, "invalid_activity"
    yield "type a number", post(stack, json.dumps(activity(bob, 101, type=5)).encode()), \
        400, "invalid_activity"
    yield "actor a list", post(stack, json.dumps(activity(bob, 102, actor=[bob])).encode()), \
        400, "invalid_activity"
    yield "id an object", post(stack, json.dumps(activity(bob, 103, id={"a": 1})).encode()), \
        400, "invalid_activity"
    yield "no id", post(stack, json.dumps({"type": "Like", "actor": bob}).encode()), \
        400, "invalid_activity"
    yield "unsigned", post(stack, good, sign=False), 401, "signature_missing_header"
    yield "stale date", post(stack, good, now=1_500_000_000), 401, "signature_clock"
    yield "future date", post(stack, good, headers={"Date": "Tue, 01 Jan 2036 00:00:00 GMT"}), \
        401, "signature_clock"
    headers = signed(stack, good)
    yield "wrong digest", stack.http.post("/inbox", headers=headers,
                                          content=good.replace(b"Hello", b"Howdy")), \
        401, "signature_digest"
    yield "garbled signature", stack.http.post(
        "/inbox", content=good, headers={**headers, "Signature": "keyId=nope"}), \
        401, "signature_malformed"
    yield "signed for another path", stack.http.post(
        "/accounts/root/inbox", content=good, headers=headers), 401, "signature_bad_signature"
    yield "huge body", post(stack, json.dumps(activity(bob, 104, content="x" * 600_000)).encode()), \
        413, "too_large"
    yield "not JSON", post(stack, good, headers={"Content-Type": "text/plain"}), \
        415, "media_type"


def test_bad_input_is_a_4xx_and_nothing_is_queued(door):
    queued(door)
    for name, answer, status, reason in _fuzz_cases(door):
        assert answer.status_code == status, (name, answer.text)
        problem = answer.json()
        assert answer.headers["content-type"] == "application/problem+json", name
        assert (problem["status"], problem["reason"]) == (status, reason), name
        assert problem["detail"], name
    assert queued(door) == []
    # Nothing was recorded either: the activity the cases above mangled is taken as new.
    assert post(door, json.dumps(activity(door.remote.bob, 100)).encode()).json() == {
        "status": "queued"}
    assert len(queued(door)) == 1


def test_a_body_beyond_the_gateway_limit(door):
    answer = door.http.post("/inbox", content=b" " * (11 * 1024 * 1024),
                            headers={"Content-Type": AP})
    assert answer.status_code == 413
    assert queued(door) == []


def test_behind_the_cdn_the_forwarded_host_is_the_signed_one(door):
    """On AWS, API Gateway receives its own Host and CloudFront passes the one the sender
    signed in X-Forwarded-Host; a request signed for another server stays refused."""
    ours = door.url.split("://")[1]
    body = json.dumps(activity(door.remote.bob, 5)).encode()
    headers = {**signed(door, body), "Host": "abc123.execute-api.us-east-1.amazonaws.com",
               "X-Forwarded-Host": ours}
    answer = door.http.post("/inbox", content=body, headers=headers)
    assert answer.status_code == 202, answer.text
    elsewhere = "other.example"
    body = json.dumps(activity(door.remote.bob, 6)).encode()
    sent = {"Content-Type": AP}
    headers = {**sent, **http_signatures.sign(
        "POST", f"https://{elsewhere}/inbox", sent, f"{door.remote.bob}#main-key", KEY,
        body=body), "X-Forwarded-Host": elsewhere}
    answer = door.http.post("/inbox", content=body, headers=headers)
    assert answer.status_code == 401 and answer.json()["reason"] == "signature_host"
    assert len(queued(door)) == 1
