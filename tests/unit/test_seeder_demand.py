"""The seeder runs only while wanted (peerless.seeder_demand), on moto's table and ECS: a
view or a live's key wakes a parked service, once; the schedule parks it when idle."""
import dataclasses
import time

import boto3
import pytest

from peerless import accounts, live, seeder_demand
from peerless import aws as peerless_aws
from peerless.settings import settings

CLUSTER, SERVICE = "peerless-seeder", "seeder"


@pytest.fixture
def ecs_calls(aws, monkeypatch):
    """A parked seeder service on moto; yields the ECS calls made, by operation name."""
    ecs = boto3.client("ecs", region_name="us-east-1")
    ecs.create_cluster(clusterName=CLUSTER)
    task = ecs.register_task_definition(family="seeder", containerDefinitions=[
        {"name": "seeder", "image": "seeder", "memory": 512}])["taskDefinition"]
    ecs.create_service(cluster=CLUSTER, serviceName=SERVICE, desiredCount=0,
                       taskDefinition=task["taskDefinitionArn"])
    monkeypatch.setattr(seeder_demand, "settings", lambda: dataclasses.replace(
        settings(), seeder_service=f"{CLUSTER}/{SERVICE}"))
    monkeypatch.setattr(seeder_demand, "_written_until", 0)
    calls = []
    record = lambda model, **_: calls.append(model.name)  # noqa: E731
    client = peerless_aws.client("ecs")
    client.meta.events.register("before-call.ecs.*", record)
    yield calls
    client.meta.events.unregister("before-call.ecs.*", record)


def desired() -> int:
    (service,) = boto3.client("ecs", region_name="us-east-1").describe_services(
        cluster=CLUSTER, services=[SERVICE])["services"]
    return service["desiredCount"]


def forget_this_process():
    """Another Lambda container: it has not written `wanted_until` itself."""
    seeder_demand._written_until = 0


def later(monkeypatch, seconds: int):
    """The clock moved on (the whole process's: the live's heartbeats follow it too)."""
    now = START + seconds
    monkeypatch.setattr(time, "time", lambda: now)


START = 0.0


@pytest.fixture(autouse=True)
def start_clock():
    """Each test's clock starts when the test does: a session runs its tests long after
    this module was collected, and `later` must never go back in time."""
    global START
    START = time.time()


def wanted_until() -> int:
    return seeder_demand.SeederDemand.get(*seeder_demand.SeederDemand.key()).wanted_until


def test_a_view_wakes_a_parked_seeder_once(ecs_calls, monkeypatch):
    seeder_demand.viewing()
    assert desired() == 1 and ecs_calls == ["UpdateService"]
    first = wanted_until()
    later(monkeypatch, 30)
    seeder_demand.viewing()
    forget_this_process()
    seeder_demand.viewing()  # the table's conditional write turns this one away
    assert ecs_calls == ["UpdateService"] and wanted_until() == first


def test_views_after_the_minute_extend_the_demand_without_ecs(ecs_calls, monkeypatch):
    seeder_demand.viewing()
    first = wanted_until()
    later(monkeypatch, 90)
    seeder_demand.viewing()
    demand = seeder_demand.SeederDemand.get(*seeder_demand.SeederDemand.key())
    assert demand.wanted_until > first + seeder_demand.WRITE_EVERY and demand.parked is False
    assert ecs_calls == ["UpdateService"]


def test_reading_a_lives_key_wakes_the_seeder_for_hours(ecs_calls, monkeypatch):
    user = accounts.create_user("bob", "bob@example.com", password_hash="unused",
                                display_name="Bob", channel_name="bob_live")
    channel = accounts.channels_of("bob")[0]
    live.create(user, {"name": "Garden", "channelId": channel.id}, from_form=False)
    seeder_demand.going_live()
    assert desired() == 1
    later(monkeypatch, seeder_demand.VIEW_HOLD + 60)
    assert seeder_demand.park_if_idle() == "running"
    assert desired() == 1


def test_the_schedule_parks_an_idle_seeder_and_the_next_view_wakes_it(ecs_calls,
                                                                      monkeypatch):
    seeder_demand.viewing()
    assert seeder_demand.park_if_idle() == "running" and desired() == 1
    later(monkeypatch, seeder_demand.VIEW_HOLD + 60)
    assert seeder_demand.park_if_idle() == "parked" and desired() == 0
    calls = len(ecs_calls)
    assert seeder_demand.park_if_idle() == "parked"
    assert ecs_calls[calls:] == ["DescribeServices"]
    seeder_demand.viewing()
    assert desired() == 1 and ecs_calls[-1] == "UpdateService"


def test_a_streaming_live_keeps_the_seeder(ecs_calls, monkeypatch):
    user = accounts.create_user("bob", "bob@example.com", password_hash="unused",
                                display_name="Bob", channel_name="bob_live")
    channel = accounts.channels_of("bob")[0]
    video = live.create(user, {"name": "Garden", "channelId": channel.id}, from_form=False)
    seeder_demand.going_live()
    start = live.begin(live.get(video.uuid, user)[1].stream_key)
    later(monkeypatch, seeder_demand.LIVE_HOLD + 60)
    assert live.heartbeat(video.uuid, start.session)
    assert seeder_demand.park_if_idle() == "running" and desired() == 1
    later(monkeypatch, seeder_demand.LIVE_HOLD + 60 + live.STALE_AFTER + 1)
    assert seeder_demand.park_if_idle() == "parked" and desired() == 0


def test_a_seeder_stopped_while_wanted_is_started_by_the_schedule(ecs_calls):
    seeder_demand.viewing()
    # A deploy puts the template's desiredCount 0 back.
    boto3.client("ecs", region_name="us-east-1").update_service(
        cluster=CLUSTER, service=SERVICE, desiredCount=0)
    assert seeder_demand.park_if_idle() == "running" and desired() == 1


def test_without_a_service_nothing_is_called(aws, monkeypatch):
    monkeypatch.setattr(seeder_demand, "settings", lambda: dataclasses.replace(
        settings(), seeder_service=None))
    calls = []
    record = lambda **_: calls.append(1)  # noqa: E731
    peerless_aws.client("ecs").meta.events.register("before-call", record)
    seeder_demand.viewing()
    seeder_demand.going_live()
    assert seeder_demand.park_if_idle() is None
    peerless_aws.client("ecs").meta.events.unregister("before-call", record)
    assert calls == []
    assert seeder_demand.get_or_none(seeder_demand.SeederDemand,
                                     seeder_demand.SeederDemand.key()) is None
