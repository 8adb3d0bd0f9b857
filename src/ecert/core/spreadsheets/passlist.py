"""Pass lists (合格人员名单): find the columns of a header row, then check every data row.

An exam centre sends one spreadsheet per exam with the columns of seed 001 附件 二.2 (ZSGLH …
BMS), headed by those pinyin codes or by Chinese names. ``read_layout`` maps the header once;
``RowValidator`` checks each row against the exam's rules and reports every problem of a row at
once, in words a clerk can act on, so one round of corrections is enough. Pure: no I/O, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from functools import lru_cache, partial
from operator import itemgetter
from types import MappingProxyType
from typing import TypeGuard, TypeVar

from ecert.core.errors import EcertError
from ecert.core.formats.claims import TEXT_LIMITS
from ecert.core.identity.idnumbers import (
    ID_TYPE_LABELS,
    IdNumber,
    IdType,
    Label,
    Sex,
    detect_id_type,
    mask_id_number,
    parse_id_number,
)
from ecert.core.spreadsheets import passlist_messages as messages
from ecert.core.spreadsheets.cells import Cell
from ecert.core.spreadsheets.passlist_messages import Issue

# The longest name the signed claims carry (docs/formats/credential-v1.md).
NAME_LIMIT = TEXT_LIMITS["holder_name"]


class Field(StrEnum):
    """A pass-list column, by the pinyin code the replacement Excel uses as its header."""

    MANAGEMENT_NUMBER = "ZSGLH"
    NAME = "KSXM"
    ID_NUMBER = "ZJHM"
    ID_TYPE = "ZJLB"
    SEX = "XB"
    LEVEL = "BKJB"
    SPECIALTY = "BKZY"
    BIRTH_MONTH = "CSNY"
    APPROVAL_DATE = "PZRQ"
    PHOTO = "ZP"
    CITY = "BMS"


FIELD_LABELS: Mapping[Field, Label] = MappingProxyType(
    {
        Field.MANAGEMENT_NUMBER: Label("管理号", "management number"),
        Field.NAME: Label("姓名", "name"),
        Field.ID_NUMBER: Label("证件号码", "ID number"),
        Field.ID_TYPE: Label("证件类别", "ID type"),
        Field.SEX: Label("性别", "sex"),
        Field.LEVEL: Label("级别", "level"),
        Field.SPECIALTY: Label("专业", "specialty"),
        Field.BIRTH_MONTH: Label("出生年月", "birth month"),
        Field.APPROVAL_DATE: Label("批准日期", "approval date"),
        Field.PHOTO: Label("照片", "photo"),
        Field.CITY: Label("报名市", "registration city"),
    }
)

# The one table from header text to field. Keys are in the form _key gives: no spaces,
# full-width folded, upper case; a header "ZSGLH（管理号）" is matched by its parts.
HEADER_NAMES: Mapping[str, Field] = MappingProxyType(
    {
        **{field.value: field for field in Field},
        "管理号": Field.MANAGEMENT_NUMBER,
        "管理号码": Field.MANAGEMENT_NUMBER,
        "证书管理号": Field.MANAGEMENT_NUMBER,
        "姓名": Field.NAME,
        "考生姓名": Field.NAME,
        "证件号码": Field.ID_NUMBER,
        "证件号": Field.ID_NUMBER,
        "身份证号码": Field.ID_NUMBER,
        "身份证号": Field.ID_NUMBER,
        "身份证件号码": Field.ID_NUMBER,
        "证件类别": Field.ID_TYPE,
        "证件类型": Field.ID_TYPE,
        "性别": Field.SEX,
        "级别": Field.LEVEL,
        "报考级别": Field.LEVEL,
        "专业": Field.SPECIALTY,
        "报考专业": Field.SPECIALTY,
        "出生年月": Field.BIRTH_MONTH,
        "出生日期": Field.BIRTH_MONTH,
        "批准日期": Field.APPROVAL_DATE,
        "照片": Field.PHOTO,
        "报名市": Field.CITY,
        "报名地市": Field.CITY,
        "报名城市": Field.CITY,
    }
)

REQUIRED: frozenset[Field] = frozenset(
    {Field.MANAGEMENT_NUMBER, Field.NAME, Field.ID_NUMBER, Field.APPROVAL_DATE, Field.CITY}
)
MINIMUM_AGE = 16  # years, on the approval date

# Full-width ASCII (U+FF01–U+FF5E) to half-width, ideographic space to space.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_WIDE = re.compile("[\uff01-\uff5e\u3000]")  # finding one is much cheaper than translating
_BRACKETED = re.compile(r"(.+?)\((.+)\)")
_MANAGEMENT_NUMBER = re.compile(r"[0-9A-Z]{6,32}")
_TIME_SUFFIX = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"
_DATES = (
    re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})" + _TIME_SUFFIX),
    re.compile(r"([0-9]{4})年()([0-9]{1,2})月([0-9]{1,2})日?"),
    re.compile(r"([0-9]{4})()([0-9]{2})([0-9]{2})"),
)
_MONTHS = (
    re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})"),
    re.compile(r"([0-9]{4})年([0-9]{1,2})月?"),
    re.compile(r"([0-9]{4})([0-9]{2})"),
)
_EARLIEST_BIRTH_YEAR = 1900
_REMEMBERED = 4096  # distinct values remembered per column by a RowValidator

_ID_TYPE_NAMES: Mapping[str, tuple[IdType, ...]] = MappingProxyType(
    {
        **{id_type.value.upper(): (id_type,) for id_type in IdType},
        **{label.zh: (id_type,) for id_type, label in ID_TYPE_LABELS.items()},
        **{
            label.en.upper().replace(" ", ""): (id_type,)
            for id_type, label in ID_TYPE_LABELS.items()
        },
        "身份证": (IdType.RESIDENT_ID,),
        "二代身份证": (IdType.RESIDENT_ID,),
        "第二代居民身份证": (IdType.RESIDENT_ID,),
        "中华人民共和国居民身份证": (IdType.RESIDENT_ID,),
        "港澳台居民居住证": (IdType.HK_MACAO_RESIDENCE_PERMIT, IdType.TAIWAN_RESIDENCE_PERMIT),
        "外国人永久居留证": (IdType.FOREIGN_PERMANENT_RESIDENCE,),
        "外国人永久居留身份证件": (IdType.FOREIGN_PERMANENT_RESIDENCE,),
        "外国护照": (IdType.PASSPORT,),
    }
)
_SEX_NAMES: Mapping[str, Sex] = MappingProxyType(
    {
        "男": Sex.MALE,
        "男性": Sex.MALE,
        "MALE": Sex.MALE,
        "M": Sex.MALE,
        "女": Sex.FEMALE,
        "女性": Sex.FEMALE,
        "FEMALE": Sex.FEMALE,
        "F": Sex.FEMALE,
    }
)


# The codes with which a pass list is refused as a whole (read_layout, RowValidator, no_data_rows).
FILE_REFUSALS = frozenset({"no_header", "duplicate_column", "missing_columns", "no_data_rows"})


def no_data_rows() -> EcertError:
    """For the importer: the header was read but no row follows it."""
    return EcertError(*messages.no_data_rows())


@dataclass(frozen=True)
class Layout:
    """Where each known field is (0-based column index), the header cells as text, what is ignored."""

    columns: Mapping[Field, int]
    headers: tuple[str, ...]
    ignored: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExamRules:
    """What a row must agree with: the exam's catalogue entry, the province's cities, the clock."""

    qualification_name: str
    levels: tuple[str, ...]
    specialties: tuple[str, ...]
    cities: Mapping[str, str]  # city name such as "济南市" -> authority key
    today: date
    earliest_approval: date
    # Records of paper certificates keep the specialty they were printed with (seed 001 二(一)2:
    # 尊重历史数据), even one the catalogue no longer lists.
    any_specialty: bool = False


@dataclass(frozen=True)
class PassRow:
    """One person of the pass list, checked and normalised."""

    row: int
    management_number: str
    name: str
    id_number: IdNumber
    sex: Sex | None
    birth_month: tuple[int, int] | None
    level: str
    specialty: str
    approval_date: date
    city_key: str
    photo: str = ""  # the ZP cell: the photo's file name in the accompanying zip


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong in one row; ``column`` is the spreadsheet letter when the column exists."""

    row: int
    column: str | None
    field: Field | None
    code: str
    zh: str
    en: str

    @property
    def texts(self) -> tuple[str, str]:
        """('C 列（证件号码 ZJHM）：zh', 'column C (ID number, ZJHM): en'), for the error
        workbook, whose first column already gives the row."""
        where_zh, where_en = "", ""
        if self.column is not None:
            where_zh, where_en = f"{self.column} 列", f"column {self.column}"
        if self.field is not None:
            label = FIELD_LABELS[self.field]
            where_zh += f"（{label.zh} {self.field.value}）"
            where_en += f" ({label.en}, {self.field.value})"
        where_en = where_en.strip()
        return (f"{where_zh}：{self.zh}" if where_zh else self.zh), (
            f"{where_en}: {self.en}" if where_en else self.en
        )

    @property
    def text(self) -> str:
        """'第 5 行 C 列（证件号码 ZJHM）：zh / row 5, column C (ID number, ZJHM): en'."""
        zh, en = self.texts
        if self.column is None and self.field is None:
            return f"第 {self.row} 行：{zh} / row {self.row}: {en}"
        return f"第 {self.row} 行 {zh} / row {self.row}, {en}"


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 0-based column index: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def read_layout(cells: Sequence[Cell], *, levels_required: bool) -> Layout:
    """Map the first non-blank row of a pass list to fields; raise EcertError if it is unusable."""
    headers = tuple(_display(cell).strip() for cell in cells)
    positions: dict[Field, list[int]] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        if header:
            field = _header_field(header)
            if field is None:
                ignored.append(header)
            else:
                positions.setdefault(field, []).append(index)
    if not positions:
        raise EcertError(*messages.no_header())
    for field, indexes in positions.items():
        if len(indexes) > 1:
            letters = (column_letter(i) for i in indexes)
            issue = messages.duplicate_column(FIELD_LABELS[field], field.value, letters)
            raise EcertError(*issue)
    required = REQUIRED | {Field.LEVEL} if levels_required else REQUIRED
    missing = [field for field in Field if field in required and field not in positions]
    if missing:
        raise _missing_columns(missing)
    columns = {field: indexes[0] for field, indexes in positions.items()}
    return Layout(MappingProxyType(columns), headers, tuple(ignored))


def validate_row(
    row: int, cells: Sequence[Cell], layout: Layout, rules: ExamRules
) -> PassRow | list[RowProblem]:
    """Check one row; for many rows build one RowValidator and call ``validate`` instead."""
    return RowValidator(layout, rules).validate(row, cells)


T = TypeVar("T")
_CHECKED = tuple(Field)  # in RowValidator's order


class RowValidator:
    """Checks the rows of one pass list against one exam's rules; built once, used per row.

    Building it turns the rules into lookup tables, so a row costs a few dictionary look-ups and
    regular-expression matches. It raises EcertError when the rules need a column the layout
    lacks (levels or specialties), since every row would fail the same way.
    """

    def __init__(self, layout: Layout, rules: ExamRules) -> None:
        self.layout = layout
        self.rules = rules
        self._letters = {field: column_letter(i) for field, i in layout.columns.items()}
        self._width = max(layout.columns.values(), default=-1) + 1
        self._pick = itemgetter(*(layout.columns.get(field, -1) for field in _CHECKED))
        levels = {_key(level): level for level in rules.levels}
        specialties = {_key(name): name for name in rules.specialties}
        cities = {_city_key(name): key for name, key in rules.cities.items()}
        # These columns repeat a handful of values over a whole list: remember what each value
        # gave (bounded, and typed so that 1, 1.0 and TRUE stay apart).
        remember = lru_cache(maxsize=_REMEMBERED, typed=True)
        self._id_types = remember(_id_types)
        self._sex = remember(_sex)
        self._birth_month = remember(partial(_birth_month, today=rules.today))
        self._level = remember(partial(_choice, field=Field.LEVEL, accepted=levels, rules=rules))
        self._specialty = remember(
            partial(_choice, field=Field.SPECIALTY, accepted=specialties, rules=rules)
            if not rules.any_specialty
            else partial(_optional_text, field=Field.SPECIALTY)
        )
        self._approval_date = remember(_approval_date)
        self._city = remember(partial(_city, cities=cities, names=tuple(rules.cities)))
        needed = [
            field
            for field, listed in (
                (Field.LEVEL, rules.levels),
                (Field.SPECIALTY, () if rules.any_specialty else rules.specialties),
            )
            if listed and field not in layout.columns
        ]
        if needed:
            raise _missing_columns(needed)

    def validate(self, row: int, cells: Sequence[Cell]) -> PassRow | list[RowProblem]:
        """A PassRow when the row is good, else every problem found in it."""
        problems: list[RowProblem] = []

        def take(field: Field, result: T | Issue) -> T | None:
            if isinstance(result, Issue):
                problems.append(self._problem(row, field, result))
                return None
            return result

        if len(cells) < self._width:
            cells = [*cells, *[None] * (self._width - len(cells))]
        (
            number_cell,
            name_cell,
            id_number_cell,
            id_type_cell,
            sex_cell,
            level_cell,
            specialty_cell,
            birth_month_cell,
            approval_date_cell,
            photo_cell,
            city_cell,
        ) = self._pick((*cells, None))  # an absent column reads the None at the end

        management_number = take(Field.MANAGEMENT_NUMBER, _management_number(number_cell))
        # The name rules (length, characters, fonts) are the credential pipeline's, checked once.
        name = take(Field.NAME, _raw_text(name_cell, Field.NAME))
        id_types, id_number = self._id_types(id_type_cell), None
        if isinstance(id_types, Issue):  # the number cannot be checked without its type
            problems.append(self._problem(row, Field.ID_TYPE, id_types))
        else:
            checked = _id_number(id_number_cell, id_types, self.rules.today)
            id_number = take(Field.ID_NUMBER, checked)
        sex = take(Field.SEX, self._sex(sex_cell))
        level = take(Field.LEVEL, self._level(level_cell))
        specialty = take(Field.SPECIALTY, self._specialty(specialty_cell))
        birth_month = take(Field.BIRTH_MONTH, self._birth_month(birth_month_cell))
        approval_date = take(Field.APPROVAL_DATE, self._approval_date(approval_date_cell))
        city_key = take(Field.CITY, self._city(city_cell))

        if id_number is not None:
            if sex is None:
                sex = id_number.sex
            elif id_number.sex not in (None, sex):
                problems.append(
                    self._problem(row, Field.SEX, messages.sex_mismatch(sex, id_number))
                )
            born = id_number.birth_date
            if born is not None and birth_month is None:
                birth_month = (born.year, born.month)
            elif born is not None and birth_month and birth_month != (born.year, born.month):
                issue = messages.birth_month_mismatch(birth_month, id_number)
                problems.append(self._problem(row, Field.BIRTH_MONTH, issue))
        if approval_date is not None:
            born = id_number.birth_date if id_number is not None else None
            if born is None and birth_month is not None:
                born = date(*birth_month, 1)  # the earliest possible: flag only the certainly young
            if implausible := _approval_plausibility(approval_date, born, self.rules):
                problems.append(self._problem(row, Field.APPROVAL_DATE, implausible))

        if problems or not (  # the second half only tells mypy that nothing is None
            management_number and name and id_number and approval_date and city_key
        ):
            return problems
        return PassRow(  # positional: keywords cost a tenth of the time budget of a row
            row,
            management_number,
            name,
            id_number,
            sex,
            birth_month,
            level or "",
            specialty or "",
            approval_date,
            city_key,
            self._photo(photo_cell),
        )

    def _photo(self, cell: Cell) -> str:
        text = _optional_text(cell, Field.PHOTO)
        return text if isinstance(text, str) else ""

    def _problem(self, row: int, field: Field, issue: Issue) -> RowProblem:
        return RowProblem(row, self._letters.get(field), field, issue.code, issue.zh, issue.en)


# Cells to values. Each returns the value, None for an optional blank, or an Issue.


def _management_number(cell: Cell) -> str | Issue:
    if _is_number(cell):
        return messages.management_number_is_number(_display(cell))
    text = _required_text(cell, Field.MANAGEMENT_NUMBER)
    if isinstance(text, Issue):
        return text
    value = "".join(text.split()).upper()
    if not _MANAGEMENT_NUMBER.fullmatch(value):
        return messages.management_number_format(text)
    return value


def _id_types(cell: Cell) -> tuple[IdType, ...] | Issue | None:
    text = _optional_text(cell, Field.ID_TYPE)
    if text is None or isinstance(text, Issue):
        return text
    types = _ID_TYPE_NAMES.get(_key(text))
    if types is None:
        return messages.id_type_unknown(text)
    return types


def _id_number(cell: Cell, types: tuple[IdType, ...] | None, today: date) -> IdNumber | Issue:
    if _is_number(cell):
        return messages.id_number_is_number(mask_id_number(_display(cell)))
    text = _raw_text(cell, Field.ID_NUMBER)  # parse_id_number folds and strips itself
    if isinstance(text, Issue):
        return text
    if types is not None and len(types) > 1:  # e.g. 港澳台居民居住证: the number says which
        detected = detect_id_type(text)
        types = (detected,) if detected in types else types
    try:
        return parse_id_number(text, types[0] if types else IdType.RESIDENT_ID, today=today)
    except EcertError as error:
        failure = error
    # ZJLB blank: most numbers are resident IDs, which detect_id_type would have said, so it is
    # only asked when that failed.
    detected = detect_id_type(text) if types is None else None
    if detected is not None and detected is not IdType.RESIDENT_ID:
        try:
            return parse_id_number(text, detected, today=today)
        except EcertError as error:
            failure = error
    masked = mask_id_number("".join(text.translate(_FOLD).split()))
    return messages.bad_id_number(failure, masked, type_unknown=types is None and detected is None)


def _sex(cell: Cell) -> Sex | Issue | None:
    text = _optional_text(cell, Field.SEX)
    if text is None or isinstance(text, Issue):
        return text
    sex = _SEX_NAMES.get(_key(text))
    if sex is None:
        return messages.sex_unknown(text)
    return sex


def _birth_month(cell: Cell, today: date) -> tuple[int, int] | Issue | None:
    if _is_blank(cell):
        return None
    month: tuple[int, int] | None = None
    if isinstance(cell, date):  # a datetime is a date too
        month = (cell.year, cell.month)
    elif (text := _date_text(cell)) is not None:
        month = _month_from_text(text)
    if month is None:
        return messages.birth_month_unreadable(_display(cell).strip())
    if not (_EARLIEST_BIRTH_YEAR, 1) <= month <= (today.year, today.month):
        return messages.birth_month_out_of_range(_display(cell).strip(), _EARLIEST_BIRTH_YEAR)
    return month


def _choice(
    cell: Cell, field: Field, accepted: Mapping[str, str], rules: ExamRules
) -> str | Issue | None:
    """A level or specialty: one of the catalogue's when it lists some, else blank."""
    text = _optional_text(cell, field)
    if isinstance(text, Issue):
        return text
    exam = rules.qualification_name
    if not accepted:
        if text is None:
            return None
        if field is Field.LEVEL:
            return messages.level_not_expected(exam, text)
        return messages.specialty_not_expected(exam, text)
    if text is None:
        return _missing(field)
    value = accepted.get(_key(text))
    if value is None:
        code = "level_unknown" if field is Field.LEVEL else "specialty_unknown"
        return messages.not_in_catalogue(code, FIELD_LABELS[field], text, exam, accepted.values())
    return value


def _approval_date(cell: Cell) -> date | Issue:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if _is_blank(cell):
        return _missing(Field.APPROVAL_DATE)
    text = _date_text(cell)
    approved = _date_from_text(text) if text is not None else None
    if approved is not None:
        return approved
    if _is_number(cell):
        return messages.approval_date_is_number(_display(cell).strip())
    return messages.approval_date_unreadable(_display(cell).strip())


def _city(cell: Cell, cities: Mapping[str, str], names: Sequence[str]) -> str | Issue:
    text = _required_text(cell, Field.CITY)
    if isinstance(text, Issue):
        return text
    key = cities.get(_city_key(text))
    if key is None:
        return messages.city_unknown(text, names)
    return key


# Checks across fields.


def _approval_plausibility(approved: date, born: date | None, rules: ExamRules) -> Issue | None:
    if approved > rules.today:
        return messages.date_in_future(approved, rules.today)
    if approved < rules.earliest_approval:
        return messages.date_too_early(approved, rules.earliest_approval)
    if born is not None and _age(born, approved) < MINIMUM_AGE:
        return messages.too_young(approved, MINIMUM_AGE)
    return None


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# Cell helpers.


def _is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _is_number(cell: Cell) -> TypeGuard[int | float]:
    return isinstance(cell, int | float) and not isinstance(cell, bool)


def _clean(text: str) -> str:
    """Fold full-width ASCII, strip, NFC: the form every text cell is compared in."""
    if text.isascii():
        return text.strip()
    if _WIDE.search(text):
        text = text.translate(_FOLD)
    return unicodedata.normalize("NFC", text.strip())


def _optional_text(cell: Cell, field: Field) -> str | Issue | None:
    """The cleaned text of a text cell, None if blank, an Issue if it is not text."""
    if isinstance(cell, str):
        return _clean(cell) or None
    if cell is None:
        return None
    if _is_number(cell):
        return messages.number_cell(FIELD_LABELS[field], _display(cell))
    return messages.not_text(FIELD_LABELS[field], _display(cell))


def _required_text(cell: Cell, field: Field) -> str | Issue:
    text = _optional_text(cell, field)
    return _missing(field) if text is None else text


def _raw_text(cell: Cell, field: Field) -> str | Issue:
    """A non-blank text cell as given, for parsers that normalise it themselves."""
    if isinstance(cell, str) and cell and not cell.isspace():
        return cell
    return _required_text(cell, field)


def _missing(field: Field) -> Issue:
    return messages.missing(FIELD_LABELS[field])


def _date_text(cell: Cell) -> str | None:
    """Text of a cell that may hold a written date: cleaned text, or the digits of a whole number.

    Whole numbers are accepted because 20240630 typed into an unformatted cell arrives as a
    number (a float from .xlsx); they only match the 8-digit (or 6-digit year-month) forms.
    """
    if isinstance(cell, str):
        return _clean(cell)
    if _is_number(cell) and 0 <= cell < 10**8 and float(cell).is_integer():
        return str(int(cell))
    return None


def _date_from_text(text: str) -> date | None:
    for pattern in _DATES:
        match = pattern.fullmatch(text)
        if match:
            year, _, month, day = match.groups()
            try:
                return date(int(year), int(month), int(day))
            except ValueError:
                return None
    return None


def _month_from_text(text: str) -> tuple[int, int] | None:
    full = _date_from_text(text)
    if full is not None:
        return (full.year, full.month)
    for pattern in _MONTHS:
        match = pattern.fullmatch(text)
        if match:
            year, month = int(match[1]), int(match[2])
            return (year, month) if 1 <= month <= 12 else None
    return None


def _display(cell: Cell) -> str:
    """A cell as a clerk would read it: numbers by their digits, dates as 2024-06-30."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, date | time):
        return cell.isoformat()
    return str(cell)


def _key(text: str) -> str:
    """The form headers, levels, specialties and ID types are compared in."""
    return "".join(_clean(text).split()).upper()


def _header_field(text: str) -> Field | None:
    """The field a header names: 'ZSGLH', 'zsglh', '管理号', or both as 'ZSGLH（管理号）'."""
    key = _key(text)
    field = HEADER_NAMES.get(key)
    if field is None and (match := _BRACKETED.fullmatch(key)):
        named = {HEADER_NAMES.get(part) for part in match.groups()} - {None}
        if len(named) == 1:
            field = named.pop()
    return field


def _city_key(text: str) -> str:
    """'济南市', '济南', ' 济 南 市 ' all give '济南'."""
    key = "".join(_clean(text).split())
    return key[:-1] if len(key) > 1 and key.endswith("市") else key


def _missing_columns(fields: Sequence[Field]) -> EcertError:
    return EcertError(*messages.missing_columns([(FIELD_LABELS[f], f.value) for f in fields]))
