"""The inbox function: ActivityPub POSTs to the shared inbox and to every actor's inbox.

Federation is not served yet: until signatures are verified here, nothing from another
server is accepted, and a sender is told so plainly rather than left to retry a 5xx.
"""
from __future__ import annotations

import json

from chalice import Chalice, Response

app = Chalice(app_name="peerless-inbox")

ACTIVITY_TYPES = ["application/activity+json", "application/ld+json", "application/json"]


def _not_federating() -> Response:
    return Response(
        body=json.dumps({"type": "about:blank", "title": "Not Implemented", "status": 501,
                         "detail": "This instance does not federate yet.",
                         "error": "This instance does not federate yet."}),
        status_code=501, headers={"Content-Type": "application/problem+json"})


@app.route("/inbox", methods=["POST"], content_types=ACTIVITY_TYPES)
def shared_inbox():
    return _not_federating()


@app.route("/accounts/{name}/inbox", methods=["POST"], content_types=ACTIVITY_TYPES)
def account_inbox(name: str):
    return _not_federating()


@app.route("/video-channels/{name}/inbox", methods=["POST"], content_types=ACTIVITY_TYPES)
def channel_inbox(name: str):
    return _not_federating()
