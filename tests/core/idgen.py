"""Build valid, made-up identity numbers for tests; never use a real person's number."""

from __future__ import annotations

from datetime import date

from ecert.core.identity.idnumbers import Sex, gb11643_check_character


def make_gb11643_number(prefix: str, birth: date, sex: Sex | None = None, seq: int = 1) -> str:
    """An 18-character number: 6-character ``prefix``, birth date, order code, check character.

    The 3-digit order code is ``2 * seq`` plus 1 for a man, so ``seq`` runs from 0 to 499 and
    the 17th digit is odd for men and even for women (or for ``sex=None``).
    """
    if len(prefix) != 6 or not 0 <= seq <= 499:
        raise ValueError("prefix must have 6 digits and seq must be within 0..499")
    order = 2 * seq + (1 if sex is Sex.MALE else 0)
    first17 = f"{prefix}{birth:%Y%m%d}{order:03d}"
    return first17 + gb11643_check_character(first17)


def make_resident_id(birth: date, sex: Sex, region: str = "370102", seq: int = 1) -> str:
    """A valid 18-digit resident ID number; ``region`` is a 6-digit GB/T 2260 code."""
    return make_gb11643_number(region, birth, sex, seq)
