"""Print files: many certificate pages in one PDF for the printer, in bounded memory.

Typst compiles a document in memory, so a file of 10,000 pages is made in chunks: each chunk of
pages is compiled to a temporary PDF, then qpdf (through pikepdf) copies the chunks' pages into
one file. qpdf reads a source's streams only when it writes them, so what stays in memory is one
chunk being compiled plus the merged file's object table, not the whole file.

A print file is for paper: it carries no seal picture unless asked, because the paper gets the
authority's real stamp (seed 003 第九条: 加盖核准公布部门印章后生效). Every page keeps its QR code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import cache
from itertools import islice
from pathlib import Path
from typing import BinaryIO

import pikepdf
import typst

from ecert.core.documents.render import Page, Renderer
from ecert.core.errors import EcertError

DEFAULT_CHUNK = 100
TYPST_CACHE_AGE = 10  # compiles after which Typst evicts an unused memoised result
BLANK_SOURCE = b" "  # a document of one blank page (empty bytes would read as "no input")
TITLE = "ecert 证书打印文件 / certificate print file"


def write_print_file(
    pages: Iterable[Page],
    renderer: Renderer,
    out: BinaryIO | Path,
    *,
    created: datetime,
    chunk: int = DEFAULT_CHUNK,
    with_seal: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``pages`` as one PDF to ``out`` and return how many pages it has.

    ``pages`` is read lazily, ``chunk`` at a time. When ``out`` is a path the file appears only
    when complete (written beside it, then renamed); on any error nothing is left behind.
    ``progress`` is told the number of pages compiled after each chunk.
    """
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    created = created.replace(microsecond=0)  # Typst's document date has whole seconds only
    scratch_parent = out.parent if isinstance(out, Path) else None
    with tempfile.TemporaryDirectory(prefix="print-", dir=scratch_parent) as scratch:
        chunk_files = []
        count = 0
        for number, group in enumerate(_chunks(pages, chunk)):
            if not with_seal:
                group = [dataclasses.replace(page, seal=None) for page in group]
            path = Path(scratch) / f"chunk-{number:05d}.pdf"
            path.write_bytes(renderer.document(group, created=created, pdf_a=False))
            _forget_compiled()
            chunk_files.append(path)
            count += len(group)
            if progress is not None:
                progress(count)
        if not chunk_files:
            raise EcertError("no_pages", "没有要打印的页面", "no pages to print")
        if isinstance(out, Path):
            _merge_to_path(chunk_files, out, created=created)
        else:
            _merge(chunk_files, out, created=created)
    return count


def _forget_compiled() -> None:
    """Let Typst drop what it memoised for the chunk just compiled.

    Typst memoises layout work in one cache per process and, after every compile, evicts entries
    unused for ten compiles. Certificate pages are all different, so ten chunks of them stay
    cached: 100-page chunks held about 450 MB where one needs about 180 MB. Compiling an empty
    document ten times ages those entries out, in about 15 ms.
    """
    compiler = _empty_compiler()
    for _ in range(TYPST_CACHE_AGE):
        compiler.compile(input=BLANK_SOURCE, format="pdf")


@cache
def _empty_compiler() -> typst.Compiler:
    """A compiler with no fonts to load, for a blank document given at each compile.

    A source given to the constructor is lost once another compiler has run in the process
    (typst-py then looks for it in the working directory); one given to ``compile`` is not.
    """
    return typst.Compiler(font_paths=[], ignore_system_fonts=True)


def _chunks(pages: Iterable[Page], size: int) -> Iterator[list[Page]]:
    iterator = iter(pages)
    while group := list(islice(iterator, size)):
        yield group


def _merge(chunk_files: list[Path], out: BinaryIO | Path, *, created: datetime) -> None:
    """Copy every page of the chunks, in order, into one PDF written to ``out``."""
    with contextlib.ExitStack() as stack, pikepdf.new() as merged:
        for path in chunk_files:
            source = stack.enter_context(pikepdf.open(path))
            merged.pages.extend(source.pages)
        merged.docinfo["/Title"] = pikepdf.String(TITLE)
        merged.docinfo["/Producer"] = pikepdf.String("ecert")
        merged.docinfo["/CreationDate"] = pikepdf.String(_pdf_date(created))
        # Object streams keep the cross-reference of tens of thousands of objects small.
        merged.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def _merge_to_path(chunk_files: list[Path], out: Path, *, created: datetime) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(handle)
    try:
        _merge(chunk_files, Path(temporary), created=created)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _pdf_date(moment: datetime) -> str:
    """A PDF date string (ISO 32000 §7.9.4), in the moment's own offset."""
    text = moment.strftime("D:%Y%m%d%H%M%S")
    offset = moment.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}'{rest:02d}'" if minutes else f"{text}Z"
