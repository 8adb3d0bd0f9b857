"""The certificate database of record (seed 001 二(一)2): records of paper certificates this system
did not issue, loaded from the 11 columns of seed 001 附件 with photos from a zip; found by the
online query, which says they are paper certificates on record and yields the query result file
of seed 001 三(一)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.cli.demo import RECORDS, demo_records, records_csv
from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.records import record_claims
from ecert.core.formats.verify import Verdict
from ecert.core.identity.idnumbers import Sex
from ecert.core.rules.kinds import CredentialForm, CredentialKind
from ecert.credentials.models import Credential, Holder, IssuanceBatch
from ecert.credentials.records import record_of
from ecert.documents.printing import print_file_create
from ecert.documents.selectors import printable_batch_get_for
from ecert.documents.services import document_original, document_path, query_result_document
from ecert.issuance.importer import stored_path
from ecert.issuance.models import PassListImport
from ecert.issuance.services import passlist_import_create, passlist_import_run
from ecert.verification.models import Channel
from ecert.verification.services import Asker, query_verify
from tests.core.idgen import make_resident_id
from tests.photos import id_photo

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
HEADER = ("ZSGLH", "KSXM", "ZJHM", "ZJLB", "XB", "BKJB", "BKZY", "CSNY", "PZRQ", "ZP", "BMS")
pytestmark = pytest.mark.usefixtures("issuing_keys", "own_storage")

OLD = make_resident_id(date(1970, 3, 4), Sex.MALE, region="370102", seq=11)
NEW = make_resident_id(date(1985, 7, 9), Sex.FEMALE, region="370202", seq=12)
ROWS = [
    # A paper certificate of 2008 with a specialty the current list no longer has.
    (
        "0837010000000011",
        "钱昇",
        OLD,
        "居民身份证",
        "男",
        "一级",
        "房屋建筑工程",
        "",
        "2008-09-26",
        "",
        "济南市",
    ),
    (
        "1837020000000012",
        "孙芸",
        NEW,
        "居民身份证",
        "女",
        "二级",
        "建筑工程",
        "",
        "2018-10-20",
        "",
        "青岛市",
    ),
    # A passport holder: sex and birth month come from the file, not from the number.
    (
        "1937010000000013",
        "ANNA LEE",
        "E12345678",
        "护照",
        "女",
        "一级",
        "机电工程",
        "1990-03",
        "2019-09-26",
        "",
        "济南市",
    ),
]


def _csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(
                f"202612-034-一级建造师(证书补换印制信息)数据(济南市)(3人)/{name}", data
            )
    return path


def _record(
    path: Path,
    *,
    exam: str = "constructor",
    photos: Path | None = None,
    accept_valid: bool = False,
) -> PassListImport:
    job = passlist_import_create(
        actor=None,
        authority=Authority.objects.get(key="sd-pta"),
        qualification=Qualification.objects.get(key=exam),
        file_name=path.name,
        chunks=[path.read_bytes()],
        accept_valid=accept_valid,
        form=CredentialForm.PAPER,
        photos=(photos.name, [photos.read_bytes()]) if photos is not None else None,
    )
    return passlist_import_run(import_id=job.pk, now=NOW)


def _error_rows(job: PassListImport) -> list[list[Any]]:
    book = CalamineWorkbook.from_path(str(stored_path(job.error_workbook)))
    return book.get_sheet_by_index(0).to_python()[1:]


def test_records_are_kept_as_signed_paper_certificates_of_the_exam_centre(tmp_path: Path) -> None:
    job = _record(_csv(tmp_path / "records.csv", ROWS))

    assert (job.state, job.issued, job.rows_invalid) == ("completed", 3, 0)
    records = {c.management_number: c for c in Credential.objects.select_related("holder")}
    assert {c.form for c in records.values()} == {CredentialForm.PAPER}
    assert {c.kind for c in records.values()} == {CredentialKind.NATIONAL_CERTIFICATE}
    assert {c.issuing_authority.key for c in records.values()} == {"sd-pta"}
    old = records["0837010000000011"]
    assert (old.specialty, old.approval_date, old.issue_date) == (
        "房屋建筑工程",
        date(2008, 9, 26),
        date(2008, 9, 26),
    )
    assert old.registration_authority is not None
    assert old.registration_authority.key == "sd-jinan"
    passport = records["1937010000000013"]
    assert (passport.holder_sex, passport.holder_birth_month) == ("female", "1990-03")
    for record in records.values():
        signed = cose.decode_sign1(bytes(record.signed or b"")).payload
        assert record_claims(record_of(record)).to_cbor() == signed


def test_the_same_records_twice_change_nothing(tmp_path: Path) -> None:
    path = _csv(tmp_path / "records.csv", ROWS)
    _record(path)
    stored = (Holder.objects.count(), Credential.objects.count())

    again = _record(path)

    assert (again.state, again.issued, again.already_issued) == ("completed", 0, 3)
    assert (Holder.objects.count(), Credential.objects.count()) == stored


def test_a_bad_row_stores_nothing_and_its_error_names_row_column_and_rule(tmp_path: Path) -> None:
    bad = list(ROWS)
    bad[1] = (*ROWS[1][:5], "三级", *ROWS[1][6:])

    job = _record(_csv(tmp_path / "records.csv", bad))

    assert (job.state, job.issued) == ("rejected", 0)
    assert not Credential.objects.exists()
    (row,) = _error_rows(job)
    assert row[-2].startswith("F 列（级别 BKJB）")
    assert "三级" in row[-2]


def test_the_operator_may_keep_the_valid_rows_and_set_the_bad_ones_aside(tmp_path: Path) -> None:
    bad = [
        *ROWS,
        (
            "2037010000000014",
            '=HYPERLINK("x")',
            OLD,
            "",
            "",
            "一级",
            "",
            "",
            "2020-09-26",
            "",
            "济南市",
        ),
    ]

    job = _record(_csv(tmp_path / "records.csv", bad), accept_valid=True)

    assert (job.state, job.issued, job.rows_invalid) == ("partial", 3, 1)
    (row,) = _error_rows(job)
    assert "电子表格公式" in row[-2]


def test_an_abolished_qualification_is_recorded_on_paper(tmp_path: Path) -> None:
    rows = [("0537010000000021", "周芷", OLD, "", "", "", "", "", "2005-05-20", "", "济南市")]

    job = _record(_csv(tmp_path / "records.csv", rows), exam="advertising")

    assert (job.state, job.issued) == ("completed", 1)


def test_photos_come_from_the_zip_by_the_zp_column_or_by_the_id_number(tmp_path: Path) -> None:
    rows = [(*ROWS[0][:9], "qian.jpg", ROWS[0][10]), ROWS[1]]
    photos = _zip(
        tmp_path / "photos.zip", {"qian.jpg": id_photo(kb=20), f"{NEW}.jpg": id_photo(kb=25)}
    )

    job = _record(_csv(tmp_path / "records.csv", rows), photos=photos)

    assert job.state == "completed"
    sizes = {h.name: len(bytes(h.photo_jpeg or b"")) for h in Holder.objects.all()}
    assert sizes == {"钱昇": 20 * 1024, "孙芸": 25 * 1024}


def test_a_photo_breaking_the_rules_is_refused_at_its_row_naming_the_rule(tmp_path: Path) -> None:
    rows = [(*ROWS[0][:9], "qian.jpg", ROWS[0][10])]
    photos = _zip(tmp_path / "photos.zip", {"qian.jpg": id_photo(kb=40)})

    job = _record(_csv(tmp_path / "records.csv", rows), photos=photos)

    assert job.state == "rejected"
    (row,) = _error_rows(job)
    assert "J 列（照片 ZP）" in row[-2]
    assert "10KB 至 30KB" in row[-2]


def test_a_photo_the_zip_lacks_is_refused_at_its_row(tmp_path: Path) -> None:
    rows = [(*ROWS[0][:9], "nobody.jpg", ROWS[0][10])]
    photos = _zip(tmp_path / "photos.zip", {"qian.jpg": id_photo(kb=20)})

    job = _record(_csv(tmp_path / "records.csv", rows), photos=photos)

    (row,) = _error_rows(job)
    assert "照片压缩包中没有“nobody.jpg”" in row[-2]


def test_a_file_that_is_not_a_zip_fails_the_import_and_stores_nothing(tmp_path: Path) -> None:
    photos = tmp_path / "photos.zip"
    photos.write_bytes(b"not a zip at all")

    job = _record(_csv(tmp_path / "records.csv", ROWS), photos=photos)

    assert job.state == "failed"
    assert "zip" in job.message
    assert not Credential.objects.exists()


def test_a_pass_list_kind_is_not_a_records_kind(tmp_path: Path) -> None:
    with pytest.raises(EcertError) as refused:
        passlist_import_create(
            actor=None,
            authority=Authority.objects.get(key="sd-pta"),
            qualification=Qualification.objects.get(key="constructor"),
            file_name="records.csv",
            chunks=[b"x"],
            requested_kind=CredentialKind.EXAM_PROOF,
            form=CredentialForm.PAPER,
        )
    assert refused.value.code == "kind_not_importable"


def test_the_online_query_finds_a_record_and_says_it_is_a_paper_certificate(
    tmp_path: Path,
) -> None:
    _record(_csv(tmp_path / "records.csv", ROWS))

    answer = query_verify(
        name="钱昇",
        id_number=OLD,
        number="0837010000000011",
        now=NOW,
        asker=Asker("127.0.0.1"),
        channel=Channel.QUERY,
    )

    assert answer is not None
    assert answer.verdict is Verdict.VALID
    assert answer.facts is not None
    assert answer.facts.paper
    assert answer.facts.kind_label()[0] == "纸质证书（证书数据库记录）"


def test_a_record_has_no_electronic_original_but_a_sealed_query_result(tmp_path: Path) -> None:
    _record(_csv(tmp_path / "records.csv", ROWS))
    record = Credential.objects.get(management_number="0837010000000011")

    with pytest.raises(EcertError) as refused:
        document_original(actor=None, credential=record, now=NOW)
    assert refused.value.code == "paper_record"

    document = query_result_document(credential=record, now=NOW)
    again = query_result_document(credential=record, now=NOW)
    assert again.pk == document.pk  # one a day
    text = "".join(_pdftotext(document_path(document)).split())
    assert "证书查询结果" in text
    assert "山东省人事考试中心提供查询结果" in text
    assert "不是证书" in text
    assert OLD not in text
    assert record.holder.id_number_masked in text
    assert "本查询结果有效期至2027年03月01日" in text  # valid for 90 days


def test_the_query_page_offers_the_file_and_sends_it_for_a_valid_record(
    client: Client, tmp_path: Path
) -> None:
    _record(_csv(tmp_path / "records.csv", ROWS))
    asked = {"name": "钱昇", "id_number": OLD, "number": "0837010000000011"}

    page = client.post(reverse("verify:query"), asked).content.decode()
    assert 'data-testid="query-result-form"' in page
    assert "纸质证书（证书数据库记录）" in page

    response = client.post(reverse("verify:query_result"), asked)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]


def test_no_query_result_for_a_wrong_query_or_an_electronic_certificate(
    client: Client, tmp_path: Path
) -> None:
    _record(_csv(tmp_path / "records.csv", ROWS))
    wrong = {"name": "钱昇", "id_number": OLD, "number": "0837010000000099"}

    response = client.post(reverse("verify:query_result"), wrong)

    assert response.status_code == 200
    assert 'data-testid="no-query-result"' in response.content.decode()


def _pdftotext(path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool is not None, "pdftotext is missing: apt-get install poppler-utils"
    done = subprocess.run(  # noqa: S603 - a fixed tool with a file argument
        [tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_records_are_never_printed_as_certificates_of_ours(world: Any, tmp_path: Path) -> None:
    job = _record(_csv(tmp_path / "records.csv", ROWS))
    batch = IssuanceBatch.objects.get(source=job)
    clerk = world.users["exam_centre_clerk"]

    with pytest.raises(EcertError) as refused:
        print_file_create(actor=clerk, authority=world.authorities["sd-pta"], batch=batch, now=NOW)

    assert refused.value.code == "empty"
    assert printable_batch_get_for(user=clerk, reference=batch.reference) is None


def test_the_import_page_says_paper_certificates_and_offers_no_print_file(
    world: Any, client: Client, tmp_path: Path
) -> None:
    job = _record(_csv(tmp_path / "records.csv", ROWS))
    client.force_login(world.users["exam_centre_clerk"])

    page = client.get(reverse("backoffice:import_detail", args=[job.reference])).content.decode()

    assert "专业技术人员职业资格证书（纸质）" in page
    assert "电子证书" not in page
    assert 'data-testid="print-batch"' not in page
    assert reverse("backoffice:records_new") in page


def test_the_example_records_file_is_the_demo_s_and_loads_once() -> None:
    example = Path(__file__).parents[2] / "docs" / "examples" / "records-example.csv"

    assert example.read_text(encoding="utf-8") == records_csv()
    assert demo_records(now=NOW) == len(RECORDS)
    assert demo_records(now=NOW) == 0
    assert Credential.objects.filter(form=CredentialForm.PAPER).count() == len(RECORDS)
