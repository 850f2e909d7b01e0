"""PeerTube's multipart upload, streamed into S3 parts without holding the file."""
import tracemalloc

import pytest

from peerless import errors, uploads
from peerless.models import Video

BOUNDARY = "----peerless-test-boundary"
MIB = 1024 * 1024


class FakeS3:
    """Records multipart calls; keeps sizes only, so memory measures the code under test."""

    def __init__(self):
        self.parts: list[int] = []
        self.completed: list[str] = []
        self.aborted: list[str] = []

    def create_multipart_upload(self, Bucket, Key):
        return {"UploadId": "upload-1"}

    def upload_part(self, Bucket, Key, PartNumber, UploadId, Body):
        self.parts.append(len(Body))
        return {"ETag": f'"{PartNumber}"'}

    def complete_multipart_upload(self, Bucket, Key, UploadId, MultipartUpload):
        self.completed.append(Key)

    def abort_multipart_upload(self, Bucket, Key, UploadId):
        self.aborted.append(Key)


class Body:
    """A request body produced as it is read, like a socket."""

    def __init__(self, fields_before: dict, file_size: int, fields_after: dict = {}):
        self._chunks = self._generate(fields_before, file_size, fields_after)
        self._pending = b""
        self.exhausted = False

    @staticmethod
    def _field(name, value):
        return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()

    def _generate(self, before, size, after):
        for name, value in before.items():
            yield self._field(name, value)
        yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"videofile\"; "
               f"filename=\"clip.mp4\"\r\nContent-Type: video/mp4\r\n\r\n").encode()
        block = b"\x00" * (256 * 1024)
        for start in range(0, size, len(block)):
            yield block[:min(len(block), size - start)]
        yield b"\r\n"
        for name, value in after.items():
            yield self._field(name, value)
        yield f"--{BOUNDARY}--\r\n".encode()

    def read(self, size):
        while len(self._pending) < size:
            try:
                self._pending += next(self._chunks)
            except StopIteration:
                self.exhausted = True
                break
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.fixture
def root(aws):
    from peerless import accounts
    return accounts.create_user("alice", "alice@example.com", "secret password")


def _channel_id(user):
    from peerless import accounts
    return accounts.channels_of(user.username)[0].id


def test_a_large_file_flows_through_in_parts(root):
    # A small upload first: the AWS clients it creates load their service models (tens of
    # MiB, once per process), which are no part of what an upload holds in memory.
    uploads.receive_form_upload(FakeS3(), "uploads", root, CONTENT_TYPE,
                                Body({"name": "Warm-up", "channelId": _channel_id(root)}, 10))
    s3 = FakeS3()
    body = Body({"name": "Big one", "channelId": _channel_id(root)}, 40 * MIB + 123)
    tracemalloc.start()
    video = uploads.receive_form_upload(s3, "uploads", root, CONTENT_TYPE, body)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert s3.parts == [8 * MIB] * 5 + [123]
    assert s3.completed == [f"videos/{video.uuid}"]
    assert peak < 1.5 * uploads.PART_SIZE, f"peak {peak / MIB:.1f} MiB"
    assert Video.get(*Video.key(video.uuid)).upload_filename == "clip.mp4"


def test_fields_may_come_after_the_file(root):
    s3 = FakeS3()
    body = Body({}, 1000, {"name": "Late fields", "channelId": _channel_id(root)})
    video = uploads.receive_form_upload(s3, "uploads", root, CONTENT_TYPE, body)
    assert video.name == "Late fields" and s3.parts == [1000]


def test_bad_fields_before_the_file_stop_the_upload_early(root):
    s3 = FakeS3()
    body = Body({"name": "ab", "channelId": _channel_id(root)}, 40 * MIB)
    with pytest.raises(errors.ApiError) as raised:
        uploads.receive_form_upload(s3, "uploads", root, CONTENT_TYPE, body)
    assert "name" in raised.value.data["invalid-params"]
    assert not body.exhausted and s3.parts == []
    assert list(Video.scan()) == []


def test_bad_fields_after_the_file_abort_the_upload(root):
    s3 = FakeS3()
    body = Body({}, 9 * MIB, {"name": "ab", "channelId": _channel_id(root)})
    with pytest.raises(errors.ApiError):
        uploads.receive_form_upload(s3, "uploads", root, CONTENT_TYPE, body)
    assert s3.aborted and not s3.completed
    assert list(Video.scan()) == []


def test_someone_elses_channel_is_forbidden(root):
    from peerless import accounts
    bob = accounts.create_user("bob", "bob@example.com", "another password")
    body = Body({"name": "Not mine", "channelId": _channel_id(root)}, 10)
    with pytest.raises(errors.ApiError) as raised:
        uploads.receive_form_upload(FakeS3(), "uploads", bob, CONTENT_TYPE, body)
    assert raised.value.status == 403


def test_not_multipart_is_a_400(root):
    with pytest.raises(errors.ApiError) as raised:
        uploads.receive_form_upload(FakeS3(), "uploads", root, "application/json", Body({}, 1))
    assert raised.value.status == 400
