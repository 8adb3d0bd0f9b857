"""The sealed OFD of one page, as the OFD original is made (decisions 352, 353 and 360).

The page is compiled with small stand-ins for its QR code and its seal, translated by
``ofd_from_pdf`` with the real pictures put back in their places (the QR code as the one-bit PNG
``qr_png`` draws, so that a reader of the package finds it), the seal's picture left to the stamp
annotation, then sealed with GB/T 38540 (``ofd_seal``) and zipped. The document service, the
benchmark and the tests make it here and nowhere else.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ecert.core.documents.ofd import ofd_from_pdf, package_zip, stand_in
from ecert.core.documents.ofd_seal import OfdSealKey, StampPlace, ofd_seal
from ecert.core.documents.render import Page, Picture, Renderer
from ecert.core.errors import EcertError
from ecert.core.formats.qr import qr_png


def sealed_page_ofd(
    renderer: Renderer,
    page: Page,
    *,
    key: OfdSealKey,
    title: str,
    created: datetime,
    doc_id: str,
    at: datetime,
) -> bytes:
    """The zip of ``page`` as an OFD sealed with ``key`` at ``at``; ``page.seal`` is the picture
    the layout places and the stamp annotation takes over. Refused (``layout_failed``) when the
    page has no seal picture or its layout shows none."""
    if page.seal is None:
        raise _no_seal_place()
    pictures: list[Picture] = [page.seal]
    if page.qr_text:
        png, width = qr_png(page.qr_text)
        pictures.append(Picture(png, "image/png", width, width))
    compiled = replace(
        page,
        seal=stand_in(0, pictures[0]),
        qr_image=stand_in(1, pictures[1]) if len(pictures) > 1 else None,
    )
    package = ofd_from_pdf(
        renderer.document([compiled], created=created),
        title=title,
        created=created,
        doc_id=doc_id,
        seal=page.seal,
        seal_as_stamp=True,
        stand_ins=pictures,
    )
    if package.stamp is None:
        raise _no_seal_place()
    return package_zip(ofd_seal(package.files, key=key, place=StampPlace(*package.stamp), at=at))


def _no_seal_place() -> EcertError:
    return EcertError(
        "layout_failed",
        "版式中没有找到印章位置，无法加盖电子印章",
        "the layout has no place for the seal: the electronic seal cannot be stamped",
    )
