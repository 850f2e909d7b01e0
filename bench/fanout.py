"""The time to fan one new video out to 1,000 followers on 100 servers, on the real local
stack.

Starts a local stack (federating with loopback addresses, no seeder) and 100 receiving
servers on 100 loopback ports, each a shared inbox that answers 202 and notes when each
activity arrived. 1,000 remote followers of the instance (10 per server) are written into
the stack's table as accepted follows (what 1,000 Follows would have left there). Then
the administrator uploads a tiny video; once transcoding publishes it, the instance
announces it to its followers: the fan-out reads the 1,000 followers, queues one delivery
per shared inbox (100), and the delivery workers sign and POST each. Prints the time from
the video's publication (its `publishedAt`) to the last server's receipt, the median, and
checks that each server got the Announce exactly once. Issue 7 aims at <= 10 s.

    .venv/bin/python bench/fanout.py [--servers 100] [--followers 1000]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.stack import Stack  # noqa: E402


class Receivers(threading.Thread):
    """`count` shared inboxes on loopback ports, recording (time, activity type) per port."""

    def __init__(self, count: int):
        super().__init__(daemon=True)
        self.count = count
        self.ports: list[int] = []
        self.received: dict[int, list[tuple[float, str]]] = defaultdict(list)
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()

    async def _inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        port = request.transport.get_extra_info("sockname")[1]
        if "Signature" in request.headers and "Digest" in request.headers:
            self.received[port].append((time.time(), json.loads(body).get("type")))
        return web.Response(status=202)

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_post("/inbox", self._inbox)
        runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(runner.setup())
        for _ in range(self.count):
            site = web.TCPSite(runner, "127.0.0.1", 0)
            self.loop.run_until_complete(site.start())
            self.ports.append(site._server.sockets[0].getsockname()[1])
        self.ready.set()
        self.loop.run_forever()


def add_followers(stack: Stack, ports: list[int], followers: int) -> None:
    """Accepted remote followers of the instance, spread over the servers, written through
    the domain into the stack's table (the emulator)."""
    os.environ.update(AWS_ENDPOINT_URL=stack.info["emulator"], AWS_ACCESS_KEY_ID="local",
                      AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1",
                      PEERLESS_PUBLIC_URL=stack.url)
    from peerless.federation import actors, follows
    from peerless.federation.remote_actors import RemoteActor
    from peerless.models import Counter

    instance = actors.SERVER_ACTOR_NAME
    with follows.Follower.batch_write() as batch:
        for n in range(followers):
            base = f"http://127.0.0.1:{ports[n % len(ports)]}"
            url = f"{base}/users/follower{n}"
            remote = RemoteActor(url=url, type="Person", preferred_username=f"follower{n}",
                                 host=base.split("://")[1], inbox=f"{url}/inbox",
                                 shared_inbox=f"{base}/inbox",
                                 public_key_id=f"{url}#main-key", public_key_pem="-")
            batch.save(follows._new(follows.Follower, instance, remote, follows.ACCEPTED,
                                    f"{url}/follows/1"))
    Counter(*Counter.key(follows.Follower.counter(instance))).update(
        actions=[Counter.value.add(followers)])


def clip(directory: Path) -> Path:
    path = directory / "clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=320x240:rate=25:duration=2", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=2", "-c:v", "libx264", "-preset", "ultrafast",
                    "-c:a", "aac", "-shortest", str(path)], check=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--followers", type=int, default=1000)
    args = parser.parse_args()
    receivers = Receivers(args.servers)
    receivers.start()
    receivers.ready.wait()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp) / "data", PEERLESS_FEDERATION_ALLOW_PRIVATE="1",
                      PEERLESS_SEEDER="off").start()
        try:
            started = time.perf_counter()
            add_followers(stack, receivers.ports, args.followers)
            print(f"{args.followers} followers on {args.servers} servers written in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            uuid = stack.uploaded(clip(Path(tmp)), "Fanned out")
            published = stack.wait_for_state(uuid, states=(1,))["publishedAt"]
            t0 = datetime.fromisoformat(published.replace("Z", "+00:00")).timestamp()
            deadline = time.time() + 120
            while time.time() < deadline and sum(
                    1 for port in receivers.ports
                    if any(kind == "Announce" for _, kind in receivers.received[port])
            ) < args.servers:
                time.sleep(0.05)
        finally:
            stack.stop()
    arrivals = {port: [at for at, kind in receivers.received[port] if kind == "Announce"]
                for port in receivers.ports}
    reached = [min(times) - t0 for times in arrivals.values() if times]
    once = sum(1 for times in arrivals.values() if len(times) == 1)
    print(f"fan-out of one new video to {args.followers} followers on {args.servers} "
          f"servers:")
    if not reached:
        raise SystemExit("  no server received the Announce")
    print(f"  last server reached {max(reached):.2f} s after publication, median "
          f"{statistics.median(reached):.2f} s   (aim: <= 10 s)")
    print(f"  {len(reached)} of {args.servers} servers reached; {once} got the Announce "
          f"exactly once")


if __name__ == "__main__":
    main()
