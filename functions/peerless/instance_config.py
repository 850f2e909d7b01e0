"""The settings an administrator changes at run time (PeerTube's custom config), kept in
one table item. Environment settings (peerless.settings) are the deployment's; these are
the instance's rules."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from pynamodb.attributes import JSONAttribute
from pynamodb.exceptions import DoesNotExist

from .models import Item


class InstanceConfigItem(Item, discriminator="instance-config"):
    values = JSONAttribute(default=dict)

    KEY = ("instance-config", "custom")


@dataclass(frozen=True)
class InstanceConfig:
    name: str = "Peerless"
    short_description: str = "A video platform that speaks PeerTube."
    description: str = ""
    terms: str = ""
    code_of_conduct: str = ""
    moderation_information: str = ""
    languages: list[str] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    default_nsfw_policy: str = "blur"          # display, blur or do_not_list
    signup_enabled: bool = False
    signup_requires_approval: bool = False
    signup_limit: int = -1                     # -1: no limit on the number of users
    user_video_quota: int = -1                 # bytes; -1: unlimited
    user_video_quota_daily: int = -1
    transcoding_resolutions: list[int] = field(default_factory=lambda: [144, 240, 360, 480,
                                                                        720])

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
