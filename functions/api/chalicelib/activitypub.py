"""Federation's GET side: discovery (WebFinger, host-meta, NodeInfo) and the actors'
collections. The actors themselves answer at their HTML addresses (pages.py) when an
ActivityPub client asks for them there."""
import json

from chalice import Blueprint, Response

from peerless.federation import actors, discovery

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
