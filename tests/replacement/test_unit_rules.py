"""The receiving unit's writes refused where they must be (issue 17 items 3 and 4), and Henan's
routing (seed 004 一(5)): who receives an application and who gathers it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecert.catalogue.models import Qualification
from ecert.core.errors import EcertError
from ecert.core.rules.catalogue import CorrectionRoute
from ecert.core.rules.replacement import BatchState, Route, State, route_for
from ecert.replacement.models import Application, Batch
from ecert.replacement.services import (
    application_accept,
    application_return,
    batch_submit,
)
from tests.replacement.conftest import APPLIED, HA_NUMBER, apply

pytestmark = pytest.mark.django_db

WORK_NEED = "投标须出示纸质证书原件"
LATER = APPLIED + timedelta(hours=1)


def refused(call, **kwargs) -> EcertError:
    with pytest.raises(EcertError) as caught:
        call(**kwargs)
    return caught.value


def submitted(paper) -> Application:
    return apply(paper, paper.users["holder"], work_need=WORK_NEED)


def accepted(paper, now=LATER) -> Application:
    return application_accept(
        actor=paper.users["jinan_clerk"], application=submitted(paper), now=now
    )


@pytest.mark.parametrize("who", ["qingdao_clerk", "department_clerk", "zhengzhou_finance_clerk"])
def test_another_unit_accepting_is_told_not_found(paper, who):
    application = submitted(paper)
    error = refused(application_accept, actor=paper.users[who], application=application, now=LATER)
    assert error.code == "not_found"
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_another_unit_returning_is_told_not_found(paper):
    application = submitted(paper)
    error = refused(
        application_return,
        actor=paper.users["qingdao_clerk"],
        application=application,
        reason="照片不清晰",
        now=LATER,
    )
    assert error.code == "not_found"
    assert Application.objects.get().state == State.SUBMITTED


def test_another_unit_submitting_the_batch_is_told_not_found(paper):
    batch = accepted(paper).batch
    error = refused(batch_submit, actor=paper.users["qingdao_clerk"], batch=batch, now=LATER)
    assert error.code == "not_found"
    assert Batch.objects.get().state == BatchState.OPEN


def test_the_level_above_cannot_submit_the_units_batch(paper):
    batch = accepted(paper).batch
    # The exam centre gathers Jinan's batches; it does not act for Jinan.
    error = refused(batch_submit, actor=paper.users["exam_centre_clerk"], batch=batch, now=LATER)
    assert error.code == "not_found"


def test_returning_needs_a_reason(paper):
    application = submitted(paper)
    error = refused(
        application_return,
        actor=paper.users["jinan_clerk"],
        application=application,
        reason="   ",
        now=LATER,
    )
    assert (error.code, error.field) == ("no_reason", "reason")
    assert Application.objects.get().state == State.SUBMITTED


def test_an_accepted_application_can_be_returned_while_its_batch_is_open(paper):
    application = accepted(paper)
    returned = application_return(
        actor=paper.users["jinan_clerk"], application=application, reason="信息有误", now=LATER
    )
    assert returned.state == State.RETURNED
    assert returned.batch is None


def test_a_frozen_batch_refuses_the_return_of_its_application(paper):
    application = accepted(paper)
    assert application.batch is not None
    batch_submit(actor=paper.users["jinan_clerk"], batch=application.batch, now=LATER)
    error = refused(
        application_return,
        actor=paper.users["jinan_clerk"],
        application=application,
        reason="信息有误",
        now=LATER,
    )
    assert error.code == "batch_frozen"
    assert Application.objects.get().state == State.FORWARDED


def test_a_submitted_batch_is_not_submitted_twice(paper):
    batch = accepted(paper).batch
    assert batch is not None
    batch_submit(actor=paper.users["jinan_clerk"], batch=batch, now=LATER)
    error = refused(batch_submit, actor=paper.users["jinan_clerk"], batch=batch, now=LATER)
    assert error.code == "batch_frozen"


def test_an_empty_batch_refuses_submission(paper):
    application = accepted(paper)
    batch = application.batch
    application_return(
        actor=paper.users["jinan_clerk"], application=application, reason="信息有误", now=LATER
    )
    error = refused(batch_submit, actor=paper.users["jinan_clerk"], batch=batch, now=LATER)
    assert error.code == "batch_empty"
    assert Batch.objects.get().state == BatchState.OPEN


def test_after_the_months_submission_accepted_applications_go_to_the_next_month(paper):
    first = accepted(paper)
    assert first.batch is not None
    batch_submit(actor=paper.users["jinan_clerk"], batch=first.batch, now=LATER)
    # 孙芸's application, registered at the counter, accepted the same month.
    second = apply(paper, paper.users["jinan_clerk"], "2537010000000203")
    second = application_accept(actor=paper.users["jinan_clerk"], application=second, now=LATER)
    assert second.batch is not None
    assert (first.batch.month, second.batch.month) == ("202611", "202612")
    assert second.batch.state == BatchState.OPEN


# ── Henan (seed 004 一(5)) ─────────────────────────────────────────────────────────────────────


def test_zhengzhou_accounting_goes_to_the_city_finance_department(paper):
    application = apply(
        paper, paper.users["zhengzhou_finance_clerk"], HA_NUMBER, work_need=WORK_NEED
    )
    assert application.unit.key == "ha-zhengzhou-finance"
    assert application.target.key == "ha-finance"
    assert application.route == Route.INDUSTRY_MINISTRY
    assert application.exam_centre.key == "ha-pta"


def test_kaifeng_without_a_city_department_goes_to_the_province_department(paper):
    application = apply(paper, paper.users["ha_finance_clerk"], "2541020000000302")
    assert application.unit.key == "ha-finance"
    assert application.target.key == "ha-finance"
    assert application.route == Route.INDUSTRY_MINISTRY


def test_the_zhengzhou_clerk_cannot_register_a_kaifeng_application(paper):
    error = refused(
        apply, paper=paper, actor=paper.users["zhengzhou_finance_clerk"], number="2541020000000302"
    )
    assert error.code == "not_found"
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("key", "route"),
    [
        ("health", Route.INDUSTRY_MINISTRY),
        ("accounting", Route.INDUSTRY_MINISTRY),
        ("communications", Route.INDUSTRY_MINISTRY),
        ("computer-software", Route.INDUSTRY_MINISTRY),
        ("constructor", Route.INDUSTRY_PROVINCE),
    ],
)
def test_henan_sends_health_accounting_communications_and_computing_to_the_ministry(
    paper, key, route
):
    qualification = Qualification.objects.get(key=key)
    correction = CorrectionRoute(qualification.correction_route)
    assert route_for(has_responsibility_table=True, correction_route=correction) is route
    assert route_for(has_responsibility_table=False, correction_route=correction) is Route.PROVINCE
