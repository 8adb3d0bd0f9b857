"""Recording approved titles and numbering their certificates (seed 003 第五条, 第六条)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ecert.audit.models import AuditEvent
from ecert.authorities.models import Authority
from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.claims import claims_from_cbor
from ecert.core.rules.kinds import CredentialForm, CredentialKind
from ecert.core.rules.roles import Perm
from ecert.core.rules.titles import parse_title_number
from ecert.credentials.models import Credential
from ecert.signing.models import SignerKey
from ecert.titles.certificates import title_certificate_issue
from ecert.titles.models import (
    SeriesLevel,
    TitleApproval,
    TitleCertificate,
    TitleNumberCounter,
    TitleScheme,
)
from ecert.titles.services import region_code_assign, title_approvals_import
from tests.conftest import World
from tests.titles.conftest import NOW, record


def issue(approval: TitleApproval) -> TitleCertificate:
    return title_certificate_issue(actor=None, approval=approval, now=NOW)


def test_first_certificate_of_liaocheng_teachers_is_numbered_as_the_notice_shows(
    title_keys: World,
) -> None:
    certificate = issue(record(title_keys, review_year=2018, approval_date=date(2018, 12, 20)))

    assert certificate.credential.management_number == "鲁181402001200001"
    assert certificate.number == "鲁181402001200001"
    assert (certificate.year, certificate.region_code) == (2018, "14020")
    assert (certificate.series_code, certificate.sequence) == ("012", 1)


def test_sequence_counts_within_year_authority_and_series(title_keys: World) -> None:
    first = issue(record(title_keys, seq=1))
    second = issue(record(title_keys, seq=2))
    other_series = issue(record(title_keys, seq=3, series_code="011"))
    other_year = issue(record(title_keys, seq=4, review_year=2024))
    other_body = issue(
        record(title_keys, "sd-hrss", seq=5, approval_document="鲁人社字〔2025〕7号")
    )

    assert [c.number for c in (first, second, other_series, other_year, other_body)] == [
        "鲁251402001200001",
        "鲁251402001200002",
        "鲁251402001100001",
        "鲁241402001200001",
        "鲁250000101200001",
    ]


def test_grassroots_number_carries_the_mark_on_the_certificate_and_in_the_signature(
    title_keys: World,
) -> None:
    certificate = issue(record(title_keys, grassroots=True))

    credential = Credential.objects.get(pk=certificate.credential_id)
    claims = claims_from_cbor(cose.decode_sign1(bytes(credential.signed)).payload)  # type: ignore[arg-type]
    assert credential.printed_number() == "鲁251402001200001（基层）"
    assert claims.number == "鲁251402001200001"
    assert claims.grassroots is True
    assert (claims.title, claims.series, claims.level) == ("高级教师", "中小学教师", "副高级")


def test_electronic_certificate_is_signed_with_a_verification_code_and_paper_has_none(
    title_keys: World,
) -> None:
    electronic = issue(record(title_keys, seq=1)).credential
    paper = issue(record(title_keys, seq=2, form=CredentialForm.PAPER)).credential

    assert electronic.kind == CredentialKind.TITLE_CERTIFICATE
    assert electronic.signed is not None
    assert len(electronic.verification_code) == 8
    assert not set(electronic.verification_code) & set("01OIL")
    assert (paper.form, paper.verification_code) == (CredentialForm.PAPER, "")
    assert paper.signed is not None  # its QR code is signed like an electronic one's


def test_approval_has_one_current_certificate(title_keys: World) -> None:
    approval = record(title_keys)
    issue(approval)

    with pytest.raises(EcertError, match="already has certificate 鲁251402001200001"):
        issue(approval)

    assert TitleCertificate.objects.count() == 1


def test_approver_without_a_region_code_cannot_number_and_takes_no_number(
    title_keys: World,
) -> None:
    approval = record(
        title_keys, "sd-jinan", actor="jinan_clerk", approval_document="济人社〔2025〕1号"
    )

    with pytest.raises(EcertError) as caught:
        issue(approval)

    assert "没有地区部门识别代码" in caught.value.zh
    assert not TitleCertificate.objects.exists()
    assert not TitleNumberCounter.objects.exists()


def test_failed_signature_gives_the_number_back(titles: World) -> None:
    # No key for the approving body: the certificate cannot be signed, so nothing of it stays, not
    # even its number.
    SignerKey.objects.filter(authority__key="sd-liaocheng").delete()
    with pytest.raises(EcertError, match="ecert keys init"):
        issue(record(titles, seq=1))

    assert not Credential.objects.filter(kind=CredentialKind.TITLE_CERTIFICATE).exists()
    counter = TitleNumberCounter.objects.filter(region_code="14020").first()
    assert counter is None or counter.last_sequence == 0


def test_number_decodes_back_to_the_approving_body_and_series(title_keys: World) -> None:
    certificate = issue(record(title_keys))

    number = parse_title_number(certificate.credential.management_number)
    assert Authority.objects.get(region_department_code=number.region_code).key == "sd-liaocheng"
    assert number.year == 2025
    assert number.series_code == certificate.approval.series_level.code


# ── Approval records ────────────────────────────────────────────────────────────────────────


def test_recorded_approval_belongs_to_its_approver_and_is_audited(titles: World) -> None:
    approval = record(titles)

    assert approval.approver.key == approval.manager.key == "sd-liaocheng"
    assert approval.series_level.name == "中小学教师高级"
    event = AuditEvent.objects.get(action="title.recorded")
    assert event.object_id == approval.reference
    assert "371502" not in str(event.data)  # the ID number is masked in the audit log


def test_same_person_title_and_document_recorded_twice_is_one_record(titles: World) -> None:
    first = record(titles)
    again = record(titles)

    assert again.pk == first.pk
    assert TitleApproval.objects.count() == 1


def test_city_department_intermediate_title_is_managed_by_the_city_bureau(titles: World) -> None:
    SeriesLevel.objects.create(
        scheme=TitleScheme.objects.get(mark="鲁"),
        code="013",
        series="中小学教师",
        level="intermediate",
        title="一级教师",
        name="中小学教师中级",
    )
    approval = record(titles, "sd-liaocheng-education", series_code="013")

    assert approval.approver.key == "sd-liaocheng-education"
    assert approval.manager.key == "sd-liaocheng"


def test_clerk_cannot_record_for_a_body_outside_their_city(titles: World) -> None:
    with pytest.raises(EcertError, match="no such authority"):
        record(titles, "sd-liaocheng", actor="jinan_clerk")

    assert not TitleApproval.objects.exists()


def test_county_sees_its_own_city_its_counties_province_everything(titles: World) -> None:
    county = record(titles, "sd-jinan-lixia", actor="county_clerk", seq=1)
    city = record(titles, "sd-jinan", actor="jinan_clerk", seq=2)
    liaocheng = record(titles, "sd-liaocheng", seq=3)

    def seen(user: str) -> set[str]:
        visible = TitleApproval.objects.visible_to(titles.user(user), Perm.MANAGE_TITLE)
        return set(visible.values_list("reference", flat=True))

    assert seen("county_clerk") == {county.reference}
    assert seen("jinan_clerk") == {county.reference, city.reference}
    assert seen("province_admin") == {county.reference, city.reference, liaocheng.reference}
    assert seen("qingdao_clerk") == set()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"series_code": "099"}, "series_code"),
        ({"review_year": 2026, "approval_date": date(2025, 12, 20)}, "review_year"),
        ({"approval_date": date(2027, 1, 5), "review_year": 2026}, "approval_date"),
        ({"approval_document": "  "}, "approval_document"),
    ],
)
def test_bad_record_is_refused_naming_the_field(
    titles: World, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(EcertError) as caught:
        record(titles, **changes)

    assert caught.value.field == field
    assert not TitleApproval.objects.exists()


# ── Region-department codes ─────────────────────────────────────────────────────────────────


def test_province_gives_a_city_its_code_and_the_city_its_county_one(titles: World) -> None:
    jinan = region_code_assign(
        actor=titles.user("province_admin"), authority=titles.authorities["sd-jinan"], code="01020"
    )
    county = region_code_assign(
        actor=titles.user("jinan_clerk"),
        authority=titles.authorities["sd-jinan-lixia"],
        code="01102",
    )

    assert (jinan.region_department_code, county.region_department_code) == ("01020", "01102")
    assert AuditEvent.objects.filter(action="authority.region_code_set").count() == 2


def test_county_code_must_keep_the_city_digits(titles: World) -> None:
    region_code_assign(
        actor=titles.user("province_admin"), authority=titles.authorities["sd-jinan"], code="01020"
    )

    with pytest.raises(EcertError) as caught:
        region_code_assign(
            actor=titles.user("jinan_clerk"),
            authority=titles.authorities["sd-jinan-lixia"],
            code="02102",
        )

    assert "“01”" in caught.value.zh
    assert Authority.objects.get(key="sd-jinan-lixia").region_department_code == ""


def test_city_cannot_set_its_own_code_nor_another_citys(titles: World) -> None:
    for key in ("sd-jinan", "sd-qingdao"):
        with pytest.raises(EcertError):
            region_code_assign(
                actor=titles.user("jinan_clerk"), authority=titles.authorities[key], code="01020"
            )

    assert Authority.objects.get(key="sd-jinan").region_department_code == ""


def test_county_code_waits_for_the_citys_own(titles: World) -> None:
    with pytest.raises(EcertError, match="the province sets it first"):
        region_code_assign(
            actor=titles.user("jinan_clerk"),
            authority=titles.authorities["sd-jinan-lixia"],
            code="01102",
        )


def test_code_in_use_is_refused(titles: World) -> None:
    with pytest.raises(EcertError, match="already sd-liaocheng's"):
        region_code_assign(
            actor=titles.user("province_admin"),
            authority=titles.authorities["sd-jinan"],
            code="14020",
        )


# ── Sheets ──────────────────────────────────────────────────────────────────────────────────

SHEET_HEADER = "姓名,证件号码,系列级别代码,评审年度,核准日期,批准文号,专业\n"


def _sheet(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "approvals.csv"
    path.write_text(SHEET_HEADER + "".join(rows), encoding="utf-8")
    return path


def _import(world: World, path: Path) -> list[TitleApproval]:
    return title_approvals_import(
        actor=world.user("province_admin"),
        approver=world.authorities["sd-liaocheng"],
        path=path,
        display_name="approvals.csv",
        now=NOW,
    )


def test_sheet_is_recorded_whole_and_a_second_import_adds_nothing(
    titles: World, tmp_path: Path
) -> None:
    path = _sheet(
        tmp_path,
        "欧阳𠮷喆,37150219790423662X,012,2025,2025-12-20,聊人社字〔2025〕100号,中学数学\n",
        "司马昇,371502198001010018,011,2025,2025-12-20,聊人社字〔2025〕100号,小学语文\n",
    )

    first = _import(titles, path)
    again = _import(titles, path)

    assert len(first) == 2
    assert [a.pk for a in again] == [a.pk for a in first]
    assert TitleApproval.objects.count() == 2


def test_row_the_rules_refuse_refuses_the_whole_sheet_naming_the_row(
    titles: World, tmp_path: Path
) -> None:
    path = _sheet(
        tmp_path,
        "欧阳𠮷喆,37150219790423662X,012,2025,2025-12-20,聊人社字〔2025〕100号,中学数学\n",
        "司马昇,371502198001010018,099,2025,2025-12-20,聊人社字〔2025〕100号,小学语文\n",
    )

    with pytest.raises(EcertError) as caught:
        _import(titles, path)

    assert "approvals.csv, row 3" in str(caught.value)
    assert caught.value.texts()[1].startswith("file approvals.csv, row 3: ")
    assert "099" in caught.value.zh
    assert not TitleApproval.objects.exists()
