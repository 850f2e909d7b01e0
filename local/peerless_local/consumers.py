"""Queue consumers: what Lambda's SQS event source mapping does on AWS.

Each receives messages, hands them to the same handler function Lambda would call, in the
same event shape, and deletes them when the handler returns. When it raises, the messages
stay: they come back after the queue's visibility timeout, and after the queue's
maxReceiveCount the emulator moves them to the dead-letter queue, as SQS does.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from .lambda_context import LocalContext

log = logging.getLogger("peerless.local.consumers")


class QueueConsumer:
    def __init__(self, sqs, queue_url: str, queue_arn: str, handler: Callable,
                 *, function_name: str, timeout_seconds: int, batch_size: int = 1,
                 workers: int = 1, on_done: Callable[[], None] = lambda: None):
        self._sqs = sqs
        self._url = queue_url
        self._arn = queue_arn
        self._handler = handler
        self._function_name = function_name
        self._timeout = timeout_seconds
        self._batch_size = batch_size
        self._on_done = on_done
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._run, name=f"{function_name}-{i}",
                                          daemon=True) for i in range(workers)]

    def start(self) -> "QueueConsumer":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()

    def join(self, timeout: float) -> None:
        for thread in self._threads:
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once(wait_seconds=1)
            except Exception:  # the emulator going away at shutdown, mostly
                if not self._stopping.is_set():
                    log.exception("polling %s failed", self._url)
                    self._stopping.wait(1)

    def poll_once(self, wait_seconds: int = 0) -> int:
        messages = self._sqs.receive_message(
            QueueUrl=self._url, MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=wait_seconds, AttributeNames=["All"],
            MessageAttributeNames=["All"]).get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [self._record(m) for m in messages]}
        try:
            self._handler(event, LocalContext(self._function_name, self._timeout))
        except Exception:
            log.exception("%s failed; the messages will be retried", self._function_name)
            return len(messages)
        self._sqs.delete_message_batch(QueueUrl=self._url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(messages)])
        self._on_done()
        return len(messages)

    def _record(self, message: dict) -> dict:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arn,
            "awsRegion": "us-east-1",
        }


class Periodic:
    """What an EventBridge schedule does on AWS: `handler(event, context)` every `seconds`,
    the first time at once. A failure is logged; the next run comes all the same."""

    def __init__(self, handler: Callable, seconds: float, on_done: Callable = lambda: None):
        self.handler, self.seconds, self.on_done = handler, seconds, on_done
        self._stop = threading.Event()

    def start(self) -> "Periodic":
        threading.Thread(target=self._run, name=f"periodic-{self.handler.__name__}",
                         daemon=True).start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.handler({"source": "aws.events", "detail-type": "Scheduled Event"},
                             LocalContext(self.handler.__name__, 900))
                self.on_done()
            except Exception:
                log.exception("%s failed", self.handler.__name__)
            self._stop.wait(self.seconds)

    def stop(self) -> None:
        self._stop.set()
