"""Where a video's media lives in the media bucket, and how it gets there and goes away.

An object's key is its URL path under the media URL (the CDN), as in PeerTube:
`static/web-videos/...`, `static/streaming-playlists/hls/<uuid>/...`,
`lazy-static/thumbnails/...`, `lazy-static/previews/...`, `lazy-static/storyboards/...`.
The uploads bucket holds the files waiting for transcoding, and the chunks of a chunked
encode between their encode and their join (the work area).
"""
from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from botocore.exceptions import ClientError
from peerless_infra.resources import UPLOAD_PREFIX, WORK_PREFIX

from .media.encode import EncodeResult, Rendition, master_playlist
from .media.segments import segments_sha256
from .media.storyboard import Storyboard, storyboard_description
from .media.torrents import make_torrent

# Segments and files never change once written (new media gets new names); the CDN and
# browsers may keep them for good.
IMMUTABLE = "public, max-age=31536000, immutable"
# The master playlist and the segment hashes grow when renditions join a published video.
CHANGING = "public, max-age=60"
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".mp4": "video/mp4",
                 ".jpg": "image/jpeg", ".json": "application/json"}


def hls_prefix(uuid: str) -> str:
    return f"static/streaming-playlists/hls/{uuid}/"


def redundancy_prefix(uuid: str) -> str:
    """Where this instance keeps its copy of another server's video (a mirror)."""
    return f"static/redundancy/hls/{uuid}/"


class MediaStore:
    """The media bucket, and the uploads bucket whose files become media."""

    def __init__(self, s3, bucket: str, uploads_bucket: str):
        self._s3 = s3
        self._bucket = bucket
        self._uploads = uploads_bucket

    @property
    def bucket(self) -> str:
        return self._bucket

    @staticmethod
    def index_keys(uuid: str) -> dict:
        """Where `put_index` writes, as the video's media description names them."""
        return {"master": hls_prefix(uuid) + "master.m3u8",
                "segments_sha256": hls_prefix(uuid) + "segments-sha256.json"}

    def put_renditions(self, uuid: str, out_dir: Path, renditions: list[Rendition],
                       written: list[str], *, media_url: str, trackers: list[str],
                       title: str) -> list[dict]:
        """Uploads encoded renditions: the web MP4, the HLS rendition and its segments'
        hashes, and a torrent for each file (the CDN URL as its webseed). Returns what the
        video keeps of each (see `rendition_description`). Every key is appended to
        `written` as soon as it exists, so a caller can remove them all if a later step
        fails."""
        hls = hls_prefix(uuid)

        def torrent(name: str, file_key: str, torrent_key: str) -> dict:
            made = make_torrent(out_dir / name, name=file_key.rsplit("/", 1)[1],
                                webseed=f"{media_url}/{file_key}", trackers=trackers)
            self.put_bytes(torrent_key, made.data, "application/x-bittorrent")
            written.append(torrent_key)
            return {"torrent": torrent_key, "info_hash": made.info_hash,
                    "magnet": made.magnet(f"{media_url}/{torrent_key}", title)}

        described = []
        for r in renditions:
            mp4_key = f"static/web-videos/{uuid}-{r.resolution}.mp4"
            self.put_file(out_dir / r.mp4, mp4_key, written)
            self.put_file(out_dir / r.fragmented, hls + r.fragmented, written)
            self.put_file(out_dir / r.playlist, hls + r.playlist, written)
            hashes_key = f"{hls}{r.resolution}-segments-sha256.json"
            self.put_bytes(hashes_key, json.dumps(segments_sha256(out_dir / r.playlist)).encode(),
                           "application/json")
            written.append(hashes_key)
            described.append({
                # `resolution` is PeerTube's: the smaller side, so 720 for a portrait 720x1280.
                "resolution": r.resolution, "height": r.height, "width": r.width,
                "fps": r.fps, "has_audio": "mp4a" in r.codecs,
                "bandwidth": r.bandwidth, "codecs": r.codecs,
                "web_video": mp4_key, "web_video_size": r.mp4_size,
                "playlist": hls + r.playlist, "fragmented": hls + r.fragmented,
                "fragmented_size": r.fragmented_size, "segments_sha256": hashes_key,
                "web_video_torrent": torrent(
                    r.mp4, mp4_key, f"lazy-static/torrents/{uuid}-{r.resolution}.torrent"),
                "fragmented_torrent": torrent(
                    r.fragmented, hls + r.fragmented,
                    f"lazy-static/torrents/{uuid}-{r.resolution}-hls.torrent")})
        return described

    def put_pictures(self, uuid: str, out_dir: Path, result: EncodeResult,
                     written: list[str]) -> dict:
        """Uploads the thumbnail and the preview; returns their part of the video's media
        description."""
        pictures = {"thumbnail": f"lazy-static/thumbnails/{uuid}.jpg",
                    "preview": f"lazy-static/previews/{uuid}.jpg"}
        self.put_file(out_dir / result.thumbnail, pictures["thumbnail"], written)
        self.put_file(out_dir / result.preview, pictures["preview"], written)
        return pictures

    def put_storyboard(self, uuid: str, out_dir: Path, storyboard: Storyboard | None,
                       written: list[str]) -> dict:
        """Uploads the storyboard, when there is one; returns its part of the description."""
        if storyboard is None:
            return {}
        key = f"lazy-static/storyboards/{uuid}.jpg"
        self.put_file(out_dir / storyboard.file, key, written)
        return {"storyboard": storyboard_description(storyboard, key)}

    def put_index(self, uuid: str, renditions: list[dict], written: list[str]) -> dict:
        """The master playlist and the segments-sha256 file of every rendition in
        `renditions` (descriptions, as `put_renditions` returns them). Both change when
        renditions join a published video, so they are cached briefly, not for good."""
        hashes: dict = {}
        for r in renditions:
            part = self._s3.get_object(Bucket=self._bucket, Key=r["segments_sha256"])
            hashes.update(json.loads(part["Body"].read()))
        keys = self.index_keys(uuid)
        segments_key, master_key = keys["segments_sha256"], keys["master"]
        self.put_bytes(segments_key, json.dumps(hashes).encode(), "application/json",
                       cache=CHANGING)
        written.append(segments_key)
        # The master playlist last: once it exists, everything it points to does too.
        self.put_bytes(master_key, master_playlist(renditions).encode(),
                       CONTENT_TYPES[".m3u8"], cache=CHANGING)
        written.append(master_key)
        return keys

    def put_file(self, path: Path, key: str, written: list[str]) -> None:
        content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
        with path.open("rb") as body:
            self._s3.put_object(Bucket=self._bucket, Key=key, Body=body,
                                ContentType=content_type or "application/octet-stream",
                                CacheControl=IMMUTABLE)
        written.append(key)

    def put_bytes(self, key: str, data: bytes, content_type: str, *,
                  cache: str = IMMUTABLE) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type,
                            CacheControl=cache)

    def delete_video(self, uuid: str) -> None:
        """Every object of the video `uuid`: its files, playlists, torrents and pictures,
        whatever transcoding runs made them."""
        keys = []
        for prefix in (f"static/web-videos/{uuid}-", hls_prefix(uuid),
                       f"lazy-static/torrents/{uuid}-", redundancy_prefix(uuid)):
            keys += self._list(self._bucket, prefix)
        keys += [f"lazy-static/{kind}/{uuid}.jpg"
                 for kind in ("thumbnails", "previews", "storyboards")]
        self.delete(keys)

    # --- the work area: chunks between their encode and their join ----------------------

    def work_prefix(self, uuid: str, job: str) -> str:
        return f"{WORK_PREFIX}{uuid}/{job}/"

    def put_work(self, key: str, path: Path) -> None:
        self._s3.upload_file(str(path), self._uploads, key)

    def get_work(self, key: str, path: Path) -> bool:
        """Downloads a work file; False when it does not exist."""
        try:
            self._s3.download_file(self._uploads, key, str(path))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                return False
            raise
        return True

    def delete_work(self, prefix: str) -> None:
        keys = self._list(self._uploads, prefix)
        for start in range(0, len(keys), 1000):
            self._s3.delete_objects(Bucket=self._uploads, Delete={
                "Objects": [{"Key": key} for key in keys[start:start + 1000]], "Quiet": True})

    def source_url(self, bucket: str, key: str, expires: int) -> str:
        """A URL ffmpeg reads the source from, by byte ranges, without downloading it all."""
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)

    def _list(self, bucket: str, prefix: str) -> list[str]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    def delete_upload(self, uuid: str) -> None:
        self._s3.delete_object(Bucket=self._uploads, Key=f"{UPLOAD_PREFIX}{uuid}")

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = keys[start:start + 1000]
            if batch:
                self._s3.delete_objects(Bucket=self._bucket, Delete={
                    "Objects": [{"Key": key} for key in batch], "Quiet": True})
