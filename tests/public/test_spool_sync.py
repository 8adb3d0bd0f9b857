"""When an answered verification's log line reaches the disk (ECERT_VERIFY_LOG_SYNC): before the
answer with "answer", within SYNC_SECONDS by the process's own syncer by default. A crash of the
process loses neither (tests/public/test_verification_log_durable.py kills one)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ecert.verification.models import Channel, VerificationEvent
from ecert.verification.spool import SYNC_SECONDS, spool_append, spool_directory, spool_synced

AT = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _own_data_dir(settings: Any, tmp_path: Path) -> None:
    settings.ECERT_DATA_DIR = tmp_path


def _event(n: int) -> VerificationEvent:
    return VerificationEvent(at=AT, channel=Channel.QR, verdict="valid", asked=f"asked {n}")


def _lines() -> int:
    return sum(len(path.read_bytes().splitlines()) for path in spool_directory().glob("*.jsonl"))


def test_with_sync_on_every_answer_each_line_is_on_the_disk_when_the_append_returns(
    settings: Any,
) -> None:
    settings.ECERT_VERIFY_LOG_SYNC = "answer"

    for n in range(3):
        spool_append(_event(n))
        assert spool_synced()
    assert _lines() == 3


def test_by_default_the_line_is_in_the_file_at_once_and_on_the_disk_within_the_interval() -> None:
    spool_append(_event(1))
    assert _lines() == 1  # another process (a drainer) reads it now; a kill cannot take it back

    deadline = time.monotonic() + 20 * SYNC_SECONDS + 5
    while not spool_synced() and time.monotonic() < deadline:
        time.sleep(SYNC_SECONDS / 4)

    assert spool_synced()
