"""The api function: PeerTube's REST API v1. Each group of routes is a blueprint in
chalicelib/; handlers parse the request, call the domain (the `peerless` package) and
shape the reply."""
from chalice import Chalice

from chalicelib import (accounts, activitypub, captions, comments, federation, instance,
                        live, moderation, pages, playlists, ratings, remote_pictures, search,
                        subscriptions, uploads, users, videos)

app = Chalice(app_name="peerless-api")
# Upload bodies are bytes, not text: API Gateway must hand them over base64-encoded.
app.api.binary_types.extend(["multipart/form-data", "application/octet-stream"])

for group in (instance, users, accounts, videos, uploads, live, captions, comments, ratings,
              subscriptions, playlists, search, moderation, federation, activitypub, pages,
              remote_pictures):
    app.register_blueprint(group.bp)

# Routes whose request body the local front streams instead of reading it whole.
STREAMED_ROUTES = set(uploads.STREAMED)
