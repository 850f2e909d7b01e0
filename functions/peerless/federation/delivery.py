"""Outgoing activities: signed POSTs to remote inboxes through the delivery queue.

`deliver` puts one message per distinct inbox on the queue (`{"activity", "sender",
"inbox", "attempt"}`); the queue's worker (`handle`) signs each with the sender's key and
POSTs it. A message may name the sender's `key_id` (an actor deleted meanwhile, which
`actors.find` no longer knows, still signs its Delete), or carry a `body` to POST as it is
instead of an activity (another server's activity `forward`ed, its own signature kept).

What an answer means:
- 2xx: delivered. It also clears the host's failure record.
- 4xx other than 429: the receiver refuses this activity, and would refuse it again: dropped
  with a log line, never retried. A redirect, or an inbox at a refused (private) address,
  is dropped likewise.
- 5xx, 429, a timeout or a connection error: tried again later, with exponential backoff and
  jitter (RETRY_DELAYS, about two days in all). The message goes back on the queue with a
  growing `attempt` and the time it is due (`not_before`). SQS delays a message by at most
  900 s: a longer wait is made of hops, each worker that receives a message not yet due
  sending it back with the rest of its wait (at most 900 s again) and nothing else done, so
  a six-hour wait is 24 hops of 15 minutes.
- After the last attempt the message goes to the delivery dead-letter queue and its host
  gets a failure record. While a host has one, deliveries to it are not tried, except one an
  hour (a probe claimed by a conditional write, so only one worker probes): a dead host is
  not hammered, and a host that comes back is found within the hour.
"""
from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import httpx
from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, UpdateError

from .. import aws
from ..models import Item, get_or_none, now
from ..settings import settings
from . import actors, fetch, http_signatures, keys
from .remote_actors import host_of

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/activity+json"
SQS_MAX_DELAY = 900              # seconds: SQS's longest DelaySeconds
FIRST_RETRY = 30                 # seconds before the second attempt; doubling after
LONGEST_RETRY = 6 * 3600         # the backoff's ceiling
GIVE_UP_AFTER = 2 * 24 * 3600    # retries stop once this much waiting is scheduled
PROBE_INTERVAL = 3600            # a failed host is tried at most this often
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
SQS_BATCH = 10
MAX_MESSAGE = 256 * 1024         # bytes: the delivery queue's (SQS's default) message size


def _schedule() -> tuple[int, ...]:
    delays, total, delay = [], 0, FIRST_RETRY
    while total < GIVE_UP_AFTER:
        delays.append(delay)
        total += delay
        delay = min(delay * 2, LONGEST_RETRY)
    return tuple(delays)


# The wait after each failed attempt: 30 s, 1 min, 2 min ... 4 h 16 min, then 6 h while
# the total is under two days: 17 waits, 18 attempts, about 50 hours.
RETRY_DELAYS = _schedule()
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


class HostFailure(Item, discriminator="delivery-host-failure"):
    """A host that failed every attempt of a delivery: deliveries to it wait (see the
    module's docstring) until one succeeds."""
    host = UnicodeAttribute()
    reason = UnicodeAttribute()
    failed_at = UTCDateTimeAttribute(default=now)
    tried_at = UTCDateTimeAttribute(default=now)   # the last attempt, a probe or a failure

    @staticmethod
    def key(host: str) -> tuple[str, str]:
        return f"delivery-failure#{host.lower()}", "failure"


def host_failure(host: str) -> HostFailure | None:
    """The host's failure record, if it has one."""
    return get_or_none(HostFailure, HostFailure.key(host), consistent_read=True)


# --- enqueueing ---------------------------------------------------------------------------

def _send(messages: list[dict], delay: int = 0, queue: str | None = None) -> None:
    url = aws.queue_url(queue or settings().delivery_queue)
    sqs = aws.client("sqs")
    for start in range(0, len(messages), SQS_BATCH):
        answer = sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": json.dumps(m), "DelaySeconds": delay}
            for i, m in enumerate(messages[start:start + SQS_BATCH])])
        if answer.get("Failed"):
            raise RuntimeError(f"the delivery queue refused messages: {answer['Failed']}")


def deliver(activity: dict, *, sender: str, inboxes: Iterable[str],
            key_id: str | None = None) -> None:
    """Queues `activity`, to be signed by the local actor named `sender` (with `key_id`
    when the actor is being deleted), once for each distinct inbox."""
    named = {"key_id": key_id} if key_id else {}
    _send([{"activity": activity, "sender": sender, "inbox": inbox, "attempt": 1, **named}
           for inbox in _distinct(inboxes)])


def forward(text: str, *, inboxes: Iterable[str]) -> bool:
    """Queues another server's activity, its JSON `text` POSTed unchanged (so its own
    linked-data signature still holds), signed over HTTP by the instance actor, once for
    each distinct inbox. False (nothing queued) when it is too large for a message."""
    messages = [{"body": text, "sender": actors.SERVER_ACTOR_NAME, "inbox": inbox,
                 "attempt": 1} for inbox in _distinct(inboxes)]
    if messages and len(json.dumps(messages[0]).encode()) > MAX_MESSAGE - 1024:
        return False                 # the margin: `not_before` and `error` added on retries
    _send(messages)
    return True


def _distinct(inboxes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(inbox for inbox in inboxes if inbox))


def to_followers(activity: dict, *, sender: str) -> None:
    """Queues `activity` for the remote followers of the local actor `sender`, once per
    shared inbox."""
    from .follows import follower_inboxes   # follows sends through this module
    deliver(activity, sender=sender, inboxes=follower_inboxes(sender))


# --- the worker ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _client() -> httpx.Client:
    # One pooled client per process: connections to busy hosts are reused across messages.
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False,
                        limits=httpx.Limits(max_connections=64),
                        headers={"User-Agent": f"Peerless (+{settings().public_url})"})


@lru_cache(maxsize=4096)
def _key_id(sender: str) -> str:
    actor = actors.find(sender)
    if actor is None:
        raise LookupError(f"no local actor {sender!r}")
    return actors.key_id(actor.url)


def _post(message: dict) -> tuple[str, str]:
    """POSTs the message's activity to its inbox, signed. ("done" | "drop" | "retry",
    why)."""
    inbox = message["inbox"]
    try:
        # The address check of fetches. (The POST then resolves the host again: pinning it
        # to the checked address, as fetches do, is left to a helper fetch.py could share.)
        fetch.checked_address(inbox)
    except fetch.FetchError as error:
        return "drop", f"refused address: {error}"
    sender = message["sender"]
    try:
        key_id = message.get("key_id") or _key_id(sender)
    except LookupError as error:         # the sender is gone: nothing can sign for it
        return "drop", str(error)
    body = message["body"].encode() if "body" in message else \
        json.dumps(message["activity"]).encode()
    headers = {"Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE}
    headers |= http_signatures.sign("POST", inbox, headers, key_id,
                                    keys.private_key(sender), body)
    try:
        # Streamed and closed unread: only the status matters, whatever the page's size.
        with _client().stream("POST", inbox, content=body, headers=headers) as answer:
            status = answer.status_code
    except httpx.HTTPError as error:     # timeouts, refused connections, broken answers
        return "retry", f"{type(error).__name__}: {error}"
    if 200 <= status < 300:
        return "done", str(status)
    why = f"HTTP {status}"
    if status == 429 or status >= 500:
        return "retry", why
    return "drop", why


def _probe_allowed(host: str) -> bool:
    """False while the host has a failure record and was tried within the hour; else True,
    having claimed this hour's try."""
    record = host_failure(host)
    if record is None:
        return True
    if (now() - record.tried_at).total_seconds() < PROBE_INTERVAL:
        return False
    try:
        record.update(actions=[HostFailure.tried_at.set(now())],
                      condition=HostFailure.tried_at == record.tried_at)
    except UpdateError:                  # another worker took this hour's try
        return False
    return True


def _record_failure(host: str, reason: str) -> None:
    HostFailure(*HostFailure.key(host), host=host, reason=reason[:500]).save()


def _clear_failure(host: str) -> None:
    try:
        HostFailure(*HostFailure.key(host)).delete(condition=HostFailure.pk.exists())
    except DeleteError:
        pass                             # no record: the usual case


def _retry_delay(attempt: int) -> int:
    """The jittered wait after failed attempt `attempt` (1-based)."""
    return max(1, round(RETRY_DELAYS[attempt - 1] * random.uniform(0.75, 1.25)))


def process(message: dict, *, clock: float | None = None) -> str:
    """Handles one delivery message; returns what became of it: "hop", "skipped",
    "delivered", "dropped", "retried" or "dead"."""
    clock = time.time() if clock is None else clock
    due = message.get("not_before", 0)
    if due > clock:
        _send([message], min(SQS_MAX_DELAY, math.ceil(due - clock)))
        return "hop"
    host = host_of(message["inbox"])
    if not _probe_allowed(host):
        log.info("skipped %s to %s: the host failed recently", _activity_id(message),
                 message["inbox"])
        return "skipped"
    outcome, why = _post(message)
    activity_id = _activity_id(message)
    if outcome == "done":
        _clear_failure(host)
        return "delivered"
    if outcome == "drop":
        log.warning("dropped %s to %s: %s", activity_id, message["inbox"], why)
        return "dropped"
    attempt = int(message.get("attempt", 1))
    if attempt >= MAX_ATTEMPTS:
        log.warning("gave up %s to %s after %d attempts: %s", activity_id, message["inbox"],
                    attempt, why)
        _send([{**message, "error": why}], queue=f"{settings().delivery_queue}-dlq")
        _record_failure(host, why)
        return "dead"
    wait = _retry_delay(attempt)
    log.info("retrying %s to %s in %d s (attempt %d failed: %s)", activity_id,
             message["inbox"], wait, attempt, why)
    _send([{**message, "attempt": attempt + 1, "not_before": clock + wait}],
          min(SQS_MAX_DELAY, wait))
    return "retried"


def _activity_id(message: dict) -> str | None:
    """For the log lines."""
    return (message.get("activity") or json.loads(message["body"])).get("id")


def handle(records: list[dict]) -> list[str]:
    """The delivery queue's SQS records, delivered in parallel. Raises (the batch comes
    back) only when a message could not be put back on a queue."""
    messages = [json.loads(record["body"]) for record in records]
    if len(messages) == 1:
        return [process(messages[0])]
    with ThreadPoolExecutor(max_workers=len(messages)) as pool:
        return list(pool.map(process, messages))

