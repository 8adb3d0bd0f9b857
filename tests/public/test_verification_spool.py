"""The verification spool (SQLite): every spooled verification reaches the log once, whatever
stopped a drain, and a line cut short by a crash (whose answer never went out) is left out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from ecert.verification.models import Channel, SpoolFile, VerificationEvent
from ecert.verification.spool import (
    DRAIN_CHUNK,
    _detach,
    spool_append,
    spool_directory,
    spool_drain,
    spool_waiting,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the spool is SQLite's"),
]

AT = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _own_data_dir(settings: Any, tmp_path: Path) -> None:
    settings.ECERT_DATA_DIR = tmp_path


def _event(n: int) -> VerificationEvent:
    return VerificationEvent(at=AT, channel=Channel.QR, verdict="valid", asked=f"asked {n}")


def _asked() -> list[str]:
    return sorted(VerificationEvent.objects.values_list("asked", flat=True))


def _draining_file(lines: list[bytes]) -> Path:
    directory = spool_directory()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "draining-test.jsonl"
    path.write_bytes(b"".join(lines))
    return path


def _line(n: int) -> bytes:
    record = {
        "at": AT.isoformat(),
        "channel": "qr",
        "organisation": None,
        "user": None,
        "address": "192.0.2.1",
        "credential": None,
        "verdict": "valid",
        "asked": f"asked {n}",
    }
    return json.dumps(record).encode() + b"\n"


def test_spooled_verifications_reach_the_log_once() -> None:
    for n in range(3):
        spool_append(_event(n))

    assert spool_waiting()
    assert spool_drain() == 3
    assert spool_drain() == 0
    assert _asked() == ["asked 0", "asked 1", "asked 2"]
    assert not spool_waiting()


def test_a_file_stored_before_a_crash_removed_it_is_not_stored_again() -> None:
    path = _draining_file([_line(0), _line(1)])
    SpoolFile.objects.create(name=path.name, lines=2)  # committed; then the process died

    assert spool_drain() == 0
    assert not VerificationEvent.objects.exists()
    assert not path.exists()


def test_a_drain_stopped_midway_resumes_after_the_last_line_it_stored() -> None:
    path = _draining_file([_line(n) for n in range(DRAIN_CHUNK + 5)])
    SpoolFile.objects.create(name=path.name, lines=DRAIN_CHUNK)
    VerificationEvent.objects.bulk_create(_event(n) for n in range(DRAIN_CHUNK))

    assert spool_drain() == 5
    assert _asked() == sorted(f"asked {n}" for n in range(DRAIN_CHUNK + 5))


def test_a_line_cut_short_by_a_crash_is_left_out() -> None:
    _draining_file([_line(0), _line(1)[:30]])

    assert spool_drain() == 1
    assert _asked() == ["asked 0"]


def test_a_verification_spooled_after_a_drainer_took_the_file_goes_to_a_new_one() -> None:
    spool_append(_event(0))
    (live,) = spool_directory().glob("[0-9]*.jsonl")
    _detach(live)
    spool_append(_event(1))

    assert spool_drain() == 2
    assert _asked() == ["asked 0", "asked 1"]


def test_a_drain_in_chunks_stops_after_its_share() -> None:
    _draining_file([_line(n) for n in range(DRAIN_CHUNK + 1)])

    assert spool_drain(chunks=1) == DRAIN_CHUNK
    assert spool_waiting()
    assert spool_drain() == 1
    assert not spool_waiting()
