"""OFD packages of every face: the structure checks of docs/formats/ofd.md pass, every printed
field comes through as text with the glyphs the fonts give it (𠮷 included), the pictures are the
ones the PDF shows, and the checker catches a package that breaks each rule."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import replace

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from lxml import etree

from ecert.core.documents.faces import Face, sample_page
from ecert.core.documents.ofd import NS, OfdPackage, ofd_from_pdf, stand_in
from ecert.core.documents.ofd_check import check_package
from ecert.core.documents.ofd_original import sealed_page_ofd
from ecert.core.documents.ofd_seal import OfdSealKey
from ecert.core.documents.render import Picture
from ecert.core.errors import EcertError
from tests.core.ofd_seal_world import seal_world
from tests.ofd_world import CREATED, DOC_ID, face_documents, renderer, seal_of
from tests.photos import id_photo

N = {"ofd": NS}
ASTRAL = "\U00020bb7"  # 𠮷
CONTENT = "Doc_0/Pages/Page_0/Content.xml"


def _xml(files: dict[str, bytes], path: str) -> etree._Element:
    return etree.fromstring(files[path])


def _font_for(files: dict[str, bytes], font_id: str) -> TTFont:
    public = _xml(files, "Doc_0/PublicRes.xml")
    font = public.find(f".//ofd:Font[@ID='{font_id}']", N)
    assert font is not None
    return TTFont(io.BytesIO(files["Doc_0/Res/" + font.findtext("ofd:FontFile", namespaces=N)]))


def _printed_text(files: dict[str, bytes]) -> str:
    page = _xml(files, CONTENT)
    return "".join(code.text or "" for code in page.iterfind(".//ofd:TextCode", N))


@pytest.mark.parametrize("face", list(Face))
def test_every_face_passes_the_structure_checks(face: Face) -> None:
    assert check_package(face_documents(face).ofd.files) == []


@pytest.mark.parametrize("face", list(Face))
def test_every_printed_field_comes_through_as_text(face: Face) -> None:
    text = "".join(_printed_text(face_documents(face).ofd.files).split())
    for name, value in sample_page(face).fields.items():
        assert "".join(value.split()) in text, name


def test_the_entry_file_describes_the_document() -> None:
    files = face_documents(Face.NATIONAL_STYLE_1).ofd.files
    assert list(files)[:4] == [
        "OFD.xml",
        "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml",
        "Doc_0/DocumentRes.xml",
    ]
    info = _xml(files, "OFD.xml").find("ofd:DocBody/ofd:DocInfo", N)
    assert info is not None
    assert info.findtext("ofd:DocID", namespaces=N) == DOC_ID
    assert info.findtext("ofd:Title", namespaces=N) == Face.NATIONAL_STYLE_1.value
    assert info.findtext("ofd:CreationDate", namespaces=N) == "2025-06-01"
    assert info.findtext("ofd:Creator", namespaces=N) == "ecert"
    box = _xml(files, "Doc_0/Document.xml").findtext(
        ".//ofd:PageArea/ofd:PhysicalBox", namespaces=N
    )
    assert box == "0 0 210 297"  # A4 in millimetres


def test_ids_increase_in_reading_order_and_max_unit_id_is_the_last() -> None:
    files = face_documents(Face.SHANDONG_TITLE_CERTIFICATE).ofd.files
    ids = [
        int(node.get("ID"))
        for path, data in files.items()
        if path.endswith(".xml")
        for node in etree.fromstring(data).iter()
        if node.get("ID") is not None
    ]
    assert ids == list(range(1, len(ids) + 1))
    assert _xml(files, "Doc_0/Document.xml").findtext(".//ofd:MaxUnitID", namespaces=N) == str(
        len(ids)
    )


@pytest.mark.parametrize(
    "face", [Face.HENAN_PROVINCIAL_CERTIFICATE, Face.SHANDONG_TITLE_CERTIFICATE]
)
def test_an_astral_character_ends_its_text_code_and_names_the_fonts_glyph(face: Face) -> None:
    files = face_documents(face).ofd.files
    page = _xml(files, CONTENT)
    found = 0
    for text_object in page.iterfind(".//ofd:TextObject", N):
        font = _font_for(files, text_object.get("Font", ""))
        transforms: list[etree._Element] = []
        for child in text_object:
            if etree.QName(child).localname == "CGTransform":
                transforms.append(child)
                continue
            text = child.text or ""
            if ASTRAL in text:
                found += 1
                assert text.endswith(ASTRAL)  # nothing after it in the same TextCode
                position = len(text) - 1  # counted in characters, 𠮷 is one
                transform = next(
                    t
                    for t in transforms
                    if int(t.get("CodePosition", "")) <= position
                    and position < int(t.get("CodePosition", "")) + int(t.get("CodeCount", "1"))
                )
                glyphs = transform.findtext("ofd:Glyphs", namespaces=N).split()
                glyph = int(glyphs[position - int(transform.get("CodePosition", ""))])
                expected = font["cmap"].getBestCmap()[ord(ASTRAL)]
                assert font.getGlyphOrder()[glyph] == expected
                charstrings = font["CFF "].cff[0].CharStrings
                assert charstrings[expected].bytecode or charstrings[expected].program
            transforms = []
    assert found >= 1


def test_the_photo_is_the_jpeg_the_page_was_given() -> None:
    documents = face_documents(Face.NATIONAL_STYLE_1)
    photo = sample_page(Face.NATIONAL_STYLE_1).photo
    assert photo is not None
    jpegs = [data for path, data in documents.ofd.files.items() if path.endswith(".jpg")]
    assert jpegs == [photo.data]


def test_the_seal_is_the_picture_given_and_its_place_is_reported() -> None:
    documents = face_documents(Face.NATIONAL_STYLE_2)
    files = documents.ofd.files
    assert documents.seal.data in files.values()
    assert documents.ofd.stamp is not None
    page_index, (x, y, width, height) = documents.ofd.stamp
    assert page_index == 0
    assert width == pytest.approx(40.0, abs=0.01)
    assert height == pytest.approx(40.0, abs=0.01)
    assert 0 < x < 210 - width
    assert 0 < y < 297 - height


def test_a_seal_drawn_as_a_stamp_is_left_out_of_the_page() -> None:
    documents = face_documents(Face.NATIONAL_STYLE_2)
    stamped = ofd_from_pdf(
        documents.pdf,
        title="t",
        created=CREATED,
        doc_id=DOC_ID,
        seal=documents.seal,
        seal_as_stamp=True,
    )
    assert stamped.stamp == documents.ofd.stamp
    images = _xml(stamped.files, CONTENT).findall(".//ofd:ImageObject", N)
    normal = _xml(documents.ofd.files, CONTENT).findall(".//ofd:ImageObject", N)
    assert len(images) == len(normal) - 1
    assert check_package(stamped.files) == []


def test_without_the_seal_picture_the_image_is_kept_but_not_reported() -> None:
    documents = face_documents(Face.SCORE_PROOF)
    package = ofd_from_pdf(documents.pdf, title="t", created=CREATED, doc_id=DOC_ID)
    assert package.stamp is None
    assert len(_xml(package.files, CONTENT).findall(".//ofd:ImageObject", N)) == 1
    assert check_package(package.files) == []


def _stood_in(face: Face, photo: Picture | None = None) -> tuple[Picture, OfdPackage]:
    """The face's page compiled with a stand-in for its seal (and for ``photo``, given as the
    photo), made into an OFD with the real pictures put back."""
    seal = seal_of(sample_page(face).fields["issuer"])
    page = sample_page(face, seal=stand_in(0, seal))
    pictures = [seal]
    if photo is not None:
        page = replace(page, photo=stand_in(1, photo))
        pictures.append(photo)
    pdf = renderer().document([page], created=CREATED)
    return seal, ofd_from_pdf(
        pdf, title="t", created=CREATED, doc_id=DOC_ID, seal=seal, stand_ins=pictures
    )


def _media(files: dict[str, bytes]) -> list[bytes]:
    return [data for path, data in files.items() if path.startswith("Doc_0/Res/image_")]


def test_a_stand_in_is_replaced_by_its_picture_in_the_same_box() -> None:
    documents = face_documents(Face.NATIONAL_STYLE_1)
    seal, package = _stood_in(Face.NATIONAL_STYLE_1)
    assert seal.data in _media(package.files)  # the caller's own PNG, byte for byte
    assert package.stamp == documents.ofd.stamp  # where the real picture was
    assert check_package(package.files) == []


def test_a_jpeg_stand_in_brings_back_the_jpeg_as_it_is() -> None:
    photo = Picture(id_photo(), "image/jpeg", 295, 413)  # 5 × 7 once reduced: it has a stand-in
    assert stand_in(1, photo).data != photo.data
    _, package = _stood_in(Face.NATIONAL_STYLE_1, photo)
    [jpeg] = [path for path, data in package.files.items() if data == photo.data]
    assert jpeg.endswith(".jpg")


def test_a_picture_of_a_shape_no_small_picture_keeps_stands_for_itself() -> None:
    odd = Picture(b"png", "image/png", 601, 600)
    assert stand_in(0, odd) is odd


def test_a_stand_in_not_given_to_the_conversion_stays_what_it_is() -> None:
    seal = seal_of(sample_page(Face.NATIONAL_STYLE_1).fields["issuer"])
    pdf = renderer().document(
        [sample_page(Face.NATIONAL_STYLE_1, seal=stand_in(0, seal))], created=CREATED
    )
    package = ofd_from_pdf(pdf, title="t", created=CREATED, doc_id=DOC_ID, seal=seal)
    assert seal.data not in _media(package.files)
    assert package.stamp is None  # a stand-in is not the seal's picture


def test_a_page_without_a_seal_cannot_be_sealed() -> None:
    world = seal_world()
    key = OfdSealKey(world.signer.signer, world.signer.certificate, b"")
    page = sample_page(Face.NATIONAL_STYLE_1)
    with pytest.raises(EcertError) as caught:
        sealed_page_ofd(
            renderer(), page, key=key, title="t", created=CREATED, doc_id=DOC_ID, at=CREATED
        )
    assert caught.value.code == "layout_failed"


def test_the_zip_holds_the_files_in_order_and_is_the_same_each_time() -> None:
    package = face_documents(Face.QUERY_RESULT).ofd
    archive = package.to_zip()
    assert archive == package.to_zip()
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.namelist() == list(package.files)
        assert opened.read("OFD.xml") == package.files["OFD.xml"]


def test_a_document_id_that_is_not_a_uuid_is_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        ofd_from_pdf(face_documents(Face.QUERY_RESULT).pdf, title="t", created=CREATED, doc_id="x")


def test_a_page_drawing_what_the_conversion_does_not_know_is_refused() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595.2756, 841.8898))
    pdf.pages[0].obj.Contents = pdf.make_stream(b"q 1 0 0 1 10 10 cm /Sh0 sh Q")
    out = io.BytesIO()
    pdf.save(out)
    with pytest.raises(EcertError) as caught:
        ofd_from_pdf(out.getvalue(), title="t", created=CREATED, doc_id=DOC_ID)
    assert caught.value.code == "ofd_unsupported"
    assert "sh" in caught.value.en


# --- the checker fails a broken package -------------------------------------------------------


def _edit(path: str, change: Callable[[str], str]) -> dict[str, bytes]:
    files = dict(face_documents(Face.HENAN_PROVINCIAL_CERTIFICATE).ofd.files)
    files[path] = change(files[path].decode()).encode()
    return files


def _first(pattern: str, replacement: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        changed, count = re.subn(pattern, replacement, text, count=1)
        assert count == 1, pattern
        return changed

    return change


def _problems_with(files: dict[str, bytes], fragment: str) -> None:
    problems = check_package(files)
    assert any(fragment in problem for problem in problems), problems


def test_the_checker_catches_a_missing_font_file() -> None:
    files = dict(face_documents(Face.HENAN_PROVINCIAL_CERTIFICATE).ofd.files)
    del files[next(path for path in files if path.endswith(".otf"))]
    _problems_with(files, "is missing")


def test_the_checker_catches_a_font_file_that_is_not_a_font() -> None:
    files = dict(face_documents(Face.HENAN_PROVINCIAL_CERTIFICATE).ofd.files)
    font = next(path for path in files if path.endswith(".otf"))
    files[font] = files[font][:200]
    _problems_with(files, "fontTools cannot read the font")


def test_the_checker_catches_a_duplicated_id() -> None:
    _problems_with(
        _edit(CONTENT, _first(r'<ofd:PathObject ID="\d+"', '<ofd:PathObject ID="1"')), "used twice"
    )


def test_the_checker_catches_a_wrong_max_unit_id() -> None:
    files = _edit("Doc_0/Document.xml", _first(r"<ofd:MaxUnitID>\d+", "<ofd:MaxUnitID>3"))
    _problems_with(files, "MaxUnitID is 3")


def test_the_checker_catches_a_glyph_the_font_does_not_give_the_character() -> None:
    files = _edit(CONTENT, _first(r"<ofd:Glyphs>(\d+) (\d+)", r"<ofd:Glyphs>\2 \1"))
    _problems_with(files, "is drawn with glyph")


def test_the_checker_catches_a_character_the_font_lacks() -> None:
    _problems_with(_edit(CONTENT, _first(r"(<ofd:TextCode[^>]*>)孙", r"\1龘")), "no glyph for '龘'")


def test_the_checker_catches_a_boundary_off_the_page() -> None:
    files = _edit(CONTENT, _first(r'Boundary="[^"]+"', 'Boundary="200 290 20 20"'))
    _problems_with(files, "outside the page")


def test_the_checker_catches_an_image_that_is_no_resource() -> None:
    files = _edit(CONTENT, _first(r'ResourceID="\d+"', 'ResourceID="9999"'))
    _problems_with(files, "is no image resource")


def test_the_checker_catches_bad_path_data() -> None:
    files = _edit(CONTENT, _first(r"<ofd:AbbreviatedData>M ", "<ofd:AbbreviatedData>Z "))
    _problems_with(files, "bad segment")


def test_the_checker_catches_a_missing_document_root() -> None:
    files = dict(face_documents(Face.HENAN_PROVINCIAL_CERTIFICATE).ofd.files)
    del files["Doc_0/Document.xml"]
    _problems_with(files, "Doc_0/Document.xml: missing")


def test_the_checker_catches_an_element_outside_the_namespace() -> None:
    files = _edit(
        "Doc_0/DocumentRes.xml", _first(r"<ofd:MultiMedias>", "<ofd:MultiMedias><Extra/>")
    )
    _problems_with(files, "outside the OFD namespace")


def test_the_checker_catches_a_document_id_that_is_no_uuid() -> None:
    files = _edit("OFD.xml", _first(r"<ofd:DocID>[0-9a-f]+", "<ofd:DocID>abc"))
    _problems_with(files, "DocID")


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"[3 2] 0 d 0 0 m 100 0 l S", "dashed"),
        (b"/G0 gs 0 0 m 100 0 l S", "transparency"),
    ],
)
def test_a_look_the_ofd_would_lose_is_refused(content: bytes, what: str) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595.2756, 841.8898))
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(
        ExtGState=pikepdf.Dictionary(G0=pikepdf.Dictionary(CA=0.5, ca=0.5))
    )
    page.Contents = pdf.make_stream(content)
    out = io.BytesIO()
    pdf.save(out)
    with pytest.raises(EcertError) as caught:
        ofd_from_pdf(out.getvalue(), title="t", created=CREATED, doc_id=DOC_ID)
    assert caught.value.code == "ofd_unsupported"
    assert what in caught.value.en


def test_pages_of_several_faces_become_pages_of_one_document() -> None:
    first, second = Face.SCORE_PROOF, Face.SHANDONG_TITLE_CERTIFICATE
    pages = [
        sample_page(face, seal=seal_of(sample_page(face).fields["issuer"]))
        for face in (first, second)
    ]
    pdf = renderer().document(pages, created=CREATED)
    package = ofd_from_pdf(pdf, title="t", created=CREATED, doc_id=DOC_ID)
    assert check_package(package.files) == []
    texts = []
    for index in (0, 1):
        page = _xml(package.files, f"Doc_0/Pages/Page_{index}/Content.xml")
        texts.append("".join(code.text or "" for code in page.iterfind(".//ofd:TextCode", N)))
    assert sample_page(first).fields["name"] in texts[0]
    assert sample_page(second).fields["name"] in "".join(texts[1].split())
