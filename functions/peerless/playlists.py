"""Video playlists, and each user's "Watch later".

A playlist is one item (pk `playlist#<uuid>`) holding its elements in order: the position
of an element is its place in that list, so positions are dense and ordered by
construction. Every change of the elements (add, remove, reorder, new timestamps) reads
the item and writes it back conditional on its `version`; a writer that lost a race reads
again and reapplies its change, so concurrent edits all land, none lost, none doubled.
An item holds at most MAX_ELEMENTS elements, far from DynamoDB's item size limit.

Lists: public playlists in the `by_list` partition `playlists#public` (total in the
counter of that name, changed in the transaction that moves a playlist in or out); a
user's playlists in the `by_owner` partition `playlists-of#<user>`, newest first; a
channel's, from its owner's list. Numeric ids are found through `by_nid`.

"Watch later" (type 2, private) is made on first use; the item `watch-later#<user>` points
to it and is written in the same transaction, so racing first uses make only one.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import jsonschema
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, \
    UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from . import errors, ids, videos
from .accounts import ROLE_MODERATOR, channel_by_id, next_id
from .models import busy, counter_value, transact
from .models import Channel, Counter, Item, User, Video, now

PUBLIC, UNLISTED, PRIVATE = 1, 2, 3
PRIVACY_LABELS = {PUBLIC: "Public", UNLISTED: "Unlisted", PRIVATE: "Private"}
REGULAR, WATCH_LATER = 1, 2
TYPE_LABELS = {REGULAR: "Regular", WATCH_LATER: "Watch later"}
# PeerTube's VideoPlaylistElementType: why an element shows no video.
ELEMENT_REGULAR, ELEMENT_DELETED, ELEMENT_PRIVATE, ELEMENT_UNAVAILABLE = 0, 1, 2, 3
MAX_ELEMENTS = 4000
PUBLIC_LIST = "playlists#public"
SORTS = ("createdAt", "updatedAt", "displayName", "name")
TRIES = 25

_FIELDS = {
    "displayName": {"type": "string", "minLength": 1, "maxLength": 120},
    "description": {"type": ["string", "null"], "minLength": 3, "maxLength": 1000},
    "privacy": {"enum": list(PRIVACY_LABELS)},
    "videoChannelId": {"type": ["integer", "null"], "minimum": 1},
}
CREATE_SCHEMA = {"type": "object", "required": ["displayName"], "properties": _FIELDS}
UPDATE_SCHEMA = {"type": "object", "properties": _FIELDS}
_TIMESTAMP = {"type": ["integer", "null"], "minimum": 0}
ELEMENT_SCHEMA = {"type": "object", "properties": {"startTimestamp": _TIMESTAMP,
                                                   "stopTimestamp": _TIMESTAMP}}
ADD_SCHEMA = {"type": "object", "required": ["videoId"], "properties": {
    "videoId": {"type": ["integer", "string"]}, **ELEMENT_SCHEMA["properties"]}}
REORDER_SCHEMA = {"type": "object", "required": ["startPosition", "insertAfterPosition"],
                  "properties": {"startPosition": {"type": "integer", "minimum": 1},
                                 "insertAfterPosition": {"type": "integer", "minimum": 0},
                                 "reorderLength": {"type": "integer", "minimum": 1}}}


class Playlist(Item, discriminator="playlist"):
    id = NumberAttribute()
    uuid = UnicodeAttribute()
    display_name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    privacy = NumberAttribute()
    type = NumberAttribute(default=REGULAR)
    owner = UnicodeAttribute()          # the owning user's username
    channel = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=now)
    updated_at = UTCDateTimeAttribute(default=now)
    version = NumberAttribute(default=0)
    # [[element id, video id, video uuid, start timestamp, stop timestamp], ...] in order.
    elements = JSONAttribute(default=list)
    # Another server's playlist (peerless.federation.remote_playlists): its ActivityPub id,
    # and what it keeps of its origin. `owner` and `channel` are then handles `name@host`.
    origin_url = UnicodeAttribute(null=True)
    remote = JSONAttribute(null=True)

    @staticmethod
    def key(uuid: str) -> tuple[str, str]:
        return f"playlist#{uuid}", "playlist"


class WatchLater(Item, discriminator="watch-later"):
    """Which playlist is a user's "Watch later"."""
    playlist_uuid = UnicodeAttribute()

    @staticmethod
    def key(username: str) -> tuple[str, str]:
        return f"watch-later#{username.lower()}", "watch-later"


@dataclass(frozen=True)
class Element:
    id: int
    video_id: int
    video_uuid: str
    start: int | None = None
    stop: int | None = None


def elements_of(playlist: Playlist) -> list[Element]:
    return [Element(*e) for e in playlist.elements or []]


def _stored(elements: list[Element]) -> list[list]:
    return [[e.id, e.video_id, e.video_uuid, e.start, e.stop] for e in elements]


def owned_list(username: str) -> str:
    return f"playlists-of#{username.lower()}"


def _listed_publicly(playlist: Playlist) -> bool:
    return playlist.privacy == PUBLIC and playlist.type == REGULAR


def _lists(playlist: Playlist) -> list:
    """Puts the playlist's list keys in line with its privacy; the update actions that
    write its public list keys."""
    sort_key = f"{playlist.created_at.isoformat()}#{playlist.uuid}"
    playlist.owner_pk, playlist.owner_sk = owned_list(playlist.owner), sort_key
    if _listed_publicly(playlist):
        playlist.list_pk, playlist.list_sk = PUBLIC_LIST, sort_key
    else:
        playlist.list_pk = playlist.list_sk = None
    return [Playlist.list_pk.set(playlist.list_pk) if playlist.list_pk
            else Playlist.list_pk.remove(),
            Playlist.list_sk.set(playlist.list_sk) if playlist.list_sk
            else Playlist.list_sk.remove()]


def _validate(data: dict, schema: dict) -> None:
    problems = {}
    for error in jsonschema.Draft7Validator(schema).iter_errors(data):
        name = error.path[0] if error.path else (
            error.message.split("'")[1] if error.validator == "required" else "body")
        problems.setdefault(str(name), error.message)
    if problems:
        raise errors.invalid_params(problems)


def parse_fields(fields: dict, schema: dict, *, from_form: bool) -> dict:
    """Validated attributes. Form fields are strings: numbers are read as numbers and an
    empty `videoChannelId` or `description` means none, as PeerTube reads them."""
    data = dict(fields)
    if from_form:
        for name in ("privacy", "videoChannelId"):
            value = data.get(name)
            if isinstance(value, str):
                data[name] = int(value) if value.strip().isdigit() else (
                    None if value == "" else value)
        if data.get("description") == "":
            data["description"] = None
    _validate(data, schema)
    return data


def _channel_of(owner: str, channel_id: int) -> Channel:
    """The channel, if it is `owner`'s: a playlist is shown in its owner's channels only."""
    channel = channel_by_id(channel_id)
    if channel.owner != owner:
        raise errors.forbidden("Cannot use a video channel of another user.")
    return channel


# --- finding and who may do what -------------------------------------------------------

def find(ref: str) -> Playlist:
    """The playlist an id, UUID or short UUID names; 400 for what is none of those."""
    parsed = ids.parse_video_ref(ref)
    if parsed is None:
        raise errors.invalid_params({"playlistId": "Invalid value"}, "params")
    kind, value = parsed
    found = None
    if kind == "id":
        found = next(iter(Playlist.by_nid.query(f"playlist#{value}")), None)
    else:
        try:
            found = Playlist.get(*Playlist.key(value))
        except DoesNotExist:
            pass
    if found is None:
        raise errors.not_found("Video playlist not found")
    return found


def can_manage(playlist: Playlist, user: User | None) -> bool:
    return user is not None and (user.username == playlist.owner
                                 or user.role <= ROLE_MODERATOR)


def get_visible(ref: str, viewer: User | None) -> Playlist:
    """As PeerTube answers: an unlisted playlist only by its UUID, a private one only to
    its owner and moderators (403 to others)."""
    playlist = find(ref)
    if playlist.privacy == UNLISTED and ref.isdigit():
        raise errors.not_found("Playlist not found")
    if playlist.privacy == PRIVATE and not can_manage(playlist, viewer):
        raise errors.forbidden("Cannot get this private video playlist.")
    return playlist


def editable(ref: str, user: User) -> Playlist:
    playlist = find(ref)
    if playlist.origin_url:
        raise errors.forbidden("Cannot manage video playlist of another server.")
    if not can_manage(playlist, user):
        raise errors.forbidden("Cannot manage video playlist of another user")
    return playlist


# --- the playlist itself ---------------------------------------------------------------

def create(user: User, data: dict) -> Playlist:
    """A new regular playlist; a public or unlisted one must be in a channel."""
    privacy = data.get("privacy", PRIVATE)
    channel = (_channel_of(user.username, data["videoChannelId"])
               if data.get("videoChannelId") else None)
    if channel is None and privacy in (PUBLIC, UNLISTED):
        raise errors.bad_request('Cannot set "public" or "unlisted" a playlist that is not '
                                 "assigned to a channel.")
    uuid = ids.new_uuid()
    return _insert(Playlist(
        *Playlist.key(uuid), uuid=uuid, display_name=data["displayName"],
        description=data.get("description"), privacy=privacy, type=REGULAR,
        owner=user.username, channel=channel.name if channel else None))


def _federated(playlist: Playlist) -> tuple | None:
    # Federation builds on playlists.
    from .federation import publishing
    return publishing.playlist_state(playlist)


def _federate(playlist: Playlist, before: tuple | None, *, created: bool = False,
              deleted: bool = False) -> None:
    from .federation import publishing
    publishing.playlist_changed(playlist, before, created=created, deleted=deleted)


def _insert(playlist: Playlist, *also: Item) -> Playlist:
    playlist.id = next_id("playlist")
    if not playlist.origin_url:
        playlist.updated_at = playlist.created_at
    playlist.nid = f"playlist#{playlist.id}"
    _lists(playlist)

    def write(transaction) -> None:
        transaction.save(playlist, condition=Playlist.pk.does_not_exist())
        for item in also:
            transaction.save(item, condition=Item.pk.does_not_exist())
        if _listed_publicly(playlist):
            transaction.update(Counter(*Counter.key(PUBLIC_LIST)),
                               actions=[Counter.value.add(1)])
    transact(write)
    _federate(playlist, None, created=True)
    return playlist


def update(playlist: Playlist, data: dict) -> Playlist:
    """Changes the attributes given; a public playlist must stay in a channel."""
    if playlist.type == WATCH_LATER:
        raise errors.bad_request("Cannot update a watch later playlist.")
    moved = "videoChannelId" in data
    new_channel = (_channel_of(playlist.owner, data["videoChannelId"]).name
                   if moved and data["videoChannelId"] else None)

    def change(p: Playlist) -> list:
        p.channel = new_channel if moved else p.channel
        p.privacy = data.get("privacy", p.privacy)
        if p.privacy == PUBLIC and p.channel is None:
            raise errors.bad_request('Cannot set "public" a playlist that is not assigned to '
                                     "a channel.")
        p.display_name = data.get("displayName", p.display_name)
        p.description = data.get("description", p.description)
        return [Playlist.display_name.set(p.display_name), Playlist.privacy.set(p.privacy),
                Playlist.description.set(p.description) if p.description
                else Playlist.description.remove(),
                Playlist.channel.set(p.channel) if p.channel else Playlist.channel.remove(),
                *_lists(p)]
    return _edit(playlist, change)


def delete(playlist: Playlist) -> None:
    if playlist.type == WATCH_LATER:
        raise errors.bad_request("Cannot delete a watch later playlist.")

    def write(transaction) -> None:
        transaction.delete(playlist, condition=Playlist.version == playlist.version)
        if _listed_publicly(playlist):
            transaction.update(Counter(*Counter.key(PUBLIC_LIST)),
                               actions=[Counter.value.add(-1)])
    for _ in range(TRIES):
        try:
            before = _federated(playlist)
            transact(write)
            _federate(playlist, before, deleted=True)
            return
        except TransactWriteError:
            _refresh(playlist)
    raise busy()


def _refresh(playlist: Playlist) -> None:
    try:
        playlist.refresh(consistent_read=True)
    except DoesNotExist:
        raise errors.not_found("Video playlist not found") from None


def _edit(playlist: Playlist, change: Callable[[Playlist], list],
          updated: datetime | None = None) -> Playlist:
    """Applies `change` (which edits the in-memory playlist and returns the matching
    update actions) conditional on the version it read; on a lost race, waits a random
    moment, reads the playlist again and reapplies it. The public list's counter follows
    privacy, in the same transaction. The playlist's date becomes `updated` (another
    server's, for its playlists), else now. Other servers are told of the change."""
    for attempt in range(TRIES):
        was_public = _listed_publicly(playlist)
        before = _federated(playlist)
        version = playlist.version
        actions = change(playlist) + [Playlist.version.set(version + 1),
                                      Playlist.updated_at.set(updated or now())]
        delta = int(_listed_publicly(playlist)) - int(was_public)

        def write(transaction) -> None:
            transaction.update(playlist, actions=actions, condition=Playlist.version == version)
            transaction.update(Counter(*Counter.key(PUBLIC_LIST)),
                               actions=[Counter.value.add(delta)])
        try:
            if delta:
                transact(write)
                _refresh(playlist)
            else:
                playlist.update(actions=actions, condition=Playlist.version == version)
            _federate(playlist, before)
            return playlist
        except (TransactWriteError, UpdateError):
            time.sleep(random.uniform(0, 0.005 * 2 ** min(attempt, 6)))
            _refresh(playlist)
    raise busy()


def _edit_elements(playlist: Playlist,
                   change: Callable[[list[Element]], list[Element]]) -> Playlist:
    def actions(p: Playlist) -> list:
        return [Playlist.elements.set(_stored(change(elements_of(p))))]
    return _edit(playlist, actions)


# --- elements ---------------------------------------------------------------------------

def add(playlist: Playlist, video: Video, start: int | None = None,
        stop: int | None = None) -> int:
    """Appends a video (the same one may come twice, as in PeerTube); its element id."""
    element = Element(next_id("playlist-element"), video.id, video.uuid, start, stop)

    def append(elements: list[Element]) -> list[Element]:
        if len(elements) >= MAX_ELEMENTS:
            raise errors.bad_request(f"A playlist holds at most {MAX_ELEMENTS} videos.")
        return elements + [element]
    _edit_elements(playlist, append)
    return element.id


def _index_of(elements: list[Element], element_id: int) -> int:
    for index, element in enumerate(elements):
        if element.id == element_id:
            return index
    raise errors.not_found("Video playlist element not found")


def update_element(playlist: Playlist, element_id: int, data: dict) -> None:
    def retime(elements: list[Element]) -> list[Element]:
        i = _index_of(elements, element_id)
        old = elements[i]
        elements[i] = Element(old.id, old.video_id, old.video_uuid,
                              data.get("startTimestamp", old.start),
                              data.get("stopTimestamp", old.stop))
        return elements
    _edit_elements(playlist, retime)


def remove(playlist: Playlist, element_id: int) -> None:
    def without(elements: list[Element]) -> list[Element]:
        del elements[_index_of(elements, element_id)]
        return elements
    _edit_elements(playlist, without)


def reorder(playlist: Playlist, start: int, insert_after: int, length: int = 1) -> None:
    """Moves the `length` elements from position `start` to just after the element now
    at position `insert_after` (0: to the front), as PeerTube's reorder does."""
    def move(elements: list[Element]) -> list[Element]:
        last = len(elements)
        if start > last or insert_after > last:
            raise errors.bad_request("Start position or insert after position exceed the "
                                     f"playlist limits (max: {last})")
        if start + length > last + 1:
            raise errors.bad_request("Reorder length with this start position exceeds the "
                                     f"playlist limits (max: {last - start + 1})")
        block = elements[start - 1:start - 1 + length]
        rest = elements[:start - 1] + elements[start - 1 + length:]
        # Where the block goes among the others: after those that were at or before
        # `insert_after`.
        before = sum(1 for p in range(1, insert_after + 1)
                     if not start <= p < start + length)
        return rest[:before] + block + rest[before:]
    _edit_elements(playlist, move)


@dataclass(frozen=True)
class Entry:
    element: Element
    position: int
    type: int
    video: Video | None         # only when the viewer may see it (type regular)


def element_type(video: Video | None, viewer: User | None) -> int:
    """Why an element shows no video, as PeerTube tells it."""
    if video is None:
        return ELEMENT_DELETED
    if viewer is not None and video.owner == viewer.username:
        return ELEMENT_REGULAR
    if video.privacy not in (videos.PUBLIC, UNLISTED):
        return ELEMENT_PRIVATE
    if video.blocked or video.state != videos.PUBLISHED:
        return ELEMENT_UNAVAILABLE
    return ELEMENT_REGULAR


def entries(playlist: Playlist, viewer: User | None, start: int,
            count: int) -> tuple[int, list[Entry]]:
    """A page of the playlist's elements with their videos."""
    elements = elements_of(playlist)
    page = elements[start:start + count]
    found = {v.uuid: v for v in Video.batch_get({Video.key(e.video_uuid) for e in page})}
    out = []
    for position, element in enumerate(page, start + 1):
        video = found.get(element.video_uuid)
        kind = element_type(video, viewer)
        out.append(Entry(element, position, kind, video if kind == ELEMENT_REGULAR else None))
    return len(elements), out


def videos_exist(user: User, video_ids: list[int]) -> dict[int, list[dict]]:
    """For each video id, where it is in `user`'s playlists."""
    wanted = set(video_ids)
    found: dict[int, list[dict]] = {v: [] for v in video_ids}
    for playlist in Playlist.by_owner.query(owned_list(user.username)):
        for element in elements_of(playlist):
            if element.video_id in wanted:
                found[element.video_id].append({
                    "playlistElementId": element.id, "playlistId": playlist.id,
                    "playlistDisplayName": playlist.display_name,
                    "playlistShortUUID": ids.to_short(playlist.uuid),
                    "startTimestamp": element.start, "stopTimestamp": element.stop})
    return found


# --- lists ------------------------------------------------------------------------------

def _sorted_page(items, sort: str, start: int, count: int) -> list[Playlist]:
    """A page in the order asked; createdAt is the partitions' own order, the other
    orders are sorted here (a user's playlists, or the public ones, read whole)."""
    field = sort.lstrip("-")
    if field != "createdAt":
        key = {"updatedAt": lambda p: p.updated_at,
               "displayName": lambda p: p.display_name.lower(),
               "name": lambda p: p.display_name.lower()}[field]
        items = sorted(items, key=key, reverse=sort.startswith("-"))
    return list(items)[start:start + count]


def list_public(start: int, count: int, sort: str = "-createdAt",
                kind: int | None = None) -> tuple[int, list[Playlist]]:
    descending = sort.startswith("-")
    if kind == WATCH_LATER:
        return 0, []
    limit = start + count if sort.lstrip("-") == "createdAt" else None
    found = Playlist.by_list.query(PUBLIC_LIST, scan_index_forward=not descending,
                                   limit=limit)
    return counter_value(PUBLIC_LIST), _sorted_page(found, sort, start, count)


def list_of_account(owner: str, viewer: User | None, start: int, count: int,
                    sort: str = "-createdAt", kind: int | None = None,
                    search: str | None = None) -> tuple[int, list[Playlist]]:
    """The playlists of the account `owner` (a username, or another server's handle):
    all of them for their owner (whose "Watch later" is made on this first use), the
    public ones for everyone else."""
    mine = viewer is not None and viewer.username == owner
    if mine:
        watch_later(viewer)
    found = [p for p in Playlist.by_owner.query(owned_list(owner),
                                                scan_index_forward=not sort.startswith("-"))
             if (mine or _listed_publicly(p)) and (kind is None or p.type == kind)
             and (not search or search.lower() in p.display_name.lower())]
    return len(found), _sorted_page(found, sort, start, count)


def in_channel(owner: str, channel: str, descending: bool = True) -> list[Playlist]:
    """The playlists of the channel named `channel` (a handle for another server's),
    from its owner's list."""
    return [p for p in Playlist.by_owner.query(owned_list(owner),
                                               scan_index_forward=not descending)
            if p.channel == channel]


def list_of_channel(owner: str, channel: str, start: int, count: int,
                    sort: str = "-createdAt",
                    kind: int | None = None) -> tuple[int, list[Playlist]]:
    """The public playlists of the channel `channel` of the account `owner` (handles for
    another server's)."""
    found = [p for p in in_channel(owner, channel, sort.startswith("-"))
             if _listed_publicly(p) and (kind is None or p.type == kind)]
    return len(found), _sorted_page(found, sort, start, count)


def forget_channel(channel: Channel) -> None:
    """The playlists of a channel being deleted become private and channel-less, as
    PeerTube leaves them."""
    for playlist in in_channel(channel.owner, channel.name):
        update(playlist, {"privacy": PRIVATE, "videoChannelId": None})


# --- other servers' playlists ---------------------------------------------------------

def save_remote(playlist: Playlist | None, uuid: str, fields: dict,
                elements: list[Element]) -> Playlist:
    """Another server's playlist (peerless.federation.remote_playlists reads it), new
    when `playlist` is None, else brought up to date: `fields` are its attributes (names,
    privacy, owner and channel handles, origin_url, remote, created_at, updated_at).
    Raises TransactWriteError when another worker made it first."""
    if playlist is None:
        return _insert(Playlist(*Playlist.key(uuid), uuid=uuid, type=REGULAR,
                                elements=_stored(elements), **fields))
    changed = {name: value for name, value in fields.items()
               if name not in ("created_at", "updated_at")}
    changed["elements"] = _stored(elements)

    def change(p: Playlist) -> list:
        actions = []
        for name, value in changed.items():
            setattr(p, name, value)
            attribute = getattr(Playlist, name)
            actions.append(attribute.remove() if value is None else attribute.set(value))
        return actions + _lists(p)
    return _edit(playlist, change, fields["updated_at"])


# --- watch later -----------------------------------------------------------------------

def watch_later(user: User) -> Playlist:
    """The user's "Watch later", made now if it is the first use."""
    for _ in range(2):
        try:
            pointer = WatchLater.get(*WatchLater.key(user.username), consistent_read=True)
            return Playlist.get(*Playlist.key(pointer.playlist_uuid), consistent_read=True)
        except DoesNotExist:
            pass
        uuid = ids.new_uuid()
        playlist = Playlist(*Playlist.key(uuid), uuid=uuid, display_name="Watch later",
                            privacy=PRIVATE, type=WATCH_LATER, owner=user.username)
        try:
            return _insert(playlist, WatchLater(*WatchLater.key(user.username),
                                                playlist_uuid=uuid))
        except TransactWriteError:
            continue    # made meanwhile by a racing first use: read theirs
    raise busy()


def special_playlists(user: User) -> list[dict]:
    """`specialPlaylists` of PeerTube's users/me."""
    playlist = watch_later(user)
    return [{"id": playlist.id, "name": playlist.display_name, "type": WATCH_LATER}]
