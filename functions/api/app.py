"""The api function: PeerTube's REST API v1. Handlers parse, call the domain, shape."""
from __future__ import annotations

import functools
import io
import json
from urllib.parse import parse_qs

from chalice import Chalice, Response

from peerless import accounts, auth, aws, errors, peertube, uploads, videos
from peerless.settings import settings

app = Chalice(app_name="peerless-api")
# Upload bodies are bytes, not text: API Gateway must hand them over base64-encoded.
app.api.binary_types.extend(["multipart/form-data", "application/octet-stream"])

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
ANY_BODY = [JSON, FORM, MULTIPART, "text/plain"]

# Routes whose request body the local front streams instead of reading it whole. On AWS
# the body arrives in the event, bounded by API Gateway's payload limit.
STREAMED_ROUTES = {("POST", "/api/v1/videos/upload")}


def route(path: str, methods: tuple[str, ...] = ("GET",), content_types=ANY_BODY):
    """`app.route`, answering the domain's ApiErrors in PeerTube's problem shape."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except errors.ApiError as error:
                return problem(error)
        app.route(path, methods=list(methods), content_types=content_types)(wrapped)
        return view
    return decorator


def problem(error: errors.ApiError) -> Response:
    request = app.current_request
    instance = request.context.get("path") if request is not None else None
    return Response(body=json.dumps(error.problem(instance)), status_code=error.status,
                    headers={"Content-Type": "application/problem+json", **error.headers})


def ok(body, status: int = 200) -> Response:
    return Response(body=json.dumps(body), status_code=status,
                    headers={"Content-Type": JSON})


def no_content() -> Response:
    return Response(body="", status_code=204)


def current_user():
    return auth.authenticate(app.current_request.headers.get("authorization"))


def optional_user():
    header = app.current_request.headers.get("authorization")
    return auth.authenticate(header) if header else None


def form_or_json() -> dict:
    request = app.current_request
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
    raw = request.raw_body or b""
    if content_type == JSON:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise errors.bad_request("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise errors.bad_request("The request body must be a JSON object.")
        return {k: v if isinstance(v, str) else str(v) for k, v in body.items()}
    return {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}


def json_body() -> dict:
    try:
        body = json.loads(app.current_request.raw_body or b"{}")
    except ValueError:
        raise errors.bad_request("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise errors.bad_request("The request body must be a JSON object.")
    return body


def int_param(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = (app.current_request.query_params or {}).get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.invalid_params({name: "Should be an integer."}, "query") from None
    if value < minimum or (maximum is not None and value > maximum):
        raise errors.invalid_params({name: f"Should be between {minimum} and {maximum}."},
                                    "query")
    return value


@route("/api/v1/config")
def config():
    return ok(peertube.server_config(settings()))


@route("/api/v1/oauth-clients/local")
def oauth_client():
    client = auth.ensure_oauth_client()
    return ok({"client_id": client.client_id, "client_secret": client.client_secret})


@route("/api/v1/users/token", methods=("POST",), content_types=[FORM, JSON])
def token():
    return ok(auth.grant(form_or_json()).as_json())


@route("/api/v1/users/revoke-token", methods=("POST",))
def revoke_token():
    current_user()
    auth.revoke(app.current_request.headers["authorization"].partition(" ")[2].strip())
    return ok({"success": True})


@route("/api/v1/users/me")
def me():
    user = current_user()
    return ok(peertube.user_me(user, accounts.channels_of(user.username), settings()))


@route("/api/v1/videos/privacies")
def privacies():
    return ok({str(k): v for k, v in videos.PRIVACY_LABELS.items()})


@route("/api/v1/videos")
def list_videos():
    start = int_param("start", 0)
    count = int_param("count", 15, maximum=100)
    total, page = videos.list_public(start, count)
    authors = peertube.Authors(page)
    return ok({"total": total,
               "data": [peertube.video(v, settings(), authors) for v in page]})


@route("/api/v1/videos/{ref}")
def get_video(ref: str):
    video = videos.get_visible(ref, optional_user())
    return ok(peertube.video_details(video, settings()))


@route("/api/v1/videos/upload", methods=("POST",), content_types=[MULTIPART])
def upload_form():
    user = current_user()
    request = app.current_request
    body = getattr(request.lambda_context, "body_stream", None) or io.BytesIO(
        request.raw_body or b"")
    video = uploads.receive_form_upload(aws.client("s3"), settings().uploads_bucket, user,
                                        request.headers.get("content-type"), body)
    return ok({"video": uploads.video_ids(video)})


@route("/api/v1/videos/upload-direct", methods=("POST",), content_types=[JSON])
def upload_direct_start():
    user = current_user()
    upload = uploads.start_direct_upload(aws.client("s3"), aws.browser_s3(),
                                         settings().uploads_bucket, user, json_body())
    return ok(upload.as_json())


@route("/api/v1/videos/upload-direct/{ref}/complete", methods=("POST",), content_types=[JSON])
def upload_direct_complete(ref: str):
    user = current_user()
    uploads.complete_direct_upload(aws.client("s3"), settings().uploads_bucket, user, ref,
                                   json_body())
    return no_content()
