"""The replacement (补换) exchange package a city sends to the provincial exam centre each month, as
seed 001 附件 二–三 prescribes: per exam one Excel file of the 11 columns ZSGLH … BMS, every cell
text, named ``申报年月-考试代码-考试名称(证书补换印制信息)数据(地市)(N人).XLS``; the photos
``ZJHM.jpg`` in a folder of the same name; everything in one zip.

Pure: the caller (the replacement app) gathers the checked applications into ``ExamPackage``s,
each row already formatted by ``package_row``; ``package_check`` refuses what the province could
not use, ``package_workbook`` writes one exam's BIFF8 .xls and ``package_zip`` the whole package.
The paper forms are drawn from the same ``ExamPackage`` by
``ecert.core.documents.replacement_forms``. Rows are always in ``ExamPackage.ordered`` order (by
approval date, then management number): workbook, photos and forms agree. docs/formats/
replacement-package.md describes the format with a worked example.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from functools import cached_property

import xlwt  # type: ignore[import-untyped]
from xlwt.BIFFRecords import SharedStringTable  # type: ignore[import-untyped]
from xlwt.UnicodeUtils import upack2  # type: ignore[import-untyped]

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import ID_TYPE_LABELS, SEX_LABELS, IdType, Sex, mask_id_number
from ecert.core.spreadsheets.passlist import FIELD_LABELS, Field, column_letter

EXTENSION = ".XLS"  # the notice's own spelling (附件 二.4)
HEADER: tuple[str, ...] = tuple(field.value for field in Field)  # ZSGLH … BMS
SHEET = "Sheet1"
MAX_ROWS = 65_535  # a BIFF8 sheet has 65,536 rows, one of them the header
MAX_CELL = 255  # characters in one cell: far above any name or specialty; a safety limit

_MONTH = re.compile(r"[0-9]{4}(0[1-9]|1[0-2])")
_EXAM_CODE = re.compile(r"[0-9]{3}")
_MANAGEMENT_NUMBER = re.compile(r"[0-9A-Z]{6,32}")  # as the pass-list reader accepts it
_ID_NUMBER = re.compile(r"[0-9A-Z]{1,32}")  # also a file name: ZJHM.jpg
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
# What no cell may hold: C0 controls (a tab or line break too: a cell is one line), lone
# surrogates, U+FFFE/U+FFFF; and in a file or folder name also what Windows refuses.
_BAD_CHARACTER = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_BAD_IN_NAME = re.compile('[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff\\\\/:*?"<>|]')
_FORMULA_START = ("=", "+", "-", "@")
_ID_TYPE_TEXTS = frozenset(label.zh for label in ID_TYPE_LABELS.values())
_SEX_TEXTS = frozenset(label.zh for label in SEX_LABELS.values())
_REQUIRED = (Field.MANAGEMENT_NUMBER, Field.NAME, Field.ID_NUMBER, Field.APPROVAL_DATE, Field.CITY)
_ZIP_FILE_MODE = 0o100644 << 16
_ZIP_DIR_MODE = (0o040755 << 16) | 0x10  # and the MS-DOS directory bit
_WIDTHS = (20, 12, 22, 14, 6, 8, 22, 10, 12, 24, 10)  # characters, columns A–K
_CHECKED = "_checked"  # set in an ExamPackage's __dict__ once package_check has passed it


@dataclass(frozen=True)
class PackageRow:
    """One replacement, its 11 cells as written (``package_row`` formats them), and the photo.

    ``zp`` is ``ZJHM.jpg`` when ``photo`` is carried, empty otherwise (seed 001 附件 二.3: no photo
    for certificates from 2017 on)."""

    zsglh: str
    ksxm: str
    zjhm: str
    zjlb: str
    xb: str
    bkjb: str
    bkzy: str
    csny: str
    pzrq: str
    zp: str
    bms: str
    photo: bytes | None = None

    def cells(self) -> tuple[str, ...]:
        """The 11 cells in HEADER order."""
        return (
            *(self.zsglh, self.ksxm, self.zjhm, self.zjlb, self.xb, self.bkjb, self.bkzy),
            *(self.csny, self.pzrq, self.zp, self.bms),
        )


_CELL_NAMES = tuple(f.name for f in fields(PackageRow) if f.name != "photo")
_FIELD_OF = dict(zip(_CELL_NAMES, Field, strict=True))


@dataclass(frozen=True)
class ExamPackage:
    """One exam's part of a monthly package: ``month`` ``YYYYMM`` (申报年月), the exam's 3-digit
    ``exam_code`` and ``exam_name``, the declaring ``unit`` (the (地市) of the file name: a city,
    or the province for its aggregate) and the rows, in any order."""

    month: str
    exam_code: str
    exam_name: str
    unit: str
    rows: tuple[PackageRow, ...]

    @cached_property
    def ordered(self) -> tuple[PackageRow, ...]:
        """The rows as every output lists them: by approval date (PZRQ), then management number.
        Sorted once: the package is immutable, and the check, the workbook, the photos and the
        forms all list them."""
        return tuple(sorted(self.rows, key=lambda row: (row.pzrq, row.zsglh, row.zjhm)))

    @property
    def photo_count(self) -> int:
        return sum(1 for row in self.rows if row.photo is not None)


# ── Building rows ────────────────────────────────────────────────────────────


def package_row(
    *,
    management_number: str,
    name: str,
    id_number: str,
    id_type: IdType,
    sex: Sex | None,
    level: str,
    specialty: str,
    birth_month: tuple[int, int] | None,
    approval_date: date,
    city: str,
    photo: bytes | None,
) -> PackageRow:
    """A row from the database's values, written the way the pass-list reader reads them back:
    ZJLB and XB as their Chinese names (居民身份证, 男), CSNY ``1988-05``, PZRQ ``2024-06-30``."""
    return PackageRow(
        zsglh=management_number,
        ksxm=name,
        zjhm=id_number,
        zjlb=ID_TYPE_LABELS[IdType(id_type)].zh,
        xb=SEX_LABELS[Sex(sex)].zh if sex else "",
        bkjb=level,
        bkzy=specialty,
        csny=f"{birth_month[0]:04d}-{birth_month[1]:02d}" if birth_month else "",
        pzrq=approval_date.isoformat(),
        zp=f"{id_number}.jpg" if photo is not None else "",
        bms=city,
        photo=photo,
    )


def package_base_name(package: ExamPackage) -> str:
    """``202005-034-一级建造师(证书补换印制信息)数据(济南市)(100人)``: the workbook's name without
    its extension, and its photo folder's name (附件 二.4)."""
    return (
        f"{package.month}-{package.exam_code}-{package.exam_name}"
        f"(证书补换印制信息)数据({package.unit})({len(package.rows)}人)"
    )


# ── Checks ───────────────────────────────────────────────────────────────────


def package_check(package: ExamPackage) -> None:
    """Raise EcertError (Chinese, then English; naming the exam, the row of the workbook and the
    field) for what the province could not take: an exam without a 3-digit code, a bad month,
    an empty package, a cell that is missing, malformed or cannot be stored, a duplicate ID or
    management number, a ZP naming a photo that is not carried or a photo ZP does not name.

    A package that passed is not checked again (the package is immutable, the answer the same):
    the caller's check, the zip's and each workbook's are one check of the same rows."""
    if package.__dict__.get(_CHECKED):
        return
    exam_zh, exam_en = _exam_texts(package)
    if not _EXAM_CODE.fullmatch(package.exam_code):
        shown = package.exam_code or "无"
        raise EcertError(
            "exam_without_code",
            f"{exam_zh}没有 3 位数字的考试代码（现为“{shown}”），不能生成补换数据包",
            f"{exam_en} has no 3-digit exam code ({package.exam_code or 'none'!r}): "
            "no replacement package can be made for it",
            field="exam_code",
        )
    if not _MONTH.fullmatch(package.month):
        raise EcertError(
            "package_month",
            f"{exam_zh}的申报年月“{package.month}”应为 6 位数字，如 202005",
            f"{exam_en}: the declaration month {package.month!r} must be YYYYMM, e.g. 202005",
            field="month",
        )
    for value, label in (
        (package.exam_name, ("考试名称", "exam name")),
        (package.unit, ("申报单位", "declaring unit")),
    ):
        if not value.strip() or value != value.strip() or _BAD_IN_NAME.search(value):
            raise EcertError(
                "package_name_character",
                f'{exam_zh}：{label[0]}“{value}”为空或含有文件名不能使用的字符（\\ / : * ? " < > | 或控制字符）',
                f"{exam_en}: the {label[1]} {value!r} is empty or has a character a file name "
                'cannot hold (\\ / : * ? " < > | or a control character)',
                field="exam_name" if label[0] == "考试名称" else "unit",
            )
    if not package.rows:
        raise EcertError(
            "package_empty",
            f"{exam_zh}没有补换人员，不能生成空的数据包",
            f"{exam_en} has nobody to replace: an empty package is not made",
        )
    if len(package.rows) > MAX_ROWS:
        raise EcertError(
            "package_too_many_rows",
            f"{exam_zh}有 {len(package.rows)} 人，超过 .XLS 文件一张表最多 {MAX_ROWS} 行的限制",
            f"{exam_en} has {len(package.rows)} rows, more than an .XLS sheet holds ({MAX_ROWS})",
        )
    file = package_base_name(package) + EXTENSION
    seen_ids: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    for row_number, row in enumerate(package.ordered, start=2):  # row 1 is the header
        try:
            _row_check(row)
            for value, seen, what in (
                (row.zjhm, seen_ids, ("证件号码", "ID number")),
                (row.zsglh, seen_numbers, ("管理号", "management number")),
            ):
                if value in seen:
                    raise EcertError(
                        "package_duplicate",
                        f"{exam_zh}中{what[0]}重复（又见第 {seen[value]} 行）：同一考试每人只报一行",
                        f"{exam_en}: the {what[1]} is listed twice (also row {seen[value]}); "
                        "one row per person and exam",
                        field="zjhm" if what[0] == "证件号码" else "zsglh",
                    )
                seen[value] = row_number
        except EcertError as error:
            raise cell_error(error, file=file, row=row_number) from None
    package.__dict__[_CHECKED] = True  # as cached_property keeps ``ordered``: frozen, not slotted


def cell_error(error: EcertError, *, file: str, row: int) -> EcertError:
    """``error`` placed in the workbook: its file, row and, when its ``field`` is one of the 11
    cells (a PackageRow attribute such as ``zjhm``), the column and the field's name."""
    field = _FIELD_OF.get(error.field)
    if field is None:
        return error.located(file=file, row=row)
    label = FIELD_LABELS[field]
    return error.located(
        file=file,
        row=row,
        column=column_letter(HEADER.index(field.value)),
        label=(f"{label.zh} {field.value}", f"{label.en}, {field.value}"),
    )


def packages_check(packages: Sequence[ExamPackage]) -> None:
    """Check each exam, and that they make one package: one unit, one month, each exam once."""
    if not packages:
        raise EcertError(
            "package_empty",
            "没有可报送的考试，不能生成空的数据包",
            "there is no exam to send: an empty package is not made",
        )
    for package in packages:
        package_check(package)
    first = packages[0]
    codes: set[str] = set()
    for package in packages:
        if (package.unit, package.month) != (first.unit, first.month):
            raise EcertError(
                "package_mixed",
                f"一个数据包只能是一个单位一个月的：{first.unit} {first.month} 与 "
                f"{package.unit} {package.month} 不能放在一起",
                f"one package holds one unit's month: {first.unit} {first.month} and "
                f"{package.unit} {package.month} cannot go together",
            )
        if package.exam_code in codes:
            raise EcertError(
                "package_duplicate_exam",
                f"考试代码 {package.exam_code} 出现了两次：每个考试只能有一个文件",
                f"exam code {package.exam_code} appears twice: one file per exam",
            )
        codes.add(package.exam_code)


def _exam_texts(package: ExamPackage) -> tuple[str, str]:
    code = f"（代码 {package.exam_code}）" if package.exam_code else ""
    code_en = f" (code {package.exam_code})" if package.exam_code else ""
    return f"考试“{package.exam_name}”{code}", f"exam {package.exam_name!r}{code_en}"


def _row_check(row: PackageRow) -> None:
    """One row's cells; errors carry ``field`` (the PackageRow attribute) for the caller."""
    for name, value in zip(_CELL_NAMES, row.cells(), strict=True):
        if bad := _BAD_CHARACTER.search(value):
            raise EcertError(
                "package_bad_character",
                f"含有不能写入表格的字符 U+{ord(bad.group()):04X}（控制字符或无效字符）",
                f"holds U+{ord(bad.group()):04X}, a character a spreadsheet cell cannot store",
                field=name,
            )
        if len(value) > MAX_CELL or value.startswith(_FORMULA_START) or value != value.strip():
            raise EcertError(
                "package_bad_character",
                f"内容“{_shown(name, value)[:40]}”不能写入：超过 {MAX_CELL} 字，首尾有空格，或以 = + - @ 开头",
                f"{_shown(name, value)[:40]!r} cannot be written: longer than {MAX_CELL} characters, "
                "spaces around it, or starting with = + - @",
                field=name,
            )
        if not value and _FIELD_OF[name] in _REQUIRED:
            raise EcertError("package_field_missing", "为空", "is empty", field=name)
    formats = (
        (
            "zsglh",
            _MANAGEMENT_NUMBER.fullmatch(row.zsglh),
            "6 至 32 位数字或大写字母",
            "6 to 32 digits or capitals",
        ),
        ("zjhm", _ID_NUMBER.fullmatch(row.zjhm), "数字或大写字母", "digits or capitals"),
        (
            "zjlb",
            not row.zjlb or row.zjlb in _ID_TYPE_TEXTS,
            "居民身份证、护照等证件类别名称",
            "an ID type's Chinese name such as 居民身份证",
        ),
        ("xb", row.xb in _SEX_TEXTS | {""}, "男、女或空", "男, 女 or empty"),
        (
            "csny",
            not row.csny or _YEAR_MONTH.fullmatch(row.csny),
            "年-月，如 1988-05",
            "year-month such as 1988-05",
        ),
        ("pzrq", _is_day(row.pzrq), "年-月-日，如 2020-05-16", "year-month-day such as 2020-05-16"),
    )
    for name, good, zh, en in formats:
        if not good:
            value = _shown(name, getattr(row, name))
            raise EcertError(
                "package_field_format",
                f"“{value}”格式不对，应为{zh}",
                f"{value!r} is not valid: {en}",
                field=name,
            )
    if row.photo is None:
        if row.zp:
            raise EcertError(
                "package_photo_missing",
                f"照片栏写有“{_shown('zp', row.zp)}”，但没有随附这张照片",
                f"ZP names {_shown('zp', row.zp)!r} but no such photo is carried",
                field="zp",
            )
        return
    if row.zp != f"{row.zjhm}.jpg":
        expected, given = _shown("zp", f"{row.zjhm}.jpg"), _shown("zp", row.zp)
        raise EcertError(
            "package_photo_name",
            f"随附了照片，照片栏应为“{expected}”（证件号码.jpg），现为“{given}”",
            f"a photo is carried, so ZP must be {expected!r} (ID number .jpg), not {given!r}",
            field="zp",
        )
    if not row.photo.startswith(b"\xff\xd8\xff"):
        raise EcertError(
            "package_photo_not_jpeg",
            "随附的照片不是 JPG 格式",
            "the photo carried is not a JPEG",
            field="zp",
        )


def _shown(name: str, value: str) -> str:
    """A cell as an error message may show it: ID numbers (also in a photo's name) masked."""
    if name == "zjhm":
        return mask_id_number(value)
    if name == "zp":
        stem, dot, extension = value.rpartition(".")
        return f"{mask_id_number(stem)}{dot}{extension}" if dot else mask_id_number(value)
    return value


def _is_day(text: str) -> bool:
    if not _DAY.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# ── Writing ──────────────────────────────────────────────────────────────────


class _PairKeepingStringTable(SharedStringTable):  # type: ignore[misc]
    """xlwt's shared-string table, except that a string continued in the next record is never cut
    between the two halves of a UTF-16 surrogate pair (𠮷 is two code units): readers decode each
    record's part on its own, and calamine read a cut 𠮷 as two U+FFFD (docs/decisions.md 162)."""

    _LIMIT = 0x2020  # bytes of one SST or CONTINUE record's data, as xlwt fills them

    def _add_to_sst(self, s: str) -> None:
        packed: bytes = upack2(s, self.encoding)
        wide = packed[2] == 1
        atom = 5 if wide else 4  # length, options and the first code unit go together
        if wide and _is_high_surrogate(packed, 3):
            atom += 2
        self._save_atom(packed[:atom])
        self._save_pieces(packed[atom:], wide)

    def _save_pieces(self, data: bytes, wide: bool) -> None:
        start = 0
        while start < len(data):
            free = self._LIMIT - len(self._current_piece)
            rest = len(data) - start
            if rest <= free:
                self._current_piece += data[start:]
                return
            size = free & ~1 if wide else free
            if wide and size >= 2 and _is_high_surrogate(data, start + size - 2):
                size -= 2  # the pair goes whole into the next record
            self._current_piece += data[start : start + size]
            self._new_piece()
            self._current_piece += b"\x01" if wide else b"\x00"
            start += size


def _is_high_surrogate(data: bytes, offset: int) -> bool:
    unit = int.from_bytes(data[offset : offset + 2], "little")
    return 0xD800 <= unit <= 0xDBFF


def package_workbook(package: ExamPackage) -> bytes:
    """The BIFF8 .xls bytes of one exam: the 11 codes as header, then the rows in order; every
    cell a text cell in the text format "@". The package is checked first."""
    package_check(package)
    workbook = xlwt.Workbook(encoding="utf-8")
    workbook._Workbook__sst = _PairKeepingStringTable(workbook.encoding)
    sheet = workbook.add_sheet(SHEET)
    text = xlwt.easyxf(num_format_str="@")
    header = xlwt.easyxf("font: bold on", num_format_str="@")
    for column, width in enumerate(_WIDTHS):
        sheet.col(column).width = 256 * width
        sheet.col(column).set_style(text)
    for column, value in enumerate(HEADER):
        sheet.write(0, column, value, header)
    for row_index, row in enumerate(package.ordered, start=1):
        for column, value in enumerate(row.cells()):
            sheet.write(row_index, column, value, text)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def package_zip(packages: Sequence[ExamPackage]) -> bytes:
    """The zip of a unit's month: per exam ``NAME.XLS`` and, when it carries photos, the folder
    ``NAME/`` of ``ZJHM.jpg``. Names in UTF-8 (the zip's UTF-8 flag set), exams by code, photos
    by name, every entry dated the first of the month: the same data gives the same bytes."""
    packages_check(packages)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for package in sorted(packages, key=lambda p: p.exam_code):
            stamp = (int(package.month[:4]), int(package.month[4:]), 1, 0, 0, 0)
            base = package_base_name(package)
            _add(archive, base + EXTENSION, package_workbook(package), stamp, deflate=True)
            photos = sorted((row.zp, row.photo) for row in package.rows if row.photo is not None)
            if photos:
                folder = zipfile.ZipInfo(base + "/", date_time=stamp)
                folder.create_system, folder.external_attr = 3, _ZIP_DIR_MODE
                archive.writestr(folder, b"")
            for name, data in photos:
                _add(archive, f"{base}/{name}", data, stamp, deflate=False)
    return buffer.getvalue()


def _add(
    archive: zipfile.ZipFile,
    name: str,
    data: bytes,
    stamp: tuple[int, int, int, int, int, int],
    *,
    deflate: bool,
) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.create_system, info.external_attr = 3, _ZIP_FILE_MODE
    info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED  # JPEG: stored
    archive.writestr(info, data, compresslevel=6 if deflate else None)
