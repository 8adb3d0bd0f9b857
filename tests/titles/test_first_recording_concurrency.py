"""Six clerks record the same title of a person never recorded before, at the same moment: one
holder, one record, and every one of them is answered with it (before: about a third failed on
the holder's unique ID number, a 500 on the page).

Its own module for the reasons tests/signing/test_status_index_concurrency.py gives: on PostgreSQL
the threads run against the test database; on SQLite they run in an ``ecert`` process on a fresh
file database in WAL mode, as deployments use it.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from ecert.accounts.models import User
from ecert.audit.models import AuditEvent
from ecert.authorities.models import Authority
from ecert.credentials.models import Holder
from ecert.credentials.personal_data import id_number_lookup_hash
from ecert.titles.models import TitleApproval
from ecert.titles.services import title_approval_record
from tests.ecert_command import run_ecert
from tests.titles.conftest import NOW, facts

RECORDINGS = 6
PERSON = 77  # the seq of facts(): an ID number no other test records


def record_at_once(username: str, approver: str = "sd-liaocheng") -> dict[str, Any]:
    """RECORDINGS threads, each with its own connection, record the same title at once; what
    each was answered, and what is stored afterwards."""
    actor = User.objects.get(username=username)
    authority = Authority.objects.get(key=approver)
    barrier = threading.Barrier(RECORDINGS)

    def record() -> str:
        try:
            barrier.wait(timeout=30)
            approval = title_approval_record(
                actor=actor, approver=authority, facts=facts(PERSON), now=NOW
            )
            return approval.reference
        except Exception as error:  # what the clerk would have seen, reported
            return f"failed: {error!r}"
        finally:
            connection.close()  # each thread has its own connection

    with ThreadPoolExecutor(RECORDINGS) as pool:
        answers = list(pool.map(lambda _: record(), range(RECORDINGS)))
    person = facts(PERSON).id_number
    return {
        "answers": answers,
        "holders": Holder.objects.filter(
            id_number_hash=id_number_lookup_hash(person.type, person.value)
        ).count(),
        "records": list(TitleApproval.objects.values_list("reference", flat=True)),
        "recorded_events": AuditEvent.objects.filter(action="title.recorded").count(),
        "registered_events": AuditEvent.objects.filter(action="holder.registered").count(),
    }


# Run as `ecert manage shell -c` on an SQLite file: a clerk to record with, then the threads.
ON_SQLITE = """
import json
from ecert.accounts.services import role_assign, user_create
from ecert.authorities.models import Authority
from ecert.core.rules.roles import Role
from tests.titles.test_first_recording_concurrency import record_at_once

clerk = user_create(actor=None, username="province_admin", password="pw-2026-locks", display_name="p")
role_assign(actor=None, user=clerk, role=Role.PROVINCE_ADMIN, authority=Authority.objects.get(key="sd-hrss"))
print(json.dumps(record_at_once("province_admin")))
"""


def _on_an_sqlite_file(data_dir: Path) -> dict[str, Any]:
    initialised = run_ecert(data_dir, "init", "--quiet")
    assert initialised.returncode == 0, initialised.stderr
    ran = run_ecert(data_dir, "manage", "shell", "-c", ON_SQLITE)
    assert ran.returncode == 0, ran.stderr
    result: dict[str, Any] = json.loads(ran.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.django_db(transaction=True)
def test_six_first_recordings_of_one_person_at_once_all_get_the_one_record(
    request: pytest.FixtureRequest, audit_flush_allowed: None, tmp_path: Path
) -> None:
    if connection.vendor == "postgresql":
        request.getfixturevalue("titles")
        result = record_at_once("province_admin")
    else:
        result = _on_an_sqlite_file(tmp_path / "data")

    (reference,) = result["records"]
    assert result["answers"] == [reference] * RECORDINGS
    assert result["holders"] == 1
    assert (result["recorded_events"], result["registered_events"]) == (1, 1)
