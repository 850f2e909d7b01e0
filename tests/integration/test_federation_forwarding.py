"""Three parties over real signed HTTP: B owns a video, A follows B and holds it, and a
third server (a fake one in this process, on loopback) comments on it in B's inbox, its
Create signed over HTTP and with its RsaSignature2017. B forwards the Create as received,
signed over HTTP by B's instance actor: A verifies the commenter's own signature and shows
the comment. Then the commenter's account is deleted on its server: its Delete of itself
takes the comment off B. Marked federation: the shared pair of stacks."""
import json

import pytest

from peerless.federation import http_signatures, ld_signatures
from tests.integration.test_federated_videos import followed_and_published, host
from tests.integration.test_follows_api import FOLLOWERS, FOLLOWING, wait_for
from tests.unit.federation.test_fetch import Served
from tests.unit.federation.test_remote_actors import KEY, person

pytestmark = [pytest.mark.integration, pytest.mark.federation]
AP = "application/activity+json"
CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]


@pytest.fixture
def carol():
    """The third server and its user carol, whose actor it serves."""
    server = Served()
    url = server.json("/users/carol", person(server.url, "carol"))
    yield url
    server.close()


def post_as(carol: str, stack, activity: dict) -> None:
    body = json.dumps(ld_signatures.sign_ld(activity, KEY, f"{carol}#main-key")).encode()
    headers = {"Content-Type": AP}
    headers |= http_signatures.sign("POST", f"{stack.url}/inbox", headers,
                                    f"{carol}#main-key", KEY, body=body)
    answer = stack.http.post("/inbox", content=body, headers=headers)
    assert answer.status_code == 202, answer.text


def test_a_third_partys_comment_reaches_every_holder_and_goes_with_its_author(
        two_stacks, media, carol):
    a, b = two_stacks
    maker, uuid = followed_and_published(a, b, media, "forwarded_maker", "Talk from afar")

    def threads(stack) -> list[dict]:
        return stack.http.get(f"/api/v1/videos/{uuid}/comment-threads").json()["data"]

    note = f"{carol}/statuses/1"
    post_as(carol, b, {
        "@context": CONTEXT, "type": "Create", "id": f"{note}/activity", "actor": carol,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {"type": "Note", "id": note, "attributedTo": carol,
                   "inReplyTo": f"{b.url}/videos/watch/{uuid}",
                   "content": "<p>Seen from a third server</p>"}})
    on_b = wait_for(lambda: threads(b))[0]
    assert on_b["text"] == "Seen from a third server"
    # A was not told by carol: B forwarded it.
    on_a = wait_for(lambda: threads(a))[0]
    assert on_a["text"] == "Seen from a third server"
    assert (on_a["account"]["name"], on_a["account"]["host"]) == ("carol", host_of(carol))

    post_as(carol, b, {"@context": CONTEXT, "type": "Delete", "id": f"{carol}#delete",
                       "actor": carol, "object": carol})
    wait_for(lambda: threads(b)[0]["isDeleted"])

    assert b.http.delete(f"/api/v1/videos/{uuid}", headers=maker).status_code == 204
    assert a.http.delete(f"{FOLLOWING}/{host(b)}", headers=a.auth()).status_code == 204
    wait_for(lambda: b.http.get(FOLLOWERS).json()["total"] == 0)


def host_of(url: str) -> str:
    return url.split("/")[2]
