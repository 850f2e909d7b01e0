"""The tracker's protocol and swarm state: pure, no I/O.

Two doors lead to the same swarms:
- the WebSocket tracker that browser WebTorrent and p2p-media-loader v2 speak (npm
  bittorrent-tracker's wire protocol): JSON messages in which `info_hash`, `peer_id`,
  `to_peer_id` and `offer_id` are 20-byte binary strings carried as JSON strings of
  code points 0-255. A peer announces with WebRTC offers; the tracker answers with the
  swarm's counts and relays each offer to one other peer of the swarm; the peer that
  takes an offer announces with `answer` and `to_peer_id`, and the tracker relays the
  answer to the offerer. The peers then talk to each other directly.
- the HTTP tracker of BEP 3 (with BEP 23's compact peer lists and BEP 48's scrape) for
  desktop clients: bencoded answers with the peers' addresses.

Only the swarms of the instance's own videos are taken when the tracker is given them
(`known`, see known.py), as PeerTube's tracker does: an announce of another info hash
gets a `failure reason` and leaves nothing behind. The server may refresh the known
swarms before refusing (`defer_unknown`, then the same message again with `repeated`).

State lives in memory only (a restart loses it; clients announce again within an
interval) and is bounded: peers per swarm, swarms, peers in total, swarms per
connection, connections per address and in total, message size and rate. The server
(`server.py`) owns the sockets; it hands this module text and addresses, and gets back
what to send to whom.
"""
from __future__ import annotations

import ipaddress
import json
import random
import struct
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Container, Mapping
from urllib.parse import parse_qsl, urlsplit

EVENTS = {None: "update", "": "update", "empty": "update", "update": "update",
          "started": "started", "stopped": "stopped", "completed": "completed",
          "paused": "paused"}
MAX_ID_CHARS = 128  # offer ids are 20 bytes; anything much longer is not a client's


@dataclass(frozen=True)
class TrackerConfig:
    ws_interval: float = 120           # seconds between a browser's announces
    http_interval: float = 1800        # seconds between a desktop client's announces
    expiry_factor: float = 2.0         # a peer silent for this many intervals is dropped
    max_numwant: int = 50              # offers relayed / peers returned per announce
    max_message_bytes: int = 64 * 1024
    max_peers_per_swarm: int = 1000
    max_swarms: int = 10_000
    max_peers: int = 100_000
    max_swarms_per_connection: int = 100
    max_connections: int = 10_000
    max_connections_per_ip: int = 32
    messages_per_second: float = 10.0  # sustained, per connection
    message_burst: int = 60            # what a connection may send at once
    ban_seconds: float = 60.0          # a flooding address may not reconnect for this long
    max_bans: int = 10_000
    max_scrape_hashes: int = 64
    # WebSocket Origins allowed: the instance's own and extras ("*": any). Browsers always
    # send one; other clients (libtorrent, node) send none and are let in when allowed.
    allowed_origins: tuple[str, ...] = ()
    allow_no_origin: bool = True
    # Addresses or networks (CIDR) whose X-Forwarded-For is believed: the local front,
    # the load balancer's subnets on AWS.
    trusted_proxies: frozenset[str] = frozenset()
    # Only the swarms of the instance's videos (the server feeds them from its API); off,
    # anyone may make swarms up to the limits.
    known_only: bool = True
    # An unknown swarm's announce refreshes the known swarms first, at most this often.
    refresh_on_miss_seconds: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str], public_url: str, **overrides) -> "TrackerConfig":
        """PEERLESS_TRACKER_* variables; the public URL's origin is always allowed."""
        def number(name: str, default: float) -> float:
            return float(env[name]) if env.get(name) else default

        def words(name: str) -> list[str]:
            return [w.strip() for w in env.get(name, "").split(",") if w.strip()]

        origins = [public_url, *words("PEERLESS_TRACKER_ORIGINS"),
                   *overrides.pop("allowed_origins", ())]
        proxies = {*words("PEERLESS_TRACKER_TRUSTED_PROXIES"),
                   *overrides.pop("trusted_proxies", ())}
        values = dict(
            ws_interval=number("PEERLESS_TRACKER_WS_INTERVAL", cls.ws_interval),
            http_interval=number("PEERLESS_TRACKER_HTTP_INTERVAL", cls.http_interval),
            max_connections_per_ip=int(number("PEERLESS_TRACKER_MAX_CONNECTIONS_PER_IP",
                                              cls.max_connections_per_ip)),
            max_connections=int(number("PEERLESS_TRACKER_MAX_CONNECTIONS",
                                       cls.max_connections)),
            allowed_origins=tuple(o if o == "*" else normalize_origin(o) for o in origins),
            trusted_proxies=frozenset(proxies),
            known_only=env.get("PEERLESS_TRACKER_KNOWN_ONLY", "on").lower()
            not in ("off", "0", "false", "no"),
        )
        values.update(overrides)
        return cls(**values)

    def ttl(self, kind: str) -> float:
        return self.expiry_factor * (self.ws_interval if kind == "ws" else self.http_interval)


class Refused(Exception):
    """A WebSocket connection turned away before its upgrade, with an HTTP status."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class Invalid(Exception):
    """A message the tracker cannot take: its reason goes back as `failure reason`."""


class UnknownSwarm(Exception):
    """An announce of a swarm not (yet) known, with `defer_unknown`: the caller refreshes
    the known swarms, then hands the tracker the same message again (`repeated`)."""

    def __init__(self, info_hash: bytes):
        super().__init__(info_hash.hex())
        self.info_hash = info_hash


@dataclass(eq=False)
class Connection:
    """One WebSocket client as the tracker sees it. `handle` is the server's own object."""
    ip: str
    tokens: float
    refilled: float
    swarms: dict[bytes, bytes] = field(default_factory=dict)  # info hash -> its peer id
    handle: Any = None
    closed: bool = False


@dataclass(eq=False)
class Peer:
    peer_id: bytes
    complete: bool
    seen: float
    conn: Connection | None = None  # WebSocket peers
    ip: str = ""                    # HTTP peers
    port: int = 0


class Swarm:
    """The peers of one info hash (or p2p-media-loader swarm id), oldest announce first."""

    def __init__(self, info_hash: bytes):
        self.info_hash = info_hash
        self.ws: OrderedDict[bytes, Peer] = OrderedDict()             # by peer id
        self.http: OrderedDict[tuple[str, int], Peer] = OrderedDict()  # by address
        self.complete = 0
        self.downloaded = 0

    def __len__(self) -> int:
        return len(self.ws) + len(self.http)

    @property
    def incomplete(self) -> int:
        return len(self) - self.complete

    def counts(self) -> dict[str, int]:
        return {"complete": self.complete, "incomplete": self.incomplete,
                "downloaded": self.downloaded}


@dataclass
class Outcome:
    """What one WebSocket message leads to: messages for connections, and whether the
    sender's connection is to be closed (after what is sent to it)."""
    sends: list[tuple[Connection, dict]] = field(default_factory=list)
    close: str | None = None


class Tracker:
    def __init__(self, config: TrackerConfig = TrackerConfig(),
                 clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None, known: Container[bytes] | None = None):
        """`known`: the swarms announces may be made in; None: any."""
        self.config = config
        self.known = known
        self.clock = clock
        self.rng = rng or random.Random()
        self.swarms: dict[bytes, Swarm] = {}
        self.peers = 0
        self.connections = 0
        self.per_ip: Counter[str] = Counter()
        self.bans: dict[str, float] = {}  # address -> until
        self.counters: Counter[str] = Counter()

    # --- WebSocket connections --------------------------------------------------------

    def connect(self, ip: str, origin: str | None) -> Connection:
        """A new WebSocket client, or Refused."""
        config = self.config
        now = self.clock()
        try:
            if not origin_allowed(origin, config):
                raise Refused(403, "origin not allowed")
            if self.bans.get(ip, 0) > now:
                raise Refused(429, "too many messages: try again later")
            if self.per_ip[ip] >= config.max_connections_per_ip:
                raise Refused(429, "too many connections from your address")
            if self.connections >= config.max_connections:
                raise Refused(503, "the tracker is full")
        except Refused:
            self.counters["refused_connections"] += 1
            raise
        self.connections += 1
        self.per_ip[ip] += 1
        self.counters["connections_opened"] += 1
        return Connection(ip=ip, tokens=config.message_burst, refilled=now)

    def disconnect(self, conn: Connection) -> None:
        """The client is gone: so are its peers, in every swarm it announced in."""
        if conn.closed:
            return
        conn.closed = True
        for info_hash, peer_id in list(conn.swarms.items()):
            swarm = self.swarms.get(info_hash)
            if swarm is not None and (peer := swarm.ws.get(peer_id)) and peer.conn is conn:
                self._remove(swarm, peer)
        conn.swarms.clear()
        self.connections -= 1
        self.per_ip[conn.ip] -= 1
        if self.per_ip[conn.ip] <= 0:
            del self.per_ip[conn.ip]

    def receive(self, conn: Connection, data: str | bytes, *, defer_unknown: bool = False,
                repeated: bool = False) -> Outcome:
        """One message from a WebSocket client. Never raises for what a client sends, but
        UnknownSwarm with `defer_unknown`. `repeated`: the message was deferred before (its
        rate was counted then)."""
        if not repeated:
            self.counters["messages"] += 1
            if not self._take_token(conn):
                self.counters["floods"] += 1
                self._ban(conn.ip)
                return Outcome([(conn, {"failure reason": "too many messages"})],
                               close="too many messages")
        action = None
        info_hash = None
        try:
            if len(data) > self.config.max_message_bytes:
                raise Invalid("message too large")
            if isinstance(data, bytes):
                try:
                    data = data.decode("utf-8")
                except UnicodeDecodeError:
                    raise Invalid("invalid JSON") from None
            try:
                message = json.loads(data)
            except (ValueError, RecursionError):
                raise Invalid("invalid JSON") from None
            if not isinstance(message, dict):
                raise Invalid("a message is a JSON object")
            action = message.get("action")
            if action == "announce":
                info_hash = binary_id(message.get("info_hash"), "info_hash")
                self._check_known(info_hash, defer_unknown)
                return self._announce(conn, info_hash, message)
            if action == "scrape":
                return self._scrape_ws(conn, message)
            raise Invalid(f"invalid action: {str(action)[:40]}")
        except Invalid as error:
            self.counters["errors"] += 1
            reply: dict[str, Any] = {"failure reason": str(error)}
            if action in ("announce", "scrape"):
                reply["action"] = action
            if info_hash is not None:
                reply["info_hash"] = to_wire(info_hash)
            return Outcome([(conn, reply)])

    def _take_token(self, conn: Connection) -> bool:
        now = self.clock()
        config = self.config
        conn.tokens = min(config.message_burst,
                          conn.tokens + (now - conn.refilled) * config.messages_per_second)
        conn.refilled = now
        if conn.tokens < 1:
            return False
        conn.tokens -= 1
        return True

    def _ban(self, ip: str) -> None:
        now = self.clock()
        if len(self.bans) >= self.config.max_bans:
            for banned in [b for b, until in self.bans.items() if until <= now]:
                del self.bans[banned]
            while len(self.bans) >= self.config.max_bans:
                del self.bans[next(iter(self.bans))]
        self.bans.pop(ip, None)
        self.bans[ip] = now + self.config.ban_seconds

    def _announce(self, conn: Connection, info_hash: bytes, message: dict) -> Outcome:
        config = self.config
        peer_id = binary_id(message.get("peer_id"), "peer_id")
        event = parse_event(message.get("event"))
        answer = message.get("answer")
        offers = message.get("offers")
        if answer:
            to_peer_id = binary_id(message.get("to_peer_id"), "to_peer_id")
            offer_id = wire_id(message.get("offer_id"))
            if not isinstance(answer, dict):
                raise Invalid("invalid answer")
        if offers is not None:
            offers = parse_offers(offers)[:config.max_numwant]
        numwant = message.get("numwant")
        if numwant is not None and (type(numwant) not in (int, float)
                                    or not 0 <= numwant < 1e9):
            raise Invalid("invalid numwant")
        left = parse_left(message.get("left"))
        self.counters["announces"] += 1

        # A connection has one peer in a swarm: a new peer id there replaces its old one.
        previous = conn.swarms.get(info_hash)
        if previous is not None and previous != peer_id:
            swarm = self.swarms.get(info_hash)
            if swarm is not None and (old := swarm.ws.get(previous)) and old.conn is conn:
                self._remove(swarm, old)
            conn.swarms.pop(info_hash, None)
        swarm = self.swarms.get(info_hash)
        peer = swarm.ws.get(peer_id) if swarm else None
        if peer is not None and peer.conn is not conn:
            raise Invalid("peer_id in use by another connection")
        if peer is None and event != "stopped":
            if info_hash not in conn.swarms and \
                    len(conn.swarms) >= config.max_swarms_per_connection:
                raise Invalid("too many swarms on this connection")
            swarm = self._swarm_with_room(info_hash, swarm)
            peer = Peer(peer_id=peer_id, complete=False, seen=self.clock(), conn=conn)
            self._add(swarm, swarm.ws, peer_id, peer, complete=left == 0)
            conn.swarms[info_hash] = peer_id
        elif peer is not None:
            self._update(swarm, swarm.ws, peer_id, peer, event, left)

        wire_hash = to_wire(info_hash)
        outcome = Outcome()
        if not answer:
            counts = swarm.counts() if swarm else {"complete": 0, "incomplete": 0}
            outcome.sends.append((conn, {
                "action": "announce", "interval": _seconds(config.ws_interval),
                "info_hash": wire_hash, "complete": counts["complete"],
                "incomplete": counts["incomplete"]}))
        if offers and event != "stopped" and swarm is not None:
            wanted = len(offers) if numwant is None else min(len(offers), int(numwant))
            others = [p for pid, p in swarm.ws.items() if pid != peer_id]
            for offer, other in zip(offers, self.rng.sample(others, min(wanted, len(others)))):
                outcome.sends.append((other.conn, {
                    "action": "announce", "offer": offer["offer"],
                    "offer_id": offer["offer_id"], "peer_id": to_wire(peer_id),
                    "info_hash": wire_hash}))
                self.counters["offers_relayed"] += 1
        if answer:
            target = swarm.ws.get(to_peer_id) if swarm else None
            if target is None or target.conn is None:
                self.counters["answers_undeliverable"] += 1
            else:
                outcome.sends.append((target.conn, {
                    "action": "announce", "answer": answer, "offer_id": offer_id,
                    "peer_id": to_wire(peer_id), "info_hash": wire_hash}))
                self.counters["answers_relayed"] += 1
        return outcome

    def _scrape_ws(self, conn: Connection, message: dict) -> Outcome:
        hashes = message.get("info_hash")
        if isinstance(hashes, str):
            hashes = [hashes]
        if not isinstance(hashes, list) or not hashes:
            raise Invalid("invalid info_hash")
        if len(hashes) > self.config.max_scrape_hashes:
            raise Invalid("too many info_hash in one scrape")
        files = {to_wire(h): c for h, c in self._scrape([binary_id(h, "info_hash")
                                                          for h in hashes]).items()}
        return Outcome([(conn, {"action": "scrape", "files": files, "flags": {
            "min_request_interval": _seconds(self.config.ws_interval)}})])

    def _scrape(self, hashes: list[bytes]) -> dict[bytes, dict[str, int]]:
        self.counters["scrapes"] += 1
        empty = {"complete": 0, "incomplete": 0, "downloaded": 0}
        return {h: (self.swarms[h].counts() if h in self.swarms else dict(empty))
                for h in hashes}

    # --- HTTP tracker (BEP 3, 23, 48) -------------------------------------------------

    def http_announce(self, query: str, ip: str, *, defer_unknown: bool = False,
                      repeated: bool = False) -> dict:
        """The bencodable answer to `GET /announce?<query>` from `ip` (UnknownSwarm and
        `repeated` as for `receive`)."""
        config = self.config
        if not repeated:
            self.counters["http_announces"] += 1
        try:
            params = parse_query(query)
            info_hash = _one_binary(params, "info_hash")
            self._check_known(info_hash, defer_unknown)
            peer_id = _one_binary(params, "peer_id")
            port = _int_param(params, "port")
            if port is None or not 0 < port < 65536:
                raise Invalid("invalid port")
            event = parse_event(_text(params, "event"))
            left = parse_left(_text(params, "left"))
            numwant = _int_param(params, "numwant")
            numwant = min(config.max_numwant, 50 if numwant is None else max(0, numwant))
            compact = _text(params, "compact") == "1"
            ip = normalize_ip(ip)
            swarm = self.swarms.get(info_hash)
            key = (ip, port)
            peer = swarm.http.get(key) if swarm else None
            if peer is None and event != "stopped":
                swarm = self._swarm_with_room(info_hash, swarm)
                peer = Peer(peer_id=peer_id, complete=False, seen=self.clock(), ip=ip,
                            port=port)
                self._add(swarm, swarm.http, key, peer, complete=left == 0)
            elif peer is not None:
                peer.peer_id = peer_id
                self._update(swarm, swarm.http, key, peer, event, left)
        except Invalid as error:
            self.counters["errors"] += 1
            return {"failure reason": str(error)}
        others = [p for k, p in swarm.http.items() if k != key] if swarm else []
        chosen = self.rng.sample(others, min(numwant, len(others)))
        counts = swarm.counts() if swarm else {"complete": 0, "incomplete": 0}
        response: dict[str, Any] = {
            "interval": _seconds(config.http_interval),
            "min interval": _seconds(config.http_interval / 2),
            "complete": counts["complete"], "incomplete": counts["incomplete"]}
        if compact:
            response["peers"] = b"".join(compact_peer(p.ip, p.port) for p in chosen
                                         if ":" not in p.ip)
            response["peers6"] = b"".join(compact_peer(p.ip, p.port) for p in chosen
                                          if ":" in p.ip)
        else:
            response["peers"] = [{"peer id": p.peer_id, "ip": p.ip, "port": p.port}
                                 for p in chosen]
        return response

    def http_scrape(self, query: str) -> dict:
        try:
            params = parse_query(query)
            hashes = params.get("info_hash", [])
            if not hashes:
                raise Invalid("scrape needs info_hash")
            if len(hashes) > self.config.max_scrape_hashes:
                raise Invalid("too many info_hash in one scrape")
            for value in hashes:
                if len(value) != 20:
                    raise Invalid("invalid info_hash")
        except Invalid as error:
            self.counters["errors"] += 1
            return {"failure reason": str(error)}
        self.counters["http_scrapes"] += 1
        return {"files": self._scrape(hashes),
                "flags": {"min_request_interval": _seconds(self.config.http_interval)}}

    # --- swarms -----------------------------------------------------------------------

    def _check_known(self, info_hash: bytes, defer: bool) -> None:
        if self.known is None or info_hash in self.known:
            return
        if defer:
            raise UnknownSwarm(info_hash)
        self.counters["refused_unknown"] += 1
        raise Invalid("unknown info_hash: not a video of this instance")

    def _swarm_with_room(self, info_hash: bytes, swarm: Swarm | None) -> Swarm:
        """The swarm a new peer joins, made if need be, or Invalid when a limit is met."""
        config = self.config
        if swarm is None:
            if len(self.swarms) >= config.max_swarms:
                self.expire()
                if len(self.swarms) >= config.max_swarms:
                    raise Invalid("the tracker has too many swarms")
            swarm = self.swarms[info_hash] = Swarm(info_hash)
        elif len(swarm) >= config.max_peers_per_swarm:
            self._expire_swarm(swarm, self.clock())
            if len(swarm) >= config.max_peers_per_swarm:
                raise Invalid("the swarm is full")
        if self.peers >= config.max_peers:
            self.expire()
            if self.peers >= config.max_peers:
                self._drop_if_empty(swarm)
                raise Invalid("the tracker is full")
        # Expiring may have emptied, hence dropped, the swarm: the new peer brings it back.
        self.swarms.setdefault(info_hash, swarm)
        return swarm

    def _add(self, swarm: Swarm, table: OrderedDict, key, peer: Peer, complete: bool) -> None:
        table[key] = peer
        self.peers += 1
        if complete:
            peer.complete = True
            swarm.complete += 1

    def _update(self, swarm: Swarm, table: OrderedDict, key, peer: Peer, event: str,
                left: float) -> None:
        if event == "stopped":
            self._remove(swarm, peer)
            return
        if not peer.complete and (event == "completed" or left == 0):
            peer.complete = True
            swarm.complete += 1
            swarm.downloaded += 1
        peer.seen = self.clock()
        table.move_to_end(key)

    def _remove(self, swarm: Swarm, peer: Peer) -> None:
        if peer.conn is not None:
            removed = swarm.ws.pop(peer.peer_id, None)
        else:
            removed = swarm.http.pop((peer.ip, peer.port), None)
        if removed is None:
            return
        if peer.conn is not None and peer.conn.swarms.get(swarm.info_hash) == peer.peer_id:
            del peer.conn.swarms[swarm.info_hash]
        self.peers -= 1
        if peer.complete:
            swarm.complete -= 1
        self._drop_if_empty(swarm)

    def _drop_if_empty(self, swarm: Swarm) -> None:
        if not swarm and self.swarms.get(swarm.info_hash) is swarm:
            del self.swarms[swarm.info_hash]

    def expire(self) -> int:
        """Drops the peers that stopped announcing; returns how many."""
        now = self.clock()
        dropped = 0
        for swarm in list(self.swarms.values()):
            dropped += self._expire_swarm(swarm, now)
        for ip in [ip for ip, until in self.bans.items() if until <= now]:
            del self.bans[ip]
        return dropped

    def _expire_swarm(self, swarm: Swarm, now: float) -> int:
        dropped = 0
        for kind, table in (("ws", swarm.ws), ("http", swarm.http)):
            deadline = now - self.config.ttl(kind)
            while table:
                peer = next(iter(table.values()))
                if peer.seen > deadline:
                    break
                self._remove(swarm, peer)
                dropped += 1
        self.counters["expired_peers"] += dropped
        return dropped

    def metrics(self) -> dict[str, Any]:
        seeders = sum(s.complete for s in self.swarms.values())
        return {
            "swarms": len(self.swarms), "peers": self.peers, "seeders": seeders,
            "leechers": self.peers - seeders,
            "websocket_peers": sum(len(s.ws) for s in self.swarms.values()),
            "connections": self.connections, "banned_addresses": len(self.bans),
            "relayed": {"offers": self.counters["offers_relayed"],
                        "answers": self.counters["answers_relayed"]},
            **{name: self.counters[name] for name in (
                "messages", "announces", "scrapes", "http_announces", "http_scrapes",
                "errors", "floods", "refused_connections", "expired_peers",
                "answers_undeliverable", "connections_opened", "refused_unknown")},
            "known_swarms": None if self.known is None else len(self.known),
        }


# --- the wire -----------------------------------------------------------------------

def binary_id(value: Any, name: str) -> bytes:
    """A 20-byte id as the WebSocket protocol carries it: 20 code points, each < 256."""
    if isinstance(value, str) and len(value) == 20:
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError:
            pass
    raise Invalid(f"invalid {name}")


def to_wire(value: bytes) -> str:
    return value.decode("latin-1")


def wire_id(value: Any) -> str:
    if isinstance(value, str) and len(value) <= MAX_ID_CHARS:
        return value
    raise Invalid("invalid offer_id")


def parse_offers(offers: Any) -> list[dict]:
    if not isinstance(offers, list):
        raise Invalid("invalid offers")
    parsed = []
    for item in offers:
        if not isinstance(item, dict) or not isinstance(item.get("offer"), dict):
            raise Invalid("invalid offers")
        parsed.append({"offer": item["offer"], "offer_id": wire_id(item.get("offer_id"))})
    return parsed


def parse_event(value: Any) -> str:
    if isinstance(value, str) or value is None:
        if value in EVENTS:
            return EVENTS[value]
    raise Invalid("invalid event")


def parse_left(value: Any) -> float:
    """bittorrent-tracker's Number(left), NaN as infinity: unknown means not complete."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    return float("inf")


def parse_query(query: str) -> dict[str, list[bytes]]:
    """A tracker query string: values are percent-encoded bytes (binary ids)."""
    params: dict[str, list[bytes]] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, encoding="latin-1",
                          errors="strict", max_num_fields=64)
    except ValueError:
        raise Invalid("invalid query") from None
    for name, value in pairs:
        params.setdefault(name, []).append(value.encode("latin-1"))
    return params


def _one_binary(params: dict[str, list[bytes]], name: str) -> bytes:
    values = params.get(name, [])
    if len(values) != 1 or len(values[0]) != 20:
        raise Invalid(f"invalid {name}")
    return values[0]


def _text(params: dict[str, list[bytes]], name: str) -> str | None:
    values = params.get(name)
    return values[0].decode("latin-1") if values else None


def _int_param(params: dict[str, list[bytes]], name: str) -> int | None:
    text = _text(params, name)
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise Invalid(f"invalid {name}") from None


def normalize_ip(ip: str) -> str:
    """The address as peers dial it: an IPv4-mapped IPv6 address is written as IPv4."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(address)


def compact_peer(ip: str, port: int) -> bytes:
    """BEP 23's 6 bytes (IPv4) or BEP 7's 18 bytes (IPv6): address, then port."""
    return ipaddress.ip_address(ip).packed + struct.pack(">H", port)


def client_ip(remote: str | None, forwarded_for: str | None,
              trusted_proxies: frozenset[str]) -> str:
    """Who is asking: the connection's address, or, behind a trusted proxy, the nearest
    address in X-Forwarded-For that is not itself a trusted proxy."""
    ip = normalize_ip(remote or "")
    if forwarded_for and _trusted(ip, trusted_proxies):
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            hop = normalize_ip(hop)
            if not _trusted(hop, trusted_proxies):
                return hop
    return ip


def _trusted(ip: str, proxies: frozenset[str]) -> bool:
    if ip in proxies:
        return True
    networks = [p for p in proxies if "/" in p]
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for network in networks:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def normalize_origin(url: str) -> str:
    """scheme://host[:port] as browsers write an Origin: lower case, no default port."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return url.strip().lower()
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def origin_allowed(origin: str | None, config: TrackerConfig) -> bool:
    if origin is None or origin == "":
        return config.allow_no_origin
    return "*" in config.allowed_origins or normalize_origin(origin) in config.allowed_origins


def _seconds(value: float) -> int:
    return max(1, int(round(value)))


# --- bencode (BEP 3): peerless.media.torrents writes it; this reads it, for tests and tools --

def bdecode(data: bytes) -> Any:
    """The inverse, for tests and tools: byte strings stay bytes."""
    def parse(i: int) -> tuple[Any, int]:
        kind = data[i:i + 1]
        if kind == b"i":
            end = data.index(b"e", i)
            return int(data[i + 1:end]), end + 1
        if kind == b"l":
            items, i = [], i + 1
            while data[i:i + 1] != b"e":
                item, i = parse(i)
                items.append(item)
            return items, i + 1
        if kind == b"d":
            result, i = {}, i + 1
            while data[i:i + 1] != b"e":
                key, i = parse(i)
                result[key], i = parse(i)
            return result, i + 1
        colon = data.index(b":", i)
        length = int(data[i:colon])
        return data[colon + 1:colon + 1 + length], colon + 1 + length

    value, end = parse(0)
    if end != len(data):
        raise ValueError("trailing data")
    return value
