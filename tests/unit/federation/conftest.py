import json
import socket
from email.utils import parsedate_to_datetime

import pytest
from cryptography.hazmat.primitives import serialization

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
