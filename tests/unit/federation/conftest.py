import json
import socket
from email.utils import parsedate_to_datetime

import pytest
from cryptography.hazmat.primitives import serialization

from peerless import accounts
from peerless import aws as peerless_aws
from peerless.federation import actors, delivery, inbox, keys, remote_actors
from peerless.federation.remote_actors import RemoteActor
from peerless.settings import settings
from tests.conftest import CONFORMANCE

ACTIVITYPUB = CONFORMANCE / "activitypub"


@pytest.fixture
def no_network(monkeypatch):
    """For tests of code that must never reach the network (signature checks, remote JSON-LD
    contexts included): any connection attempt fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def load(name: str) -> dict:
    return json.loads((ACTIVITYPUB / name).read_text())


def mastodon_body(activity: dict) -> bytes:
    """The bytes Mastodon sent: compact JSON with <, > and & escaped (Rails' JSON encoder)."""
    text = json.dumps(activity, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def http_time(value: str) -> float:
    return parsedate_to_datetime(value).timestamp()


@pytest.fixture(scope="session")
def mastodon_key() -> str:
    return load("mastodon-actor-public-key.json")["publicKey"]


@pytest.fixture(scope="session")
def mastodon_request() -> dict:
    return load("mastodon-create-note-request.json")


@pytest.fixture(scope="session")
def vectors() -> dict:
    return load("mastodon-http-signature-vectors.json")


@pytest.fixture(scope="session")
def vector_key(vectors):
    """The private key of Mastodon's signing vectors (loading an RSA key is slow: once)."""
    return serialization.load_pem_private_key(vectors["private_key_pem"].encode(), password=None)


@pytest.fixture
def federation(aws, tmp_path, monkeypatch):
    """The mock's AWS resources, keys under a key file of this test's own, nothing cached
    across tests (settings, keys, remote actors, blocks); private addresses refused unless
    the test asks for `allow_private`."""
    monkeypatch.setenv("PEERLESS_KEY_FILE", str(tmp_path / "k.key"))
    monkeypatch.setenv("PEERLESS_KEY_STORE", "local")
    monkeypatch.delenv("PEERLESS_FEDERATION_ALLOW_PRIVATE", raising=False)
    caches = (settings, keys.public_key_pem, keys.private_key, keys._key_file,
              actors._instance_born, delivery._key_id, peerless_aws.queue_url,
              inbox._blocks_in, remote_actors._recent)
    for cache in caches:
        getattr(cache, "cache_clear", getattr(cache, "clear", None))()
    yield
    monkeypatch.undo()
    for cache in caches:
        getattr(cache, "cache_clear", getattr(cache, "clear", None))()


@pytest.fixture
def allow_private(federation, monkeypatch):
    """Remote hosts on loopback (the tests' own servers) are let in."""
    monkeypatch.setenv("PEERLESS_FEDERATION_ALLOW_PRIVATE", "1")
    settings.cache_clear()


@pytest.fixture
def known(monkeypatch):
    """Remote actors that get_actor knows, by URL: a fake of the fetch."""
    found: dict[str, RemoteActor] = {}

    def get_actor(url, *, refresh=False):
        if url not in found:
            raise remote_actors.RemoteActorError("fetch", f"{url} does not answer")
        return found[url]
    monkeypatch.setattr(remote_actors, "get_actor", get_actor)

    def add(actor: RemoteActor) -> RemoteActor:
        found[actor.url] = actor
        return actor
    return add


@pytest.fixture
def alice(aws):
    """A local user with a channel, for the objects made of her videos."""
    return accounts.create_user("alice", "alice@example.com", password_hash="unused",
                                display_name="Alice", channel_name="alice_films")


@pytest.fixture
def served():
    """A tiny HTTP server on loopback (test_fetch.Served), stopped after the test."""
    from tests.unit.federation.test_fetch import Served
    server = Served()
    yield server
    server.close()
