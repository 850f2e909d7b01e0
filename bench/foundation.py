"""Foundation figures on the real local stack.

Prints: the time `python -m peerless_local` takes to answer its API (first start on an
empty data directory, then a restart on the kept data), and the time from the first byte
of an upload to the video being published, for a 10-second 720p30 clip (median of N).

    .venv/bin/python bench/foundation.py [--runs 5]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.stack import Stack  # noqa: E402


def timed_start(data: Path, port: int | None = None) -> tuple[Stack, float]:
    started = time.monotonic()
    stack = Stack(data, port=port).start()
    return stack, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clip = tmp / "clip.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                        "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i",
                        "sine=frequency=440", "-t", "10", "-c:v", "libx264", "-preset",
                        "medium", "-pix_fmt", "yuv420p", "-c:a", "aac", str(clip)], check=True)
        stack, first_start = timed_start(tmp / "data")
        times = []
        try:
            for run in range(args.runs):
                began = time.monotonic()
                uuid = stack.upload(clip, name=f"Bench {run}").json()["video"]["uuid"]
                video = stack.wait_for_state(uuid)
                assert video["state"]["id"] == 1, video["state"]
                times.append(time.monotonic() - began)
        finally:
            stack.stop()
        stack, restart = timed_start(tmp / "data", port=stack.port)
        stack.stop()
    print("clip: 10 s, 1280x720, 30 fps, H.264 + AAC")
    print(f"stack start, empty data dir:        {first_start:.2f} s")
    print(f"stack start, {args.runs} videos kept:         {restart:.2f} s")
    print(f"upload -> published (10 s 720p):    median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s over {args.runs} runs")


if __name__ == "__main__":
    main()
