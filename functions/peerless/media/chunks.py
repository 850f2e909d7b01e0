"""Where a long input is cut for chunked encoding: at its keyframes, into stretches of about a chosen length.

`keyframe_times` lists the input's keyframes, `chunk_bounds` turns them into (start, length) pairs for
`encode.encode_chunk`, and `chunk_seconds` chooses the length so that one chunk's encode fits well within
a function's time limit. A chunk must start on a keyframe: `encode_chunk` seeks there, and a seek to
anything else would decode (and throw away) everything from the keyframe before it.
"""

from __future__ import annotations

import bisect
import math
import subprocess
from collections.abc import Sequence
from fractions import Fraction

from peerless.media.encode import KEYFRAME_INTERVAL, EncodeFailed
from peerless.media.probe import ffmpeg_error_line

# A last piece shorter than this share of the target joins the chunk before it: a process started,
# an input opened and an encoder primed for a few seconds of picture costs more than it saves.
SHORTEST_SHARE = 0.25
# Below this many targets, the input is one chunk: two chunks of 0.75 target would each still pay the
# start-up of a function and of ffmpeg, and the join, for little gained.
SPLIT_FROM = 1.5
# Seconds of input one function encodes per wall second, across the full ladder, when nothing was
# measured: pessimistic (1080p input, ladder up to 1080p, one vCPU), so that a guess never overruns.
PESSIMISTIC_SPEED = 0.25
# Share of the time budget spent encoding; the rest is for downloading, uploading and a slow neighbour.
ENCODE_SHARE = 0.5
# How far after a multiple of KEYFRAME_INTERVAL a keyframe still counts as on that grid: the encode forces
# its keyframes on the first frame at or after each multiple, which at 29.97 fps is 2 ms after it.
GRID_TOLERANCE = 0.05


def keyframe_times(src: str, *, near: Sequence[float] | None = None) -> list[float]:
    """The presentation times of the keyframes of `src`'s first video stream, ascending, in seconds from
    the input's start (the reference of ffmpeg's `-ss`, so `encode_chunk(start=t)` lands on the keyframe).

    `src` is a local path or an http(s) URL. Only packets are read, nothing decoded; but libavformat
    reads each packet's bytes, so the list of every keyframe costs a read of the whole input (about a
    second or two for two hours of video on a local disk, the whole download for a URL). With `near`, it
    holds instead the keyframe at or before each of those times, found by seeking the container's
    index: a handful of byte ranges, whatever the length. Containers whose seeks do not land on
    keyframes (MPEG-TS, a WebM without cues) are read whole then, for the same answer.
    """
    if near:
        sampled = _keyframes_near(src, near)
        if sampled is not None:
            return sampled
    records = _ffprobe(src, "-show_entries", "format=start_time:stream=time_base:packet=pts,dts,flags")
    start, time_base = _start(records), _time_base(records)
    times = {
        # pts, not dts: with B-frames a keyframe is decoded before frames shown earlier, so its dts
        # is early by the reorder delay. Some containers (AVI) time packets by dts alone.
        _seconds(stamp * time_base - start)
        for section, fields in records
        if section == "packet" and (stamp := _number(fields.get("pts"), fields.get("dts"))) is not None
    }
    times = sorted(times)
    if near:
        # The same answer as a seek: the keyframe at or before each time asked for.
        return sorted({times[i - 1] for t in near if (i := bisect.bisect_right(times, t))})
    return times


def chunk_bounds(keyframes: list[float], duration: float, target: float) -> list[tuple[float, float | None]]:
    """(start, length) of each chunk of an input of `duration` seconds, about `target` seconds each; the last
    one's length is None, meaning to the end.

    Each chunk starts at the keyframe nearest to a multiple of `target` (the first at 0), and lasts
    until the next one starts: the lengths are differences of keyframe times, to the microsecond that
    ffmpeg's options count in, so consecutive chunks tile the input with no frame lost or doubled.
    Keyframes on the encode's grid (multiples of KEYFRAME_INTERVAL from the first keyframe) come first
    when one is within SHORTEST_SHARE of `target` of the multiple: a chunk's encode restarts the grid at
    its start, so only such a start keeps the joined renditions' keyframes, and their HLS segments, where
    one pass puts them.
    No chunk is shorter than SHORTEST_SHARE of `target`, where keyframes allow it: a starting point
    that close to the previous is skipped, and a last piece that short joins the chunk before.
    """
    usable = sorted({k for k in keyframes if 0 < k < duration})
    if duration < SPLIT_FROM * target or not usable:
        return [(0.0, None)]
    shortest = SHORTEST_SHARE * target
    on_grid = _on_grid(usable, min(keyframes))
    starts = [0.0]
    for multiple in range(1, math.ceil(duration / target)):
        # The nearest keyframe to each multiple, not to the previous start plus target: the errors
        # then do not add up, and the number of chunks stays that of the target.
        wanted = multiple * target
        nearest = _nearest(on_grid, wanted)
        if nearest is None or abs(nearest - wanted) > shortest:
            nearest = _nearest(usable, wanted)
        if nearest is not None and nearest - starts[-1] >= shortest:
            starts.append(nearest)
    if len(starts) > 1 and duration - starts[-1] < shortest:
        starts.pop()
    lengths: list[float | None] = [_seconds(b - a) for a, b in zip(starts, starts[1:])]
    return list(zip(starts, [*lengths, None]))


def chunk_seconds(speed: float | None, budget_seconds: float, *, target: float = 120, floor: float = 10) -> float:
    """How many seconds of input one chunk should hold for its encode to fit well within `budget_seconds`.

    `speed` is the seconds of input the full ladder encodes per wall second, as measured on an earlier
    encode (None when unknown: PESSIMISTIC_SPEED is assumed). A Lambda function stops at 15 minutes,
    killed mid-chunk with nothing to show, so a chunk is sized to take at most ENCODE_SHARE of the
    budget: the rest goes to fetching the input's byte ranges, uploading the MP4s, and to the margin a
    slower machine or a busier input (more motion than the measured one) needs. Never more than `target`
    (each chunk beyond what the time limit needs costs a start-up, an input opened and a join for no
    gain), and never below `floor`: shorter chunks would spend more on those than on encoding.
    """
    seconds = (speed if speed and speed > 0 else PESSIMISTIC_SPEED) * budget_seconds * ENCODE_SHARE
    return max(floor, min(target, seconds))


def _keyframes_near(src: str, near: Sequence[float]) -> list[float] | None:
    """The keyframe at or before each time of `near`, by one seek and one packet read per time; None when
    a seek lands elsewhere than on a keyframe, the container not seeking by a keyframe index."""
    header = _ffprobe(src, "-show_entries", "format=start_time:stream=time_base")
    start, time_base = _start(header), _time_base(header)
    wanted = sorted(set(near))
    # ffprobe's intervals count in the container's timestamps; "+#1": one packet of the video stream.
    intervals = ",".join(f"{float(start + Fraction(t)):.6f}%+#1" for t in wanted)
    read = _ffprobe(src, "-read_intervals", intervals, "-show_entries", "packet=pts,flags", keyframes_only=False)
    stamps = [_number(fields.get("pts")) if "K" in fields.get("flags", "") else None for _, fields in read]
    if len(stamps) != len(wanted) or None in stamps:
        return None
    return sorted({_seconds(stamp * time_base - start) for stamp in stamps if stamp is not None})


def _ffprobe(src: str, *args: str, keyframes_only: bool = True) -> list[tuple[str, dict[str, str]]]:
    """ffprobe's sections ("packet", "stream", "format") and their fields; with `keyframes_only`, only the
    packets flagged as keyframes. Its compact output, as JSON would be 20 MB for two hours of video."""
    command = ["ffprobe", "-v", "error", "-select_streams", "V:0", *args, "-of", "compact", "--", src]
    probed = subprocess.run(command, capture_output=True)
    if probed.returncode != 0:
        # A presigned URL's signature is nobody's business, not even in a log.
        detail = ffmpeg_error_line(probed.stderr).replace(src, "the upload")
        raise EncodeFailed(f"The file's keyframes could not be read (ffprobe: {detail}).")
    records = []
    for line in probed.stdout.decode("utf-8", errors="replace").splitlines():
        # A cheap test first: all but one packet in tens or hundreds is not a keyframe.
        if keyframes_only and line.startswith("packet|") and "flags=K" not in line:
            continue
        section, *fields = line.split("|")
        records.append((section, dict(field.partition("=")[::2] for field in fields)))
    return records


def _on_grid(keyframes: list[float], origin: float) -> list[float]:
    """The sorted `keyframes` where the encode would force one: the first within GRID_TOLERANCE at or after
    each multiple of KEYFRAME_INTERVAL from `origin`."""
    found: dict[int, float] = {}
    for k in keyframes:
        # (A hair below a multiple is float error: 1.9999999 is 2.)
        n = math.floor((k - origin) / KEYFRAME_INTERVAL + 1e-6)
        if k - origin - n * KEYFRAME_INTERVAL < GRID_TOLERANCE:
            found.setdefault(n, k)
    return list(found.values())


def _nearest(times: list[float], wanted: float) -> float | None:
    """The time of the sorted `times` nearest to `wanted`, the earlier of two as near; None if there is none."""
    i = bisect.bisect_left(times, wanted)
    return min(times[max(0, i - 1) : i + 1], key=lambda t: abs(t - wanted), default=None)


def _start(records: list[tuple[str, dict[str, str]]]) -> Fraction:
    """The input's start time: what ffmpeg's -ss counts from (the earliest stream's first timestamp)."""
    start = next((fields.get("start_time") for section, fields in records if section == "format"), None)
    return Fraction(start) if start and start != "N/A" else Fraction(0)


def _time_base(records: list[tuple[str, dict[str, str]]]) -> Fraction:
    """The video stream's unit of timestamps, in seconds."""
    time_base = next((fields.get("time_base") for section, fields in records if section == "stream"), None)
    return Fraction(time_base) if time_base and time_base != "0/0" else Fraction(1)


def _number(*values: str | None) -> int | None:
    """The first of `values` that is a timestamp ("N/A" is none)."""
    return next((int(value) for value in values if value and value.lstrip("-").isdigit()), None)


def _seconds(value: Fraction | float) -> float:
    # Microseconds: what ffmpeg's time options resolve, and what keeps differences of times exact.
    return round(float(value), 6)
