"""Arrival: the exam centre records a sitting's delivery; each certificate is assigned to the unit
that hands it out (Shandong: the BMS city; Henan: the responsibility table of seed 004)."""

from __future__ import annotations

import pytest

from ecert.core.errors import EcertError
from ecert.core.rules.paper import PaperState
from ecert.distribution.models import PaperCertificate, PaperEvent
from tests.distribution.conftest import SD_ROWS, Paper, deliver

pytestmark = pytest.mark.usefixtures("own_storage")


def test_shandong_certificates_go_to_the_bms_city(paper: Paper) -> None:
    delivery = deliver(paper)
    units = {number: paper.certificate(number).unit.key for number, *_rest in SD_ROWS}
    assert units == {
        "2537010000000201": "sd-jinan",
        "2537020000000202": "sd-qingdao",
        "2537010000000203": "sd-jinan",
        "2537150000000204": "sd-liaocheng",
    }
    assert delivery.size == 4
    assert {c.state for c in PaperCertificate.objects.all()} == {PaperState.AWAITING_CHOICE}
    assert PaperEvent.objects.filter(certificate__delivery=delivery).count() == 4


def test_henan_certificates_go_to_the_city_department_or_the_province_one(paper: Paper) -> None:
    deliver(paper, henan=True)
    assert paper.certificate("2541010000000301").unit.key == "ha-zhengzhou-finance"
    assert paper.certificate("2541020000000302").unit.key == "ha-finance"


def test_recording_the_same_delivery_again_changes_nothing(paper: Paper) -> None:
    first = deliver(paper)
    again = deliver(paper)
    assert again.pk == first.pk
    assert PaperCertificate.objects.count() == 4


def test_a_city_clerk_cannot_record_a_delivery(paper: Paper) -> None:
    paper.users["exam_centre_clerk"] = paper.users["jinan_clerk"]
    with pytest.raises(EcertError) as refused:
        deliver(paper)
    assert refused.value.code == "not_allowed"
    assert not PaperCertificate.objects.exists()
