"""Public credential ids: random, unambiguous when read aloud or typed from paper."""

from __future__ import annotations

import secrets

# Crockford's base32 alphabet: no I, L, O or U, so 1/I/L and 0/O cannot be confused.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 80 bits


def new_public_id() -> str:
    # 256 is a multiple of 32, so the low five bits of a random byte are uniform over the alphabet.
    return "".join(ALPHABET[byte & 31] for byte in secrets.token_bytes(LENGTH))


_TO_ALPHABET = bytes(ord(ALPHABET[byte & 31]) for byte in range(256))


def new_public_ids(count: int) -> list[str]:
    """``count`` fresh ids from one call to the system's random source (bulk issuance)."""
    text = secrets.token_bytes(LENGTH * count).translate(_TO_ALPHABET).decode("ascii")
    return [text[i : i + LENGTH] for i in range(0, len(text), LENGTH)]


def is_public_id(text: str) -> bool:
    return len(text) == LENGTH and all(c in ALPHABET for c in text)
