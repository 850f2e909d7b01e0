"""How the fediverse finds this instance and its actors, over real HTTP: WebFinger for
accounts, channels and the instance actor, host-meta, NodeInfo, and the actors themselves
at their HTML addresses when asked for ActivityPub (content negotiation)."""
import json
import re
import threading

import jsonschema
import pytest

from tests.conftest import CONFORMANCE

pytestmark = pytest.mark.integration

SCHEMAS = CONFORMANCE / "peertube-schemas"
AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MASTODON = f"{AP}, {LD}, text/html;q=0.1"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text())


def webfinger_schema() -> dict:
    """PTWebFinger, whose links are read as "contains": PeerTube's own answer
    (well-known.ts) also has a self link typed application/activity+json and the
    subscribe template, which the type it was generated from leaves out."""
    document = schema("PTWebFinger")
    links = document["definitions"]["PTWebFinger"]["properties"]["links"]
    links["contains"] = links.pop("items")
    return document


@pytest.fixture(scope="module")
def ann(stack):
    headers = stack.create_user("fedi_ann", channelName="fedi_ann_tv")
    return headers


def finger(stack, resource):
    return stack.http.get("/.well-known/webfinger",
                          params={} if resource is None else {"resource": resource})


def fetch_actor(stack, url: str, accept: str = AP):
    response = stack.http.get(url, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/activity+json; charset=utf-8"
    assert response.headers["vary"] == "Accept"
    return response.json()


@pytest.mark.parametrize("name, kind, path", [
    ("fedi_ann", "Person", "/accounts/fedi_ann"),
    ("fedi_ann_tv", "Group", "/video-channels/fedi_ann_tv"),
    ("peertube", "Application", "/accounts/peertube"),
])
def test_webfinger_leads_to_the_actor(stack, ann, name, kind, path):
    host = stack.url.split("://")[1]
    response = finger(stack, f"acct:{name}@{host}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/jrd+json")
    assert response.headers["access-control-allow-origin"] == "*"
    jrd = response.json()
    jsonschema.validate(jrd, webfinger_schema())
    assert jrd["subject"] == f"acct:{name}@{host}"
    assert jrd["aliases"][0] == stack.url + path
    self_links = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_links[0] == {"rel": "self", "type": AP, "href": stack.url + path}
    subscribe = [link for link in jrd["links"]
                 if link["rel"] == "http://ostatus.org/schema/1.0/subscribe"]
    assert subscribe == [{"rel": "http://ostatus.org/schema/1.0/subscribe",
                          "template": f"{stack.url}/remote-interaction?uri={{uri}}"}]
    actor = fetch_actor(stack, self_links[0]["href"])
    jsonschema.validate(actor, schema("PTActor"))
    assert actor["type"] == kind and actor["id"] == stack.url + path
    assert actor["preferredUsername"] == name
    # The actor's own URL is a resource too.
    assert finger(stack, actor["id"]).json()["links"][0]["href"] == actor["id"]


def test_a_channel_is_attributed_to_its_account(stack, ann):
    group = fetch_actor(stack, "/video-channels/fedi_ann_tv")
    assert group["attributedTo"] == [{"type": "Person",
                                      "id": f"{stack.url}/accounts/fedi_ann"}]
    person = fetch_actor(stack, group["attributedTo"][0]["id"])
    assert person["publicKey"]["publicKeyPem"] != group["publicKey"]["publicKeyPem"]


@pytest.mark.parametrize("resource, status", [
    ("acct:fedi_nobody@{host}", 404), ("acct:fedi_ann@elsewhere.example", 404),
    ("{url}/accounts/fedi_nobody", 404), (None, 400), ("fedi_ann", 400),
    ("acct:fedi_ann", 400),
])
def test_webfinger_answers_unknown_with_404_and_malformed_with_400(stack, ann, resource,
                                                                   status):
    if resource:
        resource = resource.format(host=stack.url.split("://")[1], url=stack.url)
    response = finger(stack, resource)
    assert response.status_code == status, response.text


@pytest.mark.parametrize("path", ["/accounts/fedi_ann", "/a/fedi_ann",
                                  "/a/fedi_ann/video-channels", "/c/fedi_ann_tv",
                                  "/video-channels/fedi_ann_tv", "/c/fedi_ann_tv/videos"])
def test_one_address_answers_html_or_activitypub_by_accept(stack, ann, path):
    for accept in (BROWSER, "*/*", "text/html", f"text/html, {AP}", f"{AP};q=0.5, */*"):
        page = stack.http.get(path, headers={"Accept": accept})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html"), accept
        assert page.headers["vary"] == "Accept"
        assert '<script type="module" src="/app.js"></script>' in page.text
    ids = {fetch_actor(stack, path, accept)["id"]
           for accept in (AP, LD, "application/ld+json", MASTODON, f"{AP}, text/html")}
    assert len(ids) == 1 and ids.pop().startswith(stack.url)


def test_an_unknown_actor_asked_for_activitypub_is_404(stack):
    response = stack.http.get("/accounts/fedi_nobody", headers={"Accept": AP})
    assert response.status_code == 404


def test_host_meta_points_to_webfinger(stack):
    response = stack.http.get("/.well-known/host-meta")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xrd+xml")
    template = re.search(r'<Link rel="lrdd" type="application/xrd\+xml" template="([^"]+)"',
                         response.text)[1]
    assert template == f"{stack.url}/.well-known/webfinger?resource={{uri}}"


def test_nodeinfo_describes_the_instance(stack, ann):
    links = stack.http.get("/.well-known/nodeinfo").json()["links"]
    by_rel = {link["rel"]: link["href"] for link in links}
    href = by_rel["http://nodeinfo.diaspora.software/ns/schema/2.0"]
    assert href == f"{stack.url}/nodeinfo/2.0.json"
    assert by_rel["https://www.w3.org/ns/activitystreams#Application"] == \
        f"{stack.url}/accounts/peertube"
    response = stack.http.get(href)
    assert response.status_code == 200
    assert "nodeinfo.diaspora.software/ns/schema/2.0" in response.headers["content-type"]
    info = response.json()
    jsonschema.validate(info, schema("PTNodeinfo"))
    assert info["software"]["name"] == "peertube"
    assert info["metadata"]["implementation"]["name"] == "peerless"
    users = stack.http.get("/api/v1/server/stats").json()["totalUsers"]
    assert info["usage"]["users"]["total"] == users >= 2
    assert info["metadata"]["nodeName"] == stack.http.get("/api/v1/config").json()[
        "instance"]["name"]
    assert stack.http.get("/nodeinfo/2.1.json").status_code == 404


def test_a_channels_subscribers_are_its_followers(stack, ann):
    fan = stack.create_user("fedi_fan")
    response = stack.http.post("/api/v1/users/me/subscriptions", headers=fan,
                               json={"uri": "fedi_ann_tv"})
    assert response.status_code in (200, 204), response.text
    followers = fetch_actor(stack, "/video-channels/fedi_ann_tv/followers")
    assert followers["totalItems"] == 1
    page = fetch_actor(stack, followers["first"])
    assert page["orderedItems"] == [f"{stack.url}/accounts/fedi_fan"]
    following = fetch_actor(stack, "/accounts/fedi_fan/following?page=1")
    assert following["orderedItems"] == [f"{stack.url}/video-channels/fedi_ann_tv"]
    outbox = fetch_actor(stack, "/accounts/fedi_ann/outbox")
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 0
    assert stack.http.get("/accounts/fedi_ann/outbox?page=0").status_code == 400


def test_racing_first_fetches_agree_on_one_key_kept_sealed(stack):
    stack.create_user("fedi_race")
    pems, start = [], threading.Barrier(8)

    def fetch():
        start.wait()
        pems.append(fetch_actor(stack, "/accounts/fedi_race")["publicKey"]["publicKeyPem"])
    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pems) == 8 and len(set(pems)) == 1
    item = stack.aws("dynamodb").get_item(
        TableName="peerless", Key={"pk": {"S": "actor-key#fedi_race"},
                                   "sk": {"S": "actor-key"}})["Item"]
    assert item["public_key_pem"]["S"] == pems[0]
    assert b"PRIVATE KEY" not in item["sealed_private_key"]["B"]
    assert item["sealed_by"]["S"] == "local"
