"""Videos of other servers in the local catalog: read from PeerTube's `Video` object,
kept as `Video` items with an `origin_url`, listed, searched and shown like local ones,
and played from their origin's files.

A video is taken from its own server only: a Create or Update must come from an actor of
the host its id names, and one that arrives by Announce (PeerTube's instances and channels
share their videos so) is fetched from its id, whose answer must carry that id. Its
account and channel are the actors it is `attributedTo`, on the same host. Only videos
this instance asked for are kept: of a server the instance follows, or of a channel a
local user subscribes to.

`remote` holds what the API and the player need from the origin:
    {"host", "watch_url", "account_url", "channel_url", "thumbnail_url", "preview_url",
     "aspect_ratio", "updated", "trackers": [the origin's tracker URLs],
     "files": [{"resolution", "width", "height", "fps", "size", "url", "torrent_url",
                "magnet"}],                         # the web MP4s, largest first
     "hls": {"playlist_url", "segments_sha256_url", "files": [same as above]} or None}
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError

from .. import catalog, ids
from ..accounts import next_id
from ..models import Item, Video, get_or_none
from ..vocabulary import CATEGORIES, LANGUAGES, LICENCES
from . import follows, remote_actors
from .actors import PUBLIC
from .fetch import FetchError, fetch_json
from .remote_actors import RemoteActor, RemoteActorError, host_of, is_url

log = logging.getLogger(__name__)

_DURATION = re.compile(r"^PT(\d{1,7})S$")
MAX_DESCRIPTION = 10_000
MAX_TAGS = 5
PUBLISHED = 1
PUBLIC_PRIVACY, UNLISTED = 1, 2
MAGNET = "application/x-bittorrent;x-scheme-handler/magnet"


class InvalidObject(Exception):
    """A remote object (a video, a playlist) that cannot be taken: the reason, for the
    log."""


class InvalidVideo(InvalidObject):
    """A Video object that cannot be taken."""


class RemoteVideoRef(Item, discriminator="remote-video-ref"):
    """The uuid of the remote video whose ActivityPub id is pk's URL (a Delete names the
    video by its id alone)."""
    uuid = UnicodeAttribute()

    @staticmethod
    def key(url: str) -> tuple[str, str]:
        return f"remote-video#{url}", "ref"


@dataclass(frozen=True)
class Parsed:
    """A Video object's fields, checked, as the Video item keeps them."""
    url: str
    uuid: str
    account_url: str
    channel_url: str
    attributes: dict          # Video's attributes but for ids, owner, channel and remote
    remote: dict


# --- reading a Video object --------------------------------------------------------------------

def date(value, what: str) -> datetime:
    """A date of an ActivityPub object."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidObject(f"its {what} {value!r} is not a date") from None


def _identifier(value, vocabulary: dict, as_int: bool):
    """A category, licence or language given as {identifier, name}, if we know it."""
    if not isinstance(value, dict):
        return None
    identifier = value.get("identifier")
    try:
        key = int(identifier) if as_int else str(identifier)
    except (TypeError, ValueError):
        return None
    return key if key in vocabulary else None


def _links(value) -> list[dict]:
    return [link for link in value if isinstance(link, dict)] if isinstance(value, list) else []


def _number(value) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _files(links: list[dict]) -> list[dict]:
    """The MP4 files among `links`, each with the torrent and magnet of its height."""
    by_height: dict[int, dict] = {}
    for link in links:
        media_type, href, height = link.get("mediaType"), link.get("href"), _number(
            link.get("height"))
        if height is None or not isinstance(href, str):
            continue
        if media_type == "video/mp4" and is_url(href):
            by_height.setdefault(height, {}).update({
                "resolution": height, "height": height, "url": href,
                "width": _number(link.get("width")), "fps": _number(link.get("fps")) or 0,
                "size": _number(link.get("size")) or 0})
        elif media_type == "application/x-bittorrent" and is_url(href):
            by_height.setdefault(height, {})["torrent_url"] = href
        elif media_type == MAGNET and href.startswith("magnet:"):
            by_height.setdefault(height, {})["magnet"] = href
    files = [{"torrent_url": None, "magnet": None, **f} for f in by_height.values() if "url" in f]
    return sorted(files, key=lambda f: -f["resolution"])


def _hls(links: list[dict]) -> dict | None:
    master = next((link for link in links if link.get("mediaType") == "application/x-mpegURL"
                   and is_url(link.get("href"))), None)
    if master is None:
        return None
    tags = _links(master.get("tag"))
    sha = next((t.get("href") for t in tags if t.get("name") == "sha256"
                and is_url(t.get("href"))), None)
    return {"playlist_url": master["href"], "segments_sha256_url": sha,
            "files": _files(tags)}


def privacy(document: dict) -> int:
    """PUBLIC_PRIVACY or UNLISTED, from an object's addressing (PeerTube's rule)."""
    def audience(name: str) -> list:
        value = document.get(name)
        return value if isinstance(value, list) else [value] if value else []
    if PUBLIC in audience("to"):
        return PUBLIC_PRIVACY
    if PUBLIC in audience("cc"):
        return UNLISTED
    raise InvalidObject("it is addressed to no one in public")


def _attributed(document: dict, host: str) -> tuple[str, str]:
    """The account's and the channel's URLs: the Person and the Group it is attributedTo.
    Objects given by URL alone (types unknown) are told apart when fetched."""
    value = document.get("attributedTo")
    entries = value if isinstance(value, list) else [value]
    typed = {e.get("type"): e.get("id") for e in entries if isinstance(e, dict)}
    account, channel = typed.get("Person"), typed.get("Group")
    for url in (account, channel):
        if not is_url(url) or host_of(url) != host:
            raise InvalidVideo(f"its attributedTo does not name a Person and a Group of {host}")
    return account, channel


def identity(document: dict, kind: str,
             invalid: type[InvalidObject]) -> tuple[str, str, str]:
    """A PeerTube object's id, host and uuid (lower case), once checked: it is a `kind`,
    its id a URL, its uuid a UUID. Raises `invalid`."""
    if not isinstance(document, dict) or document.get("type") != kind:
        raise invalid(f"it is not a {kind}")
    url = document.get("id")
    if not is_url(url):
        raise invalid(f"its id {url!r} is not a URL")
    uuid = document.get("uuid")
    if not isinstance(uuid, str) or not ids.is_uuid(uuid):
        raise invalid(f"its uuid {uuid!r} is not a UUID")
    return url, host_of(url), uuid.lower()


def parse(document: dict) -> Parsed:
    """The fields of a PeerTube Video object, checked as PeerTube's sanitizer does.
    Raises InvalidVideo."""
    url, host, uuid = identity(document, "Video", InvalidVideo)
    name = document.get("name")
    if not isinstance(name, str) or not 3 <= len(name.strip()) <= 120:
        raise InvalidVideo("its name is not 3 to 120 characters")
    duration = _DURATION.match(str(document.get("duration", "")))
    if not duration:
        raise InvalidVideo(f"its duration {document.get('duration')!r} is not PT<n>S")
    published = date(document.get("published"), "published date")
    updated = date(document.get("updated") or document.get("published"), "updated date")
    links = _links(document.get("url"))
    watch = next((link["href"] for link in links if link.get("mediaType") == "text/html"
                  and is_url(link.get("href"))), url)
    files, hls = _files(links), _hls(links)
    if not files and not (hls and hls["files"]) and document.get("isLiveBroadcast") is not True:
        raise InvalidVideo("it has no video file")
    icons = sorted((i for i in _links(document.get("icon")) if is_url(i.get("url"))),
                   key=lambda i: _number(i.get("width")) or 0)
    account_url, channel_url = _attributed(document, host)
    content = document.get("content")
    support = document.get("support")
    policy = document.get("commentsPolicy")
    if policy not in (1, 2, 3):
        policy = 2 if document.get("commentsEnabled") is False else 1
    tags = [t["name"].lstrip("#") for t in _links(document.get("tag"))
            if t.get("type") == "Hashtag" and isinstance(t.get("name"), str)
            and 2 <= len(t["name"].lstrip("#")) <= 30][:MAX_TAGS]
    state = document.get("state") if document.get("state") in range(1, 12) else PUBLISHED
    first = (files or (hls or {}).get("files") or [{}])[0]
    aspect = document.get("aspectRatio")
    if not isinstance(aspect, (int, float)) and first.get("width") and first.get("height"):
        aspect = round(first["width"] / first["height"], 4)
    attributes = {
        "name": name.strip(), "privacy": privacy(document), "state": state,
        "duration": int(duration[1]),
        "category": _identifier(document.get("category"), CATEGORIES, True),
        "licence": _identifier(document.get("licence"), LICENCES, True),
        "language": _identifier(document.get("language"), LANGUAGES, False),
        "description": content[:MAX_DESCRIPTION] if isinstance(content, str) and content else None,
        "support": support[:1000] if isinstance(support, str) and support else None,
        "tags": tags, "nsfw": document.get("sensitive") is True, "comments_policy": policy,
        "download_enabled": document.get("downloadEnabled") is not False,
        "wait_transcoding": document.get("waitTranscoding") is True,
        "views": max(0, _number(document.get("views")) or 0),
        "is_live": document.get("isLiveBroadcast") is True,
        "created_at": published, "published_at": published, "updated_at": updated,
    }
    remote = {
        "host": host, "watch_url": watch, "account_url": account_url,
        "channel_url": channel_url,
        "thumbnail_url": icons[0]["url"] if icons else None,
        "preview_url": icons[-1]["url"] if icons else None,
        "aspect_ratio": aspect if isinstance(aspect, (int, float)) else None,
        "updated": updated.isoformat(), "files": files, "hls": hls,
        # The origin's trackers: its viewers' swarms, which viewers here join.
        "trackers": [link["href"] for link in links
                     if "tracker" in (link.get("rel") or []) and isinstance(link.get("href"), str)
                     and link["href"].startswith(("ws://", "wss://", "http://", "https://"))][:4],
    }
    return Parsed(url, uuid, account_url, channel_url, attributes, remote)


# --- whether the instance wants it -------------------------------------------------------------

def wanted(channel_handle: str, host: str) -> bool:
    """Whether videos of this channel are for the local catalog: the instance follows
    their server, or a local user subscribes to the channel."""
    from .. import subscriptions  # peerless.subscriptions builds on federation
    return follows.instance_follows_host(host) or subscriptions.has_local_subscribers(
        channel_handle)


def muted(host: str, account: str) -> bool:
    """Whether the instance mutes the server or the account."""
    from .. import moderation  # moderation builds on the videos federation shows
    return (host.lower() in moderation.muted_servers(None)
            or account.lower() in moderation.muted_accounts(None))


# --- storing ------------------------------------------------------------------------------------

def _actors(parsed: Parsed) -> tuple[RemoteActor, RemoteActor]:
    account = remote_actors.get_actor(parsed.account_url)
    channel = remote_actors.get_actor(parsed.channel_url)
    if channel.type != "Group" or account.type == "Group":
        # Given by URL alone, the two may come in either order.
        account, channel = channel, account
    if channel.type != "Group":
        raise InvalidVideo("none of the actors it is attributedTo is a Group")
    return account, channel


def _find(url: str) -> Video | None:
    ref = get_or_none(RemoteVideoRef, RemoteVideoRef.key(url))
    return get_or_none(Video, Video.key(ref.uuid)) if ref is not None else None


def save(document: dict, *, sender: str, require_wanted: bool = True) -> Video | None:
    """Takes a Video object sent by the actor `sender` (inline in a Create or Update, or
    fetched from its id): new in the catalog, or the stored one brought up to date. None
    when it is not taken (logged). Raises InvalidVideo, RemoteActorError (its actors could
    not be fetched: may pass) and FetchError."""
    parsed = parse(document)
    host = host_of(parsed.url)
    if host_of(sender) != host:
        raise InvalidVideo(f"{sender} cannot speak for a video of {host}")
    existing = get_or_none(Video, Video.key(parsed.uuid))
    if existing is not None and existing.origin_url != parsed.url:
        raise InvalidVideo(f"uuid {parsed.uuid} is another video's here")
    if existing is not None and existing.remote["updated"] >= parsed.remote["updated"]:
        return existing                   # a redelivery, or older than what we have
    account, channel = _actors(parsed)
    channel_handle = remote_actors.handle(channel)
    if muted(host, remote_actors.handle(account)):
        log.info("ignored video %s: %s is muted here", parsed.url, host)
        return existing
    if existing is None and require_wanted and not wanted(channel_handle, host):
        log.info("ignored video %s: neither %s nor %s is followed here", parsed.url, host,
                 channel_handle)
        return None
    fields = {**parsed.attributes, "channel": channel_handle,
              "owner": remote_actors.handle(account),
              # Found by its actors when they are deleted (attributed_to); set on every
              # save, so that videos stored before this index join it at their next Update.
              "owner_pk": _attributed_list(account.url),
              "owner_sk": f"{channel.url}#{parsed.uuid}",
              "remote": {**parsed.remote, "account_url": account.url,
                         "channel_url": channel.url}}
    if existing is None:
        existing = _create(parsed, fields)
        if existing is None:
            return None
    return catalog.change(existing, lambda video: _set(video, fields))


def _set(video: Video, fields: dict) -> list:
    """Puts `fields` on the in-memory video; the matching update actions."""
    actions = []
    for name, value in fields.items():
        setattr(video, name, value)
        attribute = getattr(Video, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def _create(parsed: Parsed, fields: dict) -> Video | None:
    RemoteVideoRef(*RemoteVideoRef.key(parsed.url), uuid=parsed.uuid).save()
    video = Video(*Video.key(parsed.uuid), id=next_id("video"), uuid=parsed.uuid,
                  origin_url=parsed.url, **fields)
    video.nid = f"video#{video.id}"
    try:
        video.save(condition=Video.pk.does_not_exist())
    except PutError:
        # Another worker took the same activity first: bring that one up to date.
        video = get_or_none(Video, Video.key(parsed.uuid))
        if video is None or video.origin_url != parsed.url:
            return None
    return video


def fetch_and_save(url: str, *, sender: str, require_wanted: bool = True) -> Video | None:
    """A video named by its id (an Announce's object, or a URL a user searched for):
    fetched from its origin, whose answer must be the video at that id, and saved. A
    share of a video of another host is taken when its channel is wanted here (or when
    not `require_wanted`: a user asked for it)."""
    if not is_url(url):
        raise InvalidVideo(f"{url!r} is not a URL")
    document = fetch_json(url)
    if document.get("id") != url:
        raise InvalidVideo(f"{url} answered with the object {document.get('id')!r}")
    return save(document, sender=url, require_wanted=require_wanted)


def _attributed_list(account_url: str) -> str:
    return f"remote-videos-of#{account_url}"


def attributed_to(actor: RemoteActor) -> list[Video]:
    """The remote videos held here of a remote account (any of its channels) or of a
    remote channel."""
    if actor.type == "Group":
        if actor.owner_url is None:
            return []
        return list(Video.by_owner.query(_attributed_list(actor.owner_url),
                                         Video.owner_sk.startswith(f"{actor.url}#")))
    return list(Video.by_owner.query(_attributed_list(actor.url)))


def delete(url: str, *, sender: str) -> bool:
    """The origin's Delete of a video: forgotten everywhere it shows. False when not held
    or not the sender's to delete."""
    from .. import removal  # builds on everything, federation included
    video = _find(url)
    if video is None or host_of(sender) != host_of(url):
        return False
    removal.remove_video(video)
    RemoteVideoRef(*RemoteVideoRef.key(url)).delete()
    return True


# --- what was published before the follow ------------------------------------------------------

BACKFILL_ITEMS = 100     # the newest videos taken from a newly followed actor's outbox
BACKFILL_PAGES = 10


def collection_items(url: str, pages: int = BACKFILL_PAGES,
                     collection: dict | None = None) -> Iterator[dict | str]:
    """The items of an ordered collection of another server (an outbox, a playlist), in
    its order, page after page (at most `pages`), pages of its own host only.
    `collection`: its document, when held already."""
    page = (collection if collection is not None else fetch_json(url)).get("first")
    for _ in range(pages):
        if isinstance(page, str) and is_url(page) and host_of(page) == host_of(url):
            page = fetch_json(page)
        if not isinstance(page, dict):
            return
        items = page.get("orderedItems", page.get("items"))
        yield from items if isinstance(items, list) else []
        page = page.get("next")


def backfill(actor: RemoteActor, limit: int = BACKFILL_ITEMS) -> int:
    """Takes the newest videos a newly followed server or channel published before the
    follow, from its outbox (PeerTube crawls it likewise). Videos that cannot be had are
    skipped with a log line; the number taken is returned."""
    if not actor.outbox:
        return 0
    taken = 0
    try:
        for item, _ in zip(collection_items(actor.outbox), range(limit)):
            if not isinstance(item, dict) or item.get("type") not in ("Create", "Announce"):
                continue
            obj = item.get("object")
            try:
                if isinstance(obj, dict) and obj.get("type") == "Video":
                    video = save(obj, sender=actor.url)
                elif isinstance(obj, str):
                    video = fetch_and_save(obj, sender=actor.url)
                else:
                    continue
            except (InvalidObject, RemoteActorError, FetchError) as error:
                log.info("backfill of %s skipped %s: %s", actor.url, item.get("id"), error)
                continue
            taken += video is not None
    except FetchError as error:
        log.info("backfill of %s stopped: %s", actor.url, error)
    return taken
