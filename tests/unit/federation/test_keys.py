"""Actor keys: one RSA 2048 pair per actor whoever makes it first, the private key sealed
at rest by either key store, and a signature made with it verifies with the published key."""
import base64
import stat
import threading

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from peerless.federation import keys
from peerless.settings import settings


def _forget_cached() -> None:
    settings.cache_clear()
    for cached in (keys.public_key_pem, keys.private_key, keys._key_file):
        cached.cache_clear()


@pytest.fixture
def use(aws, tmp_path, monkeypatch):
    """Keys in a fresh table, sealed by the store the environment names (the local one,
    its key file in this test's data dir, unless changed); nothing cached across tests."""
    def change(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        _forget_cached()
    change(PEERLESS_KEY_STORE="local", PEERLESS_KEY_FILE=str(tmp_path / "data" / "k.key"))
    yield change
    monkeypatch.undo()
    _forget_cached()


def raw_item(actor: str) -> dict:
    """The item as DynamoDB holds it, behind pynamodb's back."""
    pk, sk = keys.ActorKey.key(actor)
    return boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=settings().table, Key={"pk": {"S": pk}, "sk": {"S": sk}})["Item"]


def verifies(public_pem: str, signature: bytes, data: bytes) -> bool:
    key = serialization.load_pem_public_key(public_pem.encode())
    try:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def sign(actor: str, data: bytes) -> bytes:
    return keys.private_key(actor).sign(data, padding.PKCS1v15(), hashes.SHA256())


def test_an_actor_gets_one_rsa_2048_pair_and_keeps_it(use):
    pem = keys.public_key_pem("Alice")
    public = serialization.load_pem_public_key(pem.encode())
    assert public.key_size == 2048 and pem.startswith("-----BEGIN PUBLIC KEY-----")
    _forget_cached()
    assert keys.public_key_pem("alice") == pem
    assert keys.private_key("alice").key_size == 2048


def test_a_creator_that_lost_the_race_takes_the_winners_pair(use, monkeypatch):
    winner = keys.stored("carol")
    # The loser read before the winner wrote: it saw no pair and made its own.
    monkeypatch.setattr(keys, "get_or_none", lambda *args, **kwargs: None)
    loser = keys.stored("carol")
    assert loser.public_key_pem == winner.public_key_pem
    assert loser.sealed_private_key == winner.sealed_private_key


def test_the_private_key_is_never_stored_in_clear(use):
    pem = keys.public_key_pem("dora")
    private = keys.private_key("dora")
    der = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    clear_pem = private.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode()
    item = raw_item("dora")
    assert item["public_key_pem"]["S"] == pem
    stored = b"".join(value.get("B", b"") or value.get("S", "").encode()
                      for value in item.values())
    assert b"PRIVATE KEY" not in stored
    assert der not in stored and der[-64:] not in stored
    # Nor any line of the private PEM's base64, under another encoding.
    body = "".join(clear_pem.splitlines()[1:-1])
    assert body[100:164].encode() not in stored
    assert base64.b64decode(body)[-64:] not in stored


def test_a_signature_made_with_the_private_key_verifies_with_the_published_one(use):
    data = b"(request-target): post /inbox\nhost: example.com\ndate: now"
    signature = sign("erin", data)
    assert verifies(keys.public_key_pem("erin"), signature, data)
    assert not verifies(keys.public_key_pem("frank"), signature, data)


def test_the_key_file_is_made_private_once_and_then_read(use, tmp_path):
    keys.public_key_pem("gina")
    key_file = tmp_path / "data" / "k.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_bytes()) == 32
    before = key_file.read_bytes()
    _forget_cached()
    assert keys.private_key("gina").key_size == 2048
    assert key_file.read_bytes() == before


def test_racing_makers_of_the_key_file_agree(tmp_path):
    path = str(tmp_path / "fresh" / "k.key")
    made, start = [], threading.Barrier(8)

    def make():
        start.wait()
        made.append(keys._key_file.__wrapped__(path))
    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 8 and len(set(made)) == 1
    assert [p.name for p in (tmp_path / "fresh").iterdir()] == ["k.key"]


def test_a_damaged_or_replaced_key_file_is_refused_not_misread(use, tmp_path):
    keys.public_key_pem("hugo")
    key_file = tmp_path / "data" / "k.key"
    key_file.write_bytes(b"short")
    _forget_cached()
    with pytest.raises(keys.SealedKeyError, match="32-byte"):
        keys.private_key("hugo")
    key_file.write_bytes(bytes(32))
    _forget_cached()
    with pytest.raises(keys.SealedKeyError, match="does not open"):
        keys.private_key("hugo")


def test_a_sealed_key_does_not_open_as_another_actors(use):
    store = keys.key_store()
    sealed = store.seal(b"secret", "ines")
    assert store.open(sealed, "ines") == b"secret"
    with pytest.raises(keys.SealedKeyError):
        store.open(sealed, "jack")


@pytest.fixture
def kms_key(aws) -> str:
    return boto3.client("kms", region_name="us-east-1").create_key(
        Description="actor keys")["KeyMetadata"]["KeyId"]


def test_the_kms_store_seals_each_key_under_a_data_key(use, kms_key):
    use(PEERLESS_KEY_STORE="kms", PEERLESS_KMS_KEY_ID=kms_key)
    data = b"signed by kate"
    signature = sign("kate", data)
    assert verifies(keys.public_key_pem("kate"), signature, data)
    item = raw_item("kate")
    assert item["sealed_by"]["S"] == "kms"
    assert b"PRIVATE KEY" not in item["sealed_private_key"]["B"]
    # Opened afresh (a new process): KMS unwraps the data key again.
    _forget_cached()
    assert verifies(keys.public_key_pem("kate"), sign("kate", data), data)
    # KMS refuses the data key in another actor's context.
    with pytest.raises(ClientError, match="InvalidCiphertext"):
        keys.key_store().open(item["sealed_private_key"]["B"], "liam")


def test_a_key_sealed_by_one_store_is_not_opened_by_the_other(use, kms_key):
    keys.public_key_pem("mona")
    use(PEERLESS_KEY_STORE="kms", PEERLESS_KMS_KEY_ID=kms_key)
    with pytest.raises(keys.SealedKeyError, match="sealed by the local key store"):
        keys.private_key("mona")


def test_a_misconfigured_store_says_what_is_missing(use):
    use(PEERLESS_KEY_STORE="kms", PEERLESS_KMS_KEY_ID="")
    with pytest.raises(keys.SealedKeyError, match="PEERLESS_KMS_KEY_ID"):
        keys.public_key_pem("nina")
    use(PEERLESS_KEY_STORE="vault")
    with pytest.raises(keys.SealedKeyError, match="local or kms"):
        keys.public_key_pem("nina")
