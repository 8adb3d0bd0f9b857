"""The qualification catalogue: versioned TOML files in, frozen dataclasses out.

Which qualifications exist, at which levels, on which lists (document kind, seal), and who reviews
and hands out their certificates is data, not code (DESIGN.md §2). File format: docs/catalogue.md.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from ecert.core import PACKAGE_DATA
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import AuthorityLevel, CredentialKind


class ReplacementForm(StrEnum):
    """Which form a replacement (补换) application uses (seed 001 附件 一 注)."""

    STANDARD = "standard"  # 《个人补发（更换）证书申请》
    MINISTRY = "ministry"  # the form named by the ministry in charge


class PhotoRule(StrEnum):
    """File-size rule for the replacement photo (seed 001 附件 二.3)."""

    STANDARD = "standard"  # 10 KB to 30 KB
    OVER_30KB = "over_30kb"


class CorrectionRoute(StrEnum):
    """Where reissue and data corrections are sent (seed 004 一(5))."""

    PROVINCE = "province"  # city department -> province department -> provincial exam centre
    MINISTRY = "ministry"  # up the industry line to the national ministry


class ExamCodeSource(StrEnum):
    """Who gave an exam code (考试代码): a notice, through the catalogue files, or the province
    administrator in the back office. A code the files give is theirs: a reload keeps it in line
    with the notice; one the administrator set is kept by every reload (docs/catalogue.md)."""

    CATALOGUE = "catalogue"
    BACK_OFFICE = "back_office"


def exam_code_check(code: str) -> str:
    """The exam code of the replacement files' names (seed 001 附件 二.4: 202005-034-一级建造师…):
    exactly three digits, or EcertError."""
    code = code.strip()
    if not re.fullmatch(r"[0-9]{3}", code):
        raise EcertError(
            "bad_exam_code",
            f"“{code}”不是有效的考试代码：考试代码为 3 位数字，如 034",
            f"{code!r} is not an exam code: an exam code is 3 digits, e.g. 034",
            field="code",
        )
    return code


@dataclass(frozen=True)
class Level:
    name: str
    exam_code: str | None = None  # 3 digits; None when no notice gives it


@dataclass(frozen=True)
class Qualification:
    key: str
    code: int  # permanent number in signed claims (docs/formats/credential-v1.md)
    name: str
    levels: tuple[Level, ...] = ()
    abolished: bool = False
    replacement_form: ReplacementForm = ReplacementForm.STANDARD
    photo_rule: PhotoRule = PhotoRule.STANDARD
    correction_route: CorrectionRoute = CorrectionRoute.PROVINCE
    specialties: tuple[str, ...] = ()
    note: str = ""
    exam_code: str | None = None  # only for a qualification without levels
    # For the national certificate's face (seed 002 附件): the English title, the ministries
    # that approve it (style 1, 批准颁发) or supervise it (style 2, 监制), and where the
    # ministries differ by specialty, (specialty, ministries) pairs.
    name_en: str = ""
    approved_by: str = ""
    approved_by_specialty: tuple[tuple[str, str], ...] = ()

    @property
    def level_names(self) -> tuple[str, ...]:
        return tuple(level.name for level in self.levels)

    def approvers(self, specialty: str) -> str:
        """The ministries named on the certificate of ``specialty`` (blank when unknown)."""
        return dict(self.approved_by_specialty).get(specialty, self.approved_by)


@dataclass(frozen=True)
class ListEntry:
    position: int
    label: str  # verbatim from the notice
    qualification: str
    levels: tuple[str, ...]  # empty: every level of the qualification
    sealed_by: str | None  # authority key when not the list's issuer


@dataclass(frozen=True)
class CatalogueList:
    key: str
    title: str
    source: str
    kind: CredentialKind
    style: int | None
    issuer: str | None
    province: str | None
    entries: tuple[ListEntry, ...]


@dataclass(frozen=True)
class UnitRef:
    authority: str
    levels: tuple[AuthorityLevel, ...]  # the levels of government at which the duty sits


@dataclass(frozen=True)
class ResponsibilityRow:
    position: int
    label: str
    qualification: str
    levels: tuple[str, ...]
    review: UnitRef
    distribution: UnitRef | None  # None: no paper certificate
    electronic_by: str | None  # authority issuing an electronic certificate instead
    province: str
    source: str


@dataclass(frozen=True)
class Catalogue:
    qualifications: Mapping[str, Qualification]
    lists: Mapping[str, CatalogueList]
    responsibility: tuple[ResponsibilityRow, ...]

    def responsibility_for(
        self, *, province: str, qualification: str, level: str | None
    ) -> ResponsibilityRow | None:
        """The row saying who reviews and who hands out `qualification` at `level` in `province`."""
        for row in self.responsibility:
            if (row.province, row.qualification) == (province, qualification) and (
                not row.levels or level in row.levels
            ):
                return row
        return None


def default_catalogue_dir() -> Path:
    """The catalogue shipped with the package: src/ecert/data/catalogue."""
    return PACKAGE_DATA / "catalogue"


E = TypeVar("E", bound=StrEnum)
_FORMATS = {
    "key": re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*"),
    "province": re.compile(r"[a-z]{2}"),
    "exam_code": re.compile(r"[0-9]{3}"),
}
# fmt: off
_MESSAGES = {  # code: (中文, English); {placeholders} are filled in by _Table.fail
    "missing": ("缺少必填字段“{key}”", "missing required field '{key}'"),
    "unknown": ("未知字段“{key}”，请检查拼写；可用字段：{known}",
                "unknown field '{key}': check the spelling; known fields: {known}"),
    "type": ("“{key}”应为{zh}", "'{key}' must be {en}"),
    "key": ("“{value}”不是有效的键：只能用小写英文字母、数字和连字符，如 cost-engineer",
            "'{value}' is not a valid key: use a-z, 0-9 and hyphens, e.g. cost-engineer"),
    "province": ("“{value}”不是有效的省份代码：应为两个小写字母，如 sd、ha",
                 "'{value}' is not a valid province code: two lowercase letters, e.g. sd, ha"),
    "exam_code": ("“{value}”不是有效的考试代码：应为带引号的 3 位数字，如 \"034\"",
                  "'{value}' is not a valid exam code: 3 digits in quotes, e.g. \"034\""),
    "twice": ("“{value}”重复", "'{value}' is listed twice"),
    "choice": ("“{value}”无效，可选：{allowed}", "invalid value '{value}'; use one of: {allowed}"),
    "position": ("序号应为 {expected}（按文件顺序 1、2、3…）",
                 "position should be {expected} (1, 2, 3 … in file order)"),
    "covered": ("“{value}”已在第 {first} 项列出",
                "'{value}' is already listed at position {first}"),
    "syntax": ("TOML 语法错误：{value}", "TOML syntax error: {value}"),
    "encoding": ("文件须为 UTF-8 编码", "the file must be UTF-8 encoded"),
    "empty": ("目录中没有 *.toml 目录文件", "no *.toml catalogue files in this directory"),
    "code_on_levels": ("这个资格分级别：考试代码写在各级别里",
                       "this qualification has levels: put exam_code on each level"),
    "no_qualification": ("未知资格“{value}”：请先在 [[qualification]] 中定义",
                         "unknown qualification '{value}': define it in [[qualification]] first"),
    "no_level": ("资格“{qualification}”没有级别“{value}”（已定义：{defined}）",
                 "qualification '{qualification}' has no level '{value}' (defined: {defined})"),
    "style": ("national_certificate 列表须写 style = 1（部印章）或 2（协会印章）；其他列表不写",
              "a national_certificate list needs style = 1 (ministry) or 2 (association) seal; "
              "other lists have no style"),
    "needs_province": ("省级证书列表须写 province",
                       "a provincial_certificate list needs a province"),
    "sealer": ("无人盖章：请给条目写 sealed_by，或给列表写 issuer",
               "nobody seals this entry: give it sealed_by, or give the list an issuer"),
    "abolished": ("“{value}”：已取消的资格只列在 qualification_proof 列表，该列表也只列它们",
                  "'{value}': abolished qualifications go in qualification_proof lists, "
                  "and only they do"),
    "handout": ("须写 distribution（谁发纸质证书）或 electronic_by（谁制发电子证书）",
                "give distribution (who hands out paper) or electronic_by (who issues it "
                "electronically)"),
    "duplicate": ("“{value}”重复，已在 {first} 中定义",
                  "duplicate '{value}', already defined in {first}"),
    "no_specialty": ("资格“{qualification}”没有专业“{value}”（已定义：{defined}）",
                     "qualification '{qualification}' has no specialty '{value}' "
                     "(defined: {defined})"),
    "needs_approved_by": ("按专业写了批准部门，也须写 approved_by（其他专业用它）",
                          "approved_by_specialty needs approved_by too (for the other "
                          "specialties)"),
}
# fmt: on
_TYPES = {  # what a field must be, for the "type" message
    "text": ("带引号的非空文本", "non-empty quoted text"),
    "list": ('列表，如 ["一级"]', 'a list, e.g. ["一级"]'),
    "integer": ("正整数", "a whole number from 1 up"),
    "boolean": ("true 或 false", "true or false"),
    "table": (
        "表，如 { authority = …, levels = […] }",
        "a table, e.g. { authority = …, levels = […] }",
    ),
    "tables": ("一个或多个 {example}", "one or more {example}"),
    "levels": ('层级列表，如 ["province", "city"]', 'a list of levels, e.g. ["province", "city"]'),
}


def _error(file: Path, location: str, code: str, **params: object) -> EcertError:
    """A catalogue file is wrong: which file, where in it (``field``, printed as its label), and
    what to do."""
    zh, en = _MESSAGES[code]
    return EcertError(
        code,
        zh.format(**params),
        en.format(**params),
        file=str(file),
        field=location,
        label=(location, location),
    )


class _Table:
    """One TOML table being read: knows where it is, and rejects fields nobody asked for."""

    def __init__(self, raw: dict[str, object], file: Path, where: str) -> None:
        self.raw: dict[str, object] = raw
        self.file, self.where, self.asked = file, where, set[str]()

    def at(self, key: str) -> str:
        return f"{self.where} > {key}" if self.where else key

    def fail(self, key: str | None, code: str, **params: object) -> EcertError:
        return _error(self.file, self.at(key) if key else self.where, code, key=key, **params)

    def wrong_type(self, key: str, expected: str, **params: str) -> EcertError:
        zh, en = _TYPES[expected]
        return self.fail(key, "type", zh=zh.format(**params), en=en.format(**params))

    def _get(self, key: str, required: bool) -> object:
        self.asked.add(key)
        if required and key not in self.raw:
            raise self.fail(key, "missing")
        return self.raw.get(key)

    def _check(self, key: str, value: object, fmt: str | None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.wrong_type(key, "text")
        if fmt and not _FORMATS[fmt].fullmatch(value):
            raise self.fail(key, fmt, value=value)
        return value

    def text(self, key: str, fmt: str | None = None) -> str:
        return self._check(key, self._get(key, True), fmt)

    def opt_text(self, key: str, fmt: str | None = None) -> str | None:
        value = self._get(key, False)
        return None if value is None else self._check(key, value, fmt)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self._get(key, False) or []
        if not isinstance(value, list):
            raise self.wrong_type(key, "list")
        items = tuple(self._check(key, item, None) for item in value)
        if twice := [item for item in items if items.count(item) > 1]:
            raise self.fail(key, "twice", value=twice[0])
        return items

    def integer(self, key: str, required: bool = True) -> int | None:
        value = self._get(key, required)
        if value is not None and (type(value) is not int or value < 1):
            raise self.wrong_type(key, "integer")
        return value

    def boolean(self, key: str) -> bool:
        value = self._get(key, False)
        if value is not None and not isinstance(value, bool):
            raise self.wrong_type(key, "boolean")
        return value is True

    def member(self, key: str, value: object, enum: type[E]) -> E:
        if not isinstance(value, str) or value not in set(enum):
            raise self.fail(key, "choice", value=value, allowed=", ".join(enum))
        return enum(value)

    def choice(self, key: str, enum: type[E], default: E | None = None) -> E:
        value = self._get(key, default is None)
        return default if value is None and default is not None else self.member(key, value, enum)

    def table(self, key: str, required: bool) -> _Table | None:
        value = self._get(key, required)
        if value is not None and not isinstance(value, dict):
            raise self.wrong_type(key, "table")
        return None if value is None else _Table(value, self.file, self.at(key))

    def tables(
        self, key: str, header: str, required: bool = False, example: str = ""
    ) -> list[_Table]:
        value = self._get(key, required) or []
        if (
            not isinstance(value, list)
            or not all(isinstance(v, dict) for v in value)
            or (required and not value)
        ):
            raise self.wrong_type(key, "tables", example=example or header)
        return [
            _Table(item, self.file, self.at(f"{header} #{n}")) for n, item in enumerate(value, 1)
        ]

    def close(self) -> None:
        if unknown := sorted(self.raw.keys() - self.asked):
            raise self.fail(unknown[0], "unknown", known=", ".join(sorted(self.asked)))


class _Numbering:
    """Positions run 1, 2, 3 … in file order and no qualification level is listed twice.

    A notice row split by level (same label, other levels) repeats the previous position.
    """

    def __init__(self) -> None:
        self.last = (0, "")
        self.seen: dict[tuple[str, str | None], int] = {}

    def add(self, t: _Table, label: str, q: Qualification, levels: tuple[str, ...]) -> int:
        position = t.integer("position") or 0
        if position != self.last[0] + 1 and (position, label) != self.last:
            raise t.fail("position", "position", expected=self.last[0] + 1)
        self.last = (position, label)
        covered: tuple[str | None, ...] = levels or q.level_names or (None,)
        for level in covered:
            if (first := self.seen.get((q.key, level))) is not None:
                raise t.fail(
                    "levels", "covered", value=f"{q.key} {level or ''}".strip(), first=first
                )
            self.seen[(q.key, level)] = position
        return position


def _parse(file: Path) -> _Table:
    try:
        with file.open("rb") as stream:
            return _Table(tomllib.load(stream), file, "")
    except tomllib.TOMLDecodeError as exc:
        problem, _, where = str(exc).partition(" (at ")  # "… (at line 9, column 13)"
        raise _error(file, where.rstrip(")"), "syntax", value=problem) from exc
    except UnicodeDecodeError as exc:
        raise _error(file, "", "encoding") from exc


def _approvers_by_specialty(
    t: _Table, key: str, specialties: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """``approved_by_specialty = { "交通运输工程" = "…" }``: keys must be defined specialties."""
    table = t.table("approved_by_specialty", required=False)
    if table is None:
        return ()
    pairs = []
    for specialty in table.raw:
        ministries = table.text(specialty)
        if specialty not in specialties:
            defined = "、".join(specialties) or "-"
            raise table.fail(
                specialty, "no_specialty", value=specialty, defined=defined, qualification=key
            )
        pairs.append((specialty, ministries))
    table.close()
    if not t.raw.get("approved_by"):
        raise t.fail("approved_by_specialty", "needs_approved_by")
    return tuple(pairs)


def _qualification(t: _Table) -> Qualification:
    key = t.text("key", "key")
    t.where += f' "{key}"'
    levels: list[Level] = []
    for lt in t.tables("levels", "levels", example='[{ name = "一级" }]'):
        level = Level(lt.text("name"), lt.opt_text("exam_code", "exam_code"))
        lt.close()
        if level.name in [known.name for known in levels]:
            raise lt.fail("name", "twice", value=level.name)
        levels.append(level)
    exam_code = t.opt_text("exam_code", "exam_code")
    if exam_code and levels:
        raise t.fail("exam_code", "code_on_levels")
    code = t.integer("code")
    assert code is not None
    specialties = t.texts("specialties")
    q = Qualification(
        key=key,
        code=code,
        name=t.text("name"),
        levels=tuple(levels),
        abolished=t.boolean("abolished"),
        replacement_form=t.choice("replacement_form", ReplacementForm, ReplacementForm.STANDARD),
        photo_rule=t.choice("photo_rule", PhotoRule, PhotoRule.STANDARD),
        correction_route=t.choice("correction_route", CorrectionRoute, CorrectionRoute.PROVINCE),
        specialties=specialties,
        note=t.opt_text("note") or "",
        exam_code=exam_code,
        name_en=t.opt_text("name_en") or "",
        approved_by=t.opt_text("approved_by") or "",
        approved_by_specialty=_approvers_by_specialty(t, key, specialties),
    )
    t.close()
    return q


def _target(t: _Table, known: Mapping[str, Qualification]) -> tuple[Qualification, tuple[str, ...]]:
    """The qualification an entry or row points at, and the levels it names; both checked."""
    key = t.text("qualification", "key")
    if key not in known:
        raise t.fail("qualification", "no_qualification", value=key)
    q, levels = known[key], t.texts("levels")
    for level in levels:
        if level not in q.level_names:
            defined = "、".join(q.level_names) or "-"
            raise t.fail("levels", "no_level", value=level, defined=defined, qualification=key)
    return q, levels


def _list(t: _Table, known: Mapping[str, Qualification]) -> CatalogueList:
    key = t.text("key", "key")
    t.where += f' "{key}"'
    kind, style = t.choice("kind", CredentialKind), t.integer("style", required=False)
    if (kind is CredentialKind.NATIONAL_CERTIFICATE) != (style in (1, 2)):
        raise t.fail("style", "style")
    issuer, province = t.opt_text("issuer", "key"), t.opt_text("province", "province")
    if kind is CredentialKind.PROVINCIAL_CERTIFICATE and province is None:
        raise t.fail("province", "needs_province")
    numbering, entries = _Numbering(), list[ListEntry]()
    for et in t.tables("entry", "[[list.entry]]", required=True):
        label = et.text("label")
        q, levels = _target(et, known)
        position = numbering.add(et, label, q, levels)
        sealed_by = et.opt_text("sealed_by", "key")
        et.close()
        if issuer is None and sealed_by is None:
            raise et.fail("sealed_by", "sealer")
        if q.abolished != (kind is CredentialKind.QUALIFICATION_PROOF):
            raise et.fail("qualification", "abolished", value=q.key)
        entries.append(ListEntry(position, label, q.key, levels, sealed_by))
    title, source = t.text("title"), t.text("source")
    t.close()
    return CatalogueList(key, title, source, kind, style, issuer, province, tuple(entries))


def _unit(t: _Table, key: str, required: bool) -> UnitRef | None:
    if (ut := t.table(key, required)) is None:
        return None
    authority, levels = ut.text("authority", "key"), ut.texts("levels")
    ut.close()
    if not levels:
        raise ut.wrong_type("levels", "levels")
    return UnitRef(authority, tuple(ut.member("levels", level, AuthorityLevel) for level in levels))


def _responsibility(t: _Table, known: Mapping[str, Qualification]) -> list[ResponsibilityRow]:
    province, source = t.text("province", "province"), t.text("source")
    t.where += f' "{province}"'
    numbering, rows = _Numbering(), list[ResponsibilityRow]()
    for rt in t.tables("row", "[[responsibility.row]]", required=True):
        label = rt.text("label")
        q, levels = _target(rt, known)
        position = numbering.add(rt, label, q, levels)
        review = _unit(rt, "review", required=True)
        distribution = _unit(rt, "distribution", required=False)
        electronic_by = rt.opt_text("electronic_by", "key")
        rt.close()
        assert review is not None  # required=True raised otherwise
        if distribution is None and electronic_by is None:
            raise rt.fail(None, "handout")
        row = (position, label, q.key, levels, review, distribution, electronic_by)
        rows.append(ResponsibilityRow(*row, province=province, source=source))
    t.close()
    return rows


def load_catalogue(directory: Path) -> Catalogue:
    """Read and check every *.toml file in `directory`; the first mistake raises EcertError."""
    documents = [_parse(file) for file in sorted(directory.glob("*.toml"))]
    if not documents:
        raise _error(directory, "", "empty")
    origin: dict[tuple[str, str], Path] = {}

    def claim(t: _Table, field: str, kind: str, value: str) -> None:
        if first := origin.get((kind, value)):
            raise t.fail(field, "duplicate", value=value, first=first.name)
        origin[(kind, value)] = t.file

    qualifications: dict[str, Qualification] = {}
    for document in documents:
        for t in document.tables("qualification", "[[qualification]]"):
            q = _qualification(t)
            claim(t, "key", "qualification", q.key)
            claim(t, "code", "qualification code", str(q.code))
            qualifications[q.key] = q
    lists: dict[str, CatalogueList] = {}
    rows: list[ResponsibilityRow] = []
    for document in documents:
        for t in document.tables("list", "[[list]]"):
            found = _list(t, qualifications)
            claim(t, "key", "list", found.key)
            lists[found.key] = found
        for t in document.tables("responsibility", "[[responsibility]]"):
            table = _responsibility(t, qualifications)
            claim(t, "province", "responsibility", table[0].province)
            rows.extend(table)
        document.close()
    return Catalogue(MappingProxyType(qualifications), MappingProxyType(lists), tuple(rows))
