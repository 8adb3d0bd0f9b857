"""The exchange package made from applications: every value from the certificate database, an exam
without a code refused at submit, the level above's aggregate of several cities' batches."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from python_calamine import CalamineWorkbook

from ecert.authorities.models import Authority
from ecert.catalogue.models import QualificationLevel
from ecert.core.errors import EcertError
from ecert.core.rules.replacement import BatchState, State
from ecert.core.spreadsheets.replacement_package import HEADER
from ecert.credentials.models import Credential
from ecert.credentials.services import holder_id_number
from ecert.replacement.models import Batch
from ecert.replacement.packages import (
    aggregate_packages,
    batch_packages,
    forms_zip,
    package_files,
)
from ecert.replacement.services import application_accept, batch_submit
from tests.distribution.conftest import Paper
from tests.photos import id_photo
from tests.replacement.conftest import APPLIED, SD_NUMBER, apply

pytestmark = pytest.mark.django_db

LATER = APPLIED + timedelta(hours=1)
PHOTO = id_photo()
NEED = "投标须出示纸质证书原件"  # a work need: the record's holder also has an e-certificate


def accepted(paper: Paper, clerk: str, *numbers: str, applicant: str | None = None) -> Batch:
    """Applications for ``numbers`` made (by ``applicant`` or the clerk) and accepted by ``clerk``:
    the unit's batch of the month."""
    users = paper.users
    batch = None
    for number in numbers:
        application = apply(paper, users[applicant or clerk], number, work_need=NEED)
        application = application_accept(actor=users[clerk], application=application, now=LATER)
        batch = application.batch
    assert batch is not None
    return batch


def submitted(paper: Paper, clerk: str, *numbers: str, applicant: str | None = None) -> Batch:
    batch = accepted(paper, clerk, *numbers, applicant=applicant)
    return batch_submit(actor=paper.users[clerk], batch=batch, now=LATER)


def sheet(data: bytes) -> list[list[str]]:
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert all(isinstance(cell, str) for row in rows for cell in row)  # every cell text
    return rows  # type: ignore[return-value]


def test_jinan_package_carries_the_record_not_what_the_applicant_typed(paper: Paper) -> None:
    users = paper.users
    application = apply(paper, users["holder"], name="张坤", work_need=NEED)
    application_accept(actor=users["jinan_clerk"], application=application, now=LATER)
    application.refresh_from_db()
    assert application.batch is not None
    batch = batch_submit(actor=users["jinan_clerk"], batch=application.batch, now=LATER)
    data, files = package_files(batch_packages(batch))
    record = paper.record(SD_NUMBER)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        workbook = archive.read("202611-034-一级建造师(证书补换印制信息)数据(济南市)(1人).XLS")
    rows = sheet(workbook)
    assert names == ["202611-034-一级建造师(证书补换印制信息)数据(济南市)(1人).XLS"]
    assert rows[0] == list(HEADER)
    assert len(rows[1]) == 11
    assert all(isinstance(cell, str) for cell in rows[1])
    assert rows[1] == [
        SD_NUMBER,
        "张堃",
        holder_id_number(record.holder),
        "居民身份证",
        "男" if record.holder_sex == "male" else "女",
        "一级",
        "建筑工程",
        record.holder_birth_month,
        "2025-09-01",
        "",
        "济南市",
    ]
    assert files[0].name == "202611-济南市(证书补换数据).zip"
    assert files[1].rows == 1


def test_a_photo_of_the_application_is_named_by_the_id_number(paper: Paper) -> None:
    users = paper.users
    application = apply(paper, users["holder"], work_need=NEED, photo=PHOTO, photo_name="me.jpg")
    application_accept(actor=users["jinan_clerk"], application=application, now=LATER)
    application.refresh_from_db()
    assert application.batch is not None
    (package,) = batch_packages(application.batch)
    id_number = holder_id_number(paper.record(SD_NUMBER).holder)
    assert package.rows[0].zp == f"{id_number}.jpg"
    with zipfile.ZipFile(io.BytesIO(package_files([package])[0])) as archive:
        folder = "202611-034-一级建造师(证书补换印制信息)数据(济南市)(1人)"
        assert archive.read(f"{folder}/{id_number}.jpg") == PHOTO


def test_an_exam_without_a_code_is_refused_at_submit_with_its_reason(paper: Paper) -> None:
    QualificationLevel.objects.filter(qualification=paper.sd, name="一级").update(exam_code="")
    batch = accepted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    with pytest.raises(EcertError) as refused:
        batch_submit(actor=paper.users["jinan_clerk"], batch=batch, now=LATER)
    batch.refresh_from_db()
    assert refused.value.code == "no_exam_code"
    assert "一级建造师" in refused.value.zh
    assert "考试代码" in refused.value.zh
    assert batch.state == BatchState.OPEN
    assert batch.applications.get().state == State.ACCEPTED


def test_the_aggregate_has_one_file_per_exam_with_every_citys_rows(paper: Paper) -> None:
    jinan = submitted(paper, "jinan_clerk", SD_NUMBER, "2537010000000203")
    qingdao = submitted(paper, "qingdao_clerk", "2537020000000202")
    centre = Authority.objects.get(key="sd-pta")
    packages = aggregate_packages([jinan, qingdao], authority=centre, month="202611")
    data, files = package_files(packages)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        rows = sheet(archive.read(names[0]))
    assert names == ["202611-034-一级建造师(证书补换印制信息)数据(山东省人事考试中心)(3人).XLS"]
    assert [row[10] for row in rows[1:]] == ["济南市", "济南市", "青岛市"]  # by PZRQ, ZSGLH
    assert sorted(row[1] for row in rows[1:]) == sorted(["张堃", "钱昇", "孙芸"])
    assert files[0].name == "202611-山东省人事考试中心(证书补换数据).zip"


def test_the_forms_are_one_summary_and_one_application_form_per_exam(paper: Paper) -> None:
    batch = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    with zipfile.ZipFile(io.BytesIO(forms_zip(batch_packages(batch)))) as archive:
        names = archive.namelist()
        assert all(archive.read(name).startswith(b"%PDF") for name in names)
    assert names == [
        "202611-济南市-证书补发(更换)统计汇总表.pdf",
        "202611-034-一级建造师(证书补换印制信息)数据(济南市)(1人)-证书补发(更换)申请表.pdf",
    ]


def test_bms_is_the_records_registration_city_else_the_receiving_units(paper: Paper) -> None:
    batch = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    qingdao = Authority.objects.get(name="青岛市人力资源和社会保障局")
    records = Credential.objects.filter(management_number=SD_NUMBER)
    records.update(registration_authority=qingdao)
    (package,) = batch_packages(batch)
    assert package.rows[0].bms == "青岛市"  # the record wins over the unit that received it
    records.update(registration_authority=None)
    (package,) = batch_packages(batch)
    assert package.rows[0].bms == "济南市"  # none on record: the receiving unit's city


def test_a_record_a_row_cannot_be_made_from_names_the_application(paper: Paper) -> None:
    batch = accepted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    application = batch.applications.get()
    Credential.objects.filter(management_number=SD_NUMBER).update(holder_sex="x")
    with pytest.raises(EcertError) as refused:
        batch_submit(actor=paper.users["jinan_clerk"], batch=batch, now=LATER)
    assert refused.value.code == "record_incomplete"
    assert refused.value.zh == (
        f"申请 {application.reference}（管理号 {SD_NUMBER}）：证书数据库中的记录不完整"
    )
    batch.refresh_from_db()
    assert batch.state == BatchState.OPEN


def test_a_row_the_province_could_not_take_names_the_application(paper: Paper) -> None:
    batch = accepted(paper, "jinan_clerk", SD_NUMBER, "2537010000000203")
    application = batch.applications.get(credential__management_number="2537010000000203")
    Credential.objects.filter(management_number="2537010000000203").update(holder_name="孙\t芸")
    with pytest.raises(EcertError) as refused:
        batch_packages(batch)
    assert refused.value.code == "package_bad_character"
    assert refused.value.zh.startswith(f"申请 {application.reference}：")
    assert "U+0009" in refused.value.zh
