"""Where a video's media lives in the media bucket, and how it gets there and goes away.

An object's key is its URL path under the media URL (the CDN), as in PeerTube:
`static/web-videos/...`, `static/streaming-playlists/hls/<uuid>/...`,
`lazy-static/thumbnails/...`, `lazy-static/previews/...`.
"""
from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from peerless_infra.resources import UPLOAD_PREFIX

from .media.encode import EncodeResult
from .media.segments import segments_sha256
from .media.torrents import make_torrent

# Segments and files never change once written (new media gets new names); the CDN and
# browsers may keep them for good.
IMMUTABLE = "public, max-age=31536000, immutable"
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".mp4": "video/mp4",
                 ".jpg": "image/jpeg", ".json": "application/json"}


def hls_prefix(uuid: str) -> str:
    return f"static/streaming-playlists/hls/{uuid}/"


class MediaStore:
    """The media bucket, and the uploads bucket whose files become media."""

    def __init__(self, s3, bucket: str, uploads_bucket: str):
        self._s3 = s3
        self._bucket = bucket
        self._uploads = uploads_bucket

    def put_outputs(self, uuid: str, out_dir: Path, result: EncodeResult,
                    written: list[str], *, media_url: str, trackers: list[str],
                    title: str) -> dict:
        """Uploads what the encoder made, with a torrent for every file (the CDN URL as its
        webseed) and the HLS segments' hashes; returns the description kept on the video.
        Every key is appended to `written` as soon as it exists, so a caller can remove
        them all if a later step fails."""
        hls = hls_prefix(uuid)

        def torrent(name: str, file_key: str, torrent_key: str) -> dict:
            made = make_torrent(out_dir / name, name=file_key.rsplit("/", 1)[1],
                                webseed=f"{media_url}/{file_key}", trackers=trackers)
            self.put_bytes(torrent_key, made.data, "application/x-bittorrent")
            written.append(torrent_key)
            return {"torrent": torrent_key, "info_hash": made.info_hash,
                    "magnet": made.magnet(f"{media_url}/{torrent_key}", title)}

        def put(name: str, key: str) -> int:
            path = out_dir / name
            content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(name)[0]
            with path.open("rb") as body:
                self._s3.put_object(Bucket=self._bucket, Key=key, Body=body,
                                    ContentType=content_type or "application/octet-stream",
                                    CacheControl=IMMUTABLE)
            written.append(key)
            return path.stat().st_size

        renditions = []
        for r in result.renditions:
            # `resolution` is PeerTube's: the smaller side, so 720 for a portrait 720x1280.
            base = {"resolution": r.resolution, "height": r.height, "width": r.width,
                    "fps": r.fps, "has_audio": "mp4a" in r.codecs}
            mp4_key = f"static/web-videos/{uuid}-{r.resolution}.mp4"
            put(r.mp4, mp4_key)
            put(r.fragmented, hls + r.fragmented)
            put(r.playlist, hls + r.playlist)
            renditions.append({
                **base, "web_video": mp4_key, "web_video_size": r.mp4_size,
                "playlist": hls + r.playlist, "fragmented": hls + r.fragmented,
                "fragmented_size": r.fragmented_size,
                "web_video_torrent": torrent(
                    r.mp4, mp4_key, f"lazy-static/torrents/{uuid}-{r.resolution}.torrent"),
                "fragmented_torrent": torrent(
                    r.fragmented, hls + r.fragmented,
                    f"lazy-static/torrents/{uuid}-{r.resolution}-hls.torrent")})
        hashes: dict = {}
        for r in result.renditions:
            hashes.update(segments_sha256(out_dir / r.playlist))
        segments_key = hls + "segments-sha256.json"
        self.put_bytes(segments_key, json.dumps(hashes).encode(), "application/json")
        written.append(segments_key)
        # The master playlist last: once it exists, everything it points to does too.
        put(result.master, hls + "master.m3u8")
        thumbnail = f"lazy-static/thumbnails/{uuid}.jpg"
        preview = f"lazy-static/previews/{uuid}.jpg"
        put(result.thumbnail, thumbnail)
        put(result.preview, preview)
        return {"renditions": renditions, "master": hls + "master.m3u8",
                "segments_sha256": segments_key,
                "thumbnail": thumbnail, "preview": preview}

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type,
                            CacheControl=IMMUTABLE)

    def delete_upload(self, uuid: str) -> None:
        self._s3.delete_object(Bucket=self._uploads, Key=f"{UPLOAD_PREFIX}{uuid}")

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = keys[start:start + 1000]
            if batch:
                self._s3.delete_objects(Bucket=self._bucket, Delete={
                    "Objects": [{"Key": key} for key in batch], "Quiet": True})
