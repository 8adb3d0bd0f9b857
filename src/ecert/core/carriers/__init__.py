"""Mail carriers (seed 001 一(一): 考生申请邮寄的，要及时推送 EMS 安排投递), behind one interface.

What we hand a carrier is a ``MailOrder`` per parcel; what comes back is a ``WaybillAssignment``
(our order reference → the carrier's waybill number, 邮件号) and ``TrackingReport`` lines, each
with the outcome it means for the certificate. Two carriers speak this: the file carrier
(``files.py``: the workbook a post office's bulk-order service takes, and its exports read back)
and the HTTP carrier (``http.py``). docs/distribution.md describes both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ecert.core.errors import EcertError

CONTENTS = "证书"  # what every parcel holds (内件名称)


@dataclass(frozen=True)
class MailOrder:
    """One parcel, as it is ordered from the carrier."""

    reference: str  # our order number (MailParcel.reference), which the carrier echoes back
    recipient: str
    phone: str
    address: str
    postcode: str
    sender_name: str  # the unit that hands the certificate out
    sender_phone: str
    sender_address: str
    contents: str = CONTENTS


@dataclass(frozen=True)
class WaybillAssignment:
    """The carrier took order ``reference`` and gave it waybill number ``waybill``."""

    reference: str
    waybill: str
    row: int | None = None  # the file's row, when it came from a file
    columns: tuple[str, str] = ("", "")  # the file's columns of the reference and the waybill


class Outcome(StrEnum):
    """What a tracking event means for the certificate in the parcel."""

    DELIVERED = "delivered"
    RETURNED = "returned"
    LOST = "lost"
    NONE = "none"  # on its way: nothing changes


@dataclass(frozen=True)
class TrackingReport:
    """One event the carrier reports for a parcel."""

    waybill: str
    at: datetime  # timezone-aware
    code: str  # the carrier's event code, or its status text when it has no codes
    description: str
    place: str
    outcome: Outcome
    row: int | None = None  # the file's row, and its waybill column, when it came from a file
    column: str = ""


class Carrier(Protocol):
    """A carrier the unit can hand orders to and ask about its parcels.

    ``submit`` returns the waybills the carrier assigned now (a carrier that assigns them later,
    such as the file carrier, returns none: they come back in its waybill export). ``track``
    returns the events the carrier knows for the waybills. Both raise ``EcertError`` on failure
    and have then changed nothing on our side.
    """

    @property
    def key(self) -> str:
        """Stored on every batch and parcel ("file", "http")."""
        ...

    def submit(self, orders: Sequence[MailOrder]) -> list[WaybillAssignment]: ...

    def track(self, waybills: Sequence[str]) -> list[TrackingReport]: ...


# ── What a carrier's status means ─────────────────────────────────────────────────────────────

# Checked in this order: "退回妥投" (the returned parcel was delivered back to us) is a return.
_OUTCOME_WORDS: tuple[tuple[Outcome, tuple[str, ...]], ...] = (
    (Outcome.RETURNED, ("退回", "退件", "退信", "退还", "returned")),
    (Outcome.LOST, ("丢失", "遗失", "灭失", "lost")),
    (Outcome.DELIVERED, ("妥投", "投递成功", "已签收", "本人签收", "他人代收", "delivered")),
)


def outcome_of(*texts: str) -> Outcome:
    """The outcome a carrier's status (code, status text or description) stands for."""
    joined = " ".join(texts).lower()
    for outcome, words in _OUTCOME_WORDS:
        if any(word in joined for word in words):
            return outcome
    return Outcome.NONE


_WAYBILL = re.compile(r"[A-Z0-9]{8,32}")


def waybill_check(text: str) -> str:
    """A waybill number as stored: upper case, letters and digits (EMS: 13 characters such as
    EA123456789CN, or 13 digits); EcertError otherwise."""
    waybill = text.strip().replace(" ", "").upper()
    if not _WAYBILL.fullmatch(waybill):
        raise EcertError(
            "bad_waybill",
            "邮件号须为 8 至 32 位字母或数字",
            "a waybill number is 8 to 32 letters or digits",
            field="waybill",
            label=("邮件号", "waybill number"),
        )
    return waybill
