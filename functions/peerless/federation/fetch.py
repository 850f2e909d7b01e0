"""Fetching ActivityPub documents from other servers, safely.

Every fetch is a GET signed as the instance actor (PeerTube signs its fetches so that
servers in "authorized fetch" mode answer), asking for ActivityPub JSON. What a remote
document points at is chosen by whoever wrote it, so a fetch must not become a way into
our own network (SSRF): the host is resolved first and every address it resolves to must
be a public one (not private, loopback, link-local, shared, reserved, multicast, nor one of
those wrapped in IPv6), and the connection then goes to the address that was checked, so a
second DNS answer cannot swap it (DNS rebinding). Redirects are followed by hand, each
target checked the same way. Local test federations, whose servers all live on loopback,
lift the address check with `PEERLESS_FEDERATION_ALLOW_PRIVATE=1`.

The answer must be an ActivityPub media type (as Mastodon requires: a JSON file uploaded
to some host's storage must not pass for one of that host's actors) and a JSON object of
at most `MAX_BYTES`, read as it streams so a huge answer costs no memory.
"""
from __future__ import annotations

import ipaddress
import json
import socket
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from ..settings import settings
from . import actors, http_signatures, keys

ACCEPT = ('application/activity+json, '
          'application/ld+json; profile="https://www.w3.org/ns/activitystreams"')
ACTIVITYPUB_TYPES = ("application/activity+json", "application/ld+json")
MAX_BYTES = 1024 * 1024
MAX_REDIRECTS = 3
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_REDIRECTS = (301, 302, 303, 307, 308)
# Prefixes that carry an IPv4 address inside an IPv6 one: NAT64 (RFC 6052) reaches it
# through a gateway, 6to4 (RFC 3056) routes to it.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    """A document that could not be fetched. `reason` is one of: `url` (not an http(s)
    URL with a host), `private` (the host is or resolves to a non-public address),
    `resolve` (no address), `network` (connection or timeout), `status` (an answer other
    than 2xx; `status` holds it), `redirects` (more than MAX_REDIRECTS), `too_big`,
    `not_activitypub` (another media type), `not_json` (not a JSON object)."""

    def __init__(self, reason: str, message: str, status: int | None = None):
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.status = status


def fetch_json(url: str) -> dict:
    """The ActivityPub document at `url`, fetched by a signed GET. Raises FetchError."""
    current = url
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            response_or_next = _get(client, current)
            if isinstance(response_or_next, dict):
                return response_or_next
            current = response_or_next
    raise FetchError("redirects", f"more than {MAX_REDIRECTS} redirects from {url}")


def checked_address(url: str) -> tuple[str, str, int, str]:
    """The parts of `url` and the one address to connect to: (scheme, host, port, address).
    Raises FetchError when the URL is not http(s) or its host is not public (unless the
    instance allows private addresses)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchError("url", f"unparsable URL {url!r} ({error})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("url", f"{url!r} is not an http(s) URL with a host")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError("resolve", f"cannot resolve {parts.hostname} ({error})") from None
    addresses = [info[4][0] for info in found]
    if not addresses:
        raise FetchError("resolve", f"{parts.hostname} has no address")
    if not settings().federation_allow_private:
        # Every address, not just the one we would use: any could be picked on a retry.
        for address in addresses:
            if not is_public(address):
                raise FetchError("private",
                                 f"{parts.hostname} resolves to {address}, not a public address")
    return parts.scheme, parts.hostname, port, addresses[0]


def is_public(address: str) -> bool:
    """Whether an IP address is one a remote server may have: globally routable and not
    multicast, including the IPv4 address inside an IPv4-mapped, NAT64 or 6to4 one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not ip.is_multicast


def _send_pinned(client: httpx.Client, url: str, accept: str,
                 signed: bool) -> httpx.Response:
    """A streamed GET of `url` to the one address checked for it."""
    scheme, host, port, address = checked_address(url)
    parts = urlsplit(url)
    default = 443 if scheme == "https" else 80
    named = f"[{host}]" if ":" in host else host
    host_header = named if port == default else f"{named}:{port}"
    literal = f"[{address}]" if ":" in address else address
    # The connection goes to the checked address; Host and TLS's server name stay the
    # host's, so virtual hosts and certificates work as for any client.
    pinned = urlunsplit((scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
    headers = {"Host": host_header, "Accept": accept,
               "User-Agent": f"Peerless (+{settings().public_url})"}
    if signed:
        instance = actors.account_url(actors.SERVER_ACTOR_NAME)
        headers.update(http_signatures.sign("GET", url, headers, actors.key_id(instance),
                                            keys.private_key(actors.SERVER_ACTOR_NAME)))
    request = client.build_request("GET", pinned, headers=headers,
                                   extensions={"sni_hostname": host})
    try:
        return client.send(request, stream=True)
    except httpx.HTTPError as error:
        raise FetchError("network", f"GET {url} failed ({error})") from None


def fetch_file(url: str, max_bytes: int) -> bytes:
    """A public file of another server (a media file a mirror copies), by an unsigned GET
    to its checked address, no redirect followed. Raises FetchError."""
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        response = _send_pinned(client, url, "*/*", signed=False)
        try:
            if not 200 <= response.status_code < 300:
                raise FetchError("status", f"{url} answered {response.status_code}",
                                 response.status_code)
            return _read(response, url, max_bytes)
        finally:
            response.close()


def _get(client: httpx.Client, url: str) -> dict | str:
    """One hop: the document, or the URL a redirect points at."""
    response = _send_pinned(client, url, ACCEPT, signed=True)
    try:
        if response.status_code in _REDIRECTS:
            location = response.headers.get("location")
            if not location:
                raise FetchError("status", f"{url} redirects nowhere", response.status_code)
            return urljoin(url, location)
        if not 200 <= response.status_code < 300:
            raise FetchError("status", f"{url} answered {response.status_code}",
                             response.status_code)
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in ACTIVITYPUB_TYPES:
            raise FetchError("not_activitypub",
                             f"{url} is {media_type or 'untyped'}, not ActivityPub JSON")
        body = _read(response, url)
    finally:
        response.close()
    try:
        document = json.loads(body)
    except ValueError:
        raise FetchError("not_json", f"{url} is not valid JSON") from None
    if not isinstance(document, dict):
        raise FetchError("not_json", f"{url} is not a JSON object")
    return document


def _read(response: httpx.Response, url: str, limit: int | None = None) -> bytes:
    limit = MAX_BYTES if limit is None else limit
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError("too_big", f"{url} is {declared} bytes, more than {limit}")
    chunks, size = [], 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError("too_big", f"{url} is more than {limit} bytes")
            chunks.append(chunk)
    except httpx.HTTPError as error:
        raise FetchError("network", f"reading {url} failed ({error})") from None
    return b"".join(chunks)
