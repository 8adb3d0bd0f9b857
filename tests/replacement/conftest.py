"""Replacement applications on the paper records of tests/distribution/conftest.py: the cast's
Jinan holder's 一级建造师 (Shandong), the Henan holder's 会计（中级）, which has an e-proof, and
staff at every level they pass through."""

from __future__ import annotations

from datetime import UTC, datetime

from ecert.accounts.models import User
from ecert.core.rules.paper import Method
from ecert.core.rules.replacement import Reason
from ecert.credentials.models import Credential
from ecert.replacement.models import Application
from ecert.replacement.services import ApplicationInput, application_submit
from tests.conftest import cast_id_number
from tests.distribution.conftest import HA_ROWS, SD_ROWS, Paper, paper

APPLIED = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
# The cast's Jinan holder, 张堃 (tests/conftest.py PLACES), and the Henan one, 赵昇.
SD_NUMBER, HA_NUMBER = SD_ROWS[0][0], HA_ROWS[0][0]


def holder_input(
    record: Credential, reason: Reason = Reason.LOST, **changes: object
) -> ApplicationInput:
    """What the holder of ``record`` writes on the form: their own data, right."""
    values: dict[str, object] = {
        "reason": reason,
        "name": record.holder_name,
        "id_number": cast_id_number_of(record),
        "level": record.level,
        "specialty": record.specialty,
        "approval_date": record.approval_date,
        "phone": "13800000000",
        "method": Method.COUNTER,
    }
    values.update(changes)
    return ApplicationInput(**values)  # type: ignore[arg-type]


def cast_id_number_of(record: Credential) -> str:
    from ecert.credentials.services import holder_id_number

    return holder_id_number(record.holder)


def apply(
    paper: Paper,
    actor: User,
    number: str = SD_NUMBER,
    reason: Reason = Reason.LOST,
    **changes: object,
) -> Application:
    record = paper.record(number)
    return application_submit(
        actor=actor, credential=record, form=holder_input(record, reason, **changes), now=APPLIED
    )


__all__ = ["APPLIED", "HA_NUMBER", "SD_NUMBER", "apply", "cast_id_number", "holder_input", "paper"]
