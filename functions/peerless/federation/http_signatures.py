"""draft-cavage HTTP Signatures, as Mastodon and PeerTube sign and check them.

Signing follows Mastodon byte for byte (`keyId="...",algorithm="rsa-sha256",headers="...",
signature="..."`, RSASSA-PKCS1-v1_5 over SHA-256). Verification follows PeerTube's inbox
(`server/core/helpers/peertube-crypto.ts`, `server/core/middlewares/activitypub.ts`):
`(request-target)` and `host` always signed, `date` or `(created)` signed, `digest` signed on
POST and matching the raw body, and the request no older than `CLOCK_SKEW_SECONDS`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

# PeerTube's HTTP_SIGNATURE.CLOCK_SKEW_SECONDS (server/core/initializers/constants.ts): how old
# a signed request may be.
CLOCK_SKEW_SECONDS = 1800
# PeerTube lets a Date be only 100 ms ahead of its clock (the default `forward` of
# @misskey-dev/node-http-message-signatures) and a `(created)` 2 s ahead. A Date has whole
# seconds and senders' clocks drift, so we allow 2 s for both: a request dated a little ahead
# is not a replay risk, and refusing it would lose activities from a slightly fast server.
MAX_FUTURE_SECONDS = 2

ALGORITHMS = ("rsa-sha256", "hs2019")
# What PeerTube itself signs (HTTP_SIGNATURE.HEADERS_TO_SIGN_WITH(OUT)_PAYLOAD).
DEFAULT_HEADERS_WITH_BODY = ("(request-target)", "host", "date", "digest")
DEFAULT_HEADERS_WITHOUT_BODY = ("(request-target)", "host", "date")

_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*'
                    r'(?:"((?:[^"\\]|\\.)*)"|([0-9]+(?:\.[0-9]+)?))\s*')
_ESCAPE = re.compile(r"\\(.)")
_TIMESTAMP = re.compile(r"[0-9]+(?:\.[0-9]+)?")


class SignatureError(Exception):
    """A signature that cannot be accepted. `reason` is one of: `malformed`,
    `unsupported_algorithm`, `missing_header`, `clock`, `digest`, `host`, `unknown_key`,
    `bad_signature`. Only `bad_signature` may mean the sender rotated its key: a caller
    refetches the key once on that reason alone."""

    def __init__(self, reason: str, message: str):
        super().__init__(f"{reason}: {message}")
        self.reason = reason


@dataclass(frozen=True)
class SignatureParams:
    """The parameters of a draft-cavage Signature header."""
    key_id: str
    algorithm: str
    headers: tuple[str, ...]
    signature: bytes
    created: str | None = None
    expires: str | None = None


def parse_signature_header(value: str) -> SignatureParams:
    """Parse a Signature header (a leading `Signature ` scheme is tolerated, as PeerTube does
    for http-signature < 1.3). Raises SignatureError("malformed") on anything else than
    comma-separated `name="value"` pairs (or bare numbers for created and expires) carrying
    keyId, headers and a base64 signature. A missing algorithm means hs2019, as in the draft."""
    if not isinstance(value, str):
        raise SignatureError("malformed", "the Signature header is not text")
    text = value.strip()
    if text[:10].lower() == "signature ":
        text = text[10:]
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if not match:
            raise SignatureError("malformed", f"unparsable Signature header at offset {pos}")
        name = match.group(1)
        if name in params:
            raise SignatureError("malformed", f"parameter {name} given twice")
        quoted, number = match.group(2), match.group(3)
        params[name] = _ESCAPE.sub(r"\1", quoted) if quoted is not None else number
        pos = match.end()
        if pos < len(text):
            if text[pos] != ",":
                raise SignatureError("malformed", f"expected a comma at offset {pos}")
            pos += 1
            if pos == len(text):
                raise SignatureError("malformed", "trailing comma")
    for name in ("keyId", "headers", "signature"):
        if not params.get(name):
            raise SignatureError("malformed", f"missing {name}")
    headers = tuple(params["headers"].lower().split())
    if not headers:
        raise SignatureError("malformed", "empty headers list")
    for name in ("created", "expires"):
        if name in params and not _TIMESTAMP.fullmatch(params[name]):
            raise SignatureError("malformed", f"{name} is not a timestamp")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError:  # binascii.Error, or non-ASCII text
        raise SignatureError("malformed", "signature is not base64") from None
    return SignatureParams(key_id=params["keyId"],
                           algorithm=params.get("algorithm", "hs2019").lower(),
                           headers=headers, signature=signature,
                           created=params.get("created"), expires=params.get("expires"))


def digest_header(body: bytes | str) -> str:
    """The RFC 3230 Digest header of a body, as Mastodon and PeerTube send it."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(_bytes(body)).digest()).decode()


def sign(method: str, url_or_path: str, headers: Mapping[str, str], key_id: str,
         private_key, body: bytes | str | None = None,
         headers_to_sign: Iterable[str] | None = None, *, algorithm: str = "rsa-sha256",
         now: float | None = None, expires_in: int | None = None) -> dict[str, str]:
    """Sign a request and return the headers to add to it: `Signature`, `Digest` when there
    is a body (always computed from it), and `Host` and `Date` when `headers` lacks them
    (`Host` needs an absolute URL then). `private_key` is a cryptography RSA or Ed25519
    private key or its PEM. By default signs what PeerTube signs, plus `content-type` when
    present (as Mastodon does); `(created)` and `(expires)` are for hs2019 only, as the draft
    says, and `(expires)` needs `expires_in` seconds."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unsupported algorithm {algorithm!r}")
    key = _private_key(private_key)
    if algorithm == "rsa-sha256" and not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("rsa-sha256 needs an RSA key")
    clock = time.time() if now is None else now
    target = urlsplit(url_or_path)
    path = (target.path or "/") + (f"?{target.query}" if target.query else "")
    given = _header_map(headers)
    added: dict[str, str] = {}
    if "host" not in given:
        if not target.hostname:
            raise ValueError("no Host header and no absolute URL to take it from")
        added["Host"] = _host(target)
    if "date" not in given:
        added["Date"] = formatdate(clock, usegmt=True)
    if body is not None:
        added["Digest"] = digest_header(body)
    merged = {**given, **{name.lower(): value for name, value in added.items()}}
    if headers_to_sign is None:
        names = DEFAULT_HEADERS_WITH_BODY if body is not None else DEFAULT_HEADERS_WITHOUT_BODY
        if "content-type" in merged:
            names += ("content-type",)
    else:
        names = tuple(name.lower() for name in headers_to_sign)
    created = expires = None
    if "(created)" in names or "(expires)" in names:
        if algorithm != "hs2019":
            raise ValueError("(created) and (expires) are only allowed with hs2019")
        created = str(int(clock))
        if "(expires)" in names:
            if expires_in is None:
                raise ValueError("(expires) is signed but expires_in is not given")
            expires = str(int(clock) + expires_in)
    params = SignatureParams(key_id=key_id, algorithm=algorithm, headers=names,
                             signature=b"", created=created, expires=expires)
    message = _signing_string(method, path, merged, params).encode()
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        signature = key.sign(message)
    else:
        raise ValueError("only RSA and Ed25519 keys can sign")
    fields = [f'keyId="{key_id}"', f'algorithm="{algorithm}"']
    if created is not None:
        fields.append(f"created={created}")
    if expires is not None:
        fields.append(f"expires={expires}")
    fields += [f'headers="{" ".join(names)}"',
               f'signature="{base64.b64encode(signature).decode()}"']
    added["Signature"] = ",".join(fields)
    return added


def verify(method: str, path_with_query: str, headers, body: bytes | str | None,
           public_key_lookup: Callable[[str], object], now: float | None = None,
           max_skew: float = CLOCK_SKEW_SECONDS,
           max_future: float = MAX_FUTURE_SECONDS, expected_host: str | None = None) -> str:
    """Check a received request's signature and return the keyId that signed it.

    `headers` is a mapping or a list of (name, value) pairs, in any case; repeated headers
    are joined with ", " as the draft says. `body` is the raw body as received. The
    request must sign `(request-target)`, `host`, `date` or `(created)`, and for POST
    `digest` (or RFC 9530 `content-digest`), which must match the body. Its Date (and
    `(created)`) must be at most `max_skew` seconds old and `max_future` ahead of `now`;
    `(expires)` must not have passed. With `expected_host`, the signed Host must be it, so a
    request signed for another server cannot be replayed here.

    `public_key_lookup(key_id)` returns the key (a cryptography public key or PEM) or None
    when unknown; it is called only once every other check has passed, so a forged request
    costs no key fetch, and its own exceptions pass through untouched. Raises
    SignatureError."""
    header_map = _header_map(headers, strict=True)
    raw = header_map.get("signature")
    if raw is None:
        authorization = header_map.get("authorization", "")
        if authorization[:10].lower() != "signature ":
            raise SignatureError("missing_header", "no Signature header")
        raw = authorization
    params = parse_signature_header(raw)
    if params.algorithm not in ALGORITHMS:
        raise SignatureError("unsupported_algorithm", f"algorithm {params.algorithm!r}")
    signed = set(params.headers)
    if params.algorithm != "hs2019" and signed & {"(created)", "(expires)"}:
        raise SignatureError("malformed",
                             f"(created) and (expires) need hs2019, not {params.algorithm}")
    required = ["(request-target)", "host"]
    if method.upper() == "POST" and not signed & {"digest", "content-digest"}:
        required.append("digest")
    missing = [name for name in required if name not in signed]
    if not signed & {"date", "(created)"}:
        missing.append("date")
    if missing:
        raise SignatureError("missing_header", f"{' and '.join(missing)} must be signed")

    if expected_host is not None and header_map.get("host", "").lower() != expected_host.lower():
        raise SignatureError("host",
                             f"signed for {header_map.get('host')!r}, not {expected_host!r}")
    clock = time.time() if now is None else now
    if "date" in signed:
        _check_time("Date", _http_date(header_map.get("date")), clock, max_skew, max_future)
    if "(created)" in signed:
        if params.created is None:
            raise SignatureError("malformed", "(created) is signed but created is missing")
        _check_time("(created)", float(params.created), clock, max_skew, max_future)
    if "(expires)" in signed:
        if params.expires is None:
            raise SignatureError("malformed", "(expires) is signed but expires is missing")
        if float(params.expires) < clock - max_future:
            raise SignatureError("clock", "the signature has expired")

    raw_body = _bytes(body or b"")
    if "digest" in signed:
        _check_digest(_digest_entries(header_map.get("digest")), raw_body, "Digest")
    if "content-digest" in signed:
        _check_digest(_content_digest_entries(header_map.get("content-digest")), raw_body,
                      "Content-Digest")

    message = _signing_string(method, path_with_query, header_map, params).encode()
    found = public_key_lookup(params.key_id)
    if found is None:
        raise SignatureError("unknown_key", f"no key {params.key_id}")
    key = _public_key(found)
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(params.signature, message, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PublicKey) and params.algorithm == "hs2019":
            key.verify(params.signature, message)
        else:
            raise SignatureError("unsupported_algorithm",
                                 f"{params.algorithm} with a {type(key).__name__}")
    except InvalidSignature:
        raise SignatureError("bad_signature",
                             f"signature does not verify for {params.key_id}") from None
    return params.key_id


def _signing_string(method: str, path: str, header_map: Mapping[str, str],
                    params: SignatureParams) -> str:
    lines = []
    for name in params.headers:
        if name == "(request-target)":
            value = f"{method.lower()} {path}"
        elif name == "(created)":
            value = params.created
        elif name == "(expires)":
            value = params.expires
        else:
            value = header_map.get(name)
        if value is None:
            raise SignatureError("missing_header", f"{name} is signed but absent")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def _header_map(headers, strict: bool = False) -> dict[str, str]:
    # On the verifying side anything odd in the headers must be a SignatureError, never a
    # TypeError that an inbox would turn into a 500.
    try:
        pairs = headers.items() if isinstance(headers, Mapping) else iter(headers)
        out: dict[str, str] = {}
        for name, value in pairs:
            values = [value] if isinstance(value, str) else list(value)
            if not isinstance(name, str) or not all(isinstance(v, str) for v in values):
                raise TypeError("header names and values must be text")
            joined = ", ".join(v.strip() for v in values)
            key = name.strip().lower()
            out[key] = f"{out[key]}, {joined}" if key in out else joined
        return out
    except (TypeError, ValueError) as error:
        if not strict:
            raise
        raise SignatureError("malformed", f"unreadable headers ({error})") from None


def _http_date(value: str | None) -> float:
    if not value:
        raise SignatureError("missing_header", "date is signed but absent")
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise SignatureError("malformed", f"unparsable Date {value!r}") from None
    if parsed.tzinfo is None:
        raise SignatureError("malformed", f"Date without a time zone {value!r}")
    return parsed.timestamp()


def _check_time(what: str, stamp: float, clock: float, max_skew: float, max_future: float):
    if stamp < clock - max_skew:
        raise SignatureError("clock",
                             f"{what} is {clock - stamp:.0f} s old, more than {max_skew:g} s")
    if stamp > clock + max_future:
        raise SignatureError("clock", f"{what} is {stamp - clock:.0f} s in the future")


def _digest_entries(value: str | None) -> list[tuple[str, str]]:
    # RFC 3230: `SHA-256=<base64>[, SHA-512=<base64>]`.
    if not value:
        raise SignatureError("missing_header", "digest is signed but absent")
    entries = []
    for part in value.split(","):
        name, equals, encoded = part.strip().partition("=")
        if not equals:
            raise SignatureError("malformed", f"unparsable Digest {value!r}")
        entries.append((name.lower(), encoded))
    return entries


def _content_digest_entries(value: str | None) -> list[tuple[str, str]]:
    # RFC 9530, a structured-field dictionary: `sha-256=:<base64>:[, sha-512=:<base64>:]`.
    if not value:
        raise SignatureError("missing_header", "content-digest is signed but absent")
    entries = []
    for part in value.split(","):
        name, equals, item = part.strip().partition("=")
        item = item.split(";", 1)[0].strip()
        if not equals or len(item) < 2 or item[0] != ":" or item[-1] != ":":
            raise SignatureError("malformed", f"unparsable Content-Digest {value!r}")
        entries.append((name.lower(), item[1:-1]))
    return entries


def _check_digest(entries: list[tuple[str, str]], body: bytes, header: str):
    # Unknown algorithms are skipped, as RFC 3230 allows, but one we know must be there and
    # every one we know must match.
    known = [(name, encoded) for name, encoded in entries if name in _DIGESTS]
    if not known:
        raise SignatureError("digest", f"{header} has no SHA-256 or SHA-512 value")
    for name, encoded in known:
        try:
            expected = base64.b64decode(encoded, validate=True)
        except ValueError:  # binascii.Error, or non-ASCII text
            raise SignatureError("malformed", f"{header} {name} is not base64") from None
        if not hmac.compare_digest(expected, _DIGESTS[name](body).digest()):
            raise SignatureError("digest", f"{header} {name} does not match the body")


def _bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else bytes(body)


def _host(target) -> str:
    default = {"http": 80, "https": 443}.get(target.scheme)
    return target.hostname if target.port in (None, default) else f"{target.hostname}:{target.port}"


def _private_key(key):
    if isinstance(key, (str, bytes)):
        return _load_private_pem(key.encode() if isinstance(key, str) else key)
    return key


def _public_key(key):
    if isinstance(key, (str, bytes)):
        try:
            return _load_public_pem(key.encode() if isinstance(key, str) else key)
        except (ValueError, TypeError):
            raise SignatureError("unknown_key", "the actor's public key is not a PEM key") from None
    return key


# Parsing a PEM costs more than checking an RSA signature: an inbox sees the same few keys
# again and again.
@lru_cache(maxsize=1024)
def _load_public_pem(pem: bytes):
    return serialization.load_pem_public_key(pem)


@lru_cache(maxsize=64)
def _load_private_pem(pem: bytes):
    return serialization.load_pem_private_key(pem, password=None)
