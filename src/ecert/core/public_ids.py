"""Public credential ids: random, unambiguous when read aloud or typed from paper."""

from __future__ import annotations

import secrets

# Crockford's base32 alphabet: no I, L, O or U, so 1/I/L and 0/O cannot be confused.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 80 bits


def new_public_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def is_public_id(text: str) -> bool:
    return len(text) == LENGTH and all(c in ALPHABET for c in text)
