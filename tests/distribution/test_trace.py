"""Finding paper certificates: search by number, name and ID number, the scoping of every list
and page, the timeline in Chinese, the export and the list of certificates not collected in time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.audit.services import audit_record
from ecert.config import paper_overdue_months
from ecert.core.errors import EcertError
from ecert.core.rules.paper import Method, PaperState, months_before
from ecert.core.spreadsheets.reader import read_rows
from ecert.distribution.models import PaperCertificate, PaperDelivery, PaperEventKind
from ecert.distribution.services import paper_choose, paper_move
from tests.distribution.conftest import ARRIVED, Paper, deliver, sd_id

pytestmark = pytest.mark.usefixtures("own_storage")

JINAN = {"2537010000000201", "2537010000000203"}
ALL_SD = JINAN | {"2537020000000202", "2537150000000204"}


def _client(paper: Paper, who: str) -> Client:
    client = Client()
    client.force_login(paper.users[who])
    return client


def _numbers(response: Any) -> set[str]:
    assert response.status_code == 200
    return {row["paper"].credential.management_number for row in response.context["rows"]}


def _list(paper: Paper, who: str, **query: str) -> set[str]:
    return _numbers(_client(paper, who).get(reverse("backoffice:paper_list"), query))


def _hand_over(paper: Paper, number: str, who: str) -> None:
    """The holder collects the certificate at the counter (the way the counter step ends)."""
    certificate = paper.certificate(number)
    actor = paper.users[who]
    when = ARRIVED + timedelta(days=3)
    paper_choose(
        actor=actor, certificate=certificate, method=Method.COUNTER, address=None, now=when
    )
    with transaction.atomic():
        locked = PaperCertificate.objects.select_for_update().get(pk=certificate.pk)
        paper_move(
            locked,
            PaperState.HANDED_OVER,
            kind=PaperEventKind.HANDED_OVER,
            actor=actor,
            detail={"receipt": "LZ0001"},
            now=when + timedelta(hours=1),
        )
        audit_record(
            actor=actor,
            action="paper.handed_over",
            authority=locked.unit,
            object_type="credential",
            object_id=locked.credential.public_id,
            data={},
            at=when + timedelta(hours=1),
        )


# ── Search ─────────────────────────────────────────────────────────────────────────────────────


def test_search_by_management_number(paper: Paper) -> None:
    deliver(paper)
    assert _list(paper, "province_admin", q="2537020000000202") == {"2537020000000202"}


def test_search_by_name(paper: Paper) -> None:
    deliver(paper)
    assert _list(paper, "province_admin", q="孙芸") == {"2537010000000203"}


def test_search_by_id_number(paper: Paper) -> None:
    deliver(paper)
    assert _list(paper, "province_admin", q=sd_id(204)) == {"2537150000000204"}


def test_filters_by_state_unit_and_delivery(paper: Paper) -> None:
    delivery = deliver(paper)
    _hand_over(paper, "2537010000000203", "jinan_clerk")
    assert _list(paper, "province_admin", state="handed_over") == {"2537010000000203"}
    assert _list(paper, "province_admin", unit="sd-qingdao") == {"2537020000000202"}
    assert _list(paper, "province_admin", delivery=delivery.reference) == ALL_SD
    assert _list(paper, "province_admin", delivery="PD-NOSUCH") == set()


def test_the_list_is_paginated(paper: Paper, monkeypatch: pytest.MonkeyPatch) -> None:
    deliver(paper)
    monkeypatch.setattr("ecert.backoffice.paper_views.PAGE_SIZE", 3)
    client = _client(paper, "province_admin")
    first = client.get(reverse("backoffice:paper_list"))
    second = client.get(reverse("backoffice:paper_list"), {"page": 2})
    assert len(_numbers(first)) == 3
    assert len(_numbers(second)) == 1
    assert _numbers(first) | _numbers(second) == ALL_SD


# ── Scoping ────────────────────────────────────────────────────────────────────────────────────


def test_the_jinan_clerk_sees_only_jinans_certificates(paper: Paper) -> None:
    deliver(paper)
    deliver(paper, henan=True)
    assert _list(paper, "jinan_clerk") == JINAN


def test_the_exam_centre_follows_what_it_received(paper: Paper) -> None:
    deliver(paper)
    deliver(paper, henan=True)
    assert _list(paper, "exam_centre_clerk") == ALL_SD


def test_the_qingdao_clerk_is_told_a_jinan_certificate_does_not_exist(paper: Paper) -> None:
    deliver(paper)
    public_id = paper.record("2537010000000201").public_id
    url = reverse("backoffice:paper_detail", args=[public_id])
    assert _client(paper, "qingdao_clerk").get(url).status_code == 404
    assert _client(paper, "jinan_clerk").get(url).status_code == 200
    nowhere = reverse("backoffice:paper_detail", args=["0" * 16])
    assert _client(paper, "jinan_clerk").get(nowhere).status_code == 404


def test_henan_department_clerks_see_only_their_units_certificates(paper: Paper) -> None:
    deliver(paper)
    deliver(paper, henan=True)
    assert _list(paper, "ha_finance_clerk") == {"2541020000000302"}
    assert _list(paper, "zhengzhou_finance_clerk") == {"2541010000000301"}
    assert _list(paper, "department_clerk") == set()  # Henan housing: not its exam
    zhengzhou = paper.record("2541010000000301").public_id
    url = reverse("backoffice:paper_detail", args=[zhengzhou])
    assert _client(paper, "ha_finance_clerk").get(url).status_code == 404


# ── The certificate and its timeline ───────────────────────────────────────────────────────────


def test_the_timeline_tells_the_certificates_way_in_chinese(paper: Paper) -> None:
    deliver(paper)
    _hand_over(paper, "2537010000000201", "jinan_clerk")
    public_id = paper.record("2537010000000201").public_id
    response = _client(paper, "jinan_clerk").get(
        reverse("backoffice:paper_detail", args=[public_id])
    )
    page = response.content.decode()
    texts = [line["text"] for line in response.context["timeline"]]
    assert texts[0].startswith("随到货批次 PD")
    assert "分配给济南市" in texts[0]
    assert "报名地市人事考试机构发放" in texts[0]
    assert texts[1] == "经办人代持证人选择现场领取"
    assert texts[2] == "已现场领取（回执号 LZ0001）"
    assert "已现场领取" in page
    assert "jinan_clerk" in page
    assert response.context["state"] == "已现场领取"


def test_the_detail_masks_the_id_number(paper: Paper) -> None:
    deliver(paper)
    public_id = paper.record("2537010000000203").public_id
    page = _client(paper, "jinan_clerk").get(reverse("backoffice:paper_detail", args=[public_id]))
    text = page.content.decode()
    assert sd_id(203) not in text
    assert sd_id(203)[:4] in text


# ── Export ─────────────────────────────────────────────────────────────────────────────────────


def _sheet(response: Any, tmp_path: Path) -> list[list[Any]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    return [cells for _row, cells in read_rows(path)]


def test_the_export_is_the_search_as_text_with_id_numbers_masked(
    paper: Paper, tmp_path: Path
) -> None:
    deliver(paper)
    response = _client(paper, "jinan_clerk").get(reverse("backoffice:paper_export"), {"q": "孙芸"})
    rows = _sheet(response, tmp_path)
    assert rows[0][:3] == ["管理号", "姓名", "证件号码（已隐去）"]
    assert len(rows) == 2
    line = rows[1]
    assert line[0] == "2537010000000203"
    assert line[1] == "孙芸"
    assert line[2] != sd_id(203)
    assert "*" in line[2]
    assert "济南" in line[7]
    assert line[8] == "待选择领取方式"
    assert line[6] == "2025-09-01"  # a date as text, not a date cell
    assert all(cell is None or isinstance(cell, str) for cell in line)  # None: an empty cell


def test_the_export_keeps_to_the_users_scope(paper: Paper, tmp_path: Path) -> None:
    deliver(paper)
    rows = _sheet(_client(paper, "qingdao_clerk").get(reverse("backoffice:paper_export")), tmp_path)
    assert [row[0] for row in rows[1:]] == ["2537020000000202"]


# ── Not collected in time ──────────────────────────────────────────────────────────────────────


def _arrived_months_ago(delivery: PaperDelivery, months: int) -> None:
    PaperDelivery.objects.filter(pk=delivery.pk).update(
        arrived_on=months_before(timezone.localdate(), months)
    )


def test_certificates_at_their_unit_past_the_months_are_overdue(paper: Paper) -> None:
    delivery = deliver(paper)
    _hand_over(paper, "2537010000000203", "jinan_clerk")
    _arrived_months_ago(delivery, 3)
    client = _client(paper, "province_admin")
    url = reverse("backoffice:paper_overdue")
    assert _numbers(client.get(url, {"months": 3})) == ALL_SD - {"2537010000000203"}
    assert _numbers(client.get(url, {"months": 4})) == set()


def test_the_overdue_months_default_comes_from_the_setting(paper: Paper, settings: Any) -> None:
    delivery = deliver(paper)
    _arrived_months_ago(delivery, 2)
    client = _client(paper, "jinan_clerk")
    settings.ECERT_PAPER_OVERDUE_MONTHS = 2
    response = client.get(reverse("backoffice:paper_overdue"))
    assert response.context["months"] == 2
    assert _numbers(response) == JINAN
    settings.ECERT_PAPER_OVERDUE_MONTHS = 6
    assert _numbers(client.get(reverse("backoffice:paper_overdue"))) == set()


def test_a_bad_number_of_months_is_said_and_the_setting_used(paper: Paper, settings: Any) -> None:
    deliver(paper)
    settings.ECERT_PAPER_OVERDUE_MONTHS = 12
    response = _client(paper, "jinan_clerk").get(
        reverse("backoffice:paper_overdue"), {"months": "0"}
    )
    assert response.status_code == 200
    assert response.context["months"] == 12
    assert response.context["form"].errors["months"]


def test_the_overdue_list_exports(paper: Paper, tmp_path: Path) -> None:
    delivery = deliver(paper)
    _arrived_months_ago(delivery, 13)
    response = _client(paper, "jinan_clerk").get(
        reverse("backoffice:paper_overdue_export"), {"months": 12}
    )
    rows = _sheet(response, tmp_path)
    assert {row[0] for row in rows[1:]} == JINAN
    assert "12" in response["Content-Disposition"] or "%E4" in response["Content-Disposition"]


def test_the_list_marks_overdue_certificates(paper: Paper) -> None:
    delivery = deliver(paper)
    _arrived_months_ago(delivery, 13)
    response = _client(paper, "jinan_clerk").get(reverse("backoffice:paper_list"), {"months": 12})
    assert all(row["overdue"] for row in response.context["rows"])
    assert "逾期未领取" in response.content.decode()


def test_the_overdue_months_setting_is_checked() -> None:
    assert paper_overdue_months({}) == 12
    assert paper_overdue_months({"ECERT_PAPER_OVERDUE_MONTHS": "6"}) == 6
    for bad in ("0", "121", "six", "-1"):
        with pytest.raises(EcertError) as refused:
            paper_overdue_months({"ECERT_PAPER_OVERDUE_MONTHS": bad})
        assert refused.value.code == "bad_overdue_months"
