"""Every face's sample page as the Typst PDF and its OFD, made once per test process.

Each sample carries the demo round seal of its issuer (as tools/face_pngs.py draws it), a photo
where the face has one and its QR code; two samples print 𠮷 (U+20BB7) in the holder's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from ecert.core.documents.faces import Face, sample_page
from ecert.core.documents.ofd import OfdPackage, ofd_from_pdf
from ecert.core.documents.ofd_original import sealed_page_ofd
from ecert.core.documents.ofd_seal import OfdSealKey
from ecert.core.documents.render import FontSet, Picture, Renderer
from ecert.core.documents.seals import round_seal_png
from ecert.core.formats.ses import SealPicture, seal_make
from tests.core.ofd_seal_world import seal_world
from tests.core.signing_world import CERT_END, CERT_START
from tests.core.test_faces import FACES_DIR, FONTS_DIR

CREATED = datetime(2025, 6, 1, tzinfo=UTC)
SEAL_PX = 600
DOC_ID = "5f0c2a6e9b3d4c1f8e7a6b5c4d3e2f10"


@dataclass(frozen=True)
class FaceDocuments:
    face: Face
    seal: Picture
    pdf: bytes
    ofd: OfdPackage


@cache
def renderer() -> Renderer:
    return Renderer(FACES_DIR, FontSet.from_dirs([FONTS_DIR]))


@cache
def seal_of(issuer: str) -> Picture:
    regular = next(path for path in FontSet.from_dirs([FONTS_DIR]).files if "Regular" in path.name)
    png = round_seal_png(issuer, regular, caption="证书专用章", size=SEAL_PX)
    return Picture(png, "image/png", SEAL_PX, SEAL_PX)


@cache
def face_documents(face: Face) -> FaceDocuments:
    seal = seal_of(sample_page(face).fields["issuer"])
    pdf = renderer().document([sample_page(face, seal=seal)], created=CREATED)
    package = ofd_from_pdf(pdf, title=face.value, created=CREATED, doc_id=DOC_ID, seal=seal)
    return FaceDocuments(face, seal, pdf, package)


@cache
def sealed_face_ofd(face: Face) -> bytes:
    """The face's OFD original as ``sealed_page_ofd`` makes it (its QR code a picture, its seal
    picture left to a GB/T 38540 seal): the sample issuer's round seal in a SESeal of the test
    seal world's maker, signed by its seal signer."""
    world = seal_world()
    picture = seal_of(sample_page(face).fields["issuer"])
    seal = seal_make(
        maker=world.maker.signer,
        maker_certificate=world.maker.certificate,
        es_id="37000000000002",
        name=sample_page(face).fields["issuer"],
        signer_certificates=[world.signer.certificate],
        picture=SealPicture(picture.data, 40, 40),
        created=CERT_START,
        valid_until=CERT_END,
    )
    return sealed_page_ofd(
        renderer(),
        sample_page(face, seal=picture),
        key=OfdSealKey(world.signer.signer, world.signer.certificate, seal),
        title=face.value,
        created=CREATED,
        doc_id=DOC_ID,
        at=CREATED,
    )
