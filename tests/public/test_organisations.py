"""Employer organisations: they register, their city bureau approves them, they verify lists."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from ecert.audit.models import AuditEvent
from ecert.core.errors import EcertError
from ecert.core.formats.verification_list import read_verification_list
from ecert.core.rules import roles
from ecert.core.rules.roles import Role
from ecert.credentials.models import Credential
from ecert.credentials.services import holder_id_number
from ecert.verification import organisations
from ecert.verification.models import Organisation, VerificationEvent
from ecert.verification.organisations import (
    Registration,
    organisation_decide,
    organisation_register,
)
from tests.conftest import World
from tests.error_codes import codes_raised
from tests.portal.signed import signed_proof
from tests.public.conftest import qr_of

CODE = "91370200MA3C5GXX4W"


def _registration(world: World, **changes: Any) -> Registration:
    fields: dict[str, Any] = {
        "name": "青岛某设计院",
        "credit_code": CODE,
        "city": world.authorities["sd-qingdao"],
        "contact_name": "王工",
        "contact_phone": "0532-80000000",
        "username": "qd-design",
        "password": "a-long-organisation-password",
    }
    return Registration(**{**fields, **changes})


def test_a_registered_organisation_waits_for_its_city(world: World) -> None:
    organisation = organisation_register(registration=_registration(world), now=timezone.now())

    assert organisation.state == "pending"
    assert Role.EMPLOYER_VERIFIER not in organisation.account.roles()
    assert AuditEvent.objects.filter(action="organisation.registered").count() == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"credit_code": "91370200MA3C5GXX4X"}, "bad_credit_code"),
        ({"password": "12345678"}, "weak_password"),
        ({"username": "jinan_clerk"}, "username_taken"),
        ({"name": '=HYPERLINK("http://x","a")'}, "formula"),
        ({"name": "@SUM(1)"}, "formula"),
        ({"contact_name": "+SUM(1,2)"}, "formula"),
        ({"name": "青岛\x85某设计院"}, "bad_character"),
    ],
)
def test_a_bad_registration_is_refused_and_changes_nothing(
    world: World, changes: dict[str, Any], code: str
) -> None:
    with pytest.raises(EcertError) as refused:
        organisation_register(registration=_registration(world, **changes), now=timezone.now())

    assert refused.value.code == code
    assert not Organisation.objects.exists()


def test_the_city_approves_and_only_the_city_sees_it(world: World) -> None:
    organisation = organisation_register(registration=_registration(world), now=timezone.now())

    with pytest.raises(EcertError):
        organisation_decide(
            actor=world.user("jinan_clerk"),
            organisation=organisation,
            approve=True,
            note="",
            now=timezone.now(),
        )
    approved = organisation_decide(
        actor=world.user("qingdao_clerk"),
        organisation=organisation,
        approve=True,
        note="",
        now=timezone.now(),
    )

    assert approved.state == "approved"
    assert Role.EMPLOYER_VERIFIER in approved.account.roles()


def test_suspension_takes_the_role_away_and_needs_a_reason(world: World) -> None:
    organisation = organisation_register(registration=_registration(world), now=timezone.now())
    clerk = world.user("qingdao_clerk")
    organisation_decide(
        actor=clerk, organisation=organisation, approve=True, note="", now=timezone.now()
    )

    with pytest.raises(EcertError):
        organisation_decide(
            actor=clerk, organisation=organisation, approve=False, note=" ", now=timezone.now()
        )
    suspended = organisation_decide(
        actor=clerk, organisation=organisation, approve=False, note="冒用", now=timezone.now()
    )

    assert suspended.state == "suspended"
    assert (
        Role.EMPLOYER_VERIFIER
        not in type(suspended.account).objects.get(pk=suspended.account.pk).roles()
    )


def test_registering_through_the_page_signs_the_organisation_in(
    world: World, client: Client, own_storage: Any
) -> None:
    response = client.post(
        reverse("verify:org_register"),
        {
            "name": "青岛某设计院",
            "credit_code": CODE,
            "city": world.authorities["sd-qingdao"].pk,
            "contact_name": "王工",
            "contact_phone": "0532-80000000",
            "username": "qd-design",
            "password": "a-long-organisation-password",
        },
    )
    home = client.get(reverse("verify:org_home"))

    assert response["Location"] == reverse("verify:org_home")
    assert 'data-state="pending"' in home.content.decode()


def test_a_list_comes_back_with_a_verdict_per_row(
    world: World,
    client: Client,
    issuing_keys: Any,
    own_storage: Any,
    employer_organisation: Organisation,
    tmp_path: Path,
) -> None:
    proof = signed_proof(world, "jinan", "2025370100001234")
    id_number = holder_id_number(proof.holder)
    listing = (
        "姓名,证件号码,证书编号\r\n"
        f"张堃,{id_number},2025370100001234\r\n"
        f"张堃,{id_number},2025370100009999\r\n"
        "=HYPERLINK(1),,\r\n"
    ).encode()
    client.force_login(world.users["employer"])

    response = client.post(reverse("verify:org_list"), {"file": _upload("名单.csv", listing)})

    assert response.status_code == 200
    rows = (
        CalamineWorkbook.from_filelike(BytesIO(response.content)).get_sheet_by_index(0).to_python()
    )
    assert [row[5] for row in rows[1:]] == [
        "真实有效",
        "查无此证（信息不符）",
        "信息不全：须有姓名、证件号码和证书编号",
    ]
    assert rows[3][1] == "'=HYPERLINK(1)"  # never a formula
    assert VerificationEvent.objects.filter(organisation=employer_organisation).count() == 2
    assert Credential.objects.get(pk=proof.pk).status == "valid"


def test_a_list_without_the_columns_is_refused_with_where(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name,number\n张堃,1\n", encoding="utf-8")

    with pytest.raises(EcertError) as refused:
        read_verification_list(path, display_name="名单.csv")

    assert "名单.csv" in refused.value.zh
    assert "第 1 行" in refused.value.zh
    assert "KSXM" in refused.value.en


def _upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_an_organisation_verifies_one_certificate_by_qr_text_until_its_quota(
    world: World,
    client: Client,
    issuing_keys: Any,
    own_storage: Any,
    employer_organisation: Organisation,
) -> None:
    proof = signed_proof(world, "jinan", "2025370100001234")
    Organisation.objects.filter(pk=employer_organisation.pk).update(daily_quota=1)
    client.force_login(world.users["employer"])
    url = reverse("verify:org_verify")

    first = client.post(url, {"text": qr_of(proof)})
    second = client.post(url, {"text": qr_of(proof)})

    assert 'data-verdict="valid"' in first.content.decode()
    assert second.status_code == 429
    event = VerificationEvent.objects.get()
    assert (event.organisation_id, event.channel) == (employer_organisation.pk, "qr")


def test_the_city_clerk_approves_in_the_back_office(world: World, client: Client) -> None:
    organisation = organisation_register(registration=_registration(world), now=timezone.now())
    client.force_login(world.users["qingdao_clerk"])
    url = reverse("backoffice:organisation_detail", args=[organisation.reference])

    listed = client.get(reverse("backoffice:organisation_list"))
    refused_without_note = client.post(url, {"decision": "refuse", "note": ""})
    state_after_refusal = Organisation.objects.get(pk=organisation.pk).state
    approved = client.post(url, {"decision": "approve"})

    assert organisation.name in listed.content.decode()
    assert (refused_without_note.status_code, state_after_refusal) == (200, "pending")
    assert approved["Location"] == url
    assert Organisation.objects.get(pk=organisation.pk).state == "approved"


def test_the_decision_page_answers_organisation_refusals_and_no_role_error() -> None:
    assert not codes_raised(roles) & organisations.REFUSALS
