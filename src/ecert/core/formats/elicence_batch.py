"""One zip per e-licence export batch: per credential its metadata record ``<identifier>.xml`` and,
when it has one, its sealed document ``<identifier>.<ext>``; then ``manifest.json`` listing every
entry with its size, SM3 and SHA-256, the counts and the selection (docs/formats/elicence.md).

The zip is reproducible: entries in the order given (the caller sorts by identifier), fixed
timestamps and permissions, a manifest without a clock. The same credentials in the same state
give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from ecert.core.formats.algorithms import sm3_digest
from ecert.core.formats.elicence import MEDIA_TYPE as RECORD_MEDIA_TYPE

MANIFEST = "manifest.json"
FORMAT = "ecert-elicence-batch"
FORMAT_VERSION = 1
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no clock in the file
_FILE_MODE = 0o100644 << 16


@dataclass(frozen=True)
class BatchSelection:
    """What was asked for; written into the manifest as it is."""

    authority_key: str
    authority_name: str
    kind: str | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    batch: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "authority": self.authority_key,
            "authorityName": self.authority_name,
            "kind": self.kind,
            "issuedFrom": self.issued_from.isoformat() if self.issued_from else None,
            "issuedTo": self.issued_to.isoformat() if self.issued_to else None,
            "issuanceBatch": self.batch,
        }


@dataclass(frozen=True)
class BatchItem:
    """One credential's part of the batch: its record and, if it has one, its document."""

    identifier: str
    status: str
    record: bytes
    document: bytes | None = None
    document_media_type: str = ""
    document_extension: str = ""


@dataclass
class BatchSummary:
    """What was written: the counts and every entry of the manifest."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    credentials: int = 0
    documents: int = 0


def _info(name: str, *, compress: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = _FILE_MODE
    info.create_system = 3  # Unix, so the mode above is read as one
    return info


def entry_digests(data: bytes) -> dict[str, Any]:
    return {
        "size": len(data),
        "sm3": sm3_digest(data).hex(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def batch_zip_write(
    out: IO[bytes], selection: BatchSelection, items: Iterable[BatchItem]
) -> BatchSummary:
    """Write the batch zip to ``out`` (one item in memory at a time); returns what it holds."""
    summary = BatchSummary()
    with zipfile.ZipFile(out, "w") as archive:
        for item in items:
            summary.credentials += 1
            summary.statuses[item.status] += 1
            record_name = f"{item.identifier}.xml"
            archive.writestr(_info(record_name, compress=True), item.record)
            summary.entries.append(
                {
                    "path": record_name,
                    "identifier": item.identifier,
                    "role": "metadata",
                    "mediaType": RECORD_MEDIA_TYPE,
                    **entry_digests(item.record),
                }
            )
            if item.document is not None:
                summary.documents += 1
                document_name = f"{item.identifier}.{item.document_extension}"
                # A sealed document is compressed already (PDF streams, OFD is a zip itself).
                archive.writestr(_info(document_name, compress=False), item.document)
                summary.entries.append(
                    {
                        "path": document_name,
                        "identifier": item.identifier,
                        "role": "document",
                        "mediaType": item.document_media_type,
                        **entry_digests(item.document),
                    }
                )
        archive.writestr(_info(MANIFEST, compress=True), manifest_json(selection, summary))
    return summary


def manifest_json(selection: BatchSelection, summary: BatchSummary) -> bytes:
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "standards": {"metadata": "GB/T 36903-2018", "identifier": "GB/T 36904-2018"},
        "selection": selection.as_json(),
        "counts": {
            "credentials": summary.credentials,
            "records": summary.credentials,
            "documents": summary.documents,
            "entries": len(summary.entries),
            "byStatus": dict(sorted(summary.statuses.items())),
        },
        "entries": summary.entries,
    }
    return (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
