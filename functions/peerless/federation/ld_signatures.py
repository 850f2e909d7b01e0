"""RsaSignature2017 (Linked Data Signatures 1.0), as Mastodon signs and PeerTube checks it.

Both sides hash two URDNA2015 canonicalisations: the signature options (every signature
field but type, id and signatureValue, under the identity/v1 context) and the document
without its signature; the RSA-SHA256 signature covers the concatenated hex digests.
Canonicalisation loads JSON-LD contexts from the copies shipped in `jsonld_contexts/` and
refuses every other URL: a signature check never touches the network.

What the signature covers is RDF, not JSON. A property that no context maps is dropped from
the canonical form, so it is unsigned: callers read only the terms they know. And a document
can rename terms in its own inline context (`content` meaning as:url and `url` as:content,
values swapped) and keep a valid signature while its JSON now says something else. PeerTube
answers that by using the body compacted against its own context. `verify_ld` instead refuses
a document whose ActivityStreams terms do not mean what the ActivityStreams context says:
canonicalised again with that context applied last (it wins over any redefinition), it must
give the same N-Quads. No sender redefines them; Mastodon's and PeerTube's inline contexts only
add terms. So a caller may read the AS terms of a verified document as sent.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import json
import time
from functools import lru_cache
from importlib import resources

# cachetools comes with PyLD, which uses it for this very cache.
from cachetools import LRUCache
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyld import ContextResolver, jsonld

from .http_signatures import SignatureError, _private_key, _public_key

SIGNATURE_TYPE = "RsaSignature2017"
IDENTITY_CONTEXT = "https://w3id.org/identity/v1"
ACTIVITYSTREAMS = "https://www.w3.org/ns/activitystreams"

# The identity/v1 context defines creator, created, nonce and domain exactly as security/v1
# does, which is all the options document uses: one file serves both.
CONTEXT_FILES = {
    ACTIVITYSTREAMS: "activitystreams.json",
    "https://w3id.org/security/v1": "security-v1.json",
    IDENTITY_CONTEXT: "security-v1.json",
}

# PyLD keeps contexts it has processed here, keyed by URL for the files above and by content
# for inline contexts; bounded because inline contexts come from remote documents.
_RESOLVED = LRUCache(maxsize=256)


def verify_ld(document: dict, public_key) -> str:
    """Check the RsaSignature2017 of `document` with `public_key` (a cryptography RSA public
    key or its PEM) and return the signature's creator (a key id). Raises SignatureError:
    `malformed` without a usable signature object, `unsupported_algorithm` for another
    signature type or key, `malformed` too when canonicalising fails (a context other than
    the local copies, invalid JSON-LD) or when it redefines ActivityStreams terms,
    `bad_signature` when it does not verify."""
    signature = document.get("signature") if isinstance(document, dict) else None
    if not isinstance(signature, dict):
        raise SignatureError("malformed", "no signature object")
    if signature.get("type") != SIGNATURE_TYPE:
        raise SignatureError("unsupported_algorithm", f"signature type {signature.get('type')!r}")
    creator, value = signature.get("creator"), signature.get("signatureValue")
    if not isinstance(creator, str) or not isinstance(value, str):
        raise SignatureError("malformed", "signature without creator or signatureValue")
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error, or non-ASCII text
        raise SignatureError("malformed", "signatureValue is not base64") from None
    key = _public_key(public_key)
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("unsupported_algorithm", f"{SIGNATURE_TYPE} needs an RSA key")
    body = _without_signature(document)
    quads = canonicalize(body)
    try:
        key.verify(raw, _to_be_signed(quads, signature), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureError("bad_signature",
                             f"{SIGNATURE_TYPE} by {creator} does not verify") from None
    # Checked once the signature holds: only a genuinely signed document pays for it.
    if canonicalize(_activitystreams_last(body)) != quads:
        raise SignatureError("malformed", "the document redefines ActivityStreams terms: "
                                          "its JSON does not say what is signed")
    return creator


def sign_ld(document: dict, private_key, creator: str, created: str | None = None) -> dict:
    """Return a copy of `document` with the RsaSignature2017 that Mastodon would give it:
    `{type, creator, created, signatureValue}`, `created` being now in whole seconds UTC
    unless given. `private_key` is a cryptography RSA private key or its PEM."""
    key = _private_key(private_key)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{SIGNATURE_TYPE} needs an RSA key")
    options = {"type": SIGNATURE_TYPE, "creator": creator,
               "created": created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    signed = _without_signature(document)
    value = key.sign(_to_be_signed(canonicalize(signed), options), padding.PKCS1v15(),
                     hashes.SHA256())
    signed["signature"] = {**options, "signatureValue": base64.b64encode(value).decode()}
    return signed


def canonicalize(document: dict) -> str:
    """The URDNA2015 N-Quads of a JSON-LD document, with contexts from the local copies only.
    Raises SignatureError when the document cannot be canonicalised."""
    try:
        return jsonld.normalize(document, {
            "algorithm": "URDNA2015", "format": "application/n-quads",
            "documentLoader": _load_context,
            "contextResolver": ContextResolver(_RESOLVED, _load_context)})
    # PyLD reports bad input with JsonLdError but also with ValueError, TypeError... from deep
    # inside; on remote input any failure means the document cannot be checked.
    except Exception as error:
        raise SignatureError("malformed",
                             f"cannot canonicalise the document: {_root(error)}") from None


def _to_be_signed(body_quads: str, signature: dict) -> bytes:
    options = {name: item for name, item in signature.items()
               if name not in ("type", "id", "signatureValue")}
    options["@context"] = IDENTITY_CONTEXT
    return (_sha256_hex(canonicalize(options)) + _sha256_hex(body_quads)).encode()


def _without_signature(document: dict) -> dict:
    return {name: item for name, item in document.items() if name != "signature"}


def _activitystreams_last(node, top: bool = True):
    # Every @context, nested ones included, gets the ActivityStreams context appended, so
    # that its definitions override whatever the document said before. security/v1 is not
    # pinned the same way: PeerTube's own context redefines its `expires` (as sc:expires).
    if isinstance(node, list):
        return [_activitystreams_last(item, top=False) for item in node]
    if not isinstance(node, dict):
        return node
    pinned = {name: _activitystreams_last(item, top=False)
              for name, item in node.items() if name != "@context"}
    if top or "@context" in node:
        own = node.get("@context")
        pinned["@context"] = [*(own if isinstance(own, list) else [own]), ACTIVITYSTREAMS]
    return pinned


def _sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _load_context(url: str, options=None) -> dict:
    name = CONTEXT_FILES.get(url.rstrip("#"))
    if name is None:
        raise ValueError(f"context {url} is not one of the local copies")
    # PyLD may rewrite a context it is given in place: hand out a copy of the cached parse.
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": copy.deepcopy(_context_file(name)), "tag": "static"}


@lru_cache(maxsize=None)
def _context_file(name: str) -> dict:
    return json.loads(resources.files(__package__).joinpath("jsonld_contexts", name).read_text())


def _root(error: BaseException) -> str:
    # PyLD wraps the loader's refusal in several JsonLdErrors: the innermost says why.
    while error.__cause__ is not None:
        error = error.__cause__
    return str(error)
