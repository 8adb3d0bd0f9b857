"""Public credential ids: random, unambiguous when read aloud or typed from paper."""

from __future__ import annotations

import secrets

# Crockford's base32 alphabet: no I, L, O or U, so 1/I/L and 0/O cannot be confused.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 80 bits


def new_public_id() -> str:
    # 256 is a multiple of 32, so the low five bits of a random byte are uniform over the alphabet.
    return "".join(ALPHABET[byte & 31] for byte in secrets.token_bytes(LENGTH))


def is_public_id(text: str) -> bool:
    return len(text) == LENGTH and all(c in ALPHABET for c in text)
