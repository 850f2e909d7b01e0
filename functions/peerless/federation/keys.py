"""Actor keys: the RSA 2048 key pair each actor (an account, a channel, the instance actor)
signs its activities with, as PeerTube gives every actor one.

A pair is made on its actor's first need and kept in the table: the public key as PEM, the
private key sealed by a key store, never in clear. Racing creators cannot give an actor
two keys: the pair is written only if none exists, and a creator that lost reads the
winner's. Keys are immutable once written, so each process keeps what it has read (and
decrypted) for as long as it lives: a signature costs no table read and no KMS call.

Key stores (the setting `key_store` chooses):
- `local`: AES-256-GCM under a 32-byte key in a file (`key_file`, in the data directory,
  made with mode 0600 at the first need). For the local stack: one machine, no KMS.
- `kms`: envelope encryption; KMS makes a data key per actor under `kms_key_id`, the
  private key is sealed with it by AES-256-GCM, and only the data key's KMS ciphertext is
  stored beside it. Opening costs one KMS Decrypt, once per actor per process.
Each sealed key is bound to its actor (GCM associated data, KMS encryption context): a
sealed key copied onto another actor's item does not open.
"""
from __future__ import annotations

import os
import struct
import tempfile
from abc import ABC, abstractmethod
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pynamodb.attributes import BinaryAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError

from .. import aws
from ..models import Item, get_or_none, now
from ..settings import Settings, settings

KEY_BITS = 2048
PUBLIC_EXPONENT = 65537
_NONCE = 12           # bytes: AES-GCM's standard nonce
_DATA_KEY = 32        # bytes: AES-256


class SealedKeyError(Exception):
    """Keys that cannot be sealed or opened: a store misconfigured, another store than
    the one that sealed them, a lost or changed key file."""


class ActorKey(Item, discriminator="actor-key"):
    """An actor's key pair, by the actor's name (accounts, channels and the instance actor
    share PeerTube's one actor namespace, and a name is never given out twice)."""
    public_key_pem = UnicodeAttribute()
    sealed_private_key = BinaryAttribute(legacy_encoding=False)
    sealed_by = UnicodeAttribute()        # the store that sealed it: "local" or "kms"
    created_at = UTCDateTimeAttribute(default=now)

    @staticmethod
    def key(actor: str) -> tuple[str, str]:
        return f"actor-key#{actor.lower()}", "actor-key"


# --- key stores ---------------------------------------------------------------------------

class KeyStore(ABC):
    """Seals secrets so that only this store opens them, bound to a context string."""
    name: str

    @abstractmethod
    def seal(self, secret: bytes, context: str) -> bytes:
        ...

    @abstractmethod
    def open(self, sealed: bytes, context: str) -> bytes:
        ...


def _aad(context: str) -> bytes:
    return f"peerless actor key:{context}".encode()


def _gcm_open(key: bytes, sealed: bytes, context: str) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], _aad(context))
    except InvalidTag:
        raise SealedKeyError(f"The private key of {context} does not open: it was sealed "
                             "under another key (a replaced key file?) or altered.") from None


def _gcm_seal(key: bytes, secret: bytes, context: str) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, secret, _aad(context))


class LocalKeyStore(KeyStore):
    """AES-256-GCM under a key kept in a file on this machine."""
    name = "local"

    def __init__(self, path: Path):
        self.path = path

    @property
    def _key(self) -> bytes:
        return _key_file(str(self.path.resolve()))

    def seal(self, secret: bytes, context: str) -> bytes:
        return _gcm_seal(self._key, secret, context)

    def open(self, sealed: bytes, context: str) -> bytes:
        return _gcm_open(self._key, sealed, context)


@lru_cache(maxsize=None)
def _key_file(path: str) -> bytes:
    """The key in the file at `path`, made on the first need. Racing makers (the api and
    inbox functions of one stack, at once) agree: the file appears whole, by a hard link
    that fails if another maker's is there first, and then that one is read."""
    target = Path(path)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(dir=target.parent, prefix=".actor-keys-")
        try:
            # mkstemp makes the file 0600: only the instance's user reads it.
            with os.fdopen(fd, "wb") as out:
                out.write(os.urandom(_DATA_KEY))
                out.flush()
                os.fsync(out.fileno())
            os.link(draft, target)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    key = target.read_bytes()
    if len(key) != _DATA_KEY:
        raise SealedKeyError(f"{target} should hold a {_DATA_KEY}-byte key; it holds "
                             f"{len(key)} bytes. Restore it rather than replace it: the "
                             "actors' private keys are sealed with it.")
    return key


class KmsKeyStore(KeyStore):
    """Envelope encryption: a KMS data key per sealed secret."""
    name = "kms"

    def __init__(self, kms, key_id: str):
        self.kms, self.key_id = kms, key_id

    def seal(self, secret: bytes, context: str) -> bytes:
        data_key = self.kms.generate_data_key(KeyId=self.key_id, KeySpec="AES_256",
                                              EncryptionContext={"actor": context})
        wrapped = data_key["CiphertextBlob"]
        # The wrapped data key's length first, then the key, then the sealed secret.
        return (struct.pack(">H", len(wrapped)) + wrapped
                + _gcm_seal(data_key["Plaintext"], secret, context))

    def open(self, sealed: bytes, context: str) -> bytes:
        (length,) = struct.unpack(">H", sealed[:2])
        wrapped, rest = sealed[2:2 + length], sealed[2 + length:]
        data_key = self.kms.decrypt(CiphertextBlob=wrapped, KeyId=self.key_id,
                                    EncryptionContext={"actor": context})["Plaintext"]
        return _gcm_open(data_key, rest, context)


def key_store(s: Settings | None = None) -> KeyStore:
    """The store the settings choose."""
    s = s or settings()
    if s.key_store == "local":
        return LocalKeyStore(Path(s.key_file))
    if s.key_store == "kms":
        if not s.kms_key_id:
            raise SealedKeyError("PEERLESS_KEY_STORE=kms needs PEERLESS_KMS_KEY_ID.")
        return KmsKeyStore(aws.client("kms"), s.kms_key_id)
    raise SealedKeyError(f"Unknown key store {s.key_store!r}: local or kms.")


# --- actors' keys -------------------------------------------------------------------------

def _new_pair(actor: str, store: KeyStore) -> ActorKey:
    private = rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_BITS)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    private_der = private.private_bytes(serialization.Encoding.DER,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    return ActorKey(*ActorKey.key(actor), public_key_pem=public_pem.decode(),
                    sealed_private_key=store.seal(private_der, actor.lower()),
                    sealed_by=store.name)


def stored(actor: str) -> ActorKey:
    """The actor's key pair, made now if it has none yet."""
    key = ActorKey.key(actor)
    existing = get_or_none(ActorKey, key, consistent_read=True)
    if existing is not None:
        return existing
    pair = _new_pair(actor, key_store())
    try:
        pair.save(condition=ActorKey.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        # Another creator won the race: its pair is the actor's.
        return ActorKey.get(*key, consistent_read=True)
    return pair


@lru_cache(maxsize=8192)
def public_key_pem(actor: str) -> str:
    """The actor's public key, as its ActivityPub document publishes it."""
    return stored(actor.lower()).public_key_pem


@lru_cache(maxsize=8192)
def private_key(actor: str) -> rsa.RSAPrivateKey:
    """The actor's private key, opened from its store (once per process)."""
    pair = stored(actor.lower())
    store = key_store()
    if pair.sealed_by != store.name:
        raise SealedKeyError(f"The key of {actor} was sealed by the {pair.sealed_by} key "
                             f"store; this instance uses {store.name}.")
    der = store.open(pair.sealed_private_key, actor.lower())
    return serialization.load_der_private_key(der, password=None)
