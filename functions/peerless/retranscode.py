"""An administrator's transcoding job for a published video (PeerTube's "Create a
transcoding job", `POST /api/v1/videos/{id}/transcoding`).

Once an administrator enables more resolutions (PeerTube's custom config,
peerless.instance_config), videos published before lack them: this asks the transcoder to
make the rungs the instance's ladder has and the video lacks, from the video's largest
rendition (`{"retranscode": {"video": uuid}}` on the transcode queue, see
peerless.transcoding). Every rung is made as both an HLS variant and a web MP4, so both
of PeerTube's transcoding types ask for the same thing; renditions the video has are kept.

Checked in PeerTube's order: the right (administrators only, as PeerTube's
RUN_VIDEO_TRANSCODING), the body, the video, its state.
"""
from __future__ import annotations

from typing import Callable

import jsonschema

from . import aws, errors, transcode_jobs, videos
from .accounts import ROLE_ADMIN
from .models import User, Video

# PeerTube's VideoTranscodingCreate. "webtorrent" is PeerTube < 7's name for "web-video".
TRANSCODING_TYPES = ("hls", "web-video", "webtorrent")
BODY_SCHEMA = {
    "type": "object",
    "required": ["transcodingType"],
    "properties": {
        "transcodingType": {"enum": list(TRANSCODING_TYPES)},
        "forceTranscoding": {"type": "boolean"},
    },
}
_VALIDATOR = jsonschema.Draft7Validator(BODY_SCHEMA)
_MESSAGES = {"transcodingType": "Should be hls or web-video.",
             "forceTranscoding": "Should be a boolean."}
ALREADY_TRANSCODING = "video_already_being_transcoded"  # PeerTube's ServerErrorCode


def request(ref: str, user: User, body: dict, *,
            send: Callable[[list[dict]], None] | None = None) -> Video:
    """Queues the re-transcode of the video `ref` names for `user`, an administrator;
    `body` is the JSON object or form a client sent. Returns the video."""
    if user.role != ROLE_ADMIN:
        raise errors.forbidden(f"User {user.username} does not have the right to run video "
                               "transcoding.")
    parse(body)
    video = videos.find(ref)
    if video is None:
        raise errors.not_found("Video not found")
    _check_state(video)
    (send or aws.send_transcode)([{"retranscode": {"video": video.uuid}}])
    return video


def parse(body: dict) -> dict:
    """The body, validated: a 400 naming every bad field, as PeerTube's validators do.
    A form's `forceTranscoding` is a string: "true"/"1" and "false"/"0" are booleans."""
    data = dict(body)
    force = data.get("forceTranscoding")
    if isinstance(force, str) and force.lower() in ("true", "1", "false", "0"):
        data["forceTranscoding"] = force.lower() in ("true", "1")
    problems: dict[str, str] = {}
    for error in _VALIDATOR.iter_errors(data):
        field = (str(error.path[0]) if error.path else
                 error.message.split("'")[1] if error.validator == "required" else "body")
        problems.setdefault(field, _MESSAGES.get(field, error.message))
    if problems:
        raise errors.invalid_params(problems)
    return data


def _check_state(video: Video) -> None:
    """A video can be re-transcoded once published and while no job transcodes it. Unlike
    PeerTube, `forceTranscoding` cannot skip these: the upload's original is gone once
    transcoded, so the published renditions are the only source, and the transcoder runs
    one job a video at a time."""
    if video.state == videos.TO_TRANSCODE:
        raise _already_transcoding()
    if video.state != videos.PUBLISHED:
        # A failed upload left no file to start from (PeerTube keeps its input file).
        label = videos.STATE_LABELS.get(video.state, "Unknown")
        raise errors.bad_request(f'Cannot run this task on a video with "{label}" state')
    job = transcode_jobs.get(video.uuid)
    if job is not None and not job.failure:
        # The second pass of a fast publish, or an earlier re-transcode, still running.
        raise _already_transcoding()


def _already_transcoding() -> errors.ApiError:
    return errors.ApiError(409, "This video is already being transcoded",
                           code=ALREADY_TRANSCODING)
