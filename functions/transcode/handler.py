"""The transcode function: S3 upload events, through SQS, to published videos.

A container-image Lambda function on AWS (see Dockerfile); the local stack calls the same
`handler` from its queue consumer.
"""
from __future__ import annotations

import json
import logging

from peerless import aws
from peerless.media_store import MediaStore
from peerless.settings import settings
from peerless.transcoding import Transcoder, upload_events

logging.getLogger("peerless").setLevel(logging.INFO)


def _transcoder() -> Transcoder:
    s3 = aws.client("s3")
    return Transcoder(s3, MediaStore(s3, settings().media_bucket),
                      max_height=settings().max_resolution)


def handler(event: dict, context) -> None:
    """SQS records, each an S3 notification. A raised error returns the batch to the queue."""
    transcoder = _transcoder()
    # Hold the lease a little longer than this invocation may still run.
    lease_seconds = context.get_remaining_time_in_millis() // 1000 + 60
    for record in event["Records"]:
        for upload in upload_events(json.loads(record["body"])):
            transcoder.handle(upload, lease_seconds)
