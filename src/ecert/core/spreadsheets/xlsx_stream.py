"""The streaming .xlsx reader: zipfile + expat, a chunk at a time, giving the values calamine does.

``spreadsheets`` uses it for sheets too large, or laid out too sparsely, for calamine to load whole;
its memory is bounded by the shared-strings table.
"""

from __future__ import annotations

import functools
import math
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from pathlib import Path
from xml.parsers import expat

from ecert.core.spreadsheets.cells import Cell, Row
from ecert.core.spreadsheets.limits import Budget, Stream
from ecert.core.spreadsheets.spreadsheet_errors import spreadsheet_error

CHUNK = 2**20
MAX_COLUMNS = 16_384  # XFD, Excel's last column
CALAMINE_MAX_CELLS = 2**24  # calamine holds 32 bytes per cell of the sheet's used box: 512 MiB

DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    expat.ExpatError,
    zlib.error,
    EOFError,
    OSError,
)


# --- the package parts a streaming read needs ----------------------------------------------


@dataclass(frozen=True)
class Book:
    """Where a package keeps its first worksheet and the parts that worksheet refers to."""

    sheet: str
    shared_strings: str | None
    styles: str | None
    is_1904: bool


def read_book(archive: zipfile.ZipFile, name: str, budget: Budget) -> Book:
    """Where the first worksheet is; the parts read to find it are charged to ``budget``."""
    members = set(archive.namelist())
    if "xl/workbook.xml" not in members:
        raise spreadsheet_error("unsupported_format", name)  # .docx, .ods, .xlsb, any other zip
    budget.check_declared(archive)
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

    _parse(budget.open(archive, "xl/workbook.xml"), workbook)
    if "xl/_rels/workbook.xml.rels" in members:
        _parse(budget.open(archive, "xl/_rels/workbook.xml.rels"), relationship)
    if not sheet_ids:
        raise spreadsheet_error("no_sheet", name)
    sheet = by_id.get(sheet_ids[0], "")
    if sheet not in members:
        raise spreadsheet_error("corrupt", name)
    return Book(sheet, part("sharedStrings"), part("styles"), is_1904)


def _local(name: str, separator: str = ":") -> str:
    return name.rpartition(separator)[2]


def _parse(
    stream: Stream,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> None:
    for _ in _feed(stream, _parser(start, end, text)):
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


def _feed(stream: Stream, parser: expat.XMLParserType) -> Iterator[None]:
    """Parse ``stream`` a chunk at a time, pausing after each so the caller can take rows."""
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
            yield
        parser.Parse(b"", True)
        yield
    finally:
        stream.close()


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
        _parse(archive.open(member), start, end, text)
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
        _parse(archive.open(member), start, end)
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


def calamine_can_hold(stream: Stream) -> bool:
    """Whether calamine can load the sheet without an absurd allocation.

    calamine reserves a slot for every cell in the box from the first cell to the last, so a
    tiny file with values in A1 and XFD1048576 makes it ask for 512 GiB and abort the process.
    Measure the box, cheaply, when every cell states its place plainly (<c r="B7" …>, as Excel
    and the common libraries write it); any other layout goes to the streaming reader.
    """
    columns = 26  # A–Z
    last_row = 99_999
    try:
        for text in _whole_tags(stream):
            if _UNPLAIN_CELL.search(text) or _PREFIXED_CELL.search(text):
                return False
            if wide := _WIDE_COLUMN.findall(text):
                columns = max(columns, *(_column_number(c.decode()) for c in set(wide)))
            if deep := _DEEP_ROW.findall(text):
                last_row = max(last_row, *map(int, deep))
    finally:
        stream.close()
    return last_row * columns <= CALAMINE_MAX_CELLS


def _whole_tags(stream: Stream) -> Iterator[bytes]:
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


class SheetReader:
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

    @classmethod
    def for_book(cls, archive: zipfile.ZipFile, book: Book, name: str) -> SheetReader:
        """A reader of ``book``'s first sheet, with its shared strings and styles read."""
        strings = _shared_strings(archive, book.shared_strings)
        kinds = _style_kinds(archive, book.styles)
        return cls(name, strings, kinds, book.is_1904)

    def rows(self, path: Path, member: str, budget: Budget) -> Iterator[Row]:
        """The sheet's rows, its bytes charged to ``budget`` as they are inflated."""
        parser = _parser(self.start, self.end, self.text)
        try:
            with zipfile.ZipFile(path) as archive:
                for _ in _feed(budget.open(archive, member), parser):
                    yield from self.done
                    self.done.clear()
        except DAMAGE as error:
            raise spreadsheet_error("corrupt", self.name) from error

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
            raise spreadsheet_error("corrupt", self.name)
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
            raise spreadsheet_error("corrupt", self.name)
        return _column_index(letters, self.name)

    def value(self, text: str) -> Cell:
        """The value of a cell whose last child is <v>, as calamine reads it."""
        kind = self.cell.get("t")
        if kind == "s":
            if not text:
                return None
            if not (text.isascii() and text.isdigit() and int(text) < len(self.strings)):
                raise spreadsheet_error("corrupt", self.name)
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
        raise spreadsheet_error("corrupt", self.name)

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
            raise spreadsheet_error("corrupt", self.name)
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
        raise spreadsheet_error("corrupt", name)
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
    raise spreadsheet_error("corrupt", name)


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
