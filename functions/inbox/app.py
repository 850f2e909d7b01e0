"""The inbox function: ActivityPub POSTs to the shared inbox and to every actor's inbox,
and the queue handlers behind them.

The routes are the door (peerless.federation.inbox): they hand the request over as it
came, raw body and signed path included, and answer 202 once the activity is queued, or a
problem document saying why not. Every media type reaches the door, which answers a
non-JSON one with its own 415 problem document.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

from chalice import Chalice, Response

from peerless.federation import inbox

app = Chalice(app_name="peerless-inbox")


def _receive(kind: str | None = None, name: str | None = None) -> Response:
    request = app.current_request
    # The path as the sender signed it: API Gateway's requestContext keeps it raw (the
    # local front too), after the stage's prefix when API Gateway is called by its own
    # address; the query is rebuilt, inboxes being posted to without one.
    path = request.context.get("path") or request.path
    stage = request.context.get("stage")
    if stage and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1:]
    if request.query_params:
        path += "?" + urlencode([(k, v) for k in request.query_params
                                 for v in request.query_params.getlist(k)])
    headers = {name.lower(): value for name, value in request.headers.items()}
    # Behind the CDN, API Gateway sees its own Host; the one the sender signed comes in
    # X-Forwarded-Host. A forged one buys nothing: the signed Host must still be ours.
    forwarded = headers.pop("x-forwarded-host", None)
    if forwarded:
        headers["host"] = forwarded
    delivery = inbox.Delivery(path=path, headers=headers, body=request.raw_body or b"",
                              inbox_kind=kind, inbox_name=name)
    try:
        outcome = inbox.receive(delivery)
    except inbox.Refused as refusal:
        return Response(body=json.dumps(refusal.problem(path)), status_code=refusal.status,
                        headers={"Content-Type": "application/problem+json",
                                 **refusal.headers})
    return Response(body=json.dumps({"status": outcome}), status_code=202,
                    headers={"Content-Type": "application/json"})


@app.route("/inbox", methods=["POST"], content_types=["*/*"])
def shared_inbox():
    return _receive()


@app.route("/accounts/{name}/inbox", methods=["POST"], content_types=["*/*"])
def account_inbox(name: str):
    return _receive("account", name)


@app.route("/video-channels/{name}/inbox", methods=["POST"], content_types=["*/*"])
def channel_inbox(name: str):
    return _receive("channel", name)


def handle_inbox(event: dict, context) -> None:
    """The inbox queue's handler: each verified activity applied
    (peerless.federation.activities). An exception propagates, so that SQS hands the
    message out again, and after the queue's maxReceiveCount moves it to the dead-letter
    queue; applying is idempotent, so a batch applied again changes nothing twice."""
    from peerless.federation import activities
    for record in event["Records"]:
        queued = inbox.unpack(record["body"])
        activities.apply(queued.activity, queued.actor, text=queued.text,
                         relayed=queued.relayed)


def handle_delivery(event: dict, context) -> None:
    """The delivery queue's handler: each message's activity signed and POSTed to its
    inbox, or put back for a later try (peerless.federation.delivery)."""
    from peerless.federation import delivery
    delivery.handle(event["Records"])


def refresh_redundancy(event: dict, context) -> list[str]:
    """The instance's redundancy strategy, run on a schedule: the remote videos it picks
    mirrored within the size budget (peerless.federation.redundancy). Settings:
    PEERLESS_REDUNDANCY_STRATEGY (most-views, recently-added, trending; unset: none) and
    PEERLESS_REDUNDANCY_SIZE (bytes, with an optional K, M, G or T)."""
    import os

    from peerless.federation import redundancy
    strategy = os.environ.get("PEERLESS_REDUNDANCY_STRATEGY")
    if not strategy:
        return []
    return redundancy.refresh(strategy, redundancy.parse_size(
        os.environ.get("PEERLESS_REDUNDANCY_SIZE", "10G")))
