"""Rows of an uploaded spreadsheet (.xlsx, .xls or .csv), told apart by content, not by file name.

Workbooks are read with python-calamine, which holds the whole first sheet in memory. An .xlsx
whose sheet is larger than ``stream_above`` unpacked, or laid out so that calamine would need an
absurd amount of memory, is read instead by a streaming parser (zipfile + expat) that yields the
same values calamine does; its memory is bounded by the shared-strings table.

Every reader hands back cells alike: an empty cell is ``None``; text is unchanged; numbers stay
``int`` or ``float`` as stored (an ID number typed as a number arrives as a number); numbers with
a date format become ``date``, ``datetime``, ``time`` or ``timedelta``. Trailing empty cells are
dropped, so a short row means the rest is empty. Rows without a non-blank cell are skipped, and
row numbers are the ones the spreadsheet shows.
"""

from __future__ import annotations

import codecs
import csv
import functools
import math
import posixpath
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from pathlib import Path
from typing import IO, TypeAlias
from xml.parsers import expat

from python_calamine import (
    CalamineError,
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    WorksheetNotFound,
)

Cell: TypeAlias = str | int | float | bool | date | datetime | time | timedelta | None
Row: TypeAlias = tuple[int, list[Cell]]

CHUNK = 2**20
MAX_UNPACKED = 4 * 2**30  # no part of a spreadsheet we accept unpacks to more
MAX_COLUMNS = 16_384  # XFD, Excel's last column
CALAMINE_MAX_CELLS = 2**24  # calamine holds 32 bytes per cell of the sheet's used box: 512 MiB

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_OTHER_BINARY = (
    b"%PDF-",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x1f\x8b",
)

_MESSAGES: dict[str, tuple[str, str]] = {
    "unsupported_format": (
        "不是可读取的表格文件，请上传 Excel 工作簿（.xlsx、.xls）或 CSV 文件",
        "is not a spreadsheet that can be read; upload an Excel workbook (.xlsx, .xls) or a CSV file",
    ),
    "password_protected": (
        "文件设有打开密码，请在 Excel 中取消密码并保存后重新上传",
        "is protected by a password; remove the password in Excel, save and upload it again",
    ),
    "corrupt": (
        "文件已损坏或不完整，请用 Excel 打开后另存为 .xlsx 再上传",
        "is damaged or incomplete; open it in Excel, save it as .xlsx and upload it again",
    ),
    "encoding": (
        "文字编码无法识别，请另存为“CSV UTF-8（逗号分隔）”后重新上传",
        'has a text encoding that cannot be read; save it as "CSV UTF-8 (Comma delimited)" and upload it again',
    ),
    "no_sheet": ("工作簿中没有工作表", "the workbook has no worksheet"),
    "too_large": (
        "文件解压后超过 4 GiB，请拆分后分批上传",
        "unpacks to more than 4 GiB; split it and upload the parts one by one",
    ),
}


class SpreadsheetError(ValueError):
    """A file that cannot be read as a spreadsheet; ``code`` is a stable snake_case reason."""

    def __init__(self, code: str, file: str, zh: str = "", en: str = "") -> None:
        default_zh, default_en = _MESSAGES.get(code, ("", ""))
        self.code = code
        self.file = file
        self.zh = zh or default_zh
        self.en = en or default_en
        super().__init__(f"文件 {file}：{self.zh} / file {file}: {self.en}")


def read_rows(
    path: Path,
    *,
    display_name: str | None = None,
    stream_above: int = 128 * 2**20,
    max_rows: int = 1_048_576,
) -> Iterator[Row]:
    """(row number, cells) for every non-blank row of the first worksheet, or of the CSV file.

    Problems with the file as a whole (format, password, encoding, damage found on opening)
    raise SpreadsheetError here; damage further in, and a row past ``max_rows``, raise it while
    iterating. Messages name the file as ``display_name`` (default: the file's name).
    """
    name = display_name or path.name
    with path.open("rb") as file:
        head = file.read(64 * 1024)
    if head.startswith(_ZIP):
        rows = _xlsx_rows(path, name, stream_above, max_rows)
    elif head.startswith(_OLE2):
        rows = _calamine_rows(path, name, ".xls", max_rows)
    elif head.startswith(_UTF16):
        raise SpreadsheetError("encoding", name)
    elif head.startswith(_OTHER_BINARY) or b"\x00" in head:
        raise SpreadsheetError("unsupported_format", name)
    else:
        rows = _csv_rows(path, name, _text_encoding(path, name))
    return _non_blank(rows, name, max_rows)


def _non_blank(rows: Iterable[Row], name: str, max_rows: int) -> Iterator[Row]:
    for number, cells in rows:
        if number > max_rows:
            raise _too_many_rows(name, max_rows)
        while cells and cells[-1] is None:
            cells.pop()
        if not all(map(_is_blank, cells)):
            yield number, cells


def _is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and (cell == "" or cell.isspace()))


def _too_many_rows(name: str, max_rows: int) -> SpreadsheetError:
    return SpreadsheetError(
        "too_many_rows",
        name,
        f"超过 {max_rows} 行，请拆分后分批上传",
        f"has more than {max_rows} rows; split it and upload the parts one by one",
    )


# --- CSV ---------------------------------------------------------------------------------------


def _text_encoding(path: Path, name: str) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes strictly as UTF-8, else GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        try:
            with path.open("rb") as file:
                while chunk := file.read(CHUNK):
                    decoder.decode(chunk)
            decoder.decode(b"", True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise SpreadsheetError("encoding", name)


def _csv_rows(path: Path, name: str, encoding: str) -> Iterator[Row]:
    """Records of a comma-separated file, numbered as Excel shows them; '' becomes None."""
    number = 0
    with path.open(encoding=encoding, newline="") as file:
        try:
            for number, record in enumerate(csv.reader(file), 1):
                if number == 1 and record and record[0].startswith("\ufeff"):
                    record[0] = record[0][1:]  # GB18030 has a byte-order mark too
                yield number, [field or None for field in record]
        except csv.Error as error:
            raise SpreadsheetError(
                "bad_csv",
                name,
                f"第 {number + 1} 行不是有效的 CSV（{error}）",
                f"row {number + 1} is not valid CSV ({error})",
            ) from None


# --- calamine: .xls, and .xlsx of ordinary size --------------------------------------------------


def _calamine_rows(path: Path, name: str, suffix: str, max_rows: int) -> Iterator[Row]:
    try:
        sheet = _calamine_sheet(path, suffix)
    except PasswordError:
        raise SpreadsheetError("password_protected", name) from None
    except WorksheetNotFound:
        raise SpreadsheetError("no_sheet", name) from None
    except CalamineError:
        if suffix == ".xls" and _is_encrypted_xlsx(path):
            raise SpreadsheetError("password_protected", name) from None
        raise SpreadsheetError("corrupt", name) from None
    if sheet.start is None or sheet.end is None:
        return iter(())
    if sheet.end[0] >= max_rows:
        raise _too_many_rows(name, max_rows)
    return _padded(sheet.iter_rows(), sheet.start[1])


def _calamine_sheet(path: Path, suffix: str) -> CalamineSheet:
    """calamine picks its parser by the file name's extension, and an upload's name may lie:
    read the file through a link named for the format its content shows."""
    with tempfile.TemporaryDirectory(prefix="ecert-sheet-") as folder:
        link = Path(folder) / f"book{suffix}"
        link.symlink_to(path.resolve())
        with CalamineWorkbook.from_path(link) as workbook:
            return workbook.get_sheet_by_index(0)


def _is_encrypted_xlsx(path: Path) -> bool:
    """An .xlsx saved with a password to open is an OLE2 file holding an EncryptedPackage."""
    try:
        _calamine_sheet(path, ".xlsx")
    except PasswordError:
        return True
    except CalamineError:
        return False
    return False


def _padded(rows: Iterable[Iterable[Cell]], first_column: int) -> Iterator[Row]:
    """calamine counts rows from row 1 but starts each at the sheet's first used column."""
    padding: list[Cell] = [None] * first_column
    for number, row in enumerate(rows, 1):
        yield number, [*padding, *(None if cell == "" else cell for cell in row)]


# --- .xlsx: which reader, and the package parts a streaming read needs ----------------------


_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    expat.ExpatError,
    zlib.error,
    EOFError,
    OSError,
)


def _xlsx_rows(path: Path, name: str, stream_above: int, max_rows: int) -> Iterator[Row]:
    try:
        with zipfile.ZipFile(path) as archive:
            book = _read_book(archive, name)
            if archive.getinfo(book.sheet).file_size <= stream_above and _calamine_can_hold(
                archive, book.sheet
            ):
                reader = None
            else:
                strings = _shared_strings(archive, book.shared_strings)
                kinds = _style_kinds(archive, book.styles)
                reader = _SheetReader(name, strings, kinds, book.is_1904)
    except _DAMAGE as error:
        raise SpreadsheetError("corrupt", name) from error
    if reader is None:
        return _calamine_rows(path, name, ".xlsx", max_rows)
    return reader.rows(path, book.sheet)


@dataclass(frozen=True)
class _Book:
    """Where a package keeps its first worksheet and the parts that worksheet refers to."""

    sheet: str
    shared_strings: str | None
    styles: str | None
    is_1904: bool


def _read_book(archive: zipfile.ZipFile, name: str) -> _Book:
    members = set(archive.namelist())
    if "xl/workbook.xml" not in members:
        raise SpreadsheetError("unsupported_format", name)  # .docx, .ods, .xlsb, any other zip
    if any(info.file_size > MAX_UNPACKED for info in archive.infolist()):
        raise SpreadsheetError("too_large", name)
    sheet_ids: list[str] = []
    is_1904 = False
    by_id: dict[str, str] = {}
    by_type: dict[str, str] = {}

    def workbook(tag: str, attrs: dict[str, str]) -> None:
        nonlocal is_1904
        local = _local(tag)
        if local == "sheet":
            sheet_ids.append(next((v for k, v in attrs.items() if _local(k) == "id"), ""))
        elif local == "workbookPr":
            is_1904 = attrs.get("date1904", "").lower() in ("1", "true")

    def relationship(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and "Target" in attrs:
            target = attrs["Target"]  # relative to xl/, or absolute within the package
            member = posixpath.normpath(
                target[1:] if target.startswith("/") else posixpath.join("xl", target)
            )
            by_id[attrs.get("Id", "")] = member
            by_type[_local(attrs.get("Type", ""), "/")] = member

    def part(kind: str) -> str | None:
        member = by_type.get(kind, f"xl/{kind}.xml")
        return member if member in members else None

    _parse(archive, "xl/workbook.xml", workbook)
    if "xl/_rels/workbook.xml.rels" in members:
        _parse(archive, "xl/_rels/workbook.xml.rels", relationship)
    if not sheet_ids:
        raise SpreadsheetError("no_sheet", name)
    sheet = by_id.get(sheet_ids[0], "")
    if sheet not in members:
        raise SpreadsheetError("corrupt", name)
    return _Book(sheet, part("sharedStrings"), part("styles"), is_1904)


def _local(name: str, separator: str = ":") -> str:
    return name.rpartition(separator)[2]


def _parse(
    archive: zipfile.ZipFile,
    member: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> None:
    for _ in _feed(archive.open(member), _parser(start, end, text)):
        pass


def _parser(
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = _refuse_doctype  # packages have none; entities can bomb
    return parser


def _refuse_doctype(*_: object) -> None:
    raise expat.ExpatError("document type declarations are not allowed")


def _feed(stream: IO[bytes], parser: expat.XMLParserType) -> Iterator[None]:
    """Parse ``stream`` a chunk at a time, pausing after each so the caller can take rows."""
    with stream:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
            yield
        parser.Parse(b"", True)
        yield


def _shared_strings(archive: zipfile.ZipFile, member: str | None) -> list[str]:
    """The shared-strings table: each item's text runs joined, phonetic guides left out."""
    table: list[str] = []
    parts: list[str] = []
    phonetic = 0
    collect = False

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal phonetic, collect
        local = _local(tag)
        if local == "t":
            collect = not phonetic
        elif local == "rPh":
            phonetic += 1
        elif local == "si":
            parts.clear()

    def end(tag: str) -> None:
        nonlocal phonetic, collect
        local = _local(tag)
        if local == "t":
            collect = False
        elif local == "rPh":
            phonetic -= 1
        elif local == "si":
            table.append(_unescape("".join(parts)))

    def text(data: str) -> None:
        if collect:
            parts.append(data)

    if member is not None:
        _parse(archive, member, start, end, text)
    return table


_ESCAPE = re.compile(r"_x00([0-9A-Fa-f]{2})_")


def _unescape(text: str) -> str:
    """Undo OOXML's ``_xHHHH_`` escapes (``_x000D_`` is a CR, ``_x005F_`` an underscore) as
    calamine does: only those of the first 256 code points; ``_xFFFF_`` stays as it is."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda match: chr(int(match[1], 16)), text)


class _Kind(Enum):
    """How a cell's number format makes calamine present a number."""

    NUMBER = 0
    DATE = 1  # date, time or datetime
    DURATION = 2  # elapsed time, as in [h]:mm:ss


def _style_kinds(archive: zipfile.ZipFile, member: str | None) -> dict[str, _Kind]:
    """Cell style index, as written in ``s="…"`` → how numbers in that style are presented."""
    custom: dict[str, str] = {}
    format_ids: list[str] = []
    in_cell_formats = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal in_cell_formats
        local = _local(tag)
        if local == "numFmt" and attrs.get("formatCode"):
            custom[attrs.get("numFmtId", "")] = attrs["formatCode"]
        elif local == "cellXfs":
            in_cell_formats += 1
        elif local == "xf" and in_cell_formats:
            format_ids.append(attrs.get("numFmtId", ""))

    def end(tag: str) -> None:
        nonlocal in_cell_formats
        if _local(tag) == "cellXfs":
            in_cell_formats -= 1

    if member is not None:
        _parse(archive, member, start, end)
    return {
        str(index): _format_kind(custom[id_]) if id_ in custom else _builtin_kind(id_)
        for index, id_ in enumerate(format_ids)
    }


def _builtin_kind(format_id: str) -> _Kind:
    if format_id in ("14", "15", "16", "17", "18", "19", "20", "21", "22", "45", "47"):
        return _Kind.DATE
    return _Kind.DURATION if format_id == "46" else _Kind.NUMBER


def _format_kind(code: str) -> _Kind:
    """Judge a custom number format as calamine does: date or time letters (d m y h s, or A/P and
    AM/PM) outside quotes, brackets and escapes of its first section make it a date; [h], [mm]
    or [ss] make it elapsed time."""
    escaped = quoted = am_pm = elapsed = False
    brackets = 0
    previous = " "
    for char in code:
        if escaped:
            escaped = False
        elif char in "_\\*":  # the next character is shown as it is, or used as padding
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == ";":
            return _Kind.NUMBER
        elif char == "[":
            brackets += 1
        elif char == "]":
            if elapsed and brackets == 1:
                return _Kind.DURATION
            brackets = max(brackets - 1, 0)
        elif brackets == 0 and not am_pm and char in "aA":
            am_pm = True
        elif brackets == 0 and char in ("pPmM/" if am_pm else "dDmMhHyYsS"):
            return _Kind.DATE
        elif not (elapsed and char.lower() == previous.lower()):
            elapsed = previous == "[" and char in "hHmMsS"
        previous = char
    return _Kind.NUMBER


# A <c that is neither another element (<cols>, <cfRule> …) nor a cell saying r="…" first.
_UNPLAIN_CELL = re.compile(rb'<c(?![A-Za-z]| r=")')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
# Only what can make the box large: columns after Z, rows from 100000 on.
_WIDE_COLUMN = re.compile(rb'<c r="([A-Za-z]{2,})[0-9]')
_DEEP_ROW = re.compile(rb'<c r="[A-Za-z]+([0-9]{6,})"')


def _calamine_can_hold(archive: zipfile.ZipFile, member: str) -> bool:
    """Whether calamine can load the sheet without an absurd allocation.

    calamine reserves a slot for every cell in the box from the first cell to the last, so a
    tiny file with values in A1 and XFD1048576 makes it ask for 512 GiB and abort the process.
    Measure the box, cheaply, when every cell states its place plainly (<c r="B7" …>, as Excel
    and the common libraries write it); any other layout goes to the streaming reader.
    """
    columns = 26  # A–Z
    last_row = 99_999
    with archive.open(member) as stream:
        for text in _whole_tags(stream):
            if _UNPLAIN_CELL.search(text) or _PREFIXED_CELL.search(text):
                return False
            if wide := _WIDE_COLUMN.findall(text):
                columns = max(columns, *(_column_number(c.decode()) for c in set(wide)))
            if deep := _DEEP_ROW.findall(text):
                last_row = max(last_row, *map(int, deep))
    return last_row * columns <= CALAMINE_MAX_CELLS


def _whole_tags(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream in chunks that never split a tag (an attribute value cannot hold "<")."""
    carry = b""
    while chunk := stream.read(CHUNK):
        cut = chunk.rfind(b"<")
        if cut < 0:
            carry += chunk
            continue
        yield carry + chunk[:cut]
        carry = chunk[cut:]
    yield carry


# --- .xlsx: the streaming reader --------------------------------------------------------------


class _SheetReader:
    """Streams a worksheet's XML and yields its rows with the values calamine would give.

    Deliberate differences: calamine sorts what it reads into place, so it accepts rows out of
    order and a cell whose reference names another row, and it takes columns beyond XFD; no
    spreadsheet program writes those, and this reader refuses them as damaged rather than hold
    the sheet in memory to sort it.
    """

    __slots__ = (
        "cell",
        "cells",
        "child",
        "collected",
        "done",
        "is_1904",
        "kinds",
        "name",
        "next_column",
        "parts",
        "phonetic",
        "row_number",
        "row_text",
        "strings",
    )

    def __init__(self, name: str, strings: list[str], kinds: dict[str, _Kind], is_1904: bool):
        self.name = name
        self.strings = strings
        self.kinds = kinds
        self.is_1904 = is_1904
        self.done: list[Row] = []  # rows finished since the caller last took them
        self.row_number = 0
        self.row_text = ""
        self.cells: list[Cell] = []
        self.next_column = 0
        self.cell: dict[str, str] = {}  # attributes of the cell being read
        self.child = ""  # its last child element: "v", "is" or "f"
        self.collected: list[str] = []  # the text of that child
        self.parts: list[str] | None = None  # where text goes now, if anywhere
        self.phonetic = 0  # depth inside phonetic guides, whose text is not the cell's

    def rows(self, path: Path, member: str) -> Iterator[Row]:
        parser = _parser(self.start, self.end, self.text)
        try:
            with zipfile.ZipFile(path) as archive:
                for _ in _feed(archive.open(member), parser):
                    yield from self.done
                    self.done.clear()
        except _DAMAGE as error:
            raise SpreadsheetError("corrupt", self.name) from error

    # The three handlers below run once per element; they are kept to the bare minimum.

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "c":
            self.cell = attrs
            self.child = ""
        elif tag == "v":
            self.child = "v"
            self.collected = self.parts = []
        elif tag == "row":
            self.start_row(attrs.get("r"))
        elif tag == "is":
            self.child = "is"
            self.collected = []
        elif tag == "t":
            if self.child == "is" and not self.phonetic:
                self.parts = self.collected
        elif tag == "f":
            self.child = "f"
        elif tag == "rPh":
            self.phonetic += 1
        elif ":" in tag:  # a prefixed document: <x:c>, <x:v> …
            self.start(_local(tag), attrs)

    def end(self, tag: str) -> None:
        if tag == "c":
            self.end_cell()
        elif tag == "v" or tag == "t":
            self.parts = None
        elif tag == "row":
            self.done.append((self.row_number, self.cells))
        elif tag == "rPh":
            self.phonetic -= 1
        elif ":" in tag:
            self.end(_local(tag))

    def text(self, data: str) -> None:
        parts = self.parts
        if parts is not None:
            parts.append(data)

    def start_row(self, ref: str | None) -> None:
        try:
            number = self.row_number + 1 if ref is None else int(ref)
        except ValueError:
            number = 0
        if number <= self.row_number:
            raise SpreadsheetError("corrupt", self.name)
        self.row_number = number
        self.row_text = str(number)
        self.cells = []
        self.next_column = 0

    def end_cell(self) -> None:
        value: Cell
        if self.child == "is":
            value = _unescape("".join(self.collected))
        elif self.child == "v":
            value = self.value("".join(self.collected))
        else:
            value = None  # no value, or a formula without its cached result
        column = self.next_column
        ref = self.cell.get("r")
        if column >= MAX_COLUMNS or (
            ref is not None and ref != _COLUMN_NAMES[column] + self.row_text
        ):
            column = self.column_of(ref)
        self.next_column = column + 1
        if value is None or value == "":
            return
        cells = self.cells
        if column == len(cells):
            cells.append(value)
            return
        if column > len(cells):
            cells.extend([None] * (column - len(cells) + 1))
        cells[column] = value  # a second cell for the same place wins, as in calamine

    def column_of(self, ref: str | None) -> int:
        """The column a cell reference names: one up to XFD, in the row the cell is in."""
        letters = (ref or "").rstrip("0123456789")
        if ref is None or ref[len(letters) :] != self.row_text:
            raise SpreadsheetError("corrupt", self.name)
        return _column_index(letters, self.name)

    def value(self, text: str) -> Cell:
        """The value of a cell whose last child is <v>, as calamine reads it."""
        kind = self.cell.get("t")
        if kind == "s":
            if not text:
                return None
            if not (text.isascii() and text.isdigit() and int(text) < len(self.strings)):
                raise SpreadsheetError("corrupt", self.name)
            return self.strings[int(text)]
        if kind is None or kind == "n":
            return self.number(text, kind)
        if kind == "str":
            return _unescape(text)
        if kind == "b":
            return _boolean(text, self.name) if text else None
        if kind in ("e", "inlineStr", "is"):
            return None  # error values (#N/A …) read as empty, as in calamine
        if kind == "d":
            return _iso_value(text)
        raise SpreadsheetError("corrupt", self.name)

    def number(self, text: str, kind: str | None) -> Cell:
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            number = None
        # Python's float() also takes spaces, "1_000" and non-ASCII digits; calamine does not.
        if number is None or not text.isascii() or "_" in text or text[0] <= " " or text[-1] <= " ":
            if kind is None:
                return text  # calamine keeps an untyped value that is not a number as text
            raise SpreadsheetError("corrupt", self.name)
        style = self.cell.get("s")
        if style is None:
            return number
        presented = self.kinds.get(style)
        if presented is None:  # out of range: a plain number; not a number at all: style 0
            presented = _Kind.NUMBER if style.isdigit() else self.kinds.get("0", _Kind.NUMBER)
        if presented is _Kind.NUMBER:
            return number
        return _excel_time(number, presented, self.is_1904)


def _column_number(letters: str) -> int:
    """1-based column of ASCII ``letters``: A → 1, Z → 26, AA → 27."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _column_index(letters: str, name: str) -> int:
    """0-based column of ``letters``; damaged if they are not letters or go beyond XFD."""
    number = _column_number(letters)
    if not (letters.isascii() and letters.isalpha() and number <= MAX_COLUMNS):
        raise SpreadsheetError("corrupt", name)
    return number - 1


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(65 + remainder) + name
    return name


# Cells nearly always come in column order: comparing with the expected reference is quickest.
_COLUMN_NAMES = [_column_name(index) for index in range(MAX_COLUMNS)]


def _boolean(text: str, name: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true"):
        return True
    if value in ("0", "false"):
        return False
    raise SpreadsheetError("corrupt", name)


def _iso_value(text: str) -> Cell:
    """A ``t="d"`` cell holds ISO 8601 text (Excel never writes one); as in calamine, text that
    does not read as a date, time or datetime without a time zone stays text."""
    parsed: date | time
    try:
        if "T" in text:
            parsed = datetime.fromisoformat(text)
        elif ":" in text:
            parsed = time.fromisoformat(text)
        else:
            parsed = date.fromisoformat(text)
    except ValueError:
        return text
    return text if isinstance(parsed, datetime | time) and parsed.tzinfo else parsed


_EXCEL_EPOCH = datetime(1899, 12, 30)
_MS_PER_DAY = 86_400_000
_DAYS_1900_TO_1904 = 1462


@functools.lru_cache(maxsize=4096)  # a pass list repeats its few approval dates on every row
def _excel_time(serial: float, kind: _Kind, is_1904: bool) -> Cell:
    """What python-calamine makes of a date-formatted number: rounded to the millisecond, with
    Excel's 1900 leap-year bug; below 1 a ``time``, whole a ``date``, else a ``datetime``;
    in an elapsed-time format a ``timedelta``; out of range, the number itself."""
    if not math.isfinite(serial):
        return serial
    try:
        if kind is _Kind.DURATION:
            return timedelta(milliseconds=_round_half_away(serial * _MS_PER_DAY))
        days = serial + _DAYS_1900_TO_1904 if is_1904 else serial
        if days < 60:  # Excel counts a 29 February 1900 that never was
            days += 1
        moment = _EXCEL_EPOCH + timedelta(milliseconds=_round_half_away(days * _MS_PER_DAY))
    except OverflowError:
        return serial
    if serial < 1:
        return moment.time()
    return moment.date() if serial.is_integer() else moment


def _round_half_away(value: float) -> int:
    """Round half away from zero, exactly (as Rust's ``f64::round``)."""
    whole = math.floor(abs(value))
    if abs(value) - whole >= 0.5:
        whole += 1
    return int(math.copysign(whole, value))
