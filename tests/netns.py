"""A network namespace for peer-to-peer tests and benchmarks (DESIGN section 6).

Chromium never uses loopback for WebRTC and gathers ICE candidates only on an interface
with a default route, so browser P2P needs a real-looking interface. `Namespace` makes one
that reaches nothing but this machine:

    host (root namespace)                     namespace <name>
    veth <name>h  198.18.N.1/24  <------>  veth <name>n  198.18.N.2/24
                                           lo up, default route dev <name>n

Servers for the test (a `Stack`, the seeder) and the browsers run inside it; the test
process stays outside and reaches the servers at 198.18.N.2 through the veth pair. Nothing
is routed further: the host does not forward for the namespace, so no public host can be
contacted even by mistake.

    with Namespace() as ns:                    # or the `netns` fixture of a test module
        ns.run(["ip", "addr"])                 # a command inside
        proc = ns.popen([sys.executable, ...])  # a child process inside
        chromium = ns.wrapper("/usr/bin/chromium")  # an executable that runs it inside

Everything (the namespace, the veth pair, the wrapper scripts) goes on `close()`, also
after a failure, and the processes started inside are ended first. Without root or `ip`,
`skip_reason()` says why, and `Namespace` raises `NamespaceUnavailable`.
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

PREFIX = "198.18"


class NamespaceUnavailable(RuntimeError):
    pass


def skip_reason() -> str | None:
    """Why no namespace can be made here, or None when one can."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is missing"
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"`ip netns` does not work here: {probe.stderr.strip()}"
    return None


_counter = itertools.count()


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise NamespaceUnavailable(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return result


def _used_subnets() -> set[int]:
    out = _ip("-o", "-4", "addr", "show", check=False).stdout
    used = set()
    for word in out.split():
        if word.startswith(PREFIX + "."):
            used.add(int(word.split(".")[2]))
    return used


def _remove(name: str) -> None:
    for pid in _ip("netns", "pids", name, check=False).stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    _ip("link", "del", f"{name}h", check=False)  # takes its peer with it
    _ip("netns", "del", name, check=False)


def remove_stale() -> None:
    """Removes the namespaces of processes that died without closing theirs (killed)."""
    for line in _ip("netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        match = re.fullmatch(r"pl(\d+)x\d+", name)
        if match and not Path(f"/proc/{match[1]}").exists():
            _remove(name)


class Namespace:
    """A network namespace joined to the host by a veth pair (see the module's doc)."""

    def __init__(self, name: str | None = None):
        reason = skip_reason()
        if reason:
            raise NamespaceUnavailable(reason)
        remove_stale()
        # Interface names hold at most 15 characters: "pl<pid>x<n>" plus "h" or "n".
        self.name = name or f"pl{os.getpid()}x{next(_counter)}"
        used = _used_subnets()
        self.subnet = next(n for n in range(256) if n not in used)
        self.host_ip = f"{PREFIX}.{self.subnet}.1"
        self.ip = f"{PREFIX}.{self.subnet}.2"
        self.host_if, self.ns_if = f"{self.name}h", f"{self.name}n"
        self._processes: list[subprocess.Popen] = []
        self._relays: list[socket.socket] = []
        self._dir = Path(tempfile.mkdtemp(prefix=f"netns-{self.name}-"))
        self._made = False
        try:
            self._create()
        except BaseException:
            self.close()
            raise

    def _create(self) -> None:
        _ip("netns", "add", self.name)
        self._made = True
        _ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
        _ip("link", "set", self.ns_if, "netns", self.name)
        _ip("addr", "add", f"{self.host_ip}/24", "dev", self.host_if)
        _ip("link", "set", self.host_if, "up")
        inside = ("-n", self.name)
        _ip(*inside, "link", "set", "lo", "up")
        _ip(*inside, "addr", "add", f"{self.ip}/24", "dev", self.ns_if)
        _ip(*inside, "link", "set", self.ns_if, "up")
        _ip(*inside, "route", "add", "default", "dev", self.ns_if)

    # --- running things inside -------------------------------------------------------

    def command(self, argv: list[str]) -> list[str]:
        """`argv` as a command line that runs inside the namespace."""
        return ["ip", "netns", "exec", self.name, *map(str, argv)]

    def run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("check", True)
        return subprocess.run(self.command(argv), **kwargs)

    def popen(self, argv: list[str], **kwargs) -> subprocess.Popen:
        """A child process inside the namespace, in a process group of its own (ended
        with the namespace unless it ended before)."""
        kwargs.setdefault("start_new_session", True)
        process = subprocess.Popen(self.command(argv), **kwargs)
        self._processes.append(process)
        return process

    def wrapper(self, executable: str, name: str | None = None) -> str:
        """The path of an executable script that runs `executable` inside the namespace
        with the arguments it is given: for tools that take a program's path, such as
        Playwright's `executable_path`."""
        path = self._dir / (name or Path(executable).name)
        path.write_text(f'#!/bin/sh\nexec ip netns exec {self.name} {executable} "$@"\n')
        path.chmod(0o755)
        return str(path)

    def relay_loopback(self, port: int) -> None:
        """Relays the host's 127.0.0.1:`port` to the namespace's address, same port: for
        clients that know a server only at loopback (tests/integration/test_live.py's
        `publish` streams there, as a streamer's encoder on the instance's machine would)
        when that server listens inside."""
        listener = socket.create_server(("127.0.0.1", port))
        self._relays.append(listener)

        def pump(source: socket.socket, sink: socket.socket) -> None:
            with source, sink:
                try:
                    while data := source.recv(65536):
                        sink.sendall(data)
                    sink.shutdown(socket.SHUT_WR)
                except OSError:  # either end went away: the other learns it on close
                    pass

        def accept() -> None:
            while True:
                try:
                    client, _ = listener.accept()
                except OSError:  # closed with the namespace
                    return
                try:
                    server = socket.create_connection((self.ip, port))
                except OSError:
                    client.close()
                    continue
                threading.Thread(target=pump, args=(client, server.dup()), daemon=True).start()
                threading.Thread(target=pump, args=(server, client.dup()), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()

    # --- the end ---------------------------------------------------------------------

    def close(self) -> None:
        for listener in self._relays:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes its accept()
            except OSError:
                pass
            listener.close()
        self._relays.clear()
        for process in reversed(self._processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    process.wait(5)
        self._processes.clear()
        if self._made:
            _remove(self.name)  # and whatever still runs inside (a browser, say)
            self._made = False
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> "Namespace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def stack_in(ns: Namespace, data_dir: Path, **env: str):
    """A local stack (tests/stack.py's `Stack`, not started) that runs inside `ns`: its
    front listens on the namespace's address, which is its public URL too, so browsers in
    the namespace and the test outside reach it at the same URL, and its torrents and
    playlists name that tracker and those media URLs."""
    import httpx

    from tests.stack import ROOT, Stack, free_port

    class NamespacedStack(Stack):
        def spawn(self, command: list[str]):
            return ns.popen(command, cwd=ROOT, env=self.env, stdout=self.log,
                            stderr=self.log, start_new_session=False)

    port = free_port()
    url = f"http://{ns.ip}:{port}"
    # Its own seeder stays off: the P2P tests and bench choose which seeders a swarm has.
    stack = NamespacedStack(data_dir, port, PEERLESS_BIND_HOST=ns.ip,
                            PEERLESS_PUBLIC_URL=url, **{"PEERLESS_SEEDER": "off", **env})
    stack.url = url
    stack.http = httpx.Client(base_url=url, timeout=30)
    return stack
