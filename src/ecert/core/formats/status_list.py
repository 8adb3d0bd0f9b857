"""Status lists: the W3C Bitstring Status List with 2-bit entries, compressed and signed.

Every credential owns one entry, allocated once and never reused: its claims carry a global
status index; list number = index // ENTRIES, offset = index % ENTRIES. Entries follow the W3C
Bitstring Status List v1.0 layout (entry i occupies bits 2i and 2i+1 counted from the most
significant bit of the first byte; the bitstring is GZIP-compressed), so the same bytes can be
published as a W3C ``BitstringStatusListCredential`` ``encodedList``. A list is published as a
COSE_Sign1 over a small CBOR map (docs/formats/status-list.md).
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from ecert.core.errors import EcertError
from ecert.core.formats.cbor import deterministic_dumps, strict_loads
from ecert.core.formats.claims import STATUS_LIST_SIZE
from ecert.core.rules.kinds import CredentialStatus

ENTRIES = STATUS_LIST_SIZE  # 131,072 entries: the W3C minimum for herd privacy, at 2 bits each
STATUS_SIZE = 2  # bits per entry
LIST_BYTES = ENTRIES * STATUS_SIZE // 8  # 32 KiB uncompressed
FORMAT_VERSION = 1


class StatusValue(IntEnum):
    """The 2-bit entry values; the W3C statusMessage list in the document names them."""

    VALID = 0
    SUSPENDED = 1
    REVOKED = 2
    SUPERSEDED = 3

    @property
    def status(self) -> CredentialStatus:
        return CredentialStatus[self.name]

    @classmethod
    def of(cls, status: CredentialStatus) -> StatusValue:
        return cls[CredentialStatus(status).name]


_BY_BITS = tuple(sorted(StatusValue))  # an entry's two bits -> its value (read per verification)
assert [int(value) for value in _BY_BITS] == [0, 1, 2, 3]


class StatusBits:
    """One list's entries in memory (32 KiB)."""

    def __init__(self, raw: bytes | None = None) -> None:
        if raw is not None and len(raw) != LIST_BYTES:
            raise EcertError(
                "bad_size", "状态列表长度不正确", f"a status list has {LIST_BYTES} bytes"
            )
        self._bits = bytearray(raw if raw is not None else LIST_BYTES)

    def get(self, offset: int) -> StatusValue:
        byte, shift = self._locate(offset)
        return _BY_BITS[(self._bits[byte] >> shift) & 0b11]

    def set(self, offset: int, value: StatusValue) -> None:
        byte, shift = self._locate(offset)
        self._bits[byte] = (self._bits[byte] & ~(0b11 << shift)) | (int(value) << shift)

    @staticmethod
    def _locate(offset: int) -> tuple[int, int]:
        if not 0 <= offset < ENTRIES:
            raise EcertError("bad_offset", "状态序号超出范围", "status offset out of range")
        bit = offset * STATUS_SIZE
        return bit // 8, 8 - STATUS_SIZE - bit % 8

    def raw(self) -> bytes:
        return bytes(self._bits)

    def compressed(self) -> bytes:
        """GZIP with a zero timestamp, so the same entries always give the same bytes."""
        return gzip.compress(self._bits, compresslevel=9, mtime=0)

    def w3c_encoded_list(self) -> str:
        """The W3C ``encodedList``: multibase base64url (prefix ``u``, no padding) of the GZIP."""
        return "u" + base64.urlsafe_b64encode(self.compressed()).rstrip(b"=").decode("ascii")

    @classmethod
    def from_compressed(cls, data: bytes) -> StatusBits:
        """Inflate at most one list's worth of bytes: a GZIP bomb is refused, not expanded."""
        inflater = zlib.decompressobj(wbits=31)  # GZIP framing
        try:
            raw = inflater.decompress(data, LIST_BYTES + 1)
        except zlib.error as error:
            raise EcertError("bad_gzip", "状态列表无法解压", "cannot inflate the list") from error
        if len(raw) != LIST_BYTES or not inflater.eof or inflater.unused_data:
            raise EcertError(
                "bad_size", "状态列表长度不正确", f"a status list has {LIST_BYTES} bytes"
            )
        return cls(raw)


@dataclass(frozen=True)
class StatusListDocument:
    """The signed content of one published list."""

    list_number: int
    issued_at: int  # seconds since the epoch
    next_update: int  # verifiers should fetch a new list after this time
    bits: StatusBits

    def to_cbor(self) -> bytes:
        return deterministic_dumps(
            {
                0: FORMAT_VERSION,
                1: self.list_number,
                2: STATUS_SIZE,
                3: ENTRIES,
                4: self.issued_at,
                5: self.next_update,
                6: self.bits.compressed(),
                7: [value.name.lower() for value in StatusValue],
            }
        )

    def status_of(self, status_index: int) -> StatusValue:
        if status_index // ENTRIES != self.list_number:
            raise EcertError(
                "wrong_list", "该证书不在此状态列表中", "the credential's entry is in another list"
            )
        return self.bits.get(status_index % ENTRIES)


def status_list_from_cbor(data: bytes) -> StatusListDocument:
    try:
        item = strict_loads(data, max_depth=3)
    except EcertError as error:
        raise EcertError("not_cbor", "状态列表不是有效的 CBOR", "not valid CBOR") from error
    expected = {0, 1, 2, 3, 4, 5, 6, 7}
    if not isinstance(item, Mapping) or set(item) != expected:
        raise EcertError("bad_fields", "状态列表字段不正确", "unexpected status list fields")
    if any(type(item[k]) is not int for k in (0, 2, 3)) or (item[0], item[2], item[3]) != (
        FORMAT_VERSION,
        STATUS_SIZE,
        ENTRIES,
    ):
        raise EcertError(
            "unsupported", "不支持的状态列表格式", "unsupported status list version or size"
        )
    if item[7] != [value.name.lower() for value in StatusValue]:
        raise EcertError("bad_fields", "状态列表字段不正确", "unexpected status messages")
    numbers = (item[1], item[4], item[5])
    if any(type(n) is not int or n < 0 for n in numbers) or type(item[6]) is not bytes:
        raise EcertError("bad_fields", "状态列表字段不正确", "unexpected status list fields")
    return StatusListDocument(item[1], item[4], item[5], StatusBits.from_compressed(item[6]))
