"""A credential's back-office page: suspend, reinstate or revoke it (reason and confirmation
required), correct it (the managing authority only), give its holder a photo; each in scope only,
and each shown at once by verification."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.audit.models import AuditEvent
from ecert.core.formats import cose
from ecert.core.formats.claims import claims_from_cbor
from ecert.core.formats.verify import Verdict
from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.models import Credential, CredentialCorrection, Holder
from ecert.credentials.services import holder_id_number
from ecert.signing.models import StatusListPublication
from ecert.verification.services import signed_answer
from tests.conftest import World
from tests.photos import id_photo, png_photo


def _page(client: Client, credential: Credential) -> str:
    return client.get(
        reverse("backoffice:credential_detail", args=[credential.public_id])
    ).content.decode()


def _status_url(credential: Credential) -> str:
    return reverse("backoffice:credential_status", args=[credential.public_id])


def test_revoking_asks_for_confirmation_first_and_changes_nothing_until_then(
    world: World, client: Client
) -> None:
    jinan = world.credentials["jinan"]
    client.force_login(world.users["jinan_clerk"])

    confirm = client.post(_status_url(jinan), {"status": "revoked", "reason": "证书系伪造"})

    page = confirm.content.decode()
    assert 'data-testid="final-warning"' in page
    assert "已撤销" in page
    assert Credential.objects.get(pk=jinan.pk).status == CredentialStatus.VALID


def test_a_confirmed_revocation_is_audited_and_verification_says_revoked_at_once(
    world: World, client: Client
) -> None:
    jinan = world.credentials["jinan"]
    client.force_login(world.users["jinan_clerk"])
    published = StatusListPublication.objects.count()

    done = client.post(
        _status_url(jinan), {"status": "revoked", "reason": "证书系伪造", "confirmed": "yes"}
    )

    assert done.status_code == 302
    assert Credential.objects.get(pk=jinan.pk).status == CredentialStatus.REVOKED
    event = AuditEvent.objects.get(action="credential.revoked")
    assert event.data["reason"] == "证书系伪造"
    assert StatusListPublication.objects.count() >= max(published, 1)  # signed again
    answer = signed_answer(bytes(jinan.signed or b""), now=timezone.now())
    assert answer.verdict is Verdict.REVOKED


def test_a_status_change_without_a_reason_is_refused(world: World, client: Client) -> None:
    jinan = world.credentials["jinan"]
    client.force_login(world.users["jinan_clerk"])

    page = client.post(
        _status_url(jinan), {"status": "suspended", "reason": "", "confirmed": "yes"}
    ).content.decode()

    assert "此字段是必填项" in page or "这个字段是必填项" in page
    assert Credential.objects.get(pk=jinan.pk).status == CredentialStatus.VALID


def test_only_the_changes_a_status_allows_are_offered(world: World, client: Client) -> None:
    jinan = world.credentials["jinan"]
    Credential.objects.filter(pk=jinan.pk).update(status=CredentialStatus.SUSPENDED)
    client.force_login(world.users["jinan_clerk"])

    page = client.get(_status_url(jinan)).content.decode()

    assert 'value="valid"' in page
    assert 'value="revoked"' in page
    assert 'value="suspended"' not in page


def test_a_clerk_of_another_city_cannot_change_it_and_learns_nothing(
    world: World, client: Client
) -> None:
    jinan = world.credentials["jinan"]
    client.force_login(world.users["qingdao_clerk"])

    response = client.post(
        _status_url(jinan), {"status": "revoked", "reason": "x", "confirmed": "yes"}
    )

    assert response.status_code == 404
    assert Credential.objects.get(pk=jinan.pk).status == CredentialStatus.VALID


def test_the_managing_authority_corrects_a_name_and_the_old_credential_names_the_new(
    world: World, client: Client
) -> None:
    jinan = world.credentials["jinan"]
    client.force_login(world.users["exam_centre_clerk"])
    evidence = SimpleUploadedFile("户籍证明.pdf", b"%PDF-1.4 scan", content_type="application/pdf")

    response = client.post(
        reverse("backoffice:credential_correct", args=[jinan.public_id]),
        {
            "name": "张堃坤",
            "id_type": jinan.holder.id_type,
            "reason": "户籍姓名变更",
            "evidence": evidence,
            "confirm": "on",
        },
    )

    assert response.status_code == 302
    new = Credential.objects.get(supersedes=jinan)
    assert response["Location"] == reverse("backoffice:credential_detail", args=[new.public_id])
    assert new.holder_name == "张堃坤"
    assert new.status_index != jinan.status_index
    assert claims_from_cbor(cose.decode_sign1(bytes(new.signed or b"")).payload).holder_name == (
        "张堃坤"
    )
    correction = CredentialCorrection.objects.get(corrected=jinan)
    assert (correction.changed, correction.reason, correction.evidence_type) == (
        ["name"],
        "户籍姓名变更",
        "application/pdf",
    )
    old = signed_answer(bytes(jinan.signed or b""), now=timezone.now())
    assert old.verdict is Verdict.SUPERSEDED
    assert old.replaced_by == new.management_number
    assert Holder.objects.get(pk=jinan.holder_id).name == "张堃坤"


def test_a_correction_that_changes_nothing_is_refused(world: World, client: Client) -> None:
    jinan = world.credentials["jinan"]
    client.force_login(world.users["exam_centre_clerk"])

    page = client.post(
        reverse("backoffice:credential_correct", args=[jinan.public_id]),
        {"name": jinan.holder_name, "reason": "核对", "confirm": "on"},
    ).content.decode()

    assert "更正内容与原证书相同" in page
    assert not Credential.objects.filter(supersedes=jinan).exists()


def test_a_correction_with_a_wrong_id_number_says_so_beside_the_field(
    world: World, client: Client
) -> None:
    jinan = world.credentials["jinan"]
    client.force_login(world.users["exam_centre_clerk"])

    page = client.post(
        reverse("backoffice:credential_correct", args=[jinan.public_id]),
        {
            "id_type": "resident_id",
            "id_number": "370102198805170000",
            "reason": "x",
            "confirm": "on",
        },
    ).content.decode()

    assert "校验位" in page
    assert not Credential.objects.filter(supersedes=jinan).exists()


def test_the_registration_city_does_not_correct_what_the_province_manages(
    world: World, client: Client
) -> None:
    jinan = world.credentials["jinan"]
    client.force_login(world.users["jinan_clerk"])

    assert 'data-testid="correct"' not in _page(client, jinan)
    response = client.post(
        reverse("backoffice:credential_correct", args=[jinan.public_id]),
        {"name": "李四", "reason": "x", "confirm": "on"},
    )
    assert response.status_code == 404


@pytest.fixture
def photo_url(world: World) -> str:
    return reverse("backoffice:credential_photo", args=[world.credentials["jinan"].public_id])


def test_a_clerk_gives_the_holder_a_photo_that_keeps_the_rules(
    world: World, client: Client, photo_url: str
) -> None:
    client.force_login(world.users["jinan_clerk"])

    client.post(photo_url, {"photo": SimpleUploadedFile("a.jpg", id_photo(kb=20), "image/jpeg")})

    holder = Holder.objects.get(pk=world.credentials["jinan"].holder_id)
    assert len(bytes(holder.photo_jpeg or b"")) == 20 * 1024
    assert AuditEvent.objects.filter(action="holder.photo_set").count() == 1


def test_a_photo_breaking_a_rule_is_refused_with_the_rule(
    world: World, client: Client, photo_url: str
) -> None:
    client.force_login(world.users["jinan_clerk"])

    page = client.post(
        photo_url, {"photo": SimpleUploadedFile("a.png", png_photo(), "image/png")}, follow=True
    ).content.decode()

    assert "照片须为 JPG 或 JPEG 格式" in page
    assert not Holder.objects.get(pk=world.credentials["jinan"].holder_id).photo_sha256


def test_a_clerk_of_another_city_cannot_set_the_photo(
    world: World, client: Client, photo_url: str
) -> None:
    client.force_login(world.users["qingdao_clerk"])

    response = client.post(
        photo_url, {"photo": SimpleUploadedFile("a.jpg", id_photo(kb=20), "image/jpeg")}
    )

    assert response.status_code == 404
    assert not Holder.objects.get(pk=world.credentials["jinan"].holder_id).photo_sha256


def test_the_api_changes_the_status_of_a_credential_in_the_callers_scope(
    world: World, client: Client
) -> None:
    jinan = world.credentials["jinan"]
    client.force_login(world.users["jinan_clerk"])
    url = reverse("api:credential_status", args=[jinan.public_id])

    done = client.post(
        url, {"status": "suspended", "reason": "核查中"}, content_type="application/json"
    )
    again = client.post(
        url, {"status": "suspended", "reason": "核查中"}, content_type="application/json"
    )
    superseded = client.post(
        url, {"status": "superseded", "reason": "x"}, content_type="application/json"
    )

    assert done.status_code == 200
    assert done.json() == {
        "public_id": jinan.public_id,
        "status": "suspended",
        "previous": "valid",
    }
    assert (again.status_code, again.json()["code"]) == (400, "status_not_allowed")
    assert (superseded.status_code, superseded.json()["code"]) == (400, "not_allowed_status")


def test_holder_id_number_is_not_on_the_correction_page(world: World, client: Client) -> None:
    jinan = world.credentials["jinan"]
    client.force_login(world.users["exam_centre_clerk"])

    page = client.get(reverse("backoffice:credential_correct", args=[jinan.public_id]))

    assert holder_id_number(jinan.holder) not in page.content.decode()
