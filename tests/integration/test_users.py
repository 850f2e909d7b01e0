"""Users through the API: signing up (directly or through a moderator), their own settings
and avatar, quotas, and what moderators and administrators do with users."""
import io
import uuid as uuidlib

import pytest
from PIL import Image

pytestmark = pytest.mark.integration

PASSWORD = "user-password"


def unique(prefix: str) -> str:
    return f"{prefix}{uuidlib.uuid4().hex[:8]}"


def grant(stack, username: str, password: str = PASSWORD):
    client = stack.http.get("/api/v1/oauth-clients/local").json()
    return stack.http.post("/api/v1/users/token", data={
        **client, "grant_type": "password", "username": username, "password": password})


def bearer(response) -> dict:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def me(stack, headers) -> dict:
    response = stack.http.get("/api/v1/users/me", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def user_id(stack, headers) -> int:
    return me(stack, headers)["id"]


def png(size=(400, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def config(stack):
    """Changes the instance's sign-up and quota settings; puts them back afterwards."""
    admin = stack.auth()
    before = stack.http.get("/api/v1/config/custom", headers=admin).json()

    def change(**sections):
        response = stack.http.put("/api/v1/config/custom", headers=admin, json=sections)
        assert response.status_code == 200, response.text
    yield change
    change(signup=before["signup"], user=before["user"])


@pytest.fixture
def moderator(stack):
    return stack.create_user(unique("mod"), role=1)


# --- signing up -----------------------------------------------------------------------

def test_sign_up_is_refused_when_closed(stack, config):
    config(signup={"enabled": False})
    name = unique("closed")
    response = stack.http.post("/api/v1/users/register", json={
        "username": name, "password": PASSWORD, "email": f"{name}@example.com"})
    assert response.status_code == 403
    assert grant(stack, name).json()["code"] == "invalid_grant"


def test_a_visitor_signs_up_and_gets_the_instance_quotas(stack, config):
    config(signup={"enabled": True, "requiresApproval": False, "limit": -1},
           user={"videoQuota": 5_000_000, "videoQuotaDaily": 1_000_000})
    name = unique("ann")
    response = stack.http.post("/api/v1/users/register", json={
        "username": name, "password": PASSWORD, "email": f"{name}@example.com",
        "displayName": "Ann Author",
        "channel": {"name": f"{name}_films", "displayName": "Ann's films"}})
    assert response.status_code == 200, response.text
    assert response.json() == {"state": {"id": 3, "label": "Accepted"}}
    body = me(stack, bearer(grant(stack, name)))
    assert body["account"]["displayName"] == "Ann Author"
    assert [(c["name"], c["displayName"]) for c in body["videoChannels"]] == [
        (f"{name}_films", "Ann's films")]
    assert (body["videoQuota"], body["videoQuotaDaily"]) == (5_000_000, 1_000_000)
    assert body["role"] == {"id": 2, "label": "User"}

    again = stack.http.post("/api/v1/users/register", json={
        "username": name, "password": PASSWORD, "email": "other@example.com"})
    assert again.status_code == 409
    same_email = stack.http.post("/api/v1/users/register", json={
        "username": unique("ann"), "password": PASSWORD, "email": f"{name}@example.com"})
    assert same_email.status_code == 409


def test_sign_up_fields_are_checked(stack, config):
    config(signup={"enabled": True, "requiresApproval": False, "limit": -1})
    bad = stack.http.post("/api/v1/users/register", json={
        "username": "Not Valid", "password": "123", "email": "nope",
        "channel": {"name": "only name"}})
    assert bad.status_code == 400
    assert set(bad.json()["invalid-params"]) == {"username", "password", "email", "channel"}
    name = unique("same")
    same = stack.http.post("/api/v1/users/register", json={
        "username": name, "password": PASSWORD, "email": f"{name}@example.com",
        "channel": {"name": name, "displayName": "Same"}})
    assert same.status_code == 400


def test_sign_up_stops_at_the_user_limit(stack, config):
    total = stack.http.get("/api/v1/users", headers=stack.auth()).json()["total"]
    config(signup={"enabled": True, "requiresApproval": False, "limit": total + 1})
    first, second = unique("lim"), unique("lim")
    for name, status in ((first, 200), (second, 403)):
        response = stack.http.post("/api/v1/users/register", json={
            "username": name, "password": PASSWORD, "email": f"{name}@example.com"})
        assert response.status_code == status, response.text


def test_sign_up_with_approval_waits_for_a_moderator(stack, config, moderator):
    config(signup={"enabled": True, "requiresApproval": True, "limit": -1})
    name = unique("wait")
    fields = {"username": name, "password": PASSWORD, "email": f"{name}@example.com"}
    no_reason = stack.http.post("/api/v1/users/register", json=fields)
    assert no_reason.status_code == 400
    assert "registrationReason" in no_reason.json()["invalid-params"]
    response = stack.http.post("/api/v1/users/register", json={
        **fields, "registrationReason": "I film trains."})
    assert response.status_code == 200, response.text
    assert response.json() == {"state": {"id": 1, "label": "Pending"}}

    assert grant(stack, name).json()["code"] == "account_waiting_for_approval"
    assert grant(stack, name, "wrong-password").json()["code"] == "invalid_grant"
    taken = stack.http.post("/api/v1/users/registrations/request", json={
        **fields, "email": "else@example.com", "registrationReason": "Me too."})
    assert taken.status_code == 409

    listing = stack.http.get("/api/v1/users/registrations", headers=moderator,
                             params={"search": name})
    assert listing.status_code == 200
    (registration,) = listing.json()["data"]
    assert registration["state"] == {"id": 1, "label": "Pending"}
    assert registration["registrationReason"] == "I film trains."
    assert registration["user"] is None

    accept = f"/api/v1/users/registrations/{registration['id']}/accept"
    user = stack.create_user(unique("usr"))
    assert stack.http.post(accept, headers=user, json={
        "moderationResponse": "Welcome"}).status_code == 403
    assert stack.http.post(accept, json={"moderationResponse": "Welcome"}).status_code == 401
    assert stack.http.post(accept, headers=moderator, json={
        "moderationResponse": "Welcome"}).status_code == 204
    assert stack.http.post(accept, headers=moderator, json={
        "moderationResponse": "Again"}).status_code == 409

    body = me(stack, bearer(grant(stack, name)))
    assert body["videoChannels"][0]["name"] == f"{name}_channel"
    after = stack.http.get("/api/v1/users/registrations", headers=moderator,
                           params={"search": name}).json()["data"][0]
    assert after["state"]["id"] == 3 and after["user"] == {"id": body["id"]}
    assert after["moderationResponse"] == "Welcome"


def test_a_rejected_sign_up_is_told_and_freed_when_deleted(stack, config, moderator):
    config(signup={"enabled": True, "requiresApproval": True, "limit": -1})
    name = unique("nope")
    fields = {"username": name, "password": PASSWORD, "email": f"{name}@example.com",
              "registrationReason": "Trust me."}
    assert stack.http.post("/api/v1/users/registrations/request",
                           json=fields).status_code == 200
    registration = stack.http.get("/api/v1/users/registrations", headers=moderator,
                                  params={"search": name}).json()["data"][0]
    path = f"/api/v1/users/registrations/{registration['id']}"
    assert stack.http.post(path + "/reject", headers=moderator,
                           json={"moderationResponse": "No"}).status_code == 204
    assert grant(stack, name).json()["code"] == "account_approval_rejected"
    assert stack.http.post("/api/v1/users/registrations/request",
                           json=fields).status_code == 409
    assert stack.http.delete(path, headers=moderator).status_code == 204
    assert stack.http.delete(path, headers=moderator).status_code == 404
    assert stack.http.post("/api/v1/users/registrations/request",
                           json=fields).status_code == 200


def test_requesting_approval_needs_approval_to_be_on(stack, config):
    config(signup={"enabled": True, "requiresApproval": False, "limit": -1})
    name = unique("req")
    response = stack.http.post("/api/v1/users/registrations/request", json={
        "username": name, "password": PASSWORD, "email": f"{name}@example.com",
        "registrationReason": "Please."})
    assert response.status_code == 400


# --- logging in -----------------------------------------------------------------------

def test_users_log_in_with_their_email_too(stack):
    name = unique("mail")
    stack.create_user(name)
    assert grant(stack, f"{name}@example.com").status_code == 200


def test_password_guessing_is_throttled(stack):
    name = unique("guess")
    stack.create_user(name)
    for _ in range(10):
        assert grant(stack, name, "wrong-password").json()["code"] == "invalid_grant"
    locked = grant(stack, name)
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_login_failures"
    assert 0 < int(locked.headers["retry-after"]) <= 600


# --- the current user -----------------------------------------------------------------

def test_a_user_changes_their_settings(stack):
    headers = stack.create_user(unique("set"))
    changes = {"displayName": "Nice Name", "description": "I like trains.",
               "nsfwPolicy": "do_not_list", "autoPlayVideo": False,
               "autoPlayNextVideo": True, "videoLanguages": ["en", "fr"],
               "theme": "peertube-core-dark-brown", "p2pEnabled": False}
    assert stack.http.put("/api/v1/users/me", headers=headers,
                          json=changes).status_code == 204
    body = me(stack, headers)
    assert body["account"]["displayName"] == "Nice Name"
    assert body["account"]["description"] == "I like trains."
    assert (body["nsfwPolicy"], body["autoPlayVideo"], body["autoPlayNextVideo"],
            body["videoLanguages"], body["theme"], body["p2pEnabled"]) == (
        "do_not_list", False, True, ["en", "fr"], "peertube-core-dark-brown", False)
    assert stack.http.put("/api/v1/users/me", headers=headers,
                          json={"videoLanguages": None}).status_code == 204
    assert me(stack, headers)["videoLanguages"] is None


def test_bad_settings_are_named(stack):
    headers = stack.create_user(unique("bad"))
    response = stack.http.put("/api/v1/users/me", headers=headers, json={
        "nsfwPolicy": "sometimes", "displayName": "", "autoPlayVideo": "yes"})
    assert response.status_code == 400
    assert set(response.json()["invalid-params"]) == {"nsfwPolicy", "displayName",
                                                      "autoPlayVideo"}
    assert stack.http.put("/api/v1/users/me", json={"theme": "x"}).status_code == 401


def test_a_new_password_needs_the_current_one_and_ends_other_sessions(stack):
    name = unique("pw")
    headers = stack.create_user(name)
    other = bearer(grant(stack, name))
    missing = stack.http.put("/api/v1/users/me", headers=headers,
                             json={"password": "brand-new-password"})
    assert missing.status_code == 400
    wrong = stack.http.put("/api/v1/users/me", headers=headers, json={
        "password": "brand-new-password", "currentPassword": "not-it"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "current_password_is_invalid")
    assert grant(stack, name).status_code == 200

    assert stack.http.put("/api/v1/users/me", headers=headers, json={
        "password": "brand-new-password", "currentPassword": PASSWORD}).status_code == 204
    assert stack.http.get("/api/v1/users/me", headers=headers).status_code == 200
    assert stack.http.get("/api/v1/users/me", headers=other).status_code == 401
    assert grant(stack, name).json()["code"] == "invalid_grant"
    assert grant(stack, name, "brand-new-password").status_code == 200


def test_a_new_email_needs_the_current_password_and_must_be_free(stack):
    name, other = unique("em"), unique("em")
    headers = stack.create_user(name)
    stack.create_user(other)
    assert stack.http.put("/api/v1/users/me", headers=headers, json={
        "email": f"new-{name}@example.com"}).status_code == 400
    taken = stack.http.put("/api/v1/users/me", headers=headers, json={
        "email": f"{other}@example.com", "currentPassword": PASSWORD})
    assert taken.status_code == 409
    assert stack.http.put("/api/v1/users/me", headers=headers, json={
        "email": f"new-{name}@example.com", "currentPassword": PASSWORD}).status_code == 204
    assert me(stack, headers)["email"] == f"new-{name}@example.com"
    assert grant(stack, f"new-{name}@example.com").status_code == 200
    assert grant(stack, f"{name}@example.com").status_code == 400
    # The old address is free again.
    stack.create_user(unique("em"), email=f"{name}@example.com")


def test_an_avatar_is_resized_served_and_replaced(stack):
    name = unique("ava")
    headers = stack.create_user(name)
    picked = stack.http.post("/api/v1/users/me/avatar/pick", headers=headers,
                             files={"avatarfile": ("me.png", png(), "image/png")})
    assert picked.status_code == 200, picked.text
    avatars = picked.json()["avatars"]
    assert [(a["width"], a["height"]) for a in avatars] == [(1500, 1500), (600, 600),
                                                            (120, 120), (48, 48)]
    for avatar in avatars:
        assert avatar["path"].startswith("/lazy-static/avatars/")
        assert avatar["fileUrl"] == stack.url + avatar["path"]
        served = stack.http.get(avatar["path"])
        assert served.status_code == 200
        assert Image.open(io.BytesIO(served.content)).size == (avatar["width"],
                                                               avatar["height"])
    assert stack.http.get(f"/api/v1/accounts/{name}").json()["avatars"] == avatars
    assert me(stack, headers)["account"]["avatars"] == avatars

    again = stack.http.post("/api/v1/users/me/avatar/pick", headers=headers,
                            files={"avatarfile": ("me.png", png((50, 80)), "image/png")})
    assert again.status_code == 200
    assert stack.http.get(avatars[0]["path"]).status_code in (403, 404)
    removed = stack.http.delete("/api/v1/users/me/avatar", headers=headers)
    assert removed.status_code == 200 and removed.json() == {"avatars": []}
    assert stack.http.get(again.json()["avatars"][0]["path"]).status_code in (403, 404)
    assert me(stack, headers)["account"]["avatars"] == []


@pytest.mark.parametrize("files, status", [
    ({"avatarfile": ("notes.png", b"not an image at all", "image/png")}, 400),
    ({"otherfile": ("me.png", png(), "image/png")}, 400),
    ({"avatarfile": ("big.png", b"\0" * (4 * 1024 * 1024 + 1), "image/png")}, 413),
])
def test_what_is_not_an_avatar_is_refused(stack, files, status):
    headers = stack.create_user(unique("nav"))
    response = stack.http.post("/api/v1/users/me/avatar/pick", headers=headers, files=files)
    assert response.status_code == status, response.text
    assert me(stack, headers)["account"]["avatars"] == []
    assert stack.http.post("/api/v1/users/me/avatar/pick",
                           files={"avatarfile": ("me.png", png(), "image/png")}
                           ).status_code == 401


def test_quota_used_starts_at_zero(stack):
    headers = stack.create_user(unique("quo"))
    response = stack.http.get("/api/v1/users/me/video-quota-used", headers=headers)
    assert response.json() == {"videoQuotaUsed": 0, "videoQuotaUsedDaily": 0}
    assert stack.http.get("/api/v1/users/me/video-quota-used").status_code == 401


def test_my_videos_lists_all_of_mine_in_any_state(stack, media):
    headers = stack.create_user(unique("mine"))
    first = stack.uploaded(media["clip"], "Zebra crossing", headers, privacy="3")
    second = stack.uploaded(media["clip"], "Aardvark at dawn", headers)
    response = stack.http.get("/api/v1/users/me/videos", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    assert [v["uuid"] for v in body["data"]] == [second, first]
    assert body["data"][1]["privacy"]["id"] == 3 and "state" in body["data"][1]
    by_name = stack.http.get("/api/v1/users/me/videos", headers=headers,
                             params={"sort": "name", "count": 1, "start": 1}).json()
    assert by_name["total"] == 2 and by_name["data"][0]["name"] == "Zebra crossing"
    assert stack.http.get("/api/v1/users/me/videos", headers=headers,
                          params={"sort": "nonsense"}).status_code == 400
    other = stack.create_user(unique("notmine"))
    assert stack.http.get("/api/v1/users/me/videos", headers=other).json()["total"] == 0


# --- managing users -------------------------------------------------------------------

def test_listing_users_is_for_moderators_and_admins(stack, moderator):
    prefix = unique("lst")
    for suffix in ("b", "a", "c"):
        stack.create_user(prefix + suffix)
    user = stack.create_user(unique("usr"))
    assert stack.http.get("/api/v1/users").status_code == 401
    assert stack.http.get("/api/v1/users", headers=user).status_code == 403
    response = stack.http.get("/api/v1/users", headers=moderator,
                              params={"search": prefix, "count": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    assert [u["username"] for u in body["data"]] == [prefix + "a", prefix + "b"]
    assert body["data"][0]["email"] == f"{prefix}a@example.com"
    assert body["data"][0]["role"] == {"id": 2, "label": "User"}
    newest = stack.http.get("/api/v1/users", headers=stack.auth(),
                            params={"sort": "-createdAt", "count": 1}).json()
    assert newest["data"][0]["username"] == me(stack, user)["username"]
    assert newest["total"] >= 5
    assert stack.http.get("/api/v1/users", headers=stack.auth(),
                          params={"sort": "email"}).status_code == 400


def test_getting_a_user(stack, moderator):
    name = unique("get")
    headers = stack.create_user(name)
    uid = user_id(stack, headers)
    response = stack.http.get(f"/api/v1/users/{uid}", headers=moderator,
                              params={"withStats": "true"})
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == name and body["videoQuotaUsed"] == 0
    assert body["videosCount"] == 0
    assert stack.http.get(f"/api/v1/users/{uid}", headers=headers).status_code == 403
    assert stack.http.get("/api/v1/users/999999", headers=moderator).status_code == 404
    assert stack.http.get("/api/v1/users/abc", headers=moderator).status_code == 400


def test_an_admin_changes_a_user(stack):
    name = unique("upd")
    headers = stack.create_user(name)
    uid = user_id(stack, headers)
    response = stack.http.put(f"/api/v1/users/{uid}", headers=stack.auth(), json={
        "videoQuota": 1234, "videoQuotaDaily": 99, "email": f"changed-{name}@example.com"})
    assert response.status_code == 204, response.text
    body = me(stack, headers)
    assert (body["videoQuota"], body["videoQuotaDaily"], body["email"]) == (
        1234, 99, f"changed-{name}@example.com")
    # A new role ends the user's sessions, so their rights are read again.
    assert stack.http.put(f"/api/v1/users/{uid}", headers=stack.auth(),
                          json={"role": 1}).status_code == 204
    assert stack.http.get("/api/v1/users/me", headers=headers).status_code == 401
    assert me(stack, bearer(grant(stack, name)))["role"]["id"] == 1


def test_moderators_manage_plain_users_only(stack, moderator):
    user = user_id(stack, stack.create_user(unique("plain")))
    other_moderator = user_id(stack, stack.create_user(unique("mod"), role=1))
    assert stack.http.put(f"/api/v1/users/{user}", headers=moderator,
                          json={"videoQuota": 10}).status_code == 204
    assert stack.http.put(f"/api/v1/users/{user}", headers=moderator,
                          json={"role": 0}).status_code == 403
    assert stack.http.put(f"/api/v1/users/{other_moderator}", headers=moderator,
                          json={"videoQuota": 10}).status_code == 403
    assert stack.http.delete(f"/api/v1/users/{other_moderator}",
                             headers=moderator).status_code == 403
    assert stack.http.post(f"/api/v1/users/{other_moderator}/block",
                           headers=moderator).status_code == 403
    plain = stack.create_user(unique("usr"))
    assert stack.http.put(f"/api/v1/users/{user}", headers=plain,
                          json={"videoQuota": 10}).status_code == 403
    assert stack.http.post("/api/v1/users", headers=moderator, json={
        "username": unique("made"), "password": PASSWORD, "email": "m@example.com",
        "role": 1}).status_code == 403


def test_root_stays_root(stack):
    root = user_id(stack, stack.auth())
    admin = stack.create_user(unique("adm"), role=0)
    for response in (
            stack.http.put(f"/api/v1/users/{root}", headers=admin, json={"role": 2}),
            stack.http.delete(f"/api/v1/users/{root}", headers=admin),
            stack.http.post(f"/api/v1/users/{root}/block", headers=admin)):
        assert response.status_code == 400, response.text
    assert me(stack, stack.auth())["role"]["id"] == 0


def test_a_blocked_user_is_locked_out_until_unblocked(stack, moderator):
    name = unique("blk")
    headers = stack.create_user(name)
    uid = user_id(stack, headers)
    response = stack.http.post(f"/api/v1/users/{uid}/block", headers=moderator,
                               json={"reason": "Spamming everyone"})
    assert response.status_code == 204
    assert stack.http.get("/api/v1/users/me", headers=headers).status_code == 401
    refused = grant(stack, name)
    assert (refused.status_code, refused.json()["code"]) == (400, "access_denied")
    shown = stack.http.get(f"/api/v1/users/{uid}", headers=moderator).json()
    assert (shown["blocked"], shown["blockedReason"]) == (True, "Spamming everyone")
    blocked = stack.http.get("/api/v1/users", headers=moderator,
                             params={"blocked": "true", "search": name}).json()
    assert [u["username"] for u in blocked["data"]] == [name]
    assert stack.http.post(f"/api/v1/users/{uid}/unblock",
                           headers=moderator).status_code == 204
    assert grant(stack, name).status_code == 200
    assert stack.http.get(f"/api/v1/users/{uid}",
                          headers=moderator).json()["blockedReason"] is None


def test_deleting_a_user_removes_everything_of_theirs(stack, media):
    name = unique("del")
    headers = stack.create_user(name)
    uid = user_id(stack, headers)
    channel = me(stack, headers)["videoChannels"][0]["name"]
    video = stack.uploaded(media["clip"], "Soon gone", headers)
    stack.wait_for_state(video)
    stack.http.post("/api/v1/users/me/avatar/pick", headers=headers,
                    files={"avatarfile": ("me.png", png(), "image/png")})
    avatar = me(stack, headers)["account"]["avatars"][0]["path"]
    assert stack.http.delete(f"/api/v1/users/{uid}", headers=stack.auth()).status_code == 204

    assert stack.http.get("/api/v1/users/me", headers=headers).status_code == 401
    assert grant(stack, name).json()["code"] == "invalid_grant"
    assert stack.http.get(f"/api/v1/accounts/{name}").status_code == 404
    assert stack.http.get(f"/api/v1/video-channels/{channel}").status_code == 404
    assert stack.http.get(f"/api/v1/videos/{video}", headers=stack.auth()).status_code == 404
    assert stack.http.get(avatar).status_code in (403, 404)
    assert stack.http.get(f"/api/v1/users/{uid}", headers=stack.auth()).status_code == 404
    # The name stays reserved, as PeerTube never reuses an actor name; the email is free.
    reuse = stack.http.post("/api/v1/users", headers=stack.auth(), json={
        "username": name, "password": PASSWORD, "email": f"x{name}@example.com"})
    assert reuse.status_code == 409
    stack.create_user(unique("del"), email=f"{name}@example.com")


def test_users_cannot_delete_users(stack):
    target = user_id(stack, stack.create_user(unique("tgt")))
    user = stack.create_user(unique("usr"))
    assert stack.http.delete(f"/api/v1/users/{target}", headers=user).status_code == 403
    assert stack.http.delete(f"/api/v1/users/{target}").status_code == 401
    assert stack.http.get(f"/api/v1/users/{target}", headers=stack.auth()).status_code == 200


def test_users_delete_their_own_account_but_root_cannot(stack):
    name = unique("self")
    headers = stack.create_user(name)
    channel = me(stack, headers)["videoChannels"][0]["name"]
    assert stack.http.delete("/api/v1/users/me").status_code == 401
    assert stack.http.delete("/api/v1/users/me", headers=headers).status_code == 204
    assert stack.http.get("/api/v1/users/me", headers=headers).status_code == 401
    assert grant(stack, name).json()["code"] == "invalid_grant"
    assert stack.http.get(f"/api/v1/video-channels/{channel}").status_code == 404

    refused = stack.http.delete("/api/v1/users/me", headers=stack.auth())
    assert refused.status_code == 400
    assert refused.json()["detail"] == "You cannot delete your root account."
    assert me(stack, stack.auth())["username"] == "root"
