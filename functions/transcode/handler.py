"""The transcode function: S3 upload events, the units of chunked jobs and re-transcodes,
through SQS, to published videos.

A container-image Lambda function on AWS (see Dockerfile); the local stack calls the same
`handler` from its queue consumer.
"""
from __future__ import annotations

import json
import logging

from peerless import aws, instance_config
from peerless.settings import settings
from peerless.transcoding import TranscodeConfig, Transcoder, messages
from peerless_infra.resources import RESOURCES

logging.getLogger("peerless").setLevel(logging.INFO)
# After this many receives the queue moves a message to its dead-letter queue.
TRIES = RESOURCES.queues["transcode"].max_receive_count


def _transcoder() -> Transcoder:
    s = settings()
    # The admin's choice of resolutions, within what this deployment allows.
    chosen = instance_config.get().transcoding_resolutions or [s.max_resolution]
    config = TranscodeConfig(
        max_height=min(s.max_resolution, max(chosen)), enabled=frozenset(chosen),
        media_url=s.media_url, trackers=s.tracker_urls, max_duration=s.max_video_duration,
        fast_publish_seconds=s.fast_publish_seconds, chunk_seconds=s.chunk_seconds)
    return Transcoder(aws.client("s3"), aws.media_store(), config, aws.send_transcode)


def handler(event: dict, context) -> None:
    """SQS records. A raised error returns the batch to the queue."""
    transcoder = _transcoder()
    # Hold the lease a little longer than this invocation may still run.
    lease_seconds = context.get_remaining_time_in_millis() // 1000 + 60
    for record in event["Records"]:
        last_try = int(record["attributes"].get("ApproximateReceiveCount", 1)) >= TRIES
        for message in messages(json.loads(record["body"])):
            try:
                transcoder.handle(message, lease_seconds)
            except Exception:
                if last_try:
                    transcoder.give_up(message)
                raise
