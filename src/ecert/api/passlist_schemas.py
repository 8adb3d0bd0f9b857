"""Request and response bodies of the pass-list API (/api/v1/passlists)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

MAX_PUSHED_ROWS = 200_000
WAIT_MAX_ROWS = 5_000

Cell = str | int | float | None


class PassListPush(Schema):
    """A pass list pushed as JSON rows keyed by the pinyin column codes of seed 001 (ZSGLH …)."""

    exam: str = Field(max_length=64, description="qualification key, e.g. constructor")
    authority: str = Field(max_length=64, description="importing authority key, e.g. sd-pta")
    kind: str | None = Field(
        None,
        max_length=32,
        description="auto (default), provincial_certificate, exam_proof or national_certificate",
    )
    accept_valid: bool = Field(False, description="import the valid rows, set the bad ones aside")
    file_name: str | None = Field(None, max_length=200, description="a name to show for the list")
    rows: list[dict[str, Cell]] = Field(
        description=f'rows such as {{"ZSGLH": "…", "KSXM": "…", "ZJHM": "…"}}; at most '
        f"{MAX_PUSHED_ROWS}"
    )


class PassListAccepted(Schema):
    reference: str
    state: str
    status_url: str


class BatchOut(Schema):
    reference: str
    issuing_authority: str
    kind: str
    size: int
    merkle_root: str = Field(description="hex; signed by the issuing authority")


class PassListOut(Schema):
    reference: str
    state: str
    finished: bool
    file_name: str
    file_sha256: str
    exam: str
    authority: str
    kind: str | None
    accept_valid: bool
    rows_read: int = Field(description="rows read so far while running; all rows when finished")
    issued: int
    already_issued: int
    rows_invalid: int
    batches: list[BatchOut]
    message: str
    errors_url: str | None
    status_url: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
