"""Signature checks per second on this machine, one core: the CPU floor under the inbox.

Verifies, in timed loops:
    HTTP signature      Mastodon's real Create (2,815 bytes): Digest, Date, RSA-2048 check
    RsaSignature2017    the same activity's Linked Data signature (three URDNA2015, RSA)
and signs the same (what delivery pays per activity), then prints operations per second
and the cost of one: the median of a few rounds, as other work on the machine skews any one.
Issue 7 aims at >= 300 signed activities/s accepted by the inbox.

    .venv/bin/python bench/signatures.py [--seconds 1] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from email.utils import parsedate_to_datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from peerless.federation import http_signatures, ld_signatures  # noqa: E402
from tests.conftest import CONFORMANCE  # noqa: E402
from tests.unit.federation.conftest import mastodon_body  # noqa: E402


def rate(name: str, operation, seconds: float, rounds: int) -> None:
    operation()  # warm: contexts parsed, keys loaded
    rates = []
    for _ in range(rounds):
        count, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            operation()
            count += 1
        rates.append(count / elapsed)
    per_second = statistics.median(rates)
    print(f"{name:<34} {per_second:>9,.0f} /s   {1000 / per_second:7.3f} ms each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measure")
    args = parser.parse_args()
    seconds, rounds = args.seconds, args.rounds

    folder = CONFORMANCE / "activitypub"
    request = json.loads((folder / "mastodon-create-note-request.json").read_text())
    public_pem = json.loads((folder / "mastodon-actor-public-key.json").read_text())["publicKey"]
    vectors = json.loads((folder / "mastodon-http-signature-vectors.json").read_text())
    private_key = serialization.load_pem_private_key(vectors["private_key_pem"].encode(),
                                                     password=None)
    body = mastodon_body(request["body"])
    now = parsedate_to_datetime(request["headers"]["date"]).timestamp()
    # A cached actor key: what the inbox has in hand for a known sender.
    public_key = serialization.load_pem_public_key(public_pem.encode())
    activity = request["body"]
    unsigned = {name: value for name, value in activity.items() if name != "signature"}

    started = time.perf_counter()
    ld_signatures.verify_ld(activity, public_key)
    print(f"first RsaSignature2017 check (contexts loaded and processed): "
          f"{(time.perf_counter() - started) * 1000:.1f} ms")
    rate("verify HTTP signature", lambda: http_signatures.verify(
        "POST", request["path"], request["headers"], body, lambda key_id: public_key,
        now=now), seconds, rounds)
    rate("verify HTTP signature (PEM key)", lambda: http_signatures.verify(
        "POST", request["path"], request["headers"], body, lambda key_id: public_pem,
        now=now), seconds, rounds)
    rate("verify RsaSignature2017", lambda: ld_signatures.verify_ld(activity, public_key),
         seconds, rounds)
    rate("sign HTTP signature (POST)", lambda: http_signatures.sign(
        "POST", "https://mastodon.example/inbox", {}, vectors["keyId"], private_key,
        body=body), seconds, rounds)
    rate("sign RsaSignature2017", lambda: ld_signatures.sign_ld(
        unsigned, private_key, vectors["keyId"]), seconds, rounds)


if __name__ == "__main__":
    main()
