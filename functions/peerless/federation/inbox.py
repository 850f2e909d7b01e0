"""The inbox door: what every POST to an inbox goes through before anything is done with it.

In order, each step cheaper than the next: the body's size (PeerTube's limit), its media
type, that it is a JSON object shaped like an activity, the local actor whose inbox it is,
then the draft-cavage HTTP signature (the key fetched from the signer's server the first
time, and fetched once more when the signature fails: the sender may have a new key), that
the signer is the activity's actor or else that the activity carries a valid
RsaSignature2017 by its actor (a relayed activity, as PeerTube accepts them), and that
neither is blocked by the instance. Then the activity id is recorded (kept a few days, the
time senders retry for): a second delivery of the same id is answered as the first was,
without queueing it again. The activity (its text as received, which forwarding needs),
its verified actor and whether someone else relayed it go on the inbox queue, where the
worker applies them (peerless.federation.activities), and the sender gets a 202.

Every refusal is a problem document (an ApiError) whose `reason` says which check failed,
and it changes nothing: no record of a refused activity is kept, so a corrected retry goes
through. Statuses: 413 too large, 415 not JSON, 400 malformed, 404 no such inbox, 401 a
signature missing or not verifying (Mastodon retries a 401: a key it rotated may verify
later), 403 a signer speaking for someone else, or a blocked server or account.

Blocked senders get a 403 rather than PeerTube's silent 204: the sender learns at once that
delivering here is pointless and stops retrying (PeerTube's follow health check then drops
the inbox that keeps refusing), and nothing from a blocked server costs a queue message or
a worker run. Follows are the exception: they go through so that the worker answers them
with a Reject, the answer the protocol has for a follow that will never be accepted.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError

from .. import aws, errors
from ..group_commit import GroupCommit
from ..models import Item, get_or_none, transact
from ..moderation import INSTANCE, Mute
from ..settings import settings
from . import actors, http_signatures, ld_signatures, remote_actors
from .remote_actors import RemoteActor, RemoteActorError

# PeerTube parses bodies with express.json({limit: '500kb'}), body-parser's kilobytes
# being 1024 bytes; a bigger body gets its 413.
MAX_BODY = 500 * 1024
# A few days: longer than senders retry a delivery (Mastodon about two days, our own
# delivery about two), so a late retry is still recognised.
SEEN_SECONDS = 4 * 24 * 3600
BLOCKS_SECONDS = 30
# SendMessageBatch's limits: ten messages, and 1 MiB of bodies together.
SQS_BATCH = 10
SQS_BATCH_BYTES = 1024 * 1024
JSON_TYPES = ("application/json", "application/activity+json", "application/ld+json")
# Characters an SQS message cannot carry (XML 1.0's exclusions); a JSON text could hold
# them raw in its strings, and the activity travels to the worker as it was received.
_NOT_SQS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SIGNATURE_CHALLENGE = {
    "WWW-Authenticate": 'Signature realm="inbox",headers="(request-target) host date digest"'}


class Refused(errors.ApiError):
    """An activity the door does not take, with the `reason` a sender can act on."""

    def __init__(self, status: int, reason: str, message: str,
                 headers: dict[str, str] | None = None):
        super().__init__(status, message, data={"reason": reason}, headers=headers)
        self.reason = reason


class ActivitySeen(Item, discriminator="activity-seen"):
    """An activity id already taken, until `expires_at` (the table's TTL)."""
    activity_id = UnicodeAttribute()
    actor = UnicodeAttribute()
    expires_at = NumberAttribute()

    @staticmethod
    def key(activity_id: str) -> tuple[str, str]:
        # Hashed: an id may be longer than a key may be.
        return f"activity-seen#{hashlib.sha256(activity_id.encode()).hexdigest()}", "seen"


@dataclass(frozen=True)
class Delivery:
    """A POST to an inbox as received: the path with its query, the headers and the raw
    body, and whose inbox it is (None for the shared inbox)."""
    path: str
    headers: Mapping[str, str]
    body: bytes
    inbox_kind: str | None = None       # "account" or "channel"
    inbox_name: str | None = None


@dataclass(frozen=True)
class Verified:
    """Who an activity is from, once its signatures are checked."""
    actor: RemoteActor                  # the activity's actor
    signer: RemoteActor                 # who signed the request (the actor, or a relay)


def receive(delivery: Delivery, *, now: float | None = None) -> str:
    """Checks, records and queues one delivered activity. Returns `queued`, `duplicate`
    (its id was taken before) or `ignored` (the deletion of an actor never seen here).
    Raises Refused."""
    text, activity = parse(delivery)
    _check_inbox(delivery)
    if _unknown_actor_deleted(activity):
        return "ignored"
    verified = verify(delivery, activity, now=now)
    _check_blocks(activity, verified)
    return "queued" if _enqueue(activity["id"], text, verified) else "duplicate"


def parse(delivery: Delivery) -> tuple[str, dict]:
    """The body as text and as an activity, or a refusal: too large, not JSON, not one
    activity with an id and an actor."""
    if len(delivery.body) > MAX_BODY:
        raise Refused(413, "too_large",
                      f"The body is {len(delivery.body)} bytes; at most {MAX_BODY} are taken.")
    media_type = (_header(delivery.headers, "content-type") or "").split(";")[0].strip().lower()
    if media_type not in JSON_TYPES and not (media_type.startswith("application/")
                                             and media_type.endswith("+json")):
        raise Refused(415, "media_type", f"{media_type or 'No media type'} is not JSON; "
                                         "send application/activity+json.")
    try:
        text = delivery.body.decode("utf-8")
        activity = json.loads(text, parse_constant=_no_constant)
    except ValueError as error:
        raise Refused(400, "malformed_json", f"The body is not JSON ({error}).") from None
    if _NOT_SQS.search(text):
        raise Refused(400, "malformed_json", "The body holds characters JSON text should not.")
    if not isinstance(activity, dict):
        raise Refused(400, "invalid_activity", "The body is not a JSON object.")
    if activity.get("type") in ("Collection", "OrderedCollection", "CollectionPage",
                                "OrderedCollectionPage"):
        raise Refused(400, "invalid_activity", "Send activities one by one, not collections.")
    if not isinstance(activity.get("type"), str) or not activity["type"]:
        raise Refused(400, "invalid_activity", "The activity has no type.")
    if not remote_actors.is_url(activity.get("id")):
        raise Refused(400, "invalid_activity", "The activity has no http(s) id.")
    if not remote_actors.is_url(actor_id(activity)):
        raise Refused(400, "invalid_activity", "The activity has no http(s) actor.")
    if remote_actors.host_of(activity["id"]) != remote_actors.host_of(actor_id(activity)):
        # Ids are deduplicated: none may be taken on another server's behalf.
        raise Refused(400, "invalid_activity", "The activity's id is not on its actor's host.")
    return text, activity


def actor_id(activity: dict) -> str | None:
    """The activity's actor URL (given as a URL or as an object with an id)."""
    actor = activity.get("actor")
    return actor.get("id") if isinstance(actor, dict) else actor


def verify(delivery: Delivery, activity: dict, *, now: float | None = None) -> Verified:
    """Checks the HTTP signature of a delivery against the signer's key (fetched once more
    when it fails), and that the signer is the activity's actor or else that the activity
    carries a valid RsaSignature2017 by its actor. Raises Refused."""
    signer = _check_http_signature(delivery, now)
    actor_url = actor_id(activity)
    if signer.url == actor_url:
        return Verified(actor=signer, signer=signer)
    signature = activity.get("signature")
    creator = signature.get("creator") if isinstance(signature, dict) else None
    if not isinstance(creator, str):
        raise Refused(403, "not_actor",
                      f"Signed by {signer.url}, not by the activity's actor {actor_url}, and "
                      "the activity has no RsaSignature2017 of its own.")
    def check(refresh: bool) -> RemoteActor:
        found = _actor_for_key(creator, refresh)
        ld_signatures.verify_ld(activity, found.public_key_pem)
        return found
    actor = _with_key_retry(check, "ld_signature")
    if actor.url != actor_url:
        raise Refused(403, "not_actor",
                      f"The activity's signature is by {actor.url}, not by its actor {actor_url}.")
    return Verified(actor=actor, signer=signer)


def _check_http_signature(delivery: Delivery, now: float | None) -> RemoteActor:
    def check(refresh: bool) -> RemoteActor:
        found: dict[str, RemoteActor] = {}

        def lookup(key_id: str) -> str:
            found["actor"] = _actor_for_key(key_id, refresh)
            return found["actor"].public_key_pem
        http_signatures.verify("POST", delivery.path, delivery.headers, delivery.body, lookup,
                               now=now, expected_host=settings().host)
        return found["actor"]
    return _with_key_retry(check, "signature", _SIGNATURE_CHALLENGE)


def _with_key_retry(check, what: str, headers: dict[str, str] | None = None) -> RemoteActor:
    """The actor `check(refresh)` returns once the signature it checks holds; when it does
    not verify, checked once more with the key fetched again (the sender may have rotated
    it). Every other failure is the request's own: another key would not mend it. When the
    key cannot be fetched again, the first failure stands."""
    try:
        try:
            return check(False)
        except http_signatures.SignatureError as error:
            if error.reason != "bad_signature":
                raise
            first = error
            try:
                return check(True)
            except Refused as refetch:
                if refetch.reason != "unknown_key":
                    raise
                raise first from None
    except http_signatures.SignatureError as error:
        raise Refused(401, f"{what}_{error.reason}", f"{what}: {error}", headers) from None


def _actor_for_key(key_id: str, refresh: bool) -> RemoteActor:
    try:
        return remote_actors.actor_for_key(key_id, refresh=refresh)
    except RemoteActorError as error:
        raise Refused(401, "unknown_key", f"The key {key_id} cannot be had: {error}",
                      headers=_SIGNATURE_CHALLENGE) from None


def _check_inbox(delivery: Delivery) -> None:
    if delivery.inbox_kind is None:
        return
    try:
        if delivery.inbox_kind == "account":
            actors.account(delivery.inbox_name)
        else:
            actors.channel(delivery.inbox_name)
    except errors.ApiError:
        raise Refused(404, "no_such_inbox",
                      f"There is no {delivery.inbox_kind} {delivery.inbox_name!r} here.") from None


def _unknown_actor_deleted(activity: dict) -> bool:
    # Mastodon tells every server it knows when an account is deleted, signed with a key
    # that is gone by then. An actor never seen here has nothing here to delete: there is
    # no point fetching its key (PeerTube and Mastodon skip these too).
    actor = actor_id(activity)
    target = activity.get("object")
    target = target.get("id") if isinstance(target, dict) else target
    return (activity.get("type") == "Delete" and target == actor
            and get_or_none(RemoteActor, RemoteActor.key(actor)) is None)


def _check_blocks(activity: dict, verified: Verified) -> None:
    if activity.get("type") == "Follow":
        return  # the worker answers it with a Reject
    blocks = _instance_blocks()
    blocked = sorted({target for actor in (verified.actor, verified.signer)
                      for target in (actor.host, remote_actors.handle(actor))
                      if target.lower() in blocks})
    if blocked:
        raise Refused(403, "blocked", f"This instance does not take activities from "
                                      f"{', '.join(blocked)}.")


def _instance_blocks() -> frozenset[str]:
    """The servers and accounts the instance blocks (moderation's instance mute lists),
    read at most once every BLOCKS_SECONDS by each process: a block then costs the inbox
    nothing per activity, and takes effect here within that time (the worker, which
    ignores blocked senders too, reads them afresh)."""
    return _blocks_in(int(time.monotonic() // BLOCKS_SECONDS))


@lru_cache(maxsize=1)
def _blocks_in(period: int) -> frozenset[str]:
    # One query: both lists share the instance's partition (Mute.key).
    partition = Mute.key(INSTANCE, "server", "-")[0]
    return frozenset(mute.target for mute in Mute.query(partition))


def _enqueue(activity_id: str, text: str, verified: Verified) -> bool:
    """Records the activity id and queues the activity; False when the id was recorded
    already (and not expired), the activity then not queued again."""
    actor_url = verified.actor.url
    seen = ActivitySeen(*ActivitySeen.key(activity_id), activity_id=activity_id,
                        actor=actor_url, expires_at=int(time.time()) + SEEN_SECONDS)
    body = message(text, actor_url, relayed=verified.signer.url != actor_url)
    return _taken.submit((seen, body), size=len(body.encode()))


def _take(batch: list[tuple[ActivitySeen, str]]) -> list[bool | Exception]:
    """Records each activity's id and queues those newly recorded: True for each queued,
    False for an id taken before, the error for one the queue refused (its record then
    deleted: not queued, so not taken, and the sender's retry must find no record)."""
    recorded = _record_seen([seen for seen, _ in batch])
    new = [i for i, fresh in enumerate(recorded) if fresh]
    outcomes: list[bool | Exception] = list(recorded)
    if not new:
        return outcomes
    try:
        errors = _send_to_inbox_queue([batch[i][1] for i in new])
    except Exception:
        for i in new:
            batch[i][0].delete()
        raise
    for i, error in zip(new, errors):
        if error is not None:
            batch[i][0].delete()
            outcomes[i] = error
    return outcomes


def _record_seen(records: list[ActivitySeen]) -> list[bool]:
    """Writes each record unless its activity id is recorded already (and not expired):
    True for each one written. One record is a conditional put. Records that arrive
    together are one transaction, which DynamoDB cancels whole when an id in it is taken:
    it runs again without those."""
    now = int(time.time())
    # DynamoDB's TTL removes expired items late: an expired record counts as none.
    condition = ActivitySeen.pk.does_not_exist() | (ActivitySeen.expires_at < now)
    firsts: dict[str, int] = {}
    for i, record in enumerate(records):
        firsts.setdefault(record.pk, i)  # one id twice at once: the later is a duplicate
    pending = sorted(firsts.values())
    written = [False] * len(records)
    while pending:
        try:
            if len(pending) == 1:
                records[pending[0]].save(condition=condition)
            else:
                transact(lambda transaction: [transaction.save(records[i], condition=condition)
                                              for i in pending])
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                break
            raise
        except TransactWriteError as error:
            taken = {i for i, reason in zip(pending, error.cancellation_reasons)
                     if reason is not None and reason.code == "ConditionalCheckFailed"}
            if not taken:
                raise
            pending = [i for i in pending if i not in taken]
            continue
        for i in pending:
            written[i] = True
        break
    return written


def _send_to_inbox_queue(bodies: list[str]) -> list[None | Exception]:
    answer = aws.client("sqs").send_message_batch(
        QueueUrl=aws.queue_url(settings().inbox_queue),
        Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies)])
    failed = {entry["Id"]: entry for entry in answer.get("Failed", [])}
    return [RuntimeError(f"the inbox queue refused the activity: {failed[str(i)]}")
            if str(i) in failed else None for i in range(len(bodies))]


# Activities received at once by one process (the local front serves requests in
# parallel threads) share their DynamoDB and SQS calls, up to ten activities a call.
_taken = GroupCommit(_take, max_items=SQS_BATCH, max_size=SQS_BATCH_BYTES)


@dataclass(frozen=True)
class Queued:
    """An inbox queue message, read back by the worker."""
    activity: dict
    actor: str                  # the verified actor
    text: str | None            # the activity as received (None in a message of another form)
    relayed: bool               # signed over HTTP by someone else than its actor


def message(text: str, actor_url: str, *, relayed: bool = False) -> str:
    """The inbox queue's message: `{"actor", "relayed", "activity"}`, the activity spliced
    in last as received (its JSON text was parsed, so it is valid), which keeps it exactly
    as signed, to be forwarded byte for byte, and its size that of the body (an SQS message
    holds 1 MiB; the body is at most MAX_BODY)."""
    return f"{_head(actor_url, relayed)}{text}}}"


def _head(actor_url: str, relayed: bool) -> str:
    return f'{{"actor":{json.dumps(actor_url)},"relayed":{json.dumps(relayed)},"activity":'


def unpack(body: str) -> Queued:
    """The message `message` made, with the activity's text as it was received."""
    fields = json.loads(body)
    head = _head(fields["actor"], fields.get("relayed", False))
    text = body[len(head):-1] if body.startswith(head) else None
    return Queued(fields["activity"], fields["actor"], text, fields.get("relayed", False))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")
