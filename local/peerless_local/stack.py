"""The local stack: one supervisor process running a whole Peerless instance on loopback.

It starts moto's server as the AWS endpoint, creates the declared resources in it, loads
the data directory's snapshot, serves the api and inbox functions, the web app and the
media behind one HTTP front, runs the queue consumers that call the functions' handlers
as Lambda would, and the seeder's tracker (a thread with its own event loop) that the
front carries under /tracker/. Ctrl-C or SIGTERM stops everything and saves the data.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger("peerless.local")


@dataclass(frozen=True)
class LocalConfig:
    port: int
    data_dir: Path
    public_url: str
    admin_password: str | None
    transcode_workers: int
    # The address the HTTP front listens on (a test network namespace's, say).
    bind_host: str = "127.0.0.1"
    # The built web app (another build's output, for one working on the site beside others).
    site_dir: Path = ROOT / "static_site" / "dist"

    @classmethod
    def from_env(cls) -> "LocalConfig":
        port = int(os.environ.get("PEERLESS_PORT", "9000"))
        return cls(
            port=port,
            data_dir=Path(os.environ.get("PEERLESS_DATA_DIR", ".peerless")).resolve(),
            public_url=os.environ.get("PEERLESS_PUBLIC_URL",
                                      f"http://localhost:{port}").rstrip("/"),
            admin_password=os.environ.get("PEERLESS_ADMIN_PASSWORD") or None,
            transcode_workers=int(os.environ.get("PEERLESS_TRANSCODE_WORKERS", "1")),
            bind_host=os.environ.get("PEERLESS_BIND_HOST", "127.0.0.1"),
            site_dir=Path(os.environ.get("PEERLESS_SITE_DIR",
                                         ROOT / "static_site" / "dist")).resolve(),
        )


def ensure_admin(config: LocalConfig) -> str:
    """Makes the admin at the first start; returns what to tell about its password."""
    from peerless import accounts
    path = config.data_dir / "admin-password"

    def password() -> str:
        if config.admin_password:
            return config.admin_password
        path.write_text(secrets.token_urlsafe(12) + "\n")
        path.chmod(0o600)
        return path.read_text().strip()

    if accounts.ensure_admin(password):
        return config.admin_password or path.read_text().strip()
    if path.exists():
        return f"{path.read_text().strip()}  (generated at the first start, kept in {path})"
    return "the password PEERLESS_ADMIN_PASSWORD gave at the first start"


def _load_function(relative: str, module_name: str):
    path = ROOT / relative
    # As in Lambda, the function's own directory is on the path (Chalice's chalicelib/).
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _kill_children(spare: frozenset[int] = frozenset()) -> None:
    """Ends what handlers started (ffmpeg) so nothing outlives the stack."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and int(stat.parent.name) not in spare:
            try:
                os.kill(int(stat.parent.name), signal.SIGKILL)
            except ProcessLookupError:
                pass


def _aws_environment(config: LocalConfig, emulator_url: str) -> None:
    from peerless_infra.resources import function_environment
    os.environ.update({
        # Never reach for real credentials or the instance metadata service.
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": emulator_url,
        "PEERLESS_PUBLIC_URL": config.public_url,
        "PEERLESS_S3_BROWSER_ENDPOINT": f"{config.public_url}/_s3",
        "PEERLESS_SITE_INDEX": str(config.site_dir / "index.html"),
        "PEERLESS_KEY_FILE": str(config.data_dir / "actor-keys.key"),
        **function_environment(),
    })


def run(config: LocalConfig, stop: threading.Event) -> None:
    started = time.monotonic()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    from .emulator import Emulator
    emulator = Emulator().start()
    try:
        _aws_environment(config, emulator.url)
        _serve(config, emulator, stop, started)
    finally:
        _kill_children()
        emulator.stop()


def _serve(config: LocalConfig, emulator, stop: threading.Event, started: float) -> None:
    import boto3

    from .consumers import Periodic, QueueConsumer
    from .front import Front, Gateway
    from .provision import provision
    from .snapshot import Snapshot, Snapshotter
    # The functions read their settings at import: only now is the environment complete.
    from peerless import auth, videos
    from peerless.federation import actors
    from peerless.settings import settings
    from peerless_infra.resources import RESOURCES

    session = boto3.session.Session()
    provision(session)
    snapshot = Snapshot(session, config.data_dir, RESOURCES.table.name,
                        [b.name for b in RESOURCES.buckets.values()])
    snapshot.restore()
    # No worker survived the last stop: what they held is free to take again.
    videos.release_all_leases()
    password = ensure_admin(config)
    if not actors.reserve_instance_actor():
        log.warning("a user or channel is named %r: the instance actor cannot federate",
                    actors.SERVER_ACTOR_NAME)
    auth.ensure_oauth_client()

    api = _load_function("functions/api/app.py", "peerless_api_app")
    inbox = _load_function("functions/inbox/app.py", "peerless_inbox_app")
    transcode = _load_function("functions/transcode/handler.py", "peerless_transcode_handler")
    snapshotter = Snapshotter(snapshot).start()
    tracker = _start_tracker(config)
    front = Front(host=config.bind_host, port=config.port,
                  api=Gateway(api.app, "api", api.STREAMED_ROUTES),
                  inbox=Gateway(inbox.app, "inbox"), s3=session.client("s3"),
                  media_bucket=settings().media_bucket, emulator_url=emulator.url,
                  site_dir=config.site_dir, tracker_url=tracker.url,
                  on_write=snapshotter.mark_dirty).start()
    seeder = _start_seeder(config, front.port, tracker.app.metrics)
    ingest = _start_live_ingest(config, tracker.app.metrics)
    sqs = session.client("sqs")

    def consumer(key: str, handler, **options) -> QueueConsumer:
        queue = RESOURCES.queues[key]
        url = sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        return QueueConsumer(sqs, url, arn, handler, function_name=key,
                             timeout_seconds=queue.visibility_timeout - 60,
                             on_done=snapshotter.mark_dirty, **options).start()

    consumers = [consumer("transcode", transcode.handler, workers=config.transcode_workers),
                 # Deliveries wait on remote servers: several at once, ten a batch.
                 consumer("delivery", inbox.handle_delivery, workers=4, batch_size=10),
                 # Received activities; PEERLESS_INBOX_WORKERS=0 leaves them on the queue
                 # (tests and benchmarks of the inbox door alone read it there).
                 consumer("inbox", inbox.handle_inbox,
                          workers=int(os.environ.get("PEERLESS_INBOX_WORKERS", "2")))]
    if os.environ.get("PEERLESS_REDUNDANCY_STRATEGY"):
        # What EventBridge's schedule does on AWS: the redundancy strategy, now and then.
        Periodic(inbox.refresh_redundancy, float(os.environ.get(
            "PEERLESS_REDUNDANCY_INTERVAL", "600")), on_done=snapshotter.mark_dirty).start()
    # For tools and tests that need the emulator too (benchmarks, inspection). Written
    # whole then renamed: the front already answers, and a reader must never see it half.
    described = config.data_dir / "stack.json.new"
    described.write_text(json.dumps(
        {"url": config.public_url, "port": front.port, "emulator": emulator.url,
         "tracker": tracker.url, "rtmp": ingest.port if ingest else None}))
    os.replace(described, config.data_dir / "stack.json")
    print(f"Peerless is running at {config.public_url}  (started in "
          f"{time.monotonic() - started:.1f} s)\n"
          f"  admin:  root / {password}\n"
          f"  data:   {config.data_dir}\n"
          f"  Ctrl-C stops it.", flush=True)
    try:
        stop.wait()
    finally:
        log.info("stopping")
        if ingest is not None:
            # Running streams end: their last segments shipped, their replays kept.
            ingest.stop(timeout=30)
        for consumer in consumers:
            consumer.stop()
        if seeder is not None:
            # Its goodbyes to the tracker and the web seeds want them still up.
            _stop_seeder(seeder)
        # The emulator stays until the last snapshot is taken.
        _kill_children(spare=frozenset({emulator.pid}))
        for consumer in consumers:
            consumer.join(5)
        front.stop()
        tracker.stop()
        snapshotter.stop()


def _start_tracker(config: LocalConfig):
    """The tracker on a loopback port of its own, behind the front: it believes the
    front's X-Forwarded-For, lets in pages of the front under either loopback name, and
    learns the instance's videos through the front (up a moment after it)."""
    from peerless_seeder.server import TrackerServer
    from peerless_seeder.tracker import TrackerConfig
    tracker_config = TrackerConfig.from_env(
        os.environ, public_url=config.public_url,
        allowed_origins=(f"http://127.0.0.1:{config.port}", f"http://localhost:{config.port}"),
        trusted_proxies={"127.0.0.1"})
    return TrackerServer(tracker_config, host="127.0.0.1", port=0,
                         api_url=f"http://{config.bind_host}:{config.port}").start()


def _start_live_ingest(config: LocalConfig, metrics):
    """The RTMP live ingest on PEERLESS_RTMP_PORT (1935 unless set; "off" leaves it out),
    in a thread; its health joins the tracker's health document, as in the container."""
    if os.environ.get("PEERLESS_RTMP_PORT") == "off":
        return None
    from peerless.settings import settings
    from peerless_live.server import IngestServer, make_ingest
    ingest = IngestServer(make_ingest(config.data_dir), host=config.bind_host,
                          port=settings().rtmp_port).start()
    metrics.register("live", ingest.health)
    return ingest


def _start_seeder(config: LocalConfig, front_port: int, metrics):
    """The libtorrent seeder, caching in the data dir, fed from the instance's catalog
    through the front: a child process (see peerless_seeder.run). Off with
    PEERLESS_SEEDER=off. Its health section joins the tracker's health document, as in
    the container where both run in one process."""
    if os.environ.get("PEERLESS_SEEDER", "on") == "off":
        return None
    from peerless_seeder.metrics import read_health
    health = config.data_dir / "seeder-health.json"
    health.unlink(missing_ok=True)
    metrics.register("seeder", lambda: read_health(health))
    return subprocess.Popen([
        sys.executable, "-m", "peerless_seeder.run", "--public-url", config.public_url,
        "--cache-dir", str(config.data_dir / "seeder-cache"),
        "--api-url", f"http://{config.bind_host}:{front_port}",
        "--listen", f"{config.bind_host}:0", "--health-file", str(health)])


def _stop_seeder(seeder) -> None:
    seeder.terminate()
    try:
        seeder.wait(10)
    except subprocess.TimeoutExpired:
        seeder.kill()
        seeder.wait(5)


def main() -> None:
    logging.basicConfig(level=os.environ.get("PEERLESS_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("botocore", "urllib3", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        run(LocalConfig.from_env(), stop)
    except OSError as error:
        print(f"peerless: {error}", file=sys.stderr)
        sys.exit(1)
