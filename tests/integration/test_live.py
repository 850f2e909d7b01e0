"""Lives on the real local stack: PeerTube's live API, ffmpeg streaming over RTMP into the
ingest, the live playlist in the media store, the waiting/live/ended states, and the
replay made by the regular transcoding."""
from __future__ import annotations

import hashlib
import json
import signal
import socket
import subprocess
import time
import uuid as uuidlib

import pytest

pytestmark = pytest.mark.integration


def unique(prefix: str) -> str:
    return f"{prefix}{uuidlib.uuid4().hex[:8]}"


def create_live(stack, headers, **fields) -> dict:
    body = {"channelId": stack.channel_id(headers), "name": unique("Live "), "privacy": 1,
            **fields}
    response = stack.http.post("/api/v1/videos/live", headers=headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()["video"]


def live_settings(stack, uuid: str, headers) -> dict:
    response = stack.http.get(f"/api/v1/videos/live/{uuid}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def publish(stack, key: str, seconds: float, *, size: str = "320x240", audio: bool = True,
            extra: tuple[str, ...] = ()) -> subprocess.Popen:
    """ffmpeg streaming a generated picture (and sound) in real time, as OBS would."""
    inputs = ["-re", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30"]
    if audio:
        inputs += ["-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error", *inputs, "-t", str(seconds),
               "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30",
               "-pix_fmt", "yuv420p", *(["-c:a", "aac"] if audio else []), *extra,
               "-f", "flv", f"rtmp://127.0.0.1:{stack.info['rtmp']}/live/{key}"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(check, timeout: float = 30, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"{check.__name__} never held")


def video(stack, uuid: str, headers) -> dict:
    return stack.http.get(f"/api/v1/videos/{uuid}", headers=headers).json()


@pytest.fixture
def streamer(stack):
    """A user of their own for each test: each user may have only a few lives."""
    return stack.create_user(unique("streamer_"))


# --- the API --------------------------------------------------------------------------------

def test_a_new_live_waits_for_its_stream_and_only_its_owner_sees_the_key(stack, streamer):
    created = create_live(stack, streamer, saveReplay=True, permanentLive=False,
                          latencyMode=3)
    details = video(stack, created["uuid"], streamer)
    assert details["isLive"] is True
    assert details["state"] == {"id": 4, "label": "Waiting for livestream"}
    mine = live_settings(stack, created["uuid"], streamer)
    assert mine["rtmpUrl"] == f"rtmp://127.0.0.1:{stack.info['rtmp']}/live"
    assert len(mine["streamKey"]) >= 32
    assert (mine["saveReplay"], mine["permanentLive"], mine["latencyMode"]) == (True, False, 3)
    other = stack.create_user(unique("other_"))
    refused = stack.http.get(f"/api/v1/videos/live/{created['uuid']}", headers=other)
    assert refused.status_code == 403
    assert "streamKey" not in refused.text
    # Waiting lives are in no list, live or not.
    listed = stack.http.get("/api/v1/videos", params={"isLive": "true", "count": 100}).json()
    assert created["uuid"] not in [v["uuid"] for v in listed["data"]]


def test_live_settings_change_and_bad_ones_are_refused(stack, streamer):
    created = create_live(stack, streamer)
    response = stack.http.put(f"/api/v1/videos/live/{created['uuid']}", headers=streamer,
                              json={"permanentLive": True, "latencyMode": 2})
    assert response.status_code == 204, response.text
    changed = live_settings(stack, created["uuid"], streamer)
    assert (changed["permanentLive"], changed["latencyMode"]) == (True, 2)
    bad = stack.http.put(f"/api/v1/videos/live/{created['uuid']}", headers=streamer,
                         json={"latencyMode": 9})
    assert bad.status_code == 400
    assert "latencyMode" in bad.json()["invalid-params"]
    assert live_settings(stack, created["uuid"], streamer)["latencyMode"] == 2
    missing = stack.http.post("/api/v1/videos/live", headers=streamer,
                              json={"channelId": stack.channel_id(streamer)})
    assert missing.status_code == 400 and "name" in missing.json()["invalid-params"]


def test_a_regenerated_key_replaces_the_old_one(stack, streamer):
    created = create_live(stack, streamer)
    old = live_settings(stack, created["uuid"], streamer)["streamKey"]
    response = stack.http.post(f"/api/v1/videos/live/{created['uuid']}/stream-key",
                               headers=streamer, json={})
    assert response.status_code == 200
    new = response.json()["streamKey"]
    assert new != old and live_settings(stack, created["uuid"], streamer)["streamKey"] == new
    refused = publish(stack, old, 3)
    _, stderr = refused.communicate(timeout=20)
    assert refused.returncode != 0
    assert video(stack, created["uuid"], streamer)["state"]["id"] == 4


def test_the_user_live_limit_is_enforced(stack):
    user = stack.create_user(unique("limited_"))
    admin = stack.auth()
    config = stack.http.get("/api/v1/config/custom", headers=admin).json()
    previous = config["live"]["maxUserLives"]
    config["live"]["maxUserLives"] = 1
    assert stack.http.put("/api/v1/config/custom", headers=admin, json=config).status_code == 200
    try:
        create_live(stack, user)
        second = stack.http.post("/api/v1/videos/live", headers=user, json={
            "channelId": stack.channel_id(user), "name": "One too many"})
        assert second.status_code == 403
        assert "max user lives" in second.json()["detail"]
    finally:
        config["live"]["maxUserLives"] = previous
        stack.http.put("/api/v1/config/custom", headers=admin, json=config)


# --- streaming ------------------------------------------------------------------------------

def test_a_stream_goes_live_then_becomes_its_replay(stack, streamer):
    created = create_live(stack, streamer, saveReplay=True)
    uuid = created["uuid"]
    key = live_settings(stack, uuid, streamer)["streamKey"]
    encoder = publish(stack, key, 8)

    def is_live():
        found = video(stack, uuid, streamer)
        return found if found["state"]["id"] == 1 else None
    live = wait_for(is_live, timeout=30)
    assert live["isLive"] is True
    playlist = live["streamingPlaylists"][0]
    master = stack.http.get(playlist["playlistUrl"])
    assert master.status_code == 200 and "#EXT-X-STREAM-INF" in master.text
    assert "max-age=1" in master.headers.get("cache-control", "")
    variant = master.text.strip().splitlines()[-1]
    base = playlist["playlistUrl"].rsplit("/", 1)[0]
    media_playlist = stack.http.get(f"{base}/{variant}").text
    segments = [line for line in media_playlist.splitlines()
                if line and not line.startswith("#")]
    assert segments, media_playlist
    hashes = stack.http.get(playlist["segmentsSha256Url"]).json()
    segment = stack.http.get(f"{base}/{segments[0]}")
    assert segment.status_code == 200
    assert hashes[segments[0]] == hashlib.sha256(segment.content).hexdigest()
    # Listed as live while it streams, and a second stream on its key is refused.
    lives = stack.http.get("/api/v1/videos", params={"isLive": "true", "count": 100}).json()
    assert uuid in [v["uuid"] for v in lives["data"]]
    second = publish(stack, key, 3)
    second.communicate(timeout=20)
    assert second.returncode != 0

    encoder.communicate(timeout=30)
    assert encoder.returncode == 0
    replay = wait_for(lambda: (v := video(stack, uuid, streamer))["state"]["id"] in (1, 7)
                      and not v["isLive"] and v, timeout=120)
    # Published again: now as a normal video, made from the recording.
    assert replay["state"]["id"] == 1, replay["state"]
    assert 6 <= replay["duration"] <= 10
    assert replay["files"] and replay["streamingPlaylists"][0]["files"]
    sessions = stack.http.get(f"/api/v1/videos/live/{uuid}/sessions", headers=streamer).json()
    assert sessions["total"] == 1
    assert sessions["data"][0]["endDate"] and sessions["data"][0]["replayVideo"]["uuid"] == uuid
    # The live's segments are gone from the media store.
    assert stack.http.get(f"{base}/{segments[0]}").status_code == 404


def test_a_permanent_live_waits_again_after_its_stream(stack, streamer):
    created = create_live(stack, streamer, permanentLive=True, saveReplay=False)
    uuid = created["uuid"]
    key = live_settings(stack, uuid, streamer)["streamKey"]
    # The same key, twice: an encoder that drops (killed: its connection reset), then one
    # that reconnects and ends its stream. The live comes back for each.
    for ending in ("dropped", "finished"):
        encoder = publish(stack, key, 5 if ending == "finished" else 60)
        wait_for(lambda: video(stack, uuid, streamer)["state"]["id"] == 1, timeout=30)
        if ending == "dropped":
            encoder.kill()
        encoder.communicate(timeout=30)
        wait_for(lambda: video(stack, uuid, streamer)["state"]["id"] == 4, timeout=30)
    details = video(stack, uuid, streamer)
    assert details["isLive"] is True and details["streamingPlaylists"] == []
    sessions = stack.http.get(f"/api/v1/videos/live/{uuid}/sessions", headers=streamer).json()
    assert sessions["total"] == 2 and all(s["replayVideo"] is None for s in sessions["data"])


def test_a_live_without_replay_ends(stack, streamer):
    created = create_live(stack, streamer)
    uuid = created["uuid"]
    encoder = publish(stack, live_settings(stack, uuid, streamer)["streamKey"], 5)
    wait_for(lambda: video(stack, uuid, streamer)["state"]["id"] == 1, timeout=30)
    encoder.communicate(timeout=30)
    ended = wait_for(lambda: (v := video(stack, uuid, streamer))["state"]["id"] == 5 and v)
    assert ended["state"]["label"] == "Livestream ended"
    again = publish(stack, live_settings(stack, uuid, streamer)["streamKey"], 3)
    again.communicate(timeout=20)
    assert again.returncode != 0


# --- bad input ------------------------------------------------------------------------------

def ingest_health(stack) -> dict:
    return stack.http.get("/tracker/health").json()["live"]


def test_a_stream_without_video_is_refused_and_the_live_keeps_waiting(stack, streamer):
    created = create_live(stack, streamer, saveReplay=True)
    uuid = created["uuid"]
    key = live_settings(stack, uuid, streamer)["streamKey"]
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
               "sine=sample_rate=48000", "-t", "10", "-c:a", "aac", "-f", "flv",
               f"rtmp://127.0.0.1:{stack.info['rtmp']}/live/{key}"]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, timeout=30)
    assert result.returncode != 0 and time.monotonic() - started < 9
    wait_for(lambda: ingest_health(stack)["broadcasts"] == 0, timeout=15)
    details = video(stack, uuid, streamer)
    assert details["state"]["id"] == 4 and details["isLive"] is True
    sessions = stack.http.get(f"/api/v1/videos/live/{uuid}/sessions", headers=streamer).json()
    assert sessions["data"][-1]["error"] == 4 and sessions["data"][-1]["replayVideo"] is None


def test_garbage_on_the_rtmp_port_changes_nothing(stack):
    before = ingest_health(stack)["broadcasts"]
    with socket.create_connection(("127.0.0.1", stack.info["rtmp"]), timeout=5) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)) * 20)
        raw.settimeout(10)
        try:
            while raw.recv(4096):
                pass
        except ConnectionResetError:
            pass   # closed on us: what should happen
    assert ingest_health(stack)["broadcasts"] == before
    assert "Traceback" not in stack.log_text()


def test_a_stalled_stream_ends_cleanly_with_no_ffmpeg_left(stack, streamer):
    created = create_live(stack, streamer, saveReplay=True)
    uuid = created["uuid"]
    encoder = publish(stack, live_settings(stack, uuid, streamer)["streamKey"], 60)
    try:
        wait_for(lambda: video(stack, uuid, streamer)["state"]["id"] == 1, timeout=30)
        assert live_ffmpegs(uuid) != ""
        # The encoder freezes with its connection open: the stream goes silent.
        encoder.send_signal(signal.SIGSTOP)
        wait_for(lambda: video(stack, uuid, streamer)["state"]["id"] != 1, timeout=40)
        health = wait_for(lambda: (h := ingest_health(stack))["broadcasts"] == 0 and h, 20)
        assert health["lives"] == []
    finally:
        encoder.kill()
        encoder.wait()
    details = video(stack, uuid, streamer)
    # What it streamed before stalling is kept as the replay.
    assert details["state"]["id"] in (1, 2) and details["isLive"] is False
    assert live_ffmpegs(uuid) == ""


def live_ffmpegs(uuid: str) -> str:
    # A live's own ffmpegs work in its `live-<uuid>-` directory; its replay's transcoding
    # (`transcode-<uuid>-`) may well be running once it ended.
    return subprocess.run(["pgrep", "-af", f"ffmpeg.*live-{uuid}-"], capture_output=True,
                          text=True).stdout


def test_the_health_document_shows_running_lives(stack, streamer):
    created = create_live(stack, streamer)
    encoder = publish(stack, live_settings(stack, created["uuid"], streamer)["streamKey"], 6)
    try:
        health = wait_for(lambda: (h := ingest_health(stack))["lives"] and h, timeout=20)
        assert health["running"] is True
        assert created["uuid"] in json.dumps(health)
    finally:
        encoder.communicate(timeout=30)
