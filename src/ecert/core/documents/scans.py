"""Scans and photos of signed paper kept as evidence (a reissue pledge, a correction's proof): a
PDF, JPEG or PNG, told apart by its first bytes, never by its name."""

from __future__ import annotations

from ecert.core.errors import EcertError

MAX_BYTES = 10 * 2**20

# Its first bytes, its media type and the suffix a downloaded copy gets.
SCAN_FORMATS = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def scan_type(data: bytes, file_name: str, *, field: str, label: tuple[str, str]) -> str:
    """The media type of a scan, read from its first bytes; EcertError when it is empty, larger
    than 10 MB, or not a PDF, JPEG or PNG."""

    def refused(code: str, zh: str, en: str) -> EcertError:
        return EcertError(code, zh, en, file=file_name, field=field, label=label)

    if not data:
        raise refused("scan_empty", "文件是空的", "the file is empty")
    if len(data) > MAX_BYTES:
        raise refused("scan_too_big", "文件超过 10 MB", "the file is larger than 10 MB")
    for magic, media_type, _suffix in SCAN_FORMATS:
        if data.startswith(magic):
            return media_type
    raise refused(
        "scan_format",
        "文件不是 PDF、JPEG 或 PNG：请上传扫描件或照片",
        "the file is not a PDF, JPEG or PNG: upload a scan or a photo",
    )


def scan_suffix(media_type: str) -> str:
    """The file-name suffix of a stored scan's media type (``pdf``, ``jpg``, ``png``)."""
    return next(suffix for _magic, kind, suffix in SCAN_FORMATS if kind == media_type)
