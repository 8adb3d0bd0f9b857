"""Importing pass lists through the service: what is issued, what is refused, and what is left."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from python_calamine import CalamineWorkbook

from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.batches import credential_digest, load_batch
from ecert.core.formats.claims import IdTypeCode, KindCode, claims_from_cbor
from ecert.core.formats.identifiers import parse_identifier
from ecert.core.formats.merkle import merkle_root
from ecert.core.formats.trust_list import load_trust_list
from ecert.core.formats.verify import Verdict, load_status_list, verify_credential
from ecert.core.rules.kinds import CredentialKind
from ecert.core.rules.roles import Perm
from ecert.credentials.models import Credential, Holder, IssuanceBatch, StatusIndexCounter
from ecert.credentials.services import Correction, credential_correct
from ecert.credentials.status_lists import status_lists_publish
from ecert.issuance.importer import stored_path
from ecert.issuance.models import ImportState, PassListImport
from ecert.issuance.services import passlist_import_create, passlist_import_run
from ecert.signing.models import RootCertificate
from ecert.signing.services import trust_list_publish
from tests.conftest import World
from tests.passlist_files import (
    CHINESE_HEADER,
    Passer,
    make_passers,
    write_csv,
    write_xls,
    write_xlsx,
)
from tests.spreadsheet_bombs import bomb

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
Encoding = Literal["utf-8", "utf-8-sig", "gb18030"]
pytestmark = pytest.mark.usefixtures("issuing_keys")


def _import(
    path: Path,
    *,
    exam: str = "constructor",
    authority: str = "sd-pta",
    kind: CredentialKind | None = None,
    accept_valid: bool = False,
) -> PassListImport:
    job = passlist_import_create(
        actor=None,
        authority=Authority.objects.get(key=authority),
        qualification=Qualification.objects.get(key=exam),
        file_name=path.name,
        chunks=[path.read_bytes()],
        requested_kind=kind,
        accept_valid=accept_valid,
    )
    return passlist_import_run(import_id=job.pk, now=NOW)


def _error_rows(job: PassListImport) -> list[list[Any]]:
    book = CalamineWorkbook.from_path(str(stored_path(job.error_workbook)))
    return book.get_sheet_by_index(0).to_python()[1:]


def _stored() -> tuple[int, int, int, int]:
    counter = StatusIndexCounter.objects.filter(pk=1).first()
    return (
        Holder.objects.count(),
        Credential.objects.count(),
        IssuanceBatch.objects.count(),
        counter.next_index if counter else 0,
    )


def test_a_valid_list_issues_one_signed_exam_proof_per_passer(tmp_path: Path) -> None:
    passers = make_passers(25, seed=1)
    path = tmp_path / "一级建造师合格名单.xlsx"
    write_xlsx(path, passers)

    job = _import(path)

    assert (job.state, job.rows_read, job.issued, job.rows_invalid) == ("completed", 25, 25, 0)
    credentials = list(Credential.objects.select_related("holder").order_by("batch_position"))
    assert {c.kind for c in credentials} == {CredentialKind.EXAM_PROOF}
    assert {c.template for c in credentials} == {"shandong-exam-proof"}
    assert {c.issuing_authority.key for c in credentials} == {"sd-hrss"}
    by_number = {c.management_number: c for c in credentials}
    for passer in passers:
        stored = by_number[passer.management_number]
        assert stored.holder.name == passer.name
        assert (stored.level, stored.specialty) == (passer.level, passer.specialty)
        assert stored.approval_date == passer.approval_date
        assert stored.registration_authority is not None
        assert stored.registration_authority.name.startswith(passer.city)


def test_issued_credentials_verify_offline_and_their_batch_root_is_signed(tmp_path: Path) -> None:
    # 2,500 rows: a full chunk signed in the forked worker, the rest in the importer's process.
    passers = make_passers(2500, seed=2)
    path = tmp_path / "list.csv"
    write_csv(path, passers)
    _import(path)

    publication = trust_list_publish(actor=None, now=NOW)
    root = RootCertificate.objects.get(active=True)
    trust_list = load_trust_list(
        bytes(publication.document), root_certificate=bytes(root.certificate)
    )
    status_lists = {
        p.list_number: load_status_list(bytes(p.document), trust_list)
        for p in status_lists_publish(
            actor=None, authority=Authority.objects.get(key="sd-hrss"), now=NOW
        )
    }
    credentials = list(Credential.objects.order_by("batch_position"))
    payloads = []
    for credential in credentials:
        signed = bytes(credential.signed or b"")
        result = verify_credential(
            signed, trust_list=trust_list, now=NOW, status_lists=status_lists
        )
        assert result.verdict is Verdict.VALID, result.checks
        claims = claims_from_cbor(cose.decode_sign1(signed).payload)
        assert claims.kind is KindCode.EXAM_PROOF
        assert claims.id_type is IdTypeCode.RESIDENT
        assert claims.status_index == credential.status_index
        assert claims.exam_year == credential.approval_date.year
        identifier = parse_identifier(credential.licence_identifier or "")
        assert int(identifier.serial) == credential.status_index
        payloads.append(cose.decode_sign1(signed).payload)

    (batch,) = IssuanceBatch.objects.all()
    statement = load_batch(bytes(batch.statement or b""), trust_list)
    assert statement.size == len(credentials) == batch.size == 2500
    assert [c.batch_position for c in credentials] == list(range(2500))
    assert statement.root == bytes(batch.merkle_root or b"")
    assert statement.root == merkle_root([credential_digest(p) for p in payloads])


def test_importing_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    write_xlsx(path, make_passers(30, seed=3))
    _import(path)
    before = _stored()

    again = _import(path)

    assert (again.state, again.issued, again.already_issued) == ("completed", 0, 30)
    assert _stored() == before
    assert again.batches.count() == 0


def test_a_corrected_full_file_issues_only_the_rows_not_yet_issued(tmp_path: Path) -> None:
    passers = make_passers(10, seed=4)
    first = tmp_path / "first.csv"
    write_csv(first, passers[:6])
    _import(first)

    full = tmp_path / "full.csv"
    write_csv(full, passers)
    job = _import(full)

    assert (job.issued, job.already_issued) == (4, 6)
    assert Credential.objects.count() == 10


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_with_a_chinese_header(tmp_path: Path, encoding: Encoding) -> None:
    passers = make_passers(8, seed=5, rare_every=2)
    path = tmp_path / "list.csv"
    write_csv(path, passers, header=CHINESE_HEADER, encoding=encoding)

    job = _import(path)

    assert (job.state, job.issued) == ("completed", 8)
    names = set(Holder.objects.values_list("name", flat=True))
    assert names == {p.name for p in passers}
    assert any("𠮷" in n or "堃" in n or "喆" in n for n in names)


def test_xls_with_date_cells(tmp_path: Path) -> None:
    passers = make_passers(6, seed=6)
    path = tmp_path / "list.xls"
    write_xls(path, passers)

    job = _import(path)

    assert (job.state, job.issued) == ("completed", 6)
    assert set(Credential.objects.values_list("approval_date", flat=True)) == {
        passers[0].approval_date
    }


def test_any_bad_row_rejects_the_whole_file_and_lists_every_bad_row(tmp_path: Path) -> None:
    passers = make_passers(20, seed=7)
    passers[4] = dataclasses.replace(passers[4], specialty="宇航工程")
    passers[9] = passers[2]  # the same row twice
    path = tmp_path / "list.xlsx"
    write_xlsx(path, passers, numeric_id_rows={6})
    before = _stored()

    job = _import(path)

    assert job.state == ImportState.REJECTED
    assert (job.rows_read, job.rows_invalid, job.issued) == (20, 3, 0)
    assert _stored() == before  # no holder, credential, batch or status index kept
    rows = _error_rows(job)
    by_row = {int(r[0]): r for r in rows}
    assert set(by_row) == {6, 8, 11}  # spreadsheet rows: header is row 1
    assert "宇航工程" in by_row[6][-2]
    assert "specialty" in by_row[6][-1]
    assert "G" in by_row[6][-2]  # BKZY is column G
    assert "数字" in by_row[8][-2]
    assert "C" in by_row[8][-2]
    assert "第 4 行" in by_row[11][-2]
    assert "row 4" in by_row[11][-1]
    assert "nothing was stored" in job.message


def test_accept_valid_issues_the_good_rows_and_sets_the_bad_ones_aside(tmp_path: Path) -> None:
    passers = make_passers(10, seed=8)
    passers[3] = dataclasses.replace(passers[3], level="三级")
    path = tmp_path / "list.xlsx"
    write_xlsx(path, passers)

    job = _import(path, accept_valid=True)

    assert (job.state, job.issued, job.rows_invalid) == ("partial", 9, 1)
    assert Credential.objects.count() == 9
    assert [int(r[0]) for r in _error_rows(job)] == [5]


def test_an_id_number_registered_under_another_name_is_refused(tmp_path: Path) -> None:
    passers = make_passers(3, seed=9)
    first = tmp_path / "first.csv"
    write_csv(first, passers)
    _import(first)
    renamed = [passers[0], dataclasses.replace(passers[1], name="王五"), passers[2]]
    second = tmp_path / "second.csv"
    later = [
        dataclasses.replace(p, approval_date=date(2025, 6, 30), management_number=f"2025{i:012d}")
        for i, p in enumerate(renamed)
    ]
    write_csv(second, later)

    job = _import(second)

    assert job.state == ImportState.REJECTED
    (row,) = _error_rows(job)
    assert int(row[0]) == 3
    assert "another name" in row[-1]
    assert Credential.objects.count() == 3


def test_a_management_number_of_someone_else_is_refused(tmp_path: Path) -> None:
    passers = make_passers(4, seed=10)
    first = tmp_path / "first.csv"
    write_csv(first, passers[:2])
    _import(first)
    stolen = dataclasses.replace(passers[2], management_number=passers[0].management_number)
    second = tmp_path / "second.csv"
    write_csv(second, [stolen, passers[3]])

    job = _import(second)

    assert job.state == ImportState.REJECTED
    (row,) = _error_rows(job)
    assert passers[0].management_number in row[-2]


def test_an_issued_credential_with_other_details_is_not_silently_skipped(tmp_path: Path) -> None:
    passers = make_passers(2, seed=11)
    first = tmp_path / "first.csv"
    write_csv(first, passers)
    _import(first)
    changed = [
        passers[0],
        dataclasses.replace(
            passers[1], specialty="机电工程" if passers[1].specialty != "机电工程" else "建筑工程"
        ),
    ]
    second = tmp_path / "second.csv"
    write_csv(second, changed)

    job = _import(second)

    assert job.state == ImportState.REJECTED
    (row,) = _error_rows(job)
    assert "专业" in row[-2]
    assert "correction" in row[-1]


def test_henan_second_level_constructors_get_the_provincial_certificate(tmp_path: Path) -> None:
    passers = _henan(make_passers(5, seed=12, level="二级"))
    path = tmp_path / "二级建造师.xlsx"
    write_xlsx(path, passers)

    job = _import(path, authority="ha-pta")

    assert (job.state, job.issued) == ("completed", 5)
    assert set(Credential.objects.values_list("kind", "template", "issuing_authority__key")) == {
        ("provincial_certificate", "henan-provincial-certificate", "ha-hrss")
    }


def test_henan_first_level_gets_the_henan_exam_proof_or_on_request_the_national_certificate(
    tmp_path: Path,
) -> None:
    passers = _henan(make_passers(4, seed=13, level="一级"))
    path = tmp_path / "一级建造师.xlsx"
    write_xlsx(path, passers)

    _import(path, authority="ha-pta")
    national = _import(path, authority="ha-pta", kind=CredentialKind.NATIONAL_CERTIFICATE)

    assert national.issued == 4
    assert set(Credential.objects.values_list("kind", "template", "issuing_authority__key")) == {
        ("exam_proof", "henan-exam-proof", "ha-hrss"),
        ("national_certificate", "national-style-1", "mohrss"),
    }


def test_a_kind_the_catalogue_does_not_issue_for_the_level_fails_its_rows(tmp_path: Path) -> None:
    passers = _henan(make_passers(3, seed=14, level="二级"))
    path = tmp_path / "list.xlsx"
    write_xlsx(path, passers)

    job = _import(path, authority="ha-pta", kind=CredentialKind.NATIONAL_CERTIFICATE)

    assert job.state == ImportState.REJECTED
    assert all("national electronic certificate" in r[-1] for r in _error_rows(job))


def test_a_file_without_the_required_columns_fails_with_nothing_stored(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("姓名,证件号码\n张三,370102199001011234\n", encoding="utf-8")

    job = _import(path)

    assert job.state == ImportState.FAILED
    assert "ZSGLH" in job.message or "管理号" in job.message
    assert _stored() == (0, 0, 0, 0)


def test_an_unreadable_file_fails_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")

    job = _import(path)

    assert job.state == ImportState.FAILED
    assert "list.xlsx" in job.message


def test_a_shared_strings_bomb_fails_the_import_with_where_and_what_was_exceeded(
    tmp_path: Path,
) -> None:
    """The issue's 10 MB file of 4 GiB shared strings: the import used to abort, left running."""
    job = _import(bomb(tmp_path / "bomb.xlsx", 4096))

    assert job.state == ImportState.FAILED
    assert job.finished_at is not None
    assert "bomb.xlsx" in job.message
    assert "xl/sharedStrings.xml" in job.message
    assert "100 倍" in job.message
    assert _stored() == (0, 0, 0, 0)


def test_the_configured_shared_strings_limit_applies_to_an_import(
    tmp_path: Path, settings: Any
) -> None:
    settings.ECERT_SPREADSHEET_MAX_SHARED_STRINGS = 4 * 2**20
    job = _import(bomb(tmp_path / "bomb.xlsx", 8))
    assert job.state == ImportState.FAILED
    assert "超过上限 4 MiB" in job.message


HOSTILE_NAMES = ('=HYPERLINK("http://x","a")', "=cmd|'/c calc'!A1", "+SUM(1,2)", "@SUM(1)")


@pytest.mark.parametrize("writer", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_formula_looking_names_refuse_the_whole_list_and_nothing_is_signed(
    tmp_path: Path, writer: Any
) -> None:
    """These names were once signed onto credentials."""
    passers = make_passers(7, seed=61)
    for index, name in enumerate(HOSTILE_NAMES):
        passers[index] = dataclasses.replace(passers[index], name=name)
    passers[4] = dataclasses.replace(passers[4], name="张\x85三")  # a C1 control character
    path = writer(tmp_path / ("list.csv" if writer is write_csv else "list.xlsx"), passers)

    job = _import(path)

    assert (job.state, job.rows_invalid, job.issued) == (ImportState.REJECTED, 5, 0)
    assert _stored() == (0, 0, 0, 0)
    by_row = {int(r[0]): r for r in _error_rows(job)}
    assert set(by_row) == {2, 3, 4, 5, 6}
    for row in (2, 3, 4, 5):
        assert by_row[row][-2].startswith("B 列（姓名")  # KSXM, Chinese first
        assert "电子表格公式" in by_row[row][-2]
        assert "spreadsheet formula" in by_row[row][-1]
    assert "控制字符" in by_row[6][-2]


def test_a_correction_to_a_formula_looking_name_is_refused(world: World, tmp_path: Path) -> None:
    job = _import(write_csv(tmp_path / "list.csv", make_passers(1, seed=62)))
    credential = Credential.objects.get(batch__source_id=job.pk)
    before = Credential.objects.count()
    for name in HOSTILE_NAMES:
        with pytest.raises(EcertError) as refused:
            credential_correct(
                actor=world.user("province_admin"),
                credential=credential,
                correction=Correction(name=name),
                reason="姓名录入错误",
                now=NOW,
            )
        assert (refused.value.code, refused.value.field) == ("formula", "name")
        assert refused.value.zh.startswith("姓名不能以")
    assert Credential.objects.count() == before


def _henan(passers: Sequence[Passer]) -> list[Passer]:
    """Henan cities for the rows (the importing province decides which cities exist)."""
    cities = ["郑州市", "洛阳市", "开封市"]
    return [dataclasses.replace(p, city=cities[i % 3]) for i, p in enumerate(passers)]


def test_the_exam_centre_manages_what_it_imported_and_a_city_its_registrants(
    world: World, tmp_path: Path
) -> None:
    passers = make_passers(8, seed=15)  # cities cycle 济南 青岛 淄博 聊城
    path = tmp_path / "list.csv"
    write_csv(path, passers)
    _import(path)
    imported = Credential.objects.filter(batch__source__isnull=False)

    centre = imported.visible_to(world.user("exam_centre_clerk"), Perm.MANAGE_CREDENTIAL)
    qingdao = imported.visible_to(world.user("qingdao_clerk"), Perm.VIEW_CREDENTIAL)

    assert centre.count() == 8  # signed by 山东省人社厅, imported by 山东省人事考试中心
    assert {c.registration_authority.key for c in qingdao if c.registration_authority} == {
        "sd-qingdao"
    }
    assert qingdao.count() == sum(p.city == "青岛市" for p in passers)


@pytest.mark.parametrize("name", ["passlist-example.xlsx", "passlist-example.csv"])
def test_the_example_files_in_the_documentation_import_cleanly(name: str) -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / name

    job = _import(example)

    assert (job.state, job.issued, job.rows_invalid) == ("completed", 10, 0)


def test_a_name_too_long_for_the_certificate_is_refused(tmp_path: Path) -> None:
    passers = make_passers(3, seed=16)
    passers[1] = dataclasses.replace(passers[1], name="张" * 41)
    path = tmp_path / "list.csv"
    write_csv(path, passers)

    job = _import(path)

    assert job.state == ImportState.REJECTED
    (row,) = _error_rows(job)
    assert "40" in row[-1]
    assert "column B (name, KSXM)" in row[-1]


def test_a_name_no_certificate_font_draws_is_refused_before_anything_is_issued(
    tmp_path: Path,
) -> None:
    passers = make_passers(3, seed=17)
    passers[2] = dataclasses.replace(
        passers[2], name="张\U00030000"
    )  # Extension G: in Unicode, not in our fonts
    path = tmp_path / "list.csv"
    write_csv(path, passers)

    job = _import(path)

    assert job.state == ImportState.REJECTED
    assert not Credential.objects.exists()
    (row,) = _error_rows(job)
    assert "U+30000" in row[-1]
    assert "没有可用字体" in row[-2]
    assert "no certificate font draws" in row[-1]


def test_a_row_whose_qr_code_would_not_fit_is_refused_and_left_out_of_the_batch(
    tmp_path: Path,
) -> None:
    passers = make_passers(5, seed=17)
    passers[2] = dataclasses.replace(passers[2], name="𠮷" * 40)  # 160 bytes of GB 18030
    path = tmp_path / "list.csv"
    write_csv(path, passers)

    job = _import(path, accept_valid=True)

    assert (job.state, job.issued, job.rows_invalid) == ("partial", 4, 1)
    (row,) = _error_rows(job)
    assert int(row[0]) == 4
    assert "QR code" in row[-1]
    (batch,) = IssuanceBatch.objects.all()
    assert batch.size == 4
    positions = Credential.objects.order_by("batch_position").values_list(
        "batch_position", flat=True
    )
    assert list(positions) == [0, 1, 2, 3]
