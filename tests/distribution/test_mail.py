"""Mail by EMS: the order workbook a post office takes, the carrier's exports read back, the states
they move certificates to, and the HTTP carrier against a local stand-in."""

from __future__ import annotations

import io
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from ecert.audit.models import AuditEvent
from ecert.authorities.models import Authority
from ecert.config import read_config
from ecert.core.carriers import MailOrder, Outcome, outcome_of
from ecert.core.carriers.files import orders_workbook, tracking_read, waybills_read
from ecert.core.carriers.http import HttpCarrier
from ecert.core.errors import EcertError
from ecert.core.rules.paper import Method, PaperState
from ecert.core.spreadsheets.reader import read_rows
from ecert.distribution.mail import (
    mail_batch_workbook,
    mail_carrier_sync,
    mail_orders_export,
    mail_tracking_import,
    mail_waybills_import,
)
from ecert.distribution.models import (
    MailBatch,
    MailParcel,
    PaperCertificate,
    PaperEvent,
    ParcelState,
    TrackingEvent,
)
from ecert.distribution.services import MailAddress, paper_choose
from tests.carrier_stand_in import KEY, carrier_stand_in
from tests.distribution.conftest import Paper, deliver

pytestmark = pytest.mark.usefixtures("own_storage")

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in China
JINAN_A = "2537010000000201"  # the cast's holder
JINAN_B = "2537010000000203"
QINGDAO = "2537020000000202"
ADDRESS = MailAddress("张堃", "13800001111", "山东省济南市历下区泉城路 1 号", "250011")
SENDER = {"sender_phone": "0531-86000000", "sender_address": "济南市市中区纬二路 1 号"}


def choose_mail(paper: Paper, number: str, *, actor: str = "jinan_clerk") -> PaperCertificate:
    return paper_choose(
        actor=paper.users[actor],
        certificate=paper.certificate(number),
        method=Method.MAIL,
        address=ADDRESS,
        now=NOW,
    )


def export(paper: Paper, *, actor: str = "jinan_clerk", now: datetime = NOW) -> MailBatch:
    return mail_orders_export(
        actor=paper.users[actor], unit=Authority.objects.get(key="sd-jinan"), now=now, **SENDER
    )


def csv_file(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def waybill_file(tmp_path: Path, pairs: list[tuple[str, str]], name: str = "邮件号.csv") -> Path:
    return csv_file(
        tmp_path,
        name,
        ["序号,客户订单号,邮件号"] + [f"{i},{r},{w}" for i, (r, w) in enumerate(pairs, 1)],
    )


def mailed(paper: Paper, tmp_path: Path) -> dict[str, str]:
    """Both Jinan certificates chosen for mail, exported and given waybills: number → waybill."""
    choose_mail(paper, JINAN_A, actor="holder")
    choose_mail(paper, JINAN_B)
    batch = export(paper)
    parcels = list(batch.parcels.select_related("certificate__credential").order_by("id"))
    waybills = {
        p.certificate.credential.management_number: f"EA00000000{i}CN"
        for i, p in enumerate(parcels)
    }
    pairs = [(p.reference, waybills[p.certificate.credential.management_number]) for p in parcels]
    mail_waybills_import(
        actor=paper.users["jinan_clerk"],
        path=waybill_file(tmp_path, pairs),
        display_name="邮件号.csv",
        now=NOW,
    )
    return waybills


# ── The file formats ──────────────────────────────────────────────────────────────────────────


def test_order_workbook_keeps_every_cell_as_text(tmp_path: Path) -> None:
    order = MailOrder(
        reference="E00000001000001",
        recipient="=HYPERLINK(1)",
        phone="13800001111",
        address="山东省济南市历下区泉城路 1 号",
        postcode="010010",
        sender_name="济南市人事考试中心",
        sender_phone="053186000000",
        sender_address="济南市市中区纬二路 1 号",
    )
    path = tmp_path / "orders.xlsx"
    path.write_bytes(orders_workbook([order], created=NOW))
    rows = list(read_rows(path))
    assert rows[0][1][:3] == ["客户订单号", "收件人姓名", "收件人电话"]
    cells = rows[1][1]
    assert all(isinstance(cell, str) for cell in cells)
    assert cells[2] == "13800001111"
    assert cells[4] == "010010"
    assert cells[1] == "'=HYPERLINK(1)"  # inert, visibly changed
    assert cells[8:] == ["证书", "1"]


def test_the_same_orders_give_the_same_workbook() -> None:
    order = MailOrder("E1", "张三", "13800001111", "济南市历下区 1 号", "", "单位", "0531", "地址")
    assert orders_workbook([order], created=NOW) == orders_workbook([order], created=NOW)


def test_waybill_export_is_read_by_its_headers_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["邮件号", "收件人", "订单号"])
    sheet.write_row(1, 0, ["ea123456789cn", "张三", "E00000001000001"])
    workbook.close()
    (assignment,) = waybills_read(path, display_name="导出.xlsx")
    assert (assignment.reference, assignment.waybill, assignment.row) == (
        "E00000001000001",
        "EA123456789CN",
        2,
    )


@pytest.mark.parametrize(
    ("lines", "code", "row", "column"),
    [
        (["客户订单号,运单"], "missing_column", 1, ""),
        (["客户订单号,邮件号", "E1,EA123456789CN", "E2,坏号"], "bad_waybill", 3, "B"),
        (["客户订单号,邮件号", "E1,"], "blank_cell", 2, "B"),
        (["客户订单号,邮件号", "E1,EA123456789CN", "E1,EA123456780CN"], "repeated_row", 3, "A"),
    ],
)
def test_a_bad_waybill_row_is_located(
    tmp_path: Path, lines: list[str], code: str, row: int, column: str
) -> None:
    with pytest.raises(EcertError) as refused:
        waybills_read(csv_file(tmp_path, "w.csv", lines), display_name="w.csv")
    error = refused.value
    assert (error.code, error.file, error.row, error.column) == (code, "w.csv", row, column)
    assert error.message().startswith("文件 w.csv 第")


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("妥投", Outcome.DELIVERED),
        ("投递成功", Outcome.DELIVERED),
        ("退回妥投", Outcome.RETURNED),
        ("退件", Outcome.RETURNED),
        ("丢失", Outcome.LOST),
        ("遗失", Outcome.LOST),
        ("到达处理中心", Outcome.NONE),
    ],
)
def test_carrier_statuses_mean_an_outcome(status: str, outcome: Outcome) -> None:
    assert outcome_of(status) is outcome


def test_tracking_export_with_a_bad_time_is_located(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "t.csv",
        [
            "邮件号,处理时间,处理动作,处理机构",
            "EA123456789CN,2026-11-21 09:00,妥投,济南",
            "EA123456789CN,昨天,收寄,济南",
        ],
    )
    with pytest.raises(EcertError) as refused:
        tracking_read(path, display_name="t.csv")
    assert (refused.value.code, refused.value.row, refused.value.column) == ("bad_time", 3, "B")


# ── The day's orders ──────────────────────────────────────────────────────────────────────────


def test_export_orders_the_units_certificates_waiting_for_mail(paper: Paper) -> None:
    deliver(paper)
    choose_mail(paper, JINAN_A, actor="holder")
    choose_mail(paper, QINGDAO, actor="qingdao_clerk")  # another unit's
    batch = export(paper)
    (parcel,) = batch.parcels.all()
    assert parcel.certificate.credential.management_number == JINAN_A
    assert (parcel.recipient, parcel.phone, parcel.state) == ("张堃", "13800001111", "ordered")
    assert (batch.size, batch.sender_name, batch.sender_phone) == (
        1,
        "济南市人力资源和社会保障局",
        "053186000000",
    )
    assert PaperEvent.objects.filter(certificate=parcel.certificate, kind="ordered").count() == 1
    assert AuditEvent.objects.filter(action="paper.mail_orders_exported").count() == 1


def test_exporting_again_the_same_day_gives_the_same_batch(paper: Paper) -> None:
    deliver(paper)
    choose_mail(paper, JINAN_A, actor="holder")
    first = export(paper)
    again = export(paper, now=NOW + timedelta(hours=3))
    assert again.pk == first.pk
    assert mail_batch_workbook(again) == mail_batch_workbook(first)
    assert MailParcel.objects.count() == 1
    choose_mail(paper, JINAN_B)
    later = export(paper, now=NOW + timedelta(hours=4))
    assert later.pk != first.pk
    assert [p.certificate.credential.management_number for p in later.parcels.all()] == [JINAN_B]


def test_nothing_to_mail_is_said(paper: Paper) -> None:
    deliver(paper)
    with pytest.raises(EcertError) as refused:
        export(paper)
    assert refused.value.code == "nothing_to_mail"


def test_a_clerk_of_another_city_cannot_export_jinans_orders(paper: Paper) -> None:
    deliver(paper)
    choose_mail(paper, JINAN_A, actor="holder")
    with pytest.raises(EcertError) as refused:
        export(paper, actor="qingdao_clerk")
    assert refused.value.code == "not_found"
    assert not MailBatch.objects.exists()


def test_a_bad_sender_phone_is_refused(paper: Paper) -> None:
    deliver(paper)
    choose_mail(paper, JINAN_A, actor="holder")
    with pytest.raises(EcertError) as refused:
        mail_orders_export(
            actor=paper.users["jinan_clerk"],
            unit=Authority.objects.get(key="sd-jinan"),
            sender_phone="电话",
            sender_address="济南市市中区纬二路 1 号",
            now=NOW,
        )
    assert refused.value.field == "sender_phone"
    assert "寄件人电话" in refused.value.zh


# ── Waybills ───────────────────────────────────────────────────────────────────────────────────


def test_waybills_mail_the_certificates(paper: Paper, tmp_path: Path) -> None:
    deliver(paper)
    waybills = mailed(paper, tmp_path)
    certificate = paper.certificate(JINAN_A)
    assert certificate.state == PaperState.MAILED
    line = certificate.events.get(kind="mailed")
    assert line.detail["waybill"] == waybills[JINAN_A]
    assert line.detail["carrier"] == "file"
    assert MailParcel.objects.filter(state=ParcelState.IN_TRANSIT).count() == 2
    assert AuditEvent.objects.filter(action="paper.waybills_recorded").count() == 1


def test_the_same_waybill_file_twice_changes_nothing(paper: Paper, tmp_path: Path) -> None:
    deliver(paper)
    mailed(paper, tmp_path)
    events = PaperEvent.objects.count()
    report = mail_waybills_import(
        actor=paper.users["jinan_clerk"],
        path=tmp_path / "邮件号.csv",
        display_name="邮件号.csv",
        now=NOW + timedelta(hours=1),
    )
    assert (report.recorded, report.already) == (0, 2)
    assert PaperEvent.objects.count() == events
    assert AuditEvent.objects.filter(action="paper.waybills_recorded").count() == 1


def test_an_unknown_order_refuses_the_whole_file(paper: Paper, tmp_path: Path) -> None:
    deliver(paper)
    choose_mail(paper, JINAN_A, actor="holder")
    (parcel,) = export(paper).parcels.all()
    path = waybill_file(
        tmp_path, [(parcel.reference, "EA111111111CN"), ("E99999999000001", "EA222222222CN")]
    )
    with pytest.raises(EcertError) as refused:
        mail_waybills_import(
            actor=paper.users["jinan_clerk"], path=path, display_name="邮件号.csv", now=NOW
        )
    error = refused.value
    assert (error.code, error.file, error.row, error.column) == (
        "unknown_order",
        "邮件号.csv",
        3,
        "B",
    )
    assert paper.certificate(JINAN_A).state == PaperState.TO_MAIL
    assert not MailParcel.objects.exclude(waybill=None).exists()


def test_another_citys_clerk_is_told_the_order_is_not_theirs(paper: Paper, tmp_path: Path) -> None:
    deliver(paper)
    choose_mail(paper, JINAN_A, actor="holder")
    (parcel,) = export(paper).parcels.all()
    with pytest.raises(EcertError) as refused:
        mail_waybills_import(
            actor=paper.users["qingdao_clerk"],
            path=waybill_file(tmp_path, [(parcel.reference, "EA111111111CN")]),
            display_name="邮件号.csv",
            now=NOW,
        )
    assert refused.value.code == "unknown_order"


def test_a_waybill_given_to_two_orders_is_refused(paper: Paper, tmp_path: Path) -> None:
    deliver(paper)
    clerk = paper.users["jinan_clerk"]
    choose_mail(paper, JINAN_A, actor="holder")
    (first,) = export(paper).parcels.all()
    path = waybill_file(tmp_path, [(first.reference, "EA111111111CN")], "1.csv")
    mail_waybills_import(actor=clerk, path=path, display_name="1.csv", now=NOW)
    choose_mail(paper, JINAN_B)
    (second,) = export(paper, now=NOW + timedelta(hours=1)).parcels.all()
    path = waybill_file(tmp_path, [(second.reference, "ea111111111cn")], "2.csv")
    with pytest.raises(EcertError) as refused:
        mail_waybills_import(actor=clerk, path=path, display_name="2.csv", now=NOW)
    assert (refused.value.code, refused.value.row, refused.value.column) == (
        "waybill_taken",
        2,
        "C",
    )
    assert paper.certificate(JINAN_B).state == PaperState.TO_MAIL


# ── Tracking ───────────────────────────────────────────────────────────────────────────────────


def tracking_file(tmp_path: Path, rows: list[tuple[str, str, str]], name: str = "轨迹.csv") -> Path:
    lines = ["邮件号,处理时间,处理动作,处理机构"] + [f"{w},{t},{s},济南市" for w, t, s in rows]
    return csv_file(tmp_path, name, lines)


def test_tracking_delivers_returns_and_is_kept_once(paper: Paper, tmp_path: Path) -> None:
    deliver(paper)
    waybills = mailed(paper, tmp_path)
    path = tracking_file(
        tmp_path,
        [
            (waybills[JINAN_A], "2026-11-20 16:00:00", "收寄"),
            (waybills[JINAN_A], "2026-11-21 10:30:00", "妥投"),
            (waybills[JINAN_B], "2026-11-21 09:00:00", "退回"),
        ],
    )
    clerk = paper.users["jinan_clerk"]
    report = mail_tracking_import(actor=clerk, path=path, display_name="轨迹.csv", now=NOW)
    assert report.moved == {"delivered": 1, "returned": 1}
    delivered = paper.certificate(JINAN_A)
    assert delivered.state == PaperState.DELIVERED
    assert delivered.handed_out_at == datetime(2026, 11, 21, 2, 30, tzinfo=UTC)
    assert paper.certificate(JINAN_B).state == PaperState.RETURNED
    assert TrackingEvent.objects.count() == 3
    again = mail_tracking_import(actor=clerk, path=path, display_name="轨迹.csv", now=NOW)
    assert (again.recorded, again.already, again.moved) == (0, 3, {})
    assert TrackingEvent.objects.count() == 3
    assert AuditEvent.objects.filter(action="paper.tracking_recorded").count() == 1


def test_a_returned_certificate_can_be_mailed_again(paper: Paper, tmp_path: Path) -> None:
    deliver(paper)
    waybills = mailed(paper, tmp_path)
    clerk = paper.users["jinan_clerk"]
    path = tracking_file(tmp_path, [(waybills[JINAN_B], "2026-11-21 09:00:00", "退件")])
    mail_tracking_import(actor=clerk, path=path, display_name="轨迹.csv", now=NOW)
    choose_mail(paper, JINAN_B)
    batch = export(paper, now=NOW + timedelta(days=2))
    assert [p.certificate.credential.management_number for p in batch.parcels.all()] == [JINAN_B]


def test_a_lost_parcel_is_final(paper: Paper, tmp_path: Path) -> None:
    deliver(paper)
    waybills = mailed(paper, tmp_path)
    path = tracking_file(tmp_path, [(waybills[JINAN_A], "2026-11-25 09:00:00", "邮件遗失")])
    mail_tracking_import(actor=paper.users["jinan_clerk"], path=path, display_name="t.csv", now=NOW)
    assert paper.certificate(JINAN_A).state == PaperState.LOST
    with pytest.raises(EcertError):
        choose_mail(paper, JINAN_A)


def test_tracking_of_an_unknown_waybill_changes_nothing(paper: Paper, tmp_path: Path) -> None:
    deliver(paper)
    waybills = mailed(paper, tmp_path)
    path = tracking_file(
        tmp_path,
        [
            (waybills[JINAN_A], "2026-11-21 10:30:00", "妥投"),
            ("EA999999999CN", "2026-11-21 10:30:00", "妥投"),
        ],
    )
    with pytest.raises(EcertError) as refused:
        mail_tracking_import(
            actor=paper.users["jinan_clerk"], path=path, display_name="t.csv", now=NOW
        )
    assert (refused.value.code, refused.value.row, refused.value.column) == (
        "unknown_waybill",
        3,
        "A",
    )
    assert paper.certificate(JINAN_A).state == PaperState.MAILED
    assert not TrackingEvent.objects.exists()


# ── The HTTP carrier against the stand-in ──────────────────────────────────────────────────────


def test_sync_with_the_carrier_gets_waybills_then_tracking(paper: Paper) -> None:
    deliver(paper)
    choose_mail(paper, JINAN_A, actor="holder")
    clerk, unit = paper.users["jinan_clerk"], Authority.objects.get(key="sd-jinan")
    mail_orders_export(actor=clerk, unit=unit, carrier_key="http", now=NOW, **SENDER)
    with carrier_stand_in() as stand_in:
        carrier = HttpCarrier(url=stand_in.url, api_key=KEY, timeout=5)
        first = mail_carrier_sync(actor=clerk, unit=unit, carrier=carrier, now=NOW)
        assert first.waybills.recorded == 1
        (waybill,) = stand_in.waybills.values()
        certificate = paper.certificate(JINAN_A)
        assert certificate.state == PaperState.MAILED
        assert certificate.events.get(kind="mailed").detail["carrier"] == "http"
        assert stand_in.orders[0]["sender"]["phone"] == "053186000000"
        stand_in.events[waybill] = [
            {
                "time": "2026-11-21T10:30:00+08:00",
                "code": "I",
                "description": "已妥投",
                "place": "济南",
            }
        ]
        second = mail_carrier_sync(actor=clerk, unit=unit, carrier=carrier, now=NOW)
        assert second.tracking.moved == {"delivered": 1}
        third = mail_carrier_sync(actor=clerk, unit=unit, carrier=carrier, now=NOW)
        assert (third.waybills.recorded, third.tracking.recorded) == (0, 0)
    assert paper.certificate(JINAN_A).state == PaperState.DELIVERED


def test_a_wrong_key_is_told_and_changes_nothing(paper: Paper) -> None:
    deliver(paper)
    choose_mail(paper, JINAN_A, actor="holder")
    clerk, unit = paper.users["jinan_clerk"], Authority.objects.get(key="sd-jinan")
    mail_orders_export(actor=clerk, unit=unit, carrier_key="http", now=NOW, **SENDER)
    with carrier_stand_in() as stand_in:
        carrier = HttpCarrier(url=stand_in.url, api_key="wrong", timeout=5)
        with pytest.raises(EcertError) as refused:
            mail_carrier_sync(actor=clerk, unit=unit, carrier=carrier, now=NOW)
    assert refused.value.code == "carrier_refused"
    assert "ECERT_CARRIER_KEY" in refused.value.zh
    assert paper.certificate(JINAN_A).state == PaperState.TO_MAIL


def test_a_carrier_that_is_down_is_told_and_changes_nothing(paper: Paper) -> None:
    deliver(paper)
    choose_mail(paper, JINAN_A, actor="holder")
    clerk, unit = paper.users["jinan_clerk"], Authority.objects.get(key="sd-jinan")
    mail_orders_export(actor=clerk, unit=unit, carrier_key="http", now=NOW, **SENDER)
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    carrier = HttpCarrier(url=f"http://127.0.0.1:{port}/api", api_key=KEY, timeout=2)
    with pytest.raises(EcertError) as refused:
        mail_carrier_sync(actor=clerk, unit=unit, carrier=carrier, now=NOW)
    assert refused.value.code == "carrier_unreachable"
    assert not MailParcel.objects.exclude(waybill=None).exists()


def test_carrier_settings_come_in_pairs_and_production_uses_https(tmp_path: Path) -> None:
    base: dict[str, Any] = {"ECERT_DATA_DIR": str(tmp_path)}
    assert read_config(base).carrier is None
    config = read_config(
        {**base, "ECERT_CARRIER_URL": "http://127.0.0.1:9/api", "ECERT_CARRIER_KEY": "k"}
    )
    assert config.carrier is not None
    assert config.carrier.timeout == 20
    with pytest.raises(EcertError) as refused:
        read_config({**base, "ECERT_CARRIER_URL": "http://127.0.0.1:9/api"})
    assert refused.value.code == "bad_carrier"


def test_workbook_download_bytes_open_as_xlsx(paper: Paper) -> None:
    deliver(paper)
    choose_mail(paper, JINAN_A, actor="holder")
    data = mail_batch_workbook(export(paper))
    assert io.BytesIO(data).read(2) == b"PK"
