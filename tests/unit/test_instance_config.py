"""The instance's run-time configuration and PeerTube's CustomConfig document of it."""
import pytest

from peerless import accounts, errors, instance_config
from peerless.instance_config import InstanceConfig, apply_custom
from peerless.peertube.config import custom_config
from peerless.settings import settings


@pytest.fixture
def environment(monkeypatch):
    """Settings read from a changed environment, restored after the test."""
    def change(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings.cache_clear()
    yield change
    monkeypatch.undo()
    settings.cache_clear()


def test_defaults_follow_the_deployment(environment):
    environment(PEERLESS_INSTANCE_NAME="Tube du coin", PEERLESS_MAX_RESOLUTION="480")
    config = InstanceConfig()
    assert config.name == "Tube du coin"
    assert config.transcoding_resolutions == [144, 240, 360, 480]


def test_a_custom_config_document_round_trips():
    config = InstanceConfig().replace(name="Cats", languages=["fr"], categories=[16],
                                      signup_enabled=True, user_video_quota=10,
                                      transcoding_resolutions=[360, 720],
                                      default_theme="peerless-dark")
    document = custom_config(config)
    assert document["transcoding"]["resolutions"]["360p"] is True
    assert document["transcoding"]["resolutions"]["480p"] is False
    assert document["theme"]["default"] == "peerless-dark"
    assert apply_custom(InstanceConfig(), document) == config


def test_a_partial_document_changes_only_what_it_holds():
    current = InstanceConfig().replace(name="Cats", terms="Be kind.")
    changed = apply_custom(current, {"signup": {"enabled": True, "limit": 10},
                                     "live": {"enabled": True}, "unknown": 1})
    assert changed == current.replace(signup_enabled=True, signup_limit=10)


def test_every_refused_setting_is_named_by_its_path():
    with pytest.raises(errors.ApiError) as raised:
        apply_custom(InstanceConfig(), {
            "instance": {"name": "x" * 121, "categories": [0], "isNSFW": "no"},
            "user": {"videoQuotaDaily": -2},
            "transcoding": {"resolutions": {"4320p": True}}})
    assert raised.value.status == 400
    assert set(raised.value.data["invalid-params"]) == {
        "instance.name", "instance.categories", "instance.isNSFW", "user.videoQuotaDaily",
        "transcoding.resolutions"}


def test_resolutions_above_the_ladder_are_refused():
    top = settings().max_resolution
    above = next(r for r in instance_config.RESOLUTIONS if r > top)
    with pytest.raises(errors.ApiError):
        apply_custom(InstanceConfig(), {"transcoding": {"resolutions": {f"{above}p": True}}})
    assert apply_custom(InstanceConfig(), {"transcoding": {"resolutions": {
        f"{top}p": True, "0p": True}}}).transcoding_resolutions == [top]


def test_stored_reset_and_only_for_administrators(aws):
    admin = accounts.create_user("admin", "admin@example.com", "a password",
                                 role=accounts.ROLE_ADMIN)
    moderator = accounts.create_user("moder", "moder@example.com", "a password",
                                     role=accounts.ROLE_MODERATOR)
    saved = instance_config.update(admin, {"instance": {"name": "Stored"}})
    assert instance_config.get() == saved and saved.name == "Stored"
    for call in (lambda: instance_config.read_custom(moderator),
                 lambda: instance_config.update(moderator, {}),
                 lambda: instance_config.reset(moderator)):
        with pytest.raises(errors.ApiError) as raised:
            call()
        assert raised.value.status == 403
    assert instance_config.reset(admin) == InstanceConfig() == instance_config.get()


def test_signup_follows_the_limit(aws):
    accounts.create_user("first", "first@example.com", "a password")
    config = InstanceConfig().replace(signup_enabled=True)
    assert instance_config.signup_allowed(config)
    assert not instance_config.signup_allowed(config.replace(signup_limit=1))
    assert instance_config.signup_allowed(config.replace(signup_limit=2))
    assert not instance_config.signup_allowed(InstanceConfig())
