"""Moderation's domain on moto's in-process mock: what the mute lists tell other modules,
the counters behind report lists and statistics, and video blocks with the catalog."""
import pytest

from peerless import accounts, errors, ids, moderation, videos
from peerless.catalog import VideoQuery, list_videos
from peerless.models import Video
from peerless.moderation import ACCEPTED, PENDING, REJECTED, AbuseFilter
from peerless.settings import settings


@pytest.fixture
def people(aws):
    make = accounts.create_user
    return {"alice": make("alice", "alice@example.com", "a password"),
            "bob": make("bob", "bob@example.com", "a password"),
            "carol": make("carol", "carol@example.com", "a password"),
            "mod": make("mod", "mod@example.com", "a password",
                        role=accounts.ROLE_MODERATOR)}


def test_mute_lists_as_other_modules_read_them(people):
    alice, bob, mod = people["alice"], people["bob"], people["mod"]
    moderation.mute_account(alice, "bob")
    moderation.mute_server(alice, "Spam.Example")
    moderation.mute_account(mod, f"carol@{settings().host}", for_instance=True)
    moderation.mute_server(mod, "evil.example", for_instance=True)

    assert moderation.muted_accounts(alice) == {"bob", "carol"}
    assert moderation.muted_servers(alice) == {"spam.example", "evil.example"}
    # Others, and anonymous visitors, only get the instance's mutes.
    assert moderation.muted_accounts(bob) == {"carol"}
    assert moderation.muted_accounts(None) == {"carol"}
    assert moderation.muted_servers(None) == {"evil.example"}
    assert moderation.is_account_muted(alice, "Bob")
    assert moderation.is_account_muted(alice, f"bob@{settings().host}")
    assert not moderation.is_account_muted(bob, "bob@elsewhere.example")
    assert moderation.is_account_muted(None, "carol")

    moderation.unmute_account(alice, "bob")
    assert moderation.muted_accounts(alice) == {"carol"}
    with pytest.raises(errors.ApiError) as raised:
        moderation.unmute_account(alice, "bob")
    assert raised.value.status == 404


def test_instance_mutes_need_a_moderator(people):
    with pytest.raises(errors.ApiError) as raised:
        moderation.mute_server(people["alice"], "x.example", for_instance=True)
    assert raised.value.status == 403
    assert moderation.muted_servers(None) == set()


def test_mute_lists_page_newest_first(people):
    alice = people["alice"]
    for host in ("a.example", "b.example", "c.example"):
        moderation.mute_server(alice, host)
    total, page = moderation.list_mutes(alice, "server", 1, 1)
    assert total == 3 and [m.target for m in page] == ["b.example"]
    total, page = moderation.list_mutes(alice, "server", 0, 5, newest_first=False)
    assert [m.target for m in page] == ["a.example", "b.example", "c.example"]
    assert moderation.list_mutes(alice, "server", 0, 5, search="B.EX")[0] == 1


def account_report(reporter, flagged, **extra):
    return moderation.report(reporter, {"reason": "Not nice", "account": {
        "id": flagged.account_id}, **extra})


def states(mod):
    return {s: moderation.list_abuses(mod, AbuseFilter(state=s), 0, 100)[0]
            for s in (PENDING, REJECTED, ACCEPTED)}


def test_report_lists_and_counters_follow_each_change(people):
    alice, bob, carol, mod = people["alice"], people["bob"], people["carol"], people["mod"]
    first = account_report(alice, bob)
    second = account_report(carol, bob, predefinedReasons=["privacy"])
    third = account_report(alice, carol)
    assert states(mod) == {PENDING: 3, REJECTED: 0, ACCEPTED: 0}

    moderation.update_abuse(mod, first.id, {"state": ACCEPTED})
    moderation.update_abuse(mod, first.id, {"state": REJECTED, "moderationComment": "Oops"})
    assert states(mod) == {PENDING: 2, REJECTED: 1, ACCEPTED: 0}
    stats = moderation.abuse_stats()
    # Processed once, when it first left "pending".
    assert stats["totalAbuses"] == 3 and stats["totalAbusesProcessed"] == 1
    assert stats["averageAbuseResponseTimeMs"] >= 0

    total, page = moderation.list_abuses(mod, AbuseFilter(), 0, 2)
    assert total == 3 and [a.id for a in page] == [third.id, second.id]
    total, page = moderation.list_abuses(mod, AbuseFilter(), 2, 2)
    assert [a.id for a in page] == [first.id]
    oldest = moderation.list_abuses(mod, AbuseFilter(), 0, 1, newest_first=False)[1]
    assert [a.id for a in oldest] == [first.id]
    assert moderation.list_abuses(mod, AbuseFilter(predefined_reason="privacy"),
                                  0, 10)[1][0].id == second.id
    assert moderation.list_abuses(mod, AbuseFilter(reportee="carol"), 0, 10)[0] == 1
    assert moderation.list_abuses(mod, AbuseFilter(search="NOT NICE"), 0, 10)[0] == 3

    assert moderation.list_abuses(mod, AbuseFilter(abuse_id=second.id), 0, 10)[1][0].id == \
        second.id
    assert moderation.list_abuses(mod, AbuseFilter(abuse_id=second.id, state=ACCEPTED),
                                  0, 10) == (0, [])
    assert moderation.list_abuses(mod, AbuseFilter(abuse_id=second.id,
                                                   predefined_reason="rights"), 0, 10)[0] == 0
    assert moderation.list_my_abuses(carol, 0, 10, abuse_id=second.id)[0] == 1
    assert moderation.list_my_abuses(alice, 0, 10, abuse_id=second.id) == (0, [])
    assert moderation.list_my_abuses(alice, 0, 10)[0] == 2
    assert moderation.list_my_abuses(alice, 0, 10, state=REJECTED)[1][0].id == first.id
    views = moderation.abuse_views([second])
    assert views[0].reports_against_flagged == 2 and views[0].reports_by_reporter == 1

    moderation.delete_abuse(mod, first.id)
    assert states(mod) == {PENDING: 2, REJECTED: 0, ACCEPTED: 0}
    assert moderation.abuse_views([second])[0].reports_against_flagged == 1
    for call in (lambda: moderation.list_abuses(alice, AbuseFilter(), 0, 10),
                 lambda: moderation.update_abuse(alice, second.id, {"state": ACCEPTED}),
                 lambda: moderation.delete_abuse(carol, second.id)):
        with pytest.raises(errors.ApiError) as raised:
            call()
        assert raised.value.status == 403


def test_messages_are_counted_and_go_with_their_report(people):
    alice, mod = people["alice"], people["mod"]
    abuse = account_report(alice, people["bob"])
    mine = moderation.add_message(alice, abuse.id, "Hello?")
    moderation.add_message(mod, abuse.id, "Looking.")
    assert moderation.get_abuse(abuse.id).messages == 2
    assert [m.by_moderator for m in moderation.list_messages(mod, abuse.id)] == [False, True]
    moderation.delete_message(alice, abuse.id, mine.id)
    assert moderation.get_abuse(abuse.id).messages == 1
    moderation.delete_abuse(mod, abuse.id)
    assert moderation._messages(abuse.id) == []


def publish(user, name):
    channel = accounts.channels_of(user.username)[0]
    video = videos.create(user, videos.parse_attributes(
        {"name": name, "channelId": channel.id}, from_form=False),
        uuid=ids.new_uuid(), filename="x.mp4")
    videos.publish(video, {"renditions": []}, 10)
    return video


def listed():
    return [v.name for v in list_videos(VideoQuery(count=50))[1]]


def test_a_blocked_video_leaves_the_catalog_until_unblocked(people):
    mod = people["mod"]
    video = publish(people["alice"], "Blockable")
    assert listed() == ["Blockable"]
    moderation.block_video(mod, video.uuid, {"reason": "Nope"})
    moderation.block_video(mod, video.uuid, {})          # a retry
    assert listed() == [] and list_videos(VideoQuery())[0] == 0
    assert Video.get(*Video.key(video.uuid)).blocked
    assert moderation.is_video_blocked(video.uuid) == (True, "Nope")
    total, blocks = moderation.list_video_blocks(mod, 0, 10)
    assert total == 1 and blocks[0][1].uuid == video.uuid
    assert moderation.list_video_blocks(mod, 0, 10, block_type=2) == (0, [])

    moderation.unblock_video(mod, str(video.id))
    assert listed() == ["Blockable"]
    assert moderation.is_video_blocked(video.uuid) == (False, None)
    assert moderation.list_video_blocks(mod, 0, 10)[0] == 0
    with pytest.raises(errors.ApiError) as raised:
        moderation.unblock_video(mod, video.uuid)
    assert raised.value.status == 404


def test_reports_on_a_video_count_and_survive_it(people):
    alice, mod = people["alice"], people["mod"]
    video = publish(people["bob"], "Reported")
    for reporter in (alice, people["carol"]):
        moderation.report(reporter, {"reason": "Bad video", "video": {"id": video.uuid}})
    newest = moderation.list_abuses(mod, AbuseFilter(target="video"), 0, 10)[1]
    assert [a.nth_report for a in newest] == [2, 1]
    views = moderation.abuse_views(newest)
    assert [v.reports_on_video for v in views] == [2, 2]
    videos.delete(video)
    views = moderation.abuse_views(newest)
    assert [v.video for v in views] == [None, None]
    assert newest[0].video_name == "Reported"
