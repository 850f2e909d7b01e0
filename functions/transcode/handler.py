"""The transcode function: S3 upload events, through SQS, to published videos.

A container-image Lambda function on AWS (see Dockerfile); the local stack calls the same
`handler` from its queue consumer.
"""
from __future__ import annotations

import json
import logging

from peerless import aws, instance_config
from peerless.settings import settings
from peerless.transcoding import Transcoder, upload_events

logging.getLogger("peerless").setLevel(logging.INFO)


def _transcoder() -> Transcoder:
    # The admin's choice of resolutions, within what this deployment allows.
    chosen = instance_config.get().transcoding_resolutions or [settings().max_resolution]
    return Transcoder(aws.client("s3"), aws.media_store(),
                      max_height=min(settings().max_resolution, max(chosen)),
                      enabled=frozenset(chosen), media_url=settings().media_url,
                      trackers=settings().tracker_urls)


def handler(event: dict, context) -> None:
    """SQS records, each an S3 notification. A raised error returns the batch to the queue."""
    transcoder = _transcoder()
    # Hold the lease a little longer than this invocation may still run.
    lease_seconds = context.get_remaining_time_in_millis() // 1000 + 60
    for record in event["Records"]:
        for upload in upload_events(json.loads(record["body"])):
            transcoder.handle(upload, lease_seconds)
