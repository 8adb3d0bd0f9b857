"""Personal names as printed on certificates: normalised, never empty, never with control characters."""

from __future__ import annotations

import unicodedata

from ecert.core.errors import EcertError

MAX_NAME_LENGTH = 50
# What normalise_name refuses with, by code.
NAME_CODES = frozenset({"empty_name", "formula", "name_bad_character", "name_too_long"})
# First characters that make a spreadsheet program read a cell as a formula. A name, or any text
# printed or exported, that starts with one is a pasted formula, not data (it would run when a
# clerk opens an export): it is refused before anything is recorded or signed.
FORMULA_STARTS = ("=", "+", "-", "@")


def normalise_name(raw: str) -> str:
    """NFKC folds full-width Latin letters and spaces to half-width; NFC keeps CJK (incl. 𠮷) intact."""
    folded = "".join(
        unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" or ch == "\u3000" else ch
        for ch in raw
    )
    name = " ".join(unicodedata.normalize("NFC", folded).split())
    if not name:
        raise EcertError("empty_name", "姓名为空", "the name is empty")
    # Judged before inner spaces are folded (the ends are only trimmed): split() takes tab, CR,
    # LF, U+001C–U+001F and U+0085 (C1) for spaces, and a name carries none of them.
    inner = folded.strip()
    if not inner.isprintable() and any(
        unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"} for ch in inner
    ):
        raise EcertError(
            "name_bad_character",
            "姓名含控制字符或未分配字符",
            "the name contains control or unassigned characters",
        )
    if name.startswith(FORMULA_STARTS):
        raise EcertError(
            "formula",
            f"姓名不能以“{name[0]}”开头（像电子表格公式）",
            f"a name cannot start with {name[0]!r} (it looks like a spreadsheet formula)",
        )
    if len(name) > MAX_NAME_LENGTH:
        raise EcertError(
            "name_too_long",
            f"姓名超过 {MAX_NAME_LENGTH} 个字符",
            f"the name is longer than {MAX_NAME_LENGTH} characters",
        )
    return name


def mask_name(name: str) -> str:
    """For third parties: keep the first character (the surname), mask the rest: 张** ."""
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)
