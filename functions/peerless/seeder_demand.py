"""The seeder runs only while it is wanted (DESIGN section 5: an idle instance costs close
to nothing).

On AWS the seeder's ECS service (tracker, libtorrent seeder, RTMP ingest) is parked at
desiredCount 0. The api reports demand:
- `viewing()`: someone plays a video (the player's view reports, every few seconds);
- `going_live()`: a live is created or its stream key read (the go-live page): its
  streamer is about to connect an encoder, which Fargate needs 30 to 60 s to be ready for.

Demand is one table item, `seeder-demand`, whose `wanted_until` (epoch s) each report
pushes forward, by a conditional write that succeeds at most about once a minute however
many report; only a write that succeeds looks at `parked`, and only a parked service gets
an ECS call. A schedule calls `park_if_idle()`, which parks the service once
`wanted_until` has passed and no live is streaming, and starts it if it is wanted but
stopped (a deploy puts the template's desiredCount 0 back).

Where no ECS service is named (`PEERLESS_SEEDER_SERVICE` unset: the local stack, whose
seeder always runs) all of this does nothing.
"""
from __future__ import annotations

import logging
import time

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import BooleanAttribute, NumberAttribute
from pynamodb.exceptions import UpdateError

from . import aws, live
from .models import Item, get_or_none
from .settings import settings

log = logging.getLogger(__name__)

# A viewer's reports come every few seconds while a video plays: half an hour after the
# last one nobody is watching.
VIEW_HOLD = 30 * 60
# A streamer opens the go-live page, then sets up the encoder; a live that streams keeps
# the seeder itself (its heartbeat), so this only covers the wait before the stream.
LIVE_HOLD = 2 * 3600
# A report pushes `wanted_until` only when that moves it by more than this: at most about
# one write a minute, whatever the number of viewers.
WRITE_EVERY = 60


class SeederDemand(Item, discriminator="seeder-demand"):
    """Until when the seeder is wanted, and whether it was last parked (the service's state
    as this module left it, so a wake needs no ECS call to learn it)."""
    wanted_until = NumberAttribute(default=0)
    parked = BooleanAttribute(null=True)   # None: never set, as after the first deploy

    @staticmethod
    def key() -> tuple[str, str]:
        return "seeder-demand", "seeder-demand"


# The latest `wanted_until` this process wrote: the table's is never earlier, so a report
# that would not move it past this needs no write at all.
_written_until = 0


def viewing() -> None:
    """Someone watches: the seeder is wanted for VIEW_HOLD more seconds."""
    _want(VIEW_HOLD)


def going_live() -> None:
    """A streamer is about to stream: the seeder (and its ingest) wanted for LIVE_HOLD."""
    _want(LIVE_HOLD)


def _service() -> tuple[str, str] | None:
    """The seeder's (cluster, service), or None where there is no ECS service to drive."""
    named = settings().seeder_service
    if not named:
        return None
    cluster, service = named.split("/", 1)
    return cluster, service


def _want(hold: int) -> None:
    global _written_until
    service = _service()
    if service is None:
        return
    until = int(time.time()) + hold
    if _written_until >= until - WRITE_EVERY:
        return
    demand = SeederDemand(*SeederDemand.key())
    try:
        demand.update(actions=[SeederDemand.wanted_until.set(until)],
                      condition=SeederDemand.wanted_until.does_not_exist()
                      | (SeederDemand.wanted_until < until - WRITE_EVERY))
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return  # another report pushed it already, within the minute
        raise
    _written_until = until
    if demand.parked is not False:
        _start(service)


def _start(service: tuple[str, str]) -> None:
    """desiredCount 1, then `parked` cleared. A failed call leaves `parked` set, so the
    next report that writes tries again (and the schedule does, within its period); the
    view or the live page it came from goes on either way."""
    try:
        _set_desired(service, 1)
    except (BotoCoreError, ClientError):
        log.exception("the seeder could not be started")
        return
    SeederDemand(*SeederDemand.key()).update(actions=[SeederDemand.parked.set(False)])


def _set_desired(service: tuple[str, str], count: int) -> None:
    cluster, name = service
    aws.client("ecs").update_service(cluster=cluster, service=name, desiredCount=count)


def streaming(now: int | None = None) -> bool:
    """Whether a live streams now: a session whose ingest's heartbeat is fresh."""
    now = time.time() if now is None else now
    return any(stream.beating(now) for stream in live.not_ended())


def park_if_idle() -> str | None:
    """The schedule's job: parks the seeder when nothing wants it (`wanted_until` passed,
    no live streaming), starts it when something does but it is stopped. Returns the
    state it left ("parked" or "running"), None without a service."""
    service = _service()
    if service is None:
        return None
    now = int(time.time())
    demand = get_or_none(SeederDemand, SeederDemand.key())
    wanted = (demand is not None and demand.wanted_until > now) or streaming(now)
    cluster, name = service
    (described,) = aws.client("ecs").describe_services(
        cluster=cluster, services=[name])["services"]
    if wanted:
        if described["desiredCount"] == 0:
            _start(service)
        return "running"
    if described["desiredCount"] == 0 and demand is not None and demand.parked:
        return "parked"
    # `parked` is claimed first, on the condition that no report came since the read: a
    # report that comes after it sees `parked` and starts the service again.
    try:
        SeederDemand(*SeederDemand.key()).update(
            actions=[SeederDemand.parked.set(True)],
            condition=SeederDemand.wanted_until.does_not_exist()
            | (SeederDemand.wanted_until <= now))
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return "running"
        raise
    _set_desired(service, 0)
    # A report between the claim and the call above may have started the service before
    # this parked it: it is started again.
    demand = get_or_none(SeederDemand, SeederDemand.key())
    if demand is not None and demand.wanted_until > now:
        _start(service)
        return "running"
    return "parked"


def handler(event: dict, context) -> str | None:
    """The scheduled function's entry point (EventBridge, see infra's functions.py)."""
    return park_if_idle()
