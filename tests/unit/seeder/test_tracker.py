"""The tracker's protocol and swarm state, without sockets: a fake clock, fake connections."""
import json
import random
from urllib.parse import quote_from_bytes

import pytest

from peerless.media.torrents import bencode
from peerless_seeder.tracker import (Refused, Tracker, TrackerConfig, bdecode,
                                     client_ip, normalize_origin, origin_allowed)

HASH = bytes(range(200, 220))   # code points over 127: the latin-1 road matters
OTHER_HASH = b"b" * 20
OFFER = {"type": "offer", "sdp": "v=0\r\n"}
ANSWER = {"type": "answer", "sdp": "v=0\r\n"}


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def wire(value: bytes) -> str:
    return value.decode("latin-1")


def pid(n: int) -> bytes:
    return b"-PL0001-%012d" % n


@pytest.fixture
def clock():
    return Clock()


def make(clock, **config) -> Tracker:
    return Tracker(TrackerConfig(**config), clock=clock, rng=random.Random(7))


def announce(tracker, conn, peer_id, info_hash=HASH, **fields):
    message = {"action": "announce", "info_hash": wire(info_hash), "peer_id": wire(peer_id),
               **fields}
    return tracker.receive(conn, json.dumps(message))


def offers(n: int, prefix: str = "o") -> list[dict]:
    return [{"offer": OFFER, "offer_id": f"{prefix}{i:019d}"} for i in range(n)]


def to(outcome, conn):
    return [payload for target, payload in outcome.sends if target is conn]


def test_announce_counts_and_relays_offers_and_answers(clock):
    tracker = make(clock)
    a, b = tracker.connect("10.0.0.1", None), tracker.connect("10.0.0.2", None)
    first = announce(tracker, a, pid(1), event="started", left=100, numwant=5,
                     offers=offers(5))
    assert to(first, a) == [{"action": "announce", "interval": 120, "info_hash": wire(HASH),
                             "complete": 0, "incomplete": 1}]
    assert len(first.sends) == 1  # nobody else to offer to

    second = announce(tracker, b, pid(2), event="started", left=0, numwant=2,
                      offers=offers(2, "x"))
    assert to(second, b)[0]["complete"] == 1 and to(second, b)[0]["incomplete"] == 1
    relayed = to(second, a)
    assert relayed == [{"action": "announce", "offer": OFFER, "offer_id": "x" + "0" * 19,
                        "peer_id": wire(pid(2)), "info_hash": wire(HASH)}]

    answer = announce(tracker, a, pid(1), answer=ANSWER, offer_id="x" + "0" * 19,
                      to_peer_id=wire(pid(2)))
    assert answer.sends == [(b, {"action": "announce", "answer": ANSWER,
                                 "offer_id": "x" + "0" * 19, "peer_id": wire(pid(1)),
                                 "info_hash": wire(HASH)})]
    metrics = tracker.metrics()
    assert metrics["relayed"] == {"offers": 1, "answers": 1}
    assert (metrics["swarms"], metrics["peers"], metrics["seeders"]) == (1, 2, 1)


def test_completed_and_stopped(clock):
    tracker = make(clock)
    a, b = tracker.connect("10.0.0.1", None), tracker.connect("10.0.0.2", None)
    announce(tracker, a, pid(1), event="started", left=10)
    announce(tracker, b, pid(2), event="started", left=10)
    done = announce(tracker, a, pid(1), event="completed", left=0)
    assert to(done, a)[0]["complete"] == 1 and to(done, a)[0]["incomplete"] == 1
    # An update with left=0 completes too, once.
    announce(tracker, b, pid(2), left=0)
    announce(tracker, b, pid(2), event="completed", left=0)
    scrape = tracker.receive(a, json.dumps({"action": "scrape", "info_hash": [wire(HASH)]}))
    assert to(scrape, a)[0]["files"] == {wire(HASH): {"complete": 2, "incomplete": 0,
                                                      "downloaded": 2}}
    stopped = announce(tracker, a, pid(1), event="stopped")
    assert to(stopped, a)[0]["complete"] == 1
    assert HASH not in a.swarms
    announce(tracker, b, pid(2), event="stopped")
    assert tracker.swarms == {} and tracker.peers == 0


def test_numwant_caps_relayed_offers(clock):
    tracker = make(clock, max_numwant=3)
    conns = [tracker.connect(f"10.0.0.{i}", None) for i in range(10)]
    for i, conn in enumerate(conns[1:], 1):
        announce(tracker, conn, pid(i), event="started")
    outcome = announce(tracker, conns[0], pid(0), event="started", numwant=2,
                       offers=offers(5))
    assert len([s for s in outcome.sends if s[0] is not conns[0]]) == 2
    outcome = announce(tracker, conns[0], pid(0), offers=offers(8))
    targets = [s[0] for s in outcome.sends if s[0] is not conns[0]]
    assert len(targets) == 3 and len(set(map(id, targets))) == 3  # distinct peers
    # Never to itself.
    assert conns[0] not in targets


def test_disconnect_removes_the_connections_peers(clock):
    tracker = make(clock)
    a, b = tracker.connect("10.0.0.1", None), tracker.connect("10.0.0.2", None)
    announce(tracker, a, pid(1), event="started")
    announce(tracker, a, pid(1), info_hash=OTHER_HASH, event="started")
    announce(tracker, b, pid(2), event="started")
    tracker.disconnect(a)
    assert tracker.peers == 1 and list(tracker.swarms) == [HASH]
    assert tracker.metrics()["connections"] == 1


def test_a_peer_id_belongs_to_its_connection(clock):
    tracker = make(clock)
    a, b = tracker.connect("10.0.0.1", None), tracker.connect("10.0.0.2", None)
    announce(tracker, a, pid(1), event="started")
    stolen = announce(tracker, b, pid(1), event="stopped")
    assert to(stolen, b)[0]["failure reason"] == "peer_id in use by another connection"
    assert tracker.peers == 1
    # The same connection announcing a new peer id replaces its old peer.
    announce(tracker, a, pid(9), event="started")
    assert list(tracker.swarms[HASH].ws) == [pid(9)] and tracker.peers == 1


@pytest.mark.parametrize("data, reason", [
    ("not json", "invalid JSON"),
    (b"\xff\xfe", "invalid JSON"),
    ("[1, 2]", "a message is a JSON object"),
    ("[" * 10_000 + "]" * 10_000, "message too large"),
    ("[" * 5_000 + "]" * 5_000, "invalid JSON"),  # nested deeper than the parser goes
    (json.dumps({"action": "announce", "peer_id": wire(pid(1))}), "invalid info_hash"),
    (json.dumps({"action": "announce", "info_hash": "short", "peer_id": wire(pid(1))}),
     "invalid info_hash"),
    (json.dumps({"action": "announce", "info_hash": "\u0100" * 20, "peer_id": wire(pid(1))}),
     "invalid info_hash"),
    (json.dumps({"action": "announce", "info_hash": 12, "peer_id": wire(pid(1))}),
     "invalid info_hash"),
    (json.dumps({"action": "announce", "info_hash": wire(HASH), "peer_id": None}),
     "invalid peer_id"),
    (json.dumps({"action": "announce", "info_hash": wire(HASH), "peer_id": wire(pid(1)),
                 "event": "exploded"}), "invalid event"),
    (json.dumps({"action": "announce", "info_hash": wire(HASH), "peer_id": wire(pid(1)),
                 "offers": "many"}), "invalid offers"),
    (json.dumps({"action": "announce", "info_hash": wire(HASH), "peer_id": wire(pid(1)),
                 "offers": [{"offer": OFFER, "offer_id": 5}]}), "invalid offer_id"),
    (json.dumps({"action": "announce", "info_hash": wire(HASH), "peer_id": wire(pid(1)),
                 "numwant": "all"}), "invalid numwant"),
    ('{"action": "announce", "info_hash": "%s", "peer_id": "%s", "numwant": Infinity}'
     % ("a" * 20, "b" * 20), "invalid numwant"),
    (json.dumps({"action": "announce", "info_hash": wire(HASH), "peer_id": wire(pid(1)),
                 "answer": ANSWER, "offer_id": "x"}), "invalid to_peer_id"),
    (json.dumps({"action": "scrape", "info_hash": ["nope"]}), "invalid info_hash"),
    (json.dumps({"action": "scrape"}), "invalid info_hash"),
    (json.dumps({"action": "hello"}), "invalid action: hello"),
    (json.dumps({"action": ["announce"]}), "invalid action: ['announce']"),
])
def test_malformed_messages_get_a_failure_reason(clock, data, reason):
    tracker = make(clock, max_message_bytes=16 * 1024)
    conn = tracker.connect("10.0.0.1", None)
    outcome = tracker.receive(conn, data)
    assert outcome.close is None
    [(target, payload)] = outcome.sends
    assert target is conn and payload["failure reason"].startswith(reason)
    assert tracker.peers == 0 and tracker.metrics()["errors"] == 1


def test_a_flood_closes_the_connection_and_bans_its_address(clock):
    tracker = make(clock, message_burst=5, messages_per_second=1, ban_seconds=30)
    flooder, calm = tracker.connect("10.0.0.1", None), tracker.connect("10.0.0.2", None)
    for _ in range(5):
        assert tracker.receive(flooder, "{}").close is None
    outcome = tracker.receive(flooder, "{}")
    assert outcome.close == "too many messages"
    assert outcome.sends == [(flooder, {"failure reason": "too many messages"})]
    assert tracker.receive(calm, "{}").close is None
    with pytest.raises(Refused) as refused:
        tracker.connect("10.0.0.1", None)
    assert refused.value.status == 429
    clock.now += 31
    tracker.connect("10.0.0.1", None)
    # Tokens come back with time: a steady client is never cut off.
    for _ in range(20):
        clock.now += 1
        assert tracker.receive(calm, "{}").close is None


def test_connection_limits(clock):
    tracker = make(clock, max_connections_per_ip=2, max_connections=3)
    first = tracker.connect("10.0.0.1", None)
    tracker.connect("10.0.0.1", None)
    with pytest.raises(Refused, match="too many connections"):
        tracker.connect("10.0.0.1", None)
    tracker.connect("10.0.0.2", None)
    with pytest.raises(Refused, match="full") as refused:
        tracker.connect("10.0.0.3", None)
    assert refused.value.status == 503
    tracker.disconnect(first)
    tracker.disconnect(first)  # twice is harmless
    tracker.connect("10.0.0.1", None)
    assert tracker.metrics()["refused_connections"] == 2


def test_origins():
    config = TrackerConfig(allowed_origins=(normalize_origin("https://Video.Example:443/"),
                                            normalize_origin("http://localhost:9000")))
    assert origin_allowed("https://video.example", config)
    assert origin_allowed("http://localhost:9000", config)
    assert not origin_allowed("http://localhost:9001", config)
    assert not origin_allowed("https://evil.example", config)
    assert not origin_allowed("null", config)
    assert origin_allowed(None, config)
    assert not origin_allowed(None, TrackerConfig(allow_no_origin=False))
    assert origin_allowed("https://anything.example", TrackerConfig(allowed_origins=("*",)))
    tracker = Tracker(config)
    with pytest.raises(Refused) as refused:
        tracker.connect("10.0.0.1", "https://evil.example")
    assert refused.value.status == 403


def test_config_from_env():
    config = TrackerConfig.from_env({"PEERLESS_TRACKER_ORIGINS": "https://a.example, *x",
                                     "PEERLESS_TRACKER_WS_INTERVAL": "30",
                                     "PEERLESS_TRACKER_TRUSTED_PROXIES": "127.0.0.1"},
                                    public_url="http://localhost:9000",
                                    max_peers_per_swarm=5)
    assert config.allowed_origins[:2] == ("http://localhost:9000", "https://a.example")
    assert config.ws_interval == 30 and config.max_peers_per_swarm == 5
    assert config.trusted_proxies == {"127.0.0.1"}


def test_client_ip_believes_only_trusted_proxies():
    trusted = frozenset({"127.0.0.1"})
    assert client_ip("127.0.0.1", "198.18.0.7", trusted) == "198.18.0.7"
    assert client_ip("127.0.0.1", "6.6.6.6, 198.18.0.7", trusted) == "198.18.0.7"
    assert client_ip("198.18.0.9", "6.6.6.6", trusted) == "198.18.0.9"
    assert client_ip("::ffff:10.1.2.3", None, trusted) == "10.1.2.3"
    subnets = frozenset({"10.0.0.0/16"})
    assert client_ip("10.0.3.4", "198.18.0.7, 10.0.9.9", subnets) == "198.18.0.7"
    assert client_ip("10.1.3.4", "198.18.0.7", subnets) == "10.1.3.4"


def test_expiry(clock):
    tracker = make(clock, ws_interval=10, http_interval=100)
    a, b = tracker.connect("10.0.0.1", None), tracker.connect("10.0.0.2", None)
    announce(tracker, a, pid(1), event="started")
    announce(tracker, b, pid(2), event="started")
    tracker.http_announce(query(HASH, pid(3), port=6881), "10.0.0.3")
    clock.now += 15
    announce(tracker, b, pid(2))  # b keeps announcing, a is silent
    clock.now += 10
    assert tracker.expire() == 1
    assert list(tracker.swarms[HASH].ws) == [pid(2)] and HASH not in a.swarms
    assert len(tracker.swarms[HASH].http) == 1  # its interval is longer
    clock.now += 200
    assert tracker.expire() == 2 and tracker.swarms == {} and tracker.peers == 0
    # An expired peer that announces again is simply back.
    announce(tracker, a, pid(1))
    assert tracker.peers == 1


def test_limits_on_swarms_and_peers(clock):
    tracker = make(clock, max_peers_per_swarm=2, max_swarms=2, max_peers=3,
                   max_swarms_per_connection=2)
    conns = [tracker.connect(f"10.0.0.{i}", None) for i in range(5)]
    announce(tracker, conns[0], pid(0), event="started")
    announce(tracker, conns[1], pid(1), event="started")
    full = announce(tracker, conns[2], pid(2), event="started")
    assert to(full, conns[2])[0]["failure reason"] == "the swarm is full"
    announce(tracker, conns[2], pid(2), info_hash=OTHER_HASH, event="started")
    too_many = announce(tracker, conns[3], pid(3), info_hash=b"c" * 20, event="started")
    assert to(too_many, conns[3])[0]["failure reason"] == "the tracker has too many swarms"
    tracker.disconnect(conns[0])
    announce(tracker, conns[3], pid(3), info_hash=OTHER_HASH, event="started")
    no_room = announce(tracker, conns[4], pid(4), event="started")
    assert to(no_room, conns[4])[0]["failure reason"] == "the tracker is full"
    # A full swarm takes a newcomer once a silent peer has expired.
    clock.now += 1000
    announce(tracker, conns[4], pid(4), event="started")
    assert tracker.peers == 1
    per_conn = make(clock, max_swarms_per_connection=2)
    conn = per_conn.connect("10.0.0.1", None)
    for i in range(2):
        announce(per_conn, conn, pid(1), info_hash=bytes([i]) * 20, event="started")
    third = announce(per_conn, conn, pid(1), info_hash=b"z" * 20, event="started")
    assert to(third, conn)[0]["failure reason"] == "too many swarms on this connection"


def test_answer_to_an_unknown_peer_is_dropped(clock):
    tracker = make(clock)
    a = tracker.connect("10.0.0.1", None)
    outcome = announce(tracker, a, pid(1), answer=ANSWER, offer_id="o" * 20,
                       to_peer_id=wire(pid(2)))
    assert outcome.sends == []
    assert tracker.metrics()["answers_undeliverable"] == 1


# --- HTTP ---------------------------------------------------------------------------

def query(info_hash=HASH, peer_id=pid(1), **params) -> str:
    fields = {"info_hash": info_hash, "peer_id": peer_id, "uploaded": 0, "downloaded": 0,
              "left": 100, **params}
    return "&".join(f"{k}={quote_from_bytes(v) if isinstance(v, bytes) else v}"
                    for k, v in fields.items())


def test_http_announce_compact_and_full(clock):
    tracker = make(clock)
    first = tracker.http_announce(query(peer_id=pid(1), port=6881, event="started",
                                        compact=1), "10.0.0.1")
    assert first["peers"] == b"" and first["incomplete"] == 1 and first["interval"] == 1800
    second = tracker.http_announce(query(peer_id=pid(2), port=51413, left=0,
                                         event="started", compact=1), "::ffff:10.0.0.2")
    assert second["peers"] == bytes([10, 0, 0, 1]) + (6881).to_bytes(2, "big")
    assert (second["complete"], second["incomplete"]) == (1, 1)
    tracker.http_announce(query(peer_id=pid(3), port=7000, event="started"), "2001:db8::1")
    full = tracker.http_announce(query(peer_id=pid(1), port=6881), "10.0.0.1")
    assert sorted(full["peers"], key=lambda p: p["port"]) == [
        {"peer id": pid(3), "ip": "2001:db8::1", "port": 7000},
        {"peer id": pid(2), "ip": "10.0.0.2", "port": 51413}]
    compact = tracker.http_announce(query(peer_id=pid(1), port=6881, compact=1), "10.0.0.1")
    assert len(compact["peers"]) == 6 and len(compact["peers6"]) == 18
    limited = tracker.http_announce(query(peer_id=pid(1), port=6881, numwant=1), "10.0.0.1")
    assert len(limited["peers"]) == 1
    gone = tracker.http_announce(query(peer_id=pid(2), port=51413, event="stopped"),
                                 "10.0.0.2")
    assert gone["complete"] == 0
    # HTTP and WebSocket peers share the counts, not the peer lists.
    conn = tracker.connect("10.0.0.9", None)
    ws = announce(tracker, conn, pid(9), event="started", offers=offers(3))
    assert [t for t, _ in ws.sends] == [conn] and to(ws, conn)[0]["incomplete"] == 3


@pytest.mark.parametrize("raw, reason", [
    ("peer_id=%s&port=1" % quote_from_bytes(pid(1)), "invalid info_hash"),
    (query(info_hash=b"short", port=1), "invalid info_hash"),
    (query(info_hash=HASH, port=1) + "&info_hash=" + quote_from_bytes(HASH), "invalid info_hash"),
    (query(peer_id=b"x", port=1), "invalid peer_id"),
    (query(), "invalid port"),
    (query(port=70000), "invalid port"),
    (query(port="http"), "invalid port"),
    (query(port=1, event="boom"), "invalid event"),
    (query(port=1, numwant="lots"), "invalid numwant"),
])
def test_http_announce_failures(clock, raw, reason):
    tracker = make(clock)
    assert tracker.http_announce(raw, "10.0.0.1") == {"failure reason": reason}
    assert tracker.peers == 0


def test_http_scrape(clock):
    tracker = make(clock)
    tracker.http_announce(query(port=1, left=0), "10.0.0.1")
    scraped = tracker.http_scrape("info_hash=%s&info_hash=%s" % (
        quote_from_bytes(HASH), quote_from_bytes(OTHER_HASH)))
    assert scraped["files"] == {HASH: {"complete": 1, "incomplete": 0, "downloaded": 0},
                                OTHER_HASH: {"complete": 0, "incomplete": 0, "downloaded": 0}}
    assert tracker.http_scrape("") == {"failure reason": "scrape needs info_hash"}
    assert tracker.http_scrape("info_hash=abc") == {"failure reason": "invalid info_hash"}
    # Binary keys survive bencoding.
    assert bdecode(bencode(scraped))[b"files"][HASH][b"complete"] == 1


def test_bencode_round_trip():
    value = {"interval": 1800, b"\xff\x00": [b"a", "b", -3], "peers": b"\x00" * 6}
    encoded = bencode(value)
    assert encoded.startswith(b"d8:intervali1800e5:peers6:")
    assert bdecode(encoded) == {b"interval": 1800, b"\xff\x00": [b"a", b"b", -3],
                                b"peers": b"\x00" * 6}
    with pytest.raises(TypeError):
        bencode(True)
