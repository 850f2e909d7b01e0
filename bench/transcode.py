"""The cost of the resolution ladder that `peerless.media.encode` builds, on a 1080p30 clip.

Generates a 10-second 1920x1080 30 fps clip (H.264 + AAC stereo) and prints:

  (a) CPU time (user + sys of the ffmpeg children) of the whole 1080p ladder encoded by ONE ffmpeg
      process (decode once, split, one libx264 per rendition) against one ffmpeg process per
      resolution (PeerTube's way), with the same graphs and settings; and their ratio;
  (b) wall time of `encode()` (the pipeline: probes, progress parsing, HLS remux, pictures, master
      playlist) against the bare ffmpeg commands it runs, compiled from the same code; and their ratio;
  (c) the realtime factor of the full ladder through `encode()`: clip seconds / wall seconds;
  (d) chunked encoding against one pass, on a second clip (120 s of 1280x720 30 fps by default, ladder up
      to 720p, keyframes where x264 puts them by default: every 250 frames): split at its keyframes into
      4 chunks (`peerless.media.chunks`), the chunks encoded by 4 worker processes at once, the sound once,
      one join per rung, then the HLS packaging. It prints each chunk's wall time alone (chunks encoded
      one after another) and in the parallel run, each rung's length and frame count from both paths, the
      wall time of the chunked path on this machine, and the wall time predicted for 4 functions running
      the chunks at once, each with a machine of its own: the slowest chunk alone plus the steps before
      and after it (keyframes, sound, joins, packaging), with its speed-up over the one pass.

    .venv/bin/python bench/transcode.py [--seconds 10] [--runs 1] [--figures abcd]
        [--chunked-seconds 120] [--chunked-size 1280x720] [--chunked-max-height 720] [--chunks 4]

With --runs N each figure is the fastest of N runs.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import math
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import ffmpeg

from peerless.media import encode as encode_module
from peerless.media.chunks import chunk_bounds, keyframe_times
from peerless.media.encode import Plan, encode, encode_audio, encode_chunk, join, package
from peerless.media.probe import MediaInfo, probe

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


def _clip(path: Path, size: str, seconds: float, preset: str) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds),
         "-c:v", "libx264", "-preset", preset, "-crf", "20", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-ac", "2", str(path)],
        check=True,
    )  # fmt: skip
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--figures", default="abcd", help="abc: the one-pass figures (a) to (c); d: chunked")
    parser.add_argument("--chunked-seconds", type=float, default=120, help="(d): length of its clip")
    parser.add_argument("--chunked-size", default="1280x720", help="(d): picture size of its clip")
    parser.add_argument("--chunked-max-height", type=int, default=720, help="(d): top of the ladder")
    parser.add_argument("--chunks", type=int, default=4, help="(d): chunks, and parallel workers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if set("abc") & set(args.figures):
            _one_pass_figures(args, tmp)
        if "d" in args.figures:
            _chunked_figures(args, tmp)


def _one_pass_figures(args: argparse.Namespace, tmp: Path) -> None:
    """(a) to (c), on a 1080p clip."""
    clip = _clip(tmp / "clip.mp4", "1920x1080", args.seconds, "medium")
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


def _chunk_job(src: str, info: MediaInfo, plans: list[Plan], start: float, length: float | None,
               outputs: list[Path]) -> float:
    """One chunk, as one function would encode it; its wall seconds. In a worker process."""
    started = time.monotonic()
    encode_chunk(src, info, plans, start, length, outputs)
    return time.monotonic() - started


def _picture(mp4: Path) -> tuple[float, int]:
    """(seconds, frames) of the picture of `mp4`."""
    (stream,) = ffmpeg.probe(str(mp4), v="error", select_streams="v:0")["streams"]
    return float(stream["duration"]), int(stream["nb_frames"])


def _chunked_figures(args: argparse.Namespace, tmp: Path) -> None:
    """(d): chunked encoding against one pass."""
    # veryfast rather than (a)'s medium: 120 s of medium x264 would take longer than the whole bench.
    clip = _clip(tmp / "chunked.mp4", args.chunked_size, args.chunked_seconds, "veryfast")
    src = str(clip.resolve())
    info = probe(clip)
    plans = encode_module.ladder(info, args.chunked_max_height)
    audio_copied = encode_module._audio_is_copyable(src, info)

    def split() -> list[tuple[float, float | None]]:
        return chunk_bounds(keyframe_times(src), info.duration, info.duration / args.chunks)

    bounds = split()
    keyframes = keyframe_times(src)
    ladder = ", ".join(f"{p.width}x{p.height}" for p in plans)
    lengths = ", ".join(f"{(length or info.duration - start):.1f}" for start, length in bounds)
    print(f"(d) clip: {info.width}x{info.height} {info.fps:g} fps, {info.duration:.1f} s, "
          f"{len(keyframes)} keyframes (every {keyframes[1] - keyframes[0]:.2f} s); ladder up to "
          f"{args.chunked_max_height}: {ladder}; audio {'copied' if audio_copied else 'encoded'}; "
          f"{len(bounds)} chunks of {lengths} s; {os.cpu_count()} CPUs; fastest of {args.runs} run(s)")  # fmt: skip

    def outputs(directory: Path, i: int) -> list[Path]:
        return [directory / f"chunk{i}-{p.resolution}.mp4" for p in plans]

    def finish(directory: Path, steps: dict[str, float]) -> None:
        """Sound, joins and packaging of the chunks in `directory`, each step timed into `steps`."""
        audio = directory / "audio.mp4"
        steps["audio"] = _measure(lambda: encode_audio(src, info, audio))[0]
        joined = [directory / f"{p.resolution}.mp4" for p in plans]

        def join_all() -> None:
            for r, (plan, mp4) in enumerate(zip(plans, joined)):
                join([outputs(directory, i)[r] for i in range(len(bounds))], audio, mp4)

        steps["join"] = _measure(join_all)[0]
        steps["package"] = _measure(lambda: package(joined, plans, directory, pictures=True, src=clip))[0]

    best: dict[str, float] = {}
    alone: list[float] = [math.inf] * len(bounds)
    parallel: list[float] = [math.inf] * len(bounds)

    def keep(name: str, value: float) -> None:
        best[name] = min(value, best.get(name, math.inf))

    with concurrent.futures.ProcessPoolExecutor(max_workers=args.chunks) as pool:
        for _ in range(args.runs):
            single = _fresh(tmp / "single")
            keep("single", _measure(lambda: encode(src, info, single, max_height=args.chunked_max_height))[0])

            # Alone: one chunk at a time, each with the whole machine, as each function would have its own.
            sequential = _fresh(tmp / "alone")
            for i, (start, length) in enumerate(bounds):
                alone[i] = min(alone[i], pool.submit(_chunk_job, src, info, plans, start, length,
                                                     outputs(sequential, i)).result())  # fmt: skip
            steps: dict[str, float] = {}
            keep("split", _measure(split)[0])
            finish(sequential, steps)
            for name, value in steps.items():
                keep(name, value)

            # At once, as many workers as chunks: on a machine with fewer CPUs than chunks, they share them.
            together = _fresh(tmp / "together")

            def chunked_path() -> None:
                chunks = split()
                jobs = [pool.submit(_chunk_job, src, info, plans, start, length, outputs(together, i))
                        for i, (start, length) in enumerate(chunks)]  # fmt: skip
                for i, job in enumerate(jobs):
                    parallel[i] = min(parallel[i], job.result())
                finish(together, {})

            keep("chunked", _measure(chunked_path)[0])

    overhead = best["split"] + best["audio"] + best["join"] + best["package"]
    predicted = max(alone) + overhead
    rows = [("(d) wall, encode() in one pass", best["single"], "s")]
    for i, ((start, length), seconds) in enumerate(zip(bounds, alone)):
        span = f"{start:.1f}+{(length or info.duration - start):.1f} s"
        rows.append((f"    wall, chunk {i + 1} alone ({span})", seconds, "s"))
    rows += [
        ("    wall, keyframes read and split", best["split"], "s"),
        ("    wall, sound once", best["audio"], "s"),
        ("    wall, joins (every rung)", best["join"], "s"),
        ("    wall, packaging (HLS, pictures)", best["package"], "s"),
        (f"    wall, chunked here ({args.chunks} workers, {os.cpu_count()} CPUs)", best["chunked"], "s"),
    ]
    rows += [(f"      chunk {i + 1} in that run", seconds, "s") for i, seconds in enumerate(parallel)]
    rows += [
        (f"    predicted wall, {len(bounds)} functions at once", predicted, "s"),
        ("    predicted speed-up over one pass", best["single"] / predicted, "x"),
    ]
    for label, value, unit in rows:
        print(f"{label:<48} {value:8.2f} {unit}")
    print("    rung: picture of one pass / chunked (frames one pass / chunked, difference)")
    for plan in plans:
        one_seconds, one_frames = _picture(tmp / "single" / f"{plan.resolution}.mp4")
        chunked_seconds, chunked_frames = _picture(tmp / "together" / f"{plan.resolution}.mp4")
        print(f"    {plan.resolution:>4}p: {one_seconds:.3f} s / {chunked_seconds:.3f} s "
              f"({one_frames} / {chunked_frames} frames, {chunked_frames - one_frames:+d})")  # fmt: skip
    joined_keyframes = keyframe_times(str(tmp / "together" / f"{plans[0].resolution}.mp4"))
    grid = encode_module.KEYFRAME_INTERVAL
    off_grid = [t for t in joined_keyframes if abs(t / grid - round(t / grid)) > 0.001]
    playlist = (tmp / "together" / f"{plans[0].resolution}.m3u8").read_text()
    segments = sorted({float(seconds) for seconds in re.findall(r"#EXTINF:([\d.]+),", playlist)})
    print(f"    chunked {plans[0].resolution}p: {len(off_grid)} of {len(joined_keyframes)} keyframes off the "
          f"{encode_module.KEYFRAME_INTERVAL} s grid; HLS segment lengths {segments} s")


if __name__ == "__main__":
    main()
