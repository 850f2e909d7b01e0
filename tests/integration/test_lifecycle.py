"""`make up`'s process: it stops cleanly on Ctrl-C or SIGTERM, leaving no process behind,
and a restart keeps accounts, videos and media."""
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.stack import Stack

pytestmark = pytest.mark.integration


def descendants(pid: int) -> list[int]:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def test_restart_keeps_everything_and_stops_clean(tmp_path, media):
    data = tmp_path / "data"
    first = Stack(data).start()
    token = first.token()
    uuid = first.upload(media["clip"], name="Kept across restarts").json()["video"]["uuid"]
    video = first.wait_for_state(uuid)
    assert video["state"]["id"] == 1
    # The admin's actor and its key (a sealed binary value in the table).
    actor = {"Accept": "application/activity+json"}
    key = first.http.get("/accounts/root", headers=actor).json()["publicKey"]["publicKeyPem"]
    children = descendants(first.process.pid)
    assert children, "the emulator runs as a child"
    assert first.stop(signal.SIGTERM) == 0
    assert not [pid for pid in children if alive(pid)]

    second = Stack(data, port=first.port).start()
    try:
        again = second.http.get(f"/api/v1/videos/{uuid}").json()
        assert again["state"]["id"] == 1 and again["name"] == "Kept across restarts"
        assert second.http.get("/api/v1/users/me",
                               headers={"Authorization": f"Bearer {token}"}).status_code == 200
        listed = second.http.get("/api/v1/videos").json()
        assert [v["uuid"] for v in listed["data"]] == [uuid] and listed["total"] == 1
        master = second.http.get(again["streamingPlaylists"][0]["playlistUrl"])
        assert master.status_code == 200 and "#EXTM3U" in master.text
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                              "-of", "csv=p=0", again["files"][0]["fileUrl"]],
                             capture_output=True, text=True, check=True)
        assert abs(float(out.stdout) - 4) < 0.2
        again_key = second.http.get("/accounts/root", headers=actor).json()["publicKey"]
        assert again_key["publicKeyPem"] == key
    finally:
        assert second.stop(signal.SIGINT) == 0


def test_an_upload_interrupted_by_a_stop_is_transcoded_after_restart(tmp_path, media):
    """Nothing accepted is lost: a file that arrived but was not transcoded yet when the
    stack stopped is transcoded after the restart."""
    data = tmp_path / "data"
    first = Stack(data, PEERLESS_TRANSCODE_WORKERS="0").start()
    uuid = first.upload(media["clip"], name="Waiting").json()["video"]["uuid"]
    assert first.http.get(f"/api/v1/videos/{uuid}",
                          headers=first.auth()).json()["state"]["id"] == 2
    assert first.stop() == 0
    second = Stack(data, port=first.port).start()
    try:
        assert second.wait_for_state(uuid)["state"]["id"] == 1
    finally:
        second.stop()
