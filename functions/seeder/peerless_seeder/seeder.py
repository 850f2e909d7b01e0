"""The libtorrent seeder: one session that seeds the instance's torrents to browsers
(WebTorrent over WebRTC, which the PyPI wheel has compiled in) and to desktop BitTorrent
clients (TCP and uTP), so every public video always has at least one peer.

The data path: a torrent is added with its own web seed (the `url-list` the transcoder
wrote: the file's public media URL), and libtorrent fetches the pieces from it over HTTP
into a local cache directory, then seeds them. Nothing here downloads files by itself:
libtorrent checks every piece against the torrent's SHA-1 hashes as it arrives, resumes
a partial fetch, can serve the pieces it has before it has them all, and on a restart
recognises the files already in the cache (seeded at once, no second fetch). The other road
(downloading the file with httpx and adding it in seed mode) would be a second HTTP client
to keep correct, and seed mode trusts the bytes instead of checking them.

The cache is bounded: a disk budget in bytes, counted as the torrents' full sizes (a
file being fetched takes its whole size soon enough). Adding a torrent that does not fit
removes the least recently used ones first: the ones that uploaded nothing for the
longest time, or, among those that never did, the oldest added.

Nothing reaches beyond what the instance configures (DESIGN section 6): no DHT (its
bootstrap nodes are public hosts), no local peer discovery (multicast), no UPnP nor
NAT-PMP (they talk to the gateway), and WebRTC's STUN server is none or the instance's
own (libtorrent's default is a public one).

Thread-safe: the catalog feed calls `seed` and `drop` from its thread, the health endpoint
calls `metrics` from the server's loop; a thread of the seeder's own reads libtorrent's
alerts (finished fetches, deleted files, errors) and its status updates.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import libtorrent as lt

log = logging.getLogger("peerless.seeder")

GIB = 1024 ** 3

# libtorrent's torrent states, as the metrics and `status` name them.
_STATES = {
    lt.torrent_status.checking_files: "checking",
    lt.torrent_status.checking_resume_data: "checking",
    lt.torrent_status.downloading_metadata: "fetching",
    lt.torrent_status.downloading: "fetching",
    lt.torrent_status.finished: "seeding",
    lt.torrent_status.seeding: "seeding",
}


@dataclass(frozen=True)
class SeederConfig:
    cache_dir: Path
    # The disk the cached files may take, in bytes.
    cache_budget: int = 20 * GIB
    # libtorrent's listen_interfaces: where desktop clients connect (TCP and uTP).
    listen_interfaces: str = "0.0.0.0:6881,[::]:6881"
    # host:port of the instance's own STUN server, or "" for none: WebRTC then offers
    # only host candidates, which is what a seeder with a public address needs.
    stun_server: str = ""
    # Trackers and web seeds on loopback or private addresses: the local stack and the
    # tests. Off, libtorrent's SSRF mitigation refuses a loopback tracker whose path is
    # not /announce (ours is /tracker/socket).
    allow_local_urls: bool = False
    # Torrents fetching from their web seed at once; the others wait their turn.
    active_fetches: int = 4
    max_connections: int = 500
    # WebRTC offers sent with each announce of each torrent to the WebSocket tracker: each
    # is a peer connection made in advance. Browsers' own offers reach the seeder anyway;
    # these only reach viewers already in a swarm the seeder joins. At least 1: with 0,
    # libtorrent 2.1 never announces over WebSocket at all.
    webrtc_offers: int = 2
    # Bytes per second, 0 for no limit.
    upload_rate_limit: int = 0

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides) -> "SeederConfig":
        """PEERLESS_SEEDER_CACHE_DIR, _CACHE_BYTES, _LISTEN, _STUN, _ACTIVE_FETCHES,
        _MAX_CONNECTIONS, _WEBRTC_OFFERS, _UPLOAD_RATE; `overrides` win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {
            "cache_dir": Path(env.get("PEERLESS_SEEDER_CACHE_DIR", "/tmp/peerless-seeder")),
            "cache_budget": int(env.get("PEERLESS_SEEDER_CACHE_BYTES", 20 * GIB)),
            "listen_interfaces": env.get("PEERLESS_SEEDER_LISTEN", cls.listen_interfaces),
            "stun_server": env.get("PEERLESS_SEEDER_STUN", ""),
            "active_fetches": int(env.get("PEERLESS_SEEDER_ACTIVE_FETCHES", 4)),
            "max_connections": int(env.get("PEERLESS_SEEDER_MAX_CONNECTIONS", 500)),
            "webrtc_offers": int(env.get("PEERLESS_SEEDER_WEBRTC_OFFERS", 2)),
            "upload_rate_limit": int(env.get("PEERLESS_SEEDER_UPLOAD_RATE", 0)),
        }
        values.update(overrides)
        return cls(**values)


def session_settings(config: SeederConfig) -> dict[str, Any]:
    """The libtorrent settings of the seeder's session (names as in libtorrent 2.1)."""
    return {
        "listen_interfaces": config.listen_interfaces,
        # Never contact a host the instance did not name.
        "enable_dht": False, "dht_bootstrap_nodes": "", "enable_lsd": False,
        "enable_upnp": False, "enable_natpmp": False,
        "webtorrent_stun_server": config.stun_server,
        "max_webtorrent_offers": max(1, config.webrtc_offers),
        "ssrf_mitigation": not config.allow_local_urls,
        # Each torrent names the WebSocket tracker (browsers) and the HTTP one (desktop
        # clients), one tier each: the seeder must be in both swarms, not the first only.
        "announce_to_all_tiers": True, "announce_to_all_trackers": True,
        # Every torrent seeds at once (libtorrent's queue would keep 5 seeding); only the
        # fetches from web seeds are queued.
        "active_downloads": config.active_fetches, "active_seeds": -1, "active_limit": -1,
        "active_checking": 1,
        # The peer of last resort chokes no one: every connected viewer gets pieces, the
        # bandwidth shared among them (connections_limit bounds the count).
        "unchoke_slots_limit": -1,
        "connections_limit": config.max_connections,
        # Many viewers share an address (NAT, or one test namespace).
        "allow_multiple_connections_per_ip": True,
        "upload_rate_limit": config.upload_rate_limit,
        # Stopping waits this long for trackers' answers to "stopped".
        "stop_tracker_timeout": 1,
        "alert_mask": (lt.alert.category_t.status_notification
                       | lt.alert.category_t.error_notification
                       | lt.alert.category_t.storage_notification),
    }


@dataclass
class _Torrent:
    handle: Any  # lt.torrent_handle
    info_hash: str
    name: str
    size: int
    keys: set[str]
    added: float
    last_used: float
    uploaded: int = 0
    state: str = "queued"
    peers: int = 0
    upload_rate: int = 0
    error: str = ""


class Seeder:
    """Seeds torrents, each under one or more keys (the torrent's URL, for the catalog
    feed): `seed(torrent_bytes, key)`, `drop(key)`, `metrics()`, `close()`."""

    def __init__(self, config: SeederConfig, clock: Callable[[], float] = time.monotonic):
        self.config = config
        self._clock = clock
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        self._session = lt.session(session_settings(config))
        self._lock = threading.RLock()
        self._deleted = threading.Condition(self._lock)
        self._torrents: dict[str, _Torrent] = {}  # by info hash (hex)
        self._keys: dict[str, str] = {}  # key -> info hash
        self._deleting: set[str] = set()  # info hashes whose files libtorrent is removing
        self._uploaded_before = 0  # by torrents no longer here
        self._evicted = 0
        self._closed = threading.Event()
        self._pump = threading.Thread(target=self._run, name="seeder-alerts", daemon=True)
        self._pump.start()

    # --- what the feed and the server call ----------------------------------------------

    @property
    def listen_port(self) -> int:
        """The TCP and uTP port desktop clients connect to (0 once closed)."""
        session = self._session
        return session.listen_port() if session is not None else 0

    def seed(self, torrent_bytes: bytes, key: str,
             web_seeds: Sequence[str] | None = None) -> bool:
        """Seeds the torrent (fetching its data from its web seed first) under `key`.
        `web_seeds`, when given, replace the torrent's own (its url-list): another
        server's torrent of a file this instance mirrors is fetched from the copy, not
        from its origin (the url-list is outside the info hash: the swarm is the same).
        Idempotent: the same key and torrent again changes nothing; a new torrent under a
        known key replaces the old one. Returns False when the torrent alone is larger
        than the cache budget (it is not seeded); raises ValueError for bytes that are
        not a torrent."""
        try:
            params = lt.load_torrent_buffer(torrent_bytes)
        except RuntimeError as error:
            raise ValueError(f"not a torrent: {error}") from error
        if web_seeds is not None:
            params.url_seeds = list(web_seeds)
        info = params.ti
        info_hash, size = str(info.info_hashes().v1), info.total_size()
        with self._lock:
            # Added again while libtorrent still deletes its old copy (a video hidden and
            # shown again): wait for the deletion, which would take the new file with it.
            if not self._deleted.wait_for(lambda: info_hash not in self._deleting, 10):
                self._deleting.discard(info_hash)  # its alert was lost: go on
            if self._closed.is_set():
                raise RuntimeError("the seeder is closed")
            known = self._keys.get(key)
            if known == info_hash:
                return True
            if known is not None:
                self.drop(key)
            if (torrent := self._torrents.get(info_hash)) is not None:
                # The same bytes under another name (two uploads of one file give the
                # same HLS files): one torrent, fetched from either web seed.
                torrent.keys.add(key)
                self._keys[key] = info_hash
                for url in params.url_seeds:
                    torrent.handle.add_url_seed(url)
                return True
            if size > self.config.cache_budget:
                log.warning("not seeding %s (%s): %d bytes, over the cache budget of %d",
                            key, info.name(), size, self.config.cache_budget)
                return False
            self._make_room(size)
            params.save_path = str(self.config.cache_dir / info_hash)
            if _cached(info, Path(params.save_path)):
                # Kept from a previous run: seeded at once, each piece checked against its
                # hash when first asked for (a bad one makes libtorrent check everything
                # and fetch what is wrong), rather than all of them hashed now, one
                # torrent after another, before any seeds.
                params.flags |= lt.torrent_flags.seed_mode
            handle = self._session.add_torrent(params)
            now = self._clock()
            self._torrents[info_hash] = _Torrent(handle, info_hash, info.name(), size, {key},
                                                 added=now, last_used=now)
            self._keys[key] = info_hash
        log.info("seeding %s (%s, %d bytes)", key, info.name(), size)
        return True

    def drop(self, key: str) -> bool:
        """Stops seeding under `key`; the torrent and its cached file go when no other key
        names it. False when `key` was not seeded (or was evicted)."""
        with self._lock:
            info_hash = self._keys.pop(key, None)
            if info_hash is None:
                return False
            torrent = self._torrents[info_hash]
            torrent.keys.discard(key)
            if not torrent.keys:
                self._remove(torrent)
        log.info("dropped %s", key)
        return True

    def keys(self) -> set[str]:
        with self._lock:
            return set(self._keys)

    def has(self, key: str) -> bool:
        with self._lock:
            return key in self._keys

    def status(self, key: str) -> dict | None:
        """The torrent under `key` as libtorrent sees it now: state ("checking",
        "fetching", "seeding", "error"), progress, peers, bytes uploaded, cached path, the
        web seeds it fetches from."""
        with self._lock:
            torrent = self._torrents.get(self._keys.get(key, ""))
        if torrent is None:
            return None
        s = torrent.handle.status()
        return {"state": "error" if s.errc.value() else _STATES.get(s.state, "queued"),
                "progress": s.progress, "peers": s.num_peers,
                "uploaded": s.all_time_upload, "info_hash": torrent.info_hash,
                "path": str(self.config.cache_dir / torrent.info_hash / torrent.name),
                "web_seeds": sorted(torrent.handle.url_seeds())}

    def cache_bytes(self) -> int:
        with self._lock:
            return sum(t.size for t in self._torrents.values())

    def prune_cache(self) -> int:
        """Removes what the cache holds of torrents no longer seeded: files kept from a
        previous run that the catalog no longer lists. Call it once every torrent still
        wanted was added again (after the feed's full sync). Returns the count removed."""
        removed = 0
        with self._lock:
            wanted = set(self._torrents) | self._deleting
            for entry in self.config.cache_dir.iterdir():
                if entry.name not in wanted:
                    _remove_path(entry)
                    removed += 1
        return removed

    def metrics(self) -> dict[str, Any]:
        """The seeder's section of the health document. From the last status update (at
        most a second old): it never waits on libtorrent."""
        with self._lock:
            torrents = list(self._torrents.values())
            uploaded = self._uploaded_before + sum(t.uploaded for t in torrents)
            evicted = self._evicted
        return {
            "torrents": len(torrents),
            "seeding": sum(t.state == "seeding" for t in torrents),
            "fetching": sum(t.state in ("fetching", "checking", "queued") for t in torrents),
            "errors": sum(t.state == "error" for t in torrents),
            "peers": sum(t.peers for t in torrents),
            "uploaded_bytes": uploaded,
            "upload_rate": sum(t.upload_rate for t in torrents),
            "cache_bytes": sum(t.size for t in torrents),
            "cache_budget_bytes": self.config.cache_budget,
            "evicted": evicted,
            "listen_port": self.listen_port,
        }

    def close(self) -> None:
        """Stops seeding (the cache stays, for the next start) and ends the session."""
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
        self._pump.join(timeout=5)
        with self._lock:
            session, self._session = self._session, None
        quiesce(session)
        del session  # the session's destructor: quick once quiesced

    # --- inside -------------------------------------------------------------------------

    def _make_room(self, size: int) -> None:
        used = sum(t.size for t in self._torrents.values())
        for torrent in sorted(self._torrents.values(), key=lambda t: (t.last_used, t.added)):
            if used + size <= self.config.cache_budget:
                break
            log.info("cache full: evicting %s (%s)", ", ".join(sorted(torrent.keys)),
                     torrent.name)
            for key in torrent.keys:
                self._keys.pop(key, None)
            used -= torrent.size
            self._evicted += 1
            self._remove(torrent)

    def _remove(self, torrent: _Torrent) -> None:
        del self._torrents[torrent.info_hash]
        self._uploaded_before += torrent.uploaded
        if self._session is None:  # closed: the files stay, like every cached file
            return
        self._deleting.add(torrent.info_hash)
        # libtorrent deletes the file in its disk thread, after any write in flight; the
        # torrent's directory goes when it says so (torrent_deleted_alert).
        self._session.remove_torrent(torrent.handle, lt.session.delete_files)

    def _run(self) -> None:
        next_update = 0.0
        while not self._closed.is_set():
            self._session.wait_for_alert(250)
            try:
                for alert in self._session.pop_alerts():
                    self._on_alert(alert)
                if time.monotonic() >= next_update:
                    self._session.post_torrent_updates()
                    next_update = time.monotonic() + 1
            except Exception:  # the pump must outlive any one bad alert
                log.exception("seeder alert loop")

    def _on_alert(self, alert) -> None:
        if isinstance(alert, lt.state_update_alert):
            now = self._clock()
            with self._lock:
                for s in alert.status:
                    torrent = self._torrents.get(str(s.info_hashes.v1))
                    if torrent is None:
                        continue
                    if s.all_time_upload > torrent.uploaded:
                        torrent.uploaded, torrent.last_used = s.all_time_upload, now
                    torrent.peers, torrent.upload_rate = s.num_peers, s.upload_payload_rate
                    torrent.error = s.errc.message() if s.errc.value() else ""
                    torrent.state = ("error" if torrent.error
                                     else _STATES.get(s.state, "queued"))
        elif isinstance(alert, (lt.torrent_deleted_alert, lt.torrent_delete_failed_alert)):
            info_hash = str(alert.info_hashes.v1)
            with self._lock:
                self._deleting.discard(info_hash)
                if info_hash not in self._torrents:
                    _remove_path(self.config.cache_dir / info_hash)
                self._deleted.notify_all()
        elif isinstance(alert, lt.torrent_finished_alert):
            log.info("fetched %s: seeding", alert.torrent_name)
        elif isinstance(alert, (lt.torrent_error_alert, lt.file_error_alert)):
            log.warning("seeder: %s", alert.message())
        elif isinstance(alert, (lt.url_seed_alert, lt.tracker_error_alert)):
            log.debug("seeder: %s", alert.message())


def quiesce(session, timeout: float = 3) -> None:
    """Pauses a libtorrent session and waits until its trackers are told: call it before
    the session's last reference goes.

    The Python binding destroys a session while holding the GIL, and the destructor waits
    for libtorrent to close its WebSocket tracker connections. When the tracker runs in the
    same process (ours does, in the seeder container and in the tests), it needs the GIL
    to answer: the process hangs for good. Paused, the session says "stopped" to its
    trackers and closes those connections while the GIL is free (this wait)."""
    session.pause()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
            tracker.get("updating") for handle in session.get_torrents()
            for tracker in handle.trackers()):
        time.sleep(0.05)
    time.sleep(0.1)


def _cached(info, save_path: Path) -> bool:
    """Whether every file of the torrent is in the cache at its full size."""
    files = info.layout()
    for index in range(files.num_files()):
        path = save_path / files.file_path(index)
        if not path.is_file() or path.stat().st_size != files.file_size(index):
            return False
    return True


def _remove_path(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
