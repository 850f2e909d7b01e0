"""Small pieces every representation uses."""
from __future__ import annotations

from datetime import datetime

from ..settings import Settings


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def labelled(value, labels: dict, unknown_id) -> dict:
    if value is None:
        return {"id": unknown_id, "label": "Unknown"}
    return {"id": value, "label": labels.get(value, "Unknown")}


def media_url(key: str, s: Settings) -> str:
    return f"{s.media_url}/{key}"
