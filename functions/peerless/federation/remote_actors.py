"""Actors of other servers (Mastodon accounts, PeerTube accounts, channels and instances):
fetched from their URL, checked, and kept in the table, refreshed when a day old.

A remote document is trusted only as far as its origin vouches for it: its `id` must be the
URL it was fetched from (so no server can speak for another's actor), and its inbox,
shared inbox and public key must live on that same host, the key owned by the actor. What
signatures name is a key id; for most servers it is the actor's URL with a fragment
(`#main-key`), for some a URL of its own whose document names the actor as `owner`: those
are remembered as an alias from the key id to the actor.
"""
from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from ..accounts import next_id
from ..models import Item, get_or_none, now
from ..settings import settings
from .fetch import FetchError, fetch_json

ACTOR_TYPES = {"Person", "Application", "Group", "Service", "Organization"}
REFRESH_AFTER = timedelta(days=1)
MAX_URL = 2000                    # PeerTube's CONSTRAINTS_FIELDS.ACTORS.URL
MAX_TEXT = 10_000                 # a name or summary kept, in characters
# Keys an inbox just checked against, kept in the process's memory a little while: a busy
# sender's activities then cost no table read each. A rotated key is no worry: a signature
# that fails makes the inbox ask again with `refresh`, which bypasses and replaces this.
MEMORY_SECONDS = 60
MEMORY_SIZE = 4096
_recent: dict[str, tuple[float, "RemoteActor"]] = {}
_recent_lock = threading.Lock()
# PeerTube's actorNameAlphabet.
_USERNAME = re.compile(r"^[A-Za-z0-9\-_.:]+$")


class RemoteActorError(Exception):
    """A remote actor that cannot be had. `reason`: `fetch` (its document could not be
    fetched; the FetchError is the cause), `invalid` (its document fails a check),
    `local` (the URL is this instance's own), `key` (the key is not the actor's)."""

    def __init__(self, reason: str, message: str):
        super().__init__(f"{reason}: {message}")
        self.reason = reason


class RemoteActor(Item, discriminator="remote-actor"):
    """A remote actor as last fetched, by its URL (its ActivityPub id)."""
    url = UnicodeAttribute()
    type = UnicodeAttribute()
    preferred_username = UnicodeAttribute()
    host = UnicodeAttribute()                 # lower case, with the port when not default
    name = UnicodeAttribute(null=True)
    summary = UnicodeAttribute(null=True)
    inbox = UnicodeAttribute()
    shared_inbox = UnicodeAttribute(null=True)
    followers_url = UnicodeAttribute(null=True)
    outbox = UnicodeAttribute(null=True)
    public_key_id = UnicodeAttribute()
    public_key_pem = UnicodeAttribute()
    icon_url = UnicodeAttribute(null=True)
    fetched_at = UTCDateTimeAttribute(default=now)
    # PeerTube's numeric id of the account or channel in this instance's API, from the
    # local sequences so that no local one shares it; kept across refreshes.
    number = NumberAttribute(null=True)
    owner_url = UnicodeAttribute(null=True)   # a channel's account (attributedTo a Person)

    @staticmethod
    def key(url: str) -> tuple[str, str]:
        return f"remote-actor#{url}", "remote-actor"

    @staticmethod
    def handle_nid(handle: str) -> str:
        return f"actor-handle#{handle.lower()}"


class RemoteKey(Item, discriminator="remote-key"):
    """A key id that is not its actor's URL plus a fragment, and whose actor it is."""
    actor_url = UnicodeAttribute()

    @staticmethod
    def key(key_id: str) -> tuple[str, str]:
        return f"remote-key#{key_id}", "remote-key"


def host_of(url: str) -> str:
    """The host of a URL as PeerTube names servers: lower case, with a port that is not
    the scheme's default."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = (parts.hostname or "").lower()
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def handle(actor: RemoteActor) -> str:
    """The actor's handle, `name@host`."""
    return f"{actor.preferred_username}@{actor.host}"


def delivery_inbox(actor: RemoteActor) -> str:
    """Where to deliver to the actor: its server's shared inbox when it has one."""
    return actor.shared_inbox or actor.inbox


def get_actor(url: str, *, refresh: bool = False) -> RemoteActor:
    """The remote actor at `url`, from the table unless it is a day old or `refresh` is
    asked, else fetched, checked and stored. A stale actor whose server does not answer is
    still served (its key still checks what it signed). Raises RemoteActorError."""
    _check_url(url, "actor")
    if host_of(url) == settings().host.lower():
        raise RemoteActorError("local", f"{url} is an actor of this instance")
    cached = get_or_none(RemoteActor, RemoteActor.key(url))
    if cached is not None and not refresh and _fresh(cached):
        return cached
    try:
        document = fetch_json(url)
    except FetchError as error:
        if cached is not None and not refresh:
            return cached
        raise RemoteActorError("fetch", str(error)) from error
    return store(document, url)


def actor_for_key(key_id: str, *, refresh: bool = False) -> RemoteActor:
    """The remote actor whose public key is `key_id` (a signature's keyId). With
    `refresh`, fetched again whatever the table holds: a signature failed and the actor
    may have a new key. Raises RemoteActorError."""
    _check_url(key_id, "key")
    if not refresh:
        recent = _recent.get(key_id)
        if recent is not None and time.monotonic() - recent[0] < MEMORY_SECONDS:
            return recent[1]
    base = key_id.split("#", 1)[0]
    stored = None if refresh else _stored_for_key(key_id, base)
    if stored is not None and _fresh(stored):
        actor = stored
    else:
        try:
            actor = _actor_of_key_document(key_id, base, refresh)
        except RemoteActorError as error:
            # As get_actor: a stale key whose server does not answer still checks.
            if error.reason != "fetch" or stored is None:
                raise
            actor = stored
        if actor.public_key_id != key_id:
            raise RemoteActorError("key", f"{key_id} is not the key of {actor.url}")
        if actor.url != base:
            RemoteKey(*RemoteKey.key(key_id), actor_url=actor.url).save()
    with _recent_lock:  # request threads share it (the local front serves several)
        if len(_recent) >= MEMORY_SIZE:
            del _recent[next(iter(_recent))]  # the oldest in
        _recent[key_id] = (time.monotonic(), actor)
    return actor


def _stored_for_key(key_id: str, base: str) -> RemoteActor | None:
    stored = get_or_none(RemoteActor, RemoteActor.key(base))
    if stored is None:
        alias = get_or_none(RemoteKey, RemoteKey.key(key_id))
        if alias is not None:
            stored = get_or_none(RemoteActor, RemoteActor.key(alias.actor_url))
    return stored if stored is not None and stored.public_key_id == key_id else None


def _actor_of_key_document(key_id: str, base: str, refresh: bool) -> RemoteActor:
    if host_of(base) == settings().host.lower():
        raise RemoteActorError("local", f"{key_id} is a key of this instance")
    try:
        document = fetch_json(base)
    except FetchError as error:
        raise RemoteActorError("fetch", str(error)) from error
    if document.get("id") == base and document.get("type") in ACTOR_TYPES:
        return store(document, base)
    # A key document (or a stub) naming its owner, as some servers serve at the key id.
    key = document.get("publicKey") if isinstance(document.get("publicKey"), dict) else document
    owner = key.get("owner")
    if not isinstance(owner, str) or host_of(owner) != host_of(key_id):
        raise RemoteActorError("invalid", f"{base} is neither an actor nor a key of one")
    return get_actor(owner, refresh=refresh)


def store(document: dict, url: str) -> RemoteActor:
    """Checks an actor document fetched from `url` and stores it (replacing what the table
    had). Raises RemoteActorError("invalid") naming the first check it fails."""
    actor = parse(document, url)
    known = get_or_none(RemoteActor, RemoteActor.key(url))
    actor.number = known.number if known is not None and known.number else next_id(
        "channel" if actor.type == "Group" else "account")
    actor.nid = RemoteActor.handle_nid(handle(actor))
    if actor.owner_url:
        # An account's channels, found when the account is deleted (owned_by).
        actor.owner_pk, actor.owner_sk = _owned_list(actor.owner_url), url
    actor.save()
    return actor


def _owned_list(owner_url: str) -> str:
    return f"remote-actors-of#{owner_url}"


def owned_by(account_url: str) -> list[RemoteActor]:
    """The remote channels known here of the remote account `account_url`."""
    return list(RemoteActor.by_owner.query(_owned_list(account_url)))


def forget(actor: RemoteActor) -> None:
    """Removes the stored actor, its key alias and what this process remembers of it."""
    if actor.public_key_id.split("#", 1)[0] != actor.url:
        RemoteKey(*RemoteKey.key(actor.public_key_id)).delete()
    with _recent_lock:
        _recent.pop(actor.public_key_id, None)
    actor.delete()


def known(url: str) -> RemoteActor | None:
    """The remote actor at `url` as stored, without fetching."""
    return get_or_none(RemoteActor, RemoteActor.key(url))


def by_handle(handle_: str) -> RemoteActor | None:
    """The remote actor known by the handle `name@host` (case-insensitive), if any: the
    last fetched, should two URLs have carried that handle."""
    found = list(RemoteActor.by_nid.query(RemoteActor.handle_nid(handle_)))
    return max(found, key=lambda a: a.fetched_at) if found else None


def parse(document: dict, url: str) -> RemoteActor:
    """The RemoteActor an actor document fetched from `url` describes, once checked."""
    def invalid(why: str) -> RemoteActorError:
        return RemoteActorError("invalid", f"the actor at {url}: {why}")

    if document.get("id") != url:
        raise invalid(f"its id is {document.get('id')!r}, not the URL it was fetched from")
    if document.get("type") not in ACTOR_TYPES:
        raise invalid(f"type {document.get('type')!r} is not an actor's")
    username = document.get("preferredUsername")
    if not isinstance(username, str) or not _USERNAME.match(username) or len(username) > 255:
        raise invalid("no valid preferredUsername")
    host = host_of(url)

    def same_host_url(value, what: str, required: bool = True) -> str | None:
        if value is None and not required:
            return None
        if not is_url(value) or host_of(value) != host:
            raise invalid(f"its {what} {value!r} is not a URL on {host}")
        return value

    inbox = same_host_url(document.get("inbox"), "inbox")
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    shared_inbox = same_host_url(endpoints.get("sharedInbox"), "shared inbox", required=False)
    key = document.get("publicKey")
    if isinstance(key, list):  # a few servers list their keys
        key = next((k for k in key if isinstance(k, dict) and k.get("owner") == url), None)
    if not isinstance(key, dict):
        raise invalid("no publicKey")
    key_id = same_host_url(key.get("id"), "key id")
    if key.get("owner") != url:
        raise invalid(f"its key is owned by {key.get('owner')!r}, not by the actor")
    pem = key.get("publicKeyPem")
    try:
        serialization.load_pem_public_key(pem.encode())
    except (AttributeError, ValueError, TypeError):
        raise invalid("its publicKeyPem is not a public key") from None
    return RemoteActor(
        *RemoteActor.key(url), url=url, type=document["type"], preferred_username=username,
        host=host, name=_text(document.get("name")), summary=_text(document.get("summary")),
        inbox=inbox, shared_inbox=shared_inbox,
        followers_url=_optional_url(document.get("followers")),
        outbox=_optional_url(document.get("outbox")), public_key_id=key_id,
        public_key_pem=pem, icon_url=_icon(document.get("icon")), fetched_at=now(),
        owner_url=_owner(document.get("attributedTo"), host))


def _fresh(actor: RemoteActor) -> bool:
    return actor.fetched_at > now() - REFRESH_AFTER


def id_of(value) -> str | None:
    """The id of an object given inline or by its id."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def is_url(value) -> bool:
    """Whether `value` is an http(s) URL with a host, of at most MAX_URL characters."""
    if not isinstance(value, str) or len(value) > MAX_URL:
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_url(url: str, what: str) -> None:
    if not is_url(url):
        raise RemoteActorError("invalid", f"{url!r} is not an http(s) {what} URL")


def _optional_url(value) -> str | None:
    return value if is_url(value) else None


def _text(value) -> str | None:
    return value[:MAX_TEXT] if isinstance(value, str) and value else None


def _icon(value) -> str | None:
    # PeerTube sends a list of sizes, Mastodon one Image: the largest.
    icons = [value] if isinstance(value, dict) else value if isinstance(value, list) else []
    icons = [i for i in icons if isinstance(i, dict) and is_url(i.get("url"))]
    if not icons:
        return None
    return max(icons, key=lambda i: i.get("width") if isinstance(i.get("width"), int) else 0)["url"]


def _owner(value, host: str) -> str | None:
    # PeerTube's channels are attributedTo their account: a list of typed references.
    for entry in value if isinstance(value, list) else [value]:
        url = entry.get("id") if isinstance(entry, dict) else entry
        if (not isinstance(entry, dict) or entry.get("type") == "Person") and is_url(url) \
                and host_of(url) == host:
            return url
    return None
