"""The back-office title pages, driven as a clerk would: record, number, reissue, report, codes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ecert.authorities.models import Authority
from ecert.core.identity.idnumbers import parse_id_number
from ecert.core.rules.kinds import CredentialForm, CredentialStatus
from ecert.credentials.models import Credential
from ecert.credentials.services import holder_id_number
from ecert.documents.models import PrintFile
from ecert.documents.printing import print_file_run
from ecert.titles.certificates import title_certificate_issue
from ecert.titles.models import (
    SeriesLevel,
    TitleApproval,
    TitleCertificate,
    TitleNumberCounter,
    TitleScheme,
)
from ecert.titles.services import title_approval_record
from tests.conftest import PASSWORD, World
from tests.titles.conftest import NOW, facts, record, submit


def signed_in(client: Client, username: str) -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def test_clerk_records_an_approval_and_issues_its_certificate(
    client: Client, title_keys: World
) -> None:
    signed_in(client, "province_admin")
    series = title_keys.authorities["sd-hrss"].title_scheme.series.get(code="012")
    form = {
        "approver": "sd-liaocheng",
        "name": "欧阳𠮷喆",
        "id_number": "37150219790423662X",
        "series_level": series.pk,
        "specialty": "中学数学",
        "review_year": "2025",
        "approval_date": "2025-12-20",
        "approval_document": "聊人社字〔2025〕100号",
        "form": "electronic",
    }

    recorded = client.post(reverse("backoffice:title_new"), form)
    approval = TitleApproval.objects.get()
    issued = client.post(
        reverse("backoffice:title_detail", args=[approval.reference]),
        {"action": "issue"},
        follow=True,
    )

    assert recorded.status_code == 302
    assert 'data-testid="title-number">鲁251402001200001<' in issued.content.decode()


def test_bad_form_says_which_field_and_records_nothing(client: Client, titles: World) -> None:
    signed_in(client, "province_admin")
    series = titles.authorities["sd-hrss"].title_scheme.series.get(code="012")

    answer = client.post(
        reverse("backoffice:title_new"),
        {
            "approver": "sd-liaocheng",
            "name": "欧阳𠮷喆",
            "id_number": "371502197904236624",
            "series_level": series.pk,
            "review_year": "2026",
            "approval_date": "2025-12-20",
            "approval_document": "聊人社字〔2025〕100号",
            "form": "electronic",
        },
    )

    page = answer.content.decode()
    assert 'data-testid="error-id_number"' in page
    assert not TitleApproval.objects.exists()


def _henan_row() -> SeriesLevel:
    return SeriesLevel.objects.create(
        scheme=TitleScheme.objects.get(mark="豫"),
        code="011",
        series="卫生",
        level="intermediate",
        title="主治医师",
        name="卫生中级",
    )


@pytest.mark.parametrize(
    ("changes", "field", "said"),
    [
        ({"name": "张\u200b三"}, "name", "姓名无效"),
        ({"name": "欧" * 45}, "name", "姓名超过 40 个字符，无法写入证书"),
        ({"specialty": "数" * 40}, "specialty", "专业超过 32 个字符，无法写入证书"),
        ({"specialty": "数\x01学"}, "specialty", "专业含有控制字符或未分配字符"),
        ({"series_level": "henan"}, "series_level", "所选系列级别属于“豫”的代码表"),
    ],
)
def test_what_a_certificate_cannot_carry_is_refused_when_recorded(
    client: Client, titles: World, changes: dict[str, str], field: str, said: str
) -> None:
    signed_in(client, "province_admin")
    form = {
        "approver": "sd-liaocheng",
        "name": "欧阳𠮷喆",
        "id_number": "37150219790423662X",
        "series_level": titles.authorities["sd-hrss"].title_scheme.series.get(code="012").pk,
        "review_year": "2025",
        "approval_date": "2025-12-20",
        "approval_document": "聊人社字〔2025〕100号",
        "form": "electronic",
        **changes,
    }
    if form["series_level"] == "henan":
        form["series_level"] = _henan_row().pk

    answer = client.post(reverse("backoffice:title_new"), form)

    page = answer.content.decode()
    assert answer.status_code == 200
    assert f'data-testid="error-{field}"' in page
    assert said in page
    assert not TitleApproval.objects.exists()


def test_sheet_with_mistakes_lists_them_all_and_records_nothing(
    client: Client, titles: World
) -> None:
    signed_in(client, "province_admin")
    sheet = "姓名,证件号码,系列级别代码,评审年度,核准日期,批准文号\n张三,1,12,25,x,\n".encode()

    answer = client.post(
        reverse("backoffice:title_import"),
        {"approver": "sd-liaocheng", "file": SimpleUploadedFile("名单.csv", sheet)},
    )

    page = answer.content.decode()
    assert 'data-testid="sheet-problems"' in page
    assert "第 2 行 C 列（系列级别代码）" in page
    assert "第 2 行 F 列（批准文号）" in page
    assert not TitleApproval.objects.exists()


def test_paper_certificate_is_reissued_from_the_page(
    client: Client, title_keys: World, own_storage: Any
) -> None:
    approval = record(title_keys, form=CredentialForm.PAPER)
    old = title_certificate_issue(actor=None, approval=approval, now=NOW)
    signed_in(client, "province_admin")
    url = reverse("backoffice:title_detail", args=[approval.reference])

    client.post(
        url,
        {
            "action": "reissue",
            "certificate": old.pk,
            "pledge": SimpleUploadedFile("承诺书.pdf", b"%PDF-1.7 pledge"),
            "reviewing_unit": "聊城市东昌府区教育和体育局",
            "reviewed_on": "2026-11-18",
        },
    )
    too_big = client.post(
        url,
        {
            "action": "reissue",
            "certificate": old.pk,
            "pledge": SimpleUploadedFile("承诺书.pdf", b"%PDF-1.7" + b"0" * (10 * 2**20)),
            "reviewing_unit": "聊城市东昌府区教育和体育局",
            "reviewed_on": "2026-11-18",
        },
    ).content.decode()
    assert "文件超过 10 MB。" in too_big
    application = old.reissues.get()
    detail = client.get(url).content.decode()
    pledge_url = reverse("backoffice:title_pledge", args=[application.reference])
    assert pledge_url in detail
    pledge = client.get(pledge_url)
    assert pledge["Content-Type"] == "application/pdf"
    assert pledge["Content-Disposition"] == f'inline; filename="pledge-{application.reference}.pdf"'
    assert pledge.content == b"%PDF-1.7 pledge"
    page = client.post(
        url, {"action": "reissue-approve", "reissue": application.reference}, follow=True
    ).content.decode()

    assert Credential.objects.get(pk=old.credential_id).status == CredentialStatus.SUPERSEDED
    assert "鲁251402001200002" in page
    assert TitleCertificate.objects.count() == 2


def test_overdue_report_is_listed_for_the_province(client: Client, titles: World) -> None:
    SeriesLevel.objects.create(
        scheme=TitleScheme.objects.get(mark="鲁"),
        code="021",
        series="高等学校教师",
        level="senior_deputy",
        title="副教授",
        name="高等学校教师副高级",
    )
    approval = record(titles, "sd-sdu", actor="institution_clerk", series_code="021")
    TitleApproval.objects.filter(pk=approval.pk).update(formed_on=NOW.date() - timedelta(days=400))
    signed_in(client, "province_admin")

    page = client.get(reverse("backoffice:title_reports")).content.decode()

    assert "山东大学" in page
    assert 'data-testid="overdue"' in page


def test_city_sets_a_county_code_on_the_code_page(client: Client, titles: World) -> None:
    Authority.objects.filter(key="sd-jinan").update(region_department_code="01020")
    signed_in(client, "jinan_clerk")

    wrong = client.post(
        reverse("backoffice:title_codes"), {"authority": "sd-jinan-lixia", "code": "02101"}
    )
    right = client.post(
        reverse("backoffice:title_codes"), {"authority": "sd-jinan-lixia", "code": "01101"}
    )

    assert 'data-testid="error-code"' in wrong.content.decode()
    assert right.status_code == 302
    assert Authority.objects.get(key="sd-jinan-lixia").region_department_code == "01101"


def test_paper_certificate_goes_into_a_print_file(
    client: Client, title_keys: World, own_storage: Any
) -> None:
    approval = record(title_keys, form=CredentialForm.PAPER)
    certificate = title_certificate_issue(actor=None, approval=approval, now=NOW)
    signed_in(client, "province_admin")

    answer = client.post(
        reverse("backoffice:title_detail", args=[approval.reference]),
        {"action": "print", "certificate": certificate.pk},
    )

    job = PrintFile.objects.get()
    assert answer["Location"] == reverse("backoffice:print_file_detail", args=[job.reference])
    assert job.authority.key == "sd-liaocheng"
    assert job.credential_ids == [certificate.credential.public_id]
    assert print_file_run(job.pk).state == "completed"  # the title face prints


def test_holder_downloads_their_electronic_title_certificate(
    client: Client, title_keys: World, own_storage: Any
) -> None:
    mine = title_keys.credentials["jinan"].holder  # the holder account's own person
    approval = title_approval_record(
        actor=title_keys.user("province_admin"),
        approver=title_keys.authorities["sd-liaocheng"],
        facts=replace(facts(), name=mine.name, id_number=parse_id_number(holder_id_number(mine))),
        now=NOW,
    )
    certificate = title_certificate_issue(actor=None, approval=approval, now=NOW)
    client.force_login(title_keys.users["holder"])

    listed = client.get(reverse("portal:credential_list")).content.decode()
    download = client.get(
        reverse("portal:credential_download", args=[certificate.credential.public_id])
    )

    assert "鲁251402001200001" in listed
    assert "中小学教师 高级教师" in listed
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]


def _holders_paper_title(world: World) -> TitleCertificate:
    mine = world.credentials["jinan"].holder
    approval = title_approval_record(
        actor=world.user("province_admin"),
        approver=world.authorities["sd-liaocheng"],
        facts=replace(
            facts(),
            name=mine.name,
            id_number=parse_id_number(holder_id_number(mine)),
            form=CredentialForm.PAPER,
            grassroots=True,
        ),
        now=NOW,
    )
    return title_certificate_issue(actor=None, approval=approval, now=NOW)


def test_holder_of_a_lost_paper_title_is_told_how_to_replace_it(
    client: Client, title_keys: World
) -> None:
    certificate = _holders_paper_title(title_keys)
    client.force_login(title_keys.users["holder"])
    url = reverse("portal:credential_detail", args=[certificate.credential.public_id])

    before = client.get(url).content.decode()
    submit(title_keys, certificate)
    after = client.get(url).content.decode()

    assert "鲁251402001200001（基层）" in before
    assert "职称证书遗失补办个人承诺书" in before
    assert "聊城市人力资源和社会保障局" in before
    assert 'data-testid="reissue-open"' not in before
    assert 'data-testid="reissue-open"' in after
    assert 'data-testid="reissue-steps"' not in after


def test_body_given_a_code_after_the_keys_were_made_is_told_to_get_a_key_first(
    client: Client, title_keys: World
) -> None:
    # Lixia gets its region code after `ecert keys init` ran, so it has no key yet.
    Authority.objects.filter(key="sd-jinan-lixia").update(region_department_code="01102")
    approval = record(title_keys, "sd-jinan-lixia", actor="county_clerk")
    signed_in(client, "county_clerk")

    page = client.post(
        reverse("backoffice:title_detail", args=[approval.reference]),
        {"action": "issue"},
        follow=True,
    )

    assert page.status_code == 200
    assert "ecert keys init" in page.content.decode()
    assert not TitleCertificate.objects.exists()
    assert not Credential.objects.filter(kind="title_certificate").exists()
    assert not TitleNumberCounter.objects.exists()  # the number taken is given back
