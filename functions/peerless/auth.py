"""Passwords and OAuth 2 bearer tokens, as PeerTube's clients expect them, and who may log
in: users, not blocked, not guessing passwords too fast; sign-ups still waiting for a
moderator are told so.

Passwords are hashed with scrypt (a slow, memory-hard KDF). Tokens are random strings
handed to the client once; the table keeps only their SHA-256, so a leaked table
does not leak sessions. Each token is also listed under its user (`by_owner`), so all of
a user's sessions can be ended at once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from . import errors
from .models import Claim, Item, OAuthClient, Token, User, get_or_none, now

ACCESS_TOKEN_LIFETIME = 24 * 3600
REFRESH_TOKEN_LIFETIME = 14 * 24 * 3600
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}

# Login throttling: failed passwords per login name in one fixed window (seconds).
MAX_LOGIN_FAILURES = 10
LOGIN_FAILURE_WINDOW = 600

# PeerTube's UserRegistrationState.
REGISTRATION_PENDING, REGISTRATION_REJECTED, REGISTRATION_ACCEPTED = 1, 2, 3
REGISTRATION_STATE_LABELS = {REGISTRATION_PENDING: "Pending",
                             REGISTRATION_REJECTED: "Rejected",
                             REGISTRATION_ACCEPTED: "Accepted"}


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


class Registration(Item, discriminator="registration"):
    """A sign-up waiting for a moderator (PeerTube's user registration). It holds the
    credentials the user will have, so a login as it can say why it is refused; its names
    and email are claimed (owner `registration#<username>`) until it becomes a user or
    is deleted."""
    id = NumberAttribute()
    username = UnicodeAttribute()
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    display_name = UnicodeAttribute(null=True)
    channel_name = UnicodeAttribute(null=True)
    channel_display_name = UnicodeAttribute(null=True)
    reason = UnicodeAttribute()
    state = NumberAttribute(default=REGISTRATION_PENDING)
    moderation_response = UnicodeAttribute(null=True)
    user_id = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=now)
    updated_at = UTCDateTimeAttribute(default=now)

    @staticmethod
    def key(username: str) -> tuple[str, str]:
        return f"registration#{username.lower()}", "registration"

    @staticmethod
    def claim_owner(username: str) -> str:
        return f"registration#{username.lower()}"


class LoginFailures(Item, discriminator="login-failures"):
    """Failed passwords for one login name in one window; the table's TTL drops it."""
    value = NumberAttribute(default=0)
    expires_at = NumberAttribute()

    @staticmethod
    def key(login: str, window: int) -> tuple[str, str]:
        return f"login-failures#{login.lower()}", str(window)


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


def _sessions_of(username: str) -> str:
    return f"tokens-of#{username.lower()}"


def _issue(username: str) -> TokenPair:
    access, refresh = secrets.token_hex(20), secrets.token_hex(20)
    now_s = int(time.time())
    access_hash, refresh_hash = _digest(access), _digest(refresh)
    for token_hash, token_type, pair, lifetime in (
            (access_hash, "access", refresh_hash, ACCESS_TOKEN_LIFETIME),
            (refresh_hash, "refresh", access_hash, REFRESH_TOKEN_LIFETIME)):
        Token(*Token.key(token_hash), username=username, token_type=token_type, pair=pair,
              expires_at=now_s + lifetime, owner_pk=_sessions_of(username),
              owner_sk=token_hash).save()
    return TokenPair(access, refresh)


def _check_client(client_id: str | None, client_secret: str | None) -> None:
    client = ensure_oauth_client()
    if not (client_id and client_secret
            and hmac.compare_digest(client_id, client.client_id)
            and hmac.compare_digest(client_secret, client.client_secret)):
        raise errors.ApiError(400, "Invalid client: client is invalid", code="invalid_client")


def _account_for(login: str) -> User | Registration | None:
    """The user, or else the sign-up, that a username or an email address names."""
    name = login
    if "@" in login:
        claim = get_or_none(Claim, Claim.key("email", login))
        if claim is None:
            return None
        name = claim.owner
    prefix = Registration.claim_owner("")
    if name.startswith(prefix):
        return get_or_none(Registration, Registration.key(name.removeprefix(prefix)))
    return (get_or_none(User, User.key(name))
            or get_or_none(Registration, Registration.key(name)))


def _take_attempt(login: str) -> tuple[str, str]:
    """Counts a password attempt for `login` before it is checked, or refuses it with a 429
    once the window holds MAX_LOGIN_FAILURES: counting first, atomically, means parallel
    guesses cannot slip past the limit. Returns the counter's key, to give the attempt
    back when the password was right."""
    now_s = int(time.time())
    window, left = divmod(now_s, LOGIN_FAILURE_WINDOW)
    left = LOGIN_FAILURE_WINDOW - left
    key = LoginFailures.key(login, window)
    try:
        LoginFailures(*key).update(
            actions=[LoginFailures.value.add(1),
                     LoginFailures.expires_at.set(now_s + left + LOGIN_FAILURE_WINDOW)],
            condition=LoginFailures.value.does_not_exist()
            | (LoginFailures.value < MAX_LOGIN_FAILURES))
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise errors.ApiError(
            429, "Too many failed login attempts for this account. Retry later.",
            code="too_many_login_failures", headers={"Retry-After": str(left)}) from None
    return key


def _give_back(key: tuple[str, str]) -> None:
    LoginFailures(*key).update(actions=[LoginFailures.value.add(-1)])


def password_grant(form: dict[str, str]) -> TokenPair:
    """A login with a username or an email address, as PeerTube accepts either."""
    _check_client(form.get("client_id"), form.get("client_secret"))
    for name in ("username", "password"):
        if not form.get(name):
            raise errors.ApiError(400, f"Missing parameter: `{name}`", code="invalid_request")
    login, password = form["username"].strip(), form["password"]
    account = _account_for(login)
    # One counter per account whatever name reached it; unknown names count too.
    attempt = _take_attempt(account.username if account else login)
    # Hash even for an unknown user so the answer's timing does not reveal who exists.
    valid = check_password(password, account.password_hash if account else _DUMMY_HASH)
    if not (account and valid):
        raise errors.ApiError(400, "Invalid grant: user credentials are invalid",
                              code="invalid_grant")
    _give_back(attempt)
    if isinstance(account, Registration):
        if account.state == REGISTRATION_PENDING:
            raise errors.ApiError(400, "Your registration is waiting for a moderator.",
                                  code="account_waiting_for_approval")
        if account.state == REGISTRATION_REJECTED:
            raise errors.ApiError(400, "Your registration was rejected.",
                                  code="account_approval_rejected")
        # Accepted, and the user made from it deleted since.
        raise errors.ApiError(400, "Invalid grant: user credentials are invalid",
                              code="invalid_grant")
    if account.blocked:
        raise errors.ApiError(400, "User is blocked.", code="access_denied")
    return _issue(account.username)


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


def revoke_all(username: str, *, keep: str | None = None) -> None:
    """Ends every session of `username`, except the one of the access token `keep`."""
    current = _live_token(keep, "access") if keep else None
    kept = {_digest(keep), current.pair} if current else set()
    for token in Token.by_owner.query(_sessions_of(username)):
        if token.owner_sk not in kept:
            token.delete()


def _live_token(token: str, token_type: str) -> Token | None:
    if not token:
        return None
    stored = get_or_none(Token, Token.key(_digest(token)))
    if stored is None:
        return None
    # DynamoDB's TTL deletes expired items eventually, not at once: check the time too.
    if stored.token_type != token_type or stored.expires_at <= time.time():
        return None
    return stored


def _delete_pair(stored: Token) -> None:
    stored.delete()
    Token(*Token.key(stored.pair)).delete()


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer` header, or a 401/400 as PeerTube answers."""
    if not authorization:
        raise errors.unauthorized("unauthorized_request")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.ApiError(400, "Invalid request: malformed authorization header",
                              code="invalid_request")
    return token.strip()


def authenticate(authorization: str | None) -> User:
    """The user a request's `Authorization: Bearer` header names, or a 401."""
    stored = _live_token(bearer_token(authorization), "access")
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
