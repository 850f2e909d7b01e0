"""A real local stack in a child process, and a small client for it, for the tests."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import httpx

ROOT = Path(__file__).resolve().parents[1]
ADMIN_PASSWORD = "test-admin-password"


def free_port() -> int:
    from peerless_local.ports import free_port as pick
    return pick()


class Stack:
    def __init__(self, data_dir: Path, port: int | None = None, **env: str):
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PEERLESS_PORT": str(self.port),
                    "PEERLESS_RTMP_PORT": str(free_port()),
                    "PEERLESS_DATA_DIR": str(data_dir), "PEERLESS_PUBLIC_URL": self.url,
                    "PEERLESS_ADMIN_PASSWORD": ADMIN_PASSWORD,
                    "AWS_EC2_METADATA_DISABLED": "true", **env}
        self.process: subprocess.Popen | None = None
        # Racing requests on a loaded CI machine can take tens of seconds; a client that
        # gives up leaves its request running on the server, after the test moved on.
        self.http = httpx.Client(base_url=self.url, timeout=120)
        self._token: str | None = None

    def spawn(self, command: list[str]) -> subprocess.Popen:
        """Starts the stack's process (a subclass may start it elsewhere: a namespace)."""
        return subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log,
                                stderr=self.log)

    def _use_port(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env.update(PEERLESS_PORT=str(port), PEERLESS_PUBLIC_URL=self.url,
                        PEERLESS_RTMP_PORT=str(free_port()))
        self.http.base_url = self.url

    def start(self, timeout: float = 60, tries: int = 3) -> "Stack":
        """Starts the stack and waits for it to answer. A port picked free can be taken by
        another process before the stack binds it (a busy machine runs several suites):
        then another port is tried."""
        for attempt in range(tries):
            try:
                return self._start(timeout)
            except RuntimeError as error:
                if "Address already in use" not in str(error) or attempt == tries - 1:
                    raise
                self._use_port(free_port())
        raise AssertionError("unreachable")

    def _start(self, timeout: float) -> "Stack":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(self.data_dir.parent / f"stack-{self.port}.log", "ab")
        self.process = self.spawn([sys.executable, "-m", "peerless_local"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.close()
                raise RuntimeError(f"the stack exited with {self.process.returncode}: "
                                   + self.log_text())
            try:
                if self.http.get("/api/v1/config").status_code == 200:
                    self.info = json.loads((self.data_dir / "stack.json").read_text())
                    return self
            except (httpx.TransportError, FileNotFoundError):
                pass
            time.sleep(0.1)
        raise RuntimeError("the stack did not start: " + self.log_text())

    def log_text(self) -> str:
        return (self.data_dir.parent / f"stack-{self.port}.log").read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout)
        self.log.close()
        self._token = None
        return code

    # --- AWS, for looking behind the API ------------------------------------------------

    def aws(self, service: str):
        return boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local",
            region_name="us-east-1").client(service, endpoint_url=self.info["emulator"])

    # --- the API ------------------------------------------------------------------------

    def token(self, username: str = "root", password: str = ADMIN_PASSWORD) -> str:
        if username == "root" and self._token:
            return self._token
        client = self.http.get("/api/v1/oauth-clients/local").json()
        response = self.http.post("/api/v1/users/token", data={
            **client, "grant_type": "password", "username": username, "password": password})
        response.raise_for_status()
        token = response.json()["access_token"]
        if username == "root":
            self._token = token
        return token

    def auth(self, username: str = "root", password: str = ADMIN_PASSWORD) -> dict:
        return {"Authorization": f"Bearer {self.token(username, password)}"}

    def create_user(self, username: str, role: int = 2, password: str = "user-password",
                    **fields) -> dict:
        """A new user (the admin creates it); returns its headers for authenticated calls."""
        response = self.http.post("/api/v1/users", headers=self.auth(), json={
            "username": username, "password": password, "email": f"{username}@example.com",
            "role": role, **fields})
        response.raise_for_status()
        return self.auth(username, password)

    def channel_id(self, headers: dict | None = None) -> int:
        me = self.http.get("/api/v1/users/me", headers=headers or self.auth()).json()
        return me["videoChannels"][0]["id"]

    def upload(self, path: Path, name: str = "A test video", headers: dict | None = None,
               channel_id: int | None = None, **fields) -> httpx.Response:
        """PeerTube's form upload, by the admin or by whoever `headers` authenticate, to
        their first channel unless `channel_id` names another."""
        headers = headers or self.auth()
        channel_id = channel_id or self.channel_id(headers)
        with path.open("rb") as f:
            return self.http.post(
                "/api/v1/videos/upload", headers=headers,
                data={"name": name, "channelId": str(channel_id), **fields},
                files={"videofile": (path.name, f, "video/mp4")})

    def uploaded(self, path: Path, name: str, headers: dict | None = None, **fields) -> str:
        """The uuid of a video uploaded as `upload` does; the upload must succeed."""
        response = self.upload(path, name, headers, **fields)
        assert response.status_code == 200, response.text
        return response.json()["video"]["uuid"]

    def wait_for_state(self, ref: str, states=(1, 7), timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            video = self.http.get(f"/api/v1/videos/{ref}", headers=self.auth()).json()
            if video["state"]["id"] in states:
                return video
            time.sleep(0.2)
        raise TimeoutError(f"video {ref} still in state {video['state']}")
