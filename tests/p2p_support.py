"""What the browser P2P tests (tests/browser/test_p2p.py) and bench/p2p.py share: the test
pages' build, Chromium launched inside a network namespace (tests/netns.py), the pages
served at the instance's own origin, every request recorded, and the libtorrent seeder
(functions/seeder) in a process of its own inside the namespace."""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.netns import Namespace

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "browser" / "p2p_pages"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# tests/browser/conftest.py's closed-network flags, plus WebRTC's: host candidates as plain
# addresses (mDNS names cost about a second a connection), and the instance's plain-HTTP
# origin treated as secure so pages may use crypto.subtle (SHA-256 checks).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--autoplay-policy=no-user-gesture-required",
                 "--disable-features=WebRtcHideLocalIpsWithMdns",
                 "--mute-audio", "--disable-dev-shm-usage"]
PAGE_PATH = "/_p2p-test/"


def build_pages() -> None:
    """Builds the pages' scripts (esbuild) when a source is newer than the output."""
    sources = [PAGES / name for name in ("build.mjs", "shim.js", "hls-p2p.js", "webtorrent-seed.js")]
    outputs = [PAGES / "dist" / name for name in ("hls-p2p.js", "webtorrent-seed.js")]
    lockfile = ROOT / "static_site" / "package-lock.json"
    newest = max(p.stat().st_mtime for p in [*sources, lockfile])
    if all(o.exists() and o.stat().st_mtime >= newest for o in outputs):
        return
    if not (ROOT / "static_site" / "node_modules" / "p2p-media-loader-core").exists():
        raise RuntimeError("the web app's npm packages are missing: run `make site`")
    subprocess.run(["node", str(PAGES / "build.mjs")], check=True, cwd=ROOT)


def launch_chromium(browser_type, ns: Namespace, origin: str):
    """Debian's Chromium, running inside the namespace (its WebRTC sees the veth), through
    Playwright's `browser_type` (`playwright.chromium`, or `browser.browser_type`)."""
    return browser_type.launch(
        executable_path=ns.wrapper(CHROMIUM),
        args=[*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={origin}"])


class RecordedPage:
    """A page of a fresh context whose scripts come from p2p_pages/dist at the instance's
    origin (Playwright answers those requests itself), with every request and WebSocket it
    makes recorded, and `blocked` URL patterns refused (and recorded)."""

    def __init__(self, browser, origin: str, script: str, blocked: tuple[str, ...] = ()):
        self.origin = origin
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("websocket", lambda ws: self.requests.append(ws.url))
        html = (PAGES / "page.html").read_text().replace("SCRIPT", f"{PAGE_PATH}{script}")
        self.context.route(f"{origin}{PAGE_PATH}**", lambda route: self._serve(route, html))
        for pattern in blocked:
            self.context.route(pattern, self._block)
        self.page.goto(f"{origin}{PAGE_PATH}page.html")
        self.page.wait_for_function("window.p2pReady === true", timeout=15_000)

    def _serve(self, route, html: str) -> None:
        name = urlsplit(route.request.url).path[len(PAGE_PATH):]
        if name == "page.html":
            route.fulfill(status=200, content_type="text/html", body=html)
        elif (PAGES / "dist" / name).is_file() and "/" not in name:
            route.fulfill(status=200, content_type="text/javascript",
                          body=(PAGES / "dist" / name).read_bytes())
        else:
            route.fulfill(status=404, body="")

    def _block(self, route) -> None:
        self.blocked.append(route.request.url)
        route.abort()

    def foreign_hosts(self) -> set[str]:
        """Hosts other than the instance's that the page asked anything of."""
        own = urlsplit(self.origin).netloc
        return {urlsplit(url).netloc for url in self.requests
                if urlsplit(url).scheme in ("http", "https", "ws", "wss")} - {own}

    def close(self) -> None:
        self.context.close()


# --- the libtorrent seeder, in a process inside the namespace ----------------------------

_SEEDER = r"""
import json, logging, os, signal, sys, threading
from pathlib import Path
from peerless_seeder.run import start_seeder
logging.basicConfig(level="INFO", format="%(asctime)s %(name)s %(levelname)s %(message)s")
public_url, cache_dir, status = sys.argv[1], sys.argv[2], Path(sys.argv[3])
running = start_seeder(public_url, cache_dir, poll_seconds=0.5)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
while not stop.wait(0.3):
    seeder = running.seeder
    doc = {"keys": {k: seeder.status(k) for k in seeder.keys()}, "metrics": seeder.metrics()}
    status.with_suffix(".tmp").write_text(json.dumps(doc))
    os.replace(status.with_suffix(".tmp"), status)
running.stop()
"""


class SeederProcess:
    """functions/seeder's `start_seeder` (libtorrent seeder + catalog feed) for the
    instance at `public_url`, inside `ns`; `status()` is what it last wrote."""

    def __init__(self, ns: Namespace, public_url: str, work_dir: Path):
        work_dir.mkdir(parents=True, exist_ok=True)
        self.status_path = work_dir / "seeder-status.json"
        self.log = open(work_dir / "seeder.log", "ab")
        self.process = ns.popen([sys.executable, "-c", _SEEDER, public_url,
                                 str(work_dir / "cache"), str(self.status_path)],
                                cwd=ROOT, stdout=self.log, stderr=self.log)

    def status(self) -> dict:
        try:
            return json.loads(self.status_path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {"keys": {}, "metrics": {}}

    def wait_seeding(self, torrent_url: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the seeder exited: {self.log_text()}")
            state = self.status()["keys"].get(torrent_url)
            if state and state["state"] == "seeding":
                return state
            time.sleep(0.2)
        raise TimeoutError(f"not seeding {torrent_url}: {self.status()}\n{self.log_text()}")

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


def torrent_without_web_seed(torrent: bytes) -> str:
    """The .torrent, base64, without its url-list: the seeder is the only source left."""
    import libtorrent as lt
    decoded = lt.bdecode(torrent)
    decoded.pop(b"url-list", None)
    return base64.b64encode(lt.bencode(decoded)).decode()
