"""How other servers find this instance and its actors, as PeerTube serves it: WebFinger
(RFC 7033) for `acct:name@host` and actor URLs, host-meta (RFC 6415) pointing to it, and
NodeInfo 2.0 with the instance's figures and the instance actor's address.

NodeInfo names the software `peertube`, at the PeerTube version whose API this instance
follows (as `/api/v1/config` does): what reads `software.name` (fediverse crawlers and
directories, Misskey and its forks, apps choosing which API to speak) decides from it to
speak PeerTube's REST API and ActivityPub dialect to this server, which is what it
serves. The metadata says what it really is (`implementation`), for people and
statistics.
"""
from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from .. import errors, instance_config
from ..peertube.config import SERVER_VERSION, STATS_COUNTERS, server_config
from ..settings import Settings, settings
from . import actors

SOFTWARE_NAME = "peertube"
IMPLEMENTATION = {"name": "peerless"}
AS_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.0"
NODEINFO_TYPE = f'application/json; profile="{NODEINFO_SCHEMA}#"'
APPLICATION_REL = "https://www.w3.org/ns/activitystreams#Application"

# `acct:name@host`, as PeerTube's validator wants it; also the bare `name@host` and
# `@name@host` some clients send.
_ACCT = re.compile(r"^(?:acct:)?@?([^@\s/?#:]+)@([^@\s/?#]+)$")


def _malformed(why: str) -> errors.ApiError:
    return errors.invalid_params({"resource": why}, "query")


def resolve(resource: str | None, s: Settings | None = None) -> actors.Actor:
    """The local actor a WebFinger resource names: `acct:name@host` or the URL of an
    actor or of its page. A 400 for what is neither; a 404 for no actor of this host."""
    s = s or settings()
    resource = (resource or "").strip()
    if not resource:
        raise _malformed("The resource to look up is required.")
    if resource.lower().startswith(("http://", "https://")):
        parts = urlsplit(resource)
        if parts.netloc.lower() != s.host.lower():
            raise errors.not_found("Not an actor of this instance.")
        actor = actors.at_page(parts.path)
    else:
        match = _ACCT.match(resource)
        if not match:
            raise _malformed("Should be acct:name@host or the URL of an actor.")
        name, host = match.groups()
        if host.lower() != s.host.lower():
            raise errors.not_found("Not an actor of this instance.")
        actor = actors.find(name)
    if actor is None:
        raise errors.not_found("Unknown actor.")
    return actor


def webfinger(resource: str | None, s: Settings | None = None) -> dict:
    """The JRD of the actor `resource` names: its ActivityPub id (PeerTube reads the first
    `self` link, Mastodon one of either type), its profile page, and where to follow it
    from one's own instance."""
    s = s or settings()
    actor = resolve(resource, s)
    profile = actor.pages[-1] if actor.pages else None
    links = [{"rel": "self", "type": "application/activity+json", "href": actor.url},
             {"rel": "self", "type": AS_TYPE, "href": actor.url}]
    if profile:
        links.append({"rel": PROFILE_PAGE, "type": "text/html", "href": profile})
    links.append({"rel": SUBSCRIBE,
                  "template": f"{s.public_url}/remote-interaction?uri={{uri}}"})
    return {"subject": resource.strip(),
            "aliases": [actor.url] + ([profile] if profile else []), "links": links}


def host_meta(s: Settings | None = None) -> str:
    """The XRD that points to WebFinger (for clients that look it up there first)."""
    template = html.escape(f"{(s or settings()).public_url}/.well-known/webfinger"
                           "?resource={uri}")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
            f'  <Link rel="lrdd" type="application/xrd+xml" template="{template}"/>\n'
            '</XRD>\n')


def nodeinfo_links(s: Settings | None = None) -> dict:
    """Where the NodeInfo document is, and the instance actor (PeerTube finds the actor
    of a server it follows here)."""
    s = s or settings()
    return {"links": [{"rel": NODEINFO_SCHEMA, "href": f"{s.public_url}/nodeinfo/2.0.json"},
                      {"rel": APPLICATION_REL,
                       "href": actors.account_url(actors.SERVER_ACTOR_NAME, s)}]}


def nodeinfo(s: Settings | None = None) -> dict:
    """NodeInfo 2.0, with PeerTube's figures and metadata."""
    s = s or settings()
    config = instance_config.get()
    signup = instance_config.signup_allowed(config)
    counts = instance_config.counter_values([STATS_COUNTERS["totalUsers"],
                                             STATS_COUNTERS["totalLocalVideos"],
                                             STATS_COUNTERS["totalLocalVideoComments"]])
    # One source for what the instance does: the configuration PeerTube clients read.
    served = server_config(s, config, signup)
    return {
        "version": "2.0",
        "software": {"name": SOFTWARE_NAME, "version": SERVER_VERSION},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
        "openRegistrations": signup,
        "usage": {
            # Sign-ins are not tallied yet: no user counts as active.
            "users": {"total": counts[STATS_COUNTERS["totalUsers"]], "activeMonth": 0,
                      "activeHalfyear": 0},
            "localPosts": counts[STATS_COUNTERS["totalLocalVideos"]],
            "localComments": counts[STATS_COUNTERS["totalLocalVideoComments"]],
        },
        "metadata": {
            "taxonomy": {"postsName": "Videos"},
            "nodeName": config.name,
            "nodeDescription": config.short_description,
            "implementation": IMPLEMENTATION,
            "nodeConfig": {
                "search": {"remoteUri": served["search"]["remoteUri"]},
                "plugin": {"registered": served["plugin"]["registered"]},
                "theme": {"registered": served["theme"]["registered"],
                          "default": config.default_theme},
                "email": served["email"],
                "contactForm": served["contactForm"],
                "transcoding": {
                    "hls": served["transcoding"]["hls"],
                    "web_videos": served["transcoding"]["web_videos"],
                    "enabledResolutions": served["transcoding"]["enabledResolutions"]},
                "live": {"enabled": served["live"]["enabled"], "transcoding": {
                    "enabled": served["live"]["transcoding"]["enabled"],
                    "enabledResolutions": served["live"]["transcoding"][
                        "enabledResolutions"]}},
                "import": {"videos": served["import"]["videos"]},
                "autoBlacklist": served["autoBlacklist"],
                "avatar": served["avatar"],
                "video": served["video"],
                "videoCaption": served["videoCaption"],
                "user": served["user"],
                "trending": {"videos": {"intervalDays":
                                        served["trending"]["videos"]["intervalDays"]}},
                "tracker": served["tracker"],
            },
        },
    }
