"""Accounts and video channels: who publishes, and where."""
from chalice import Blueprint

from peerless import accounts, errors, images, subscriptions
from peerless.federation import remote_actors
from peerless.peertube import accounts as shapes
from peerless.settings import settings

from .http import (JSON, MULTIPART, Call, no_content, ok, page, page_bounds, route,
                   validate)
from .videos import video_page, video_query

bp = Blueprint(__name__)


def channels_json(channels: list) -> list[dict]:
    """VideoChannels with their owners and followers: two batch reads for the page. Remote
    channels (RemoteActors, in a user's subscriptions) are shown in their place."""
    local = [c for c in channels if not isinstance(c, remote_actors.RemoteActor)]
    owners = accounts.authors(c.owner for c in local)
    followers = subscriptions.followers_counts([c.name for c in local])
    shown = []
    for c in channels:
        if isinstance(c, remote_actors.RemoteActor):
            shown.append(remote_channel_json(c))
        elif c.owner.lower() in owners:
            shown.append(shapes.channel(c, owners[c.owner.lower()], settings(),
                                        followers=followers[c.name.lower()]))
    return shown


def remote_channel_json(actor: remote_actors.RemoteActor) -> dict:
    """A remote channel as its VideoChannel: with its account if known here, and the
    users of this instance who follow it."""
    name = remote_actors.handle(actor)
    owner = remote_actors.known(actor.owner_url) if actor.owner_url else None
    return shapes.remote_channel(
        actor, name, settings(), subscriptions.followers_counts([name])[name.lower()],
        shapes.remote_account(owner, remote_actors.handle(owner), settings())
        if owner else None)


def remote_actor(handle: str, *, channel: bool):
    """The known remote account or channel a handle `name@host` of another host names;
    None for a local handle; a 404 for an unknown one."""
    name, _, host = handle.partition("@")
    if not host or host.lower() == settings().host.lower():
        return None
    actor = remote_actors.by_handle(handle)
    if actor is None or (actor.type == "Group") != channel:
        raise errors.not_found("Video channel not found" if channel else "Account not found")
    return actor


# --- accounts -----------------------------------------------------------------------------

@route(bp, "/api/v1/accounts/{name}")
def get_account(call: Call, name: str):
    remote = remote_actor(name, channel=False)
    if remote is not None:
        return ok(shapes.remote_account(remote, remote_actors.handle(remote), settings()))
    return ok(shapes.account(accounts.account_by_name(name), settings()))


@route(bp, "/api/v1/accounts/{name}/video-channels")
def account_channels(call: Call, name: str):
    owner = accounts.account_by_name(name)
    channels = accounts.channels_of(owner.username)
    found = accounts.page_of_channels(channels, *page_bounds(call),
                                      call.query_str("sort") or "-createdAt")
    followers = subscriptions.followers_counts([c.name for c in found])
    return page(len(channels), [shapes.channel(c, owner, settings(),
                                               followers=followers[c.name.lower()])
                                for c in found])


@route(bp, "/api/v1/accounts/{name}/videos")
def account_videos(call: Call, name: str):
    remote = remote_actor(name, channel=False)
    owner = remote_actors.handle(remote) if remote else accounts.account_by_name(name).username
    return video_page(call, video_query(call, account=owner))


# --- channels -----------------------------------------------------------------------------

@route(bp, "/api/v1/video-channels")
def list_channels(call: Call):
    total, found = accounts.list_channels(*page_bounds(call),
                                          call.query_str("sort") or "-createdAt")
    return page(total, channels_json(found))


@route(bp, "/api/v1/video-channels", methods=("POST",), content_types=[JSON])
def create_channel(call: Call):
    owner = call.user()
    body = call.json()
    validate(body, accounts.NEW_CHANNEL_SCHEMA)
    return ok({"videoChannel": {"id": accounts.create_channel(owner, body).id}})


@route(bp, "/api/v1/video-channels/{handle}")
def get_channel(call: Call, handle: str):
    remote = remote_actor(handle, channel=True)
    return ok(channels_json([remote or accounts.channel_by_handle(handle)])[0])


@route(bp, "/api/v1/video-channels/{handle}", methods=("PUT",), content_types=[JSON])
def update_channel(call: Call, handle: str):
    actor = call.user()
    body = call.json()
    validate(body, accounts.UPDATE_CHANNEL_SCHEMA)
    accounts.update_channel(accounts.channel_by_handle(handle), actor, body)
    return no_content()


@route(bp, "/api/v1/video-channels/{handle}", methods=("DELETE",))
def delete_channel(call: Call, handle: str):
    actor = call.user()
    accounts.delete_channel(accounts.channel_by_handle(handle), actor)
    return no_content()


@route(bp, "/api/v1/video-channels/{handle}/videos")
def channel_videos(call: Call, handle: str):
    remote = remote_actor(handle, channel=True)
    name = remote_actors.handle(remote) if remote else accounts.channel_by_handle(handle).name
    return video_page(call, video_query(call, channel=name))


def _editable_channel(call: Call, handle: str):
    channel = accounts.channel_by_handle(handle)
    accounts.check_can_edit_channel(channel, call.user())
    return channel


def _pick(call: Call, handle: str, kind: images.Kind):
    channel = _editable_channel(call, handle)
    form = call.multipart(max_file_size=images.MAX_SIZE)
    stored = images.replace(channel, kind, form.files.get(kind.field))
    return ok({kind.attribute: shapes.actor_images(stored, settings())})


@route(bp, "/api/v1/video-channels/{handle}/avatar/pick", methods=("POST",),
       content_types=[MULTIPART])
def pick_channel_avatar(call: Call, handle: str):
    return _pick(call, handle, images.AVATAR)


@route(bp, "/api/v1/video-channels/{handle}/banner/pick", methods=("POST",),
       content_types=[MULTIPART])
def pick_channel_banner(call: Call, handle: str):
    return _pick(call, handle, images.BANNER)


@route(bp, "/api/v1/video-channels/{handle}/avatar", methods=("DELETE",))
def delete_channel_avatar(call: Call, handle: str):
    images.remove(_editable_channel(call, handle), images.AVATAR)
    return no_content()


@route(bp, "/api/v1/video-channels/{handle}/banner", methods=("DELETE",))
def delete_channel_banner(call: Call, handle: str):
    images.remove(_editable_channel(call, handle), images.BANNER)
    return no_content()
