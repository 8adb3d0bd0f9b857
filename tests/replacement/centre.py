"""Applications brought to the exam centre's desk: accepted, submitted in the month's batch and
sent on, with the exam codes their packages need."""

from __future__ import annotations

from datetime import date, timedelta

from ecert.catalogue.models import Qualification
from ecert.catalogue.services import exam_code_set
from ecert.replacement.models import Application
from ecert.replacement.services import (
    DispatchInput,
    application_accept,
    batch_submit,
    dispatch_record,
)
from tests.distribution.conftest import Paper
from tests.replacement.conftest import APPLIED

LATER = APPLIED + timedelta(hours=1)
ARRIVED_ON = date(2026, 11, 10)
WORK_NEED = "投标须出示纸质证书原件"


def codes_set(paper: Paper) -> None:
    """The exam codes the packages of these tests need, set as the administrator sets them."""
    for key, level, code in (("accounting", "中级", "061"), ("advertising", None, "091")):
        exam_code_set(
            actor=paper.users["province_admin"],
            qualification=Qualification.objects.get(key=key),
            level=level,
            code=code,
        )


def sent_on(paper: Paper, application: Application) -> Application:
    """The receiving unit accepts and submits its month; the level above sends it on."""
    codes_set(paper)
    unit_clerk = {
        "sd-jinan": "jinan_clerk",
        "ha-zhengzhou-finance": "zhengzhou_finance_clerk",
    }[application.unit.key]
    users = paper.users
    application_accept(actor=users[unit_clerk], application=application, now=LATER)
    application.refresh_from_db()
    assert application.batch is not None
    batch_submit(actor=users[unit_clerk], batch=application.batch, now=LATER)
    target_clerk = {"sd-pta": "exam_centre_clerk", "ha-finance": "ha_finance_clerk"}[
        application.target.key
    ]
    dispatch_record(
        actor=users[target_clerk],
        authority=application.target,
        form=DispatchInput(
            month="202611",
            batches=[application.batch],
            paper_mailed_on=ARRIVED_ON,
            data_uploaded_on=ARRIVED_ON,
        ),
        now=LATER,
    )
    application.refresh_from_db()
    return application
