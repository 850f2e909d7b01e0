"""Who may log in: by name or email, not guessing too fast, not while a sign-up waits."""
import pytest

from peerless import auth, errors


@pytest.fixture
def alice(aws):
    from peerless import accounts
    return accounts.create_user("alice", "alice@example.com", "secret password")


def login(username: str, password: str) -> auth.TokenPair:
    client = auth.ensure_oauth_client()
    return auth.grant({"client_id": client.client_id, "client_secret": client.client_secret,
                       "grant_type": "password", "username": username,
                       "password": password})


def refused(username: str, password: str) -> errors.ApiError:
    with pytest.raises(errors.ApiError) as raised:
        login(username, password)
    return raised.value


@pytest.mark.parametrize("name", ["alice", "Alice", "alice@example.com", "ALICE@example.com"])
def test_a_user_logs_in_by_name_or_email(alice, name):
    tokens = login(name, "secret password")
    assert auth.authenticate(f"Bearer {tokens.access_token}").username == "alice"


def test_missing_fields_are_named(alice):
    error = refused("alice", "")
    assert (error.status, error.code, error.message) == (
        400, "invalid_request", "Missing parameter: `password`")


def test_too_many_failures_lock_the_account_for_the_window(alice, monkeypatch):
    for _ in range(auth.MAX_LOGIN_FAILURES):
        assert refused("alice", "wrong").code == "invalid_grant"
    # Even the right password, and by another name of the same account.
    for name in ("alice", "alice@example.com"):
        error = refused(name, "secret password")
        assert (error.status, error.code) == (429, "too_many_login_failures")
        assert 0 < int(error.headers["Retry-After"]) <= auth.LOGIN_FAILURE_WINDOW
    later = auth.time.time() + auth.LOGIN_FAILURE_WINDOW
    monkeypatch.setattr(auth.time, "time", lambda: later)
    assert login("alice", "secret password").access_token


def test_failures_below_the_limit_do_not_lock(alice):
    for _ in range(auth.MAX_LOGIN_FAILURES - 1):
        refused("alice", "wrong")
    assert login("alice", "secret password").access_token


def test_successful_logins_do_not_count(alice):
    for _ in range(auth.MAX_LOGIN_FAILURES - 1):
        refused("alice", "wrong")
    for _ in range(3):
        login("alice", "secret password")
    assert refused("alice", "wrong").code == "invalid_grant"
    assert refused("alice", "secret password").status == 429


def test_unknown_names_are_throttled_too(aws):
    for _ in range(auth.MAX_LOGIN_FAILURES):
        assert refused("nobody", "guess").code == "invalid_grant"
    assert refused("nobody", "guess").status == 429


def test_one_account_locked_leaves_the_others_alone(alice):
    from peerless import accounts
    accounts.create_user("bob", "bob@example.com", "bob password")
    for _ in range(auth.MAX_LOGIN_FAILURES):
        refused("alice", "wrong")
    assert login("bob", "bob password").access_token


def test_revoke_all_ends_every_session_but_the_kept_one(alice):
    kept, other, third = (login("alice", "secret password") for _ in range(3))
    auth.revoke_all("alice", keep=kept.access_token)
    assert auth.authenticate(f"Bearer {kept.access_token}").username == "alice"
    for gone in (other, third):
        with pytest.raises(errors.ApiError):
            auth.authenticate(f"Bearer {gone.access_token}")
        with pytest.raises(errors.ApiError):
            auth.refresh_grant({**_client(), "refresh_token": gone.refresh_token})
    assert auth.refresh_grant({**_client(), "refresh_token": kept.refresh_token})


def _client() -> dict:
    client = auth.ensure_oauth_client()
    return {"client_id": client.client_id, "client_secret": client.client_secret}


@pytest.fixture
def approval(aws):
    from peerless import instance_config
    instance_config.save(instance_config.get().replace(signup_enabled=True,
                                                       signup_requires_approval=True))


def _request(username: str):
    from peerless import accounts
    return accounts.request_registration({
        "username": username, "email": f"{username}@example.com", "password": "my password",
        "registrationReason": "I make videos about knitting."})


@pytest.mark.parametrize("name", ["carol", "carol@example.com"])
def test_a_waiting_sign_up_is_told_so(approval, name):
    _request("carol")
    error = refused(name, "my password")
    assert (error.status, error.code) == (400, "account_waiting_for_approval")
    assert refused(name, "wrong").code == "invalid_grant"


def test_a_rejected_sign_up_is_told_so_and_an_accepted_one_logs_in(approval):
    from peerless import accounts
    accounts.reject_registration(_request("carol"), "Not here, sorry.")
    assert refused("carol", "my password").code == "account_approval_rejected"
    accounts.accept_registration(_request("dave"), "Welcome!")
    assert login("dave", "my password").access_token
