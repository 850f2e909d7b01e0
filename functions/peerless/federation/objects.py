"""Local objects as ActivityPub documents, in PeerTube's shapes: videos as `Video`
(server/core/models/video/formatter/video-activity-pub-format.ts), comments as `Note`,
playlists as `Playlist` (an ordered collection of `PlaylistElement`s), the collections a
video names (likes, dislikes, shares, comments), and the activities that carry them
(Create, Update, Delete, Announce) with PeerTube's ids (server/core/lib/activitypub/url.ts).

Builders return documents without `@context`; `contextify` adds the context PeerTube
gives each kind of document, and the activity builders add it to what they return.

Where PeerTube's generated schema wants a value PeerTube itself sends as null, the value
sent is one PeerTube's readers accept (each place says which and why): `canReply`,
`originallyPublishedAt`, the live fields, `embedUrl`, `audience`. Where no value would be
accepted, PeerTube's own way stays, the schema notwithstanding: an empty description
(`content`) and support are null, since PeerTube refuses a whole video whose description
or support is a string under three characters; an unset category, licence or language is
left out (no stand-in identifier is valid); `summary`, the NSFW summary, is null (Mastodon
would show any string as a content warning).
"""
from __future__ import annotations

import hashlib
import itertools
import re
from typing import Callable, Iterator

from .. import accounts, captions, errors, ids, playlists, ratings, videos
from ..comments import Comment, DISABLED, ENABLED, get as get_comment
from ..models import Channel, Video, get_or_none
from ..peertube.common import media_url, timestamp
from ..peertube.videos import _file, aspect_ratio
from ..playlists import Playlist
from ..ratings import Rating
from ..settings import Settings, settings
from ..vocabulary import CATEGORIES, LANGUAGES, LICENCES
from .actors import (INSTANCE_SHARER_ID, PUBLIC, SERVER_ACTOR_NAME, Page, account_url,
                     channel_url, context, paged, playlist_url, video_url)

# PeerTube's contexts (server/core/helpers/activity-pub-utils.ts), by kind of document.
VIDEO_CONTEXT = context({
    "Hashtag": "as:Hashtag", "category": "sc:category", "licence": "sc:license",
    "subtitleLanguage": "sc:subtitleLanguage",
    "automaticallyGenerated": "pt:automaticallyGenerated", "sensitive": "as:sensitive",
    "language": "sc:inLanguage", "identifier": "sc:identifier",
    "isLiveBroadcast": "sc:isLiveBroadcast",
    "liveSaveReplay": {"@type": "sc:Boolean", "@id": "pt:liveSaveReplay"},
    "permanentLive": {"@type": "sc:Boolean", "@id": "pt:permanentLive"},
    "latencyMode": {"@type": "sc:Number", "@id": "pt:latencyMode"},
    "Infohash": "pt:Infohash", "SensitiveTag": "pt:SensitiveTag",
    "tileWidth": {"@type": "sc:Number", "@id": "pt:tileWidth"},
    "tileHeight": {"@type": "sc:Number", "@id": "pt:tileHeight"},
    "tileDuration": {"@type": "sc:Number", "@id": "pt:tileDuration"},
    "aspectRatio": {"@type": "sc:Float", "@id": "pt:aspectRatio"},
    "uuid": {"@type": "sc:identifier", "@id": "pt:uuid"},
    "originallyPublishedAt": "sc:datePublished", "schedules": "sc:eventSchedule",
    "startDate": "sc:startDate", "embedUrl": "sc:embedUrl", "uploadDate": "sc:uploadDate",
    "hasParts": "sc:hasParts", "playerSettings": "pt:playerSettings",
    "views": {"@type": "sc:Number", "@id": "pt:views"},
    "state": {"@type": "sc:Number", "@id": "pt:state"},
    "size": {"@type": "sc:Number", "@id": "pt:size"},
    "fps": {"@type": "sc:Number", "@id": "pt:fps"},
    "canReply": "pt:canReply",
    "commentsPolicy": {"@type": "sc:Number", "@id": "pt:commentsPolicy"},
    "downloadEnabled": {"@type": "sc:Boolean", "@id": "pt:downloadEnabled"},
    "waitTranscoding": {"@type": "sc:Boolean", "@id": "pt:waitTranscoding"},
    "support": {"@type": "sc:Text", "@id": "pt:support"},
    "likes": {"@id": "as:likes", "@type": "@id"},
    "dislikes": {"@id": "as:dislikes", "@type": "@id"},
    "shares": {"@id": "as:shares", "@type": "@id"},
    "comments": {"@id": "as:comments", "@type": "@id"},
    "PropertyValue": "sc:PropertyValue", "value": "sc:value",
})
COMMENT_CONTEXT = context({"replyApproval": "pt:replyApproval"})
PLAYLIST_CONTEXT = context({
    "Playlist": "pt:Playlist", "PlaylistElement": "pt:PlaylistElement",
    "position": {"@type": "sc:Number", "@id": "pt:position"},
    "videoChannelPosition": {"@type": "sc:Number", "@id": "pt:position"},
    "startTimestamp": {"@type": "sc:Number", "@id": "pt:startTimestamp"},
    "stopTimestamp": {"@type": "sc:Number", "@id": "pt:stopTimestamp"},
    "uuid": {"@type": "sc:identifier", "@id": "pt:uuid"},
})
CHAPTERS_CONTEXT = context({"hasPart": "sc:hasPart", "endOffset": "sc:endOffset",
                            "startOffset": "sc:startOffset"})
PLAYER_SETTINGS_CONTEXT = context({"PlayerSettings": {"@type": "@id",
                                                      "@id": "pt:PlayerSettings"},
                                   "theme": "pt:theme"})
APPROVE_REPLY_CONTEXT = context({"ApproveReply": "pt:ApproveReply"})
BASE_CONTEXT = context()
_CONTEXTS = {"Video": VIDEO_CONTEXT, "Note": COMMENT_CONTEXT, "Tombstone": COMMENT_CONTEXT,
             "Playlist": PLAYLIST_CONTEXT, "PlaylistElement": PLAYLIST_CONTEXT,
             "PlayerSettings": PLAYER_SETTINGS_CONTEXT, "ApproveReply": APPROVE_REPLY_CONTEXT}

# PeerTube's THUMBNAILS_SIZE and PREVIEWS_SIZE: the pictures' sizes, as transcoding and
# peerless.videos.set_pictures make them (JPEG both).
THUMBNAIL_SIZE, PREVIEW_SIZE = (280, 157), (850, 480)
# p2p-media-loader's peer protocol version, part of the HLS swarms' infohashes.
P2P_MEDIA_LOADER_PEER_VERSION = 2
# A video's player theme: the instance's default (PeerTube's "instance-default").
DEFAULT_PLAYER_THEME = "instance-default"


def contextify(document: dict) -> dict:
    """The document with the @context PeerTube gives its kind."""
    return {"@context": _CONTEXTS.get(document.get("type"), BASE_CONTEXT), **document}


def _without_context(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "@context"}


# --- which local objects federation shows -------------------------------------------------

def federated_video(ref: str, *, remote: bool = False) -> Video:
    """The local video `ref` names, if ActivityPub clients may fetch it: published, public,
    or unlisted when named by its full UUID (as PeerTube), and not blocked; else a 404
    (PeerTube answers 401 or 403 for private and blocked ones: a 404 tells nothing of
    them, as this API's REST side does). With `remote`, a remote video held here too (for
    what local people did to it: their comments and ratings)."""
    video = videos.find(ref)
    if (video is None or (video.is_remote and not remote) or video.blocked
            or not videos.announced_state(video)
            or video.privacy not in (videos.PUBLIC, videos.UNLISTED)
            or (video.privacy == videos.UNLISTED and ref.lower() != video.uuid)):
        raise errors.not_found("Video not found")
    return video


def federated_comment(video: Video, comment_ref: str) -> Comment:
    """A comment of the video written here, unless it waits for review (PeerTube's 404)
    or comments are off. Deleted comments are found: they answer as Tombstones."""
    comment = _shown_comment(video, comment_ref)
    if comment.origin_url:
        raise errors.not_found("Video comment thread not found")
    return comment


def approved_comment(video: Video, comment_ref: str) -> Comment:
    """A comment on a local video that does not wait for review, written here or on
    another server, and not deleted: what the video owner's ApproveReply approves."""
    comment = _shown_comment(video, comment_ref)
    if comment.deleted:
        raise errors.not_found("Video comment thread not found")
    return comment


def _shown_comment(video: Video, comment_ref: str) -> Comment:
    if not comment_ref.isdigit():
        raise errors.invalid_params({"commentId": "Invalid value"}, "params")
    comment = get_comment(video, int(comment_ref))
    if comment.held or video.comments_policy == DISABLED:
        raise errors.not_found("Video comment thread not found")
    return comment


def federated_playlist(ref: str) -> Playlist:
    """A local regular playlist anyone may see: public, or unlisted when named by its
    UUID (another server's answers at its own id)."""
    playlist = playlists.find(ref)
    if (playlist.origin_url or playlist.type != playlists.REGULAR
            or playlist.privacy == playlists.PRIVATE
            or (playlist.privacy == playlists.UNLISTED and ref.lower() != playlist.uuid)):
        raise errors.not_found("Video playlist not found")
    return playlist


# --- audiences ------------------------------------------------------------------------------

def followers_url(actor_url: str) -> str:
    return f"{actor_url}/followers"


def public_audience(actor_url: str) -> dict:
    """PeerTube's audience of what an actor sends publicly: everyone, cc its followers."""
    return {"to": [PUBLIC], "cc": [followers_url(actor_url)]}


def video_audience(video: Video, s: Settings | None = None) -> dict:
    """As PeerTube addresses a video: a public one to everyone and its channel (FEP-1b12),
    cc the account's followers; an unlisted one cc everyone only."""
    s = s or settings()
    if video.privacy == videos.UNLISTED:
        return {"to": [], "cc": [PUBLIC]}
    return {"to": [PUBLIC, channel_url(video.channel, s)],
            "cc": [followers_url(account_url(video.owner, s))]}


def _audiencify(document: dict, audience: dict) -> dict:
    # PeerTube's audiencify: the document's own addressing wins.
    return {**audience, **document}


# --- videos -----------------------------------------------------------------------------------

def duration(seconds: float) -> str:
    """An ActivityStreams duration as PeerTube writes it: whole seconds, `PT<n>S`."""
    return f"PT{int(seconds or 0)}S"


def _identified(value, labels: dict) -> dict:
    # Identifiers are strings, numbers included.
    return {"identifier": str(value), "name": labels.get(value, "Unknown")}


def _file_links(file: dict, *, hls: bool) -> list[dict]:
    """One rendition's links: the file, its metadata, its torrent and magnet (PeerTube's
    buildVideoFileUrls), from the REST API's description of the file."""
    size = {"height": file["height"], "width": file["width"], "fps": file["fps"]}
    streams = [("ffprobe_codec_type", "audio")] if file["hasAudio"] else []
    streams += [("ffprobe_codec_type", "video"),
                ("peertube_format_flag", "fragmented" if hls else "web-video")]
    links = [
        {"type": "Link", "mediaType": "video/mp4", "href": file["fileUrl"], **size,
         "size": file["size"],
         "attachment": [{"type": "PropertyValue", "name": name, "value": value}
                        for name, value in streams]},
        {"type": "Link", "rel": ["metadata", "video/mp4"], "mediaType": "application/json",
         "href": file["metadataUrl"], **size},
    ]
    if file["magnetUri"]:
        links += [{"type": "Link", "mediaType": "application/x-bittorrent",
                   "href": file["torrentUrl"], **size},
                  {"type": "Link",
                   "mediaType": "application/x-bittorrent;x-scheme-handler/magnet",
                   "href": file["magnetUri"], **size}]
    return links


def _media_links(video: Video, s: Settings) -> list[dict]:
    """The web MP4s (largest first), then the HLS master with its infohashes, its sha256
    link and its fragmented files, then the trackers."""
    media = video.media or {}
    renditions = sorted(media.get("renditions", []), key=lambda r: -r["resolution"])
    links = [link for i, r in enumerate(renditions)
             for link in _file_links(_file(video, r, i, s, hls=False), hls=False)]
    if media.get("master"):
        master = media_url(media["master"], s)
        # A live's renditions have playlists and segments, no files.
        variants = len(renditions) or len((media.get("live") or {}).get("renditions", []))
        tag: list[dict] = [
            {"type": "Infohash", "name": hashlib.sha1(
                f"{P2P_MEDIA_LOADER_PEER_VERSION}{master}+V{i}".encode()).hexdigest()}
            for i in range(variants)]
        if media.get("segments_sha256"):
            tag.append({"type": "Link", "name": "sha256", "mediaType": "application/json",
                        "href": media_url(media["segments_sha256"], s)})
        tag += [link for i, r in enumerate(renditions)
                for link in _file_links(_file(video, r, i, s, hls=True), hls=True)]
        links.append({"type": "Link", "mediaType": "application/x-mpegURL", "href": master,
                      "tag": tag})
    for tracker in s.tracker_urls:
        kind = "http" if tracker.startswith("http") else "websocket"
        links.append({"type": "Link", "name": f"tracker-{kind}", "rel": ["tracker", kind],
                      "href": tracker})
    return links


def _icons(video: Video, s: Settings) -> list[dict]:
    media = video.media or {}
    pictures = ((video.thumbnail_key or media.get("thumbnail"), THUMBNAIL_SIZE),
                (video.preview_key or media.get("preview"), PREVIEW_SIZE))
    return [{"type": "Image", "url": media_url(key, s), "mediaType": "image/jpeg",
             "width": width, "height": height}
            for key, (width, height) in pictures if key]


def _storyboard(video: Video, s: Settings) -> list[dict] | None:
    board = (video.media or {}).get("storyboard")
    if not board:
        return None
    return [{"type": "Image", "rel": ["storyboard"], "url": [{
        "mediaType": "image/jpeg", "href": media_url(board["key"], s),
        "width": board["total_width"], "height": board["total_height"],
        "tileWidth": board["sprite_width"], "tileHeight": board["sprite_height"],
        "tileDuration": duration(board["sprite_duration"])}]}]


def _subtitles(video: Video, s: Settings) -> list[dict]:
    return [{"identifier": c.language, "name": LANGUAGES.get(c.language, "Unknown"),
             "automaticallyGenerated": False,
             "url": [{"type": "Link", "mediaType": "text/vtt",
                      "href": media_url(c.file_key, s)}]}
            for c in captions.of_video(video)]


def video_object(video: Video, s: Settings | None = None) -> dict:
    """PeerTube's VideoObject of a local published video, addressed as PeerTube does."""
    s = s or settings()
    url = video_url(video.uuid, s)
    short = ids.to_short(video.uuid)
    published = timestamp(video.published_at or video.created_at)
    document = {
        "type": "Video", "id": url, "name": video.name,
        "duration": duration(video.duration), "uuid": video.uuid,
        # Left out when unset, as PeerTube (its readers refuse any stand-in value).
        **{name: _identified(value, labels) for name, value, labels in (
            ("category", video.category, CATEGORIES), ("licence", video.licence, LICENCES),
            ("language", video.language, LANGUAGES)) if value is not None},
        "views": int(video.views or 0), "sensitive": bool(video.nsfw),
        "summary": None,
        "waitTranscoding": bool(video.wait_transcoding), "state": int(video.state),
        # PeerTube sends null when comments are simply enabled; its readers take the
        # policy from `commentsPolicy` whenever it is there, so as:Public (what PeerTube
        # sends otherwise) is as good and satisfies the schema.
        "canReply": PUBLIC, "commentsPolicy": int(video.comments_policy or ENABLED),
        "downloadEnabled": bool(video.download_enabled),
        "published": published,
        # Null in PeerTube when unset; the publication is the origin's first one.
        "originallyPublishedAt": published,
        "updated": timestamp(video.updated_at or video.created_at),
        "uploadDate": timestamp(video.created_at),
        "tag": [{"type": "Hashtag", "name": t} for t in video.tags or []],
        "mediaType": "text/markdown",
        "content": video.description or None, "support": video.support or None,
        "subtitleLanguage": _subtitles(video, s),
        "icon": _icons(video, s),
        "aspectRatio": aspect_ratio(video),
        "url": [{"type": "Link", "mediaType": "text/html", "href": f"{s.public_url}/w/{short}"},
                {"type": "Link", "mediaType": "text/html", "href": url},
                *_media_links(video, s)],
        "likes": f"{url}/likes", "dislikes": f"{url}/dislikes", "shares": f"{url}/announces",
        "comments": f"{url}/comments", "hasParts": f"{url}/chapters",
        "playerSettings": f"{url}/player-settings",
        # The player alone (the web app's embed page); PeerTube reads it as a URL.
        "embedUrl": f"{s.public_url}/videos/embed/{short}",
        # Typed, as earlier PeerTube versions sent them, which look for the Group by type:
        # every version finds the channel so.
        "attributedTo": [{"type": "Person", "id": account_url(video.owner, s)},
                         {"type": "Group", "id": channel_url(video.channel, s)}],
        # FEP-1b12's audience, the channel (PeerTube's validator reads it as a URL).
        "audience": channel_url(video.channel, s),
        **_live_fields(video),
    }
    preview = _storyboard(video, s)
    if preview:
        document["preview"] = preview
    return _audiencify(document, video_audience(video, s))


def _live_fields(video: Video) -> dict:
    """A live's settings, as PeerTube's VideoObject carries them. PeerTube sends null for
    a video that is not live; these are the values its readers default them to."""
    stream = None
    if video.is_live:
        # peerless.live builds on federation (it publishes lives): read here, when needed.
        from ..live import LiveStream
        stream = get_or_none(LiveStream, LiveStream.key(video.uuid))
    if stream is None:
        return {"isLiveBroadcast": bool(video.is_live), "liveSaveReplay": False,
                "permanentLive": False, "latencyMode": 1}
    return {"isLiveBroadcast": True, "liveSaveReplay": bool(stream.save_replay),
            "permanentLive": bool(stream.permanent), "latencyMode": int(stream.latency_mode)}


def chapters_object(video: Video, s: Settings | None = None) -> dict:
    """The video's chapters (`hasParts`): none are kept, so an empty list."""
    return {"id": f"{video_url(video.uuid, s)}/chapters", "hasPart": []}


def player_settings_object(video: Video, s: Settings | None = None) -> dict:
    """The video's player settings (`playerSettings`): the instance's theme."""
    url = video_url(video.uuid, s)
    return {"id": f"{url}/player-settings", "object": url, "type": "PlayerSettings",
            "theme": DEFAULT_PLAYER_THEME}


# --- comments -------------------------------------------------------------------------------

def comment_url(video_uuid: str, comment_id: int, s: Settings | None = None) -> str:
    return f"{video_url(video_uuid, s)}/comments/{comment_id}"


def ancestors(comment: Comment) -> list[Comment]:
    """The comments above `comment` in its thread, oldest first."""
    found, parent_id = [], comment.in_reply_to
    while parent_id is not None:
        parent = get_or_none(Comment, Comment.key(parent_id))
        if parent is None:
            break
        found.append(parent)
        parent_id = parent.in_reply_to
    return found[::-1]


def object_url(video: Video, s: Settings | None = None) -> str:
    """The ActivityPub id of a video held here: its own, or its origin's."""
    return video.origin_url or video_url(video.uuid, s)


def _comment_id(comment: Comment, s: Settings) -> str:
    return comment.origin_url or comment_url(comment.video_uuid, comment.id, s)


def _in_reply_to(comment: Comment, s: Settings, video: Video | None = None) -> str:
    # A thread answers the video; a reply, the comment it answers: by their ids, which
    # for what came from another server are its own.
    if comment.in_reply_to is None:
        video = video or get_or_none(Video, Video.key(comment.video_uuid))
        return object_url(video, s) if video else video_url(comment.video_uuid, s)
    parent = get_or_none(Comment, Comment.key(comment.in_reply_to))
    if parent is None:
        return comment_url(comment.video_uuid, comment.in_reply_to, s)
    return _comment_id(parent, s)


def _author_url(comment: Comment, s: Settings) -> str:
    return comment.author_url or account_url(comment.author, s)


def _mention_name(comment: Comment, s: Settings) -> str:
    return f"@{comment.author}" if comment.author_url else f"@{comment.author}@{s.host}"


def video_actors(video: Video, s: Settings) -> tuple[str, str]:
    """The account's and the channel's ActivityPub ids of a video held here."""
    if video.is_remote:
        return video.remote["account_url"], video.remote["channel_url"]
    return account_url(video.owner, s), channel_url(video.channel, s)


def comment_object(comment: Comment, video: Video | None = None,
                   s: Settings | None = None) -> dict:
    """PeerTube's Note of a comment (a Tombstone once deleted): its text as Markdown,
    mentions of the authors it answers, and the audience PeerTube gives a comment.
    `video`, the comment's, is read when not given."""
    s = s or settings()
    url = comment_url(comment.video_uuid, comment.id, s)
    if comment.deleted:
        return {"id": url, "type": "Tombstone", "formerType": "Note",
                "inReplyTo": _in_reply_to(comment, s, video),
                "published": timestamp(comment.created_at),
                "updated": timestamp(comment.updated_at),
                "deleted": timestamp(comment.deleted_at)}
    video = video or Video.get(*Video.key(comment.video_uuid))
    parents = [c for c in ancestors(comment) if c.author]
    author = account_url(comment.author, s)
    video_account, channel = video_actors(video, s)
    return {
        "to": [PUBLIC],
        "cc": [followers_url(author), video_account, channel,
               *(_author_url(c, s) for c in parents)],
        "type": "Note", "id": url,
        "content": comment.text or "", "mediaType": "text/markdown",
        "inReplyTo": _in_reply_to(comment, s, video),
        "updated": timestamp(comment.updated_at), "published": timestamp(comment.created_at),
        "url": url, "attributedTo": author,
        # The video owner's approval: our own on a local video; on another server's,
        # the ApproveReply its owner sent (none yet while the comment waits for it).
        "replyApproval": comment.reply_approval if video.is_remote else f"{url}/approve-reply",
        "tag": [{"type": "Mention", "href": _author_url(c, s), "name": _mention_name(c, s)}
                for c in parents],
        # FEP-1b12: the conversation belongs to the video's channel.
        "audience": channel,
    }


def approve_reply_activity(comment: Comment, video: Video, s: Settings | None = None) -> dict:
    """The video owner's approval of a published comment (PeerTube's `replyApproval`):
    its object the comment's own id, on its author's server for another server's."""
    s = s or settings()
    url = comment_url(comment.video_uuid, comment.id, s)
    return contextify({"type": "ApproveReply", "id": f"{url}/approve-reply",
                       "actor": account_url(video.owner, s),
                       "inReplyTo": _in_reply_to(comment, s, video),
                       "object": comment.origin_url or url})


# --- playlists ------------------------------------------------------------------------------

def _first_thumbnail(playlist: Playlist, s: Settings) -> dict | None:
    """The first video's thumbnail, as PeerTube makes a playlist's, if anyone may see it."""
    first = next(iter(playlists.elements_of(playlist)), None)
    video = get_or_none(Video, Video.key(first.video_uuid)) if first else None
    if playlists.element_type(video, None) != playlists.ELEMENT_REGULAR:
        return None
    key = video.thumbnail_key or (video.media or {}).get("thumbnail")
    if not key:
        return None
    width, height = THUMBNAIL_SIZE
    return {"type": "Image", "url": media_url(key, s), "mediaType": "image/jpeg",
            "width": width, "height": height}


def element_url(playlist: Playlist, element_id: int, s: Settings | None = None) -> str:
    return f"{playlist_url(playlist.uuid, s)}/videos/{element_id}"


def playlist_object(playlist: Playlist, page: int | None = None,
                    s: Settings | None = None) -> dict:
    """PeerTube's Playlist: an ordered collection of its elements' URLs (paged as
    PeerTube pages it) with the playlist's name, description and channel."""
    s = s or settings()
    url = playlist_url(playlist.uuid, s)
    elements = playlists.elements_of(playlist)
    document = paged(url, lambda start, count: (
        len(elements), [element_url(playlist, e.id, s) for e in elements[start:start + count]]),
        page)
    document.update({
        "type": "Playlist", "name": playlist.display_name, "content": playlist.description,
        "mediaType": "text/markdown", "uuid": playlist.uuid,
        "published": timestamp(playlist.created_at), "updated": timestamp(playlist.updated_at),
        "attributedTo": [channel_url(playlist.channel, s)] if playlist.channel else [],
    })
    icon = _first_thumbnail(playlist, s)
    if icon:
        document["icon"] = icon
    owner = account_url(playlist.owner, s)
    audience = ({"to": [], "cc": [PUBLIC]} if playlist.privacy == playlists.UNLISTED
                else public_audience(owner))
    return _audiencify(document, audience)


def playlist_element_object(playlist: Playlist, element_ref: str,
                            s: Settings | None = None) -> dict:
    """One element of a playlist; a 404 when its video is not one anyone may see."""
    position, element = next(((n, e) for n, e in enumerate(playlists.elements_of(playlist), 1)
                              if str(e.id) == element_ref), (None, None))
    video = get_or_none(Video, Video.key(element.video_uuid)) if element else None
    if playlists.element_type(video, None) != playlists.ELEMENT_REGULAR:
        raise errors.not_found("Video playlist element not found")
    document = {"id": element_url(playlist, element.id, s), "type": "PlaylistElement",
                "url": video_url(video.uuid, s), "position": position}
    if element.start:
        document["startTimestamp"] = element.start
    if element.stop:
        document["stopTimestamp"] = element.stop
    return document


# --- collections ----------------------------------------------------------------------------

def rate_url(username: str, video: Video, kind: str, s: Settings | None = None) -> str:
    """A local account's Like or Dislike of a video (PeerTube's
    getVideoLikeActivityPubUrlByLocalActor): `kind` is "likes" or "dislikes"."""
    return f"{account_url(username, s)}/{kind}/{video.id}"


_RATE_TYPES = {ratings.LIKE: ("Like", "likes"), ratings.DISLIKE: ("Dislike", "dislikes")}


def rate_activity(username: str, video: Video, rating: str,
                  s: Settings | None = None) -> dict:
    """A local account's Like or Dislike of a video, as PeerTube builds and serves it at
    its id; a 404 when the account does not rate the video so."""
    found = get_or_none(Rating, Rating.key(username, video.uuid))
    if found is None or found.rating != rating:
        raise errors.not_found("Video rate not found")
    return rating_object(found.username, video, rating, s)


def rating_object(username: str, video: Video, rating: str,
                  s: Settings | None = None) -> dict:
    """The Like or Dislike (`rating`) of a video held here by a local account."""
    kind, path = _RATE_TYPES[rating]
    actor = account_url(username, s)
    return {"@context": BASE_CONTEXT,
            **_audiencify({"id": rate_url(username, video, path, s), "type": kind,
                           "actor": actor, "object": object_url(video, s)},
                          public_audience(actor))}


def undo_activity(obj: dict, actor_url: str) -> dict:
    """PeerTube's Undo: id `{object id}/undo`, the object embedded."""
    return {"@context": BASE_CONTEXT,
            **_audiencify({"type": "Undo", "id": f"{obj['id']}/undo", "actor": actor_url,
                           "object": _without_context(obj)}, public_audience(actor_url))}


def _rates(video: Video, rating: str) -> Page:
    kind = _RATE_TYPES[rating][1]
    counter = video.likes if rating == ratings.LIKE else video.dislikes

    def items(start: int, count: int) -> tuple[int, list]:
        found = Rating.by_list.query(ratings._video_list(video.uuid),
                                     filter_condition=Rating.rating == rating,
                                     limit=start + count)
        return int(counter or 0), [r.origin_url or rate_url(r.username, video, kind)
                                   for r in itertools.islice(found, start, start + count)]
    return items


def _shares(video: Video) -> Page:
    """The shares this instance makes of the video: its channel's and its own."""
    def items(start: int, count: int) -> tuple[int, list]:
        shares = [announce_id(video, video_channel(video).id),
                  announce_id(video, INSTANCE_SHARER_ID)]
        return len(shares), shares[start:start + count]
    return items


def _live_comments(video: Video) -> Iterator[Comment]:
    """The video's readable comments: each thread, then its replies, oldest first."""
    for root in Comment.by_list.query(f"threads#{video.uuid}"):
        if not root.deleted:
            yield root
        for reply in Comment.by_list.query(f"replies#{root.id}"):
            if not reply.deleted and not reply.held:
                yield reply


def _comments(video: Video) -> Page:
    def items(start: int, count: int) -> tuple[int, list]:
        if video.comments_policy == DISABLED:
            return 0, []
        found = itertools.islice(_live_comments(video), start, start + count)
        return int(video.comments_count or 0), [comment_url(c.video_uuid, c.id)
                                                for c in found]
    return items


COLLECTIONS: dict[str, Callable[[Video], Page]] = {
    "likes": lambda v: _rates(v, ratings.LIKE),
    "dislikes": lambda v: _rates(v, ratings.DISLIKE),
    "announces": _shares, "comments": _comments,
}


def video_collection(video: Video, name: str, page: int | None = None) -> dict:
    """One of the collections a video names (COLLECTIONS), paged as PeerTube pages it."""
    return paged(f"{video_url(video.uuid)}/{name}", COLLECTIONS[name](video), page)


# --- activities -----------------------------------------------------------------------------

def _id_of(obj: dict | str) -> str:
    return obj if isinstance(obj, str) else obj["id"]


def _activity(kind: str, activity_id: str, actor_url: str, obj: dict | str,
              audience: dict | None) -> dict:
    """An activity as PeerTube builds one: addressed like its object (or publicly), the
    object addressed alike, in the object's context."""
    if audience is None:
        audience = ({k: obj[k] for k in ("to", "cc") if k in obj}
                    if isinstance(obj, dict) and "to" in obj else public_audience(actor_url))
    body = {"type": kind, "id": activity_id, "actor": actor_url,
            "object": obj if isinstance(obj, str) else _audiencify(_without_context(obj),
                                                                    audience)}
    document = _audiencify(body, audience)
    kind_of = obj.get("type") if isinstance(obj, dict) else None
    return {"@context": _CONTEXTS.get(kind_of, BASE_CONTEXT), **document}


def create_activity(obj: dict | str, actor_url: str, audience: dict | None = None) -> dict:
    """PeerTube's Create: id `{object id}/activity`."""
    return _activity("Create", f"{_id_of(obj)}/activity", actor_url, obj, audience)


def update_activity(obj: dict, actor_url: str, audience: dict | None = None) -> dict:
    """PeerTube's Update: id `{object id}/updates/{its updated date}`."""
    return _activity("Update", f"{obj['id']}/updates/{obj['updated']}", actor_url, obj,
                     audience)


def delete_activity(obj: dict | str, actor_url: str, audience: dict | None = None, *,
                    activity_id: str | None = None) -> dict:
    """PeerTube's Delete: id `{object id}/delete` unless given, the object by its id
    (PeerTube's) or as a Tombstone. Unaddressed unless `audience` is given, as PeerTube's."""
    url = _id_of(obj)
    body = {"type": "Delete", "id": activity_id or f"{url}/delete", "actor": actor_url,
            "object": obj if isinstance(obj, str) else _without_context(obj)}
    return {"@context": BASE_CONTEXT, **(_audiencify(body, audience) if audience else body)}


def video_channel(video: Video) -> Channel:
    """The local channel of a local video."""
    return accounts.channel_by_handle(video.channel)


def announce_id(video: Video, channel_id: int, s: Settings | None = None) -> str:
    """PeerTube's id of an actor's share of a video: `{video}/announces/{actor id}`."""
    return f"{video_url(video.uuid, s)}/announces/{channel_id}"


def announce_activity(video: Video, channel: Channel | None,
                      s: Settings | None = None) -> dict:
    """A share of a local video, so that followers see it: the channel's (its followers,
    Mastodon's among them), addressed to everyone, cc the followers of the channel and of
    the account (the actors PeerTube finds involved in a video); or, without a channel,
    the instance's (the servers following this one, as PeerTube's shareByServer)."""
    s = s or settings()
    if channel is None:
        by, number = account_url(SERVER_ACTOR_NAME, s), INSTANCE_SHARER_ID
        cc = [followers_url(by)]
    else:
        by, number = channel_url(channel.name, s), channel.id
        cc = [followers_url(by), followers_url(account_url(video.owner, s))]
    return {"@context": BASE_CONTEXT,
            **_audiencify({"type": "Announce", "id": announce_id(video, number, s),
                           "actor": by, "object": video_url(video.uuid, s)},
                          {"to": [PUBLIC], "cc": cc})}


# --- the objects at their HTML addresses ------------------------------------------------------

_VIDEO_PAGE = re.compile(r"^/(?:w|videos/watch)/([^/]+)/?$")
_PLAYLIST_PAGE = re.compile(r"^/(?:w/p|videos/watch/playlist|video-playlists)/([^/]+)/?$")


def at_page(path: str, page: int | None = None) -> dict | None:
    """The document (with its context) of the video or playlist an HTML page shows, for
    ActivityPub clients asking for it there; None for a page that is neither."""
    if match := _PLAYLIST_PAGE.match(path):
        return contextify(playlist_object(federated_playlist(match[1]), page))
    if match := _VIDEO_PAGE.match(path):
        return contextify(video_object(federated_video(match[1])))
    return None
