"""Moderation through the API: abuse reports and their messages, block lists, video
blocks, and who may do what."""
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def people(stack):
    return {"reporter": stack.create_user("mod_reporter"),
            "author": stack.create_user("mod_author"),
            "other": stack.create_user("mod_other"),
            "moderator": stack.create_user("mod_moderator", role=1),
            "admin": stack.auth()}


def me(stack, headers) -> dict:
    return stack.http.get("/api/v1/users/me", headers=headers).json()


@pytest.fixture(scope="module")
def videos(stack, media, people):
    """The author's public and private videos, published."""
    public = stack.uploaded(media["portrait"], "Moderated dance", people["author"])
    private = stack.uploaded(media["portrait"], "Secret dance", people["author"],
                        privacy="3")
    for uuid in (public, private):
        assert stack.wait_for_state(uuid)["state"]["id"] == 1
    return {"public": public, "private": private}


def report(stack, headers, **body):
    return stack.http.post("/api/v1/abuses", headers=headers,
                           json={"reason": "This breaks the rules", **body})


def abuses(stack, headers, path="/api/v1/abuses", **params) -> dict:
    response = stack.http.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


# --- abuse reports ----------------------------------------------------------------------------

def test_reporting_an_account_and_handling_the_report(stack, people):
    author_account = me(stack, people["author"])["account"]["id"]
    stats_before = stack.http.get("/api/v1/server/stats").json()
    created = report(stack, people["reporter"], account={"id": author_account},
                     predefinedReasons=["spamOrMisleading"])
    assert created.status_code == 200, created.text
    abuse_id = created.json()["abuse"]["id"]

    listed = abuses(stack, people["moderator"], id=abuse_id)
    assert listed["total"] == 1
    shown = listed["data"][0]
    assert shown["reason"] == "This breaks the rules"
    assert shown["predefinedReasons"] == ["spamOrMisleading"]
    assert shown["state"] == {"id": 1, "label": "Pending"}
    assert shown["reporterAccount"]["name"] == "mod_reporter"
    assert shown["flaggedAccount"]["name"] == "mod_author"
    assert shown["video"] is None and shown["comment"] is None
    assert shown["countReportsForReporter"] >= 1 and shown["countReportsForReportee"] >= 1

    mine = abuses(stack, people["reporter"], "/api/v1/users/me/abuses")
    assert abuse_id in [a["id"] for a in mine["data"]]
    own = next(a for a in mine["data"] if a["id"] == abuse_id)
    assert "moderationComment" not in own and "reporterAccount" not in own
    assert abuses(stack, people["other"], "/api/v1/users/me/abuses")["total"] == 0

    accepted = stack.http.put(f"/api/v1/abuses/{abuse_id}", headers=people["moderator"],
                              json={"state": 3, "moderationComment": "Warned them."})
    assert accepted.status_code == 204
    assert abuse_id in [a["id"] for a in abuses(stack, people["admin"], state=3)["data"]]
    assert abuse_id not in [a["id"] for a in abuses(stack, people["admin"], state=1)["data"]]
    shown = abuses(stack, people["admin"], id=abuse_id)["data"][0]
    assert shown["state"]["label"] == "Accepted"
    assert shown["moderationComment"] == "Warned them."
    mine = abuses(stack, people["reporter"], "/api/v1/users/me/abuses", state=3)
    assert [a["id"] for a in mine["data"]] == [abuse_id]

    stats = stack.http.get("/api/v1/server/stats").json()
    assert stats["totalAbuses"] == stats_before["totalAbuses"] + 1
    assert stats["totalAbusesProcessed"] == stats_before["totalAbusesProcessed"] + 1
    assert stats["averageAbuseResponseTimeMs"] is not None

    assert stack.http.delete(f"/api/v1/abuses/{abuse_id}",
                             headers=people["moderator"]).status_code == 204
    assert abuses(stack, people["admin"], id=abuse_id)["total"] == 0
    assert stack.http.put(f"/api/v1/abuses/{abuse_id}", headers=people["moderator"],
                          json={"state": 2}).status_code == 404
    assert stack.http.get("/api/v1/server/stats").json()["totalAbuses"] == \
        stats_before["totalAbuses"]


def test_reporting_videos(stack, people, videos):
    created = report(stack, people["reporter"],
                     video={"id": videos["public"], "startAt": 1, "endAt": 2})
    assert created.status_code == 200, created.text
    abuse_id = created.json()["abuse"]["id"]
    shown = abuses(stack, people["moderator"], id=abuse_id)["data"][0]
    assert shown["video"]["uuid"] == videos["public"]
    assert shown["video"]["name"] == "Moderated dance"
    assert (shown["video"]["startAt"], shown["video"]["endAt"]) == (1, 2)
    assert shown["video"]["deleted"] is False
    assert shown["video"]["channel"]["name"] == "mod_author_channel"
    assert shown["video"]["countReports"] >= 1 and shown["video"]["nthReport"] >= 1
    assert shown["flaggedAccount"]["name"] == "mod_author"

    by_search = abuses(stack, people["moderator"], search="moderated DANCE")
    assert abuse_id in [a["id"] for a in by_search["data"]]
    assert by_search["total"] == len(by_search["data"])
    assert abuse_id not in [a["id"] for a in abuses(stack, people["moderator"],
                                                   filter="account")["data"]]
    assert abuse_id in [a["id"] for a in abuses(stack, people["moderator"],
                                               searchReporter="mod_reporter")["data"]]

    backwards = report(stack, people["reporter"],
                       video={"id": videos["public"], "startAt": 5, "endAt": 2})
    assert backwards.status_code == 400
    assert report(stack, people["reporter"],
                  video={"id": videos["private"]}).status_code == 404


@pytest.mark.parametrize("body, status", [
    ({}, 400),                                                # no target
    ({"account": {"id": 999999}}, 404),
    ({"video": {"id": "00000000-0000-4000-8000-000000000000"}}, 404),
    ({"comment": {"id": 999999}}, 404),
    ({"account": {"id": 1}, "reason": "x"}, 400),             # reason too short
    ({"account": {"id": 1}, "predefinedReasons": ["boring"]}, 400),
    ({"account": {"id": 1}, "video": {"id": 1}}, 400),        # two targets
])
def test_bad_reports_are_refused(stack, people, body, status):
    response = report(stack, people["reporter"], **body)
    assert response.status_code == status, response.text


def test_who_may_report_and_handle_reports(stack, people):
    account = me(stack, people["author"])["account"]["id"]
    assert report(stack, {}, account={"id": account}).status_code == 401
    myself = me(stack, people["reporter"])["account"]["id"]
    assert report(stack, people["reporter"], account={"id": myself}).status_code == 400
    abuse_id = report(stack, people["reporter"], account={"id": account}).json()["abuse"]["id"]
    for headers, status in [({}, 401), (people["reporter"], 403), (people["other"], 403)]:
        assert stack.http.get("/api/v1/abuses", headers=headers).status_code == status
        assert stack.http.put(f"/api/v1/abuses/{abuse_id}", headers=headers,
                              json={"state": 2}).status_code == status
        assert stack.http.delete(f"/api/v1/abuses/{abuse_id}",
                                 headers=headers).status_code == status
    bad = stack.http.put(f"/api/v1/abuses/{abuse_id}", headers=people["admin"],
                         json={"state": 7})
    assert bad.status_code == 400 and "state" in bad.json()["invalid-params"]
    assert stack.http.put("/api/v1/abuses/nope", headers=people["admin"],
                          json={"state": 2}).status_code == 400
    assert stack.http.get("/api/v1/abuses", headers=people["admin"],
                          params={"sort": "-reason"}).status_code == 400
    assert stack.http.delete(f"/api/v1/abuses/{abuse_id}",
                             headers=people["admin"]).status_code == 204


def test_messages_between_reporter_and_moderators(stack, people):
    account = me(stack, people["author"])["account"]["id"]
    abuse_id = report(stack, people["reporter"], account={"id": account}).json()["abuse"]["id"]
    path = f"/api/v1/abuses/{abuse_id}/messages"
    asked = stack.http.post(path, headers=people["reporter"], json={"message": "Any news?"})
    assert asked.status_code == 200
    answered = stack.http.post(path, headers=people["moderator"],
                               json={"message": "We are on it."})
    assert answered.status_code == 200
    assert stack.http.post(path, headers=people["other"],
                           json={"message": "Me too"}).status_code == 403
    assert stack.http.get(path, headers=people["other"]).status_code == 403
    assert stack.http.post(path, headers=people["reporter"],
                           json={"message": "x"}).status_code == 400

    thread = stack.http.get(path, headers=people["reporter"]).json()
    assert thread["total"] == 2
    assert [(m["message"], m["byModerator"], m["account"]["name"]) for m in thread["data"]] == [
        ("Any news?", False, "mod_reporter"), ("We are on it.", True, "mod_moderator")]
    assert abuses(stack, people["admin"], id=abuse_id)["data"][0]["countMessages"] == 2

    answer_id = answered.json()["abuseMessage"]["id"]
    assert stack.http.delete(f"{path}/{answer_id}",
                             headers=people["reporter"]).status_code == 403
    question_id = asked.json()["abuseMessage"]["id"]
    assert stack.http.delete(f"{path}/{question_id}",
                             headers=people["reporter"]).status_code == 204
    assert stack.http.delete(f"{path}/{question_id}",
                             headers=people["reporter"]).status_code == 404
    assert stack.http.get(path, headers=people["moderator"]).json()["total"] == 1
    assert stack.http.get("/api/v1/abuses/999999/messages",
                          headers=people["admin"]).status_code == 404
    stack.http.delete(f"/api/v1/abuses/{abuse_id}", headers=people["admin"])


# --- block lists ------------------------------------------------------------------------------

def test_a_user_mutes_accounts_and_servers(stack, people):
    user, host = people["reporter"], stack.url.split("://")[1]
    base = "/api/v1/users/me/blocklist"
    assert stack.http.post(f"{base}/accounts", headers=user,
                           json={"accountName": "mod_author"}).status_code == 204
    # Muting again changes nothing; a local handle with our host is the same account.
    assert stack.http.post(f"{base}/accounts", headers=user,
                           json={"accountName": f"mod_author@{host}"}).status_code == 204
    assert stack.http.post(f"{base}/servers", headers=user,
                           json={"host": "spam.example"}).status_code == 204
    muted = stack.http.get(f"{base}/accounts", headers=user).json()
    assert muted["total"] == 1
    assert muted["data"][0]["blockedAccount"]["name"] == "mod_author"
    assert muted["data"][0]["byAccount"]["name"] == "mod_reporter"
    servers = stack.http.get(f"{base}/servers", headers=user).json()
    assert [s["blockedServer"]["host"] for s in servers["data"]] == ["spam.example"]
    assert stack.http.get(f"{base}/accounts", headers=people["other"]).json()["total"] == 0

    status = stack.http.get("/api/v1/blocklist/status", headers=user, params={
        "accounts": ["mod_author", "mod_other"], "hosts": ["spam.example"]}).json()
    assert status["accounts"]["mod_author"] == {"blockedByServer": False,
                                                "blockedByUser": True}
    assert status["accounts"]["mod_other"]["blockedByUser"] is False
    assert status["hosts"]["spam.example"]["blockedByUser"] is True

    assert stack.http.delete(f"{base}/accounts/mod_author", headers=user).status_code == 204
    assert stack.http.delete(f"{base}/accounts/mod_author", headers=user).status_code == 404
    assert stack.http.delete(f"{base}/servers/spam.example", headers=user).status_code == 204
    assert stack.http.get(f"{base}/accounts", headers=user).json()["total"] == 0


@pytest.mark.parametrize("path, body, status", [
    ("accounts", {"accountName": "mod_reporter"}, 409),       # oneself
    ("accounts", {"accountName": "nobody_here"}, 404),
    ("accounts", {"accountName": "someone@elsewhere.example"}, 404),
    ("accounts", {}, 400),
    ("servers", {"host": "not a host!"}, 400),
])
def test_bad_mutes_are_refused(stack, people, path, body, status):
    response = stack.http.post(f"/api/v1/users/me/blocklist/{path}",
                               headers=people["reporter"], json=body)
    assert response.status_code == status, response.text


def test_muting_ones_own_server_is_refused(stack, people):
    host = stack.url.split("://")[1]
    response = stack.http.post("/api/v1/users/me/blocklist/servers",
                               headers=people["reporter"], json={"host": host})
    assert response.status_code == 409


def test_instance_block_lists_are_for_moderators(stack, people):
    base = "/api/v1/server/blocklist"
    assert stack.http.get(f"{base}/accounts").status_code == 401
    assert stack.http.get(f"{base}/accounts", headers=people["other"]).status_code == 403
    assert stack.http.post(f"{base}/servers", headers=people["other"],
                           json={"host": "bad.example"}).status_code == 403
    assert stack.http.post(f"{base}/accounts", headers=people["moderator"],
                           json={"accountName": "mod_other"}).status_code == 204
    assert stack.http.post(f"{base}/servers", headers=people["admin"],
                           json={"host": "bad.example"}).status_code == 204
    listed = stack.http.get(f"{base}/accounts", headers=people["admin"]).json()
    assert [b["blockedAccount"]["name"] for b in listed["data"]] == ["mod_other"]
    # Everyone, even anonymous, is told the instance mutes them.
    status = stack.http.get("/api/v1/blocklist/status", params={
        "accounts": "mod_other", "hosts": "bad.example"}).json()
    assert status["accounts"]["mod_other"]["blockedByServer"] is True
    assert status["hosts"]["bad.example"]["blockedByServer"] is True
    assert stack.http.delete(f"{base}/accounts/mod_other",
                             headers=people["other"]).status_code == 403
    assert stack.http.delete(f"{base}/accounts/mod_other",
                             headers=people["moderator"]).status_code == 204
    assert stack.http.delete(f"{base}/servers/bad.example",
                             headers=people["moderator"]).status_code == 204
    assert stack.http.get(f"{base}/servers", headers=people["admin"]).json()["total"] == 0


# --- video blocks -----------------------------------------------------------------------------

def public_names(stack) -> list[str]:
    return [v["name"] for v in stack.http.get("/api/v1/videos",
                                              params={"count": 100}).json()["data"]]


def test_moderators_block_and_unblock_videos(stack, people, videos):
    uuid = videos["public"]
    assert "Moderated dance" in public_names(stack)
    for headers, status in [({}, 401), (people["author"], 403), (people["other"], 403)]:
        assert stack.http.post(f"/api/v1/videos/{uuid}/blacklist", headers=headers,
                               json={"reason": "Nope"}).status_code == status
        assert stack.http.get("/api/v1/videos/blacklist",
                              headers=headers).status_code == status
    blocked = stack.http.post(f"/api/v1/videos/{uuid}/blacklist", headers=people["moderator"],
                              json={"reason": "Copyright claim", "unfederate": True})
    assert blocked.status_code == 204
    # A retry changes nothing.
    assert stack.http.post(f"/api/v1/videos/{uuid}/blacklist",
                           headers=people["moderator"]).status_code == 204
    assert "Moderated dance" not in public_names(stack)

    listed = stack.http.get("/api/v1/videos/blacklist", headers=people["admin"]).json()
    block = next(b for b in listed["data"] if b["video"]["uuid"] == uuid)
    assert block["reason"] == "Copyright claim" and block["unfederated"] is True
    assert block["type"] == 1 and block["video"]["name"] == "Moderated dance"
    found = stack.http.get("/api/v1/videos/blacklist", headers=people["admin"],
                           params={"search": "moderated"}).json()
    assert [b["video"]["uuid"] for b in found["data"]] == [uuid]
    assert stack.http.get("/api/v1/videos/blacklist", headers=people["admin"],
                          params={"search": "no such"}).json()["total"] == 0

    assert stack.http.put(f"/api/v1/videos/{uuid}/blacklist", headers=people["moderator"],
                          json={"reason": "Counter-notice pending"}).status_code == 204
    listed = stack.http.get("/api/v1/videos/blacklist", headers=people["admin"]).json()
    assert next(b for b in listed["data"]
                if b["video"]["uuid"] == uuid)["reason"] == "Counter-notice pending"

    assert stack.http.delete(f"/api/v1/videos/{uuid}/blacklist",
                             headers=people["author"]).status_code == 403
    assert stack.http.delete(f"/api/v1/videos/{uuid}/blacklist",
                             headers=people["moderator"]).status_code == 204
    assert stack.http.delete(f"/api/v1/videos/{uuid}/blacklist",
                             headers=people["moderator"]).status_code == 404
    assert "Moderated dance" in public_names(stack)
    assert uuid not in [b["video"]["uuid"] for b in stack.http.get(
        "/api/v1/videos/blacklist", headers=people["admin"]).json()["data"]]
    assert stack.http.post("/api/v1/videos/00000000-0000-4000-8000-000000000000/blacklist",
                           headers=people["moderator"]).status_code == 404
    assert stack.http.post(f"/api/v1/videos/{uuid}/blacklist", headers=people["moderator"],
                           json={"reason": "x"}).status_code == 400
