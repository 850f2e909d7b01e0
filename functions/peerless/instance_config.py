"""The settings an administrator changes at run time (PeerTube's custom config), kept in
one table item, and the instance's public tallies. Environment settings (peerless.settings)
are the deployment's; these are the instance's rules."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import jsonschema
from pynamodb.attributes import JSONAttribute
from pynamodb.exceptions import DoesNotExist

from . import errors
from .models import Counter, Item, User
from .settings import settings
from .vocabulary import CATEGORIES, LANGUAGES

RESOLUTIONS = (144, 240, 360, 480, 720, 1080, 1440, 2160)
NSFW_POLICIES = ("display", "blur", "do_not_list")
# The themes a visitor sees by default: "default" lets their system choose light or dark.
DEFAULT_THEMES = ("default", "peerless-light", "peerless-dark")


class InstanceConfigItem(Item, discriminator="instance-config"):
    values = JSONAttribute(default=dict)

    KEY = ("instance-config", "custom")


def _ladder() -> list[int]:
    return [r for r in RESOLUTIONS if r <= settings().max_resolution]


@dataclass(frozen=True)
class InstanceConfig:
    name: str = field(default_factory=lambda: settings().instance_name)
    short_description: str = "A video platform that speaks PeerTube."
    description: str = ""
    terms: str = ""
    code_of_conduct: str = ""
    creation_reason: str = ""
    moderation_information: str = ""
    administrator: str = ""
    maintenance_lifetime: str = ""
    business_model: str = ""
    hardware_information: str = ""
    languages: list[str] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    is_nsfw: bool = False
    default_nsfw_policy: str = "blur"          # display, blur or do_not_list
    signup_enabled: bool = False
    signup_requires_approval: bool = False
    signup_limit: int = -1                     # -1: no limit on the number of users
    signup_minimum_age: int = 16
    user_video_quota: int = -1                 # bytes; -1: unlimited
    user_video_quota_daily: int = -1
    transcoding_resolutions: list[int] = field(default_factory=_ladder)
    default_theme: str = "default"
    # Lives (peerless.live). Durations in milliseconds, limits -1 for none, as PeerTube.
    live_enabled: bool = True
    live_allow_replay: bool = True
    live_latency_setting: bool = True
    live_max_duration: int = -1
    live_max_instance_lives: int = 20
    live_max_user_lives: int = 3
    # Below the stream's own resolution (always kept): a rung costs its encode for as
    # long as the live runs.
    live_resolutions: list[int] = field(default_factory=lambda: [360])

    def replace(self, **changes) -> "InstanceConfig":
        return InstanceConfig(**{**asdict(self), **changes})


_NAMES = {f.name for f in fields(InstanceConfig)}


def get() -> InstanceConfig:
    """The instance's rules: the stored ones over the defaults."""
    try:
        stored = InstanceConfigItem.get(*InstanceConfigItem.KEY).values
    except DoesNotExist:
        stored = {}
    return InstanceConfig(**{k: v for k, v in stored.items() if k in _NAMES})


def save(config: InstanceConfig) -> None:
    InstanceConfigItem(*InstanceConfigItem.KEY, values=asdict(config)).save()


def _accounts():
    # peerless.accounts reads this module's settings when it creates users: imported late.
    from . import accounts
    return accounts


def _require_admin(user: User) -> None:
    if user.role != _accounts().ROLE_ADMIN:
        raise errors.forbidden(f"User {user.username} cannot manage the configuration.")


def read_custom(admin: User) -> InstanceConfig:
    _require_admin(admin)
    return get()


def update(admin: User, body: dict) -> InstanceConfig:
    """The configuration changed by a CustomConfig document (see apply_custom)."""
    _require_admin(admin)
    config = apply_custom(get(), body)
    save(config)
    return config


def reset(admin: User) -> InstanceConfig:
    """Back to the defaults: nothing stored."""
    _require_admin(admin)
    InstanceConfigItem(*InstanceConfigItem.KEY).delete()
    return InstanceConfig()


# --- PeerTube's CustomConfig ----------------------------------------------------------------

_TEXT = {"type": "string", "maxLength": 10000}
_QUOTA = {"type": "integer", "minimum": -1}

# Where each setting this instance honours sits in PeerTube's CustomConfig, and what it
# accepts there. The rest of a CustomConfig describes what Peerless does and cannot change.
CUSTOM_FIELDS: dict[str, tuple[tuple[str, ...], dict]] = {
    "name": (("instance", "name"), {"type": "string", "minLength": 1, "maxLength": 120}),
    "short_description": (("instance", "shortDescription"),
                          {"type": "string", "maxLength": 250}),
    "description": (("instance", "description"), _TEXT),
    "terms": (("instance", "terms"), _TEXT),
    "code_of_conduct": (("instance", "codeOfConduct"), _TEXT),
    "creation_reason": (("instance", "creationReason"), _TEXT),
    "moderation_information": (("instance", "moderationInformation"), _TEXT),
    "administrator": (("instance", "administrator"), _TEXT),
    "maintenance_lifetime": (("instance", "maintenanceLifetime"), _TEXT),
    "business_model": (("instance", "businessModel"), _TEXT),
    "hardware_information": (("instance", "hardwareInformation"), _TEXT),
    "languages": (("instance", "languages"), {
        "type": "array", "uniqueItems": True, "items": {"enum": list(LANGUAGES)}}),
    "categories": (("instance", "categories"), {
        "type": "array", "uniqueItems": True, "items": {"enum": list(CATEGORIES)}}),
    "is_nsfw": (("instance", "isNSFW"), {"type": "boolean"}),
    "default_nsfw_policy": (("instance", "defaultNSFWPolicy"), {"enum": list(NSFW_POLICIES)}),
    "signup_enabled": (("signup", "enabled"), {"type": "boolean"}),
    "signup_requires_approval": (("signup", "requiresApproval"), {"type": "boolean"}),
    "signup_limit": (("signup", "limit"), {"type": "integer", "minimum": -1}),
    "signup_minimum_age": (("signup", "minimumAge"),
                           {"type": "integer", "minimum": 1, "maximum": 120}),
    "user_video_quota": (("user", "videoQuota"), _QUOTA),
    "user_video_quota_daily": (("user", "videoQuotaDaily"), _QUOTA),
    "transcoding_resolutions": (("transcoding", "resolutions"), {
        "type": "object",
        "propertyNames": {"enum": ["0p"] + [f"{r}p" for r in RESOLUTIONS]},
        "additionalProperties": {"type": "boolean"}}),
    "default_theme": (("theme", "default"), {"enum": list(DEFAULT_THEMES)}),
    "live_enabled": (("live", "enabled"), {"type": "boolean"}),
    "live_allow_replay": (("live", "allowReplay"), {"type": "boolean"}),
    "live_latency_setting": (("live", "latencySetting", "enabled"), {"type": "boolean"}),
    "live_max_duration": (("live", "maxDuration"), {"type": "integer", "minimum": -1}),
    "live_max_instance_lives": (("live", "maxInstanceLives"),
                                {"type": "integer", "minimum": -1}),
    "live_max_user_lives": (("live", "maxUserLives"), {"type": "integer", "minimum": -1}),
    "live_resolutions": (("live", "transcoding", "resolutions"), {
        "type": "object",
        "propertyNames": {"enum": ["0p"] + [f"{r}p" for r in RESOLUTIONS]},
        "additionalProperties": {"type": "boolean"}}),
}


def custom_value(config: InstanceConfig, name: str) -> Any:
    """A setting as PeerTube's CustomConfig writes it."""
    if name in _RESOLUTION_SETTINGS:
        return {"0p": False, **{f"{r}p": r in getattr(config, name) for r in RESOLUTIONS}}
    return getattr(config, name)


# Resolutions as PeerTube's CustomConfig has them, {"720p": true...}, kept as lists.
_RESOLUTION_SETTINGS = {"transcoding_resolutions": "transcoding.resolutions",
                        "live_resolutions": "live.transcoding.resolutions"}


def _lookup(body: dict, path: tuple[str, ...]) -> tuple[bool, Any]:
    node: Any = body
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node


def apply_custom(current: InstanceConfig, body: dict) -> InstanceConfig:
    """`current` changed by a CustomConfig document. PeerTube's clients send the whole
    document they read: the settings it holds are validated and taken, a setting it lacks
    keeps its value, and what this instance does not let an administrator change is
    ignored. A 400 names every refused setting by its path."""
    problems: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for name, (path, schema) in CUSTOM_FIELDS.items():
        present, value = _lookup(body, path)
        if not present:
            continue
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft7Validator(schema).iter_errors(value))
        if error is not None:
            problems[".".join(path)] = (f"{error.instance!r} is not a valid value."
                                        if error.validator == "enum" else error.message)
            continue
        changes[name] = value
    for name, path in _RESOLUTION_SETTINGS.items():
        resolutions = changes.get(name)
        if resolutions is None:
            continue
        enabled = [r for r in RESOLUTIONS if resolutions.get(f"{r}p")]
        top = settings().max_resolution
        if any(r > top for r in enabled):
            problems[path] = (f"This instance transcodes up to {top}p; higher resolutions "
                              "cannot be enabled.")
        changes[name] = enabled
    if problems:
        raise errors.invalid_params(problems)
    return current.replace(**changes)


# --- tallies --------------------------------------------------------------------------------

# Counters (peerless.models.Counter) behind the instance's statistics that no module
# keeps yet; each is for the module that changes what it counts to keep.
LOCAL_VIDEO_VIEWS = "views#local"
LOCAL_COMMENTS = "comments#local"
LOCAL_FILES_SIZE = "video-files-size"


def counter_values(names: list[str]) -> dict[str, int]:
    """Counters by name, in one batch read; a counter never written is 0."""
    found = {c.pk: int(c.value) for c in Counter.batch_get(
        [Counter.key(name) for name in set(names)])}
    return {name: found.get(Counter.key(name)[0], 0) for name in names}


def signup_allowed(config: InstanceConfig) -> bool:
    """Whether a visitor may sign up now (enabled, the user limit not reached), by the
    rule peerless.accounts applies to sign-ups."""
    try:
        _accounts().check_signup_allowed(config)
    except errors.ApiError:
        return False
    return True
