"""RsaSignature2017 on Mastodon's real activity, its refusals, and our own signatures."""
import copy
import socket

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from peerless.federation.http_signatures import SignatureError
from peerless.federation.ld_signatures import canonicalize, sign_ld, verify_ld
from tests.unit.federation.conftest import load

pytestmark = pytest.mark.usefixtures("no_network")

CREATOR = "http://localhost:3000/users/ronan2#main-key"


@pytest.fixture(scope="module")
def activity(mastodon_request):
    return mastodon_request["body"]


def refused(reason, document, key):
    with pytest.raises(SignatureError) as caught:
        verify_ld(document, key)
    assert caught.value.reason == reason, caught.value
    return caught.value


def test_mastodon_activity_verifies(activity, mastodon_key):
    assert verify_ld(activity, mastodon_key) == CREATOR


def test_bad_ld_signature_is_refused(mastodon_key):
    refused("bad_signature", load("mastodon-create-note-bad-ld-signature.json"), mastodon_key)


@pytest.mark.parametrize("path, value", [
    (("object", "content"), "<p>something else</p>"),
    (("object", "inReplyTo"), "http://localhost:9000/videos/watch/another"),
    (("actor",), "http://localhost:3000/users/mallory"),
    (("to",), []),
    (("signature", "created"), "2018-10-22T13:34:20Z"),
    (("signature", "creator"), "http://localhost:3000/users/mallory#main-key"),
])
def test_any_signed_change_is_refused(activity, mastodon_key, path, value):
    changed = copy.deepcopy(activity)
    target = changed
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value
    refused("bad_signature", changed, mastodon_key)


def test_unmapped_properties_are_not_signed(activity, mastodon_key):
    """The documented limit of Linked Data Signatures: a property that no context maps is
    not in the canonical form, so adding one keeps the signature valid. Consumers read
    mapped ActivityStreams terms only."""
    extended = dict(activity, unmappedProperty="anything")
    assert verify_ld(extended, mastodon_key) == CREATOR


def swap_content_and_url(document):
    """The classic trick on Linked Data Signatures: rename terms in an inline context and
    swap the values, so the N-Quads (what is signed) stay the same and the JSON changes."""
    changed = copy.deepcopy(document)
    changed["@context"][2].update(content={"@id": "as:url", "@type": "@id"}, url="as:content")
    note = changed["object"]
    note["content"], note["url"] = note["url"], note["content"]
    return changed


def test_renamed_activitystreams_terms_are_refused(activity, mastodon_key):
    swapped = swap_content_and_url(activity)
    assert canonicalize({k: v for k, v in swapped.items() if k != "signature"}) == canonicalize(
        {k: v for k, v in activity.items() if k != "signature"})
    error = refused("malformed", swapped, mastodon_key)
    assert "redefines ActivityStreams terms" in str(error)


@pytest.mark.parametrize("where", ["nested", "type-scoped"])
def test_renaming_deeper_in_the_document_is_refused_too(activity, vector_key, where):
    """Even with a signature that holds (made here with our own key)."""
    document = copy.deepcopy(activity)
    note = document["object"]
    note["content"], note["url"] = note["url"], note["content"]
    remap = {"content": {"@id": "as:url", "@type": "@id"}, "url": "as:content"}
    if where == "nested":
        note["@context"] = remap
    else:
        document["@context"][2]["Note"] = {"@id": "as:Note", "@context": remap}
    signed = sign_ld(document, vector_key, "https://peer.example/accounts/alice#main-key")
    refused("malformed", signed, vector_key.public_key())


def test_peertube_contexts_verify(vector_key):
    """PeerTube's inline contexts add terms and redefine security/v1's `expires`: accepted."""
    base = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1",
            {"RsaSignature2017": "https://w3id.org/security#RsaSignature2017"}]
    cache_file = {
        "@context": [*base, {"pt": "https://joinpeertube.org/ns#", "sc": "http://schema.org/",
                             "expires": "sc:expires", "CacheFile": "pt:CacheFile",
                             "size": {"@type": "sc:Number", "@id": "pt:size"}}],
        "id": "https://peer.example/redundancy/videos/1", "type": "Create",
        "actor": "https://peer.example/accounts/peertube",
        "object": {"id": "https://peer.example/redundancy/videos/1/720", "type": "CacheFile",
                   "object": "https://origin.example/videos/watch/1",
                   "expires": "2026-12-10T18:00:00.000Z", "size": 1234,
                   "url": {"type": "Link", "mediaType": "video/mp4",
                           "href": "https://peer.example/static/redundancy/1-720.mp4"}},
        "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    signed = sign_ld(cache_file, vector_key, "https://peer.example/accounts/peertube")
    assert verify_ld(signed, vector_key.public_key()) == "https://peer.example/accounts/peertube"


def test_the_network_guard_is_on():
    with pytest.raises(AssertionError, match="network access"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)


def test_a_context_that_is_not_local_is_refused_without_network(activity, mastodon_key):
    remote = dict(activity, **{"@context": activity["@context"] + ["https://evil.example/ns"]})
    error = refused("malformed", remote, mastodon_key)
    assert "https://evil.example/ns" in str(error)


@pytest.mark.parametrize("document", [
    {}, {"signature": "x"}, {"signature": None}, [], "text",
    {"signature": {"type": "RsaSignature2017", "creator": CREATOR}},
    {"signature": {"type": "RsaSignature2017", "signatureValue": "c2ln"}},
    {"signature": {"type": "RsaSignature2017", "creator": CREATOR, "signatureValue": "%%"}},
    {"signature": {"type": "RsaSignature2017", "creator": 5, "signatureValue": "c2ln"}},
])
def test_malformed_signature_objects(document, mastodon_key):
    refused("malformed", document, mastodon_key)


@pytest.mark.parametrize("context", [5, "relative", ["https://www.w3.org/ns/activitystreams", 7],
                                     {"@version": 2}, {"as": {"@id": 5}},
                                     {"@import": "https://evil.example/ns"},
                                     {"@vocab": "relative"}, {"id": "@type", "type": "@id"},
                                     [[[]]], {"@protected": "yes"}])
def test_invalid_or_altered_contexts_are_refused(activity, mastodon_key, context):
    """Whatever PyLD makes of them (an error, or other N-Quads): a SignatureError."""
    with pytest.raises(SignatureError) as caught:
        verify_ld(dict(activity, **{"@context": context}), mastodon_key)
    assert caught.value.reason in ("malformed", "bad_signature")


@pytest.mark.parametrize("kind", ["Ed25519Signature2018", "RsaSignature2018", None])
def test_other_signature_types_are_refused(activity, mastodon_key, kind):
    other = dict(activity, signature=dict(activity["signature"], type=kind))
    refused("unsupported_algorithm", other, mastodon_key)


def test_an_rsa_key_is_required(activity):
    refused("unsupported_algorithm", activity, ed25519.Ed25519PrivateKey.generate().public_key())


def test_sign_then_verify(activity, vector_key):
    unsigned = {name: value for name, value in activity.items() if name != "signature"}
    before = copy.deepcopy(unsigned)
    signed = sign_ld(unsigned, vector_key, "https://peer.example/accounts/alice#main-key",
                     created="2026-12-03T18:00:00Z")
    assert unsigned == before
    assert set(signed["signature"]) == {"type", "creator", "created", "signatureValue"}
    assert signed["signature"]["type"] == "RsaSignature2017"
    assert signed["signature"]["created"] == "2026-12-03T18:00:00Z"
    assert verify_ld(signed, vector_key.public_key()) == signed["signature"]["creator"]
    # RSASSA-PKCS1-v1_5 is deterministic: the same input signs to the same value.
    again = sign_ld(activity, vector_key, "https://peer.example/accounts/alice#main-key",
                    created="2026-12-03T18:00:00Z")
    assert again["signature"] == signed["signature"]


def test_sign_replaces_an_existing_signature_and_defaults_created_to_now(activity, vector_key):
    signed = sign_ld(activity, vector_key, "https://peer.example/accounts/alice#main-key")
    assert signed["signature"]["creator"] != activity["signature"]["creator"]
    created = signed["signature"]["created"]
    assert created.endswith("Z") and len(created) == len("2026-12-03T18:00:00Z")
    assert verify_ld(signed, vector_key.public_key())


def test_peertube_style_options_context_hashes_the_same(activity):
    """PeerTube hashes the options under security/v1, Mastodon under identity/v1: the same
    N-Quads, so each checks the other's signatures."""
    options = {name: activity["signature"][name] for name in ("creator", "created")}
    identity = canonicalize({"@context": "https://w3id.org/identity/v1", **options})
    peertube_context = ["https://w3id.org/security/v1",
                        {"RsaSignature2017": "https://w3id.org/security#RsaSignature2017"}]
    security = canonicalize({"@context": peertube_context, **options})
    assert identity == security
    assert "<http://purl.org/dc/terms/creator> <%s>" % CREATOR in identity
