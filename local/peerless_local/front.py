"""The local HTTP front: what API Gateway and CloudFront are on AWS.

One address serves everything a browser or a remote server asks for:
- `/api/...`, `/.well-known/...`, `/nodeinfo...`, `/services/...`: the api function, as
  API Gateway calls it; so are the pages links are shared to (a video, a channel, an
  account), for their link-preview tags;
- `POST .../inbox`: the inbox function;
- `/static/...`, `/lazy-static/...`: media from the media bucket, as the CDN serves it
  (Range requests, CORS that allows Range and Cache-Control); but
  `/lazy-static/remote/...`, other servers' pictures, from the api function;
- `/_s3/...`: a relay to the emulator's S3, where presigned upload URLs point locally;
- `/tracker/...`: the seeder's tracker (WebSocket upgrades spliced through), as the load
  balancer in front of the seeder container does on AWS;
- anything else: the web app (static_site/dist), index.html for the app's own routes.
"""
from __future__ import annotations

import base64
import functools
import gzip
import http.client
import json
import logging
import mimetypes
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable
from urllib.parse import urlsplit

from botocore.exceptions import ClientError
from chalice import Chalice
from chalice.local import LambdaEventConverter, LocalChalice, RouteMatcher

from .lambda_context import LocalContext

log = logging.getLogger("peerless.local.front")

API_GATEWAY_PAYLOAD_LIMIT = 10 * 1024 * 1024
COPY_CHUNK = 256 * 1024
LINGER_LIMIT = 64 * 1024 * 1024
API_PREFIXES = ("/api/", "/.well-known/", "/nodeinfo", "/services/")
MEDIA_PREFIXES = ("/static/", "/lazy-static/")
REMOTE_PICTURES = "/lazy-static/remote/"   # other servers' pictures: the API redirects
S3_RELAY = "/_s3"
TRACKER = "/tracker"
INBOX = re.compile(r"^(/inbox|/(accounts|video-channels)/[^/]+/inbox)/?$")
MEDIA_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Range, Cache-Control, Content-Type",
    "Access-Control-Expose-Headers": "Content-Range, Content-Length, Accept-Ranges, ETag",
    "Access-Control-Max-Age": "86400",
}
API_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Range, Cache-Control, "
                                    "X-Upload-Content-Length, X-Upload-Content-Type",
    "Access-Control-Max-Age": "86400",
}


@functools.lru_cache(maxsize=256)
def _gzipped_bytes(path: Path, mtime_ns: int) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


def _gzipped(path: Path) -> bytes:
    """A site file compressed, once per version of the file."""
    return _gzipped_bytes(path, path.stat().st_mtime_ns)


class Gateway:
    """Calls a Chalice app with API Gateway's proxy event, as Lambda would."""

    def __init__(self, app: Chalice, function_name: str,
                 streamed_routes: set[tuple[str, str]] = frozenset()):
        # Chalice keeps the current request on the app object; requests served in parallel
        # threads each need their own (what `chalice local` does too).
        app.__class__ = type(f"Local{type(app).__name__}", (LocalChalice, type(app)), {})
        self._app = app
        self._function_name = function_name
        self._matcher = RouteMatcher(list(app.routes))
        self._converter = LambdaEventConverter(self._matcher, app.api.binary_types)
        self._streamed = streamed_routes

    def serves(self, method: str, path: str) -> bool:
        """Whether one of the function's routes answers `method` at `path`."""
        try:
            match = self._matcher.match_route(path)
        except ValueError:
            return False
        return method in self._app.routes[match.route]

    def streams(self, method: str, path: str) -> bool:
        return (method, urlsplit(path).path.rstrip("/")) in self._streamed

    def __call__(self, method: str, path: str, headers: dict[str, str],
                 body: bytes | None, body_stream: BinaryIO | None = None) -> dict | None:
        """The function's response, or None when no route matches."""
        try:
            event = self._converter.create_lambda_event(method, path, headers, body)
        except ValueError:
            return None
        if method not in self._app.routes[event["requestContext"]["resourcePath"]]:
            return {"statusCode": 405, "headers": {"Content-Type": "application/json"},
                    "body": json.dumps({"status": 405, "error": "Method not allowed"})}
        context = LocalContext(self._function_name, 30, body_stream=body_stream)
        return self._app(event, context)


class _BodyReader:
    """Exactly Content-Length bytes of a request, read as the consumer asks."""

    def __init__(self, raw: BinaryIO, length: int):
        self._raw, self._left = raw, length

    def drain(self, limit: int) -> bool:
        """Reads and drops what is left, up to `limit` bytes; True when all of it was."""
        while self._left > 0 and limit > 0:
            data = self.read(min(COPY_CHUNK, limit))
            if not data:
                return False
            limit -= len(data)
        return self._left <= 0

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size < 0 else min(size, self._left)
        data = self._raw.read(size)
        self._left -= len(data)
        return data


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 resets the connections of a burst of senders
    # (a federation's deliveries, a swarm of players) before a thread can take them.
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        # A player or ffmpeg that has read enough hangs up: that is no error worth a trace.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Front:
    def __init__(self, *, host: str, port: int, api: Gateway, inbox: Gateway, s3,
                 media_bucket: str, emulator_url: str, site_dir: Path,
                 tracker_url: str | None = None,
                 on_write: Callable[[], None] = lambda: None):
        self.api, self.inbox = api, inbox
        self.tracker = urlsplit(tracker_url) if tracker_url else None
        self.s3, self.media_bucket = s3, media_bucket
        self.emulator = urlsplit(emulator_url)
        self.site_dir = site_dir
        self.on_write = on_write
        front = self

        class Handler(_Handler):
            pass
        Handler.front = front
        self._server = _Server((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="front",
                                        daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> "Front":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Peerless"
    # Headers and body leave in separate writes: without TCP_NODELAY, Nagle's algorithm
    # and the client's delayed ACK hold every keep-alive response back ~40 ms.
    disable_nagle_algorithm = True
    front: Front

    def log_message(self, format: str, *args) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        try:
            if self.command not in ("GET", "HEAD", "OPTIONS"):
                self.front.on_write()
            if path.startswith(API_PREFIXES):
                self._function(self.front.api)
            elif self.command == "POST" and INBOX.match(path):
                self._function(self.front.inbox)
            elif path.startswith(REMOTE_PICTURES):
                self._function(self.front.api)
            elif path.startswith(MEDIA_PREFIXES):
                self._media(path)
            elif path == S3_RELAY or path.startswith(S3_RELAY + "/"):
                self._relay_s3()
            elif path.startswith(TRACKER + "/"):
                self._tracker()
            elif self.command in ("GET", "HEAD") and self.front.api.serves("GET", path):
                # A page links are shared to (/w/..., /c/...): its link-preview tags are
                # written by the function, as on AWS where the CDN routes them to it.
                self._function(self.front.api)
            elif self.command in ("GET", "HEAD"):
                self._site(path)
            else:
                self._send_json(405, {"status": 405, "error": "Method not allowed"})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            log.exception("%s %s failed", self.command, self.path)
            self._send_json(500, {"status": 500, "error": "Internal server error"})

    # --- functions behind the gateway ---------------------------------------------------

    def _function(self, gateway: Gateway) -> None:
        if self.command == "OPTIONS":
            return self._send(204, API_CORS, b"")
        headers = {k: v for k, v in self.headers.items()}
        length = int(self.headers.get("content-length") or 0)
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            return self._send_json(411, {"status": 411, "error": "Content-Length required"})
        body, stream = None, None
        if gateway.streams(self.command, self.path):
            stream = _BodyReader(self.rfile, length)
        elif length > API_GATEWAY_PAYLOAD_LIMIT:
            self.close_connection = True
            return self._send_json(413, {"status": 413, "error": "Request entity too large"})
        elif length:
            body = self.rfile.read(length)
        response = gateway(self.command, self.path, headers, body, stream)
        if stream is not None and not stream.drain(LINGER_LIMIT):
            # The function refused the request before reading all of it. The rest is read
            # and dropped first (up to a limit): closing on unread data would reset the
            # connection and the client would lose the answer.
            self.close_connection = True
        if response is None:
            # API Gateway's "missing authentication token" answer, mapped to PeerTube's 404.
            return self._send(404, {**API_CORS, "Content-Type": "application/problem+json"},
                              json.dumps({"type": "about:blank", "title": "Not Found",
                                          "detail": "Unknown route", "status": 404,
                                          "error": "Unknown route"}).encode())
        payload = response.get("body") or b""
        if response.get("isBase64Encoded"):
            payload = base64.b64decode(payload)
        elif isinstance(payload, str):
            payload = payload.encode()
        out = {**API_CORS, **(response.get("headers") or {})}
        self._send(response["statusCode"], out, payload)

    # --- media, as the CDN serves it ----------------------------------------------------

    def _media(self, path: str) -> None:
        if self.command == "OPTIONS":
            return self._send(204, MEDIA_CORS, b"")
        if self.command not in ("GET", "HEAD"):
            return self._send_json(405, {"status": 405, "error": "Method not allowed"})
        key = path.lstrip("/")
        args = {"Bucket": self.front.media_bucket, "Key": key}
        byte_range = self.headers.get("range")
        try:
            if self.command == "HEAD":
                obj = self.front.s3.head_object(**args)
                obj["Body"] = None
            else:
                obj = self.front.s3.get_object(**args, **({"Range": byte_range}
                                                          if byte_range else {}))
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code in ("NoSuchKey", "404", "NotFound"):
                return self._send(404, {**MEDIA_CORS, "Content-Type": "text/plain"},
                                  b"Not found")
            if code == "InvalidRange":
                return self._send(416, MEDIA_CORS, b"")
            raise
        headers = {**MEDIA_CORS, "Content-Type": obj.get("ContentType", ""),
                   "Content-Length": str(obj["ContentLength"]), "Accept-Ranges": "bytes",
                   "ETag": obj.get("ETag", ""),
                   "Cache-Control": obj.get("CacheControl") or "public, max-age=60"}
        status = 200
        if obj.get("ContentRange"):
            status = 206
            headers["Content-Range"] = obj["ContentRange"]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if obj["Body"] is not None:
            for chunk in obj["Body"].iter_chunks(COPY_CHUNK):
                self.wfile.write(chunk)

    # --- the S3 relay for presigned URLs -------------------------------------------------

    def _relay_s3(self) -> None:
        target = self.path[len(S3_RELAY):] or "/"
        length = int(self.headers.get("content-length") or 0)
        connection = http.client.HTTPConnection(self.front.emulator.hostname,
                                                self.front.emulator.port, timeout=300)
        try:
            connection.putrequest(self.command, target, skip_host=True,
                                  skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in ("host", "connection", "origin", "referer"):
                    connection.putheader(name, value)
            connection.putheader("Host", self.front.emulator.netloc)
            connection.endheaders()
            body = _BodyReader(self.rfile, length)
            while chunk := body.read(COPY_CHUNK):
                connection.send(chunk)
            self._relay(connection.getresponse())
        finally:
            connection.close()

    def _relay(self, response: http.client.HTTPResponse) -> None:
        """An upstream's answer, as it is but for the hop-by-hop headers."""
        payload = response.read()
        headers = {k: v for k, v in response.getheaders()
                   if k.lower() not in ("connection", "transfer-encoding",
                                        "content-length", "server", "date")}
        self._send(response.status, headers, payload)

    # --- the tracker -------------------------------------------------------------------

    def _tracker(self) -> None:
        if self.front.tracker is None:
            return self._send_json(503, {"status": 503, "error": "No tracker is running"})
        if self.headers.get("upgrade", "").lower() == "websocket":
            return self._splice_websocket()
        if self.command not in ("GET", "HEAD"):
            return self._send_json(405, {"status": 405, "error": "Method not allowed"})
        connection = http.client.HTTPConnection(self.front.tracker.hostname,
                                                self.front.tracker.port, timeout=30)
        try:
            connection.request(self.command, self.path, headers={
                "Host": self.headers.get("host", ""),
                "X-Forwarded-For": self.client_address[0]})
            self._relay(connection.getresponse())
        finally:
            connection.close()

    def _splice_websocket(self) -> None:
        """Hands the upgrade request to the tracker, then copies bytes both ways until
        either side closes: the WebSocket is the tracker's, the front only carries it."""
        self.close_connection = True
        upstream = socket.create_connection((self.front.tracker.hostname,
                                             self.front.tracker.port), timeout=10)
        upstream.settimeout(None)
        head = [f"{self.command} {self.path} HTTP/1.1"]
        head += [f"{name}: {value}" for name, value in self.headers.items()
                 if name.lower() != "x-forwarded-for"]
        head.append(f"X-Forwarded-For: {self.client_address[0]}")
        upstream.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))

        def client_to_tracker() -> None:
            try:
                # rfile may already hold bytes the client sent after its request.
                while data := self.rfile.read1(COPY_CHUNK):
                    upstream.sendall(data)
            except (OSError, ValueError):
                pass
            finally:
                _shutdown(upstream)

        pump = threading.Thread(target=client_to_tracker, name="front-ws", daemon=True)
        pump.start()
        try:
            while data := upstream.recv(COPY_CHUNK):
                self.connection.sendall(data)
        except OSError:
            pass
        finally:
            _shutdown(self.connection)
            pump.join(5)
            upstream.close()

    # --- the web app -------------------------------------------------------------------

    def _site(self, path: str) -> None:
        root = self.front.site_dir.resolve()
        candidate = (root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            if PurePosixPath(path).suffix:
                # A missing script or picture: index.html in its place would be read as
                # JavaScript and fail obscurely.
                return self._send(404, {"Content-Type": "text/plain"}, b"Not found")
            # The app's own routes (/w/..., /videos/watch/...) are all index.html.
            candidate = root / "index.html"
        if not candidate.is_file():
            return self._send(503, {"Content-Type": "text/plain"},
                              b"The web app is not built: run `make site`.")
        content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        # Chunks are named by their content's hash: they never change (as on the CDN).
        cache = ("public, max-age=31536000, immutable"
                 if candidate.parent.name == "chunks" else "no-cache")
        headers = {"Content-Type": content_type, "Cache-Control": cache, "Vary": "Accept-Encoding"}
        payload = candidate.read_bytes()
        if "gzip" in self.headers.get("Accept-Encoding", "") and content_type.startswith(
                ("text/", "application/javascript", "application/json")):
            # Compressed as the CDN would, so page-load figures measured here are honest.
            payload = _gzipped(candidate)
            headers["Content-Encoding"] = "gzip"
        self._send(200, headers, payload)

    # --- replies -----------------------------------------------------------------------

    def _send_json(self, status: int, body: dict) -> None:
        self._send(status, {"Content-Type": "application/json"}, json.dumps(body).encode())

    def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
