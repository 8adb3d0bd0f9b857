"""Made-up pass lists written as .xlsx, .xls and .csv files, as clerks would upload them.

Every person is invented: names from common characters (every ``rare_every``-th with 堃, 喆 or
the astral 𠮷), resident ID numbers that pass GB 11643 for Shandong districts, 16-digit
management numbers that may begin with zeros.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import xlsxwriter
import xlwt  # type: ignore[import-untyped]

from ecert.core.identity.idnumbers import ID_TYPE_LABELS, SEX_LABELS, IdType, Sex
from tests.core.idgen import make_resident_id

PINYIN_HEADER = ("ZSGLH", "KSXM", "ZJHM", "ZJLB", "XB", "BKJB", "BKZY", "CSNY", "PZRQ", "BMS")
CHINESE_HEADER = (
    "管理号",
    "姓名",
    "证件号码",
    "证件类别",
    "性别",
    "级别",
    "专业",
    "出生年月",
    "批准日期",
    "报名市",
)
ID_COLUMN = PINYIN_HEADER.index("ZJHM")
APPROVAL_COLUMN = PINYIN_HEADER.index("PZRQ")

# Districts of the default cities, in the same order: 历下区, 市南区, 淄川区, 东昌府区.
REGIONS = ("370102", "370202", "370302", "371502")
SURNAMES = "张王李赵刘陈杨黄孙周吴徐朱胡郭何"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"
RARE = ("堃", "喆", "𠮷")
FIRST_BIRTH, LAST_BIRTH = date(1960, 1, 1), date(2000, 12, 31)
CONSTANT_MEMORY_ABOVE = 10_000  # rows; XlsxWriter then streams rows and writes inline strings


@dataclass(frozen=True)
class Passer:
    """One person on a pass list, with every column filled in as a clerk would type it."""

    management_number: str
    name: str
    id_number: str
    id_type_label: str
    sex: str
    level: str
    specialty: str
    birth_month: date  # first of the month
    approval_date: date
    city: str


def make_passers(
    n: int,
    *,
    seed: int = 1,
    level: str = "一级",
    specialties: Sequence[str] = ("建筑工程", "市政公用工程", "机电工程"),
    approval_date: date = date(2024, 6, 30),
    cities: Sequence[str] = ("济南市", "青岛市", "淄博市", "聊城市"),
    rare_every: int = 7,
) -> list[Passer]:
    """``n`` distinct passers, the same for the same arguments; management numbers are
    ``f"{seed:04d}{i:012d}"`` (so seed 1 gives numbers that begin with zeros)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    passers = []
    for i in range(1, n + 1):
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
        while True:
            birth = FIRST_BIRTH + timedelta(days=rng.randrange((LAST_BIRTH - FIRST_BIRTH).days))
            id_number = make_resident_id(
                birth, sex, REGIONS[(i - 1) % len(REGIONS)], rng.randrange(500)
            )
            if id_number not in seen:
                seen.add(id_number)
                break
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        if rare_every > 0 and i % rare_every == 0:
            given = RARE[(i // rare_every - 1) % len(RARE)] + given[1:]
        passers.append(
            Passer(
                management_number=f"{seed:04d}{i:012d}",
                name=rng.choice(SURNAMES) + given,
                id_number=id_number,
                id_type_label=ID_TYPE_LABELS[IdType.RESIDENT_ID].zh,
                sex=SEX_LABELS[sex].zh,
                level=level,
                specialty=specialties[(i - 1) % len(specialties)] if specialties else "",
                birth_month=birth.replace(day=1),
                approval_date=approval_date,
                city=cities[(i - 1) % len(cities)],
            )
        )
    return passers


def passer_cells(p: Passer) -> list[str | date]:
    """The passer's cells in header order: CSNY as "YYYY-MM" text, PZRQ as a date."""
    return [
        p.management_number,
        p.name,
        p.id_number,
        p.id_type_label,
        p.sex,
        p.level,
        p.specialty,
        f"{p.birth_month:%Y-%m}",
        p.approval_date,
        p.city,
    ]


def sheet_rows(
    passers: Sequence[Passer],
    *,
    header: Sequence[str] = PINYIN_HEADER,
    dates_as_cells: bool = True,
    numeric_id_rows: Collection[int] = (),
    extra_rows: Sequence[Sequence[object]] = (),
) -> list[Sequence[object]]:
    """What a workbook holds, row by row: the header, the passers (PZRQ as text unless
    ``dates_as_cells``; ZJHM a float, as Excel stores a number typed into a General cell, for
    the 0-based ``numeric_id_rows``), then ``extra_rows`` as given."""
    rows: list[Sequence[object]] = [header]
    for index, p in enumerate(passers):
        cells: list[object] = list(passer_cells(p))
        if not dates_as_cells:
            cells[APPROVAL_COLUMN] = p.approval_date.isoformat()
        if index in numeric_id_rows:
            if not p.id_number.isdigit():
                raise ValueError("an ID number ending in X stays text in Excel; pick another row")
            cells[ID_COLUMN] = float(int(p.id_number))
        rows.append(cells)
    return [*rows, *extra_rows]


def write_xlsx(
    path: Path,
    passers: Sequence[Passer],
    *,
    header: Sequence[str] = PINYIN_HEADER,
    dates_as_cells: bool = True,
    numeric_id_rows: Collection[int] = (),
    extra_rows: Sequence[Sequence[object]] = (),
    constant_memory: bool | None = None,
) -> Path:
    """The pass list as Excel saves it (see :func:`sheet_rows`): text formatted "@", dates as
    yyyy-mm-dd date cells. ``constant_memory`` (XlsxWriter writes inline strings instead of a
    shared-strings table) defaults to on for big lists."""
    if constant_memory is None:
        constant_memory = len(passers) > CONSTANT_MEMORY_ABOVE
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    sheet = workbook.add_worksheet("合格人员")
    text = workbook.add_format({"num_format": "@"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    rows = sheet_rows(
        passers,
        header=header,
        dates_as_cells=dates_as_cells,
        numeric_id_rows=numeric_id_rows,
        extra_rows=extra_rows,
    )
    for row, cells in enumerate(rows):
        for column, value in enumerate(cells):
            if isinstance(value, bool):
                sheet.write_boolean(row, column, value)
            elif isinstance(value, int | float):
                sheet.write_number(row, column, value)
            elif isinstance(value, date):
                sheet.write_datetime(row, column, value, day)
            elif value is not None:
                sheet.write_string(row, column, str(value), text)
    workbook.close()
    return path


def write_xls(
    path: Path,
    passers: Sequence[Passer],
    *,
    header: Sequence[str] = PINYIN_HEADER,
    dates_as_cells: bool = True,
    numeric_id_rows: Collection[int] = (),
    extra_rows: Sequence[Sequence[object]] = (),
) -> Path:
    """The same in the Excel 97–2003 format (at most 65,535 passers)."""
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("合格人员")
    text = xlwt.easyxf(num_format_str="@")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    rows = sheet_rows(
        passers,
        header=header,
        dates_as_cells=dates_as_cells,
        numeric_id_rows=numeric_id_rows,
        extra_rows=extra_rows,
    )
    for row, cells in enumerate(rows):
        for column, value in enumerate(cells):
            if isinstance(value, date):
                sheet.write(row, column, value, day)
            elif isinstance(value, str):
                sheet.write(row, column, value, text)
            elif value is not None:
                sheet.write(row, column, value)
    workbook.save(str(path))
    return path


def write_csv(
    path: Path,
    passers: Sequence[Passer],
    *,
    header: Sequence[str] = PINYIN_HEADER,
    encoding: Literal["utf-8", "utf-8-sig", "gb18030"] = "utf-8",
    extra_rows: Sequence[Sequence[object]] = (),
) -> Path:
    """A pass list saved as CSV: dates as "2024-06-30", empty cells as nothing."""
    rows: list[Sequence[object]] = [header, *(passer_cells(p) for p in passers), *extra_rows]
    with path.open("w", encoding=encoding, newline="") as file:
        writer = csv.writer(file)
        for row in rows:
            writer.writerow(
                [value.isoformat() if isinstance(value, date) else value for value in row]
            )
    return path
