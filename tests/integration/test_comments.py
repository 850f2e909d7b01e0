"""Comments as PeerTube's clients use them: threads, replies, tombstones, the approval
queue, and counts that stay exact when many people write at once."""
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def people(stack):
    """The owner of the videos, two other users, a moderator; and the admin."""
    return {"owner": stack.create_user("cm_owner"), "bob": stack.create_user("cm_bob"),
            "carol": stack.create_user("cm_carol"),
            "moderator": stack.create_user("cm_moderator", role=1), "admin": stack.auth(),
            "anonymous": {}}


@pytest.fixture(scope="module")
def clips(stack, media, people):
    """Videos of `owner` with each comments policy, and a private one."""
    make = lambda name, **fields: stack.uploaded(media["portrait"], name, people["owner"],
                                            **fields)
    return {"open": make("Open to comments"), "disabled": make("No comments",
                                                               commentsPolicy="2"),
            "approval": make("Comments reviewed", commentsPolicy="3"),
            "private": make("Private one", privacy="3")}


def post(stack, headers, uuid, text, reply_to=None):
    path = (f"/api/v1/videos/{uuid}/comments/{reply_to}" if reply_to
            else f"/api/v1/videos/{uuid}/comment-threads")
    return stack.http.post(path, headers=headers, json={"text": text})


def posted(stack, headers, uuid, text, reply_to=None) -> dict:
    response = post(stack, headers, uuid, text, reply_to)
    assert response.status_code == 200, response.text
    return response.json()["comment"]


def threads(stack, uuid, headers=None, **params) -> dict:
    response = stack.http.get(f"/api/v1/videos/{uuid}/comment-threads", headers=headers or {},
                              params=params)
    assert response.status_code == 200, response.text
    return response.json()


def tree(stack, uuid, thread_id, headers=None):
    return stack.http.get(f"/api/v1/videos/{uuid}/comment-threads/{thread_id}",
                          headers=headers or {})


def test_threads_replies_and_the_tree(stack, people, clips):
    uuid = clips["open"]
    root = posted(stack, people["bob"], uuid, "First!")
    assert root["threadId"] == root["id"] and root["inReplyToCommentId"] is None
    assert root["account"]["name"] == "cm_bob" and root["heldForReview"] is False
    assert root["url"].endswith(f"/videos/watch/{uuid}/comments/{root['id']}")
    answer = posted(stack, people["owner"], uuid, "Thanks", reply_to=root["id"])
    deeper = posted(stack, people["carol"], uuid, "Indeed", reply_to=answer["id"])
    assert (answer["threadId"], deeper["threadId"]) == (root["id"], root["id"])
    assert deeper["inReplyToCommentId"] == answer["id"]

    body = tree(stack, uuid, root["id"]).json()
    assert body["comment"]["text"] == "First!"
    assert body["comment"]["totalReplies"] == 2
    assert body["comment"]["totalRepliesFromVideoAuthor"] == 1
    [child] = body["children"]
    assert child["comment"]["id"] == answer["id"] and child["comment"]["totalReplies"] == 1
    assert child["children"][0]["comment"]["text"] == "Indeed"
    assert child["children"][0]["children"] == []

    listed = threads(stack, uuid)
    mine = next(t for t in listed["data"] if t["id"] == root["id"])
    assert mine["totalReplies"] == 2 and mine["totalRepliesFromVideoAuthor"] == 1
    assert listed["totalNotDeletedComments"] >= 3


def test_pages_and_sorts(stack, media, people):
    uuid = stack.uploaded(media["portrait"], "Sorted comments", people["owner"])
    first = posted(stack, people["bob"], uuid, "one")
    second = posted(stack, people["bob"], uuid, "two")
    third = posted(stack, people["bob"], uuid, "three")
    posted(stack, people["carol"], uuid, "re", reply_to=first["id"])
    posted(stack, people["carol"], uuid, "re", reply_to=first["id"])
    posted(stack, people["carol"], uuid, "re", reply_to=second["id"])

    newest = threads(stack, uuid)
    assert newest["total"] == 3 and newest["totalNotDeletedComments"] == 6
    assert [t["id"] for t in newest["data"]] == [third["id"], second["id"], first["id"]]
    assert [t["id"] for t in threads(stack, uuid, sort="createdAt")["data"]] == [
        first["id"], second["id"], third["id"]]
    assert [t["id"] for t in threads(stack, uuid, sort="-totalReplies")["data"]] == [
        first["id"], second["id"], third["id"]]
    paged = threads(stack, uuid, start=1, count=1)
    assert paged["total"] == 3 and [t["id"] for t in paged["data"]] == [second["id"]]
    assert stack.http.get(f"/api/v1/videos/{uuid}/comment-threads",
                          params={"sort": "-views"}).status_code == 400


@pytest.mark.parametrize("text", ["", "x" * 10001])
def test_bad_text_is_refused(stack, people, clips, text):
    response = post(stack, people["bob"], clips["open"], text)
    assert response.status_code == 400
    assert "text" in response.json()["invalid-params"]


def test_errors_a_client_can_act_on(stack, people, clips):
    uuid = clips["open"]
    assert post(stack, {}, uuid, "anonymous?").status_code == 401
    assert post(stack, people["bob"], "00000000-0000-4000-8000-000000000000",
                "nowhere").status_code == 404
    root = posted(stack, people["bob"], uuid, "a thread")
    reply = posted(stack, people["carol"], uuid, "a reply", reply_to=root["id"])
    assert tree(stack, uuid, "abc").status_code == 400
    assert tree(stack, uuid, 999999999).status_code == 404
    not_a_thread = tree(stack, uuid, reply["id"])
    assert not_a_thread.status_code == 400
    elsewhere = tree(stack, clips["approval"], root["id"])
    assert elsewhere.status_code == 400
    assert elsewhere.json()["code"] == "comment_not_associated_to_video"
    assert post(stack, people["bob"], uuid, "hi", reply_to=999999999).status_code == 404


def test_disabled_comments(stack, people, clips):
    uuid = clips["disabled"]
    response = post(stack, people["bob"], uuid, "let me in")
    assert response.status_code == 409
    assert response.json()["detail"] == "Video comments are disabled for this video."
    assert threads(stack, uuid) == {"total": 0, "data": [], "totalNotDeletedComments": 0}


def test_private_video_comments_are_hidden(stack, people, clips):
    uuid = clips["private"]
    assert post(stack, people["bob"], uuid, "sneaky").status_code == 404
    assert stack.http.get(f"/api/v1/videos/{uuid}/comment-threads").status_code == 404
    assert posted(stack, people["owner"], uuid, "note to self")["text"] == "note to self"


@pytest.mark.parametrize("who, status", [
    ("anonymous", 401), ("carol", 403), ("bob", 204), ("owner", 204), ("moderator", 204),
    ("admin", 204)])
def test_who_may_delete(stack, people, clips, who, status):
    uuid = clips["open"]
    root = posted(stack, people["carol"], uuid, "parent")
    doomed = posted(stack, people["bob"], uuid, f"written by bob for {who}",
                    reply_to=root["id"])
    posted(stack, people["carol"], uuid, "child of the doomed", reply_to=doomed["id"])
    response = stack.http.delete(f"/api/v1/videos/{uuid}/comments/{doomed['id']}",
                                 headers=people[who])
    assert response.status_code == status, response.text
    body = tree(stack, uuid, root["id"]).json()
    [kept] = body["children"]
    if status != 204:
        assert kept["comment"]["isDeleted"] is False
        assert body["comment"]["totalReplies"] == 2
        return
    # A tombstone keeps the reply under it in the tree.
    assert kept["comment"]["isDeleted"] is True and kept["comment"]["text"] == ""
    assert kept["comment"]["account"] is None and kept["comment"]["deletedAt"]
    assert kept["children"][0]["comment"]["text"] == "child of the doomed"
    assert body["comment"]["totalReplies"] == 1
    again = stack.http.delete(f"/api/v1/videos/{uuid}/comments/{doomed['id']}",
                              headers=people[who])
    assert again.status_code == 409


def test_held_comments_wait_for_the_owner(stack, people, clips):
    uuid = clips["approval"]
    held = posted(stack, people["bob"], uuid, "please approve me")
    assert held["heldForReview"] is True
    owners = posted(stack, people["owner"], uuid, "the owner is never held")
    assert owners["heldForReview"] is False

    def visible_to(who):
        return {t["id"] for t in threads(stack, uuid, people[who])["data"]}
    assert held["id"] not in visible_to("anonymous") | visible_to("carol")
    assert held["id"] in visible_to("bob") & visible_to("owner") & visible_to("moderator")
    assert threads(stack, uuid)["totalNotDeletedComments"] == threads(
        stack, uuid, people["owner"])["totalNotDeletedComments"] - 1
    assert tree(stack, uuid, held["id"]).status_code == 404
    assert tree(stack, uuid, held["id"], people["bob"]).status_code == 200
    assert post(stack, people["carol"], uuid, "reply", reply_to=held["id"]).status_code == 404

    queue = stack.http.get("/api/v1/users/me/videos/comments", headers=people["owner"],
                           params={"isHeldForReview": "true"}).json()
    assert [c["id"] for c in queue["data"]] == [held["id"]] and queue["total"] == 1
    assert queue["data"][0]["video"]["uuid"] == uuid
    everything = stack.http.get("/api/v1/users/me/videos/comments",
                                headers=people["owner"]).json()
    assert {held["id"], owners["id"]} <= {c["id"] for c in everything["data"]}
    assert stack.http.get("/api/v1/users/me/videos/comments",
                          headers=people["bob"]).json()["total"] == 0

    approve = f"/api/v1/videos/{uuid}/comments/{held['id']}/approve"
    for who, status in (("anonymous", 401), ("carol", 403), ("bob", 403)):
        assert stack.http.post(approve, headers=people[who]).status_code == status, who
    assert stack.http.post(approve, headers=people["owner"]).status_code == 204
    assert stack.http.post(approve, headers=people["owner"]).status_code == 400
    assert held["id"] in visible_to("anonymous")
    assert stack.http.get("/api/v1/users/me/videos/comments", headers=people["owner"],
                          params={"isHeldForReview": "true"}).json()["total"] == 0


def test_concurrent_writers_are_all_counted(stack, people, clips):
    uuid = clips["open"]
    root = posted(stack, people["bob"], uuid, "busy thread")
    before = threads(stack, uuid)
    writers = [people["bob"], people["carol"], people["owner"], people["moderator"]] * 5
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda h: post(stack, h, uuid, "me too", root["id"]).status_code,
                                writers))
        results += list(pool.map(lambda h: post(stack, h, uuid, "new thread").status_code,
                                 writers[:8]))
    assert set(results) == {200}
    body = tree(stack, uuid, root["id"]).json()
    assert body["comment"]["totalReplies"] == 20 and len(body["children"]) == 20
    assert body["comment"]["totalRepliesFromVideoAuthor"] == 5
    after = threads(stack, uuid)
    assert after["total"] == before["total"] + 8
    assert after["totalNotDeletedComments"] == before["totalNotDeletedComments"] + 28
