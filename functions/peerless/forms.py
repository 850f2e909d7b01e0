"""multipart/form-data, parsed as it streams: small fields and files are collected, and a
chosen file part (a video) can flow elsewhere chunk by chunk instead of into memory."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO, Callable

from python_multipart.multipart import MultipartParser, parse_options_header

from . import errors

MAX_FIELD_SIZE = 64 * 1024           # a form field (not a file) larger than this is refused
READ_SIZE = 256 * 1024


@dataclass(frozen=True)
class FormFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Form:
    fields: dict[str, str | list[str]] = field(default_factory=dict)
    files: dict[str, FormFile] = field(default_factory=dict)
    # The filename of the streamed part, when one came.
    streamed: str | None = None


class _Reader:
    def __init__(self, form: Form, stream_part: str | None,
                 sink: Callable[[bytes], None] | None,
                 on_stream_start: Callable[[dict], None] | None, max_file_size: int):
        self.form = form
        self._stream_part, self._sink, self._on_stream_start = stream_part, sink, on_stream_start
        self._max_file_size = max_file_size
        self._header_field, self._header_value = bytearray(), bytearray()
        self._headers: dict[str, bytes] = {}
        self._name: str = ""
        self._filename: str | None = None
        self._value = bytearray()
        self._streaming = False

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers.clear()
        self._value.clear()

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.decode("latin-1").lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._filename = filename.decode("utf-8", "replace") if filename is not None else None
        self._streaming = self._filename is not None and self._name == self._stream_part
        if self._streaming:
            if self.form.streamed is not None:
                raise errors.bad_request(f"Only one {self._name} may be sent.")
            self.form.streamed = self._filename
            if self._on_stream_start:
                self._on_stream_start(self.form.fields)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._streaming:
            self._sink(data[start:end])
            return
        self._value += data[start:end]
        limit = self._max_file_size if self._filename is not None else MAX_FIELD_SIZE
        if len(self._value) > limit:
            raise errors.ApiError(413, f"The part {self._name} is too large.")

    def _part_end(self) -> None:
        if self._streaming:
            return
        if self._filename is not None:
            content_type = self._headers.get("content-type", b"application/octet-stream")
            self.form.files[self._name] = FormFile(self._filename, content_type.decode(),
                                                   bytes(self._value))
            return
        value = self._value.decode("utf-8", "replace")
        previous = self.form.fields.get(self._name)
        if previous is None:
            self.form.fields[self._name] = value
        else:  # repeated fields (tags) become a list
            self.form.fields[self._name] = (previous if isinstance(previous, list)
                                            else [previous]) + [value]


def read_form(content_type: str | None, body: BinaryIO, *, stream_part: str | None = None,
              sink: Callable[[bytes], None] | None = None,
              on_stream_start: Callable[[dict], None] | None = None,
              max_file_size: int = 8 * 1024 * 1024) -> Form:
    """The fields and files of a multipart body. The part named `stream_part` goes to
    `sink` as it arrives; `on_stream_start` sees the fields read before it."""
    mime, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise errors.bad_request("The request must be multipart/form-data with a boundary.")
    form = Form()
    parser = MultipartParser(boundary, _Reader(form, stream_part, sink, on_stream_start,
                                               max_file_size).callbacks())
    while chunk := body.read(READ_SIZE):
        parser.write(chunk)
    parser.finalize()
    return form
