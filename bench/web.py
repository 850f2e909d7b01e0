"""The web app's speed in Debian's Chromium, from the browser's Performance API, on the
real local stack (the site gzipped as the CDN serves it).

Starts a local stack, publishes a 10-second 720p video, then loads each page in a fresh
browser context (a cold cache, as a first visit) --runs times and prints the medians of:

  - the first contentful paint of the home page, and of every page listed below;
  - the time to the watch page's first video frame (from the navigation's start to the
    first frame the <video> presents, by requestVideoFrameCallback), with P2P on (the
    default: hls.js with p2p-media-loader and the tracker) and off (plain HTTP), against a
    baseline: a bare page on the same origin with a <video> playing the same video's MP4;
  - the JavaScript each page loads: files, bytes on the wire (gzipped) and unpacked.

    .venv/bin/python bench/web.py [--runs 5]

Aim (issue 6): the watch page's JavaScript at most 400 KB gzipped, its first frame within
1.5 s locally.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.browser.conftest import CHROMIUM_ARGS, sign_in  # noqa: E402
from tests.stack import Stack  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
KB = 1024

# Watches for the first frame any <video> presents, whenever the page creates one.
FIRST_FRAME = """
window.__firstFrame = null;
new MutationObserver(() => {
  for (const video of document.querySelectorAll('video:not([data-bench])')) {
    video.dataset.bench = '1';
    video.requestVideoFrameCallback((now) => { window.__firstFrame ??= now; });
  }
}).observe(document, { childList: true, subtree: true });
"""

# What the page's scripts cost, once the page has settled.
SCRIPTS = """
() => performance.getEntriesByType('resource')
  .filter((e) => /\\.m?js(\\?|$)/.test(e.name))
  .map((e) => ({ name: e.name, wire: e.encodedBodySize, unpacked: e.decodedBodySize }))
"""
FCP = """
() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime ?? null
"""


def make_clip(path: Path) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i",
                    "sine=frequency=440", "-t", "10", "-c:v", "libx264", "-preset",
                    "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    str(path)], check=True)
    return path


def visit(browser, url: str, *, ready: str, user: tuple | None = None,
          first_frame: bool = False, prefs: dict | None = None, route=None) -> dict:
    """One cold visit of `url`: waits for `ready` (a selector or a JS condition)."""
    context = browser.new_context()
    page = context.new_page()
    try:
        if user:
            sign_in(page, *user)
        if prefs is not None:
            page.add_init_script(
                f"localStorage.setItem('peerless.preferences', {json.dumps(json.dumps(prefs))})")
        if first_frame:
            page.add_init_script(FIRST_FRAME)
        if route:
            page.route(*route)
        page.goto(url)
        try:
            if ready.startswith("js:"):
                page.wait_for_function(ready[3:], timeout=30_000)
            else:
                page.locator(ready).first.wait_for(timeout=30_000)
        except PlaywrightTimeout:
            print(f"  {url}: not ready after 30 s", file=sys.stderr)
            return {"fcp": None, "frame": None, "scripts": []}
        if not first_frame:
            # Lazily loaded chunks count too.
            page.wait_for_load_state("networkidle", timeout=30_000)
        return {"fcp": page.evaluate(FCP),
                "frame": page.evaluate("window.__firstFrame") if first_frame else None,
                "scripts": page.evaluate(SCRIPTS)}
    finally:
        context.close()


def median(values: list[float | None]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ms(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        tmp = Path(tmp)
        stack = Stack(tmp / "data", PEERLESS_SEEDER="off").start()
        try:
            stack.create_user("bench_viewer")
            uuid = stack.uploaded(make_clip(tmp / "clip.mp4"), "Benchmarked video")
            video = stack.wait_for_state(uuid)
            mp4 = max(video["files"] or video["streamingPlaylists"][0]["files"],
                      key=lambda f: f["resolution"]["id"])["fileUrl"]
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            baseline_html = (f'<!doctype html><video src="{mp4}" autoplay muted playsinline>'
                             "</video>")
            baseline_route = (f"{stack.url}/__baseline",
                              lambda route: route.fulfill(body=baseline_html,
                                                          content_type="text/html"))
            viewer = (stack, "bench_viewer")
            pages = {
                "home": (f"{stack.url}/", {"ready": '[data-testid="video-card"]'}),
                "watch (P2P on)": (f"{stack.url}/w/{uuid}", {
                    "ready": "js:window.__firstFrame !== null", "first_frame": True,
                    "prefs": {"p2pEnabled": True}}),
                "watch (P2P off)": (f"{stack.url}/w/{uuid}", {
                    "ready": "js:window.__firstFrame !== null", "first_frame": True,
                    "prefs": {"p2pEnabled": False}}),
                "embed": (f"{stack.url}/videos/embed/{uuid}", {
                    "ready": "js:window.__firstFrame !== null", "first_frame": True}),
                "baseline <video>": (f"{stack.url}/__baseline", {
                    "ready": "js:window.__firstFrame !== null", "first_frame": True,
                    "route": baseline_route}),
                "search": (f"{stack.url}/search?search=bench", {"ready": "main h1"}),
                "upload": (f"{stack.url}/videos/upload", {"ready": "main h1",
                                                          "user": viewer}),
                "settings": (f"{stack.url}/my-account/settings", {"ready": "main h1",
                                                                  "user": viewer}),
                "admin": (f"{stack.url}/admin/settings", {"ready": "main h1",
                                                          "user": (stack, "root")}),
            }
            # One visit each first: the stack's caches warm up, as a live instance's are.
            for url, options in pages.values():
                visit(browser, url, **options)
            results = {name: [visit(browser, url, **options) for _ in range(args.runs)]
                       for name, (url, options) in pages.items()}
            browser.close()
        finally:
            stack.stop()

    print(f"median of {args.runs} cold visits each, Chromium headless, local stack\n")
    print(f"{'page':18} {'first paint':>12} {'first frame':>12} {'JS files':>9} "
          f"{'JS gzipped':>11} {'JS unpacked':>12}")
    for name, runs in results.items():
        scripts = runs[-1]["scripts"]
        wire = sum(s["wire"] for s in scripts) / KB
        unpacked = sum(s["unpacked"] for s in scripts) / KB
        print(f"{name:18} {ms(median([r['fcp'] for r in runs])):>12} "
              f"{ms(median([r['frame'] for r in runs])):>12} {len(scripts):9d} "
              f"{wire:8.1f} KB {unpacked:9.1f} KB")
    base = median([r["frame"] for r in results["baseline <video>"]])
    for name in ("watch (P2P on)", "watch (P2P off)", "embed"):
        frame = median([r["frame"] for r in results[name]])
        if base and frame:
            print(f"{name}: first frame {frame / base:.2f}x the bare <video>'s")
    watch_js = sum(s["wire"] for s in results["watch (P2P on)"][-1]["scripts"]) / KB
    print(f"\nwatch page JavaScript: {watch_js:.0f} KB gzipped (aim <= 400 KB); first frame "
          f"{ms(median([r['frame'] for r in results['watch (P2P on)']])).strip()} "
          "(aim <= 1500 ms)")


if __name__ == "__main__":
    main()
