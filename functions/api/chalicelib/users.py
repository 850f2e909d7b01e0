"""Users: logging in and out, signing up, the current user, and managing users."""
from chalice import Blueprint

from peerless import accounts, auth, images, playlists, quota, videos
from peerless.errors import invalid_params
from peerless.peertube import accounts as shapes
from peerless.peertube.videos import Authors, video
from peerless.settings import settings

from .http import (FORM, JSON, MULTIPART, Call, no_content, ok, page, page_bounds, route,
                   validate)

bp = Blueprint(__name__)


def _id(raw: str) -> int:
    if not raw.isdigit():
        raise invalid_params({"id": "Should have a valid id"}, "params")
    return int(raw)


def _state(state: int) -> dict:
    return {"state": {"id": state, "label": auth.REGISTRATION_STATE_LABELS[state]}}


# --- sessions -------------------------------------------------------------------------

@route(bp, "/api/v1/users/token", methods=("POST",), content_types=[FORM, JSON])
def token(call: Call):
    form = {k: v if isinstance(v, str) else str(v) for k, v in call.form().items()}
    # PeerTube: a token response must never be cached.
    return ok(auth.grant(form).as_json(), headers={"Cache-Control": "no-store",
                                                   "Pragma": "no-cache"})


@route(bp, "/api/v1/users/revoke-token", methods=("POST",))
def revoke_token(call: Call):
    call.user()
    auth.revoke(auth.bearer_token(call.headers.get("authorization")))
    return ok({"success": True})


# --- signing up -----------------------------------------------------------------------

@route(bp, "/api/v1/users/register", methods=("POST",), content_types=[JSON])
def register(call: Call):
    body = call.json()
    validate(body, accounts.REGISTER_SCHEMA)
    return ok(_state(accounts.register(body)))


@route(bp, "/api/v1/users/registrations/request", methods=("POST",), content_types=[JSON])
def request_registration(call: Call):
    body = call.json()
    validate(body, accounts.REGISTER_SCHEMA)
    return ok(_state(accounts.request_registration(body).state))


@route(bp, "/api/v1/users/registrations")
def list_registrations(call: Call):
    accounts.require_user_manager(call.user())
    total, found = accounts.list_registrations(
        *page_bounds(call), call.query_str("sort") or "-createdAt",
        call.query_str("search") or None)
    return page(total, [shapes.registration(r) for r in found])


def _moderated_registration(call: Call, registration_id: str):
    accounts.require_user_manager(call.user())
    registration = accounts.registration_by_id(_id(registration_id))
    body = call.json()
    validate(body, accounts.MODERATION_SCHEMA)
    return registration, body["moderationResponse"]


@route(bp, "/api/v1/users/registrations/{registration_id}/accept", methods=("POST",),
       content_types=[JSON])
def accept_registration(call: Call, registration_id: str):
    accounts.accept_registration(*_moderated_registration(call, registration_id))
    return no_content()


@route(bp, "/api/v1/users/registrations/{registration_id}/reject", methods=("POST",),
       content_types=[JSON])
def reject_registration(call: Call, registration_id: str):
    accounts.reject_registration(*_moderated_registration(call, registration_id))
    return no_content()


@route(bp, "/api/v1/users/registrations/{registration_id}", methods=("DELETE",))
def delete_registration(call: Call, registration_id: str):
    accounts.require_user_manager(call.user())
    accounts.delete_registration(accounts.registration_by_id(_id(registration_id)))
    return no_content()


# --- the current user -----------------------------------------------------------------

@route(bp, "/api/v1/users/me")
def me(call: Call):
    user = call.user()
    return ok(shapes.user_me(user, accounts.channels_of(user.username), settings(),
                             playlists.special_playlists(user)))


@route(bp, "/api/v1/users/me", methods=("PUT",), content_types=[JSON])
def update_me(call: Call):
    user = call.user()
    body = call.json()
    validate(body, accounts.UPDATE_ME_SCHEMA)
    accounts.update_me(user, body, auth.bearer_token(call.headers.get("authorization")))
    return no_content()


@route(bp, "/api/v1/users/me", methods=("DELETE",))
def delete_me(call: Call):
    """Deletes the user's own account, with their channels and videos."""
    accounts.delete_me(call.user())
    return no_content()


@route(bp, "/api/v1/users/me/video-quota-used")
def quota_used(call: Call):
    total, daily = quota.used(call.user())
    return ok({"videoQuotaUsed": total, "videoQuotaUsedDaily": daily})


@route(bp, "/api/v1/users/me/videos")
def my_videos(call: Call):
    total, found = videos.list_owned(call.user().username, *page_bounds(call),
                                     call.query_str("sort") or "-publishedAt")
    authors = Authors(found)
    return page(total, [video(v, settings(), authors) for v in found])


@route(bp, "/api/v1/users/me/avatar/pick", methods=("POST",), content_types=[MULTIPART])
def pick_avatar(call: Call):
    user = call.user()
    form = call.multipart(max_file_size=images.MAX_SIZE)
    stored = images.replace(user, images.AVATAR, form.files.get(images.AVATAR.field))
    return ok({"avatars": shapes.actor_images(stored, settings())})


@route(bp, "/api/v1/users/me/avatar", methods=("DELETE",))
def delete_avatar(call: Call):
    images.remove(call.user(), images.AVATAR)
    return ok({"avatars": []})


# --- managing users -------------------------------------------------------------------

@route(bp, "/api/v1/users", methods=("POST",), content_types=[JSON])
def create_user(call: Call):
    """An administrator (or a moderator, for plain users) creates an account."""
    actor = call.user()
    accounts.require_user_manager(actor)
    body = call.json()
    validate(body, accounts.NEW_USER_SCHEMA)
    role = body.get("role", accounts.ROLE_USER)
    accounts.check_can_grant(actor, role)
    user = accounts.create_user(
        body["username"], body["email"], body["password"], role=role,
        display_name=body.get("displayName"), channel_name=body.get("channelName"),
        video_quota=body.get("videoQuota"), video_quota_daily=body.get("videoQuotaDaily"))
    return ok({"user": {"id": user.id, "account": {"id": user.account_id}}})


@route(bp, "/api/v1/users")
def list_users(call: Call):
    accounts.require_user_manager(call.user())
    total, found = accounts.list_users(*page_bounds(call),
                                       call.query_str("sort") or "-createdAt",
                                       call.query_str("search") or None,
                                       call.query_bool("blocked"))
    return page(total, [shapes.user(u, None, settings()) for u in found])


@route(bp, "/api/v1/users/{user_id}")
def get_user(call: Call, user_id: str):
    accounts.require_user_manager(call.user())
    user = accounts.user_by_id(_id(user_id))
    body = shapes.user(user, accounts.channels_of(user.username), settings())
    if call.query_bool("withStats", False):
        used, daily = quota.used(user)
        body.update(videoQuotaUsed=used, videoQuotaUsedDaily=daily,
                    videosCount=videos.list_owned(user.username, 0, 1)[0])
    return ok(body)


@route(bp, "/api/v1/users/{user_id}", methods=("PUT",), content_types=[JSON])
def update_user(call: Call, user_id: str):
    actor = call.user()
    accounts.require_user_manager(actor)
    body = call.json()
    validate(body, accounts.UPDATE_USER_SCHEMA)
    accounts.update_user(accounts.user_by_id(_id(user_id)), actor, body)
    return no_content()


@route(bp, "/api/v1/users/{user_id}", methods=("DELETE",))
def delete_user(call: Call, user_id: str):
    actor = call.user()
    accounts.require_user_manager(actor)
    accounts.delete_user(accounts.user_by_id(_id(user_id)), actor)
    return no_content()


@route(bp, "/api/v1/users/{user_id}/block", methods=("POST",))
def block_user(call: Call, user_id: str):
    actor = call.user()
    accounts.require_user_manager(actor)
    body = call.form()
    validate(body, accounts.BLOCK_SCHEMA)
    accounts.set_blocked(accounts.user_by_id(_id(user_id)), actor, True, body.get("reason"))
    return no_content()


@route(bp, "/api/v1/users/{user_id}/unblock", methods=("POST",))
def unblock_user(call: Call, user_id: str):
    actor = call.user()
    accounts.require_user_manager(actor)
    accounts.set_blocked(accounts.user_by_id(_id(user_id)), actor, False)
    return no_content()
