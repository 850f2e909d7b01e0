"""Logging in as PeerTube clients do, and what happens without a good token."""
import pytest

from tests.stack import ADMIN_PASSWORD

pytestmark = pytest.mark.integration


def test_config_names_the_instance_and_its_limits(stack):
    config = stack.http.get("/api/v1/config").json()
    assert config["instance"]["name"] == "Peerless"
    assert ".mp4" in config["video"]["file"]["extensions"]
    assert config["transcoding"]["enabledResolutions"][-1] == 720
    assert config["webrtc"]["stunServers"] == []


def test_password_grant_then_me(stack):
    token = stack.token()
    me = stack.http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "root"
    assert body["role"] == {"id": 0, "label": "Administrator"}
    assert [c["name"] for c in body["videoChannels"]] == ["root_channel"]
    assert body["account"]["name"] == "root"


def test_oauth_client_is_stable(stack):
    first = stack.http.get("/api/v1/oauth-clients/local").json()
    assert stack.http.get("/api/v1/oauth-clients/local/").json() == first
    assert len(first["client_id"]) == 32


def _grant(stack, **form):
    client = stack.http.get("/api/v1/oauth-clients/local").json()
    return stack.http.post("/api/v1/users/token", data={**client, **form})


def test_refresh_rotates_the_pair(stack):
    tokens = _grant(stack, grant_type="password", username="root",
                    password=ADMIN_PASSWORD).json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 86400
    refreshed = _grant(stack, grant_type="refresh_token",
                       refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200
    new = refreshed.json()
    old_me = stack.http.get("/api/v1/users/me",
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert old_me.status_code == 401
    new_me = stack.http.get("/api/v1/users/me",
                            headers={"Authorization": f"Bearer {new['access_token']}"})
    assert new_me.status_code == 200
    again = _grant(stack, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert again.status_code == 400 and again.json()["code"] == "invalid_grant"


@pytest.mark.parametrize("form, code", [
    ({"grant_type": "password", "username": "root", "password": "wrong"}, "invalid_grant"),
    ({"grant_type": "password", "username": "nobody", "password": "x"}, "invalid_grant"),
    ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ({"grant_type": "refresh_token", "refresh_token": "0" * 40}, "invalid_grant"),
])
def test_bad_grants_are_refused(stack, form, code):
    response = _grant(stack, **form)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_bad_client_is_refused(stack):
    response = stack.http.post("/api/v1/users/token", data={
        "client_id": "x", "client_secret": "y", "grant_type": "password",
        "username": "root", "password": ADMIN_PASSWORD})
    assert response.status_code == 400 and response.json()["code"] == "invalid_client"


@pytest.mark.parametrize("headers, status, code", [
    ({}, 401, "unauthorized_request"),
    ({"Authorization": "Bearer 0123456789abcdef"}, 401, "invalid_token"),
    ({"Authorization": "Basic cm9vdDpwYXNz"}, 400, "invalid_request"),
])
def test_me_needs_a_valid_token(stack, headers, status, code):
    response = stack.http.get("/api/v1/users/me", headers=headers)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["status"] == status


def test_revoked_token_no_longer_works(stack):
    token = _grant(stack, grant_type="password", username="root",
                   password=ADMIN_PASSWORD).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert stack.http.post("/api/v1/users/revoke-token", headers=headers).status_code == 200
    assert stack.http.get("/api/v1/users/me", headers=headers).status_code == 401


def test_unknown_api_route_is_404_in_peertube_shape(stack):
    response = stack.http.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_admin_creates_users_who_can_log_in(stack):
    headers = stack.create_user("carol")
    me = stack.http.get("/api/v1/users/me", headers=headers).json()
    assert me["username"] == "carol" and me["role"]["id"] == 2
    assert me["videoChannels"][0]["name"] == "carol_channel"
    again = stack.http.post("/api/v1/users", headers=stack.auth(), json={
        "username": "carol", "password": "whatever1", "email": "other@example.com"})
    assert again.status_code == 409
    taken_channel = stack.http.post("/api/v1/users", headers=stack.auth(), json={
        "username": "carol_channel", "password": "whatever1", "email": "c2@example.com"})
    assert taken_channel.status_code == 409


def test_users_cannot_create_users_and_bad_fields_are_named(stack):
    headers = stack.create_user("dave")
    assert stack.http.post("/api/v1/users", headers=headers, json={
        "username": "eve", "password": "whatever1", "email": "eve@example.com"}
    ).status_code == 403
    bad = stack.http.post("/api/v1/users", headers=stack.auth(), json={
        "username": "Bad Name", "password": "123", "email": "nope"})
    assert bad.status_code == 400
    assert set(bad.json()["invalid-params"]) == {"username", "password", "email"}
