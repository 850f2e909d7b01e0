"""API latency against the size of the catalog, on the real local stack.

Starts a local stack, publishes one real video (upload, transcode), then loads the
catalog with videos that share its media (written straight into the emulator's table in
the shape the catalog gives them: publication dates spread over three years, a few
categories, languages and tags). It measures, with 1,000 and then 50,000 videos:

    GET /api/v1/videos?count=15        the home page's list
    GET /api/v1/videos/{uuid}          a watch page's details

and prints p50 and p95 of each and the ratio of the p50s (50,000 / 1,000). A ratio near 1
means a request costs the same whatever the size of the catalog.

    .venv/bin/python bench/api.py [--requests 300] [--small 1000] [--large 50000]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.stack import Stack  # noqa: E402

WORDS = ("river mountain city night music cooking garden travel coding music cats dogs "
         "science history football concert lecture review tutorial timelapse").split()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(stack: Stack, uuids: list[str], requests: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"list": [], "details": []}
    for i in range(requests):
        for name, path in (("list", "/api/v1/videos?count=15"),
                           ("details", f"/api/v1/videos/{random.choice(uuids)}")):
            began = time.perf_counter()
            response = stack.http.get(path)
            elapsed = (time.perf_counter() - began) * 1000
            assert response.status_code == 200, response.text
            if i >= 10:  # the first requests warm caches and connections
                timings[name].append(elapsed)
    return timings


class Loader:
    """Writes published videos and their catalog entries straight into the table."""

    def __init__(self, template):
        from peerless import catalog
        from peerless.models import Counter, Video
        self.catalog, self.Counter, self.Video = catalog, Counter, Video
        self.template = template
        self.counters: dict[str, int] = {}
        self.months: set[str] = set()
        self.uuids: list[str] = []

    def load(self, count: int, first_id: int) -> None:
        from peerless import ids
        from peerless.models import now
        catalog, Video = self.catalog, self.Video
        newest = now()
        spread = timedelta(days=3 * 365) / max(count, 1)
        with Video.batch_write() as batch:
            for n in range(count):
                uuid = ids.new_uuid()
                published = newest - spread * n - timedelta(seconds=random.random())
                video = Video(
                    *Video.key(uuid), id=first_id + n, uuid=uuid,
                    name=" ".join(random.sample(WORDS, 2)).title(),
                    channel=self.template.channel, owner=self.template.owner, privacy=1,
                    state=1, category=random.choice([1, 2, 10, 15]),
                    language=random.choice(["en", "fr", "de"]),
                    tags=random.sample(WORDS, 2), media=self.template.media,
                    duration=self.template.duration, created_at=published,
                    published_at=published, updated_at=published)
                video.nid = f"video#{video.id}"
                keys = catalog._entry_keys(video)
                video.catalog_keys = sorted(keys)
                video.catalog_version = 1
                video.list_pk, video.list_sk = catalog.PUBLIC, catalog._entry_sort_key(video)
                video.name_sort = f"{video.name.lower()}#{uuid}"
                batch.save(video)
                for key in keys:
                    pk, sk = key.split("|", 1)
                    batch.save(catalog.CatalogEntry(pk, sk, uuid=uuid))
                    name = catalog._counted(key)
                    if name:
                        self.counters[name] = self.counters.get(name, 0) + 1
                self.counters[catalog.PUBLIC] = self.counters.get(catalog.PUBLIC, 0) + 1
                self.months.add(catalog._month(video))
                self.uuids.append(uuid)
        for name, value in self.counters.items():
            self.Counter(*self.Counter.key(name)).update(
                actions=[self.Counter.value.add(value)])
        self.counters.clear()
        self.catalog.CatalogMonths(*self.catalog.CatalogMonths.KEY).update(
            actions=[self.catalog.CatalogMonths.months.add(self.months)])


def report(label: str, timings: dict[str, list[float]]) -> None:
    for name, values in timings.items():
        print(f"  {label:>7} videos  {name:8} p50 {statistics.median(values):6.1f} ms   "
              f"p95 {percentile(values, 95):6.1f} ms   ({len(values)} requests)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=50_000)
    args = parser.parse_args()
    random.seed(7)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clip = tmp / "clip.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                        "testsrc2=size=640x360:rate=25", "-t", "2", "-c:v", "libx264",
                        "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(clip)], check=True)
        stack = Stack(tmp / "data").start()
        try:
            uuid = stack.upload(clip, name="The template").json()["video"]["uuid"]
            stack.wait_for_state(uuid)
            # This process now writes to the stack's emulator like one of its functions.
            os.environ.update(AWS_ENDPOINT_URL=stack.info["emulator"],
                              AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local",
                              AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1")
            from peerless.models import Video
            loader = Loader(Video.get(*Video.key(uuid)))
            began = time.monotonic()
            loader.load(args.small - 1, first_id=10)
            print(f"loaded {args.small} videos in {time.monotonic() - began:.0f} s")
            small = measure(stack, loader.uuids, args.requests)
            began = time.monotonic()
            loader.load(args.large - args.small, first_id=10 + args.small)
            print(f"loaded {args.large} videos in all, {time.monotonic() - began:.0f} s more")
            total = stack.http.get("/api/v1/videos?count=1").json()["total"]
            assert total == args.large, total
            large = measure(stack, loader.uuids, args.requests)
        finally:
            stack.stop()
    print("GET latency on the local stack (moto behind the local front, this machine):")
    report(f"{args.small:,}", small)
    report(f"{args.large:,}", large)
    for name in ("list", "details"):
        ratio = statistics.median(large[name]) / statistics.median(small[name])
        print(f"  ratio p50 {args.large:,} / {args.small:,}  {name:8} {ratio:.2f}")


if __name__ == "__main__":
    main()
