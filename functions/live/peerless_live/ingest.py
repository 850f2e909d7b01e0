"""Live ingest: what happens to a stream from the moment an encoder publishes on a key.

For each accepted publish (peerless.live.begin took the key), a `Broadcast`:
1. records the FLV it receives, for the replay, and keeps its first second;
2. probes that second, plans the ladder (peerless_live.encoder) or refuses the stream
   (no video, an absurd picture);
3. pipes the stream into one ffmpeg process that writes live HLS, which the shipper copies
   to the media store; the first playable master playlist publishes the video as live;
4. beats the live's heartbeat (and counts its viewers) while it runs, and stops the
   stream when the live is deleted or blocked, the instance's maximum duration is reached,
   the stream is far beyond any sane bitrate, or ffmpeg fails;
5. at the end: the last segments shipped, the live ended in the table (waiting again,
   ended, or becoming its replay), its live media removed, and the recording put in the
   uploads bucket where the regular transcoding makes the replay of it.

Nothing here blocks the event loop: table and media store calls run in threads.
"""
from __future__ import annotations

import asyncio
import logging
import shutil
import struct
import subprocess
import tempfile
import time
from collections import deque
from pathlib import Path

from peerless import live, quota, views
from peerless.media.probe import NotMedia, probe
from peerless.media_store import MediaStore
from peerless.models import User
from peerless_infra.resources import UPLOAD_PREFIX

from . import encoder, rtmp
from .shipper import Shipper

log = logging.getLogger("peerless.live.ingest")

PROBE_SECONDS = 1.0              # of media timestamps kept to probe the stream
PROBE_MAX_BYTES = 8 * 1024 * 1024
NO_VIDEO_AFTER = 5.0             # seconds of a stream without a picture: refused
MAX_BITRATE = 60_000_000         # bits/s over a RATE_WINDOW: far above any real encoder
RATE_WINDOW = 10.0
SHIP_EVERY = 0.2                 # seconds between two looks at the encoder's output
FFMPEG_EXIT_TIMEOUT = 15.0


class Stop(Exception):
    """Ends a stream from the ingest's side; `error` is PeerTube's LiveVideoError, if any."""

    def __init__(self, reason: str, error: int | None = None):
        super().__init__(reason)
        self.error = error


class Ingest:
    """The RTMP server's publish handler, and the broadcasts it runs."""

    def __init__(self, store: MediaStore, s3, uploads_bucket: str, work_dir: Path):
        self.store = store
        self.s3 = s3
        self.uploads_bucket = uploads_bucket
        self.work_dir = work_dir
        self.broadcasts: dict[str, Broadcast] = {}

    async def on_publish(self, request: rtmp.PublishRequest) -> Broadcast:
        try:
            start = await asyncio.to_thread(live.begin, request.stream_key)
        except live.Refused as refused:
            raise rtmp.Refused(str(refused)) from None
        work = Path(tempfile.mkdtemp(prefix=f"live-{start.uuid}-", dir=self.work_dir))
        broadcast = Broadcast(self, start, work)
        self.broadcasts[start.session] = broadcast
        log.info("live %s: session %s started by %s", start.uuid, start.session, request.peer)
        return broadcast

    async def sweep(self) -> None:
        """Ends the sessions whose ingest died without ending them (no heartbeat)."""
        for stream in await asyncio.to_thread(live.stale_sessions):
            if stream.session in self.broadcasts:
                continue
            log.info("live %s: session %s lost its ingest; ending it", stream.uuid,
                     stream.session)
            await asyncio.to_thread(live.end, stream.uuid, stream.session,
                                    error=live.BAD_SOCKET_HEALTH)
            await asyncio.to_thread(self.store.delete_video, stream.uuid)

    def health(self) -> dict:
        broadcasts = list(self.broadcasts.values())
        return {"broadcasts": len(broadcasts), "lives": [b.health() for b in broadcasts]}


class Broadcast:
    """One stream of one live: an rtmp.StreamSink."""

    def __init__(self, ingest: Ingest, start: live.Start, work: Path):
        self.ingest, self.start, self.work = ingest, start, work
        self.recording_path = work / "recording.flv"
        self.recording = self.recording_path.open("wb")
        self.head: list[bytes] = []
        self.head_bytes = 0
        self.media_seconds = 0.0
        self.saw_video = False
        self.began = time.monotonic()
        self.went_live_after: float | None = None
        self.process: asyncio.subprocess.Process | None = None
        self.shipper: Shipper | None = None
        self.tasks: list[asyncio.Task] = []
        self.stopped: Stop | None = None
        self._window: deque[tuple[float, int]] = deque()
        self._header_seen = False
        self._ended = False

    # --- rtmp.StreamSink ------------------------------------------------------------------

    async def flv(self, data: bytes) -> None:
        if self.stopped is not None:
            raise self.stopped
        self.recording.write(data)
        if self._header_seen:
            self._read_tag(data)
        self._header_seen = True     # the FLV header comes first, then tags
        self._check_rate(len(data))
        if self.process is None:
            self.head.append(data)
            self.head_bytes += len(data)
            if self.media_seconds >= PROBE_SECONDS or self.head_bytes >= PROBE_MAX_BYTES:
                if not self.saw_video and self.media_seconds < NO_VIDEO_AFTER \
                        and self.head_bytes < PROBE_MAX_BYTES:
                    return   # sound first: wait a little for the picture
                await self._start_encoder()
            return
        try:
            self.process.stdin.write(data)
            await self.process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            raise self._stop(Stop("The encoder stopped unexpectedly.", live.FFMPEG_ERROR))

    async def ended(self, reason: str) -> None:
        if self._ended:
            return
        self._ended = True
        error = self.stopped.error if self.stopped else None
        log.info("live %s: session %s ends (%s)", self.start.uuid, self.start.session,
                 self.stopped or reason)
        try:
            await self._finish(error)
        finally:
            self.ingest.broadcasts.pop(self.start.session, None)
            shutil.rmtree(self.work, ignore_errors=True)

    # --- the stream -----------------------------------------------------------------------

    def _read_tag(self, tag: bytes) -> None:
        kind = tag[0] & 0x1F
        stamp = struct.unpack(">I", tag[7:8] + tag[4:7])[0] / 1000
        if kind in (8, 9):
            self.media_seconds = max(self.media_seconds, stamp)
        if kind == 9:
            self.saw_video = True

    def _check_rate(self, size: int) -> None:
        now = time.monotonic()
        self._window.append((now, size))
        while self._window and self._window[0][0] < now - RATE_WINDOW:
            self._window.popleft()
        if now - self.began > RATE_WINDOW and \
                sum(s for _, s in self._window) * 8 / RATE_WINDOW > MAX_BITRATE:
            raise self._stop(Stop("The stream's bitrate is beyond what this instance takes.",
                                  live.BAD_SOCKET_HEALTH))

    def _stop(self, stop: Stop) -> Stop:
        if self.stopped is None:
            self.stopped = stop
        return self.stopped

    async def _start_encoder(self) -> None:
        head = self.work / "head.flv"
        head.write_bytes(b"".join(self.head))
        try:
            info = await asyncio.to_thread(probe, head)
            plan = encoder.plan(info, max_height=self.start.max_height,
                                enabled=self.start.resolutions,
                                latency_mode=self.start.latency_mode)
        except NotMedia as error:
            raise self._stop(Stop(f"The stream could not be read: {error.reason}",
                                  live.FFMPEG_ERROR)) from None
        except encoder.Unsuitable as error:
            raise self._stop(Stop(str(error), live.FFMPEG_ERROR)) from None
        out = self.work / "hls"
        out.mkdir()
        grace = 2 * encoder.PLAYLIST_LENGTH * plan.segment_seconds
        self.shipper = Shipper(self.ingest.store, self.start.uuid, out, plan.variants(), grace)
        self.process = await asyncio.create_subprocess_exec(
            *encoder.command(plan, out, self.start.session), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        self.tasks = [asyncio.create_task(self._ship_loop()),
                      asyncio.create_task(self._heartbeat_loop())]
        log.info("live %s: %s, %d rendition(s), %d-s segments", self.start.uuid,
                 f"{info.width}x{info.height}", len(plan.rungs), plan.segment_seconds)
        self.process.stdin.write(b"".join(self.head))
        self.head = []
        await self.process.stdin.drain()

    async def _ship_loop(self) -> None:
        while True:
            try:
                playable = await asyncio.to_thread(self.shipper.ship)
            except Exception:   # the media store unreachable a moment: the next look retries
                log.exception("live %s: shipping failed", self.start.uuid)
                await asyncio.sleep(SHIP_EVERY)
                continue
            if playable and self.went_live_after is None:
                self.went_live_after = time.monotonic() - self.began
                if not await asyncio.to_thread(live.went_live, self.start.uuid,
                                               self.start.session, self.shipper.media()):
                    self._stop(Stop("The live is no longer this stream's."))
                log.info("live %s: playable %.2f s after the publish", self.start.uuid,
                         self.went_live_after)
            if self.process.returncode is not None:
                if self.stopped is None and not self._ended:
                    detail = (await self.process.stderr.read())[-500:].decode(errors="replace")
                    self._stop(Stop(f"The encoder failed: {detail.strip() or 'no detail'}",
                                    live.FFMPEG_ERROR))
                return
            await asyncio.sleep(SHIP_EVERY)

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(live.HEARTBEAT_EVERY)
            try:
                viewers = await asyncio.to_thread(views.live_viewers, self.start.uuid)
                kept = await asyncio.to_thread(live.heartbeat, self.start.uuid,
                                               self.start.session, viewers)
            except Exception:   # the table unreachable a moment: the next beat retries
                log.exception("live %s: heartbeat failed", self.start.uuid)
                continue
            if not kept:
                self._stop(Stop("The live was deleted or blocked.", live.BLACKLISTED))
            elif self.start.max_duration and time.monotonic() - self.began > \
                    self.start.max_duration:
                self._stop(Stop("The live reached this instance's maximum duration.",
                                live.DURATION_EXCEEDED))

    async def _finish(self, error: int | None) -> None:
        self.recording.close()
        if self.process is not None:
            await self._stop_encoder()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.shipper is not None:
            await asyncio.to_thread(self.shipper.ship)   # the stream's last seconds
        went_live = self.went_live_after is not None
        ended = await asyncio.to_thread(
            live.end, self.start.uuid, self.start.session, error=error,
            recorded_seconds=self.media_seconds if went_live else 0.0, went_live=went_live)
        if self.shipper is not None:
            await asyncio.to_thread(self.shipper.remove_all)
        if ended.replay_uuid:
            await asyncio.to_thread(self._keep_recording, ended.replay_uuid)

    async def _stop_encoder(self) -> None:
        process = self.process
        try:
            process.stdin.close()
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            await asyncio.wait_for(process.wait(), FFMPEG_EXIT_TIMEOUT)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()

    def _keep_recording(self, replay_uuid: str) -> None:
        """The recording into the uploads bucket, where its S3 event starts the replay's
        transcoding; it counts against its owner's quota like an upload."""
        recording = self._remuxed()
        size = recording.stat().st_size
        owner = live.owner_of(replay_uuid)
        if owner is not None:
            quota.record(User.get(*User.key(owner)), replay_uuid, size)
        self.ingest.s3.upload_file(str(recording), self.ingest.uploads_bucket,
                                   f"{UPLOAD_PREFIX}{replay_uuid}")
        log.info("live %s: replay %s recorded (%d bytes)", self.start.uuid, replay_uuid, size)

    def _remuxed(self) -> Path:
        """The recording copied into an MP4, stream by stream: the FLV's metadata states
        the length the encoder meant to stream (ffmpeg's `-t`), not what it did, and the
        transcoder would believe it. The FLV as it came when the copy fails."""
        remuxed = self.work / "recording.mp4"
        result = subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "flv",
             "-i", str(self.recording_path), "-map", "0:v:0?", "-map", "0:a:0?", "-c", "copy",
             "-movflags", "+faststart", str(remuxed)], capture_output=True)
        if result.returncode != 0:
            log.warning("live %s: the recording could not be remuxed (%s); kept as FLV",
                        self.start.uuid, result.stderr[-300:].decode(errors="replace"))
            return self.recording_path
        return remuxed

    def health(self) -> dict:
        return {"uuid": self.start.uuid, "session": self.start.session,
                "seconds": round(self.media_seconds, 1),
                "playable_after": (round(self.went_live_after, 2)
                                   if self.went_live_after is not None else None),
                "encoder_pid": self.process.pid if self.process else None}
