"""The instance: its configuration, its statistics, its OAuth client and the vocabularies
videos are described with."""
from pathlib import Path

from chalice import Blueprint, Response

from peerless import auth, instance_config, moderation
from peerless.peertube.config import (STATS_COUNTERS, about, custom_config, server_config,
                                      server_stats)
from peerless.settings import settings
from peerless.vocabulary import CATEGORIES, LANGUAGES, LICENCES

from .http import JSON, Call, ok, route

bp = Blueprint(__name__)


@route(bp, "/api/v1/config")
def config(call: Call):
    current = instance_config.get()
    return ok(server_config(settings(), current, instance_config.signup_allowed(current)))


@route(bp, "/api/v1/config/about")
def config_about(call: Call):
    return ok(about(instance_config.get()))


@route(bp, "/api/v1/config/custom")
def get_custom_config(call: Call):
    return ok(custom_config(instance_config.read_custom(call.user())))


@route(bp, "/api/v1/config/custom", methods=("PUT",), content_types=[JSON])
def put_custom_config(call: Call):
    return ok(custom_config(instance_config.update(call.user(), call.json())))


@route(bp, "/api/v1/config/custom", methods=("DELETE",))
def delete_custom_config(call: Call):
    return ok(custom_config(instance_config.reset(call.user())))


@route(bp, "/api/v1/server/stats")
def stats(call: Call):
    counts = instance_config.counter_values(list(STATS_COUNTERS.values()))
    return ok(server_stats(counts, moderation.abuse_stats()))


@route(bp, "/api/v1/oauth-clients/local")
def oauth_client(call: Call):
    client = auth.ensure_oauth_client()
    return ok({"client_id": client.client_id, "client_secret": client.client_secret})


@route(bp, "/api/v1/videos/categories")
def categories(call: Call):
    return ok({str(k): v for k, v in CATEGORIES.items()})


@route(bp, "/api/v1/videos/licences")
def licences(call: Call):
    return ok({str(k): v for k, v in LICENCES.items()})


@route(bp, "/api/v1/videos/languages")
def languages(call: Call):
    return ok(LANGUAGES)


OPENAPI = Path(__file__).with_name("openapi.json")


@route(bp, "/api/v1/openapi.json")
def openapi(call: Call):
    """The OpenAPI document of this API (generated from its routes)."""
    return Response(body=OPENAPI.read_text(), status_code=200,
                    headers={"Content-Type": "application/json"})
