"""Captions: PeerTube's `VideoCaption`."""
from __future__ import annotations

from ..captions import Caption
from ..settings import Settings
from ..vocabulary import LANGUAGES
from .common import labelled, media_url, timestamp


def caption(c: Caption, s: Settings) -> dict:
    return {"language": labelled(c.language, LANGUAGES, ""),
            "captionPath": "/" + c.file_key, "fileUrl": media_url(c.file_key, s),
            "automaticallyGenerated": False, "updatedAt": timestamp(c.updated_at)}
