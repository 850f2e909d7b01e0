"""Video playlists: the playlists, their elements, and the lists of them."""
from chalice import Blueprint

from peerless import accounts, errors, ids, playlists, subscriptions, videos
from peerless.peertube.playlists import elements, playlists as playlists_json
from peerless.federation import remote_actors
from peerless.settings import settings

from .accounts import remote_actor
from .http import (ANY_BODY, JSON, MULTIPART, Call, no_content, ok, page, page_bounds,
                  path_id, route, sort_param, validate)

bp = Blueprint(__name__)
ONE = "/api/v1/video-playlists/{ref}"


def _fields(call: Call, schema: dict) -> dict:
    """The playlist's attributes, from a multipart form (PeerTube's web client, with an
    optional thumbnail), a urlencoded form or JSON."""
    if call.content_type() == MULTIPART:
        return playlists.parse_fields(call.multipart().fields, schema, from_form=True)
    if call.content_type() == JSON:
        return playlists.parse_fields(call.json(), schema, from_form=False)
    return playlists.parse_fields(call.form(), schema, from_form=True)


def _list(call: Call, lister, *args, **kwargs):
    """A page of playlists from `lister`, with PeerTube's list parameters."""
    start, count = page_bounds(call)
    kind = call.query_int("playlistType", None, minimum=1, maximum=2)
    total, found = lister(*args, start, count, sort_param(call, playlists.SORTS), kind,
                          **kwargs)
    return page(total, playlists_json(found, settings()))


@route(bp, "/api/v1/video-playlists/privacies")
def privacies(call: Call):
    return ok({str(k): v for k, v in playlists.PRIVACY_LABELS.items()})


@route(bp, "/api/v1/video-playlists")
def list_public(call: Call):
    return _list(call, playlists.list_public)


@route(bp, "/api/v1/accounts/{name}/video-playlists")
def list_of_account(call: Call, name: str):
    viewer = call.optional_user()
    remote = remote_actor(name, channel=False)
    owner = remote_actors.handle(remote) if remote else accounts.user_by_name(
        name.split("@")[0]).username
    return _list(call, playlists.list_of_account, owner, viewer,
                 search=call.query_str("search"))


@route(bp, "/api/v1/video-channels/{handle}/video-playlists")
def list_of_channel(call: Call, handle: str):
    remote = remote_actor(handle, channel=True)
    if remote is not None:
        owner = remote_actors.known(remote.owner_url) if remote.owner_url else None
        return _list(call, playlists.list_of_channel,
                     remote_actors.handle(owner) if owner else "",
                     remote_actors.handle(remote))
    name = subscriptions.local_name(handle, "params", "handle")
    channel = subscriptions.channel_named(name) if name else None
    if channel is None:
        raise errors.not_found("Video channel not found")
    return _list(call, playlists.list_of_channel, channel.owner, channel.name)


@route(bp, "/api/v1/video-playlists", methods=("POST",), content_types=ANY_BODY)
def create(call: Call):
    user = call.user()
    created = playlists.create(user, _fields(call, playlists.CREATE_SCHEMA))
    return ok({"videoPlaylist": {"id": created.id, "uuid": created.uuid,
                                 "shortUUID": ids.to_short(created.uuid)}})


@route(bp, ONE)
def get(call: Call, ref: str):
    found = playlists.get_visible(ref, call.optional_user())
    return ok(playlists_json([found], settings())[0])


@route(bp, ONE, methods=("PUT",), content_types=ANY_BODY)
def update(call: Call, ref: str):
    user = call.user()
    data = _fields(call, playlists.UPDATE_SCHEMA)
    playlists.update(playlists.editable(ref, user), data)
    return no_content()


@route(bp, ONE, methods=("DELETE",))
def delete(call: Call, ref: str):
    playlists.delete(playlists.editable(ref, call.user()))
    return no_content()


@route(bp, ONE + "/videos")
def list_elements(call: Call, ref: str):
    viewer = call.optional_user()
    start, count = page_bounds(call)
    found = playlists.get_visible(ref, viewer)
    total, entries = playlists.entries(found, viewer, start, count)
    return page(total, elements(entries, settings()))


@route(bp, ONE + "/videos", methods=("POST",), content_types=[JSON])
def add(call: Call, ref: str):
    user = call.user()
    body = call.json()
    validate(body, playlists.ADD_SCHEMA)
    if ids.parse_video_ref(str(body["videoId"])) is None:
        raise errors.invalid_params({"videoId": "Should have a valid video id/uuid/short uuid"})
    target = playlists.editable(ref, user)
    video = videos.get_visible(str(body["videoId"]), user)
    element = playlists.add(target, video, body.get("startTimestamp"),
                            body.get("stopTimestamp"))
    return ok({"videoPlaylistElement": {"id": element}})


@route(bp, ONE + "/videos/reorder", methods=("POST",), content_types=[JSON])
def reorder(call: Call, ref: str):
    user = call.user()
    body = call.json()
    validate(body, playlists.REORDER_SCHEMA)
    target = playlists.editable(ref, user)
    if body["startPosition"] != body["insertAfterPosition"]:
        playlists.reorder(target, body["startPosition"], body["insertAfterPosition"],
                          body.get("reorderLength", 1))
    return no_content()


@route(bp, ONE + "/videos/{eid}", methods=("PUT",), content_types=[JSON])
def update_element(call: Call, ref: str, eid: str):
    user = call.user()
    element = path_id(eid, "playlistElementId")
    body = call.json()
    validate(body, playlists.ELEMENT_SCHEMA)
    playlists.update_element(playlists.editable(ref, user), element, body)
    return no_content()


@route(bp, ONE + "/videos/{eid}", methods=("DELETE",))
def remove_element(call: Call, ref: str, eid: str):
    user = call.user()
    element = path_id(eid, "playlistElementId")
    playlists.remove(playlists.editable(ref, user), element)
    return no_content()


@route(bp, "/api/v1/users/me/video-playlists/videos-exist")
def videos_exist(call: Call):
    user = call.user()
    wanted = call.query_values("videoIds")
    if not wanted or not all(v.isdigit() and int(v) > 0 for v in wanted):
        raise errors.invalid_params({"videoIds": "Should have a valid video ids array"},
                                    "query")
    found = playlists.videos_exist(user, [int(v) for v in wanted])
    return ok({str(k): v for k, v in found.items()})
