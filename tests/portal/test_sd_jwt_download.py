"""The holder downloads their credential as an SD-JWT VC: the independent ``sd-jwt`` library
verifies it with the issuing authority's key, a presentation shows only what the holder chose,
and after revocation the list it points at, as the API publishes it, says revoked."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier

from ecert.audit.models import AuditEvent
from ecert.core.formats import sd_jwt_vc
from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_set_status
from ecert.signing.models import SignerKey
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.status_by_hand import kid_of, status_by_hand

pytestmark = pytest.mark.usefixtures("issuing_keys")


@pytest.fixture
def mine(world: World) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234")


@pytest.fixture
def holder(client: Client, world: World) -> Client:
    client.force_login(world.users["holder"])
    return client


def _public_key(kid: bytes) -> ec.EllipticCurvePublicKey:
    certificate = x509.load_der_x509_certificate(bytes(SignerKey.objects.get(kid=kid).certificate))
    public = certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    return public


def _verified(sd_jwt: str) -> dict[str, Any]:
    def issuer_key(_iss: str, header: dict[str, Any]) -> JWK:
        return JWK.from_pyca(_public_key(bytes.fromhex(header["kid"])))

    verified: dict[str, Any] = SDJWTVerifier(sd_jwt, issuer_key).get_verified_payload()
    return verified


def _download(holder: Client, credential: Credential) -> Any:
    return holder.get(reverse("portal:credential_sd_jwt", args=[credential.public_id]))


def test_the_holder_downloads_an_sd_jwt_vc_the_library_verifies(
    holder: Client, mine: Credential
) -> None:
    response = _download(holder, mine)
    issued = response.content.decode("ascii")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/dc+sd-jwt"
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote(f'证书-{mine.public_id}.sd-jwt')}"
    )
    assert "no-store" in response["Cache-Control"]
    verified = _verified(issued)
    assert verified["holder_name"] == "张堃"
    assert verified["number"] == "2025370100001234"
    assert verified["qualification"]["name"] == "监理工程师"
    assert verified["issuing_authority"]["name"] == mine.issuing_authority.name
    shown = _verified(sd_jwt_vc.present(issued, ["holder_name"]))
    assert set(shown) == {
        "iss",
        "iat",
        "vct",
        "status",
        "issuing_authority",
        "qualification",
        "holder_name",
    }
    assert AuditEvent.objects.filter(
        action="document.sd_jwt_issued", object_id=mine.public_id
    ).exists()


def _wallet_box(page: str) -> str:
    """The page's 数字钱包凭证 box, or "" when it has none."""
    start = page.find('data-testid="wallet"')
    return "" if start < 0 else page[start : page.index("</section>", start)]


def test_the_detail_page_offers_both_wallet_files_in_one_box(
    holder: Client, mine: Credential
) -> None:
    page = holder.get(reverse("portal:credential_detail", args=[mine.public_id])).content.decode()

    box = _wallet_box(page)
    assert "<h2>数字钱包凭证</h2>" in box
    assert reverse("portal:credential_sd_jwt", args=[mine.public_id]) in box
    assert reverse("portal:credential_w3c_vc", args=[mine.public_id]) in box
    assert "下载 SD-JWT VC 凭证" in box
    assert "下载 W3C 凭证" in box
    assert "可以只向核验方出示部分信息" in box  # what the SD-JWT VC is for
    assert "全部证书信息" in box  # and the W3C VC
    assert page.count(reverse("portal:credential_sd_jwt", args=[mine.public_id])) == 1
    assert page.count(reverse("portal:credential_w3c_vc", args=[mine.public_id])) == 1


def test_a_revoked_credentials_page_offers_no_wallet_file(holder: Client, mine: Credential) -> None:
    credential_set_status(
        actor=None, credential=mine, status=CredentialStatus.REVOKED, reason="伪造材料"
    )

    page = holder.get(reverse("portal:credential_detail", args=[mine.public_id])).content.decode()

    assert _wallet_box(page) == ""
    assert reverse("portal:credential_sd_jwt", args=[mine.public_id]) not in page


def test_a_revoked_credentials_export_is_reported_revoked_by_the_published_list(
    holder: Client, client: Client, mine: Credential
) -> None:
    issued = _download(holder, mine).content.decode("ascii")
    status = _verified(issued)["status"]["status_list"]

    credential_set_status(
        actor=None, credential=mine, status=CredentialStatus.REVOKED, reason="伪造材料"
    )
    published = Client().get(urlsplit(status["uri"]).path)

    assert published.status_code == 200
    key = _public_key(kid_of(published.content))
    assert status_by_hand(published.content, key, status["uri"], status["idx"]) == "revoked"
    refused = _download(holder, mine)
    assert refused.status_code == 302  # no new export of a revoked credential


def test_another_holders_credential_has_no_export(world: World, holder: Client) -> None:
    theirs = signed_proof(world, "qingdao", "2025370200005678")

    assert _download(holder, theirs).status_code == 404
    assert not AuditEvent.objects.filter(action="document.sd_jwt_issued").exists()
