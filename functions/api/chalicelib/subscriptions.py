"""My subscriptions: the channels a user follows, and the feed of their videos."""
from chalice import Blueprint

from peerless import subscriptions

from .http import (FORM, JSON, Call, no_content, ok, page, page_bounds, route, sort_param,
                  validate)
from .accounts import channels_json
from .videos import video_page, video_query

bp = Blueprint(__name__)

SUBSCRIBE_SCHEMA = {"type": "object", "required": ["uri"],
                    "properties": {"uri": {"type": "string", "minLength": 1, "maxLength": 500}}}


@route(bp, "/api/v1/users/me/subscriptions", methods=("POST",), content_types=[JSON, FORM])
def subscribe(call: Call):
    user = call.user()
    body = call.form()
    validate(body, SUBSCRIBE_SCHEMA)
    subscriptions.subscribe(user, body["uri"])
    return no_content()


@route(bp, "/api/v1/users/me/subscriptions")
def list_subscriptions(call: Call):
    user = call.user()
    start, count = page_bounds(call)
    sort = sort_param(call, ("createdAt",))
    total, found = subscriptions.list_of(user, start, count, descending=sort.startswith("-"),
                                         search=call.query_str("search"))
    return page(total, channels_json(found))


@route(bp, "/api/v1/users/me/subscriptions/exist")
def exist(call: Call):
    return ok(subscriptions.exist(call.user(), call.query_values("uris")))


@route(bp, "/api/v1/users/me/subscriptions/videos")
def feed(call: Call):
    """The newest public videos of the channels one follows, with the catalog's filters."""
    names = subscriptions.followed_channels(call.user())
    if not names:
        return ok({"total": 0, "data": []})
    return video_page(call, video_query(call, channels=names))


@route(bp, "/api/v1/users/me/subscriptions/{handle}")
def get_subscription(call: Call, handle: str):
    return ok(channels_json([subscriptions.get(call.user(), handle)])[0])


@route(bp, "/api/v1/users/me/subscriptions/{handle}", methods=("DELETE",))
def unsubscribe(call: Call, handle: str):
    subscriptions.unsubscribe(call.user(), handle)
    return no_content()
