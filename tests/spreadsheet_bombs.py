"""Hostile .xlsx files: small packages whose parts inflate to gigabytes ("zip bombs").

A package is written by hand (zip64 headers, raw deflate streams), because deflating 4 GiB to build
one would take a minute: a deflate stream is made self-contained at a full flush, so one
compressed megabyte of shared strings can be laid end to end thousands of times.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
TINY_ITEM = b"<si><t>ab</t></si>"
BLOCK_ITEMS = 2**20 // len(TINY_ITEM)  # about a mebibyte of items per repeated block


@dataclass(frozen=True)
class Part:
    name: str
    deflated: bytes  # raw deflate stream (no zlib header)
    size: int  # bytes it inflates to
    declared: int  # the size the headers state (a lie when it differs from ``size``)
    crc: int


def _segment(data: bytes, *, last: bool) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


def small_part(name: str, text: str) -> Part:
    data = text.encode()
    return Part(name, _segment(data, last=True), len(data), len(data), zlib.crc32(data))


def shared_strings_bomb(blocks: int, *, declared: int | None = None) -> Part:
    """xl/sharedStrings.xml with ``blocks`` × ``BLOCK_ITEMS`` two-letter items. Above 64 blocks
    its CRC is left 0 (a reader that stops in time never reaches the end, where it is checked)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode()
    block = TINY_ITEM * BLOCK_ITEMS
    tail = b"</sst>"
    deflated = (
        _segment(head, last=False)
        + _segment(block, last=False) * blocks
        + _segment(tail, last=True)
    )
    size = len(head) + len(block) * blocks + len(tail)
    crc = 0
    if blocks <= 64:
        crc = zlib.crc32(head)
        for _ in range(blocks):
            crc = zlib.crc32(block, crc)
        crc = zlib.crc32(tail, crc)
    return Part("xl/sharedStrings.xml", deflated, size, size if declared is None else declared, crc)


def workbook_parts() -> list[Part]:
    """Every part of a one-sheet workbook but the shared strings; A1 shows the first item."""
    return [
        small_part(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        ),
        small_part(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        ),
        small_part(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        ),
        small_part(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>',
        ),
        small_part(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
            '<c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
        ),
    ]


def write_package(path: Path, parts: list[Part]) -> Path:
    """A zip of ``parts`` with zip64 sizes in every header (what a 4 GiB part needs)."""
    central = b""
    with path.open("wb") as out:
        for part in parts:
            offset = out.tell()
            name = part.name.encode()
            sizes = struct.pack("<HHQQ", 1, 16, part.declared, len(part.deflated))
            common = struct.pack(
                "<HHHHHIII", 45, 0, 8, 0, 0x21, part.crc, 0xFFFFFFFF, 0xFFFFFFFF
            ) + struct.pack("<HH", len(name), len(sizes))
            out.write(b"PK\x03\x04" + common + name + sizes + part.deflated)
            central += (
                b"PK\x01\x02"
                + struct.pack("<H", 45)
                + common
                + struct.pack("<HHHII", 0, 0, 0, 0, offset)
                + name
                + sizes
            )
        start = out.tell()
        out.write(central)
        out.write(
            b"PK\x05\x06"
            + struct.pack("<HHHHIIH", 0, 0, len(parts), len(parts), len(central), start, 0)
        )
    return path


def bomb(path: Path, blocks: int, *, declared: int | None = None) -> Path:
    """A workbook whose shared strings inflate to ``blocks`` MiB of two-letter items."""
    return write_package(path, [*workbook_parts(), shared_strings_bomb(blocks, declared=declared)])
