"""An independent reader (ofd.js in Chromium, tests/ofd_reader) draws every face's OFD as PDFium
draws the Typst PDF it was made from: every character at its place, and the same picture; a moved
text, a missing character or a missing picture is seen."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from lxml import etree

from ecert.core.documents.faces import Face, sample_page
from tests.ofd_reader.reader import (
    NS,
    astral_cells,
    drawn_characters,
    misplaced,
    open_reader,
    pdf_characters,
    pdf_picture,
    render,
    stamps,
    unexplained,
)
from tests.ofd_world import face_documents, sealed_face_ofd

CONTENT = "Doc_0/Pages/Page_0/Content.xml"
PLACE = 1.5  # pixels at 777 px per 210 mm: 0.4 mm; both readers agree within 1 px on every face
# The same page drawn by both leaves at most a few dozen unexplained pixels (hairlines and the
# seal's edge are anti-aliased differently); a missing photo leaves thousands.
SAME = 150


@pytest.fixture(scope="module")
def reader(browser: Any) -> Iterator[Any]:
    page = open_reader(browser)
    yield page
    page.close()


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return out.getvalue()


def _changed(face: Face, change: Callable[[Any], None]) -> dict[str, bytes]:
    files = dict(face_documents(face).ofd.files)
    page = etree.fromstring(files[CONTENT])
    change(page)
    files[CONTENT] = etree.tostring(page, xml_declaration=True, encoding="UTF-8")
    return files


def _name_code(page: Any, face: Face) -> Any:
    name = sample_page(face).fields["name"]
    return next(c for c in page.iterfind(".//ofd:TextCode", NS) if (c.text or "") == name)


def _misplaced(reader: Any, face: Face, files: dict[str, bytes]) -> list[tuple[str, float, float]]:
    drawn = render(reader, _zip(files))
    return misplaced(
        drawn_characters(reader), pdf_characters(face_documents(face).pdf, drawn.width), PLACE
    )


@pytest.mark.parametrize("face", list(Face))
def test_the_reader_draws_every_character_where_the_pdf_has_it(reader: Any, face: Face) -> None:
    assert _misplaced(reader, face, face_documents(face).ofd.files) == []


@pytest.mark.parametrize("face", list(Face))
def test_the_reader_draws_the_same_picture_as_the_pdf(reader: Any, face: Face) -> None:
    documents = face_documents(face)
    drawn = render(reader, documents.ofd.to_zip())
    pdf = pdf_picture(documents.pdf, drawn.size)
    assert unexplained(drawn, pdf, astral_cells(documents.ofd.files, drawn.size)) < SAME


def test_a_name_moved_by_a_millimetre_is_seen(reader: Any) -> None:
    def move(page: Any) -> None:
        code = _name_code(page, Face.NATIONAL_STYLE_1)
        code.set("X", str(float(code.get("X")) + 1.0))

    moved = _misplaced(reader, Face.NATIONAL_STYLE_1, _changed(Face.NATIONAL_STYLE_1, move))
    assert [char for char, _, _ in moved] == list(sample_page(Face.NATIONAL_STYLE_1).fields["name"])


def test_a_missing_character_is_seen(reader: Any) -> None:
    def drop_last(page: Any) -> None:
        code = _name_code(page, Face.NATIONAL_STYLE_1)
        code.text = code.text[:-1]
        code.set("DeltaX", " ".join(code.get("DeltaX").split()[:-1]))

    dropped = _misplaced(reader, Face.NATIONAL_STYLE_1, _changed(Face.NATIONAL_STYLE_1, drop_last))
    assert [char for char, _, _ in dropped] == ["堃"]


def test_a_missing_photo_is_seen(reader: Any) -> None:
    def drop_photo(page: Any) -> None:
        photo = page.find(".//ofd:ImageObject", NS)  # the photo comes before the seal
        photo.getparent().remove(photo)

    documents = face_documents(Face.NATIONAL_STYLE_1)
    drawn = render(reader, _zip(_changed(Face.NATIONAL_STYLE_1, drop_photo)))
    assert unexplained(drawn, pdf_picture(documents.pdf, drawn.size)) > SAME


# ── The GB/T 38540 seal, as the independent reader reads it ─────────────────────────────────────


@pytest.mark.parametrize("face", list(Face))
def test_the_reader_checks_the_electronic_seal_and_draws_it_where_the_pdf_has_it(
    reader: Any, face: Face
) -> None:
    sealed = sealed_face_ofd(face)
    documents = face_documents(face)
    [(name, verified, box)] = stamps(reader, sealed)
    assert name == sample_page(face).fields["issuer"]
    assert verified  # ofd.js's own SM2 (sm-crypto) accepts the SES_Signature
    drawn = render(reader, sealed)
    pdf = pdf_picture(documents.pdf, drawn.size)
    assert unexplained(drawn, pdf, astral_cells(documents.ofd.files, drawn.size)) < SAME
    assert box["w"] == pytest.approx(40, abs=0.01)


def test_the_reader_refuses_a_seal_whose_signature_was_changed(reader: Any) -> None:
    with zipfile.ZipFile(io.BytesIO(sealed_face_ofd(Face.NATIONAL_STYLE_1))) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    value = "Doc_0/Signs/Sign_0/SignedValue.dat"
    data = bytearray(files[value])
    data[-5] ^= 0x01  # inside the signature's s
    files[value] = bytes(data)

    [(_, verified, _)] = stamps(reader, _zip(files))
    assert not verified
