"""The local actors as PeerTube emits them: accounts as Person, channels as Group
attributed to their account, the instance as the Application at /accounts/peertube; the
WebFinger resources naming them; their collections, paged as PeerTube pages them."""
import io
import json

import jsonschema
import pytest
from PIL import Image

from peerless import accounts, errors, images, playlists, subscriptions
from peerless.federation import actors, discovery, keys
from peerless.forms import FormFile
from peerless.models import User
from peerless.settings import settings
from tests.conftest import CONFORMANCE
from tests.unit.test_catalog import publish

PT_ACTOR = json.loads((CONFORMANCE / "peertube-schemas" / "PTActor.json").read_text())


@pytest.fixture(autouse=True)
def key_file(tmp_path, monkeypatch):
    """Keys sealed under a key file of this test's own; nothing cached across tests."""
    monkeypatch.setenv("PEERLESS_KEY_FILE", str(tmp_path / "k.key"))
    monkeypatch.setenv("PEERLESS_KEY_STORE", "local")
    caches = (settings, keys.public_key_pem, keys.private_key, keys._key_file,
              actors._instance_born)
    for cache in caches:
        cache.cache_clear()
    yield
    monkeypatch.undo()
    for cache in caches:
        cache.cache_clear()


def picture(fmt: str, size: tuple[int, int]) -> FormFile:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, fmt)
    return FormFile(f"picture.{fmt.lower()}", f"image/{fmt.lower()}", out.getvalue())


@pytest.fixture
def alice(aws):
    user = accounts.create_user("alice", "alice@example.com", password_hash="unused",
                                display_name="Alice Liddell", channel_name="alice_films")
    user.update(actions=[User.description.set("Films through the looking glass.")])
    images.replace(user, images.AVATAR, picture("PNG", (300, 300)))
    channel = accounts.channel_by_handle("alice_films")
    accounts.update_channel(channel, user, {"support": "Buy me a rabbit-hole."})
    images.replace(channel, images.BANNER, picture("JPEG", (2000, 400)))
    return user


def url(path: str) -> str:
    return settings().public_url + path


def test_an_account_is_a_person(alice):
    person = actors.document(actors.account("alice"))
    jsonschema.validate(person, PT_ACTOR)
    me = url("/accounts/alice")
    assert person["type"] == "Person" and person["id"] == me
    assert person["preferredUsername"] == "alice" and person["name"] == "Alice Liddell"
    assert person["summary"] == "Films through the looking glass."
    assert (person["inbox"], person["outbox"]) == (me + "/inbox", me + "/outbox")
    assert (person["followers"], person["following"]) == (me + "/followers",
                                                          me + "/following")
    assert person["endpoints"] == {"sharedInbox": url("/inbox")}
    assert person["publicKey"] == {"id": me + "#main-key", "owner": me,
                                   "publicKeyPem": keys.public_key_pem("alice")}
    assert [link["href"] for link in person["url"]] == [
        url("/a/alice/video-channels"), url("/a/alice"), me]
    assert person["published"].endswith("Z")
    icons = person["icon"]
    assert icons[0]["width"] == 1500 and {i["mediaType"] for i in icons} == {"image/png"}
    assert all(i["type"] == "Image" and i["url"].startswith("http") for i in icons)
    assert "https://www.w3.org/ns/activitystreams" in person["@context"]
    assert "attributedTo" not in person and "image" not in person


def test_a_channel_is_a_group_attributed_to_its_account(alice):
    group = actors.document(actors.channel("alice_films"))
    jsonschema.validate(group, PT_ACTOR)
    assert group["type"] == "Group" and group["id"] == url("/video-channels/alice_films")
    assert group["attributedTo"] == [{"type": "Person", "id": url("/accounts/alice")}]
    assert group["support"] == "Buy me a rabbit-hole."
    assert group["postingRestrictedToMods"] is True
    assert group["image"][0]["mediaType"] == "image/jpeg"
    assert (group["image"][0]["width"], group["image"][0]["height"]) == (1920, 317)
    assert group["url"][0]["href"] == url("/c/alice_films/videos")
    # Its own key, not its account's.
    assert group["publicKey"]["publicKeyPem"] != keys.public_key_pem("alice")


def test_the_instance_is_the_application_at_accounts_peertube(aws):
    application = actors.document(actors.account("peertube"))
    jsonschema.validate(application, PT_ACTOR)
    assert application["type"] == "Application"
    assert application["id"] == url("/accounts/peertube")
    assert application["preferredUsername"] == "peertube"
    assert application["publicKey"]["owner"] == application["id"]
    assert actors.find("peertube").url == application["id"]
    assert actors.account(f"peertube@{settings().host}").type == "Application"


def test_the_instance_actors_name_is_kept_from_users(aws):
    assert actors.reserve_instance_actor() and actors.reserve_instance_actor()
    with pytest.raises(errors.ApiError) as refused:
        accounts.create_user("peertube", "pt@example.com", password_hash="unused")
    assert refused.value.status == 409


def test_a_user_who_had_the_name_first_is_reported(aws):
    accounts.create_user("peertube", "pt@example.com", password_hash="unused")
    assert actors.reserve_instance_actor() is False


@pytest.mark.parametrize("lookup, handle", [
    (actors.account, "nobody"), (actors.account, "alice_films"), (actors.channel, "alice"),
    (actors.account, "alice@elsewhere.example"),
])
def test_what_is_not_a_local_actor_of_that_kind_is_not_found(alice, lookup, handle):
    with pytest.raises(errors.ApiError) as missing:
        lookup(handle)
    assert missing.value.status == 404


@pytest.mark.parametrize("path, kind", [
    ("/a/alice", "Person"), ("/accounts/alice", "Person"), ("/a/alice/video-channels", "Person"),
    ("/c/alice_films", "Group"), ("/video-channels/alice_films/videos", "Group"),
    ("/accounts/peertube", "Application"),
    ("/w/9c9de5e8-0a1e-484a-b099-e80766180a6d", None), ("/c/alice_films/video-playlists", None),
])
def test_actor_pages_and_tabs_name_their_actor(alice, path, kind):
    actor = actors.at_page(path)
    assert (actor.type if actor else None) == kind


def test_webfinger_resources_name_accounts_channels_and_the_instance(alice):
    host = settings().host
    assert discovery.resolve(f"acct:alice@{host}").type == "Person"
    assert discovery.resolve(f"acct:alice_films@{host.upper()}").type == "Group"
    assert discovery.resolve(f"acct:peertube@{host}").type == "Application"
    assert discovery.resolve(f"@alice@{host}").name == "alice"
    assert discovery.resolve(url("/accounts/alice")).type == "Person"
    assert discovery.resolve(url("/c/alice_films")).type == "Group"


@pytest.mark.parametrize("resource, status", [
    (None, 400), ("", 400), ("alice", 400), ("acct:alice", 400), ("acct:@", 400),
    ("mailto:alice@example.com", 400), ("acct:alice@elsewhere.example", 404),
    ("acct:nobody@{host}", 404), ("https://elsewhere.example/accounts/alice", 404),
    ("{url}/videos/watch/abc", 404),
])
def test_webfinger_refuses_malformed_and_unknown_resources(alice, resource, status):
    if resource:
        resource = resource.format(host=settings().host, url=settings().public_url)
    with pytest.raises(errors.ApiError) as refused:
        discovery.resolve(resource)
    assert refused.value.status == status


def test_a_channels_followers_are_its_subscribers_accounts_paged_by_ten(alice):
    for n in range(11):
        fan = accounts.create_user(f"fan{n}", f"fan{n}@example.com", password_hash="unused")
        subscriptions.subscribe(fan, "alice_films")
    channel = actors.channel("alice_films")
    root = actors.collection(channel, "followers")
    base = url("/video-channels/alice_films/followers")
    assert root["type"] == "OrderedCollection" and root["id"] == base
    assert root["totalItems"] == 11 and root["first"] == base + "?page=1"
    first = actors.collection(channel, "followers", 1)
    assert first["type"] == "OrderedCollectionPage" and first["partOf"] == base
    assert len(first["orderedItems"]) == 10 and first["next"] == base + "?page=2"
    assert "prev" not in first and first["orderedItems"][0] == url("/accounts/fan10")
    second = actors.collection(channel, "followers", 2)
    assert second["orderedItems"] == [url("/accounts/fan0")]
    assert second["prev"] == base + "?page=1" and "next" not in second
    fan = actors.account("fan3")
    assert actors.collection(fan, "following", 1)["orderedItems"] == [
        url("/video-channels/alice_films")]
    assert actors.collection(actors.account("alice"), "followers")["totalItems"] == 0


def test_outboxes_hold_the_public_videos_created_by_the_account_announced_by_the_channel(
        alice):
    first, second = publish(alice, "Down the hole"), publish(alice, "The pool of tears")
    account, channel = actors.account("alice"), actors.channel("alice_films")
    assert actors.collection(account, "outbox")["totalItems"] == 2
    created = actors.collection(account, "outbox", 1)["orderedItems"]
    assert [a["object"] for a in created] == [actors.video_url(v.uuid)
                                              for v in (second, first)]
    assert {a["type"] for a in created} == {"Create"}
    assert created[0]["actor"] == account.url
    assert created[0]["id"] == actors.video_url(second.uuid) + "/activity"
    assert created[0]["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert created[0]["cc"] == [account.url + "/followers"]
    announced = actors.collection(channel, "outbox", 1)["orderedItems"]
    assert {a["type"] for a in announced} == {"Announce"}
    assert announced[0]["actor"] == channel.url
    # The instance shared every local video: a server that starts following it reads
    # them there.
    instance = actors.account("peertube")
    shared = actors.collection(instance, "outbox", 1)["orderedItems"]
    assert [(a["type"], a["actor"], a["id"]) for a in shared] == [
        ("Announce", instance.url, actors.video_url(v.uuid) + "/announces/0")
        for v in (second, first)]


def test_playlists_collections_list_the_public_playlists(alice):
    channel = accounts.channel_by_handle("alice_films")
    shown = playlists.create(alice, {"displayName": "Shown", "privacy": playlists.PUBLIC,
                                     "videoChannelId": channel.id})
    playlists.create(alice, {"displayName": "Hidden", "privacy": playlists.PRIVATE})
    for actor in (actors.account("alice"), actors.channel("alice_films")):
        page = actors.collection(actor, "playlists", 1)
        assert page["totalItems"] == 1
        assert page["orderedItems"] == [actors.playlist_url(shown.uuid)]
