"""Personal data at rest: authenticated encryption plus a keyed hash for exact-match lookups.

One master key (32 bytes, base64) is stretched with HKDF into independent keys, one per purpose
(the audit chain's key is another), so the
lookup hash cannot be used to decrypt and the cipher key never hashes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ecert.core.errors import EcertError

_NONCE_BYTES = 12
_FORMAT_VERSION = b"\x01"


def derive_key(master_key_b64: str, purpose: bytes) -> bytes:
    """A 32-byte key for one purpose, derived from the base64 master key with HKDF-SHA256."""
    try:
        master = base64.b64decode(master_key_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EcertError(
            "pii_key_not_base64", "ECERT_PII_KEY 不是 base64", "ECERT_PII_KEY is not base64"
        ) from exc
    if len(master) != 32:
        raise EcertError(
            "pii_key_wrong_length",
            "ECERT_PII_KEY 须为 32 字节",
            "ECERT_PII_KEY must decode to 32 bytes",
        )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


class PiiCipher:
    """Encrypts and hashes personal data (ID numbers) under one master key."""

    def __init__(self, master_key_b64: str) -> None:
        self._aead = AESGCM(derive_key(master_key_b64, b"ecert pii encryption v1"))
        self._hash_key = derive_key(master_key_b64, b"ecert pii lookup hash v1")

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        """Encrypt; `context` (e.g. the ID type) is bound as associated data."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _FORMAT_VERSION + nonce + sealed

    def decrypt(self, blob: bytes, *, context: str) -> str:
        if blob[:1] != _FORMAT_VERSION:
            raise ValueError("unknown personal-data ciphertext version")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        return self._aead.decrypt(nonce, sealed, context.encode()).decode()

    def lookup_hash(self, value: str, *, context: str) -> str:
        """A keyed hash (HMAC-SHA256, hex) of the normalised value for equality search."""
        message = context.encode() + b"\x00" + value.encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()
