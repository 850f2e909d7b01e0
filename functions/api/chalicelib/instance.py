"""The instance: its configuration and its OAuth client."""
from chalice import Blueprint

from peerless import auth
from peerless.peertube.config import server_config
from peerless.settings import settings

from .http import Call, ok, route

bp = Blueprint(__name__)


@route(bp, "/api/v1/config")
def config(call: Call):
    return ok(server_config(settings()))


@route(bp, "/api/v1/oauth-clients/local")
def oauth_client(call: Call):
    client = auth.ensure_oauth_client()
    return ok({"client_id": client.client_id, "client_secret": client.client_secret})
