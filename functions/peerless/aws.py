"""The one place that makes AWS clients. boto3 honours AWS_ENDPOINT_URL, so the same code
talks to AWS, to moto's server locally, or to LocalStack."""
from __future__ import annotations

import json
from functools import lru_cache

import boto3
from botocore.config import Config

from .media_store import MediaStore
from .settings import settings


@lru_cache(maxsize=None)
def client(service: str):
    # boto3 clients are thread-safe; one per service per process keeps connections warm.
    return boto3.session.Session().client(service, region_name=settings().region)


@lru_cache(maxsize=1)
def browser_s3():
    """An S3 client whose presigned URLs a browser can use: S3 itself on AWS, the local
    front's relay to the emulator otherwise."""
    endpoint = settings().s3_browser_endpoint
    if endpoint is None:
        return client("s3")
    return boto3.session.Session().client(
        "s3", region_name=settings().region, endpoint_url=endpoint,
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))


@lru_cache(maxsize=None)
def queue_url(name: str) -> str:
    return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def send_transcode(bodies: list[dict]) -> None:
    """Messages for the transcode function (a job's units, a re-transcode), ten a call."""
    url = queue_url(settings().transcode_queue)
    for start in range(0, len(bodies), 10):
        client("sqs").send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": json.dumps(body)}
            for i, body in enumerate(bodies[start:start + 10])])


def media_store() -> MediaStore:
    """The media and uploads buckets of this instance."""
    return MediaStore(client("s3"), settings().media_bucket, settings().uploads_bucket)
