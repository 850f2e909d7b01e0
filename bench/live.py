"""Live figures on the real local stack: glass-to-glass latency in the normal and the small
latency modes, the time from the encoder's connection to a playable playlist, and the CPU
a 720p live ladder takes.

The encoder is ffmpeg streaming a generated 720p30 picture in real time (`-re`), with the
frame's number burnt into its top row as 16 black or white squares. Chromium plays the
live with hls.js (configured as the web app's player: 3 segments behind the live edge,
2 in the small latency mode), reads the squares of the frame on screen, and so knows which
frame it shows: glass-to-glass latency = now - (encoder start + frame number / 30). The
encoder's start is taken when its process starts, so the figure is high by at most the
encoder's own start-up (~0.1-0.2 s).

    .venv/bin/python bench/live.py [--seconds 40]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.stack import Stack  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HLS_JS = ROOT / "static_site/node_modules/hls.js/dist/hls.min.js"
FPS, BITS, SQUARE = 30, 16, 40
CLOCK_TICKS = 100   # /proc/<pid>/stat counts CPU time in these per second

PAGE = """<!doctype html><meta charset="utf-8"><video id="v" muted autoplay playsinline
style="width:1280px;height:720px"></video><canvas id="c" width="1280" height="720"></canvas>
<script src="/bench-hls.js"></script><script>
const video = document.getElementById('v');
const hls = new Hls({ liveSyncDurationCount: SYNC, lowLatencyMode: false, startLevel: 0,
                      capLevelToPlayerSize: false });
hls.loadSource(MASTER); hls.attachMedia(video);
hls.on(Hls.Events.MANIFEST_PARSED, () => { hls.currentLevel = 0; video.play(); });
window.frameNumber = () => {
  const c = document.getElementById('c').getContext('2d', { willReadFrequently: true });
  c.drawImage(video, 0, 0, 1280, 720);
  let n = 0;
  for (let bit = 0; bit < BITS; bit += 1) {
    const [r, g, b] = c.getImageData(bit * SQUARE + SQUARE / 2, SQUARE / 2, 1, 1).data;
    if ((r + g + b) / 3 > 128) n |= 1 << bit;
  }
  return n;
};
</script>"""


def encoder(stack: Stack, key: str, seconds: int) -> tuple[subprocess.Popen, float]:
    """ffmpeg streaming frames that carry their number; and when it started."""
    boxes = ",".join(
        f"drawbox=x={bit * SQUARE}:y=0:w={SQUARE}:h={SQUARE}:color=black:t=fill,"
        f"drawbox=x={bit * SQUARE}:y=0:w={SQUARE}:h={SQUARE}:color=white:t=fill:"
        f"enable='eq(mod(floor(n/{2 ** bit}),2),1)'" for bit in range(BITS))
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
               f"testsrc2=size=1280x720:rate={FPS},{boxes}", "-re", "-f", "lavfi", "-i",
               "sine=frequency=440:sample_rate=48000", "-t", str(seconds), "-c:v", "libx264",
               "-preset", "ultrafast", "-tune", "zerolatency", "-g", str(FPS),
               "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv",
               f"rtmp://127.0.0.1:{stack.info['rtmp']}/live/{key}"]
    started = time.time()
    return subprocess.Popen(command, stdout=subprocess.DEVNULL), started


def new_live(stack: Stack, latency_mode: int) -> tuple[str, str]:
    headers = stack.auth()
    body = {"channelId": stack.channel_id(headers), "name": f"Bench live {latency_mode}",
            "latencyMode": latency_mode}
    uuid = stack.http.post("/api/v1/videos/live", headers=headers, json=body).json()[
        "video"]["uuid"]
    key = stack.http.get(f"/api/v1/videos/live/{uuid}", headers=headers).json()["streamKey"]
    return uuid, key


def wait_live(stack: Stack, uuid: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        video = stack.http.get(f"/api/v1/videos/{uuid}").json()
        if video["state"]["id"] == 1 and video["streamingPlaylists"]:
            return video
        time.sleep(0.05)
    raise TimeoutError("the live never became playable")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def live_health(stack: Stack) -> dict:
    return stack.http.get("/tracker/health").json()["live"]


def measure(stack: Stack, pw, latency_mode: int, seconds: int) -> dict:
    uuid, key = new_live(stack, latency_mode)
    process, started = encoder(stack, key, seconds)
    try:
        video = wait_live(stack, uuid)
        playable = time.time() - started
        ingest = next(b for b in live_health(stack)["lives"] if b["uuid"] == uuid)
        pid = ingest["encoder_pid"]
        cpu_start, wall_start = cpu_seconds(pid), time.monotonic()
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page(viewport={"width": 1300, "height": 1500})
        page.route(f"{stack.url}/bench-live.html", lambda route: route.fulfill(
            content_type="text/html", body=PAGE.replace("SYNC", "2" if latency_mode == 3
                                                        else "3")
            .replace("MASTER", repr(video["streamingPlaylists"][0]["playlistUrl"]))
            .replace("BITS", str(BITS)).replace("SQUARE", str(SQUARE))))
        page.route(f"{stack.url}/bench-hls.js", lambda route: route.fulfill(
            content_type="text/javascript", body=HLS_JS.read_text()))
        page.goto(f"{stack.url}/bench-live.html")
        page.wait_for_function("document.getElementById('v').currentTime > 0.5",
                               timeout=30000)
        time.sleep(4)   # past the player's start-up
        latencies = []
        until = started + seconds - 3
        while time.time() < until:
            frame = page.evaluate("frameNumber()")
            latencies.append(time.time() - (started + frame / FPS))
            time.sleep(0.5)
        cpu = (cpu_seconds(pid) - cpu_start) / (time.monotonic() - wall_start)
        browser.close()
    finally:
        process.wait()
    return {"playable": playable, "ingest_playable": ingest["playable_after"],
            "latency": statistics.median(latencies), "latency_max": max(latencies),
            "cpu": cpu}


def set_live_resolutions(stack: Stack, resolutions: list[int]) -> None:
    headers = stack.auth()
    config = stack.http.get("/api/v1/config/custom", headers=headers).json()
    config["live"]["transcoding"]["resolutions"] = {
        f"{r}p": r in resolutions for r in (144, 240, 360, 480, 720, 1080, 1440, 2160)}
    assert stack.http.put("/api/v1/config/custom", headers=headers,
                          json=config).status_code == 200


def main() -> None:
    from playwright.sync_api import sync_playwright
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=40, help="length of each stream")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        stack = Stack(Path(tmp) / "data", PEERLESS_SEEDER="off").start()
        try:
            rows = []
            for label, mode, ladder in (("normal latency, 720p + 360p", 1, [360]),
                                        ("small latency, 720p + 360p", 3, [360]),
                                        ("normal latency, full 720p ladder", 1,
                                         [144, 240, 360, 480])):
                set_live_resolutions(stack, ladder)
                rows.append((label, measure(stack, pw, mode, args.seconds)))
        finally:
            stack.stop()
    print(f"live: 1280x720 {FPS} fps from ffmpeg over RTMP, {args.seconds} s per stream; "
          "Chromium with hls.js")
    print(f"{'':34} {'glass-to-glass':>16} {'(max)':>7} {'playable after':>16} "
          f"{'encoder CPU':>12}")
    for label, r in rows:
        print(f"{label:34} {r['latency']:>14.2f} s {r['latency_max']:>5.2f} s "
              f"{r['playable']:>8.2f} s ({r['ingest_playable']:.2f}) "
              f"{r['cpu']:>8.2f} cores")
    print("playable after: from the encoder's start to the API showing the live playable "
          "(in brackets: from the publish, as the ingest measured it)")


if __name__ == "__main__":
    main()
