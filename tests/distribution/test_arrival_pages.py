"""The exam centre's arrival pages: a delivery recorded from the records already loaded, from a
list of management numbers (.csv, .xlsx) or from the 11-column records file; a bad file is
refused with its rows named and nothing is stored."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ecert.core.rules.kinds import CredentialForm
from ecert.credentials.models import Credential
from ecert.distribution.models import PaperCertificate, PaperDelivery
from ecert.issuance.models import PassListImport
from tests.conftest import World
from tests.distribution.conftest import SD_APPROVED, Paper, _csv, sd_id

pytestmark = pytest.mark.usefixtures("own_storage")

FIELDS = {
    "authority": "sd-pta",
    "qualification": "constructor",
    "level": "一级",
    "approval_date": SD_APPROVED.isoformat(),
    "edition": "new",
    "arrived_on": "2026-11-02",
}


def _client(paper: Paper, who: str = "exam_centre_clerk") -> Client:
    client = Client()
    client.force_login(paper.users[who])
    return client


def _post(
    client: Client, source: str, upload: SimpleUploadedFile | None = None, **more: Any
) -> Any:
    data: dict[str, Any] = {**FIELDS, "source": source, **more}
    if upload is not None:
        data["file"] = upload
    return client.post(reverse("backoffice:paper_delivery_new"), data)


def _numbers_csv(*numbers: str, header: str = "ZSGLH") -> SimpleUploadedFile:
    text = "\n".join([header, *numbers]) + "\n"
    return SimpleUploadedFile("到货清单.csv", text.encode(), content_type="text/csv")


def _numbers_xlsx(*cells: object, header: str = "管理号") -> SimpleUploadedFile:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "序号")
    sheet.write_string(0, 1, header)
    for row, cell in enumerate(cells, start=1):
        sheet.write_number(row, 0, row)
        if isinstance(cell, str):
            sheet.write_string(row, 1, cell)
        else:
            sheet.write_number(row, 1, cell)
    book.close()
    return SimpleUploadedFile("到货清单.xlsx", out.getvalue())


def _problems(response: Any) -> str:
    assert response.status_code == 200
    return str(response.context["problems"])


def test_every_record_of_the_sitting_arrives_and_the_detail_counts_per_unit(
    paper: Paper,
) -> None:
    client = _client(paper)
    response = _post(client, "all")
    delivery = PaperDelivery.objects.get()
    assert response["Location"] == reverse(
        "backoffice:paper_delivery_detail", args=[delivery.reference]
    )
    page = client.get(response["Location"]).content.decode()
    assert "济南市" in page
    assert "青岛市" in page
    assert "聊城市" in page
    assert "待选择领取方式" in page  # the state's column, in Chinese
    detail = client.get(response["Location"])
    rows = {unit.key: total for unit, total, _cells in detail.context["table"]}
    assert rows == {"sd-jinan": 2, "sd-qingdao": 1, "sd-liaocheng": 1}
    assert detail.context["total"] == 4


def test_a_csv_list_of_numbers_delivers_only_those(paper: Paper) -> None:
    response = _post(_client(paper), "list", _numbers_csv("2537010000000201", "2537020000000202"))
    assert response.status_code == 302
    delivery = PaperDelivery.objects.get()
    assert delivery.size == 2
    assert delivery.source_name == "到货清单.csv"
    assert set(
        PaperCertificate.objects.values_list("credential__management_number", flat=True)
    ) == {"2537010000000201", "2537020000000202"}


def test_an_xlsx_list_headed_in_chinese_is_read(paper: Paper) -> None:
    response = _post(_client(paper), "list", _numbers_xlsx("2537150000000204"))
    assert response.status_code == 302
    assert PaperCertificate.objects.get().unit.key == "sd-liaocheng"


def test_a_number_not_on_record_is_refused_at_its_row_and_nothing_is_stored(
    paper: Paper,
) -> None:
    response = _post(_client(paper), "list", _numbers_csv("2537010000000201", "2537010000009999"))
    problems = _problems(response)
    assert "到货清单.csv" in problems
    assert "第 3 行" in problems
    assert "2537010000009999" in problems
    assert not PaperDelivery.objects.exists()
    assert not PaperCertificate.objects.exists()


def test_numbers_stored_as_numbers_and_repeats_are_all_listed(paper: Paper) -> None:
    response = _post(
        _client(paper),
        "list",
        _numbers_xlsx(2537010000000201, "2537020000000202", "2537020000000202"),
    )
    problems = _problems(response)
    assert "第 2 行 B 列" in problems
    assert "数字形式" in problems
    assert "第 4 行 B 列" in problems
    assert "重复" in problems
    assert not PaperCertificate.objects.exists()


def test_a_list_without_the_number_column_is_refused(paper: Paper) -> None:
    problems = _problems(
        _post(_client(paper), "list", _numbers_csv("2537010000000201", header="姓名"))
    )
    assert "ZSGLH" in problems
    assert "管理号" in problems
    assert not PaperDelivery.objects.exists()


def test_a_file_that_is_no_spreadsheet_is_refused(paper: Paper) -> None:
    upload = SimpleUploadedFile("清单.xlsx", b"%PDF-1.4 not a workbook")
    problems = _problems(_post(_client(paper), "list", upload))
    assert "清单.xlsx" in problems
    assert not PaperDelivery.objects.exists()


def test_a_list_source_needs_a_file(paper: Paper) -> None:
    response = _post(_client(paper), "list")
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def _records(
    rows: tuple[tuple[str, str, str | None, str], ...], level: str = "一级"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "202611-证书记录.csv",
        _csv(rows, level, "建筑工程", SD_APPROVED, {}),
        content_type="text/csv",
    )


NEW_ROWS = (
    ("2537010000000211", "陈昊", sd_id(211), "济南市"),
    ("2537020000000212", "林芳", sd_id(212), "青岛市"),
)


def test_the_records_file_is_loaded_and_its_certificates_arrive(paper: Paper) -> None:
    response = _post(_client(paper), "records", _records(NEW_ROWS))
    assert response.status_code == 302, response.context and response.context.get("problems")
    delivery = PaperDelivery.objects.get()
    assert delivery.size == 2
    units = dict(PaperCertificate.objects.values_list("credential__management_number", "unit__key"))
    assert units == {"2537010000000211": "sd-jinan", "2537020000000212": "sd-qingdao"}
    assert PassListImport.objects.filter(form=CredentialForm.PAPER, state="completed").count() == 3


def test_a_bad_row_in_the_records_file_stores_nothing(paper: Paper) -> None:
    bad = (*NEW_ROWS, ("2537010000000213", "", sd_id(213), "济南市"))
    before = Credential.objects.count()
    problems = _problems(_post(_client(paper), "records", _records(bad)))
    assert "202611-证书记录.csv" in problems
    assert "第 4 行" in problems
    assert Credential.objects.count() == before
    assert not PaperDelivery.objects.exists()


def test_records_of_another_level_are_rolled_back_with_the_delivery(paper: Paper) -> None:
    before = Credential.objects.count()
    imports = PassListImport.objects.count()
    problems = _problems(_post(_client(paper), "records", _records(NEW_ROWS, level="二级")))
    assert "第 2 行" in problems
    assert "2537010000000211" in problems
    assert Credential.objects.count() == before
    assert PassListImport.objects.count() == imports
    assert not PaperDelivery.objects.exists()


def test_the_delivery_list_shows_what_arrived(paper: Paper) -> None:
    client = _client(paper)
    _post(client, "all")
    page = client.get(reverse("backoffice:paper_delivery_list")).content.decode()
    assert "一级建造师" in page or paper.sd.name in page
    assert "新版证书" in page
    assert "2026-11-02" in page


def test_an_arrival_in_the_future_is_refused(paper: Paper) -> None:
    future = date.today().replace(year=date.today().year + 1).isoformat()
    problems = _problems(_post(_client(paper), "all", arrived_on=future))
    assert "到达日期" in problems
    assert not PaperDelivery.objects.exists()


def test_henan_exam_centre_sees_only_its_deliveries(paper: Paper, world: World) -> None:
    _post(_client(paper), "all")
    page = _client(paper, "ha_centre_clerk").get(reverse("backoffice:paper_delivery_list"))
    assert list(page.context["rows"]) == []
    reference = PaperDelivery.objects.get().reference
    assert (
        _client(paper, "ha_centre_clerk")
        .get(reverse("backoffice:paper_delivery_detail", args=[reference]))
        .status_code
        == 404
    )
