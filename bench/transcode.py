"""The cost of the resolution ladder that `peerless.media.encode` builds, on a 1080p30 clip.

Generates a 10-second 1920x1080 30 fps clip (H.264 + AAC stereo) and prints:

  (a) CPU time (user + sys of the ffmpeg children) of the whole 1080p ladder encoded by ONE ffmpeg
      process (decode once, split, one libx264 per rendition) against one ffmpeg process per
      resolution (PeerTube's way), with the same graphs and settings; and their ratio;
  (b) wall time of `encode()` (the pipeline: probes, progress parsing, HLS remux, pictures, master
      playlist) against the bare ffmpeg commands it runs, compiled from the same code; and their ratio;
  (c) the realtime factor of the full ladder through `encode()`: clip seconds / wall seconds.

    .venv/bin/python bench/transcode.py [--seconds 10] [--runs 1]

With --runs N each figure is the fastest of N runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import ffmpeg

from peerless.media import encode as encode_module
from peerless.media.encode import encode
from peerless.media.probe import probe

MAX_HEIGHT = 1080
_QUIET = ("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-progress", "pipe:1")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(graph: Any) -> None:
    # The same arguments as encode's _run, progress included (read and dropped).
    args = graph.global_args(*_QUIET).compile(overwrite_output=True)
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def _measure(action: Callable[[], None]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the children) of one call."""
    cpu, wall = _children_cpu(), time.monotonic()
    action()
    return time.monotonic() - wall, _children_cpu() - cpu


def _fresh(directory: Path) -> Path:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clip = tmp / "clip.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30",
             "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(args.seconds),
             "-c:v", "libx264", "-preset", "medium", "-crf", "20", "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-ac", "2", str(clip)],
            check=True,
        )  # fmt: skip
        info = probe(clip)
        src = clip.resolve()
        plans = encode_module.ladder(info, MAX_HEIGHT)
        copy_audio = encode_module._audio_is_copyable(str(src), info)
        audio = "copy" if copy_audio else "encode"
        faststart = {"movflags": "+faststart"}

        def graph(chosen: list, mp4s: list[Path]) -> Any:
            return encode_module._encode_mp4s(ffmpeg.input(str(src)), info, chosen, mp4s, audio, faststart)
        ladder = ", ".join(f"{p.width}x{p.height}" for p in plans)
        print(f"clip: {info.width}x{info.height} {info.fps:g} fps, {info.duration:.1f} s, "
              f"{info.bitrate / 1e6:.1f} Mb/s; ladder: {ladder}; audio {'copied' if copy_audio else 'encoded'}; "
              f"{os.cpu_count()} CPUs; fastest of {args.runs} run(s)")  # fmt: skip

        def one_process() -> None:
            out = _fresh(tmp / "one")
            _run(graph(plans, [out / f"{p.resolution}.mp4" for p in plans]))

        def per_resolution() -> None:
            out = _fresh(tmp / "each")
            for p in plans:
                _run(graph([p], [out / f"{p.resolution}.mp4"]))

        def bare_commands() -> None:
            out = _fresh(tmp / "bare")
            mp4s = [out / f"{p.resolution}.mp4" for p in plans]
            _run(graph(plans, mp4s))
            duration = float(ffmpeg.probe(str(mp4s[0]), v="error")["format"]["duration"])
            playlists = [out / f"{p.resolution}.m3u8" for p in plans]
            fragmented = [out / f"{p.resolution}-fragmented.mp4" for p in plans]
            pictures = (out / "thumbnail.jpg", out / "preview.jpg")
            _run(encode_module._package(mp4s, playlists, fragmented, pictures, duration))

        def pipeline() -> None:
            encode(src, info, _fresh(tmp / "pipeline"), max_height=MAX_HEIGHT, on_progress=lambda percent: None)

        figures: dict[str, tuple[float, float]] = {}
        for _ in range(args.runs):
            # Interleaved, so that a slow spell of the machine hurts every figure alike.
            for name, action in (("one", one_process), ("each", per_resolution),
                                 ("bare", bare_commands), ("pipeline", pipeline)):  # fmt: skip
                wall, cpu = _measure(action)
                best = figures.get(name)
                figures[name] = (min(wall, best[0]), min(cpu, best[1])) if best else (wall, cpu)

        rows = [
            ("(a) CPU, one ffmpeg process for the ladder", figures["one"][1], "s"),
            ("    CPU, one ffmpeg process per resolution", figures["each"][1], "s"),
            ("    ratio one / per resolution (aim <= 0.80)", figures["one"][1] / figures["each"][1], ""),
            ("(b) wall, encode() (the pipeline)", figures["pipeline"][0], "s"),
            ("    wall, the bare ffmpeg commands it runs", figures["bare"][0], "s"),
            ("    ratio pipeline / bare (aim <= 1.10)", figures["pipeline"][0] / figures["bare"][0], ""),
            ("(c) realtime factor of the 1080p ladder", info.duration / figures["pipeline"][0], "x"),
        ]
        for label, value, unit in rows:
            print(f"{label:<48} {value:8.2f} {unit}")


if __name__ == "__main__":
    main()
