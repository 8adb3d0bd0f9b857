"""Read and check the authority tree file, ``data/authorities.toml`` (docs/authorities.md).

Pure Python: the ``authorities`` Django app turns these records into rows; nothing here touches a
database. Every mistake in the file is reported with the file, the table and what to fix.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from ecert.core import PACKAGE_DATA
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel

__all__ = [
    "AuthorityRecord",
    "credit_code_is_valid",
    "default_authorities_path",
    "load_authorities",
]

# GB 32100-2015: 31 characters (digits and capitals without I, O, S, V, Z); weight i is 3**i mod 31.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Field → (pattern, the rule in Chinese, the rule in English).
_FORMATS: dict[str, tuple[re.Pattern[str], str, str]] = {
    "key": (
        re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"),
        "小写 ascii，以 - 连接",
        "ascii a-z0-9 and -",
    ),
    "division_code": (re.compile(r"[0-9]{6}"), "6 位数字（GB/T 2260）", "6 digits (GB/T 2260)"),
    "region_department_code": (re.compile(r"[0-9]{5}"), "5 位数字", "5 digits"),
    "sector": (
        re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*"),
        "小写 ascii，以 _ 连接",
        "ascii a-z0-9 and _",
    ),
}
_REQUIRED = ("key", "name", "kind", "level")
_UNIQUE = ("key", "name", "division_code", "region_department_code", "credit_code")
# AuthorityLevel is declared from the top down: national 0, province 1, city 2, county 3.
_LEVEL_RANK = {level: rank for rank, level in enumerate(AuthorityLevel)}


@dataclass(frozen=True, slots=True)
class AuthorityRecord:
    """One ``[[authority]]`` table. ``parent`` is the scoping parent's key, ``None`` for a root."""

    key: str
    name: str
    short_name: str | None
    kind: AuthorityKind
    level: AuthorityLevel
    parent: str | None
    division_code: str | None
    region_department_code: str | None
    credit_code: str | None
    sector: str | None
    note: str | None


_FIELDS = frozenset(field.name for field in fields(AuthorityRecord))


def _refused(
    path: Path, location: str, zh: str, en: str, code: str = "authority_file_invalid"
) -> EcertError:
    """The authority file is unreadable or breaks a rule: the file, where in it, and what."""
    return EcertError(code, zh, en, file=str(path), field=location, label=(location, location))


def default_authorities_path() -> Path:
    """The authority file shipped with the package."""
    return PACKAGE_DATA / "authorities.toml"


def credit_code_is_valid(code: str) -> bool:
    """True if ``code`` is 18 characters of the GB 32100 alphabet with a correct check character."""
    if len(code) != 18 or any(c not in _CREDIT_ALPHABET for c in code):
        return False
    total = sum(
        _CREDIT_ALPHABET.index(c) * w for c, w in zip(code[:17], _CREDIT_WEIGHTS, strict=True)
    )
    return code[17] == _CREDIT_ALPHABET[(31 - total % 31) % 31]


def load_authorities(path: Path) -> tuple[AuthorityRecord, ...]:
    """Read ``path`` and return its authorities, every parent before its children.

    Raises EcertError at the first problem found.
    """
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise _refused(
            path,
            "",
            f"无法读取文件：{exc}",
            f"cannot read the file: {exc}",
            "authority_file_unreadable",
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        # 3.11's TOMLDecodeError has no line attributes; the message ends "(at line L, column C)".
        found = re.search(r"at (line \d+, column \d+)", str(exc))
        location = found.group(1) if found else ""
        raise _refused(
            path,
            location,
            f"TOML 语法错误：{exc}",
            f"TOML syntax error: {exc}",
            "authority_file_syntax",
        ) from exc

    extra = sorted(set(document) - {"authority"})
    if extra:
        raise _refused(
            path,
            "top level",
            f"只允许 [[authority]] 表，发现 {extra}",
            f"only [[authority]] tables allowed: {extra}",
        )
    tables = document.get("authority", [])
    if not isinstance(tables, list):
        raise _refused(
            path,
            "top level",
            "authority 必须写成 [[authority]]",
            "write authority as [[authority]]",
        )
    records = [_parse_table(path, index, table) for index, table in enumerate(tables, start=1)]
    _check_unique(path, records)
    by_key = {record.key: (index, record) for index, record in enumerate(records, start=1)}
    ordered = _parents_first(path, records, by_key)
    for record in ordered:
        _check_against_ancestors(path, record, by_key)
    return ordered


def _where(index: int, key: object) -> str:
    if isinstance(key, str) and key:
        return f"[[authority]] #{index} (key {key})"
    return f"[[authority]] #{index}"


def _parse_table(path: Path, index: int, table: object) -> AuthorityRecord:
    if not isinstance(table, Mapping):
        raise _refused(path, _where(index, None), "必须是表", "must be a table")
    where = _where(index, table.get("key"))

    def fail(zh: str, en: str) -> EcertError:
        return _refused(path, where, zh, en)

    unknown = sorted(set(table) - _FIELDS)
    if unknown:
        raise fail(f"未知字段 {unknown}", f"unknown fields {unknown}")
    for field in _REQUIRED:
        if field not in table:
            raise fail(f"缺少必填字段 {field}", f"missing required field {field}")
    for field, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise fail(f"{field} 必须是非空字符串", f"{field} must be a non-empty string")
        if value != value.strip():
            raise fail(f"{field} 首尾有空白", f"{field} has leading or trailing spaces")
    values: dict[str, str] = dict(table)
    for field, (pattern, rule_zh, rule_en) in _FORMATS.items():
        value = values.get(field)
        if value is not None and not pattern.fullmatch(value):
            raise fail(f"{field} {value!r} 格式错误，应为{rule_zh}", f"{field} must be {rule_en}")
    credit_code = values.get("credit_code")
    if credit_code is not None and not credit_code_is_valid(credit_code):
        raise fail(
            f"统一社会信用代码 {credit_code!r} 无效（18 位，校验位按 GB 32100）",
            "credit_code is not a valid GB 32100 code (18 characters, check character)",
        )
    for field, vocabulary in (("kind", AuthorityKind), ("level", AuthorityLevel)):
        if values[field] not in set(vocabulary):
            allowed = ", ".join(vocabulary)
            raise fail(
                f"{field} {values[field]!r} 无效，可用：{allowed}",
                f"{field} must be one of: {allowed}",
            )
    return AuthorityRecord(
        key=values["key"],
        name=values["name"],
        short_name=values.get("short_name"),
        kind=AuthorityKind(values["kind"]),
        level=AuthorityLevel(values["level"]),
        parent=values.get("parent"),
        division_code=values.get("division_code"),
        region_department_code=values.get("region_department_code"),
        credit_code=credit_code,
        sector=values.get("sector"),
        note=values.get("note"),
    )


def _check_unique(path: Path, records: list[AuthorityRecord]) -> None:
    """Keys, names and the identifying codes must each occur once in the file."""
    for field in _UNIQUE:
        first_seen: dict[str, int] = {}
        for index, record in enumerate(records, start=1):
            value = getattr(record, field)
            if value is None:
                continue
            if value in first_seen:
                raise _refused(
                    path,
                    _where(index, record.key),
                    f"{field} {value!r} 与第 {first_seen[value]} 个 [[authority]] 重复",
                    f"duplicate {field}, already used by [[authority]] #{first_seen[value]}",
                )
            first_seen[value] = index


def _parents_first(
    path: Path,
    records: list[AuthorityRecord],
    by_key: dict[str, tuple[int, AuthorityRecord]],
) -> tuple[AuthorityRecord, ...]:
    """Order records parents first, otherwise in file order; reject missing parents and cycles."""
    for index, record in enumerate(records, start=1):
        if record.parent is not None and record.parent not in by_key:
            raise _refused(
                path,
                _where(index, record.key),
                f"parent {record.parent!r} 不存在",
                f"parent {record.parent!r} is not defined",
            )
    ordered: list[AuthorityRecord] = []
    placed: set[str] = set()
    for record in records:
        chain: list[AuthorityRecord] = []
        current: AuthorityRecord | None = record
        while current is not None and current.key not in placed:
            if any(link.key == current.key for link in chain):
                cycle = " → ".join([*(link.key for link in chain), current.key])
                index = by_key[current.key][0]
                raise _refused(
                    path,
                    _where(index, current.key),
                    f"parent 形成环：{cycle}",
                    f"parent cycle: {cycle}",
                )
            chain.append(current)
            current = by_key[current.parent][1] if current.parent is not None else None
        for link in reversed(chain):
            ordered.append(link)
            placed.add(link.key)
    return tuple(ordered)


def _check_against_ancestors(
    path: Path, record: AuthorityRecord, by_key: dict[str, tuple[int, AuthorityRecord]]
) -> None:
    """A child is never above its parent, and its region code lies inside its nearest ancestor's."""
    if record.parent is None:
        return
    where = _where(by_key[record.key][0], record.key)
    parent = by_key[record.parent][1]
    if _LEVEL_RANK[record.level] < _LEVEL_RANK[parent.level]:
        raise _refused(
            path,
            where,
            f"level {record.level.value} 不能高于上级 {parent.key} 的 level {parent.level.value}",
            f"level {record.level.value} is above the level of its parent {parent.key}",
        )
    if record.division_code is None:
        return
    ancestor: AuthorityRecord | None = parent
    while ancestor is not None and ancestor.division_code is None:
        ancestor = by_key[ancestor.parent][1] if ancestor.parent is not None else None
    if ancestor is None or ancestor.division_code is None:
        return
    prefix = _division_prefix(ancestor.division_code)
    if not record.division_code.startswith(prefix):
        raise _refused(
            path,
            where,
            f"division_code {record.division_code} 不在 {ancestor.key} 的辖区"
            f" {ancestor.division_code} 内",
            f"division_code lies outside {ancestor.key}'s region",
        )


def _division_prefix(code: str) -> str:
    """The part of a GB/T 2260 code its subdivisions share: 410000 → 41, 371500 → 3715."""
    while code.endswith("00"):
        code = code[:-2]
    return code
