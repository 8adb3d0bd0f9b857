"""The rules of a paper certificate's life: which moves are allowed, who hands it out, and when it
counts as not collected."""

from __future__ import annotations

from datetime import date

import pytest

from ecert.core.errors import EcertError
from ecert.core.rules.paper import (
    ALLOWED,
    FINAL,
    PaperState,
    TableRow,
    check_move,
    distribution_unit,
    is_overdue,
    missing_key_fields,
    months_before,
)

HOUSING = TableRow("建筑师（一、二级）", "ha-housing", city_level=True, electronic_by=None)
TRANSLATION = TableRow("翻译（一、二、三级）", "ha-foreign-affairs", False, None)
SECOND_CONSTRUCTOR = TableRow("建造师（二级）", None, False, electronic_by="ha-hrss")


def _no_department(_city: str, _department: str) -> str | None:
    return None


def test_a_handed_out_or_lost_certificate_moves_no_further() -> None:
    for state in FINAL:
        assert ALLOWED[state] == frozenset()
        with pytest.raises(EcertError) as refused:
            check_move(state, PaperState.TO_COLLECT)
        assert refused.value.code == "paper_state"


def test_a_mailed_certificate_cannot_be_collected_until_it_comes_back() -> None:
    with pytest.raises(EcertError) as refused:
        check_move(PaperState.MAILED, PaperState.HANDED_OVER)
    assert "已交寄" in refused.value.zh
    check_move(PaperState.MAILED, PaperState.RETURNED)
    check_move(PaperState.RETURNED, PaperState.HANDED_OVER)


def test_shandong_hands_out_at_the_bms_city() -> None:
    unit = distribution_unit(
        table_row=None,
        registration_city="sd-jinan",
        recorder="sd-pta",
        city_department=_no_department,
    )
    assert unit.key == "sd-jinan"


def test_a_record_without_a_city_stays_with_the_exam_centre() -> None:
    unit = distribution_unit(
        table_row=None, registration_city=None, recorder="sd-pta", city_department=_no_department
    )
    assert unit.key == "sd-pta"


def test_henan_prefers_the_city_department_where_the_city_has_one() -> None:
    def zhengzhou_only(city: str, department: str) -> str | None:
        return (
            "ha-zhengzhou-housing" if (city, department) == ("ha-zhengzhou", "ha-housing") else None
        )

    assert (
        distribution_unit(
            table_row=HOUSING,
            registration_city="ha-zhengzhou",
            recorder="ha-pta",
            city_department=zhengzhou_only,
        ).key
        == "ha-zhengzhou-housing"
    )
    kaifeng = distribution_unit(
        table_row=HOUSING,
        registration_city="ha-kaifeng",
        recorder="ha-pta",
        city_department=zhengzhou_only,
    )
    assert kaifeng.key == "ha-housing"
    assert "未设" in kaifeng.rule[0]


def test_a_province_only_row_never_goes_to_a_city() -> None:
    def everywhere(city: str, department: str) -> str | None:
        return f"{city}-{department}"

    assert (
        distribution_unit(
            table_row=TRANSLATION,
            registration_city="ha-zhengzhou",
            recorder="ha-pta",
            city_department=everywhere,
        ).key
        == "ha-foreign-affairs"
    )


def test_an_exam_with_only_an_electronic_certificate_has_no_paper_to_hand_out() -> None:
    with pytest.raises(EcertError) as refused:
        distribution_unit(
            table_row=SECOND_CONSTRUCTOR,
            registration_city="ha-zhengzhou",
            recorder="ha-pta",
            city_department=_no_department,
        )
    assert refused.value.code == "no_paper_certificate"
    assert "电子证书" in refused.value.zh


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 6), 6, date(2026, 6, 6)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 15), 13, date(2024, 12, 15)),
    ],
)
def test_months_before_keeps_the_day_or_the_month_end(
    day: date, months: int, expected: date
) -> None:
    assert months_before(day, months) == expected


def test_a_certificate_is_overdue_from_the_same_day_n_months_on() -> None:
    assert not is_overdue(arrived_on=date(2026, 6, 7), today=date(2026, 12, 6), months=6)
    assert is_overdue(arrived_on=date(2026, 6, 6), today=date(2026, 12, 6), months=6)


def test_zero_months_is_refused() -> None:
    with pytest.raises(EcertError):
        months_before(date(2026, 12, 6), 0)


def test_a_form_with_blank_key_fields_lists_them_in_form_order() -> None:
    missing = missing_key_fields({"name": "张三", "id_number": " ", "unit_seal": "yes"})
    names = [name for name, _zh, _en in missing]
    assert names[0] == "id_number"
    assert "name" not in names
    assert "unit_seal" not in names
    assert "exam_body_seal" in names
