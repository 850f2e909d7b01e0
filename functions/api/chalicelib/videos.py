"""Videos: the catalog with PeerTube's filters and sorts, one video, its changes."""
from chalice import Blueprint

from peerless import (accounts, catalog, errors, instance_config, moderation, removal,
                      retranscode, subscriptions, videos)
from peerless.federation import publishing, redundancy
from peerless.peertube.storyboards import storyboards
from peerless.peertube.videos import Authors, video, video_details
from peerless.settings import settings

from .http import ANY_BODY, FORM, JSON, Call, no_content, ok, route

bp = Blueprint(__name__)

SORTS = sorted(catalog.SORTS)


def _nsfw(call: Call) -> bool | None:
    """PeerTube's rule: an explicit `nsfw` wins, else the user's policy, else the
    instance's default; "do_not_list" hides NSFW videos."""
    raw = call.query_str("nsfw")
    if raw in ("true", "false"):
        return raw == "true"
    if raw not in (None, "", "both"):
        raise errors.invalid_params({"nsfw": "Should be true, false or both."}, "query")
    if raw == "both":
        return None
    user = call.optional_user()
    policy = user.nsfw_policy if user else instance_config.get().default_nsfw_policy
    return False if policy == "do_not_list" else None


def video_query(call: Call, **scope) -> catalog.VideoQuery:
    """PeerTube's list parameters, as every list of videos takes them."""
    sort = call.query_str("sort") or "-publishedAt"
    if sort.lstrip("-") not in catalog.SORTS:
        raise errors.invalid_params({"sort": f"Should be one of {', '.join(SORTS)}."},
                                    "query")
    if call.query_values("privacyOneOf") or call.query_values("include"):
        user = call.optional_user()
        if user is None or user.role > accounts.ROLE_MODERATOR:
            raise errors.ApiError(401, "You are not allowed to see all videos, specify a "
                                       "custom include or auto tags filter.")
    if call.query_str("filter"):
        raise errors.invalid_params({"filter": '"filter" query parameter is not supported '
                                               'anymore, please use "isLocal"'}, "query")
    count = call.query_int("count", 15, maximum=100) or 15
    return catalog.VideoQuery(
        start=call.query_int("start", 0), count=count, sort=sort,
        category_one_of=call.query_ints("categoryOneOf"),
        licence_one_of=call.query_ints("licenceOneOf"),
        language_one_of=call.query_values("languageOneOf"),
        tags_one_of=call.query_values("tagsOneOf"),
        tags_all_of=call.query_values("tagsAllOf"),
        is_live=call.query_bool("isLive"), is_local=call.query_bool("isLocal"),
        nsfw=_nsfw(call), search=call.query_str("search") or None, **scope)


def video_page(call: Call, query: catalog.VideoQuery):
    """A page of videos as PeerTube answers it; `skipCount=true` leaves the total out."""
    total, found = catalog.list_videos(query)
    authors = Authors(found)
    body = {"data": [video(v, settings(), authors) for v in found]}
    if not call.query_bool("skipCount", False):
        body = {"total": total, **body}
    return ok(body)


@route(bp, "/api/v1/videos/privacies")
def privacies(call: Call):
    return ok({str(k): v for k, v in videos.PRIVACY_LABELS.items()})


@route(bp, "/api/v1/videos")
def list_videos(call: Call):
    return video_page(call, video_query(call))


@route(bp, "/api/v1/videos/{ref}")
def get_video(call: Call, ref: str):
    found = videos.get_visible(ref, call.optional_user())
    reason = moderation.is_video_blocked(found.uuid)[1] if found.blocked else None
    followers = subscriptions.followers_counts([found.channel])[found.channel.lower()]
    return ok(video_details(found, settings(), followers=followers, block_reason=reason,
                            redundancies=redundancy.playlist_copies(found)))


@route(bp, "/api/v1/videos/{ref}/description")
def get_description(call: Call, ref: str):
    return ok({"description": videos.get_visible(ref, call.optional_user()).description})


@route(bp, "/api/v1/videos/{ref}/storyboards")
def list_storyboards(call: Call, ref: str):
    """List storyboards of a video: its one storyboard, or none (shorter than 3 seconds)."""
    return ok(storyboards(videos.get_visible(ref, call.optional_user()), settings()))


@route(bp, "/api/v1/videos/{ref}/transcoding", methods=("POST",), content_types=[JSON, FORM])
def create_transcoding(call: Call, ref: str):
    """Create a transcoding job: the resolutions enabled since the video was published.

    Administrators only. Body: PeerTube's `transcodingType` ("hls" or "web-video": both
    give HLS and web MP4 here) and `forceTranscoding`."""
    retranscode.request(ref, call.user(), call.form())
    return no_content()


@route(bp, "/api/v1/videos/{ref}", methods=("PUT",), content_types=ANY_BODY)
def update_video(call: Call, ref: str):
    target = videos.editable(ref, call.user())
    was_visible = publishing.visible(target)
    if call.content_type() == "multipart/form-data":
        form = call.multipart()
        videos.update(target, form.fields, from_form=True)
        videos.set_pictures(target, form.files)
    elif call.content_type() == "application/json":
        videos.update(target, call.json(), from_form=False)
    else:
        videos.update(target, call.form(), from_form=True)
    target.refresh()
    publishing.sync(target, was_visible)
    return no_content()


@route(bp, "/api/v1/videos/{ref}", methods=("DELETE",))
def delete_video(call: Call, ref: str):
    removal.remove_video(videos.removable(ref, call.user()))
    return no_content()
