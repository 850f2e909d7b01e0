"""The instance's follows, as PeerTube's /server/following and /server/followers serve
them: the lists for anyone, the changes for administrators."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from chalice import Blueprint

from peerless import errors, videos
from peerless.accounts import ROLE_ADMIN
from peerless.federation import actors, fetch, follows, redundancy, remote_actors
from peerless.models import User, Video
from peerless.peertube.common import media_url, timestamp
from peerless.settings import settings

from .http import Call, no_content, page, page_bounds, route, validate

bp = Blueprint(__name__)

INSTANCE = actors.SERVER_ACTOR_NAME
HOST = r"[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?(:[0-9]{1,5})?"
_HOST = re.compile(f"^{HOST}$")
_HANDLE = re.compile(rf"^@?[\w\-.]+@{HOST}$")
FOLLOW_SCHEMA = {
    "type": "object",
    "properties": {
        "hosts": {"type": "array", "maxItems": 100, "uniqueItems": True,
                  "items": {"type": "string", "pattern": f"^{HOST}$"}},
        "handles": {"type": "array", "maxItems": 100, "uniqueItems": True,
                    "items": {"type": "string", "pattern": _HANDLE.pattern}},
    },
}
STATES = list(follows.STATES)
ACTOR_TYPES = ["Person", "Application", "Group", "Service", "Organization"]
SCORE = 1000          # PeerTube's ACTOR_FOLLOW_SCORE.BASE: we keep no score of our own


def _admin(call: Call) -> User:
    user = call.user()
    if user.role != ROLE_ADMIN:
        raise errors.forbidden(f"User {user.username} does not have the right to manage "
                               "the server's follows.")
    return user


def _instance_shape() -> dict:
    s = settings()
    return {"id": 0, "url": actors.account_url(INSTANCE, s), "name": INSTANCE,
            "host": s.host, "hostRedundancyAllowed": False,
            "followersCount": follows.followers_count(INSTANCE),
            "followingCount": follows.following_count(INSTANCE),
            "createdAt": timestamp(actors.instance_actor(s).published), "avatars": []}


def _remote_shape(item: follows.Relation) -> dict:
    # What we keep of a remote actor: its counts and its own date are its server's.
    return {"id": 0, "url": item.remote_url, "name": item.remote_handle.split("@")[0],
            "host": item.remote_host, "hostRedundancyAllowed": False,
            "followersCount": 0, "followingCount": 0,
            "createdAt": timestamp(item.created_at), "avatars": []}


def _actor_follow(item: follows.Relation, instance: dict) -> dict:
    """PeerTube's ActorFollow."""
    remote = _remote_shape(item)
    mine = isinstance(item, follows.Following)
    return {"id": item.id, "follower": instance if mine else remote,
            "following": remote if mine else instance, "score": SCORE, "state": item.state,
            "createdAt": timestamp(item.created_at), "updatedAt": timestamp(item.updated_at)}


def _list(call: Call, model):
    start, count = page_bounds(call)
    sort = call.query_str("sort") or "-createdAt"
    if sort.lstrip("-") != "createdAt":
        raise errors.invalid_params({"sort": "Should have a sort among createdAt"}, "query")
    state = call.query_str("state") or None
    if state is not None and state not in STATES:
        raise errors.invalid_params({"state": "Should have a valid state"}, "query")
    actor_type = call.query_str("actorType") or None
    if actor_type is not None and actor_type not in ACTOR_TYPES:
        raise errors.invalid_params({"actorType": "Should have a valid actor type"}, "query")
    total, items = follows.listed(model, INSTANCE, start, count,
                                  newest_first=sort.startswith("-"), state=state,
                                  actor_type=actor_type,
                                  search=call.query_str("search") or None)
    instance = _instance_shape()
    return page(total, [_actor_follow(item, instance) for item in items])


def _resolve(target: tuple[str, str]):
    """The remote actor `name@host`, found by WebFinger then fetched; or why not."""
    name, host = target
    try:
        return follows.resolve(name, host)
    except (fetch.FetchError, remote_actors.RemoteActorError) as error:
        return error


# --- following ------------------------------------------------------------------------------

@route(bp, "/api/v1/server/following")
def list_following(call: Call):
    return _list(call, follows.Following)


@route(bp, "/api/v1/server/following", methods=("POST",))
def follow(call: Call):
    """The instance follows each host's instance actor and each handle's actor. Every one
    is found first: one that cannot be is a 400 naming it, and nothing is followed."""
    _admin(call)
    body = call.json()
    validate(body, FOLLOW_SCHEMA)
    hosts, handles = body.get("hosts") or [], body.get("handles") or []
    if not hosts and not handles:
        raise errors.bad_request("You must provide at least one handle or one host.")
    targets = [("hosts", (INSTANCE, host.lower())) for host in hosts] + [
        ("handles", tuple(handle.lstrip("@").lower().split("@", 1))) for handle in handles]
    own = settings().host.lower()
    problems = {field: "You cannot follow your own instance."
                for field, (_, host) in targets if host == own}
    if problems:
        raise errors.invalid_params(problems)
    with ThreadPoolExecutor(max_workers=min(16, len(targets))) as pool:
        found = list(pool.map(_resolve, [target for _, target in targets]))
    for (field, (name, host)), remote in zip(targets, found):
        if isinstance(remote, Exception):
            problems.setdefault(field, f"Cannot follow {name}@{host}: {remote}")
    if problems:
        raise errors.invalid_params(problems)
    instance = actors.instance_actor()
    for remote in found:
        follows.follow(instance, remote)
    return no_content()


def _following_of(host_or_handle: str) -> follows.Following:
    if not (_HOST.match(host_or_handle) or _HANDLE.match(host_or_handle)):
        raise errors.invalid_params({"hostOrHandle": "Should be a host or a handle."},
                                    "params")
    handle = host_or_handle if "@" in host_or_handle else f"{INSTANCE}@{host_or_handle}"
    item = follows.find_by_handle(follows.Following, INSTANCE, handle.lstrip("@"))
    if item is None:
        raise errors.not_found(f"Follow {host_or_handle} not found.")
    return item


@route(bp, "/api/v1/server/following/{host_or_handle}", methods=("DELETE",))
def unfollow(call: Call, host_or_handle: str):
    _admin(call)
    follows.unfollow(actors.instance_actor(), _following_of(host_or_handle))
    return no_content()


# --- followers ------------------------------------------------------------------------------

@route(bp, "/api/v1/server/followers")
def list_followers(call: Call):
    return _list(call, follows.Follower)


def _follower_of(handle: str) -> follows.Follower:
    if not _HANDLE.match(handle):
        raise errors.invalid_params({"handle": "Should be a valid handle."}, "params")
    item = follows.find_by_handle(follows.Follower, INSTANCE, handle.lstrip("@"))
    if item is None:
        raise errors.not_found(f"Follower {handle} not found.")
    return item


def _in_state(item: follows.Follower, *states: str) -> None:
    if item.state not in states:
        raise errors.bad_request(f"Follow is not in {'/'.join(states)} state.")


@route(bp, "/api/v1/server/followers/{handle}/accept", methods=("POST",))
def accept_follower(call: Call, handle: str):
    _admin(call)
    item = _follower_of(handle)
    _in_state(item, follows.PENDING, follows.REJECTED)
    follows.approve_follower(actors.instance_actor(), item)
    return no_content()


@route(bp, "/api/v1/server/followers/{handle}/reject", methods=("POST",))
def reject_follower(call: Call, handle: str):
    _admin(call)
    item = _follower_of(handle)
    _in_state(item, follows.PENDING, follows.ACCEPTED)
    follows.reject_follower(actors.instance_actor(), item)
    return no_content()


@route(bp, "/api/v1/server/followers/{handle}", methods=("DELETE",))
def remove_follower(call: Call, handle: str):
    _admin(call)
    follows.remove_follower(actors.instance_actor(), _follower_of(handle))
    return no_content()


# --- redundancy -----------------------------------------------------------------------------

MIRROR_SCHEMA = {"type": "object", "required": ["videoId"],
                 "properties": {"videoId": {"type": ["integer", "string"]}}}


def _mirror_json(item: redundancy.Mirror, video) -> dict:
    """PeerTube's VideoRedundancy: the video and this instance's copy of its playlist."""
    return {"id": item.id, "name": video.name if video else "", "uuid": item.video_uuid,
            "url": item.video_url,
            "redundancies": {"files": [], "streamingPlaylists": [{
                "id": item.id, "fileUrl": media_url(item.master_key, settings()),
                "strategy": item.strategy, "size": int(item.size),
                "createdAt": timestamp(item.created_at), "updatedAt": timestamp(item.created_at),
                "expiresOn": timestamp(item.expires_at)}]}}


@route(bp, "/api/v1/server/redundancy/videos")
def list_mirrors(call: Call):
    """The remote videos this instance mirrors (`target=remote-videos`, the default; this
    instance's own videos are mirrored by others, listed on each video)."""
    _admin(call)
    if (call.query_str("target") or "remote-videos") != "remote-videos":
        return page(0, [])
    total, found = redundancy.mirrors(*page_bounds(call))
    held = {v.uuid: v for v in Video.batch_get([Video.key(m.video_uuid) for m in found])}
    return page(total, [_mirror_json(m, held.get(m.video_uuid)) for m in found])


@route(bp, "/api/v1/server/redundancy/videos", methods=("POST",))
def add_mirror(call: Call):
    """Mirrors a remote video now (PeerTube's manual redundancy)."""
    _admin(call)
    body = call.json()
    validate(body, MIRROR_SCHEMA)
    video = videos.find(str(body["videoId"]))
    if video is None:
        raise errors.not_found("Video not found")
    if not video.is_remote:
        raise errors.bad_request("Cannot mirror a video of this instance.")
    try:
        redundancy.mirror(video)
    except redundancy.MirrorError as error:
        raise errors.bad_request(f"Cannot mirror this video: {error}") from None
    return no_content()


@route(bp, "/api/v1/server/redundancy/videos/{number}", methods=("DELETE",))
def remove_mirror(call: Call, number: str):
    _admin(call)
    if not number.isdigit():
        raise errors.invalid_params({"redundancyId": "Invalid value"}, "params")
    redundancy.unmirror(redundancy.mirror_by_id(int(number)))
    return no_content()
