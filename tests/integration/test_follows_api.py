"""The instance's follows over PeerTube's REST API: /server/following and /server/followers
on the shared stack (who may, what is refused, the shapes), and two stacks on two ports
following each other with real signed HTTP both ways."""
import time

from tests.stack import Stack

FOLLOWING, FOLLOWERS = "/api/v1/server/following", "/api/v1/server/followers"


def test_the_lists_are_public_and_paged(stack):
    for path in (FOLLOWING, FOLLOWERS):
        answer = stack.http.get(path, params={"start": 0, "count": 20, "sort": "-createdAt",
                                              "search": ""})
        assert answer.status_code == 200
        assert answer.json() == {"total": 0, "data": []}
    for params in ({"sort": "-score!"}, {"state": "asleep"}, {"actorType": "Robot"},
                   {"count": 101}):
        answer = stack.http.get(FOLLOWING, params=params)
        assert answer.status_code == 400, params
        assert answer.headers["content-type"] == "application/problem+json"


def test_only_administrators_change_follows(stack):
    moderator = stack.create_user("follows_mod", role=1)
    calls = [("POST", FOLLOWING, {"hosts": ["videos.example.org"]}),
             ("DELETE", f"{FOLLOWING}/videos.example.org", None),
             ("POST", f"{FOLLOWERS}/peertube@videos.example.org/accept", None),
             ("POST", f"{FOLLOWERS}/peertube@videos.example.org/reject", None),
             ("DELETE", f"{FOLLOWERS}/peertube@videos.example.org", None)]
    for method, path, body in calls:
        assert stack.http.request(method, path, json=body).status_code == 401, path
        assert stack.http.request(method, path, json=body,
                                  headers=moderator).status_code == 403, path


def test_bad_follows_are_refused_and_change_nothing(stack):
    admin = stack.auth()
    own = stack.url.split("://")[1]
    for body, field in (({}, None), ({"hosts": [], "handles": []}, None),
                        ({"hosts": ["not a host"]}, "hosts"),
                        ({"hosts": ["a.example", "a.example"]}, "hosts"),
                        ({"hosts": "a.example"}, "hosts"),
                        ({"handles": ["nohost"]}, "handles"),
                        ({"hosts": [own]}, "hosts")):
        answer = stack.http.post(FOLLOWING, json=body, headers=admin)
        assert answer.status_code == 400, body
        if field:
            assert field in answer.json()["invalid-params"], body

    # A host that cannot be reached (here: a loopback address, which this instance, not
    # set up for a local test federation, refuses to contact) fails at once, naming it:
    # the follow needs the remote instance actor's inbox, known only once it answers.
    answer = stack.http.post(FOLLOWING, json={"hosts": ["127.0.0.1:9"]}, headers=admin)
    assert answer.status_code == 400
    assert "127.0.0.1:9" in answer.json()["invalid-params"]["hosts"]["msg"]
    assert stack.http.get(FOLLOWING).json()["total"] == 0

    for path, status in ((f"{FOLLOWING}/videos.example.org", 404),
                         (f"{FOLLOWING}/bob@videos.example.org", 404),
                         (f"{FOLLOWING}/not%20a%20host", 400),
                         (f"{FOLLOWERS}/peertube@videos.example.org", 404),
                         (f"{FOLLOWERS}/nohost", 400)):
        assert stack.http.delete(path, headers=admin).status_code == status, path
    answer = stack.http.post(f"{FOLLOWERS}/peertube@videos.example.org/accept", headers=admin)
    assert answer.status_code == 404
    assert answer.json()["detail"] == "Follower peertube@videos.example.org not found."


def wait_for(check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


def only(stack: Stack, path: str) -> dict | None:
    page = stack.http.get(path).json()
    return page["data"][0] if page["total"] == 1 else None


def test_one_instance_follows_another(two_stacks):
    a, b = two_stacks
    host_a, host_b = (s.url.split("://")[1] for s in two_stacks)
    answer = a.http.post(FOLLOWING, json={"hosts": [host_b]}, headers=a.auth())
    assert answer.status_code == 204, answer.text

    # A's Follow reaches B, signed; B stores A and answers Accept, signed; A marks it.
    follower = wait_for(lambda: only(b, FOLLOWERS))
    assert follower["state"] == "accepted"
    assert (follower["follower"]["name"], follower["follower"]["host"]) == ("peertube",
                                                                            host_a)
    assert follower["following"]["host"] == host_b
    following = wait_for(lambda: (f := only(a, FOLLOWING)) and f["state"] == "accepted"
                         and f)
    assert following["following"]["url"] == f"{b.url}/accounts/peertube"
    assert following["follower"]["followingCount"] == 1
    assert only(b, FOLLOWERS)["following"]["followersCount"] == 1

    # Following again changes nothing; unfollowing reaches B as an Undo.
    assert a.http.post(FOLLOWING, json={"hosts": [host_b]},
                       headers=a.auth()).status_code == 204
    assert a.http.get(FOLLOWING).json()["total"] == 1
    assert a.http.delete(f"{FOLLOWING}/{host_b}", headers=a.auth()).status_code == 204
    assert a.http.get(FOLLOWING).json()["total"] == 0
    wait_for(lambda: b.http.get(FOLLOWERS).json()["total"] == 0)

    # B's administrator removes A as a follower: A hears it as a Reject.
    assert a.http.post(FOLLOWING, json={"hosts": [host_b]},
                       headers=a.auth()).status_code == 204
    wait_for(lambda: (f := only(a, FOLLOWING)) and f["state"] == "accepted")
    assert b.http.delete(f"{FOLLOWERS}/peertube@{host_a}",
                         headers=b.auth()).status_code == 204
    wait_for(lambda: (f := only(a, FOLLOWING)) and f["state"] == "rejected")
    assert b.http.get(FOLLOWERS).json()["total"] == 0
