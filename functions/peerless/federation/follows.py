"""Follow relations across servers, and the activities that make and end them.

Two kinds of items, one per direction, each keyed so that the questions asked of it are
key reads or single-partition queries:
- `Follower`: a remote actor following a local one (the instance actor, an account or a
  channel). pk `ap-followers#<local>`, sk the remote actor's URL; listed by date in the
  `by_list` partition of the same name. The fan-out of a new activity reads that partition.
- `Following`: a local actor (the instance actor for `server/following`, an account for a
  remote channel subscription) following a remote actor. pk `ap-following#<local>`, sk the
  remote actor's URL; listed by date likewise.
Both are found by their Follow activity's id through the `by_owner` index
(`follow-id#<id>`), for the Undo, Accept and Reject that name a Follow by its id alone.

States are PeerTube's: pending, accepted, rejected. The counters `ap-followers#<local>` and
`ap-following#<local>` count the accepted ones; they change in the same transaction as the
state, conditional on the state they change from, so a repeated activity counts once.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

import httpx
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError

from .. import ids
from ..accounts import next_id
from ..models import Counter, Item, counter_value, get_or_none, now, transact
from ..settings import settings
from . import actors, delivery, fetch, remote_actors

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
STATES = (PENDING, ACCEPTED, REJECTED)


class Relation(Item):
    """What both directions keep: the local actor's name, the remote actor as it was when
    the follow was made (its handle for the API, its inboxes for delivery), the state and
    the Follow activity's id."""
    id = NumberAttribute()                   # PeerTube's numeric id of the ActorFollow
    local = UnicodeAttribute()               # the local actor's name
    remote_url = UnicodeAttribute()
    remote_handle = UnicodeAttribute()       # "name@host", lower case
    remote_host = UnicodeAttribute()
    remote_type = UnicodeAttribute(default="Person")
    inbox = UnicodeAttribute()
    shared_inbox = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    follow_id = UnicodeAttribute()           # the Follow activity's id
    created_at = UTCDateTimeAttribute(default=now)
    updated_at = UTCDateTimeAttribute(default=now)

    PREFIX = ""

    @classmethod
    def key(cls, local: str, remote_url: str) -> tuple[str, str]:
        return f"{cls.PREFIX}#{local.lower()}", remote_url

    @classmethod
    def counter(cls, local: str) -> str:
        return f"{cls.PREFIX}#{local.lower()}"

    @property
    def delivery_inbox(self) -> str:
        """Where activities for many actors of its server go: its shared inbox if any."""
        return self.shared_inbox or self.inbox


class Follower(Relation, discriminator="ap-follower"):
    PREFIX = "ap-followers"


class Following(Relation, discriminator="ap-following"):
    PREFIX = "ap-following"


def _new(model: type[Relation], local: str, remote, state: str,
         follow_id: str) -> Relation:
    item = model(*model.key(local, remote.url), id=next_id("actor-follow"), local=local,
                 remote_url=remote.url, remote_handle=remote_actors.handle(remote).lower(),
                 remote_host=remote.host, remote_type=remote.type or "Person",
                 inbox=remote.inbox, shared_inbox=remote.shared_inbox, state=state,
                 follow_id=follow_id)
    item.list_pk = item.pk
    item.list_sk = f"{item.created_at.isoformat()}#{remote.url}"
    item.owner_pk = f"follow-id#{follow_id}"
    item.owner_sk = item.pk
    item.nid = _with_remote(remote.url)
    return item


def _with_remote(remote_url: str) -> str:
    return f"ap-relations-with#{remote_url}"


def _count(transaction, model: type[Relation], local: str, delta: int) -> None:
    transaction.update(Counter(*Counter.key(model.counter(local))),
                       actions=[Counter.value.add(delta)])


def _create(item: Relation) -> bool:
    """Saves a new relation; False when one was there already (nothing changed)."""
    def build(transaction):
        transaction.save(item, condition=type(item).pk.does_not_exist())
        if item.state == ACCEPTED:
            _count(transaction, type(item), item.local, 1)
    try:
        transact(build)
    except TransactWriteError:
        return False
    return True


def _set_state(item: Relation, state: str, follow_id: str | None = None) -> bool:
    """Moves a relation to `state` if it is still in the state it was read in (False
    otherwise: another writer went first), keeping the counter of accepted ones true."""
    model = type(item)
    actions = [model.state.set(state), model.updated_at.set(now())]
    if follow_id and follow_id != item.follow_id:
        actions += [model.follow_id.set(follow_id),
                    model.owner_pk.set(f"follow-id#{follow_id}")]
    delta = (state == ACCEPTED) - (item.state == ACCEPTED)

    def build(transaction):
        transaction.update(item, actions=actions, condition=model.state == item.state)
        if delta:
            _count(transaction, model, item.local, delta)
    try:
        transact(build)
    except TransactWriteError:
        return False
    item.state = state
    return True


def _remove(item: Relation) -> bool:
    """Deletes a relation; False when it was gone already."""
    model = type(item)

    def build(transaction):
        transaction.delete(item, condition=(model.pk.exists()) & (model.state == item.state))
        if item.state == ACCEPTED:
            _count(transaction, model, item.local, -1)
    try:
        transact(build)
    except TransactWriteError:
        return False
    return True


# --- queries ------------------------------------------------------------------------------

def follower(local: str, remote_url: str) -> Follower | None:
    return get_or_none(Follower, Follower.key(local, remote_url), consistent_read=True)


def following(local: str, remote_url: str) -> Following | None:
    return get_or_none(Following, Following.key(local, remote_url), consistent_read=True)


def listed(model: type[Relation], local: str, start: int, count: int, *,
           newest_first: bool = True, state: str | None = None,
           actor_type: str | None = None,
           search: str | None = None) -> tuple[int, list[Relation]]:
    """A page of a local actor's followers or followings, by date, with PeerTube's
    filters (state, the remote actor's type, a search in its handle)."""
    conditions = []
    if state:
        conditions.append(model.state == state)
    if actor_type:
        conditions.append(model.remote_type == actor_type)
    if search:
        conditions.append(model.remote_handle.contains(search.lower()))
    condition = None
    for one in conditions:
        condition = one if condition is None else condition & one
    partition = model.key(local, "")[0]
    total = model.by_list.count(partition, filter_condition=condition)
    items = model.by_list.query(partition, filter_condition=condition,
                                scan_index_forward=not newest_first, limit=start + count)
    return total, [item for _, item in zip(range(start + count), items)][start:]


def find_by_handle(model: type[Relation], local: str, handle: str) -> Relation | None:
    """A local actor's relation with the remote actor `name@host` (case-insensitive)."""
    wanted = handle.lower()
    for item in model.query(model.key(local, "")[0],
                            filter_condition=model.remote_handle == wanted):
        return item
    return None


def instance_follows_host(host: str) -> bool:
    """Whether the instance follows a server of `host` and was accepted."""
    partition = Following.key(actors.SERVER_ACTOR_NAME, "")[0]
    return any(True for _ in Following.query(
        partition, filter_condition=(Following.remote_host == host.lower())
        & (Following.state == ACCEPTED)))


def follower_inboxes(local: str) -> list[str]:
    """Where to deliver what a local actor sends to its followers: each accepted remote
    follower's shared inbox (or own inbox), once per inbox."""
    seen: dict[str, None] = {}
    for item in Follower.query(Follower.key(local, "")[0],
                               filter_condition=Follower.state == ACCEPTED):
        seen.setdefault(item.delivery_inbox)
    return list(seen)


def followers_count(local: str) -> int:
    """A local actor's accepted remote followers."""
    return counter_value(Follower.counter(local))


def following_count(local: str) -> int:
    """The remote actors a local actor follows, accepted."""
    return counter_value(Following.counter(local))


def forget_remote(remote_url: str) -> None:
    """A deleted remote actor's follows of local actors and local actors' follows of it,
    forgotten without a word to it (it is gone)."""
    for item in Item.by_nid.query(_with_remote(remote_url)):
        if isinstance(item, Relation):
            _remove(item)


def forget_local(local: str) -> list[str]:
    """A deleted local actor's follows both ways, forgotten; the inboxes of the remote
    actors in them, to be told of the deletion."""
    inboxes: dict[str, None] = {}
    for model in (Follower, Following):
        for item in model.query(model.key(local, "")[0]):
            if item.state == ACCEPTED:
                inboxes.setdefault(item.delivery_inbox)
            _remove(item)
    return list(inboxes)


# --- activities ---------------------------------------------------------------------------

def _context(activity: dict) -> dict:
    return {"@context": actors.context(), **activity}


def follow_activity(follow_id: str, follower_url: str, target_url: str) -> dict:
    """A Follow, as PeerTube builds it (embedded as is in its Accept, Reject and Undo)."""
    return {"type": "Follow", "id": follow_id, "actor": follower_url, "object": target_url}


def accept_activity(item: Follower, local_url: str) -> dict:
    """The Accept of a remote actor's Follow, by the followed local actor, embedding the
    Follow (PeerTube's `/accepts/follows/<id>`)."""
    return _context({"type": "Accept",
                     "id": f"{settings().public_url}/accepts/follows/{item.id}",
                     "actor": local_url,
                     "object": follow_activity(item.follow_id, item.remote_url, local_url)})


def reject_activity(follow_id: str, follower_url: str, local_url: str) -> dict:
    """The Reject of a Follow. Its id derives from the Follow's, so a Follow rejected twice
    is rejected with one id."""
    digest = hashlib.sha256(follow_id.encode()).hexdigest()[:32]
    return _context({"type": "Reject",
                     "id": f"{settings().public_url}/rejects/follows/{digest}",
                     "actor": local_url,
                     "object": follow_activity(follow_id, follower_url, local_url)})


def undo_activity(item: Following, local_url: str) -> dict:
    """The Undo of a local actor's Follow (PeerTube's `<follow id>/undo`)."""
    return _context({"type": "Undo", "id": f"{item.follow_id}/undo", "actor": local_url,
                     "object": follow_activity(item.follow_id, local_url, item.remote_url)})


# --- a remote actor following a local one -------------------------------------------------

def accept_follow(local: actors.Actor, remote, follow_id: str, *,
                  approve: bool = True) -> Follower | None:
    """A remote actor's Follow of `local`: stored (pending when `approve` is False, else
    accepted and answered with an Accept). A repeated Follow stores nothing new; it is
    answered again (the remote may have missed the first answer), and a follower once
    rejected is rejected again, as PeerTube does. None when an Undo removed it meanwhile."""
    item = _new(Follower, local.name, remote, ACCEPTED if approve else PENDING, follow_id)
    if not _create(item):
        item = follower(local.name, remote.url)
        if item is None:                 # its Undo won the race: nothing to answer
            return None
        if item.follow_id != follow_id:  # their side made a new Follow: answer that one
            _set_state(item, item.state, follow_id)
            item.follow_id = follow_id
    if item.state == REJECTED:
        reject_follower(local, item)
    elif item.state == ACCEPTED:
        delivery.deliver(accept_activity(item, local.url), sender=local.name,
                         inboxes=[item.inbox])
    return item


def reject_follow(local: actors.Actor, remote_url: str, inbox: str, follow_id: str) -> None:
    """Refuses a Follow (blocked server or account, followers disabled): nothing stored,
    a Reject sent."""
    delivery.deliver(reject_activity(follow_id, remote_url, local.url), sender=local.name,
                     inboxes=[inbox])


def approve_follower(local: actors.Actor, item: Follower) -> None:
    """An administrator accepts a pending (or rejected) follower: Accept sent."""
    if _set_state(item, ACCEPTED):
        delivery.deliver(accept_activity(item, local.url), sender=local.name,
                         inboxes=[item.inbox])


def reject_follower(local: actors.Actor, item: Follower) -> None:
    """A follower refused: kept as rejected (a new Follow from it is refused at once, as in
    PeerTube) and told so."""
    if item.state == REJECTED or _set_state(item, REJECTED):
        reject_follow(local, item.remote_url, item.inbox, item.follow_id)


def remove_follower(local: actors.Actor, item: Follower) -> None:
    """A follower removed by an administrator: told with a Reject unless it was rejected
    already, then forgotten."""
    if _remove(item) and item.state != REJECTED:
        reject_follow(local, item.remote_url, item.inbox, item.follow_id)


def undo_follow(local_name: str, remote_url: str) -> bool:
    """A remote actor's Undo of its Follow: the follower forgotten. False if unknown."""
    item = follower(local_name, remote_url)
    return item is not None and _remove(item)


# --- a local actor following a remote one -------------------------------------------------

def follow(local: actors.Actor, remote) -> Following:
    """`local` follows the remote actor: a pending Following and a Follow sent to its inbox.
    Following again an actor already followed changes nothing; a pending follow's Follow is
    sent again (its first may have been lost); a rejected one is asked anew, with a new id."""
    item = following(local.name, remote.url)
    if item is None:
        item = _new(Following, local.name, remote, PENDING,
                    f"{local.url}/follows/{ids.new_uuid()}")
        if not _create(item):
            item = following(local.name, remote.url)
    elif item.state == REJECTED:
        _set_state(item, PENDING, f"{local.url}/follows/{ids.new_uuid()}")
        item = following(local.name, remote.url)
    if item.state == PENDING:
        delivery.deliver(_context(follow_activity(item.follow_id, local.url, remote.url)),
                         sender=local.name, inboxes=[item.inbox])
    return item


def unfollow(local: actors.Actor, item: Following) -> None:
    """Stops following: the Following forgotten and an Undo sent, unless it was rejected."""
    if _remove(item) and item.state != REJECTED:
        delivery.deliver(undo_activity(item, local.url), sender=local.name,
                         inboxes=[item.inbox])


def answered(local_name: str, remote_url: str, follow_id: str | None, state: str) -> bool:
    """The remote actor accepted or rejected a local actor's Follow. Only the actor that
    was followed can answer, and only that Follow (when the answer names it). False when
    there is no such follow."""
    item = following(local_name, remote_url)
    if item is None or (follow_id and follow_id != item.follow_id):
        return False
    if item.state != state:
        _set_state(item, state)
    return True


def of_follow_id(follow_id: str) -> Iterable[Relation]:
    """Every relation the Follow `follow_id` made (for an Undo or answer naming only it)."""
    return [item for item in Item.by_owner.query(f"follow-id#{follow_id}")
            if isinstance(item, Relation)]


# --- finding a remote actor by its handle -------------------------------------------------

JRD_MAX_BYTES = 64 * 1024


def remote_scheme() -> str:
    """How remote servers are reached: https, but http for a local test federation whose
    own address is http (as PeerTube's REMOTE_SCHEME in its test mode)."""
    return "http" if settings().public_url.startswith("http://") else "https"


def finger(name: str, host: str) -> str:
    """The ActivityPub id of `name@host`, by WebFinger (its `self` link of an ActivityPub
    type). Raises fetch.FetchError."""
    url = f"{remote_scheme()}://{host}/.well-known/webfinger"
    fetch.checked_address(url)
    try:
        with httpx.stream("GET", url, params={"resource": f"acct:{name}@{host}"},
                          headers={"Accept": "application/jrd+json, application/json"},
                          timeout=fetch.TIMEOUT, follow_redirects=False) as answer:
            if answer.status_code != 200:
                raise fetch.FetchError("status", f"WebFinger of {name}@{host} answered "
                                       f"{answer.status_code}", answer.status_code)
            body = b""
            for chunk in answer.iter_bytes():
                body += chunk
                if len(body) > JRD_MAX_BYTES:
                    raise fetch.FetchError("too_big", f"WebFinger of {name}@{host}")
    except httpx.HTTPError as error:
        raise fetch.FetchError("network", f"WebFinger of {name}@{host} failed ({error})") \
            from None
    try:
        links = json.loads(body).get("links") or []
    except (ValueError, AttributeError):
        raise fetch.FetchError("not_json", f"WebFinger of {name}@{host} is no JSON object") \
            from None
    for link in links:
        if (isinstance(link, dict) and link.get("rel") == "self"
                and str(link.get("type", "")).split(";")[0].strip() in fetch.ACTIVITYPUB_TYPES
                and isinstance(link.get("href"), str)):
            return link["href"]
    raise fetch.FetchError("not_activitypub", f"{name}@{host} has no ActivityPub actor")


def resolve(name: str, host: str) -> remote_actors.RemoteActor:
    """The remote actor `name@host`: known here, else found by WebFinger and fetched.
    Raises fetch.FetchError or remote_actors.RemoteActorError."""
    known = remote_actors.by_handle(f"{name}@{host}")
    if known is not None:
        return remote_actors.get_actor(known.url)
    return remote_actors.get_actor(finger(name, host))
