"""Peer-to-peer offload in real browsers (issue 5), in a network namespace it creates
(tests/netns.py; needs root and iproute2).

A local stack runs inside the namespace (front and public URL at its 198.18 address); a
generated clip (default 60 s, 640x360) is published through it. Then:

- the seeder alone: functions/seeder's libtorrent seeder (fed by the catalog) and one
  headless Chromium with WebTorrent, the torrent's web seed removed: MB/s of the largest
  web MP4 from the seeder to the browser, its SHA-256 checked;
- for each N (default 2, 4, 8): N headless Chromium viewers of the video's HLS through
  hls.js + p2p-media-loader v2 (our tracker only, no ICE server), started `--gap` seconds
  apart, all on one rendition (`--height`, default 360), muted; each counts the bytes it
  got from peers and over HTTP from p2p-media-loader's events and its stalls (`waiting` /
  `stalled` until `playing`). Measured until the last viewer has played `--watch`
  seconds (or the end). Printed: the share of segment bytes from peers (the physical
  limit is (N-1)/N: somebody fetches each segment once over HTTP) and the longest stall.

    .venv/bin/python bench/p2p.py [--viewers 2 4 8] [--seconds 60] [--gap 3] [--watch 30]

With --live, no clip and no seeder: ffmpeg streams a 1280x720 live (default latency, 2 s
segments, the 720p rung alone) over RTMP, and the same swarms watch it once for each
`--high-demand` window (the seconds ahead of the playhead p2p-media-loader fetches over
HTTP at once; the web app uses 4 for lives), the hashes read again for each new segment.

    .venv/bin/python bench/p2p.py --live [--viewers 2 4] [--high-demand 15 4] [--watch 30]

Aims: share >= 0.6 at N = 4, >= 0.75 at N = 8, no stall over 1 s.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.netns import Namespace, skip_reason, stack_in  # noqa: E402
from tests.p2p_support import (RecordedPage, SeederProcess, build_pages,  # noqa: E402
                               launch_chromium, torrent_without_web_seed)


def make_clip(path: Path, seconds: int) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
                    "sine=frequency=440", "-t", str(seconds), "-c:v", "libx264", "-preset",
                    "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
                   check=True)
    return path


def seeder_alone(pw, ns, stack, video, work: Path) -> dict:
    file = max(video["files"], key=lambda f: f["size"])
    expected = hashlib.sha256(httpx.get(file["fileUrl"]).content).hexdigest()
    torrent = httpx.get(file["torrentUrl"]).content
    seeder = SeederProcess(ns, stack.url, work / "seeder")
    browser = None
    try:
        seeder.wait_seeding(file["torrentUrl"], timeout=60)
        browser = launch_chromium(pw.chromium, ns, stack.url)
        origin = stack.url
        page = RecordedPage(browser, origin, "webtorrent-seed.js",
                            blocked=(f"{origin}/static/**", f"{origin}/lazy-static/**"))
        result = page.page.evaluate("(a) => window.downloadTorrent(a)", {
            "torrent": torrent_without_web_seed(torrent),
            "announce": [stack.url.replace("http://", "ws://") + "/tracker/socket"],
            "timeoutMs": 120_000})
        return {"resolution": file["resolution"]["id"], "bytes": result["bytes"],
                "seconds": result["seconds"],
                "mb_per_s": result["bytes"] / result["seconds"] / 1e6,
                "hash_ok": result["sha256"] == expected,
                "foreign": sorted(page.foreign_hosts())}
    finally:
        if browser is not None:
            browser.close()
        seeder.stop()


def swarm(pw, ns, stack, video, n: int, gap: float, watch: float, height: int,
          core: dict) -> dict:
    playlist = video["streamingPlaylists"][0]
    start = {"manifest": playlist["playlistUrl"], "sha256Url": playlist["segmentsSha256Url"],
             "announce": [stack.url.replace("http://", "ws://") + "/tracker/socket"],
             "height": height, "core": core, "live": bool(video["isLive"])}
    browsers, pages = [], []
    started = time.monotonic()
    try:
        for i in range(n):
            if i:
                time.sleep(max(0.0, started + i * gap - time.monotonic()))
            browser = launch_chromium(pw.chromium, ns, stack.url)
            browsers.append(browser)
            page = RecordedPage(browser, stack.url, "hls-p2p.js")
            page.page.evaluate("(a) => window.startP2P(a)", start)
            pages.append(page)
        # Until the last viewer has watched `watch` seconds (or the end); a live's viewers
        # start near its edge.
        last = pages[-1].page
        if video["isLive"]:
            last.wait_for_function("window.stats.playing", timeout=30_000)
            target = watch + last.evaluate("document.getElementById('player').currentTime")
        else:
            target = min(watch, video["duration"] - 1)
        deadline = time.monotonic() + target * 3 + 30
        while time.monotonic() < deadline:
            position = last.evaluate("document.getElementById('player').currentTime")
            if position >= target:
                break
            time.sleep(0.5)
        stats = [p.page.evaluate("({...window.stats, current: window.currentStallMs(),"
                                 " position: document.getElementById('player').currentTime})")
                 for p in pages]
        foreign = set().union(*(p.foreign_hosts() for p in pages))
    finally:
        for browser in browsers:
            browser.close()
    p2p = sum(s["p2pBytes"] for s in stats)
    http = sum(s["httpBytes"] for s in stats)
    return {
        "n": n, "p2p_bytes": p2p, "http_bytes": http,
        "share": p2p / (p2p + http) if p2p + http else 0.0,
        "limit": (n - 1) / n,
        "longest_stall_ms": max(max(s["longestStallMs"], s["current"]) for s in stats),
        "stalls": sum(len(s["stalls"]) for s in stats),
        "startup_ms": max((s["startupMs"] or 0) for s in stats),
        "not_playing": sum(not s["playing"] for s in stats),
        "invalid": sum(s["invalid"] + s["unknownSegments"] for s in stats),
        "validated": sum(s["validated"] for s in stats),
        "positions": [round(s["position"], 1) for s in stats],
        "levels": sorted({s.get("level") for s in stats}, key=str),
        "errors": sorted({e for s in stats for e in s["errors"] + s["hlsErrors"]}),
        "foreign": sorted(foreign),
        "elapsed": time.monotonic() - started,
    }


HEADER = (f"{'peer share':>10} {'limit':>6} {'from peers':>11} {'over HTTP':>10} "
          f"{'longest stall':>14} {'stalls':>6} {'startup':>8}  notes")


def print_row(label: str, r: dict) -> None:
    notes = []
    if r["not_playing"]:
        notes.append(f"{r['not_playing']} never played")
    if r["invalid"]:
        notes.append(f"{r['invalid']} segments failed the sha256 check")
    if r["errors"]:
        notes.append("errors: " + "; ".join(r["errors"])[:120])
    if r["foreign"]:
        notes.append(f"FOREIGN HOSTS {r['foreign']}")
    notes.append(f"{r['validated']} peer segments sha256-checked")
    print(f"{label} {r['share']:>10.2f} {r['limit']:>6.2f} "
          f"{r['p2p_bytes'] / 1e6:>8.1f} MB {r['http_bytes'] / 1e6:>7.1f} MB "
          f"{r['longest_stall_ms'] / 1000:>12.2f} s {r['stalls']:>6} "
          f"{r['startup_ms'] / 1000:>6.2f} s  {', '.join(notes)}", flush=True)


def live_swarms(pw, ns, stack, args) -> list[dict]:
    """A 720p live (default latency, the 720p rung alone), watched by each N in turn with
    each high-demand window (p2p-media-loader's `highDemandTimeWindow`: the seconds ahead of
    the playhead fetched over HTTP at once; the rest waits for peers)."""
    from bench.live import set_live_resolutions
    from tests.integration.test_live import create_live, live_settings, publish

    set_live_resolutions(stack, [])
    streamer = stack.create_user("live_bench")
    created = create_live(stack, streamer, name="Live P2P bench")
    ns.relay_loopback(stack.info["rtmp"])  # publish() streams to 127.0.0.1
    runs = len(args.viewers) * len(args.high_demand)
    encoder = publish(stack, live_settings(stack, created["uuid"], streamer)["streamKey"],
                      runs * (args.watch + 10 + max(args.viewers) * args.gap) + 120,
                      size="1280x720")
    try:
        video = stack.wait_for_state(created["uuid"], timeout=60)
        print(f"namespace {ns.name}: instance at {stack.url}; a 1280x720 live streamed, "
              f"2 s segments, played 5 segments behind its edge", flush=True)
        print(f"\nlive 720p, viewers {args.gap:g} s apart, figures when the last has played "
              f"{args.watch:g} s; httpDownloadInitialTimeoutMs={args.initial_http_delay}")
        print(f"{'high demand':>11} {'N':>3} {HEADER}", flush=True)
        results = []
        for window in args.high_demand:
            for n in args.viewers:
                results.append(swarm(pw, ns, stack, video, n, args.gap, args.watch, 720, {
                    "httpDownloadInitialTimeoutMs": args.initial_http_delay,
                    "highDemandTimeWindow": window}))
                results[-1]["high_demand"] = window
                print_row(f"{window:>9g} s {n:>3}", results[-1])
        return results
    finally:
        encoder.terminate()
        encoder.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--seconds", type=int, default=60, help="the clip's length")
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between viewers")
    parser.add_argument("--watch", type=float, default=30.0,
                        help="seconds the last viewer plays before the figures are taken")
    parser.add_argument("--height", type=int, default=360, help="the rendition watched")
    parser.add_argument("--initial-http-delay", type=int, default=700, metavar="MS",
                        help="p2p-media-loader's httpDownloadInitialTimeoutMs: how long the "
                             "first segments wait for peers before HTTP (its default is 0)")
    parser.add_argument("--live", action="store_true",
                        help="viewers of a 720p live instead of a clip (no seeder)")
    parser.add_argument("--high-demand", type=float, nargs="+", default=[15, 4],
                        metavar="S", help="with --live: highDemandTimeWindow values to try "
                                          "(15: the library's default, 4: the web app's)")
    parser.add_argument("--json", action="store_true", help="also print the raw figures")
    args = parser.parse_args()
    if reason := skip_reason():
        sys.exit(f"bench/p2p.py: {reason}")
    # A SIGTERM must still tear the namespace down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    build_pages()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, Namespace() as ns:
        tmp = Path(tmp)
        if args.live:
            stack = stack_in(ns, tmp / "data", PEERLESS_MAX_RESOLUTION="720").start()
            try:
                with sync_playwright() as pw:
                    results = live_swarms(pw, ns, stack, args)
                if args.json:
                    print(json.dumps(results, indent=1))
            finally:
                stack.stop()
            return
        clip = make_clip(tmp / "clip.mp4", args.seconds)
        stack = stack_in(ns, tmp / "data", PEERLESS_MAX_RESOLUTION=str(max(args.height, 144)),
                         PEERLESS_TRANSCODE_WORKERS="2").start()
        try:
            t0 = time.monotonic()
            uuid = stack.uploaded(clip, "P2P bench")
            video = stack.wait_for_state(uuid, timeout=300)
            print(f"namespace {ns.name}: instance at {stack.url}; a {args.seconds} s 640x360 "
                  f"clip published in {time.monotonic() - t0:.1f} s "
                  f"(HLS renditions: {', '.join(str(f['resolution']['id']) for f in video['streamingPlaylists'][0]['files'])})",
                  flush=True)
            results = []
            with sync_playwright() as pw:
                alone = seeder_alone(pw, ns, stack, video, tmp)
                print(f"seeder alone -> 1 browser (WebTorrent over WebRTC, no web seed): "
                      f"{alone['bytes'] / 1e6:.1f} MB ({alone['resolution']}p MP4) in "
                      f"{alone['seconds']:.2f} s = {alone['mb_per_s']:.1f} MB/s, sha256 "
                      f"{'ok' if alone['hash_ok'] else 'MISMATCH'}", flush=True)
                print(f"\nHLS {args.height}p, viewers {args.gap:g} s apart, figures when the "
                      f"last has played {args.watch:g} s; p2p-media-loader defaults but "
                      f"httpDownloadInitialTimeoutMs={args.initial_http_delay}")
                print(f"{'N':>3} {HEADER}", flush=True)
                for n in args.viewers:
                    results.append(swarm(pw, ns, stack, video, n, args.gap, args.watch,
                                         args.height, {"httpDownloadInitialTimeoutMs":
                                                       args.initial_http_delay}))
                    print_row(f"{n:>3}", results[-1])
            print("\naims: share >= 0.60 at N = 4, >= 0.75 at N = 8; no stall over 1 s")
            if args.json:
                print(json.dumps({"seeder_alone": alone, "swarms": results}, indent=1))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
