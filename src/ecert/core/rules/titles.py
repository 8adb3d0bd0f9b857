"""Professional-title certificates (职称证书, seed 003): levels, the certificate number, the code
tables, and which body manages a title's data.

The number (鲁人社规〔2018〕22号 第五条): the province's mark (鲁) and 15 digits — the review year
(2), the region-department code of the body that approved the title (5), the series-level code
(3) and the certificate's sequence number within those three (5); a grassroots title (基层) has
"（基层）" after the number. Example: 鲁181402001200001 is the first certificate (00001) of 中小学教师
高级 (012) that the Liaocheng bureau (14020) approved for the 2018 review year. docs/titles.md.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

from ecert.core import PACKAGE_DATA
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel


class TitleLevel(StrEnum):
    """The four grades of a title; each series names its own titles (高级教师, 副教授 …)."""

    SENIOR_FULL = "senior_full"  # 正高级
    SENIOR_DEPUTY = "senior_deputy"  # 副高级
    INTERMEDIATE = "intermediate"  # 中级
    JUNIOR = "junior"  # 初级 (助理级 and 员级)


LEVEL_LABELS: Mapping[TitleLevel, tuple[str, str]] = {
    TitleLevel.SENIOR_FULL: ("正高级", "full senior"),
    TitleLevel.SENIOR_DEPUTY: ("副高级", "deputy senior"),
    TitleLevel.INTERMEDIATE: ("中级", "intermediate"),
    TitleLevel.JUNIOR: ("初级", "junior"),
}
SENIOR = frozenset({TitleLevel.SENIOR_FULL, TitleLevel.SENIOR_DEPUTY})

GRASSROOTS = "（基层）"  # printed after the number of a grassroots title (第五条(三))
SEQUENCE_MAX = 99_999
REPORT_DAYS = 30  # 第十五条: self-governed evaluation reports within 30 days of forming its data
FIRST_YEAR = 2000  # two-digit review years are read as 2000-2099

_REGION = re.compile(r"[0-9]{5}")
_SERIES = re.compile(r"[0-9]{3}")
_NUMBER = re.compile(r"(?P<mark>[^\W\d_])(?P<digits>[0-9]{15})(?P<grassroots>\(基层\))?")


def _is_mark(mark: str) -> bool:
    """A province mark is one Han character (鲁, 豫 …)."""
    return len(mark) == 1 and unicodedata.category(mark) == "Lo"


@dataclass(frozen=True)
class TitleNumber:
    """A title certificate's number, in its parts."""

    mark: str
    year: int  # the review year, 2000-2099
    region_code: str  # 地区部门识别代码 of the approving body
    series_code: str  # 系列级别识别代码
    sequence: int  # 1-99999 within (year, region, series)
    grassroots: bool = False

    def __post_init__(self) -> None:
        if not _is_mark(self.mark):
            raise EcertError(
                "bad_title_number",
                f"省份标识“{self.mark}”应为一个汉字",
                f"the province mark {self.mark!r} must be one Han character",
                field="mark",
            )
        if not FIRST_YEAR <= self.year < FIRST_YEAR + 100:
            raise EcertError(
                "bad_title_number",
                f"评审年度 {self.year} 不在 {FIRST_YEAR}–{FIRST_YEAR + 99} 之间",
                f"review year {self.year} is outside {FIRST_YEAR}-{FIRST_YEAR + 99}",
                field="year",
            )
        if not _REGION.fullmatch(self.region_code):
            raise EcertError(
                "bad_title_number",
                f"地区部门识别代码“{self.region_code}”应为 5 位数字",
                f"region-department code {self.region_code!r} must be 5 digits",
                field="region_code",
            )
        if not _SERIES.fullmatch(self.series_code):
            raise EcertError(
                "bad_title_number",
                f"系列级别识别代码“{self.series_code}”应为 3 位数字",
                f"series-level code {self.series_code!r} must be 3 digits",
                field="series_code",
            )
        if not 1 <= self.sequence <= SEQUENCE_MAX:
            raise EcertError(
                "bad_title_number",
                f"顺序编号 {self.sequence} 不在 1–{SEQUENCE_MAX} 之间",
                f"sequence {self.sequence} is outside 1-{SEQUENCE_MAX}",
                field="sequence",
            )

    @property
    def digits(self) -> str:
        """The 15 digits."""
        return f"{self.year % 100:02d}{self.region_code}{self.series_code}{self.sequence:05d}"

    @property
    def number(self) -> str:
        """The number without the grassroots mark: one per certificate, never reused."""
        return f"{self.mark}{self.digits}"

    @property
    def text(self) -> str:
        """The number as printed: ``鲁181402001200001``, ``…（基层）`` for a grassroots title."""
        return self.number + (GRASSROOTS if self.grassroots else "")

    @property
    def spaced(self) -> str:
        """The parts apart, as the notice writes its example: ``鲁 17 00001 011 00001``."""
        parts = (self.mark, f"{self.year % 100:02d}", self.region_code, self.series_code)
        return " ".join((*parts, f"{self.sequence:05d}")) + (GRASSROOTS if self.grassroots else "")


def parse_title_number(text: str) -> TitleNumber:
    """Read a title number as a person may type it: spaces, full-width digits and parentheses,
    with or without "（基层）". Raises EcertError saying what is wrong."""
    typed = "".join(unicodedata.normalize("NFKC", text).split())
    found = _NUMBER.fullmatch(typed)
    if found is None:
        raise EcertError(
            "bad_title_number",
            f"“{text.strip()[:40]}”不是职称证书编号：应为省份标识加 15 位数字，如 鲁181402001200001",
            f"{text.strip()[:40]!r} is not a title certificate number: a province mark and 15 "
            "digits, as in 鲁181402001200001",
            field="number",
        )
    digits = found["digits"]
    return TitleNumber(
        mark=found["mark"],
        year=FIRST_YEAR + int(digits[:2]),
        region_code=digits[2:7],
        series_code=digits[7:10],
        sequence=int(digits[10:]),
        grassroots=found["grassroots"] is not None,
    )


# ── Who manages a title's data (第六条; Liaocheng 二) ──────────────────────────────────────────


class Manager(StrEnum):
    APPROVER = "approver"  # the body that approved the title
    CITY_BUREAU = "city_bureau"  # the city HR bureau above it


def data_manager(
    approver_kind: AuthorityKind, approver_level: AuthorityLevel, level: TitleLevel
) -> Manager:
    """谁核准公布、谁负责管理, with the one exception the notices make: an intermediate title that a
    city department, city enterprise or other city body approved is numbered and managed by the
    city HR bureau (第六条(二)). Every other title is managed by the body that approved it."""
    city_body = (
        approver_level is AuthorityLevel.CITY and approver_kind is not AuthorityKind.HR_BUREAU
    )
    if level is TitleLevel.INTERMEDIATE and city_body:
        return Manager.CITY_BUREAU
    return Manager.APPROVER


def region_code_check(code: str, *, city_code: str | None) -> None:
    """A region-department code is 5 digits; inside a city it starts with the two digits the
    province gave the city (第五条(一): the province decides the first 2, the city the last 3).
    ``city_code`` is the city bureau's own code, None outside any city."""
    if not _REGION.fullmatch(code):
        raise EcertError(
            "bad_region_code",
            f"地区部门识别代码“{code}”应为 5 位数字",
            f"region-department code {code!r} must be 5 digits",
            field="region_code",
        )
    if city_code is not None and code[:2] != city_code[:2]:
        raise EcertError(
            "bad_region_code",
            f"本市的地区部门识别代码须以省里确定的“{city_code[:2]}”开头，后 3 位由市里确定",
            f"codes inside this city must start with {city_code[:2]!r}, the digits the province "
            "gave the city; the city chooses the last 3",
            field="region_code",
        )


def review_year_check(year: int, approval_date: date) -> None:
    """The review year is the year of the review the title passed: not after its approval."""
    if not FIRST_YEAR <= year <= approval_date.year:
        raise EcertError(
            "bad_review_year",
            f"评审年度 {year} 不能晚于核准日期所在年度 {approval_date.year}，也不能早于 {FIRST_YEAR}",
            f"review year {year} must be from {FIRST_YEAR} to the approval's year {approval_date.year}",
            field="review_year",
        )


def report_deadline(formed_on: date) -> date:
    """The last day to report data formed on ``formed_on`` (第十五条: within 30 days)."""
    return formed_on + timedelta(days=REPORT_DAYS)


# ── Code tables (data/titles.toml) ────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class SchemeRecord:
    """A province's numbering scheme: its mark, set on the province's HR bureau."""

    province: str  # authority key
    mark: str


@dataclass(frozen=True)
class SeriesLevelRecord:
    """One row of a province's series-level code table (第五条(二), 附件3)."""

    province: str
    code: str
    series: str  # 职称系列: 中小学教师
    level: TitleLevel
    title: str  # the title's name in that series: 高级教师
    name: str  # the code table's name for the row: 中小学教师高级


@dataclass(frozen=True)
class CodeTables:
    schemes: tuple[SchemeRecord, ...]
    series_levels: tuple[SeriesLevelRecord, ...]

    def series_level(self, number: TitleNumber) -> SeriesLevelRecord | None:
        """The row a number's series-level code names in its province's table, if we have it."""
        provinces = {s.province for s in self.schemes if s.mark == number.mark}
        return next(
            (
                row
                for row in self.series_levels
                if row.province in provinces and row.code == number.series_code
            ),
            None,
        )


def default_titles_path() -> Path:
    return PACKAGE_DATA / "titles.toml"


def _text(table: Mapping[str, object], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise EcertError(
            "bad_code_tables", f"{where}：缺少“{key}”", f"{where}: {key!r} is missing", field=key
        )
    return value.strip()


def load_code_tables(path: Path | None = None) -> CodeTables:
    """Read and check the code tables; a mistake names the file, the table and the field."""
    path = path or default_titles_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise EcertError(
            "bad_code_tables", f"无法读取 {path.name}：{error}", f"cannot read {path.name}: {error}"
        ) from error
    schemes: list[SchemeRecord] = []
    for i, table in enumerate(data.get("scheme", []), 1):
        where = f"{path.name} [[scheme]] #{i}"
        mark = _text(table, "mark", where)
        if not _is_mark(mark):
            raise EcertError(
                "bad_code_tables",
                f"{where}：省份标识应为一个汉字",
                f"{where}: mark must be one Han character",
                field="mark",
            )
        schemes.append(SchemeRecord(province=_text(table, "province", where), mark=mark))
    _unique((s.province for s in schemes), path.name, "scheme", "province")
    _unique((s.mark for s in schemes), path.name, "scheme", "mark")
    provinces = {s.province for s in schemes}
    rows: list[SeriesLevelRecord] = []
    for i, table in enumerate(data.get("series_level", []), 1):
        where = f"{path.name} [[series_level]] #{i}"
        province, code = _text(table, "province", where), _text(table, "code", where)
        if province not in provinces:
            raise EcertError(
                "bad_code_tables",
                f"{where}：省份“{province}”没有 [[scheme]]",
                f"{where}: province {province!r} has no [[scheme]]",
                field="province",
            )
        if not _SERIES.fullmatch(code):
            raise EcertError(
                "bad_code_tables",
                f"{where}：代码应为 3 位数字",
                f"{where}: code must be 3 digits",
                field="code",
            )
        level = _text(table, "level", where)
        if level not in TitleLevel.__members__.values():
            choices = ", ".join(TitleLevel)
            raise EcertError(
                "bad_code_tables",
                f"{where}：级别“{level}”应为 {choices} 之一",
                f"{where}: level must be one of {choices}",
                field="level",
            )
        rows.append(
            SeriesLevelRecord(
                province=province,
                code=code,
                series=_text(table, "series", where),
                level=TitleLevel(level),
                title=_text(table, "title", where),
                name=_text(table, "name", where),
            )
        )
    _unique((f"{r.province} {r.code}" for r in rows), path.name, "series_level", "code")
    return CodeTables(schemes=tuple(schemes), series_levels=tuple(rows))


def _unique(values: Iterable[str], file: str, table: str, field: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise EcertError(
                "bad_code_tables",
                f"{file} [[{table}]]：“{value}”重复",
                f"{file} [[{table}]]: {value!r} appears twice",
                field=field,
            )
        seen.add(value)
