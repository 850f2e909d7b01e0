"""What viewers do to a video: rate it, and watch it (views)."""
from chalice import Blueprint

from peerless import accounts, errors, ratings, seeder_demand, videos, views
from peerless.federation import publishing
from peerless.peertube.videos import Authors, video
from peerless.settings import settings

from .http import (FORM, JSON, Call, no_content, ok, page, page_bounds, route, sort_param,
                  validate)

bp = Blueprint(__name__)


@route(bp, "/api/v1/videos/{ref}/rate", methods=("PUT",), content_types=[JSON, FORM])
def rate(call: Call, ref: str):
    user = call.user()
    body = call.form()
    validate(body, ratings.RATE_SCHEMA)
    video = videos.get_visible(ref, user)
    old = ratings.current(user, video)
    ratings.rate(user, video, body["rating"])
    publishing.rated(user.username, video, old, body["rating"])
    return no_content()


@route(bp, "/api/v1/users/me/videos/{ref}/rating")
def my_rating(call: Call, ref: str):
    user = call.user()
    target = videos.get_visible(ref, user)
    return ok({"videoId": target.id, "rating": ratings.current(user, target)})


@route(bp, "/api/v1/accounts/{name}/ratings")
def account_ratings(call: Call, name: str):
    """The ratings of an account, for its owner only."""
    user = call.user()
    start, count = page_bounds(call)
    sort = sort_param(call, ("createdAt",))
    rating = call.query_str("rating")
    if rating not in (None, ratings.LIKE, ratings.DISLIKE):
        raise errors.invalid_params({"rating": "Should have a valid rate type"}, "query")
    if accounts.user_by_name(name.split("@")[0]).username != user.username:
        raise errors.forbidden("Only owner of this account can access this resource.")
    total, shown = ratings.list_of(user, start, count, rating, descending=sort.startswith("-"))
    authors = Authors([v for _, v in shown])
    return page(total, [{"video": video(v, settings(), authors), "rating": r.rating}
                        for r, v in shown])


@route(bp, "/api/v1/videos/{ref}/views", methods=("POST", "PUT"), content_types=[JSON, FORM])
def view(call: Call, ref: str):
    return _view(call, ref)


@route(bp, "/api/v1/videos/{ref}/watching", methods=("POST", "PUT"),
       content_types=[JSON, FORM])
def watching(call: Call, ref: str):
    """PeerTube's older name for the same report."""
    return _view(call, ref)


def _view(call: Call, ref: str):
    viewer = call.optional_user()
    body = call.form()
    validate(body, views.VIEW_SCHEMA)
    target = videos.get_visible(ref, viewer)
    identity = call.request.context.get("identity") or {}
    views.record(target, views.current_time(body, target),
                 ip=identity.get("sourceIp") or "", user_agent=call.headers.get("user-agent", ""))
    # Players send these while playing: the seeder (tracker, peers) is wanted.
    seeder_demand.viewing()
    return no_content()
