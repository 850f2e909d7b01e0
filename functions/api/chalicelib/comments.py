"""Comments: threads on a video, replies, deletion and the review of held comments."""
from chalice import Blueprint

from peerless import comments, errors, videos
from peerless.federation import publishing
from peerless.peertube.comments import Writers, comment, comments_for_owner, thread_tree
from peerless.settings import settings

from .http import (FORM, JSON, Call, no_content, ok, page, page_bounds, path_id, route,
                  sort_param, validate)

bp = Blueprint(__name__)


def _text(call: Call) -> str:
    body = call.form()
    validate(body, comments.TEXT_SCHEMA)
    return body["text"]


@route(bp, "/api/v1/videos/{ref}/comment-threads")
def list_threads(call: Call, ref: str):
    viewer = call.optional_user()
    start, count = page_bounds(call)
    sort = sort_param(call, comments.THREAD_SORTS)
    video = videos.get_visible(ref, viewer)
    threads = comments.list_threads(video, viewer, start, count, sort)
    writers = Writers(threads.data)
    return ok({"total": threads.total,
               "data": [comment(c, settings(), writers) for c in threads.data],
               "totalNotDeletedComments": threads.total_not_deleted})


@route(bp, "/api/v1/videos/{ref}/comment-threads", methods=("POST",),
       content_types=[JSON, FORM])
def create_thread(call: Call, ref: str):
    user = call.user()
    text = _text(call)
    video = videos.get_visible(ref, user)
    created = comments.create(video, user, text)
    publishing.comment_created(created, video)
    return ok({"comment": comment(created, settings(), Writers([created]))})


@route(bp, "/api/v1/videos/{ref}/comment-threads/{thread_id}")
def get_thread(call: Call, ref: str, thread_id: str):
    viewer = call.optional_user()
    number = path_id(thread_id, "threadId")
    video = videos.get_visible(ref, viewer)
    return ok(thread_tree(comments.get_thread(video, number, viewer), settings()))


@route(bp, "/api/v1/videos/{ref}/comments/{cid}", methods=("POST",),
       content_types=[JSON, FORM])
def reply(call: Call, ref: str, cid: str):
    user = call.user()
    number = path_id(cid, "commentId")
    text = _text(call)
    video = videos.get_visible(ref, user)
    created = comments.create(video, user, text, parent=comments.get(video, number))
    publishing.comment_created(created, video)
    return ok({"comment": comment(created, settings(), Writers([created]), (0, 0))})


@route(bp, "/api/v1/videos/{ref}/comments/{cid}", methods=("DELETE",))
def delete(call: Call, ref: str, cid: str):
    user = call.user()
    number = path_id(cid, "commentId")
    video = videos.get_visible(ref, user)
    target = comments.get(video, number)
    author = target.author
    comments.delete(video, target, user)
    publishing.comment_deleted(target, video, author, user.username)
    return no_content()


@route(bp, "/api/v1/videos/{ref}/comments/{cid}/approve", methods=("POST",))
def approve(call: Call, ref: str, cid: str):
    user = call.user()
    number = path_id(cid, "commentId")
    video = videos.get_visible(ref, user)
    target = comments.get(video, number)
    comments.approve(video, target, user)
    target.refresh()
    publishing.comment_approved(target, video)
    return no_content()


@route(bp, "/api/v1/users/me/videos/comments")
def comments_on_my_videos(call: Call):
    """PeerTube's list of the comments on one's videos, to review those held."""
    user = call.user()
    start, count = page_bounds(call)
    sort = sort_param(call, ("createdAt",))
    held = call.query_bool("isHeldForReview")
    video = None
    if call.query_str("videoId"):
        video = videos.get_visible(call.query_str("videoId"), user)
        if not videos.can_manage(video, user):
            raise errors.forbidden("Cannot manage a video of another user.")
    total, found = comments.list_on_videos_of(user, start, count, held=held, video=video,
                                              descending=sort.startswith("-"))
    return page(total, comments_for_owner(found, settings()))
