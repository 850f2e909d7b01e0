"""What a link to a video, a channel or an account shows where it is pasted (Mastodon, chat
apps, search engines): the OpenGraph and Twitter-card tags and the oEmbed discovery link
PeerTube writes into its pages, and the oEmbed answer itself.

The web app is static, so its pages cannot carry them: the api function answers these
page addresses with the app's index.html and the tags written into its head. (The same
addresses answer ActivityPub clients with JSON: content negotiation needs them to reach
the function anyway.)
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from . import accounts, errors, instance_config, videos
from .models import Channel, User, Video
from .peertube.common import media_url
from .settings import Settings, settings

# PeerTube's embed size, in oEmbed answers and player cards.
EMBED_WIDTH, EMBED_HEIGHT = 560, 315
PREVIEW_WIDTH, PREVIEW_HEIGHT = 850, 480
DESCRIPTION_LIMIT = 200

_VIDEO = re.compile(r"^/(?:w|videos/watch)/([^/]+)/?$")
_CHANNEL = re.compile(r"^/(?:c|video-channels)/([^/]+)(?:/[^/]*)?/?$")
_ACCOUNT = re.compile(r"^/(?:a|accounts)/([^/]+)(?:/[^/]*)?/?$")


@dataclass(frozen=True)
class Preview:
    title: str
    description: str
    url: str                      # the canonical address of the page
    image: str | None
    image_size: tuple[int, int] | None
    kind: str                     # OpenGraph's og:type
    embed_url: str | None = None  # videos: the player alone
    oembed_url: str | None = None
    # Unlisted videos: shown to whoever has the link, kept out of search engines.
    noindex: bool = False


def _excerpt(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= DESCRIPTION_LIMIT else text[:DESCRIPTION_LIMIT - 1] + "…"


def for_path(path: str, s: Settings | None = None) -> Preview | None:
    """The preview of the page at `path`, or None when it has none (an unknown, private or
    blocked video; an address that is not a video, channel or account page)."""
    s = s or settings()
    try:
        if match := _VIDEO.match(path):
            return _video(videos.get_visible(match[1], None), s)
        if match := _CHANNEL.match(path):
            return _channel(accounts.channel_by_handle(match[1]), s)
        if match := _ACCOUNT.match(path):
            return _account(accounts.account_by_name(match[1]), s)
    except errors.ApiError:
        return None
    return None


def _video(video: Video, s: Settings) -> Preview:
    media = video.media or {}
    preview = video.preview_key or media.get("preview")
    watch = f"{s.public_url}/w/{video.uuid}"
    return Preview(
        title=video.name, description=_excerpt(video.description), url=watch,
        image=media_url(preview, s) if preview else None,
        image_size=(PREVIEW_WIDTH, PREVIEW_HEIGHT) if preview else None,
        kind="video.other", embed_url=f"{s.public_url}/videos/embed/{video.uuid}",
        oembed_url=f"{s.public_url}/services/oembed?url={quote(watch, safe='')}",
        noindex=video.privacy != videos.PUBLIC)


def _largest_avatar(images: list[dict] | None, s: Settings) -> tuple[str | None, tuple | None]:
    if not images:
        return None, None
    best = max(images, key=lambda i: i["width"])
    return media_url(best["key"], s), (best["width"], best["height"])


def _channel(channel: Channel, s: Settings) -> Preview:
    image, size = _largest_avatar(channel.avatars, s)
    return Preview(title=channel.display_name, description=_excerpt(channel.description),
                   url=f"{s.public_url}/c/{channel.name}", image=image, image_size=size,
                   kind="profile")


def _account(user: User, s: Settings) -> Preview:
    image, size = _largest_avatar(user.avatars, s)
    return Preview(title=user.display_name, description=_excerpt(user.description),
                   url=f"{s.public_url}/a/{user.username}", image=image, image_size=size,
                   kind="profile")


def _tags(preview: Preview, site_name: str) -> list[str]:
    e = html.escape
    meta = [("og:site_name", site_name), ("og:type", preview.kind),
            ("og:title", preview.title), ("og:url", preview.url),
            ("og:description", preview.description)]
    if preview.image:
        meta += [("og:image", preview.image),
                 ("og:image:width", str(preview.image_size[0])),
                 ("og:image:height", str(preview.image_size[1])),
                 ("og:image:alt", preview.title)]
    if preview.embed_url:
        meta += [("og:video:url", preview.embed_url),
                 ("og:video:secure_url", preview.embed_url),
                 ("og:video:type", "text/html"),
                 ("og:video:width", str(EMBED_WIDTH)), ("og:video:height", str(EMBED_HEIGHT))]
    names = [("description", preview.description),
             ("twitter:card", "player" if preview.embed_url else "summary"),
             ("twitter:title", preview.title), ("twitter:description", preview.description)]
    if preview.image:
        names.append(("twitter:image", preview.image))
    if preview.embed_url:
        names += [("twitter:player", preview.embed_url),
                  ("twitter:player:width", str(EMBED_WIDTH)),
                  ("twitter:player:height", str(EMBED_HEIGHT))]
    if preview.noindex:
        names.append(("robots", "noindex"))
    lines = [f"<title>{e(preview.title)} - {e(site_name)}</title>"]
    lines += [f'<meta property="{k}" content="{e(v)}">' for k, v in meta]
    lines += [f'<meta name="{k}" content="{e(v)}">' for k, v in names]
    lines.append(f'<link rel="canonical" href="{e(preview.url)}">')
    if preview.oembed_url:
        lines.append(f'<link rel="alternate" type="application/json+oembed" '
                     f'href="{e(preview.oembed_url)}&amp;format=json" '
                     f'title="{e(preview.title)}">')
    return lines


def render(template: str, preview: Preview | None, site_name: str) -> str:
    """The app's index.html with the page's tags in its head (its own title replaced);
    unchanged when there is no preview."""
    if preview is None:
        return template
    head = "\n    ".join(_tags(preview, site_name))
    page = re.sub(r"<title>.*?</title>\s*", "", template, count=1, flags=re.S)
    return page.replace("</head>", f"  {head}\n  </head>", 1)


def page(path: str, template: str) -> str:
    """The HTML answer for the app's page at `path`."""
    return render(template, for_path(path), instance_config.get().name)


def oembed(url: str | None, max_width: int | None = None, max_height: int | None = None,
           s: Settings | None = None) -> dict:
    """oEmbed's answer for a watch page of this instance (https://oembed.com, type video)."""
    s = s or settings()
    if not url:
        raise errors.invalid_params({"url": "The URL of a video is required."}, "query")
    parts = urlsplit(url)
    match = _VIDEO.match(parts.path)
    if parts.netloc != s.host or not match:
        raise errors.invalid_params({"url": "Not the URL of a video of this instance."},
                                    "query")
    video = videos.get_visible(match[1], None)
    channel = accounts.channel_by_handle(video.channel)
    width, height = EMBED_WIDTH, EMBED_HEIGHT
    if max_width and max_width < width:
        width, height = max_width, max_width * EMBED_HEIGHT // EMBED_WIDTH
    if max_height and max_height < height:
        width, height = max_height * EMBED_WIDTH // EMBED_HEIGHT, max_height
    preview = _video(video, s)
    e = html.escape
    answer = {
        "type": "video", "version": "1.0",
        "title": video.name, "author_name": channel.display_name,
        "author_url": f"{s.public_url}/c/{channel.name}",
        "provider_name": instance_config.get().name, "provider_url": s.public_url,
        "width": width, "height": height,
        "html": (f'<iframe width="{width}" height="{height}" '
                 f'sandbox="allow-same-origin allow-scripts allow-popups" '
                 f'title="{e(video.name)}" src="{e(preview.embed_url)}" '
                 f'style="border: 0" allowfullscreen></iframe>'),
    }
    if preview.image:
        answer.update(thumbnail_url=preview.image, thumbnail_width=PREVIEW_WIDTH,
                      thumbnail_height=PREVIEW_HEIGHT)
    return answer
