"""Errors a client can act on, in PeerTube's shape (an RFC 7807 problem document with
PeerTube's `error` and `code` extensions)."""
from __future__ import annotations

from http import HTTPStatus
from typing import Any


_ERRORS_DOC = "https://docs.joinpeertube.org/api-rest-reference.html#section/Errors/"


class ApiError(Exception):
    """A request that cannot be served as asked. Raised by the domain, shaped by the API."""

    def __init__(self, status: int, message: str, *, code: str | None = None,
                 data: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.data = data or {}
        self.headers = headers or {}

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(self.status).phrase}
        if self.code:  # as PeerTube: a typed problem has no title
            body = {"type": _ERRORS_DOC + self.code}
        body["detail"] = self.message
        if instance:
            body["instance"] = instance
        body.update(status=self.status, **self.data)
        if self.code:
            body["code"] = self.code
        # PeerTube <= 5 sent the message as `error`; clients of that age still read it.
        body["error"] = self.message
        return body


def bad_request(message: str, *, code: str | None = None, **data: Any) -> ApiError:
    return ApiError(400, message, code=code, data=data)


def invalid_params(errors: dict[str, str], location: str = "body") -> ApiError:
    """A 400 naming every invalid field, as PeerTube's validators answer. `location` is
    where the fields were: body, query or params."""
    return ApiError(
        400, "Incorrect request parameters: " + ", ".join(errors),
        data={"invalid-params": {
            field: {"type": "field", "msg": msg, "path": field, "location": location}
            for field, msg in errors.items()}})


def unauthorized(code: str = "invalid_token") -> ApiError:
    """PeerTube's answer to a missing (`unauthorized_request`) or bad token."""
    return ApiError(401, "Token is invalid", code=code,
                    headers={"WWW-Authenticate": f'Bearer realm="Service", error="{code}"'})


def forbidden(message: str) -> ApiError:
    return ApiError(403, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)
