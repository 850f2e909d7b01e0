"""Playlists of other servers, as PeerTube keeps them (its activitypub/playlists/): read
from a `Playlist` object in a Create or Update, kept as `Playlist` items with an
`origin_url`, listed and shown like local ones, never edited here.

A playlist is taken from its own server only: the Create or Update must come from an
actor of the host its id names, and its channel (the one actor it is `attributedTo`) and
that channel's account are of that host. Only playlists this instance asked for are kept,
by the rule remote videos follow: of a server the instance follows, or of a channel a
local user subscribes to; never of a muted server or account. Updates apply in the order
of the object's `updated` date, so a repeated or late one changes nothing.

Its elements are its collection's items (the object's id is an ordered collection of
`PlaylistElement`s, each fetched, whose `url` is a video): each becomes an element of the
video held here, fetched from its server when it is not; an element whose video cannot be
had is skipped (logged), as PeerTube skips it.

`remote` holds: {"host", "url", "account_url", "channel_url", "thumbnail_url", "updated",
"element_urls": [the elements' ids, in the order of the elements]}.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import TransactWriteError

from .. import playlists
from ..accounts import next_id
from ..models import get_or_none
from ..playlists import Element, Playlist
from . import lookup, remote_actors, remote_videos
from .fetch import FetchError, fetch_json
from .remote_actors import RemoteActor, host_of, id_of, is_url
from .remote_videos import InvalidObject, RemoteVideoRef

log = logging.getLogger(__name__)

MAX_NAME, MAX_DESCRIPTION = 120, 1000      # PeerTube's playlist name and description
# Each element is one fetch from its server: a playlist held here is this long at most.
MAX_ELEMENTS = 500
ELEMENT_PAGES = 60                         # PeerTube's pages hold 10 items


class InvalidPlaylist(InvalidObject):
    """A Playlist object that cannot be taken."""


@dataclass(frozen=True)
class Parsed:
    """A Playlist object's fields, checked."""
    url: str
    host: str
    uuid: str
    name: str
    description: str | None
    privacy: int
    channel_url: str
    thumbnail_url: str | None
    published: datetime
    updated: datetime


def parse(document: dict) -> Parsed:
    """The fields of a PeerTube Playlist object, checked as PeerTube's
    isPlaylistObjectValid does. Raises InvalidPlaylist (InvalidObject)."""
    url, host, uuid = remote_videos.identity(document, "Playlist", InvalidPlaylist)
    name = document.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= MAX_NAME:
        raise InvalidPlaylist(f"its name is not 1 to {MAX_NAME} characters")
    total = document.get("totalItems")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise InvalidPlaylist(f"its totalItems {total!r} is not a count")
    attributed = document.get("attributedTo")
    channels = [id_of(a) for a in attributed] if isinstance(attributed, list) else []
    if len(channels) != 1 or not is_url(channels[0]) or host_of(channels[0]) != host:
        raise InvalidPlaylist(f"it is not attributed to one channel of {host}")
    content = document.get("content")
    icon = document.get("icon")
    icon_url = icon.get("url") if isinstance(icon, dict) else None
    published = remote_videos.date(document.get("published"), "published date")
    return Parsed(
        url=url, host=host, uuid=uuid, name=name.strip(),
        # PeerTube's descriptions are 3 characters at least: a shorter one is none.
        description=content.strip()[:MAX_DESCRIPTION]
        if isinstance(content, str) and len(content.strip()) >= 3 else None,
        privacy=remote_videos.privacy(document), channel_url=channels[0],
        thumbnail_url=icon_url if is_url(icon_url) else None, published=published,
        updated=remote_videos.date(document.get("updated") or document.get("published"),
                                   "updated date"))


# --- its elements ------------------------------------------------------------------------------

def _timestamp(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
        else None


def _element(item, host: str) -> tuple[str, dict] | None:
    """An element's id and object: given inline, or fetched from its id on the
    playlist's host. None (logged) when it cannot be had."""
    url = id_of(item)
    if not is_url(url) or host_of(url) != host:
        log.info("skipped the playlist element %r: not an element of %s", url, host)
        return None
    try:
        element = item if isinstance(item, dict) else fetch_json(url)
    except FetchError as error:
        log.info("skipped the playlist element %s: %s", url, error)
        return None
    if element.get("type") != "PlaylistElement" or element.get("id") != url \
            or not is_url(element.get("url")):
        log.info("skipped the playlist element %s: not a PlaylistElement", url)
        return None
    return url, element


def _elements(parsed: Parsed, document: dict, existing: Playlist | None) -> tuple[
        list[Element], list[str]]:
    """The playlist's elements, each of a video held here or fetched now, and their
    ids; the ids of the elements it had are kept."""
    known = dict(zip((existing.remote or {}).get("element_urls", []),
                     playlists.elements_of(existing))) if existing else {}
    found: list[Element] = []
    urls: list[str] = []
    # PeerTube's object names its first page; another's may want fetching from its id.
    given = document if document.get("first") or not document.get("totalItems") else None
    items = remote_videos.collection_items(parsed.url, ELEMENT_PAGES, given)
    for item, _ in zip(items, range(MAX_ELEMENTS)):
        taken = _element(item, parsed.host)
        if taken is None:
            continue
        url, element = taken
        video = lookup.video(element["url"], may_fetch=True)
        if video is None:
            log.info("skipped the playlist element %s: its video %s cannot be had", url,
                     element["url"])
            continue
        before = known.get(url)
        found.append(Element(before.id if before else next_id("playlist-element"),
                             video.id, video.uuid, _timestamp(element.get("startTimestamp")),
                             _timestamp(element.get("stopTimestamp"))))
        urls.append(url)
    return found, urls


# --- storing -----------------------------------------------------------------------------------

class RemotePlaylistRef(RemoteVideoRef, discriminator="remote-playlist-ref"):
    """The uuid of the remote playlist whose ActivityPub id is pk's URL (a Delete names
    the playlist by its id alone)."""

    @staticmethod
    def key(url: str) -> tuple[str, str]:
        return f"remote-playlist#{url}", "ref"


def _find(url: str) -> Playlist | None:
    ref = get_or_none(RemotePlaylistRef, RemotePlaylistRef.key(url))
    return get_or_none(Playlist, Playlist.key(ref.uuid)) if ref is not None else None


def _owners(parsed: Parsed) -> tuple[RemoteActor, RemoteActor]:
    """The playlist's account and channel: its channel's account, as PeerTube takes it."""
    channel = remote_actors.get_actor(parsed.channel_url)
    if channel.type != "Group" or not channel.owner_url:
        raise InvalidPlaylist(f"{parsed.channel_url} is no channel of an account")
    account = remote_actors.get_actor(channel.owner_url)
    if account.host != parsed.host:
        raise InvalidPlaylist(f"its channel's account {account.url} is not of {parsed.host}")
    return account, channel


def save(document: dict, *, sender: str) -> Playlist | None:
    """Takes a Playlist object sent by the actor `sender` in a Create or Update: new
    here, or the one held brought up to date. None when it is not taken (logged).
    Raises InvalidObject, RemoteActorError (its actors could not be fetched: may pass)
    and FetchError."""
    parsed = parse(document)
    if host_of(sender) != parsed.host:
        raise InvalidPlaylist(f"{sender} cannot speak for a playlist of {parsed.host}")
    existing = _find(parsed.url)
    if existing is None:
        # Found by its uuid alone: another worker took this playlist's Create between
        # the two reads (the same playlist), or the uuid is another's.
        existing = get_or_none(Playlist, Playlist.key(parsed.uuid))
        if existing is not None and existing.origin_url != parsed.url:
            raise InvalidPlaylist(f"uuid {parsed.uuid} is another playlist's here")
    if existing is not None and existing.remote["updated"] >= parsed.updated.isoformat():
        return existing                   # a redelivery, or older than what we have
    account, channel = _owners(parsed)
    channel_handle = remote_actors.handle(channel)
    if remote_videos.muted(parsed.host, remote_actors.handle(account)):
        log.info("ignored playlist %s: %s is muted here", parsed.url, parsed.host)
        return existing
    if existing is None and not remote_videos.wanted(channel_handle, parsed.host):
        log.info("ignored playlist %s: neither %s nor %s is followed here", parsed.url,
                 parsed.host, channel_handle)
        return None
    elements, element_urls = _elements(parsed, document, existing)
    fields = {
        "display_name": parsed.name, "description": parsed.description,
        "privacy": parsed.privacy, "owner": remote_actors.handle(account),
        "channel": channel_handle, "origin_url": parsed.url,
        "created_at": parsed.published, "updated_at": parsed.updated,
        "remote": {"host": parsed.host, "account_url": account.url,
                   "channel_url": channel.url, "thumbnail_url": parsed.thumbnail_url,
                   "updated": parsed.updated.isoformat(), "element_urls": element_urls}}
    if existing is None:
        RemotePlaylistRef(*RemotePlaylistRef.key(parsed.url), uuid=parsed.uuid).save()
        try:
            return playlists.save_remote(None, parsed.uuid, fields, elements)
        except TransactWriteError:
            # Another worker took the same activity first: bring that one up to date.
            existing = _find(parsed.url)
            if existing is None or existing.remote["updated"] >= fields["remote"]["updated"]:
                return existing
    return playlists.save_remote(existing, parsed.uuid, fields, elements)


def attributed_to(actor: RemoteActor) -> list[Playlist]:
    """The playlists held here of a remote account (any of its channels) or of a remote
    channel."""
    if actor.type != "Group":
        return [p for p in Playlist.by_owner.query(playlists.owned_list(
            remote_actors.handle(actor))) if p.origin_url]
    owner = remote_actors.known(actor.owner_url) if actor.owner_url else None
    return [] if owner is None else playlists.in_channel(remote_actors.handle(owner),
                                                          remote_actors.handle(actor))


def delete(url: str, *, sender: str) -> bool:
    """The origin's Delete of a playlist: forgotten. False when not held or not the
    sender's to delete."""
    playlist = _find(url)
    if playlist is None or host_of(sender) != host_of(url):
        return False
    playlists.delete(playlist)
    RemotePlaylistRef(*RemotePlaylistRef.key(url)).delete()
    return True
