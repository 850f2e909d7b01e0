"""The local actors as ActivityPub documents, in PeerTube's shapes: accounts as `Person`
at `/accounts/<name>`, channels as `Group` at `/video-channels/<name>` (attributed to their
account), and the instance actor, the `Application` at `/accounts/peertube` that PeerTube
looks up when one server follows another. Each has an inbox, an outbox, followers,
following and playlists collections, the instance's shared inbox, and its public key.

The collections page as PeerTube's do (`?page=N`, ten items a page): followers of a
channel are its subscribers' accounts, an account follows the channels its user
subscribes to, and outboxes hold the public videos, created by the account and announced
by the channel, each video by its URL.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Callable

from pynamodb.exceptions import PutError

from .. import accounts, catalog, playlists, subscriptions
from ..models import Channel, Claim, User, get_or_none
from ..peertube.common import media_url, timestamp
from ..settings import Settings, settings
from . import keys

PERSON, GROUP, APPLICATION = "Person", "Group", "Application"
# PeerTube's name for its instance actor, an account no user can take.
SERVER_ACTOR_NAME = "peertube"
_SERVER_ACTOR_OWNER = "#instance"  # the Claim owner: no username has a "#"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PAGE_SIZE = 10                     # PeerTube's ACTIVITY_PUB.COLLECTION_ITEMS_PER_PAGE
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
               "webp": "image/webp", "gif": "image/gif"}


def context(terms: dict | None = None) -> list:
    """PeerTube's @context: ActivityStreams and security, plus its own `terms` (with the
    `pt` and `sc` prefixes) for the documents that use some."""
    base = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1",
            {"RsaSignature2017": "https://w3id.org/security#RsaSignature2017"}]
    if not terms:
        return base
    return base + [{"pt": "https://joinpeertube.org/ns#", "sc": "http://schema.org/",
                    **terms}]


ACTOR_CONTEXT = context({
    "playerSettings": "pt:playerSettings",
    "playlists": {"@id": "pt:playlists", "@type": "@id"},
    "support": {"@type": "sc:Text", "@id": "pt:support"},
    "lemmy": "https://join-lemmy.org/ns#",
    "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
    "toot": "http://joinmastodon.org/ns#",
    "indexable": "toot:indexable",
    "discoverable": "toot:discoverable",
    "email": "sc:email",
})
COLLECTION_CONTEXT = context()


# --- addresses ----------------------------------------------------------------------------

def account_url(name: str, s: Settings | None = None) -> str:
    return f"{(s or settings()).public_url}/accounts/{name}"


def channel_url(name: str, s: Settings | None = None) -> str:
    return f"{(s or settings()).public_url}/video-channels/{name}"


def video_url(uuid: str, s: Settings | None = None) -> str:
    return f"{(s or settings()).public_url}/videos/watch/{uuid}"


def playlist_url(uuid: str, s: Settings | None = None) -> str:
    return f"{(s or settings()).public_url}/video-playlists/{uuid}"


def key_id(actor_url: str) -> str:
    """The id of an actor's public key, which signatures name as their keyId."""
    return f"{actor_url}#main-key"


# --- the actors ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    type: str                       # Person, Group or Application
    name: str                       # preferredUsername, the actor's key name
    url: str                        # its id
    display_name: str
    pages: tuple[str, ...]          # its HTML pages, the profile page first
    summary: str | None
    published: datetime
    avatars: list | None = None     # peerless.images' shapes
    banners: list | None = None
    support: str | None = None
    owner: str | None = None        # a channel's account
    item: User | Channel | None = None


def account_actor(user: User, s: Settings | None = None) -> Actor:
    s = s or settings()
    page = f"{s.public_url}/a/{user.username}"
    return Actor(PERSON, user.username, account_url(user.username, s), user.display_name,
                 (f"{page}/video-channels", page), user.description, user.created_at,
                 avatars=user.avatars, item=user)


def channel_actor(channel: Channel, s: Settings | None = None) -> Actor:
    s = s or settings()
    page = f"{s.public_url}/c/{channel.name}"
    return Actor(GROUP, channel.name, channel_url(channel.name, s), channel.display_name,
                 (f"{page}/videos", page), channel.description, channel.created_at,
                 avatars=channel.avatars, banners=channel.banners, support=channel.support,
                 owner=channel.owner, item=channel)


@lru_cache(maxsize=1)
def _instance_born() -> datetime:
    # The instance actor comes to be with its key pair, whose date it gives as its own.
    return keys.stored(SERVER_ACTOR_NAME).created_at


def instance_actor(s: Settings | None = None) -> Actor:
    """The instance itself, which follows and is followed by other servers."""
    return Actor(APPLICATION, SERVER_ACTOR_NAME, account_url(SERVER_ACTOR_NAME, s),
                 SERVER_ACTOR_NAME, (), None, _instance_born())


def reserve_instance_actor() -> bool:
    """Claims the instance actor's name in the actor namespace, so that no user or channel
    can take it (PeerTube's server account has it from the install). False when a user or
    channel had it first: that one is then out of federation's reach."""
    try:
        Claim(*Claim.key("actor", SERVER_ACTOR_NAME), owner=_SERVER_ACTOR_OWNER).save(
            condition=Claim.pk.does_not_exist() | (Claim.owner == _SERVER_ACTOR_OWNER))
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def find(name: str) -> Actor | None:
    """The local actor named `name` (the instance actor, an account or a channel)."""
    if name.lower() == SERVER_ACTOR_NAME:
        return instance_actor()
    user = get_or_none(User, User.key(name))
    if user is not None:
        return account_actor(user)
    channel = get_or_none(Channel, Channel.key(name))
    return channel_actor(channel) if channel is not None else None


def account(handle: str) -> Actor:
    """The actor at `/accounts/<handle>`: an account, or the instance actor; else a 404."""
    name, _, host = handle.partition("@")
    if name.lower() == SERVER_ACTOR_NAME and host in ("", settings().host):
        return instance_actor()
    return account_actor(accounts.account_by_name(handle))


def channel(handle: str) -> Actor:
    """The actor at `/video-channels/<handle>`, or a 404."""
    return channel_actor(accounts.channel_by_handle(handle))


_ACCOUNT_PAGE = re.compile(r"^/(?:a|accounts)/([^/]+)(?:/video-channels)?/?$")
_CHANNEL_PAGE = re.compile(r"^/(?:c|video-channels)/([^/]+)(?:/videos)?/?$")


def at_page(path: str) -> Actor | None:
    """The actor an HTML page shows, for ActivityPub clients asking for it there (None for
    a page that is not an actor's); PeerTube answers these pages and tabs so."""
    if match := _ACCOUNT_PAGE.match(path):
        return account(match[1])
    if match := _CHANNEL_PAGE.match(path):
        return channel(match[1])
    return None


# --- documents ----------------------------------------------------------------------------

def _images(images: list[dict] | None, s: Settings) -> list[dict]:
    return [{"type": "Image",
             "mediaType": IMAGE_TYPES.get(i["key"].rsplit(".", 1)[-1].lower(),
                                          "application/octet-stream"),
             "height": i["height"], "width": i["width"], "url": media_url(i["key"], s)}
            for i in sorted(images or [], key=lambda i: -i["width"])]


def document(actor: Actor, s: Settings | None = None) -> dict:
    """The actor's ActivityPub document."""
    s = s or settings()
    body = {
        "@context": ACTOR_CONTEXT,
        "type": actor.type,
        "id": actor.url,
        **{name: f"{actor.url}/{name}" for name in ("following", "followers", "playlists",
                                                    "inbox", "outbox")},
        "preferredUsername": actor.name,
        "url": [{"type": "Link", "mediaType": "text/html", "href": href}
                for href in (*actor.pages, actor.url)],
        "name": actor.display_name,
        "endpoints": {"sharedInbox": f"{s.public_url}/inbox"},
        "publicKey": {"id": key_id(actor.url), "owner": actor.url,
                      "publicKeyPem": keys.public_key_pem(actor.name)},
        "published": timestamp(actor.published),
        # PeerTube sends the description as it is (null when there is none); the
        # actor's contract wants a string.
        "summary": actor.summary or "",
    }
    if actor.avatars:
        body["icon"] = _images(actor.avatars, s)
    if actor.banners:
        body["image"] = _images(actor.banners, s)
    if actor.type == GROUP:
        if actor.support:
            body["support"] = actor.support
        # Only the channel's owner posts to it (Lemmy reads this).
        body["postingRestrictedToMods"] = True
        body["attributedTo"] = [{"type": PERSON, "id": account_url(actor.owner, s)}]
    return body


# --- collections --------------------------------------------------------------------------

Items = Callable[[Actor, int, int], tuple[int, list]]


def _concatenated(*sources: Items) -> Items:
    """One paged list of several, each whole before the next."""
    def items(actor: Actor, start: int, count: int) -> tuple[int, list]:
        total, page = 0, []
        for source in sources:
            size, _ = source(actor, 0, 0)
            wanted = count - len(page)
            if wanted > 0 and start < total + size:
                offset = max(0, start - total)
                page += source(actor, offset, wanted)[1]
            total += size
        return total, page
    return items


def _remote_relations(kind: str, types: tuple[str, ...]) -> Items:
    """An actor's accepted relations with other servers' actors (`followers` or
    `following`), newest first, for actors of `types`."""
    def items(actor: Actor, start: int, count: int) -> tuple[int, list]:
        from . import follows  # follows builds on the actors
        if actor.type not in types:
            return 0, []
        model, counted = ((follows.Follower, follows.followers_count) if kind == "followers"
                          else (follows.Following, follows.following_count))
        total = counted(actor.name)
        if count <= 0:
            return total, []
        _, found = follows.listed(model, actor.name, start, count, state=follows.ACCEPTED)
        return total, [f.remote_url for f in found]
    return items


def _subscribers(actor: Actor, start: int, count: int) -> tuple[int, list]:
    """A channel's subscribers on this instance: their accounts, newest first."""
    if actor.type != GROUP:
        return 0, []
    total = subscriptions.followers_counts([actor.name])[actor.name.lower()]
    if count <= 0:
        return total, []
    found = subscriptions.Subscription.by_owner.query(
        f"followers-of#{actor.name.lower()}", scan_index_forward=False, limit=start + count)
    return total, [account_url(f.username) for f in list(found)[start:start + count]]


def _subscriptions(actor: Actor, start: int, count: int) -> tuple[int, list]:
    """What an account follows: the channels its user subscribes to, here or elsewhere."""
    if actor.type != PERSON:
        return 0, []
    if count <= 0:
        return subscriptions.count_of(actor.item), []
    total, channels = subscriptions.list_of(actor.item, start, count)
    # Remote channels are RemoteActors, named by their URL.
    return total, [channel_url(c.name) if isinstance(c, Channel) else c.url
                   for c in channels]


# Remote followers of every actor; the instance's remote follows (an account's follows are
# its user's subscriptions, remote channels included).
_followers = _concatenated(_remote_relations("followers", (PERSON, GROUP, APPLICATION)),
                           _subscribers)
_following = _concatenated(_remote_relations("following", (APPLICATION,)), _subscriptions)


def _audience(owner: str, s: Settings) -> dict:
    # As PeerTube addresses a public video: to everyone, cc the account's followers.
    return {"to": [PUBLIC], "cc": [f"{account_url(owner, s)}/followers"]}


# PeerTube names a share by its sharer's id; the instance actor's is this one.
INSTANCE_SHARER_ID = 0


def _outbox(actor: Actor, start: int, count: int) -> tuple[int, list]:
    """The actor's public videos, newest first: the account created them, the channel
    and the instance announced them (the instance: every local one, which is how a server
    that starts following this one finds what was published before). Each is named by
    its URL (PeerTube >= 6 fetches it from there)."""
    s = settings()
    by = ({"is_local": True} if actor.type == APPLICATION else
          {"account": actor.name} if actor.type == PERSON else {"channel": actor.name})
    total, videos = catalog.list_videos(catalog.VideoQuery(start=start, count=count, **by))
    activities = []
    for video in videos:
        url = video_url(video.uuid, s)
        if actor.type == PERSON:
            activity = {"type": "Create", "id": f"{url}/activity", "actor": actor.url}
        else:
            sharer = INSTANCE_SHARER_ID if actor.type == APPLICATION else actor.item.id
            activity = {"type": "Announce", "id": f"{url}/announces/{sharer}",
                        "actor": actor.url}
        activities.append({**activity, "object": url, **_audience(video.owner, s)})
    return total, activities


def _playlists(actor: Actor, start: int, count: int) -> tuple[int, list]:
    """The actor's public playlists, by URL."""
    if actor.type == PERSON:
        total, found = playlists.list_of_account(actor.item.username, None, start,
                                                 count)
    elif actor.type == GROUP:
        total, found = playlists.list_of_channel(actor.item.owner, actor.item.name, start,
                                                 count)
    else:
        return 0, []
    return total, [playlist_url(p.uuid) for p in found]


_ITEMS: dict[str, Items] = {"followers": _followers, "following": _following,
                            "outbox": _outbox, "playlists": _playlists}
COLLECTIONS = tuple(_ITEMS)


def collection(actor: Actor, name: str, page: int | None = None) -> dict:
    """One of the actor's collections (COLLECTIONS): without a page, its size and where its
    first page is; with one, that page of items, as PeerTube pages them."""
    return {"@context": COLLECTION_CONTEXT,
            **paged(f"{actor.url}/{name}",
                    lambda start, count: _ITEMS[name](actor, start, count), page)}


# A page of a collection: (start, count) -> (total, items).
Page = Callable[[int, int], tuple[int, list]]


def paged(base: str, items: Page, page: int | None = None) -> dict:
    """PeerTube's activityPubCollectionPagination: without a page, the size and where the
    first page is; with one, that page of `items(start, count)` (total, items)."""
    if page is None:
        total, first = items(0, 1)
        document = {"id": base, "type": "OrderedCollection", "totalItems": total}
        if first:
            document["first"] = f"{base}?page=1"
        return document
    total, found = items((page - 1) * PAGE_SIZE, PAGE_SIZE)
    document = {"id": f"{base}?page={page}", "type": "OrderedCollectionPage"}
    if page > 1:
        document["prev"] = f"{base}?page={page - 1}"
    if total > page * PAGE_SIZE:
        document["next"] = f"{base}?page={page + 1}"
    return {**document, "partOf": base, "orderedItems": found, "totalItems": total}
