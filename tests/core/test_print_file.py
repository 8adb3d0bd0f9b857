"""A print file is compiled in chunks and merged: every page, in order, and nothing left behind
when a page cannot be made."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pypdfium2
import pytest

from ecert.core.documents.faces import Face, sample_page
from ecert.core.documents.print_file import write_print_file
from ecert.core.documents.qr_images import qr_texts_in_pdf
from ecert.core.documents.render import FontSet, Page, Renderer
from ecert.core.errors import EcertError
from tests.core.test_faces import FACES_DIR, FONTS_DIR

CREATED = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(FACES_DIR, FontSet.from_dirs([FONTS_DIR]))


def _pages(count: int) -> list[Page]:
    """``count`` pages of one face, each with a different name and number."""
    base = sample_page(Face.SCORE_PROOF)
    return [
        dataclasses.replace(
            base, fields={**base.fields, "name": f"周{i}号", "number": f"2023370100{i:06d}"}
        )
        for i in range(count)
    ]


def test_chunks_are_merged_into_one_file_in_order(renderer: Renderer, tmp_path: Path) -> None:
    target = tmp_path / "print.pdf"
    seen: list[int] = []

    count = write_print_file(
        iter(_pages(5)), renderer, target, created=CREATED, chunk=2, progress=seen.append
    )

    with pikepdf.open(target) as pdf:
        title = str(pdf.docinfo["/Title"])
    document = pypdfium2.PdfDocument(target)
    texts = ["".join(page.get_textpage().get_text_range().split()) for page in document]
    document.close()
    assert count == len(texts) == 5
    assert [f"周{i}号" in text for i, text in enumerate(texts)] == [True] * 5
    assert seen == [2, 4, 5]
    assert "打印文件" in title
    assert len(qr_texts_in_pdf(target)) == 5  # a QR code on every page
    assert sorted(tmp_path.iterdir()) == [target]  # no chunk or scratch file left


def test_a_page_that_cannot_be_made_leaves_no_file(renderer: Renderer, tmp_path: Path) -> None:
    target = tmp_path / "print.pdf"

    def pages() -> Iterator[Page]:
        yield from _pages(3)
        raise EcertError("bad_photo", "照片无法读取", "the photo cannot be read")

    with pytest.raises(EcertError):
        write_print_file(pages(), renderer, target, created=CREATED, chunk=2)

    assert list(tmp_path.iterdir()) == []


def test_nothing_to_print_is_an_error(renderer: Renderer, tmp_path: Path) -> None:
    with pytest.raises(EcertError) as raised:
        write_print_file(iter([]), renderer, tmp_path / "print.pdf", created=CREATED)

    assert raised.value.code == "no_pages"
    assert list(tmp_path.iterdir()) == []
