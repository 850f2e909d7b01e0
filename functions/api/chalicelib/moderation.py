"""Moderation: abuse reports and their messages, block lists (a user's and the instance's),
and video blocks."""
from chalice import Blueprint

from peerless import accounts, errors, moderation, videos
from peerless.federation import publishing
from peerless.moderation import AbuseFilter
from peerless.peertube import moderation as shapes
from peerless.settings import settings

from .http import Call, no_content, ok, page, route, validate

bp = Blueprint(__name__)


def _path_id(value: str, name: str) -> int:
    if not value.isdigit():
        raise errors.invalid_params({name: "Should be a valid id."}, "params")
    return int(value)


def _paging(call: Call) -> tuple[int, int, bool]:
    """start, count, and whether newest come first (`sort` on the creation date)."""
    sort = call.query_str("sort", "-createdAt")
    if sort not in ("createdAt", "-createdAt", "id", "-id"):
        raise errors.invalid_params({"sort": "Should have a valid sort."}, "query")
    return (call.query_int("start", 0), call.query_int("count", 15, maximum=100),
            sort.startswith("-"))


# --- abuse reports ----------------------------------------------------------------------------

@route(bp, "/api/v1/abuses", methods=("POST",))
def report(call: Call):
    reporter = call.user()
    body = call.json()
    validate(body, moderation.NEW_ABUSE_SCHEMA)
    return ok({"abuse": {"id": moderation.report(reporter, body).id}})


@route(bp, "/api/v1/abuses")
def list_abuses(call: Call):
    moderator = call.user()
    start, count, newest_first = _paging(call)
    reason = call.query_str("predefinedReason")
    if reason is not None and reason not in moderation.PREDEFINED_REASONS:
        raise errors.invalid_params({"predefinedReason": "Should have a valid reason."},
                                    "query")
    target = call.query_str("filter")
    if target is not None and target not in ("video", "comment", "account"):
        raise errors.invalid_params({"filter": "Should have a valid filter."}, "query")
    flt = AbuseFilter(abuse_id=call.query_int("id", None, minimum=1),
                      state=call.query_int("state", None, minimum=1, maximum=3),
                      predefined_reason=reason, search=call.query_str("search") or None,
                      target=target, reporter=call.query_str("searchReporter") or None,
                      reportee=call.query_str("searchReportee") or None)
    total, found = moderation.list_abuses(moderator, flt, start, count, newest_first)
    return page(total, shapes.abuses(moderation.abuse_views(found), settings(),
                                     moderator=True))


@route(bp, "/api/v1/users/me/abuses")
def my_abuses(call: Call):
    reporter = call.user()
    start, count, newest_first = _paging(call)
    total, found = moderation.list_my_abuses(
        reporter, start, count, abuse_id=call.query_int("id", None, minimum=1),
        state=call.query_int("state", None, minimum=1, maximum=3), newest_first=newest_first)
    return page(total, shapes.abuses(moderation.abuse_views(found), settings(),
                                     moderator=False))


@route(bp, "/api/v1/abuses/{abuse_id}", methods=("PUT",))
def update_abuse(call: Call, abuse_id: str):
    moderator = call.user()
    body = call.json()
    validate(body, moderation.ABUSE_UPDATE_SCHEMA)
    moderation.update_abuse(moderator, _path_id(abuse_id, "abuseId"), body)
    return no_content()


@route(bp, "/api/v1/abuses/{abuse_id}", methods=("DELETE",))
def delete_abuse(call: Call, abuse_id: str):
    moderation.delete_abuse(call.user(), _path_id(abuse_id, "abuseId"))
    return no_content()


@route(bp, "/api/v1/abuses/{abuse_id}/messages")
def list_messages(call: Call, abuse_id: str):
    messages = moderation.list_messages(call.user(), _path_id(abuse_id, "abuseId"))
    authors = accounts.authors(m.author for m in messages)
    return page(len(messages), [shapes.abuse_message(m, authors.get(m.author), settings())
                                for m in messages])


@route(bp, "/api/v1/abuses/{abuse_id}/messages", methods=("POST",))
def add_message(call: Call, abuse_id: str):
    user = call.user()
    body = call.json()
    validate(body, moderation.MESSAGE_SCHEMA)
    message = moderation.add_message(user, _path_id(abuse_id, "abuseId"), body["message"])
    return ok({"abuseMessage": {"id": message.id}})


@route(bp, "/api/v1/abuses/{abuse_id}/messages/{message_id}", methods=("DELETE",))
def delete_message(call: Call, abuse_id: str, message_id: str):
    moderation.delete_message(call.user(), _path_id(abuse_id, "abuseId"),
                              _path_id(message_id, "abuseMessageId"))
    return no_content()


# --- block lists: a user's own (/users/me) and the instance's (/server) -------------------

def _mutes(call: Call, kind: str, for_instance: bool):
    user = call.user()
    start, count, newest_first = _paging(call)
    total, found = moderation.list_mutes(user, kind, start, count, for_instance=for_instance,
                                         search=call.query_str("search") or None,
                                         newest_first=newest_first)
    users = accounts.authors([m.by for m in found] + (
        [m.target for m in found] if kind == "account" else []))
    shape = shapes.account_block if kind == "account" else shapes.server_block
    return page(total, [shape(m, users, settings()) for m in found])


def _mute_account(call: Call, for_instance: bool):
    user = call.user()
    body = call.form()
    validate(body, moderation.ACCOUNT_BLOCK_SCHEMA)
    moderation.mute_account(user, body["accountName"], for_instance=for_instance)
    return no_content()


def _mute_server(call: Call, for_instance: bool):
    user = call.user()
    body = call.form()
    validate(body, moderation.SERVER_BLOCK_SCHEMA)
    moderation.mute_server(user, body["host"], for_instance=for_instance)
    return no_content()


@route(bp, "/api/v1/users/me/blocklist/accounts")
def my_muted_accounts(call: Call):
    return _mutes(call, "account", for_instance=False)


@route(bp, "/api/v1/users/me/blocklist/accounts", methods=("POST",))
def mute_account(call: Call):
    return _mute_account(call, for_instance=False)


@route(bp, "/api/v1/users/me/blocklist/accounts/{account_name}", methods=("DELETE",))
def unmute_account(call: Call, account_name: str):
    moderation.unmute_account(call.user(), account_name)
    return no_content()


@route(bp, "/api/v1/users/me/blocklist/servers")
def my_muted_servers(call: Call):
    return _mutes(call, "server", for_instance=False)


@route(bp, "/api/v1/users/me/blocklist/servers", methods=("POST",))
def mute_server(call: Call):
    return _mute_server(call, for_instance=False)


@route(bp, "/api/v1/users/me/blocklist/servers/{host}", methods=("DELETE",))
def unmute_server(call: Call, host: str):
    moderation.unmute_server(call.user(), host)
    return no_content()


@route(bp, "/api/v1/server/blocklist/accounts")
def instance_muted_accounts(call: Call):
    return _mutes(call, "account", for_instance=True)


@route(bp, "/api/v1/server/blocklist/accounts", methods=("POST",))
def instance_mute_account(call: Call):
    return _mute_account(call, for_instance=True)


@route(bp, "/api/v1/server/blocklist/accounts/{account_name}", methods=("DELETE",))
def instance_unmute_account(call: Call, account_name: str):
    moderation.unmute_account(call.user(), account_name, for_instance=True)
    return no_content()


@route(bp, "/api/v1/server/blocklist/servers")
def instance_muted_servers(call: Call):
    return _mutes(call, "server", for_instance=True)


@route(bp, "/api/v1/server/blocklist/servers", methods=("POST",))
def instance_mute_server(call: Call):
    return _mute_server(call, for_instance=True)


@route(bp, "/api/v1/server/blocklist/servers/{host}", methods=("DELETE",))
def instance_unmute_server(call: Call, host: str):
    moderation.unmute_server(call.user(), host, for_instance=True)
    return no_content()


@route(bp, "/api/v1/blocklist/status")
def block_status(call: Call):
    accounts, hosts = moderation.block_status(call.optional_user(),
                                              call.query_values("accounts"),
                                              call.query_values("hosts"))
    return ok({"accounts": accounts, "hosts": hosts})


# --- video blocks -----------------------------------------------------------------------------

@route(bp, "/api/v1/videos/blacklist")
def list_video_blocks(call: Call):
    moderator = call.user()
    start, count, newest_first = _paging(call)
    total, found = moderation.list_video_blocks(
        moderator, start, count, search=call.query_str("search") or None,
        block_type=call.query_int("type", None, minimum=1, maximum=3),
        newest_first=newest_first)
    return page(total, shapes.video_blocks(found, settings()))


def _video_block_body(call: Call) -> dict:
    body = call.json()
    validate(body, moderation.VIDEO_BLOCK_SCHEMA)
    return body


@route(bp, "/api/v1/videos/{ref}/blacklist", methods=("POST",))
def block_video(call: Call, ref: str):
    moderator = call.user()
    block = moderation.block_video(moderator, ref, _video_block_body(call))
    if block.unfederated:
        # PeerTube's "unfederate": other servers are told it is gone.
        video = videos.find(ref)
        if video is not None and not video.is_remote:
            publishing.deleted(video, hidden=True)
    return no_content()


@route(bp, "/api/v1/videos/{ref}/blacklist", methods=("PUT",))
def update_video_block(call: Call, ref: str):
    moderator = call.user()
    moderation.update_video_block(moderator, ref, _video_block_body(call))
    return no_content()


@route(bp, "/api/v1/videos/{ref}/blacklist", methods=("DELETE",))
def unblock_video(call: Call, ref: str):
    video = videos.find(ref)
    block = moderation.block_of(video.uuid) if video is not None else None
    moderation.unblock_video(call.user(), ref)
    if block is not None and block.unfederated:
        video.refresh()
        publishing.sync(video, was_visible=False)   # back for the servers told it went
    return no_content()
