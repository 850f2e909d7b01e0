"""Users: logging in and out, and the current user."""
from chalice import Blueprint

from peerless import accounts, auth, errors
from peerless.peertube.accounts import user_me
from peerless.settings import settings

from .http import FORM, JSON, Call, ok, route, validate

bp = Blueprint(__name__)


@route(bp, "/api/v1/users/token", methods=("POST",), content_types=[FORM, JSON])
def token(call: Call):
    form = {k: v if isinstance(v, str) else str(v) for k, v in call.form().items()}
    # PeerTube: a token response must never be cached.
    return ok(auth.grant(form).as_json(), headers={"Cache-Control": "no-store",
                                                   "Pragma": "no-cache"})


@route(bp, "/api/v1/users/revoke-token", methods=("POST",))
def revoke_token(call: Call):
    call.user()
    auth.revoke(call.headers["authorization"].partition(" ")[2].strip())
    return ok({"success": True})


@route(bp, "/api/v1/users/me")
def me(call: Call):
    user = call.user()
    return ok(user_me(user, accounts.channels_of(user.username), settings()))


@route(bp, "/api/v1/users", methods=("POST",), content_types=[JSON])
def create_user(call: Call):
    """An administrator (or a moderator, for plain users) creates an account."""
    actor = call.user()
    body = call.json()
    validate(body, accounts.NEW_USER_SCHEMA)
    role = body.get("role", accounts.ROLE_USER)
    if actor.role > accounts.ROLE_MODERATOR or (
            actor.role == accounts.ROLE_MODERATOR and role != accounts.ROLE_USER):
        raise errors.forbidden(f"User {actor.username} cannot create a user with role {role}.")
    user = accounts.create_user(
        body["username"], body["email"], body["password"], role=role,
        display_name=body.get("displayName"), channel_name=body.get("channelName"),
        video_quota=body.get("videoQuota", -1),
        video_quota_daily=body.get("videoQuotaDaily", -1))
    return ok({"user": {"id": user.id, "account": {"id": user.account_id}}})
