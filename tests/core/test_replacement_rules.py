"""The rules of a replacement application (seed 001 二 and 附件, seed 000 四(三), seed 002 四,
seed 004 一(5)), as a holder or a clerk meets them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from ecert.core.errors import EcertError
from ecert.core.rules.catalogue import CorrectionRoute, ReplacementForm
from ecert.core.rules.replacement import (
    ALLOWED,
    Facts,
    Outcome,
    Reason,
    Route,
    State,
    assess,
    check_move,
    month_after,
    month_of,
    record_check,
    route_for,
)

LOST = Facts(
    reason=Reason.LOST,
    qualification="建造师",
    abolished=False,
    replacement_form=ReplacementForm.STANDARD,
    approval_date=date(2019, 9, 1),
    electronic_exists=False,
    paper_waiting=False,
    work_need="",
    photo_given=False,
    ministry_form_given=False,
    changes={},
    score_proof_asked=False,
)


def refusal(facts: Facts) -> EcertError:
    with pytest.raises(EcertError) as refused:
        assess(facts)
    return refused.value


def test_a_lost_certificate_from_2019_is_replaced_without_a_photo():
    assessment = assess(LOST)
    assert assessment.outcome is Outcome.REPLACEMENT
    assert not assessment.photo_required


def test_a_certificate_from_before_2017_needs_a_photo():
    facts = replace(LOST, approval_date=date(2016, 12, 31))
    error = refusal(facts)
    assert error.code == "photo_missing"
    assert error.field == "photo"
    assert "2017" in error.zh
    assert assess(replace(facts, photo_given=True)).photo_required


@pytest.mark.parametrize("reason", [Reason.LOST, Reason.DAMAGED])
def test_no_reissue_where_an_electronic_certificate_exists_unless_a_work_need_is_stated(reason):
    facts = replace(LOST, reason=reason, electronic_exists=True)
    error = refusal(facts)
    assert error.code == "electronic_exists"
    assert "工作需要" in error.zh
    stated = assess(replace(facts, work_need="单位投标须出示纸质原件"))
    assert stated.work_need_stated
    assert stated.outcome is Outcome.REPLACEMENT


def test_a_blank_work_need_is_no_work_need():
    assert refusal(replace(LOST, electronic_exists=True, work_need="   ")).code == (
        "electronic_exists"
    )


def test_an_information_change_goes_on_though_an_electronic_certificate_exists():
    facts = replace(LOST, reason=Reason.CHANGE, electronic_exists=True, changes={"name": "张堃"})
    assessment = assess(facts)
    assert assessment.outcome is Outcome.CORRECTION
    assert not assessment.work_need_stated


def test_a_paper_certificate_waiting_at_its_unit_is_collected_not_reissued():
    assert refusal(replace(LOST, paper_waiting=True)).code == "paper_waiting"


def test_an_abolished_qualification_gets_a_qualification_proof_without_photo_or_form():
    facts = replace(
        LOST,
        abolished=True,
        approval_date=date(2010, 5, 1),
        replacement_form=ReplacementForm.MINISTRY,
        electronic_exists=True,
    )
    assessment = assess(facts)
    assert assessment.outcome is Outcome.QUALIFICATION_PROOF
    assert not assessment.photo_required


def test_an_abolished_qualification_needs_no_score_proof():
    error = refusal(replace(LOST, abolished=True, score_proof_asked=True))
    assert error.code == "score_proof_abolished"
    assert error.field == "score_proof"


def test_computer_and_communications_attach_their_ministrys_form():
    facts = replace(LOST, replacement_form=ReplacementForm.MINISTRY, qualification="通信")
    error = refusal(facts)
    assert error.code == "ministry_form_missing"
    assert "通信" in error.zh
    assert assess(replace(facts, ministry_form_given=True)).outcome is Outcome.REPLACEMENT


def test_an_information_change_must_say_what_changes_and_only_it_may():
    assert refusal(replace(LOST, reason=Reason.CHANGE)).code == "no_changes"
    assert refusal(replace(LOST, changes={"name": "李四"})).code == "changes_without_change"


def test_routes_follow_the_province_and_the_catalogue():
    assert route_for(has_responsibility_table=False, correction_route=CorrectionRoute.MINISTRY) is (
        Route.PROVINCE
    )
    assert route_for(has_responsibility_table=True, correction_route=CorrectionRoute.MINISTRY) is (
        Route.INDUSTRY_MINISTRY
    )
    assert route_for(has_responsibility_table=True, correction_route=CorrectionRoute.PROVINCE) is (
        Route.INDUSTRY_PROVINCE
    )


def test_an_application_moves_only_forward_and_a_closed_one_not_at_all():
    check_move(State.SUBMITTED, State.ACCEPTED)
    check_move(State.FORWARDED, State.ACCEPTED)  # the level above returned the batch
    for closed in (State.RETURNED, State.WITHDRAWN, State.COMPLETED):
        assert not ALLOWED[closed]
    with pytest.raises(EcertError) as refused:
        check_move(State.COMPLETED, State.ACCEPTED)
    assert refused.value.code == "application_state"
    assert "已办结" in refused.value.zh


def test_batch_months():
    assert month_of(date(2020, 5, 31)) == "202005"
    assert month_after("202011") == "202012"
    assert month_after("202012") == "202101"


def test_the_check_puts_the_record_beside_what_was_written():
    lines = record_check(
        {"name": "张昆", "id_number": "3701**********1234", "level": "一级", "specialty": ""},
        {"name": "张堃", "id_number": "3701**********1234", "level": "一级", "specialty": "建筑"},
        same={"id_number": False, "specialty": True},
    )
    by_field = {line.field: line for line in lines}
    assert [line.field for line in lines] == [
        "name",
        "id_number",
        "level",
        "specialty",
        "approval_date",
    ]
    assert by_field["name"].differs
    assert by_field["id_number"].differs  # masked alike, different in full
    assert not by_field["level"].differs
    assert not by_field["specialty"].differs
    assert by_field["name"].label == ("姓名", "name")
