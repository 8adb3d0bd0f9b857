"""Finding ecert QR codes in pictures and PDFs, for ``ecert verify`` and the upload check.

Decoding uses zxing-cpp, a real scanner library, so what passes here also scans on a phone;
PDF pages are rendered with PDFium (pypdfium2) first.
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from pathlib import Path

import pypdfium2
import zxingcpp
from PIL import Image, UnidentifiedImageError

from ecert.core.errors import EcertError

PDF_RENDER_SCALE = 3.0  # about 216 dpi: enough for a QR code printed at 25 mm
MAX_PDF_PAGES = 20
# Only QR codes, as a phone's QR scanner: a full scan also reports linear barcodes, and random
# module patterns in a dense QR code sometimes read as one (a stray "4386" has been seen).
QR_CODES_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def _texts(image: Image.Image) -> list[str]:
    results = zxingcpp.read_barcodes(image, formats=QR_CODES_ONLY)
    return [r.text for r in results if r.valid]


def qr_texts_in_image(path: Path) -> list[str]:
    try:
        with Image.open(path) as image:
            return _texts(image.convert("L"))
    except (UnidentifiedImageError, OSError) as error:
        raise EcertError("unreadable_image", "无法读取图片", f"cannot read image {path}") from error


def qr_texts_in_pictures(pictures: Iterable[bytes]) -> list[str]:
    """Every QR text in pictures held in memory (an OFD's image resources); unreadable ones are
    skipped, as a page may hold pictures of any kind."""
    texts: list[str] = []
    for picture in pictures:
        try:
            with Image.open(BytesIO(picture)) as image:
                texts += _texts(image.convert("L"))
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            continue
    return texts


def qr_texts_in_pdf(path: Path) -> list[str]:
    return qr_texts_in_pdf_bytes(path.read_bytes(), name=str(path))


def qr_texts_in_pdf_bytes(data: bytes, *, name: str = "PDF") -> list[str]:
    """Every QR text on the first MAX_PDF_PAGES pages of a PDF held in memory."""
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise EcertError(
            "unreadable_pdf", "无法读取 PDF 文件", f"cannot read PDF {name}"
        ) from error
    texts: list[str] = []
    try:
        for index in range(min(len(document), MAX_PDF_PAGES)):
            page = document[index]
            bitmap = page.render(scale=PDF_RENDER_SCALE, grayscale=True)
            texts += _texts(bitmap.to_pil())
    finally:
        document.close()
    return texts


def qr_texts_in_file(path: Path) -> list[str]:
    """Every QR text in a PNG/JPEG picture or a PDF (by its first bytes, not its name)."""
    with path.open("rb") as file:
        head = file.read(5)
    return qr_texts_in_pdf(path) if head == b"%PDF-" else qr_texts_in_image(path)
