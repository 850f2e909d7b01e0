"""The inbox door: signed activities are verified, deduplicated by id and queued (202);
everything else is refused with a 4xx problem document naming why, and changes nothing."""
import importlib.util
import json
import sys
import time
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa

from peerless import accounts
from peerless.federation import http_signatures, inbox, ld_signatures, remote_actors
from peerless.federation.inbox import ActivitySeen, Delivery, Refused
from peerless.federation.remote_actors import RemoteActor
from peerless.models import get_or_none
from peerless.moderation import INSTANCE, Mute
from peerless.settings import settings
from tests.unit.federation.conftest import http_time, load, mastodon_body
from tests.unit.federation.test_fetch import Served
from tests.unit.federation.test_remote_actors import KEY, person

# The remote-server fixtures of test_fetch, used here too.

ROOT = Path(__file__).resolve().parents[3]
AP = "application/activity+json"
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def remote(aws, allow_private):
    """A remote server with two actors, bob (KEY) and eve (OTHER_KEY)."""
    server = Served()
    server.json("/users/bob", person(server.url))
    eve = person(server.url, "eve")
    eve["publicKey"]["publicKeyPem"] = _pem(OTHER_KEY)
    server.json("/users/eve", eve)
    server.bob, server.eve = f"{server.url}/users/bob", f"{server.url}/users/eve"
    yield server
    server.close()


def _pem(key) -> str:
    from cryptography.hazmat.primitives import serialization
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def activity(actor: str, number: int = 1, type_: str = "Create", **fields) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "type": type_,
            "id": f"{actor}/activities/{number}", "actor": actor,
            "object": {"type": "Note", "id": f"{actor}/notes/{number}", "content": "Hi"},
            **fields}


def signed(body: bytes, key_id: str, key=KEY, path: str = "/inbox", **options) -> Delivery:
    headers = {"Content-Type": AP}
    headers.update(http_signatures.sign("POST", settings().public_url + path, headers, key_id,
                                        key, body=body, **options))
    return Delivery(path=path, headers=headers, body=body)


def post(data: dict, signer: str, key=KEY, **options) -> str:
    body = json.dumps(data).encode()
    return inbox.receive(signed(body, f"{signer}#main-key", key, **options))


def queued() -> list[dict]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=settings().inbox_queue)["QueueUrl"]
    found = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                          VisibilityTimeout=60).get("Messages", []):
        found += [json.loads(m["Body"]) for m in messages]
    return found


def refused(delivery: Delivery) -> Refused:
    with pytest.raises(Refused) as caught:
        inbox.receive(delivery)
    return caught.value


def assert_nothing_changed(data: dict | None = None):
    assert queued() == []
    if data is not None and isinstance(data.get("id"), str):
        assert get_or_none(ActivitySeen, ActivitySeen.key(data["id"])) is None


def test_a_signed_activity_is_queued_once(remote):
    data = activity(remote.bob)
    assert post(data, remote.bob) == "queued"
    assert post(data, remote.bob) == "duplicate"
    assert queued() == [{"actor": remote.bob, "relayed": False, "activity": data}]
    seen = ActivitySeen.get(*ActivitySeen.key(data["id"]))
    assert (seen.activity_id, seen.actor) == (data["id"], remote.bob)


def test_the_activity_travels_as_it_was_received(remote):
    body = b'{"type":"Create","id":"%s/a/1","actor":"%s","content":"\\u003cp\\u003e \xc3\xa9"}' % (
        remote.bob.encode(), remote.bob.encode())
    assert inbox.receive(signed(body, f"{remote.bob}#main-key")) == "queued"
    [message] = queued()
    assert message["activity"]["content"] == "<p> \u00e9"
    # The worker gets the text back byte for byte (to forward it), trailing space included.
    text = body.decode() + "\n"
    back = inbox.unpack(inbox.message(text, remote.bob, relayed=True))
    assert (back.text, back.actor, back.relayed) == (text, remote.bob, True)
    assert back.activity["content"] == "<p> \u00e9"


def test_an_expired_record_does_not_count(remote):
    data = activity(remote.bob)
    assert post(data, remote.bob) == "queued"
    ActivitySeen.get(*ActivitySeen.key(data["id"])).update(
        actions=[ActivitySeen.expires_at.set(1)])
    assert post(data, remote.bob) == "queued"


def test_records_that_arrive_together_are_written_unless_taken(aws):
    def record(activity_id: str) -> ActivitySeen:
        return ActivitySeen(*ActivitySeen.key(activity_id), activity_id=activity_id,
                            actor="https://remote.example/users/bob",
                            expires_at=int(time.time()) + 60)
    assert inbox._record_seen([record("https://remote.example/taken")]) == [True]
    assert inbox._record_seen([record("https://remote.example/taken")]) == [False]
    ids = ["https://remote.example/1", "https://remote.example/taken",
           "https://remote.example/2", "https://remote.example/1"]
    assert inbox._record_seen([record(i) for i in ids]) == [True, False, True, False]
    assert inbox._record_seen([record(i) for i in ids[:3]]) == [False, False, False]
    for activity_id in ids:
        assert get_or_none(ActivitySeen, ActivitySeen.key(activity_id)) is not None


def test_one_activity_delivered_twice_at_once_is_queued_once(remote):
    data = activity(remote.bob)
    deliveries = [signed(json.dumps(data).encode(), f"{remote.bob}#main-key")
                  for _ in range(6)]
    with ThreadPoolExecutor(len(deliveries)) as pool:
        outcomes = list(pool.map(inbox.receive, deliveries))
    assert sorted(outcomes) == ["duplicate"] * 5 + ["queued"]
    assert queued() == [{"actor": remote.bob, "relayed": False, "activity": data}]


def refusing(bodies: list[str]) -> list[Exception]:
    return [RuntimeError("the queue refused it")] * len(bodies)


def unreachable(bodies: list[str]) -> list[Exception]:
    raise RuntimeError("the queue cannot be reached")


@pytest.mark.parametrize("queue", [refusing, unreachable])
def test_an_activity_the_queue_does_not_take_is_not_recorded(remote, monkeypatch, queue):
    data = activity(remote.bob)
    with monkeypatch.context() as patched:
        patched.setattr(inbox, "_send_to_inbox_queue", queue)
        with pytest.raises(RuntimeError):
            post(data, remote.bob)
    assert_nothing_changed(data)
    assert post(data, remote.bob) == "queued"  # the sender's retry goes through


def test_unsigned_stale_and_wrong_digest_are_refused(remote):
    data = activity(remote.bob)
    body = json.dumps(data).encode()
    unsigned = Delivery(path="/inbox", headers={"Content-Type": AP}, body=body)
    assert refused(unsigned).status == 401
    assert refused(unsigned).reason == "signature_missing_header"
    stale = signed(body, f"{remote.bob}#main-key", now=http_time("Mon, 22 Oct 2018 13:34:22 GMT"))
    assert (refused(stale).status, refused(stale).reason) == (401, "signature_clock")
    good = signed(body, f"{remote.bob}#main-key")
    tampered = Delivery(path="/inbox", headers=good.headers, body=body.replace(b"Hi", b"Ho"))
    assert (refused(tampered).status, refused(tampered).reason) == (401, "signature_digest")
    elsewhere = Delivery(path="/accounts/root/inbox", headers=good.headers, body=body,
                         inbox_kind="account", inbox_name="root")
    accounts.ensure_admin(lambda: "password-of-root")
    assert refused(elsewhere).reason == "signature_bad_signature"
    assert_nothing_changed(data)


def test_a_wrong_key_is_refused_after_one_refetch(remote):
    data = activity(remote.bob)
    assert post(data, remote.bob) == "queued"
    queued()
    before = len(remote.requests)
    caught = refused(signed(json.dumps(activity(remote.bob, 2)).encode(),
                            f"{remote.bob}#main-key", OTHER_KEY))
    assert (caught.status, caught.reason) == (401, "signature_bad_signature")
    assert len(remote.requests) == before + 1
    assert_nothing_changed(activity(remote.bob, 2))


def test_a_rotated_key_is_fetched_again(remote):
    post(activity(remote.bob), remote.bob)
    queued()
    rotated = person(remote.url)
    rotated["publicKey"]["publicKeyPem"] = _pem(OTHER_KEY)
    remote.json("/users/bob", rotated)
    assert post(activity(remote.bob, 2), remote.bob, OTHER_KEY) == "queued"
    assert RemoteActor.get(*RemoteActor.key(remote.bob)).public_key_pem == _pem(OTHER_KEY)


def test_an_unknown_key_is_refused(remote):
    caught = refused(signed(json.dumps(activity(remote.url + "/users/nobody")).encode(),
                            f"{remote.url}/users/nobody#main-key"))
    assert (caught.status, caught.reason) == (401, "unknown_key")
    assert_nothing_changed()


@pytest.mark.parametrize("body, status, reason", [
    (b"{not json", 400, "malformed_json"),
    (b"\xff\xfe{}", 400, "malformed_json"),
    (b'{"type": "Create", "id": NaN}', 400, "malformed_json"),
    (b'{"a": "\xef\xbf\xbe"}', 400, "malformed_json"),
    (b'["Create"]', 400, "invalid_activity"),
    (b'"Create"', 400, "invalid_activity"),
    (b'{"type": "OrderedCollection", "orderedItems": []}', 400, "invalid_activity"),
    (b'{"id": "https://a.example/1", "actor": "https://a.example/u"}', 400, "invalid_activity"),
    (b'{"type": ["Create"], "id": "https://a.example/1", "actor": "https://a.example/u"}',
     400, "invalid_activity"),
    (b'{"type": "Create", "id": 12, "actor": "https://a.example/u"}', 400, "invalid_activity"),
    (b'{"type": "Create", "id": "https://a.example/1", "actor": 7}', 400, "invalid_activity"),
    (b'{"type": "Create", "id": "https://a.example/1", "actor": {"id": null}}', 400,
     "invalid_activity"),
    (b'{"type": "Create", "id": "javascript:x", "actor": "https://a.example/u"}', 400,
     "invalid_activity"),
    (b'{"type": "Create", "id": "https://b.example/1", "actor": "https://a.example/u"}', 400,
     "invalid_activity"),
])
def test_malformed_bodies_are_refused(remote, body, status, reason):
    caught = refused(signed(body, f"{remote.bob}#main-key"))
    assert (caught.status, caught.reason) == (status, reason)
    assert caught.problem()["detail"]
    assert remote.requests == []  # refused before any key fetch
    assert_nothing_changed()


def test_a_huge_body_and_other_media_types_are_refused(remote):
    huge = json.dumps(activity(remote.bob, content="x" * inbox.MAX_BODY)).encode()
    caught = refused(signed(huge, f"{remote.bob}#main-key"))
    assert (caught.status, caught.reason) == (413, "too_large")
    body = json.dumps(activity(remote.bob)).encode()
    form = signed(body, f"{remote.bob}#main-key")
    form = Delivery(path="/inbox", headers={**form.headers, "Content-Type": "text/plain"},
                    body=body)
    assert (refused(form).status, refused(form).reason) == (415, "media_type")
    assert_nothing_changed()


def test_a_relayed_activity_needs_its_actors_signature(remote):
    data = activity(remote.bob)
    caught = refused(signed(json.dumps(data).encode(), f"{remote.eve}#main-key", OTHER_KEY))
    assert (caught.status, caught.reason) == (403, "not_actor")
    forged = ld_signatures.sign_ld(data, OTHER_KEY, f"{remote.bob}#main-key")
    caught = refused(signed(json.dumps(forged).encode(), f"{remote.eve}#main-key", OTHER_KEY))
    assert (caught.status, caught.reason) == (401, "ld_signature_bad_signature")
    by_eve = ld_signatures.sign_ld(data, OTHER_KEY, f"{remote.eve}#main-key")
    caught = refused(signed(json.dumps(by_eve).encode(), f"{remote.eve}#main-key", OTHER_KEY))
    assert (caught.status, caught.reason) == (403, "not_actor")
    assert_nothing_changed(data)
    relayed = ld_signatures.sign_ld(data, KEY, f"{remote.bob}#main-key")
    assert inbox.receive(signed(json.dumps(relayed).encode(), f"{remote.eve}#main-key",
                                OTHER_KEY)) == "queued"
    assert queued() == [{"actor": remote.bob, "relayed": True, "activity": relayed}]


def test_blocked_servers_and_accounts_are_refused_but_their_follows_pass(remote):
    host = remote_actors.host_of(remote.url)
    Mute(*Mute.key(INSTANCE, "server", host), target=host, by="root").save()
    inbox._blocks_in.cache_clear()  # read every BLOCKS_SECONDS otherwise
    caught = refused(signed(json.dumps(activity(remote.bob)).encode(), f"{remote.bob}#main-key"))
    assert (caught.status, caught.reason) == (403, "blocked")
    assert_nothing_changed(activity(remote.bob))
    follow = activity(remote.bob, 2, "Follow", object=settings().public_url + "/accounts/peertube")
    assert post(follow, remote.bob) == "queued"
    Mute(*Mute.key(INSTANCE, "server", host)).delete()
    queued()
    handle = f"eve@{host}"
    Mute(*Mute.key(INSTANCE, "account", handle), target=handle, by="root").save()
    inbox._blocks_in.cache_clear()
    assert post(activity(remote.bob, 3), remote.bob) == "queued"
    queued()
    caught = refused(signed(json.dumps(activity(remote.eve)).encode(), f"{remote.eve}#main-key",
                            OTHER_KEY))
    assert (caught.status, caught.reason) == (403, "blocked")


def test_an_unknown_actors_deletion_is_ignored_without_a_fetch(remote):
    gone = f"{remote.url}/users/gone"
    delete = {"type": "Delete", "id": f"{gone}#delete", "actor": gone, "object": gone}
    assert inbox.receive(signed(json.dumps(delete).encode(), f"{gone}#main-key")) == "ignored"
    assert remote.requests == []
    assert_nothing_changed(delete)


def test_the_real_mastodon_request(aws, federation, monkeypatch):
    """Mastodon 2.5's Create, as it reached a PeerTube at `localhost`, verified by the
    door's own verification with the clock at its date: its HTTP signature, and once
    relayed by someone else, its RsaSignature2017."""
    monkeypatch.setenv("PEERLESS_PUBLIC_URL", "http://localhost")
    settings.cache_clear()
    request = load("mastodon-create-note-request.json")
    data = request["body"]
    actor_url = data["actor"]
    RemoteActor(*RemoteActor.key(actor_url), url=actor_url, type="Person",
                preferred_username="ronan2", host="localhost:3000",
                inbox=f"{actor_url}/inbox", public_key_id=f"{actor_url}#main-key",
                public_key_pem=load("mastodon-actor-public-key.json")["publicKey"]).save()
    delivery = Delivery(path=request["path"], headers=request["headers"],
                        body=mastodon_body(data), inbox_kind="account", inbox_name="ronan")
    at = http_time(request["headers"]["date"])
    verified = inbox.verify(delivery, data, now=at)
    assert verified.actor.url == verified.signer.url == actor_url
    with pytest.raises(Refused) as stale:
        inbox.verify(delivery, data)
    assert stale.value.reason == "signature_clock"

    # Relayed: signed over HTTP by another actor, the activity's own signature vouches.
    relay = "http://relay.localhost/actor"
    RemoteActor(*RemoteActor.key(relay), url=relay, type="Application",
                preferred_username="relay", host="relay.localhost", inbox=f"{relay}/inbox",
                public_key_id=f"{relay}#main-key", public_key_pem=_pem(OTHER_KEY)).save()
    relayed = signed(delivery.body, f"{relay}#main-key", OTHER_KEY, path=request["path"])
    assert inbox.verify(relayed, data).actor.url == actor_url
    bad = load("mastodon-create-note-bad-ld-signature.json")
    body = mastodon_body(bad)
    with pytest.raises(Refused) as caught:
        inbox.verify(signed(body, f"{relay}#main-key", OTHER_KEY), bad)
    assert (caught.value.status, caught.value.reason) == (401, "ld_signature_bad_signature")


# --- the function: routes and the queue's handler ---------------------------------------

@pytest.fixture
def inbox_app():
    path = ROOT / "functions" / "inbox" / "app.py"
    spec = importlib.util.spec_from_file_location("peerless_inbox_app_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_routes(remote, inbox_app):
    client = Client(inbox_app.app)
    data = activity(remote.bob)
    delivery = signed(json.dumps(data).encode(), f"{remote.bob}#main-key")
    answer = client.http.post("/inbox", headers=dict(delivery.headers), body=delivery.body)
    assert answer.status_code == 202, answer.body
    assert json.loads(answer.body) == {"status": "queued"}
    answer = client.http.post("/accounts/nobody/inbox", headers=dict(delivery.headers),
                              body=delivery.body)
    assert answer.status_code == 404
    problem = json.loads(answer.body)
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert (problem["status"], problem["reason"]) == (404, "no_such_inbox")
    answer = client.http.post("/video-channels/nothing/inbox",
                              headers={"Content-Type": "text/html"}, body=b"<p>")
    assert answer.status_code == 415
    answer = client.http.post("/inbox", headers={"Content-Type": AP}, body=b"{")
    assert (answer.status_code, json.loads(answer.body)["reason"]) == (400, "malformed_json")


def test_the_queue_handler_applies_each_activity(inbox_app, monkeypatch):
    applied = []
    fake = types.ModuleType("peerless.federation.activities")
    fake.apply = lambda activity, actor_url, **received: applied.append((activity, actor_url))
    monkeypatch.setitem(sys.modules, "peerless.federation.activities", fake)
    import peerless.federation
    monkeypatch.setattr(peerless.federation, "activities", fake, raising=False)
    records = [{"body": inbox.message(json.dumps({"id": f"https://a.example/{n}"}),
                                      "https://a.example/u")} for n in (1, 2)]
    inbox_app.handle_inbox({"Records": records}, None)
    assert applied == [({"id": "https://a.example/1"}, "https://a.example/u"),
                       ({"id": "https://a.example/2"}, "https://a.example/u")]

    def failing(activity, actor_url, **received):
        raise RuntimeError("the database is away")
    fake.apply = failing
    with pytest.raises(RuntimeError):
        inbox_app.handle_inbox({"Records": records}, None)
