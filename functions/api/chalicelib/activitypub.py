"""Federation's GET side: discovery (WebFinger, host-meta, NodeInfo), the actors'
collections, and what a local video names: its Create and Announce, its likes, dislikes,
shares and comments collections, its comments, chapters and player settings; playlists'
elements. The actors, videos and playlists themselves answer at their HTML addresses
(pages.py) when an ActivityPub client asks for them there."""
import json

from chalice import Blueprint, Response

from peerless import errors, ratings
from peerless.federation import actors, discovery, objects

from .http import Call, route

bp = Blueprint(__name__)

ACTIVITY_JSON = "application/activity+json; charset=utf-8"
# RFC 7033 asks WebFinger answers to be readable from any origin; PeerTube opens the rest
# of .well-known and NodeInfo the same way.
OPEN = {"Access-Control-Allow-Origin": "*"}
_AS_PROFILE = "https://www.w3.org/ns/activitystreams"


def _rank(media: str, params: dict[str, str]) -> tuple[str, int] | None:
    """What an Accept entry asks for ("ap" or "html") and how specifically (negotiator's
    scale, which PeerTube's content negotiation uses), or None for anything else."""
    if media == "application/activity+json":
        return "ap", 6
    if media == "application/ld+json" and params.get("profile", _AS_PROFILE) == _AS_PROFILE:
        return "ap", 7 if "profile" in params else 6
    return {"text/html": ("html", 6), "text/*": ("html", 4), "*/*": ("html", 0)}.get(media)


def wants_activity_json(accept: str | None) -> bool:
    """Whether `Accept` prefers an ActivityPub document to the HTML page, judged as
    PeerTube judges it: by q, then specificity, then order; a tie goes to HTML."""
    best = {"ap": (0.0, 0, 0), "html": (0.0, 0, 0)}
    for position, entry in enumerate((accept or "").split(",")):
        media, *raw = (part.strip() for part in entry.split(";"))
        params = {}
        for param in raw:
            key, _, value = param.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        ranked = _rank(media.lower(), params)
        if ranked and q > 0:
            kind, specificity = ranked
            best[kind] = max(best[kind], (q, specificity, -position))
    return best["ap"] > best["html"]


def activity_json(document: dict) -> Response:
    """An ActivityPub document, as PeerTube sends it; it varies with Accept, as its
    address also answers HTML."""
    return Response(body=json.dumps(document), status_code=200,
                    headers={"Content-Type": ACTIVITY_JSON, "Vary": "Accept"})


# --- discovery ----------------------------------------------------------------------------

@route(bp, "/.well-known/webfinger")
def webfinger(call: Call):
    return Response(body=json.dumps(discovery.webfinger(call.query_str("resource"))),
                    status_code=200,
                    headers={"Content-Type": "application/jrd+json; charset=utf-8", **OPEN})


@route(bp, "/.well-known/host-meta")
def host_meta(call: Call):
    return Response(body=discovery.host_meta(), status_code=200,
                    headers={"Content-Type": "application/xrd+xml; charset=utf-8", **OPEN})


@route(bp, "/.well-known/nodeinfo")
def nodeinfo_links(call: Call):
    return Response(body=json.dumps(discovery.nodeinfo_links()), status_code=200,
                    headers={"Content-Type": "application/json; charset=utf-8", **OPEN})


@route(bp, "/nodeinfo/2.0.json")
def nodeinfo(call: Call):
    return Response(body=json.dumps(discovery.nodeinfo()), status_code=200,
                    headers={"Content-Type": discovery.NODEINFO_TYPE, **OPEN})


# --- the actors' collections --------------------------------------------------------------

def _collection_view(find, name: str):
    def view(call: Call, ref: str):
        page = call.query_int("page", None, minimum=1)
        return activity_json(actors.collection(find(ref), name, page))
    return view


# `{ref}` as pages.py names the same segment: API Gateway wants one name per position.
for _prefix, _find in (("/accounts", actors.account), ("/video-channels", actors.channel)):
    for _name in actors.COLLECTIONS:
        route(bp, f"{_prefix}/{{ref}}/{_name}")(_collection_view(_find, _name))


# --- videos, comments and playlists ---------------------------------------------------------
# The objects themselves answer at their HTML addresses (pages.py); these addresses have no
# page, so they answer ActivityPub JSON whatever the Accept header. Only local objects that
# anyone may see are served (objects.federated_*): a 404 otherwise.

@route(bp, "/videos/watch/{ref}/activity")
def video_create(call: Call, ref: str):
    """The Create of the video, by its account (PeerTube's `{video}/activity`)."""
    video = objects.federated_video(ref)
    return activity_json(objects.create_activity(objects.video_object(video),
                                                 actors.account_url(video.owner)))


@route(bp, "/videos/watch/{ref}/announces/{actor}")
def video_announce(call: Call, ref: str, actor: str):
    """The channel's or the instance's Announce of the video; PeerTube names it by the
    sharer's id."""
    video = objects.federated_video(ref)
    channel = objects.video_channel(video)
    if actor == str(objects.INSTANCE_SHARER_ID):
        return activity_json(objects.announce_activity(video, None))
    if actor != str(channel.id):
        raise errors.not_found("Video share not found")
    return activity_json(objects.announce_activity(video, channel))


@route(bp, "/videos/watch/{ref}/chapters")
def video_chapters(call: Call, ref: str):
    video = objects.federated_video(ref)
    return activity_json({"@context": objects.CHAPTERS_CONTEXT,
                          **objects.chapters_object(video)})


@route(bp, "/videos/watch/{ref}/player-settings")
def video_player_settings(call: Call, ref: str):
    video = objects.federated_video(ref)
    return activity_json(objects.contextify(objects.player_settings_object(video)))


def _video_collection_view(name: str):
    def view(call: Call, ref: str):
        page = call.query_int("page", None, minimum=1)
        video = objects.federated_video(ref)
        return activity_json({"@context": actors.COLLECTION_CONTEXT,
                              **objects.video_collection(video, name, page)})
    return view


for _name in objects.COLLECTIONS:
    route(bp, f"/videos/watch/{{ref}}/{_name}")(_video_collection_view(_name))


def _comment(ref: str, comment: str):
    # Comments written here on another server's video are this instance's to serve.
    video = objects.federated_video(ref, remote=True)
    return video, objects.federated_comment(video, comment)


@route(bp, "/videos/watch/{ref}/comments/{comment}")
def video_comment(call: Call, ref: str, comment: str):
    video, found = _comment(ref, comment)
    return activity_json(objects.contextify(objects.comment_object(found, video)))


@route(bp, "/videos/watch/{ref}/comments/{comment}/activity")
def video_comment_create(call: Call, ref: str, comment: str):
    """The Create of the comment by its author; a deleted comment has none to show, so
    its Tombstone answers, as at the comment's own address (PeerTube's)."""
    video, found = _comment(ref, comment)
    note = objects.comment_object(found, video)
    if found.deleted:
        return activity_json(objects.contextify(note))
    return activity_json(objects.create_activity(note, note["attributedTo"]))


@route(bp, "/videos/watch/{ref}/comments/{comment}/approve-reply")
def video_comment_approval(call: Call, ref: str, comment: str):
    """The approval of a comment on a local video: what a remote server fetches from a
    Note's `replyApproval` (a reply held for review, then approved, included)."""
    video = objects.federated_video(ref)
    return activity_json(objects.approve_reply_activity(
        objects.approved_comment(video, comment), video))


@route(bp, "/video-playlists/{ref}/videos/{element}")
def playlist_element(call: Call, ref: str, element: str):
    playlist = objects.federated_playlist(ref)
    return activity_json(objects.contextify(objects.playlist_element_object(playlist,
                                                                            element)))


def _rate_view(rating: str):
    def view(call: Call, ref: str, video: str):
        found = objects.federated_video(video, remote=True)
        return activity_json(objects.rate_activity(actors.account(ref).name, found, rating))
    return view


# A local account's Like and Dislike of a video, at the ids the likes collections list.
route(bp, "/accounts/{ref}/likes/{video}")(_rate_view(ratings.LIKE))
route(bp, "/accounts/{ref}/dislikes/{video}")(_rate_view(ratings.DISLIKE))
