"""What a Lambda function receives as its context, for handlers run locally."""
from __future__ import annotations

import time
import uuid


class LocalContext:
    def __init__(self, function_name: str, timeout_seconds: int, **extra):
        self.function_name = function_name
        self.memory_limit_in_mb = 1024
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}")
        self._deadline = time.monotonic() + timeout_seconds
        # The local front hands a streamed request body to the api function this way.
        for name, value in extra.items():
            setattr(self, name, value)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
