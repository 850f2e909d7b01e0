"""Remote fetches: signed GETs for ActivityPub JSON that refuse to reach private addresses
(unless the instance is a local test federation), follow at most three redirects, each to
an address checked the same way, and refuse what is too big or not ActivityPub JSON."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from peerless.federation import actors, fetch, http_signatures, keys
from peerless.federation.fetch import FetchError, fetch_json

AP = "application/activity+json"


class Served:
    """A tiny HTTP server on 127.0.0.1: `routes[path] = (status, headers, body)`; the
    requests it got in `requests` as (path, headers)."""

    def __init__(self):
        self.routes: dict[str, tuple[int, dict, bytes]] = {}
        self.requests: list[tuple[str, dict]] = []
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                served.requests.append((self.path, dict(self.headers.items())))
                status, headers, body = served.routes.get(self.path, (404, {}, b"no"))
                self.send_response(status)
                for name, value in headers.items():
                    if value is not None:
                        self.send_header(name, value)
                # Content-Length None: none sent, the body ends when the connection does.
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def json(self, path: str, document: dict, media_type: str = AP) -> str:
        self.routes[path] = (200, {"Content-Type": media_type}, json.dumps(document).encode())
        return self.url + path

    def close(self):
        self.server.shutdown()
        self.server.server_close()


ACTOR = {"id": "x", "type": "Person"}


def test_a_signed_get_as_the_instance_actor(aws, allow_private, served):
    url = served.json("/actor", ACTOR)
    assert fetch_json(url) == ACTOR
    path, headers = served.requests[0]
    assert headers["Accept"] == fetch.ACCEPT
    assert headers["Host"] == url.split("/")[2]
    instance = actors.key_id(actors.account_url(actors.SERVER_ACTOR_NAME))
    assert http_signatures.verify(
        "GET", path, headers, None,
        lambda key_id: keys.public_key_pem(actors.SERVER_ACTOR_NAME)) == instance


def test_loopback_is_refused_unless_allowed(aws, federation, served):
    url = served.json("/actor", ACTOR)
    with pytest.raises(FetchError) as refused:
        fetch_json(url)
    assert refused.value.reason == "private"
    assert served.requests == []  # refused before connecting
    with pytest.raises(FetchError, match="private"):
        fetch_json(url.replace("127.0.0.1", "localhost"))


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1",
    "::1", "::", "fe80::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    "64:ff9b::7f00:1", "2002:7f00:1::1", "2001:db8::1", "fe80::1%eth0"])
def test_private_and_special_addresses_are_not_public(address):
    assert not fetch.is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "64:ff9b::808:808",
                                     "::ffff:8.8.8.8"])
def test_public_addresses_are(address):
    assert fetch.is_public(address)


@pytest.mark.parametrize("url", [
    "http://[::1]/actor", "http://[::ffff:127.0.0.1]/actor", "http://[fe80::1]/actor",
    "http://0x7f000001/actor", "http://2130706433/actor", "http://127.1/actor",
    "http://0.0.0.0/actor", "https://169.254.169.254/latest/meta-data/"])
def test_numeric_forms_of_private_hosts_are_refused(federation, url):
    with pytest.raises(FetchError) as refused:
        fetch.checked_address(url)
    assert refused.value.reason in ("private", "resolve")


@pytest.mark.parametrize("url", ["ftp://example.com/a", "file:///etc/passwd", "/relative",
                                 "http:///nohost", "http://example.com:99999/", "gopher://x/"])
def test_only_http_urls(federation, url):
    with pytest.raises(FetchError) as refused:
        fetch_json(url)
    assert refused.value.reason == "url"


def _public_loopback(monkeypatch):
    """127.0.0.1 counts as public (a stand-in for a remote server), every other
    non-public address stays refused."""
    real = fetch.is_public
    monkeypatch.setattr(fetch, "is_public", lambda a: a == "127.0.0.1" or real(a))


def test_a_redirect_to_a_private_address_is_refused(aws, federation, served, monkeypatch):
    _public_loopback(monkeypatch)
    served.routes["/actor"] = (302, {"Location": "http://169.254.169.254/latest/"}, b"")
    with pytest.raises(FetchError) as refused:
        fetch_json(served.url + "/actor")
    assert refused.value.reason == "private"
    served.routes["/v6"] = (301, {"Location": "http://[::1]:1/x"}, b"")
    with pytest.raises(FetchError, match="private"):
        fetch_json(served.url + "/v6")


def test_redirects_are_followed_three_times_at_most(aws, allow_private, served):
    final = served.json("/final", ACTOR)
    served.routes["/r1"] = (301, {"Location": "/r2"}, b"")
    served.routes["/r2"] = (302, {"Location": "/r3"}, b"")
    served.routes["/r3"] = (307, {"Location": final}, b"")
    assert fetch_json(served.url + "/r1") == ACTOR
    served.routes["/r0"] = (308, {"Location": "/r1"}, b"")
    with pytest.raises(FetchError) as refused:
        fetch_json(served.url + "/r0")
    assert refused.value.reason == "redirects"


def test_too_big_is_refused_declared_or_not(aws, allow_private, served, monkeypatch):
    big = b'{"a": "' + b"x" * fetch.MAX_BYTES + b'"}'
    served.routes["/big"] = (200, {"Content-Type": AP}, big)
    with pytest.raises(FetchError) as refused:
        fetch_json(served.url + "/big")
    assert refused.value.reason == "too_big"
    # No Content-Length: the stream is cut at the limit all the same.
    monkeypatch.setattr(fetch, "MAX_BYTES", 100)
    served.routes["/unsized"] = (200, {"Content-Type": AP, "Content-Length": None}, b" " * 200)
    with pytest.raises(FetchError, match="too_big"):
        fetch_json(served.url + "/unsized")
    served.routes["/small"] = (200, {"Content-Type": AP, "Content-Length": None}, b"{}")
    assert fetch_json(served.url + "/small") == {}


@pytest.mark.parametrize("media_type, body, reason", [
    ("application/json", b'{"id": "x"}', "not_activitypub"),
    ("text/html", b"<html></html>", "not_activitypub"),
    (AP, b"{not json", "not_json"),
    (AP, b'["a", "list"]', "not_json"),
    ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', b'{"id": 1}', None),
])
def test_only_activitypub_json_objects(aws, allow_private, served, media_type, body, reason):
    served.routes["/doc"] = (200, {"Content-Type": media_type}, body)
    if reason is None:
        assert fetch_json(served.url + "/doc") == {"id": 1}
        return
    with pytest.raises(FetchError) as refused:
        fetch_json(served.url + "/doc")
    assert refused.value.reason == reason


def test_errors_and_unreachable_hosts(aws, allow_private, served):
    with pytest.raises(FetchError) as refused:
        fetch_json(served.url + "/missing")
    assert (refused.value.reason, refused.value.status) == ("status", 404)
    with pytest.raises(FetchError) as refused:
        fetch_json("http://127.0.0.1:1/nothing-listens")
    assert refused.value.reason == "network"
    with pytest.raises(FetchError) as refused:
        fetch_json("http://no-such-host.invalid/actor")
    assert refused.value.reason == "resolve"
