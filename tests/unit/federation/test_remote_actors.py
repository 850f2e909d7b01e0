"""Remote actors: fetched, checked (the id is the URL fetched, inbox and key on its host,
the key owned by the actor), stored, served from the table for a day, and found by the key
ids signatures name, aliases included."""
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from peerless.federation import remote_actors
from peerless.federation.remote_actors import RemoteActor, RemoteActorError
from peerless.models import get_or_none, now
from tests.unit.federation.test_fetch import Served

# The remote-server fixtures of test_fetch, used here too.

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                    serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def person(base: str, name: str = "bob", **changes) -> dict:
    url = f"{base}/users/{name}"
    document = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": url, "type": "Person", "preferredUsername": name, "name": "Bob",
        "summary": "<p>Hi</p>", "inbox": f"{url}/inbox", "outbox": f"{url}/outbox",
        "followers": f"{url}/followers", "endpoints": {"sharedInbox": f"{base}/inbox"},
        "icon": [{"type": "Image", "url": f"{base}/small.png", "width": 48},
                 {"type": "Image", "url": f"{base}/big.png", "width": 400}],
        "publicKey": {"id": f"{url}#main-key", "owner": url, "publicKeyPem": PEM}}
    document.update(changes)
    return document


@pytest.fixture
def remote(aws, allow_private):
    server = Served()
    yield server
    server.close()


def test_an_actor_is_fetched_checked_and_stored(remote):
    url = remote.json("/users/bob", person(remote.url))
    actor = remote_actors.get_actor(url)
    host = remote.url.split("/")[2]
    assert (actor.url, actor.type, actor.preferred_username, actor.host) == (
        url, "Person", "bob", host)
    assert (actor.inbox, actor.shared_inbox, actor.outbox, actor.followers_url) == (
        f"{url}/inbox", f"{remote.url}/inbox", f"{url}/outbox", f"{url}/followers")
    assert (actor.public_key_id, actor.public_key_pem) == (f"{url}#main-key", PEM)
    assert actor.icon_url == f"{remote.url}/big.png"
    assert remote_actors.handle(actor) == f"bob@{host}"
    assert remote_actors.delivery_inbox(actor) == f"{remote.url}/inbox"
    stored = RemoteActor.get(*RemoteActor.key(url))
    assert stored.public_key_id == actor.public_key_id
    # From the table now, not from its server.
    remote_actors.get_actor(url)
    assert len(remote.requests) == 1


def test_refreshed_when_a_day_old_or_asked(remote):
    url = remote.json("/users/bob", person(remote.url))
    actor = remote_actors.get_actor(url)
    actor.update(actions=[RemoteActor.fetched_at.set(now() - timedelta(days=1, seconds=1))])
    remote.json("/users/bob", person(remote.url, name="bob", summary="new"))
    assert remote_actors.get_actor(url).summary == "new"
    remote.json("/users/bob", person(remote.url, summary="newer"))
    assert remote_actors.get_actor(url).summary == "new"
    assert remote_actors.get_actor(url, refresh=True).summary == "newer"


def test_a_stale_actor_is_served_while_its_server_is_down(remote):
    url = remote.json("/users/bob", person(remote.url))
    actor = remote_actors.get_actor(url)
    actor.update(actions=[RemoteActor.fetched_at.set(now() - timedelta(days=2))])
    del remote.routes["/users/bob"]
    assert remote_actors.get_actor(url).url == url
    with pytest.raises(RemoteActorError) as refused:
        remote_actors.get_actor(url, refresh=True)
    assert refused.value.reason == "fetch"


@pytest.mark.parametrize("change, why", [
    ({"id": "http://elsewhere.example/users/bob"}, "its id"),
    ({"type": "Note"}, "type"),
    ({"preferredUsername": "bob smith"}, "preferredUsername"),
    ({"preferredUsername": None}, "preferredUsername"),
    ({"inbox": "http://elsewhere.example/inbox"}, "inbox"),
    ({"inbox": "javascript:alert(1)"}, "inbox"),
    ({"endpoints": {"sharedInbox": "http://elsewhere.example/inbox"}}, "shared inbox"),
    ({"publicKey": None}, "publicKey"),
    ({"publicKey": "a string"}, "publicKey"),
])
def test_an_invalid_actor_is_refused_and_not_stored(remote, change, why):
    url = remote.json("/users/bob", person(remote.url, **change))
    with pytest.raises(RemoteActorError, match=why) as refused:
        remote_actors.get_actor(url)
    assert refused.value.reason == "invalid"
    assert get_or_none(RemoteActor, RemoteActor.key(url)) is None


@pytest.mark.parametrize("key_change, why", [
    ({"owner": "http://elsewhere.example/users/eve"}, "owned by"),
    ({"id": "http://elsewhere.example/users/bob#main-key"}, "key id"),
    ({"publicKeyPem": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"},
     "publicKeyPem"),
    ({"publicKeyPem": 42}, "publicKeyPem"),
])
def test_a_key_not_the_actors_is_refused(remote, key_change, why):
    document = person(remote.url)
    document["publicKey"] = {**document["publicKey"], **key_change}
    url = remote.json("/users/bob", document)
    with pytest.raises(RemoteActorError, match=why):
        remote_actors.get_actor(url)


def test_the_actor_of_a_key(remote):
    url = remote.json("/users/bob", person(remote.url))
    actor = remote_actors.actor_for_key(f"{url}#main-key")
    assert actor.url == url
    remote_actors.actor_for_key(f"{url}#main-key")
    assert len(remote.requests) == 1
    with pytest.raises(RemoteActorError) as refused:
        remote_actors.actor_for_key(f"{url}#other-key")
    assert refused.value.reason == "key"


def test_a_key_with_a_document_of_its_own(remote):
    """Servers whose key id is a URL of its own, serving the key with its owner."""
    url = f"{remote.url}/users/bob"
    key_id = f"{url}/main-key"
    remote.json("/users/bob", person(remote.url, publicKey={
        "id": key_id, "owner": url, "publicKeyPem": PEM}))
    remote.json("/users/bob/main-key", {"id": key_id, "type": "Key", "owner": url,
                                        "publicKeyPem": PEM})
    assert remote_actors.actor_for_key(key_id).url == url
    requests = len(remote.requests)
    assert remote_actors.actor_for_key(key_id).url == url  # through the alias
    assert len(remote.requests) == requests


def test_a_key_document_naming_an_owner_elsewhere_is_refused(remote):
    remote.json("/keys/1", {"id": f"{remote.url}/keys/1", "type": "Key",
                            "owner": "http://elsewhere.example/users/bob"})
    with pytest.raises(RemoteActorError) as refused:
        remote_actors.actor_for_key(f"{remote.url}/keys/1")
    assert refused.value.reason == "invalid"


def test_our_own_actors_are_not_remote(aws, federation, monkeypatch):
    from peerless.settings import settings
    own = settings().public_url
    for lookup in (remote_actors.get_actor, remote_actors.actor_for_key):
        with pytest.raises(RemoteActorError) as refused:
            lookup(f"{own}/accounts/root#main-key")
        assert refused.value.reason == "local"


@pytest.mark.parametrize("value", [None, 3, "", "ftp://x/y", "http://", "x" * 3000])
def test_urls_only(aws, federation, value):
    with pytest.raises(RemoteActorError) as refused:
        remote_actors.get_actor(value)
    assert refused.value.reason == "invalid"


def test_a_stale_key_serves_while_its_server_is_down(remote):
    url = remote.json("/users/bob", person(remote.url))
    key_id = f"{url}#main-key"
    remote_actors.actor_for_key(key_id).update(
        actions=[RemoteActor.fetched_at.set(now() - timedelta(days=2))])
    remote_actors._recent.clear()
    del remote.routes["/users/bob"]
    assert remote_actors.actor_for_key(key_id).url == url
    with pytest.raises(RemoteActorError) as refused:
        remote_actors.actor_for_key(key_id, refresh=True)
    assert refused.value.reason == "fetch"
