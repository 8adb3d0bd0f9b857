"""Rows of an uploaded spreadsheet (.xlsx, .xls or .csv), told apart by content, not by file name.

Workbooks are read with python-calamine, which holds the whole first sheet in memory. An .xlsx
whose sheet is larger than ``stream_above`` unpacked, or laid out so that calamine would need an
absurd amount of memory, is read instead by a streaming parser (zipfile + expat) that yields the
same values calamine does; its memory is bounded by the shared-strings table.

No reader trusts a file's size: an .xlsx is inflated part by part with every byte counted against
``ReadLimits`` (``limits.py``) before calamine sees it or while it is streamed, and a CSV or .xls
larger than the ceiling is refused; a zip bomb gets a bilingual "too_large" error naming the part.

Every reader hands back cells alike: an empty cell is ``None``; text is unchanged; numbers stay
``int`` or ``float`` as stored (an ID number typed as a number arrives as a number); numbers with
a date format become ``date``, ``datetime``, ``time`` or ``timedelta``. Trailing empty cells are
dropped, so a short row means the rest is empty. Rows without a non-blank cell are skipped, and
row numbers are the ones the spreadsheet shows.
"""

from __future__ import annotations

import codecs
import csv
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from python_calamine import (
    CalamineError,
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    WorksheetNotFound,
)

from ecert.core.errors import EcertError
from ecert.core.spreadsheets.cells import Cell, Row
from ecert.core.spreadsheets.limits import Budget, ReadLimits
from ecert.core.spreadsheets.spreadsheet_errors import spreadsheet_error
from ecert.core.spreadsheets.xlsx_stream import (
    CHUNK,
    DAMAGE,
    SheetReader,
    calamine_can_hold,
    read_book,
)

__all__ = ["Cell", "ReadLimits", "Row", "read_rows"]

# bench/issue.py wraps ``spreadsheets._SheetReader.rows`` to tell which reader ran.
_SheetReader = SheetReader

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


def read_rows(
    path: Path,
    *,
    display_name: str | None = None,
    stream_above: int = 128 * 2**20,
    max_rows: int = 1_048_576,
    limits: ReadLimits | None = None,
) -> Iterator[Row]:
    """(row number, cells) for every non-blank row of the first worksheet, or of the CSV file.

    Problems with the file as a whole (format, password, encoding, damage found on opening)
    raise an EcertError here; damage further in, and a row past ``max_rows``, raise it while
    iterating. Messages name the file as ``display_name`` (default: the file's name). ``limits``
    bound what the file may unpack to (default: ``ReadLimits()``).
    """
    name = display_name or path.name
    budget = Budget(limits or ReadLimits(), file_size=path.stat().st_size, name=name)
    with path.open("rb") as file:
        head = file.read(64 * 1024)
    if head.startswith(_ZIP):
        rows = _xlsx_rows(path, name, stream_above, max_rows, budget)
    elif budget.allowance < path.stat().st_size:
        raise budget.too_large("")  # text that is not packed is as long as the file
    elif head.startswith(_OLE2):
        rows = _calamine_rows(path, name, ".xls", max_rows)
    elif head.startswith(_UTF16):
        raise spreadsheet_error("encoding", name)
    elif head.startswith(_OTHER_BINARY) or b"\x00" in head:
        raise spreadsheet_error("unsupported_format", name)
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


def _too_many_rows(name: str, max_rows: int) -> EcertError:
    return spreadsheet_error(
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
    raise spreadsheet_error("encoding", name)


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
            raise spreadsheet_error(
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
        raise spreadsheet_error("password_protected", name) from None
    except WorksheetNotFound:
        raise spreadsheet_error("no_sheet", name) from None
    except CalamineError:
        if suffix == ".xls" and _is_encrypted_xlsx(path):
            raise spreadsheet_error("password_protected", name) from None
        raise spreadsheet_error("corrupt", name) from None
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


# --- .xlsx: calamine or the streaming reader -------------------------------------------------


def _xlsx_rows(
    path: Path, name: str, stream_above: int, max_rows: int, budget: Budget
) -> Iterator[Row]:
    """Every part but the worksheet is inflated and counted first; the worksheet is counted as
    calamine's measure reads it whole, or as the streaming reader reads it."""
    try:
        with zipfile.ZipFile(path) as archive:
            book = read_book(archive, name, budget)
            for member in archive.namelist():
                if member not in (book.sheet, "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
                    budget.inflate(archive, member, shared_strings=member == book.shared_strings)
            if archive.getinfo(book.sheet).file_size <= stream_above and calamine_can_hold(
                budget.open(archive, book.sheet)
            ):
                reader = None
            else:
                reader = SheetReader.for_book(archive, book, name)
    except DAMAGE as error:
        raise spreadsheet_error("corrupt", name) from error
    if reader is None:
        return _calamine_rows(path, name, ".xlsx", max_rows)
    return reader.rows(path, book.sheet, budget)
