"""The instance as PeerTube clients read it and administrators change it: /config, its
About page, the custom configuration, the statistics and the vocabularies."""
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def restore_config(stack):
    """The stack is shared: whatever a test configures is undone after it."""
    yield
    assert stack.http.delete("/api/v1/config/custom", headers=stack.auth()).status_code == 200


@pytest.fixture(scope="module")
def people(stack):
    return {"user": stack.create_user("instance_user"),
            "moderator": stack.create_user("instance_mod", role=1), "admin": stack.auth()}


def test_vocabularies(stack):
    categories = stack.http.get("/api/v1/videos/categories").json()
    assert categories["15"] == "Science & Technology" and len(categories) == 18
    licences = stack.http.get("/api/v1/videos/licences").json()
    assert licences["2"] == "Attribution - Share Alike" and len(licences) == 7
    languages = stack.http.get("/api/v1/videos/languages").json()
    assert languages["en"] == "English" and languages["fr"] == "French"
    assert languages["pt-PT"] == "Portuguese (Portugal)" and languages["el"] == "Greek"
    assert len(languages) > 150


def test_about_and_config_start_from_the_defaults(stack):
    about = stack.http.get("/api/v1/config/about").json()["instance"]
    assert about["name"] == "Peerless"
    assert about["languages"] == [] and about["categories"] == []
    assert {"terms", "codeOfConduct", "moderationInformation", "banners"} <= set(about)
    config = stack.http.get("/api/v1/config").json()
    assert config["signup"]["allowed"] is False
    assert config["user"] == {"videoQuota": -1, "videoQuotaDaily": -1}
    assert config["transcoding"]["enabledResolutions"] == [144, 240, 360, 480, 720]


@pytest.mark.parametrize("who, status", [(None, 401), ("user", 403), ("moderator", 403),
                                         ("admin", 200)])
def test_only_administrators_read_or_change_the_custom_config(stack, people, who, status,
                                                               restore_config):
    headers = people[who] if who else {}
    assert stack.http.get("/api/v1/config/custom", headers=headers).status_code == status
    changed = stack.http.put("/api/v1/config/custom", headers=headers,
                             json={"instance": {"name": f"Changed by {who}"}})
    assert changed.status_code == status
    name = stack.http.get("/api/v1/config").json()["instance"]["name"]
    assert name == ("Changed by admin" if status == 200 else "Peerless")
    assert stack.http.delete("/api/v1/config/custom", headers=headers).status_code == status


def test_custom_config_changes_what_clients_see(stack, restore_config):
    custom = stack.http.get("/api/v1/config/custom", headers=stack.auth()).json()
    assert custom["transcoding"]["resolutions"]["720p"] is True
    assert custom["transcoding"]["resolutions"]["1080p"] is False
    custom["instance"].update(name="Tube of cats", shortDescription="Cats only.",
                              terms="Be nice.", codeOfConduct="Really nice.",
                              languages=["fr", "en"], categories=[16, 17],
                              defaultNSFWPolicy="do_not_list", isNSFW=True)
    custom["signup"].update(enabled=True, requiresApproval=True, limit=1000)
    custom["user"].update(videoQuota=5_000_000, videoQuotaDaily=1_000_000)
    custom["transcoding"]["resolutions"].update({"144p": False, "240p": False})
    custom["live"].update(enabled=False, maxUserLives=2)
    custom["videoStudio"]["enabled"] = True  # not ours to change: ignored
    saved = stack.http.put("/api/v1/config/custom", headers=stack.auth(), json=custom)
    assert saved.status_code == 200, saved.text
    assert saved.json()["instance"]["name"] == "Tube of cats"
    assert (saved.json()["live"]["enabled"], saved.json()["live"]["maxUserLives"]) == (False, 2)
    assert saved.json()["videoStudio"]["enabled"] is False

    config = stack.http.get("/api/v1/config").json()
    assert config["instance"]["name"] == "Tube of cats"
    assert config["instance"]["shortDescription"] == "Cats only."
    assert config["instance"]["isNSFW"] is True
    assert config["instance"]["defaultNSFWPolicy"] == "do_not_list"
    assert config["signup"]["allowed"] is True and config["signup"]["requiresApproval"]
    assert config["user"] == {"videoQuota": 5_000_000, "videoQuotaDaily": 1_000_000}
    assert config["transcoding"]["enabledResolutions"] == [360, 480, 720]
    about = stack.http.get("/api/v1/config/about").json()["instance"]
    assert about["terms"] == "Be nice." and about["codeOfConduct"] == "Really nice."
    assert about["languages"] == ["fr", "en"] and about["categories"] == [16, 17]

    # A partial document changes what it holds and keeps the rest.
    partial = stack.http.put("/api/v1/config/custom", headers=stack.auth(),
                             json={"signup": {"limit": 1}})
    assert partial.json()["instance"]["name"] == "Tube of cats"
    # The limit is reached (root and the session's users exist): no more sign-ups.
    assert stack.http.get("/api/v1/config").json()["signup"]["allowed"] is False

    reset = stack.http.delete("/api/v1/config/custom", headers=stack.auth())
    assert reset.status_code == 200 and reset.json()["instance"]["name"] == "Peerless"
    assert stack.http.get("/api/v1/config").json()["instance"]["name"] == "Peerless"


def test_the_default_theme_is_the_administrators(stack, restore_config):
    assert stack.http.get("/api/v1/config").json()["theme"]["default"] == "default"
    saved = stack.http.put("/api/v1/config/custom", headers=stack.auth(),
                           json={"theme": {"default": "peerless-dark"}})
    assert saved.status_code == 200 and saved.json()["theme"]["default"] == "peerless-dark"
    assert stack.http.get("/api/v1/config").json()["theme"]["default"] == "peerless-dark"
    refused = stack.http.put("/api/v1/config/custom", headers=stack.auth(),
                             json={"theme": {"default": "galaxy"}})
    assert set(refused.json()["invalid-params"]) == {"theme.default"}


def test_bad_custom_config_is_refused_whole(stack, restore_config):
    response = stack.http.put("/api/v1/config/custom", headers=stack.auth(), json={
        "instance": {"name": "", "languages": ["klingon-ish"], "categories": [99],
                     "defaultNSFWPolicy": "sometimes", "shortDescription": "Fine."},
        "signup": {"limit": -5, "enabled": "yes"},
        "user": {"videoQuota": "lots"},
        "transcoding": {"resolutions": {"2160p": True, "999p": True}}})
    assert response.status_code == 400
    assert set(response.json()["invalid-params"]) == {
        "instance.name", "instance.languages", "instance.categories",
        "instance.defaultNSFWPolicy", "signup.limit", "signup.enabled", "user.videoQuota",
        "transcoding.resolutions"}
    beyond = stack.http.put("/api/v1/config/custom", headers=stack.auth(),
                            json={"transcoding": {"resolutions": {"1080p": True}}})
    assert beyond.status_code == 400
    assert "720p" in beyond.json()["invalid-params"]["transcoding.resolutions"]["msg"]
    config = stack.http.get("/api/v1/config").json()
    assert config["instance"]["shortDescription"] != "Fine."
    not_json = stack.http.put("/api/v1/config/custom", content=b"not json", headers={
        **stack.auth(), "Content-Type": "application/json"})
    assert not_json.status_code == 400


def test_stats_count_users_and_reports(stack):
    before = stack.http.get("/api/v1/server/stats").json()
    stack.create_user("stats_counted")
    after = stack.http.get("/api/v1/server/stats").json()
    assert after["totalUsers"] == before["totalUsers"] + 1
    assert after["totalLocalVideoChannels"] == before["totalLocalVideoChannels"] + 1
    for key in ("totalLocalVideos", "totalLocalVideoViews", "totalLocalVideoComments",
                "totalVideos", "totalAbuses", "totalDailyActiveUsers", "videosRedundancy"):
        assert key in after


def test_the_admins_resolutions_make_the_ladder(stack, media, restore_config):
    custom = stack.http.get("/api/v1/config/custom", headers=stack.auth()).json()
    custom["transcoding"]["resolutions"] = {r: r in ("720p", "240p") for r in
                                            custom["transcoding"]["resolutions"]}
    assert stack.http.put("/api/v1/config/custom", headers=stack.auth(),
                          json=custom).status_code == 200
    video = stack.wait_for_state(stack.uploaded(media["clip"], "Two rungs only"))
    assert [f["resolution"]["id"] for f in video["files"]] == [720, 240]
