"""Passwords and OAuth 2 bearer tokens, as PeerTube's clients expect them.

Passwords are hashed with scrypt (a slow, memory-hard KDF). Tokens are random strings
handed to the client once; the table keeps only their SHA-256, so a leaked table
does not leak sessions.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, PutError

from . import errors
from .models import OAuthClient, Token, User

ACCESS_TOKEN_LIFETIME = 24 * 3600
REFRESH_TOKEN_LIFETIME = 14 * 24 * 3600
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return "scrypt$" + "$".join(
        base64.b64encode(part).decode() for part in (salt, digest))


def check_password(password: str, stored: str) -> bool:
    scheme, salt, digest = stored.split("$")
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), dklen=32,
                               **_SCRYPT)
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def ensure_oauth_client() -> OAuthClient:
    """The instance's OAuth client, made on first use and the same ever after."""
    try:
        return OAuthClient.get(*OAuthClient.KEY)
    except DoesNotExist:
        client = OAuthClient(*OAuthClient.KEY, client_id=secrets.token_hex(16),
                             client_secret=secrets.token_hex(16))
        try:
            client.save(condition=OAuthClient.pk.does_not_exist())
            return client
        except PutError:  # another process made it first: theirs is the one
            return OAuthClient.get(*OAuthClient.KEY)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str

    def as_json(self) -> dict:
        return {
            "token_type": "Bearer",
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "refresh_token_expires_in": REFRESH_TOKEN_LIFETIME,
        }


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(username: str) -> TokenPair:
    access, refresh = secrets.token_hex(20), secrets.token_hex(20)
    now = int(time.time())
    access_hash, refresh_hash = _digest(access), _digest(refresh)
    Token(*Token.key(access_hash), username=username, token_type="access",
          pair=refresh_hash, expires_at=now + ACCESS_TOKEN_LIFETIME).save()
    Token(*Token.key(refresh_hash), username=username, token_type="refresh",
          pair=access_hash, expires_at=now + REFRESH_TOKEN_LIFETIME).save()
    return TokenPair(access, refresh)


def _check_client(client_id: str | None, client_secret: str | None) -> None:
    client = ensure_oauth_client()
    if not (client_id and client_secret
            and hmac.compare_digest(client_id, client.client_id)
            and hmac.compare_digest(client_secret, client.client_secret)):
        raise errors.ApiError(400, "Invalid client: client is invalid", code="invalid_client")


def password_grant(form: dict[str, str]) -> TokenPair:
    _check_client(form.get("client_id"), form.get("client_secret"))
    username, password = form.get("username") or "", form.get("password") or ""
    try:
        user = User.get(*User.key(username))
    except DoesNotExist:
        user = None
    # Hash even for an unknown user so the answer's timing does not reveal who exists.
    valid = check_password(password, user.password_hash if user else _DUMMY_HASH)
    if not (user and valid):
        raise errors.ApiError(400, "Invalid grant: user credentials are invalid",
                              code="invalid_grant")
    if user.blocked:
        raise errors.ApiError(400, "User is blocked.", code="access_denied")
    return _issue(user.username)


def refresh_grant(form: dict[str, str]) -> TokenPair:
    _check_client(form.get("client_id"), form.get("client_secret"))
    stored = _live_token(form.get("refresh_token") or "", "refresh")
    if stored is None:
        raise errors.ApiError(400, "Invalid grant: refresh token is invalid",
                              code="invalid_grant")
    # A refresh token is good once: the old pair goes when the new one is made.
    _delete_pair(stored)
    return _issue(stored.username)


def grant(form: dict[str, str]) -> TokenPair:
    grant_type = form.get("grant_type")
    if grant_type == "password":
        return password_grant(form)
    if grant_type == "refresh_token":
        return refresh_grant(form)
    raise errors.ApiError(400, "Unsupported grant type: grant_type is invalid",
                          code="unsupported_grant_type")


def revoke(access_token: str) -> None:
    stored = _live_token(access_token, "access")
    if stored is not None:
        _delete_pair(stored)


def _live_token(token: str, token_type: str) -> Token | None:
    if not token:
        return None
    try:
        stored = Token.get(*Token.key(_digest(token)))
    except DoesNotExist:
        return None
    # DynamoDB's TTL deletes expired items eventually, not at once: check the time too.
    if stored.token_type != token_type or stored.expires_at <= time.time():
        return None
    return stored


def _delete_pair(stored: Token) -> None:
    stored.delete()
    Token(*Token.key(stored.pair)).delete()


def authenticate(authorization: str | None) -> User:
    """The user a request's `Authorization: Bearer` header names, or a 401."""
    if not authorization:
        raise errors.unauthorized("unauthorized_request")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.ApiError(400, "Invalid request: malformed authorization header",
                              code="invalid_request")
    stored = _live_token(token.strip(), "access")
    if stored is None:
        raise errors.unauthorized()
    try:
        user = User.get(*User.key(stored.username))
    except DoesNotExist:
        raise errors.unauthorized() from None
    if user.blocked:
        raise errors.unauthorized()
    return user


_DUMMY_HASH = hash_password(secrets.token_hex(8))
