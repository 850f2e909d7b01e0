"""The local queue consumer behaves as Lambda's SQS event source: delete on success,
retry on failure, dead-letter after the queue's maxReceiveCount."""
import json
import time

import boto3
import pytest

from peerless_local.consumers import QueueConsumer


@pytest.fixture
def queue(aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="work", Attributes={
        "VisibilityTimeout": "1",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
    })["QueueUrl"]
    return sqs, url, dlq


def consumer(sqs, url, handler):
    return QueueConsumer(sqs, url, "arn:aws:sqs:us-east-1:123456789012:work", handler,
                         function_name="work", timeout_seconds=30)


def test_success_deletes_and_hands_over_lambdas_event(queue):
    sqs, url, _ = queue
    seen = []
    sqs.send_message(QueueUrl=url, MessageBody='{"hello": 1}')
    assert consumer(sqs, url, lambda event, context: seen.append(
        (event, context.get_remaining_time_in_millis()))).poll_once() == 1
    event, remaining = seen[0]
    record = event["Records"][0]
    assert record["body"] == '{"hello": 1}' and record["eventSource"] == "aws:sqs"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert 0 < remaining <= 30_000
    time.sleep(1.1)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_failures_are_retried_then_dead_lettered(queue):
    sqs, url, dlq = queue
    calls = []

    def failing(event, context):
        calls.append(event["Records"][0]["attributes"]["ApproximateReceiveCount"])
        raise RuntimeError("poison")

    sqs.send_message(QueueUrl=url, MessageBody="poison")
    worker = consumer(sqs, url, failing)
    for _ in range(3):
        worker.poll_once()
        time.sleep(1.1)  # the visibility timeout
    worker.poll_once()
    assert calls == ["1", "2"]
    dead = sqs.receive_message(QueueUrl=dlq)["Messages"]
    assert [m["Body"] for m in dead] == ["poison"]
