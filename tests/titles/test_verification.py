"""What the public sees of a title certificate: the verdict, the number read into its parts, and
the query by number (typed as people type it) or by verification code (seed 003 第五条, 第十一条)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from ecert.credentials.models import Credential
from ecert.credentials.services import holder_id_number
from ecert.titles.certificates import title_certificate_issue
from tests.conftest import World
from tests.public.conftest import payload_of
from tests.titles.conftest import NOW, record


def issued(world: World, **kwargs: Any) -> Credential:
    certificate = title_certificate_issue(actor=None, approval=record(world, **kwargs), now=NOW)
    return Credential.objects.get(pk=certificate.credential_id)


def test_landing_page_reads_the_number_into_year_body_series_and_sequence(
    client: Client, title_keys: World
) -> None:
    credential = issued(title_keys, grassroots=True)

    page = client.get(f"/V/{payload_of(credential)}").content.decode()

    assert 'data-verdict="valid"' in page
    assert "鲁251402001200001（基层）</code>" in page
    assert "（基层）（基层）" not in page
    reading = page[page.index('data-testid="number-reading"') :].split("</dd>", 1)[0]
    assert "2025 年度评审通过" in reading
    assert "聊城市人力资源和社会保障局核准公布（代码 14020）" in reading
    assert "中小学教师高级（系列级别代码 012）" in reading
    assert "该系列（专业）第 1 本证书" in reading
    assert "基层职称" in reading
    assert "中小学教师 高级教师" in page  # series and title, as signed


def test_query_finds_a_title_number_typed_with_spaces_and_ascii_brackets(
    client: Client, title_keys: World
) -> None:
    credential = issued(title_keys, grassroots=True)
    details = {"name": "欧阳𠮷喆", "id_number": holder_id_number(credential.holder)}

    typed = client.post(
        reverse("verify:query"), {**details, "number": "鲁 25 14020 012 00001(基层)"}
    )
    wrong = client.post(reverse("verify:query"), {**details, "number": "鲁251402001200002"})

    assert 'data-verdict="valid"' in typed.content.decode()
    assert 'data-verdict="not_found"' in wrong.content.decode()


def test_verification_code_finds_an_electronic_title_certificate(
    client: Client, title_keys: World
) -> None:
    credential = issued(title_keys)

    found = client.post(reverse("verify:query"), {"code": credential.verification_code.lower()})

    assert 'data-verdict="valid"' in found.content.decode()
    assert "鲁251402001200001" in found.content.decode()
