"""What every route of the api function shares: reading the request, answering in
PeerTube's shapes, and turning the domain's ApiErrors into problem documents."""
from __future__ import annotations

import functools
import io
import json
from typing import Any, BinaryIO
from urllib.parse import parse_qs, unquote

import jsonschema
from chalice import Blueprint, Response

from peerless import auth, errors
from peerless.forms import Form, read_form
from peerless.models import User

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
OCTETS = "application/octet-stream"
ANY_BODY = [JSON, FORM, MULTIPART, OCTETS, "text/plain"]
_TRUE, _FALSE = ("true", "1"), ("false", "0")


class Call:
    """One request, as a route handler reads it."""

    def __init__(self, request):
        self.request = request
        self._user: User | None | bool = False

    @property
    def headers(self):
        return self.request.headers

    @property
    def path(self) -> str:
        return self.request.context.get("path", "")

    # --- who asks -----------------------------------------------------------------------

    def user(self) -> User:
        """The authenticated user, or a 401."""
        if self._user is False or self._user is None:
            self._user = auth.authenticate(self.headers.get("authorization"))
        return self._user

    def optional_user(self) -> User | None:
        """The user if a token was sent (a bad token is still a 401), else None."""
        if self._user is False:
            header = self.headers.get("authorization")
            self._user = auth.authenticate(header) if header else None
        return self._user

    # --- the body ----------------------------------------------------------------------

    def raw(self) -> bytes:
        return self.request.raw_body or b""

    def stream(self) -> BinaryIO:
        """The body as a stream: the local front streams big uploads through the Lambda
        context; on AWS the body is in the event, bounded by API Gateway's limit."""
        stream = getattr(self.request.lambda_context, "body_stream", None)
        return stream if stream is not None else io.BytesIO(self.raw())

    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()

    def json(self) -> dict[str, Any]:
        try:
            body = json.loads(self.raw() or b"{}")
        except ValueError:
            raise errors.bad_request("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise errors.bad_request("The request body must be a JSON object.")
        return body

    def multipart(self, max_file_size: int = 8 * 1024 * 1024) -> Form:
        """A small multipart body (an image, a caption, a video's new attributes): fields
        in `.fields`, files in `.files` as `FormFile(filename, content_type, data)`."""
        return read_form(self.headers.get("content-type"), self.stream(),
                         max_file_size=max_file_size)

    def form(self) -> dict[str, Any]:
        """A JSON object or a urlencoded form, as PeerTube's clients send either."""
        if self.content_type() == JSON:
            return self.json()
        fields = parse_qs(self.raw().decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v if k.endswith("[]") else v[-1] for k, v in fields.items()}

    # --- the query ---------------------------------------------------------------------

    def _query(self):
        return self.request.query_params or {}

    def query_values(self, name: str) -> list[str]:
        """Every value of `name` and `name[]`, as PeerTube's clients repeat arrays."""
        params = self._query()
        values: list[str] = []
        for key in (name, name + "[]"):
            if params and key in params:
                values += params.getlist(key)
        return values

    def query_str(self, name: str, default: str | None = None) -> str | None:
        values = self.query_values(name)
        return values[-1] if values else default

    def query_int(self, name: str, default: int | None, *, minimum: int = 0,
                  maximum: int | None = None) -> int | None:
        raw = self.query_str(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise errors.invalid_params({name: "Should be an integer."}, "query") from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else \
                f"at least {minimum}"
            raise errors.invalid_params({name: f"Should be {bound}."}, "query")
        return value

    def query_bool(self, name: str, default: bool | None = None) -> bool | None:
        raw = self.query_str(name)
        if raw is None or raw == "":
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise errors.invalid_params({name: "Should be a boolean."}, "query")

    def query_ints(self, name: str) -> list[int]:
        try:
            return [int(v) for v in self.query_values(name)]
        except ValueError:
            raise errors.invalid_params({name: "Should be integers."}, "query") from None


def path_id(value: str, name: str) -> int:
    """A numeric id from the path (a comment's, a playlist element's)."""
    if not value.isdigit() or int(value) < 1:
        raise errors.invalid_params({name: "Invalid value"}, "params")
    return int(value)


def sort_param(call: Call, allowed: tuple[str, ...], default: str = "-createdAt") -> str:
    """PeerTube's `sort`: one of `allowed`, `-` first for descending."""
    sort = call.query_str("sort") or default
    if sort.lstrip("-") not in allowed:
        raise errors.invalid_params({"sort": f"Should have a sort among {', '.join(allowed)}"},
                                    "query")
    return sort


def page_bounds(call: Call) -> tuple[int, int]:
    """PeerTube's `start` and `count` (at most 100; 0 means the default, 15)."""
    return call.query_int("start", 0), call.query_int("count", 15, maximum=100) or 15


def validate(data: Any, schema: dict, location: str = "body") -> None:
    """A 400 naming every field of `data` that `schema` refuses."""
    problems: dict[str, str] = {}
    for error in jsonschema.Draft7Validator(schema).iter_errors(data):
        if error.path:
            field = str(error.path[0])
        elif error.validator == "required":
            field = error.message.split("'")[1]
        elif error.validator == "additionalProperties":
            field = error.message.split("'")[1]
        else:
            field = "body"
        problems.setdefault(field, error.message)
    if problems:
        raise errors.invalid_params(problems, location)


def route(bp: Blueprint, path: str, methods: tuple[str, ...] = ("GET",),
          content_types: list[str] = ANY_BODY):
    """Registers `view(call, **path_params)` on the blueprint; ApiErrors become PeerTube's
    problem documents."""
    def decorator(view):
        @functools.wraps(view)
        def handler(**params):
            call = Call(bp.current_request)
            # A handle's `@` and `:` arrive percent-encoded from clients that encode path
            # segments; no name, handle or id of ours contains a `%` of its own.
            params = {name: unquote(value) for name, value in params.items()}
            try:
                return view(call, **params)
            except errors.ApiError as error:
                return problem(error, call.path)
        bp.route(path, methods=list(methods), content_types=content_types)(handler)
        return view
    return decorator


def problem(error: errors.ApiError, instance: str | None = None) -> Response:
    return Response(body=json.dumps(error.problem(instance)), status_code=error.status,
                    headers={"Content-Type": "application/problem+json", **error.headers})


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=json.dumps(body), status_code=status,
                    headers={"Content-Type": JSON, **(headers or {})})


def no_content(headers: dict[str, str] | None = None) -> Response:
    return Response(body="", status_code=204, headers=headers or {})


def page(total: int, data: list) -> Response:
    return ok({"total": total, "data": data})
