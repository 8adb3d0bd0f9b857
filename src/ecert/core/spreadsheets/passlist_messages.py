"""What the pass-list checks say: each problem a clerk can cause, in Chinese first, English second.

Every builder returns an Issue; ``passlist`` adds the row and column to it, or raises it as an
EcertError when it concerns the whole file. Pure: no I/O, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import (
    ID_TYPE_LABELS,
    SEX_LABELS,
    IdNumber,
    Label,
    Sex,
)

_LISTED = 20  # at most this many accepted values are named in a message


class Issue(NamedTuple):
    """A problem of one cell or of the file, before the validator adds row and column."""

    code: str
    zh: str
    en: str


# Problems of the whole file.


def no_header() -> Issue:
    return Issue(
        "no_header",
        "第一行不是表头：没有找到任何已知的列名；请在第一行填写列名，如 ZSGLH、KSXM、ZJHM 或 管理号、姓名、证件号码",
        "the first row is not a header: it has no known column name; put the column names in "
        "the first row, e.g. ZSGLH, KSXM, ZJHM or 管理号, 姓名, 证件号码",
    )


def duplicate_column(label: Label, code: str, columns: Iterable[str]) -> Issue:
    letters = "、".join(columns)
    return Issue(
        "duplicate_column",
        f"“{label.zh} {code}”列出现了多次（{letters} 列）；请只保留一列",
        f"the {label.en} ({code}) column appears more than once (columns "
        f"{letters.replace('、', ', ')}); keep only one",
    )


def missing_columns(fields: Sequence[tuple[Label, str]]) -> Issue:
    """``fields``: the label and pinyin code of each missing column."""
    zh = "、".join(f"{label.zh} {code}" for label, code in fields)
    en = ", ".join(f"{label.en} ({code})" for label, code in fields)
    return Issue(
        "missing_columns",
        f"缺少必需的列：{zh}；请在表头行加上这些列并填写",
        f"required columns are missing: {en}; add them to the header row and fill them in",
    )


def no_data_rows() -> Issue:
    return Issue(
        "no_data_rows",
        "名单只有表头，没有人员数据；请在表头下逐行填写合格人员后重新导入",
        "the list has a header but no rows of people; add them below the header and import again",
    )


# Problems of any text cell.


def missing(label: Label) -> Issue:
    return Issue("missing", f"{label.zh}为空；请填写", f"the {label.en} is blank; fill it in")


def number_cell(label: Label, shown: str) -> Issue:
    """A number where text belongs; ``shown`` is the cell as displayed."""
    shown = _quote(shown)
    return Issue(
        "number_cell",
        f"{label.zh}以数字形式存储（{shown}），应为文字；请将该列设置为“文本”格式后重新输入",
        f"the {label.en} is stored as a number ({shown}), not text; format the column as "
        "Text and type it again",
    )


def not_text(label: Label, shown: str) -> Issue:
    """A date, time or TRUE/FALSE where text belongs; ``shown`` is the cell as displayed."""
    shown = _quote(shown)
    return Issue(
        "not_text",
        f"{label.zh}应为文字，不是日期、时间或逻辑值（{shown}）；请将该列设置为“文本”格式后重新输入",
        f"the {label.en} must be text, not a date, time or TRUE/FALSE ({shown}); format the "
        "column as Text and type it again",
    )


# Problems of one field.


def management_number_is_number(shown: str) -> Issue:
    return Issue(
        "number_cell",
        f"管理号以数字形式存储（{shown}），前导零或部分数字可能已丢失；"
        "请将该列设置为“文本”格式后重新输入",
        f"the management number is stored as a number ({shown}), so leading zeros or digits "
        "may have been lost; format the column as Text and type it again",
    )


def management_number_format(text: str) -> Issue:
    shown = _quote(text)
    return Issue(
        "management_number_format",
        f"管理号“{shown}”格式不对：应为 6 至 32 位数字或英文字母；请核对后更正",
        f"management number “{shown}” is not valid: it must be 6 to 32 digits or letters "
        "A–Z; check and correct it",
    )


def name_invalid(zh: str, en: str) -> Issue:
    """``zh``, ``en``: why normalise_name refused the name."""
    return Issue("name_invalid", f"{zh}；请更正", f"{en}; correct it")


def name_too_long(limit: int) -> Issue:
    return Issue(
        "name_too_long",
        f"姓名超过 {limit} 个字符，证书上放不下；请核对",
        f"the name is longer than {limit} characters and does not fit the certificate; check it",
    )


def name_unprintable(missing: list[str]) -> Issue:
    shown = "、".join(f"“{c}”(U+{ord(c):04X})" for c in missing[:3])
    plain = ", ".join(f"U+{ord(c):04X}" for c in missing[:3])
    return Issue(
        "name_unprintable",
        f"姓名中的字 {shown} 没有可用字体，证书上无法打印；请核对或联系管理员添加字体",
        f"the name has characters no certificate font draws ({plain}); check it or add a font",
    )


def id_type_unknown(text: str) -> Issue:
    shown = _quote(text)
    return Issue(
        "id_type_unknown",
        f"证件类别“{shown}”无法识别；请填写 "
        f"{'、'.join(label.zh for label in ID_TYPE_LABELS.values())} 之一，或留空由证件号码判断",
        f"ID type “{shown}” is not recognised; write one of "
        f"{', '.join(label.zh for label in ID_TYPE_LABELS.values())} "
        f"({', '.join(label.en for label in ID_TYPE_LABELS.values())}), "
        "or leave it blank to tell the type from the number",
    )


def id_number_is_number(masked: str) -> Issue:
    return Issue(
        "number_cell",
        f"证件号码以数字形式存储（{masked}），末几位已丢失或被改变；"
        "请将该列设置为“文本”格式后重新输入号码",
        f"the ID number is stored as a number ({masked}), so its last digits are lost or "
        "changed; format the column as Text and type the number again",
    )


def bad_id_number(failure: EcertError, masked: str, *, type_unknown: bool) -> Issue:
    """``type_unknown``: ZJLB is blank and the number's form names no type either."""
    zh, en = f"{failure.zh}（{masked}）", f"{failure.en} ({masked})"
    if type_unknown:
        zh += "；如为护照等其他证件，请在证件类别（ZJLB）列注明"
        en += "; for a passport or another document, give the type in the ID type (ZJLB) column"
    return Issue("bad_id_number", f"{zh}；请核对后更正", f"{en}; check and correct it")


def sex_unknown(text: str) -> Issue:
    shown = _quote(text)
    return Issue(
        "sex_unknown",
        f"性别“{shown}”无法识别；请填写“男”或“女”，或留空",
        f"sex “{shown}” is not recognised; write 男 (male) or 女 (female), or leave it blank",
    )


def birth_month_unreadable(text: str) -> Issue:
    shown = _quote(text)
    return Issue(
        "birth_month_format",
        f"出生年月“{shown}”无法识别；请写成 1990-01 或 1990年1月，或留空",
        f"birth month “{shown}” is not understood; write it like 1990-01, or leave it blank",
    )


def birth_month_out_of_range(text: str, earliest_year: int) -> Issue:
    shown = _quote(text)
    return Issue(
        "birth_month_format",
        f"出生年月“{shown}”不在 {earliest_year} 年至今之间；请核对",
        f"birth month “{shown}” is not between {earliest_year} and today; check it",
    )


def level_not_expected(exam: str, text: str) -> Issue:
    shown = _quote(text)
    return Issue(
        "level_not_expected",
        f"“{exam}”不分级别，级别应留空（现为“{shown}”）",
        f"{exam} has no levels; leave the level blank (it says “{shown}”)",
    )


def specialty_not_expected(exam: str, text: str) -> Issue:
    shown = _quote(text)
    return Issue(
        "specialty_not_expected",
        f"目录中“{exam}”没有列出专业，专业应留空（现为“{shown}”）",
        f"the catalogue lists no specialties for {exam}; leave the specialty blank "
        f"(it says “{shown}”)",
    )


def not_in_catalogue(
    code: str, label: Label, text: str, exam: str, accepted: Iterable[str]
) -> Issue:
    """A level or specialty that the exam's catalogue entry does not list."""
    shown, names = _quote(text), _listing(accepted)
    return Issue(
        code,
        f"{label.zh}“{shown}”不是“{exam}”的{label.zh}；应为 {'、'.join(names)} 之一",
        f"{label.en} “{shown}” is not a {label.en} of {exam}; use one of {', '.join(names)}",
    )


def approval_date_is_number(text: str) -> Issue:
    shown = _quote(text)
    return Issue(
        "date_format",
        f"批准日期是数字 {shown}，无法确定是哪一天（可能是 Excel 日期序号）；"
        "请将单元格设置为日期格式，或写成 2024-06-30",
        f"the approval date is the number {shown}, which does not say which day it is "
        "(perhaps an Excel serial number); format the cell as a date or write 2024-06-30",
    )


def approval_date_unreadable(text: str) -> Issue:
    shown = _quote(text)
    return Issue(
        "date_format",
        f"批准日期“{shown}”不是可识别的日期；请写成 2024-06-30 或 2024年6月30日，或设置为日期格式",
        f"approval date “{shown}” is not a date that can be read; write it like 2024-06-30, "
        "or format the cell as a date",
    )


def city_unknown(text: str, names: Iterable[str]) -> Issue:
    shown, listed = _quote(text), _listing(names)
    return Issue(
        "city_unknown",
        f"报名市“{shown}”无法识别；应为 {'、'.join(listed)} 之一",
        f"registration city “{shown}” is not recognised; use one of {', '.join(listed)}",
    )


# Problems across fields.


def sex_mismatch(sex: Sex, id_number: IdNumber) -> Issue:
    given, from_id = SEX_LABELS[sex], SEX_LABELS[id_number.sex or sex]
    masked = str(id_number)
    return Issue(
        "sex_mismatch",
        f"性别“{given.zh}”与证件号码（{masked}）不符，号码显示为{from_id.zh}性；请核对性别和证件号码",
        f"sex says {given.en} but the ID number ({masked}) is that of a {from_id.en}; "
        "check the sex and the ID number",
    )


def birth_month_mismatch(birth_month: tuple[int, int], id_number: IdNumber) -> Issue:
    given, masked = f"{birth_month[0]}-{birth_month[1]:02d}", str(id_number)
    return Issue(
        "birth_month_mismatch",
        f"出生年月 {given} 与证件号码（{masked}）中的出生日期不符；请核对出生年月和证件号码",
        f"birth month {given} does not match the birth date in the ID number ({masked}); "
        "check the birth month and the ID number",
    )


def date_in_future(approved: date, today: date) -> Issue:
    return Issue(
        "date_in_future",
        f"批准日期 {approved} 晚于今天（{today}）；请核对",
        f"approval date {approved} is after today ({today}); check it",
    )


def date_too_early(approved: date, earliest: date) -> Issue:
    return Issue(
        "date_too_early",
        f"批准日期 {approved} 早于 {earliest}，不可能是本考试的批准日期；请核对",
        f"approval date {approved} is before {earliest}, too early for this exam; check it",
    )


def too_young(approved: date, minimum_age: int) -> Issue:
    return Issue(
        "too_young",
        f"批准日期 {approved} 时持证人未满 {minimum_age} 周岁（按证件号码或出生年月计算）；"
        "请核对批准日期和证件号码",
        f"the holder was under {minimum_age} on the approval date {approved} (by the ID "
        "number or birth month); check the approval date and the ID number",
    )


# Quoting what the clerk wrote.


def _quote(text: str, limit: int = 40) -> str:
    """``text`` safe to quote in a message: control characters shown as \\uXXXX, length capped."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() or ch == " " else f"\\u{ord(ch):04X}" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _listing(names: Iterable[str]) -> list[str]:
    listed = list(dict.fromkeys(names))
    return listed if len(listed) <= _LISTED else [*listed[:_LISTED], "…"]
