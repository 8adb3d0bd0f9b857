"""A small, fast writer of text-only .xlsx workbooks: one sheet, a bold header row, and every cell
a string in Excel's text format (``@``), so that a phone number, a postcode or an 18-digit number
stays the text it was.

The package is the least SpreadsheetML (ECMA-376 part 1) that Excel, LibreOffice, WPS and
calamine open: content types, the package and workbook relationships, the workbook, its one
worksheet, the styles and the core properties (title, created). Cells are inline strings
(``t="inlineStr"``): no shared-strings table to build, and the repeated texts a bulk order has
(the sender on every line) cost next to nothing once deflated. A blank value writes no cell.

Text is written exactly: ``& < >`` as entities, a carriage return as ``&#13;`` (a parser would
turn a bare one into a line feed), and text that looks like OOXML's own ``_xHHHH_`` escape gets
its underscore escaped (``_x005F_``) so that Excel shows it as typed. A character XML 1.0 cannot
carry at all (a control character other than tab, line feed and carriage return; U+FFFE, U+FFFF)
is refused with an EcertError naming the row and column: nothing is dropped silently, and the
project's text checks refuse such characters long before anything is exported.

The same arguments always give the same bytes (the zip entries carry ``created`` as their date).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from xml.sax.saxutils import escape as _escape_attribute_free

from ecert.core.errors import EcertError
from ecert.core.spreadsheets.error_workbook import neutralise_formula
from ecert.core.spreadsheets.passlist import column_letter

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
COMPRESS_LEVEL = 1  # measured: a tenth of the time of level 6 for a workbook a fifth larger

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_TEXT_STYLE = 1  # cellXfs index: number format 49, i.e. "@"
_HEADER_STYLE = 2  # the same, bold

# Characters XML 1.0 cannot carry (a lone surrogate cannot reach the file: it has no UTF-8), with
# and without NUL, which separates the values while they are escaped together.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ILLEGAL_BUT_NUL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Text that Excel would read as one of OOXML's _xHHHH_ escapes.
_LOOKS_ESCAPED = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
# White space just after a separator: searched forwards and backwards, it finds a value that
# begins or ends with white space (one search with both sides takes ten times as long).
_SPACE_AFTER = re.compile("\x00[ \t\n\r]")
# A value that a spreadsheet would read as a formula (error_workbook.neutralise_formula).
_FORMULA_AFTER = re.compile("\x00[=+\\-@\t\r]")
_SEPARATOR = "\x00"  # between values while they are escaped together; never in a written value
_SHEET_NAME_REFUSED = re.compile(r"[\[\]:*?/\\]")


def text_workbook(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    sheet: str = "Sheet1",
    widths: Sequence[float] = (),
    created: datetime | None = None,
    title: str = "",
    freeze_header: bool = True,
) -> bytes:
    """The .xlsx bytes of ``header`` (bold) over ``rows``, every cell text.

    ``widths`` are column widths in characters, from column A; ``created`` (aware, or naive UTC)
    is the workbook's creation date and its zip entries' date (default 1980-01-01, the earliest a
    zip can hold). Raises EcertError for a character XML cannot carry, ValueError for a bad sheet
    name or a workbook larger than Excel's grid.
    """
    _sheet_name_check(sheet)
    if not header:
        raise ValueError("a workbook needs a header")
    lines = [tuple(header), *map(tuple, rows)]
    width = max(map(len, lines))
    if len(lines) > MAX_ROWS or width > MAX_COLUMNS:
        raise ValueError(f"{len(lines)} rows × {width} columns is larger than a worksheet")
    lines = [line if len(line) == width else line + ("",) * (width - len(line)) for line in lines]
    letters = [column_letter(index) for index in range(width)]
    values, spaced = _escaped_values(lines, width, letters)
    body = _sheet_xml(len(lines), values, letters, widths, freeze_header, spaced)
    stamp = created.astimezone(UTC) if created and created.tzinfo else created
    return _package(sheet, body, stamp, title)


# ── Escaping ──────────────────────────────────────────────────────────────────────────────────


def _escaped_values(
    lines: list[tuple[str, ...]], width: int, letters: list[str]
) -> tuple[list[str], bool]:
    """Every value of ``lines`` (``width`` a line), made inert and escaped for element content;
    and whether any begins or ends with white space. The values are worked on as one string (a
    few passes in C rather than a few calls a cell), then split again."""
    flat = _SEPARATOR.join(map(_SEPARATOR.join, lines))
    if flat.count(_SEPARATOR) != len(lines) * width - 1 or _ILLEGAL_BUT_NUL.search(flat):
        _refuse_illegal(lines, letters)
    if _FORMULA_AFTER.search(f"{_SEPARATOR}{flat}"):
        flat = _SEPARATOR.join(neutralise_formula(value) for line in lines for value in line)
    text = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if "_x" in text:
        text = _LOOKS_ESCAPED.sub("_x005F_", text)
    spaced = _SPACE_AFTER.search(f"\x00{flat}") or _SPACE_AFTER.search(f"{flat}\x00"[::-1])
    return text.split(_SEPARATOR), spaced is not None


def _refuse_illegal(lines: list[tuple[str, ...]], letters: list[str]) -> None:
    for number, line in enumerate(lines, start=1):
        for letter, value in zip(letters, line, strict=False):
            found = _ILLEGAL.search(value)
            if found is not None:
                code = f"U+{ord(found[0]):04X}"
                raise EcertError(
                    "bad_character",
                    f"第 {number} 行 {letter} 列含有表格不能保存的字符 {code}",
                    f"row {number}, column {letter} holds {code}, which a workbook cannot carry",
                    row=number,
                    column=letter,
                )


def _sheet_name_check(name: str) -> None:
    if (
        not name
        or len(name) > 31
        or _SHEET_NAME_REFUSED.search(name)
        or name.startswith("'")
        or name.endswith("'")
        or _ILLEGAL.search(name)
    ):
        raise ValueError(f"{name!r} cannot name a worksheet")


def _attribute(text: str) -> str:
    return _escape_attribute_free(text, {'"': "&quot;", "\r": "&#13;", "\n": "&#10;"})


# ── The worksheet ─────────────────────────────────────────────────────────────────────────────


def _sheet_xml(
    count: int,
    values: list[str],
    letters: list[str],
    widths: Sequence[float],
    freeze_header: bool,
    spaced: bool,
) -> str:
    """The worksheet of ``count`` lines whose escaped ``values`` are ``len(letters)`` a line."""
    width = len(letters)
    parts = [_HEAD, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
    if width:
        parts.append(f'<dimension ref="A1:{letters[-1]}{count}"/>')
    parts.append('<sheetViews><sheetView workbookViewId="0">')
    if freeze_header:
        parts.append(
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        )
    parts.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
    parts.append(_columns(width, widths))
    parts.append("<sheetData>")
    text = '<t xml:space="preserve">' if spaced else "<t>"
    parts.append(_row(1, values[:width], letters, _HEADER_STYLE, text))
    full = _row_template((True,) * width, letters, _TEXT_STYLE, text).format
    # A row is one str.format call; a row with blank cells, which write nothing, takes the
    # slower way.
    for number, start in zip(range(2, count + 1), range(width, count * width, width), strict=True):
        cells = values[start : start + width]
        parts.append(
            full(number, *cells) if all(cells) else _row(number, cells, letters, _TEXT_STYLE, text)
        )
    parts.append(
        '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/></worksheet>'
    )
    return "".join(parts)


def _row(number: int, cells: list[str], letters: list[str], style: int, text: str) -> str:
    filled = tuple(map(bool, cells))
    return _row_template(filled, letters, style, text).format(number, *filter(None, cells))


def _row_template(filled: tuple[bool, ...], letters: list[str], style: int, text: str) -> str:
    """The format string of a row whose cells ``filled`` are not blank: ``{0}`` is the row's
    number, ``{1}``… the escaped texts of the filled cells in order."""
    parts = ['<row r="{0}">']
    place = 1
    for letter, present in zip(letters, filled, strict=True):
        if present:
            parts.append(
                f'<c r="{letter}{{0}}" s="{style}" t="inlineStr"><is>{text}{{{place}}}</t></is></c>'
            )
            place += 1
    parts.append("</row>")
    return "".join(parts)


def _columns(count: int, widths: Sequence[float]) -> str:
    """Every column defaults to the text format, so that what a person types later stays text;
    a width in characters is stored as Excel stores it, with 5 pixels of padding (7 a char)."""
    if count == 0 and not widths:
        return ""
    parts = ["<cols>"]
    for index in range(max(count, len(widths))):
        if index < len(widths):
            stored = int((widths[index] * 7 + 5) / 7 * 256) / 256
            size = f' width="{stored}" customWidth="1"'
        else:
            size = ' width="9.140625"'
        parts.append(f'<col min="{index + 1}" max="{index + 1}"{size} style="{_TEXT_STYLE}"/>')
    parts.append("</cols>")
    return "".join(parts)


# ── The package ───────────────────────────────────────────────────────────────────────────────

_CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)

_PACKAGE_RELS = (
    _HEAD + f'<Relationships xmlns="{_PACKAGE_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PACKAGE_REL}/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    "</Relationships>"
)

_WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PACKAGE_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)

_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/><scheme val="minor"/>'
_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" '
    'applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _workbook_xml(sheet: str) -> str:
    return (
        _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f'<sheets><sheet name="{_attribute(sheet)}" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    )


def _core_xml(created: datetime | None, title: str) -> str:
    parts = [
        _HEAD,
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    ]
    if title:
        parts.append(f"<dc:title>{_attribute(title)}</dc:title>")
    if created is not None:
        stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
        parts.append(f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>')
    parts.append("</cp:coreProperties>")
    return "".join(parts)


def _package(sheet: str, body: str, created: datetime | None, title: str) -> bytes:
    when = (1980, 1, 1, 0, 0, 0)
    if created is not None and created.year >= 1980:
        when = (created.year, created.month, created.day, created.hour, created.minute, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _PACKAGE_RELS),
            ("docProps/core.xml", _core_xml(created, title)),
            ("xl/workbook.xml", _workbook_xml(sheet)),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/styles.xml", _STYLES),
            ("xl/worksheets/sheet1.xml", body),
        ):
            entry = zipfile.ZipInfo(name, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            archive.writestr(entry, text.encode("utf-8"), compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()
