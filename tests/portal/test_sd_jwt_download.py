"""The holder downloads their credential as an SD-JWT VC: the independent ``sd-jwt`` library
verifies it with the issuing authority's key, a presentation shows only what the holder chose,
and after revocation the IETF Status List Token it points at, as the API publishes it, read by
hand with the trust list's key, says INVALID."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier

from ecert.audit.models import AuditEvent
from ecert.core.formats import sd_jwt_vc
from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_set_status
from ecert.documents.sd_jwt import issuer_url
from ecert.signing.models import SignerKey
from tests.conftest import World
from tests.portal.signed import published_trust_list, signed_proof
from tests.status_by_hand import kid_of, status_by_hand, token_status_by_hand

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
    assert "绑定钱包密钥（可选）" in box
    for name in ("portal:credential_sd_jwt", "portal:credential_w3c_vc"):
        url = reverse(name, args=[mine.public_id])
        assert page.count(url) == box.count(url)  # no wallet download outside the box


def test_a_revoked_credentials_page_offers_no_wallet_file(holder: Client, mine: Credential) -> None:
    credential_set_status(
        actor=None, credential=mine, status=CredentialStatus.REVOKED, reason="伪造材料"
    )

    page = holder.get(reverse("portal:credential_detail", args=[mine.public_id])).content.decode()

    assert _wallet_box(page) == ""
    assert reverse("portal:credential_sd_jwt", args=[mine.public_id]) not in page


def _status_key(client: Client, token: str) -> ec.EllipticCurvePublicKey:
    """The key the signed trust list names for the token's ``kid`` (hex, as the SD-JWT VC's)."""
    header = token.split(".")[0]
    kid = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    signer = published_trust_list(client).signer(bytes.fromhex(kid))
    assert signer is not None, kid
    public = x509.load_der_x509_certificate(signer.certificate).public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    return public


def _status_by_hand(client: Client, status: dict[str, Any]) -> str:
    """What a wallet reads for the SD-JWT VC's ``status``: the token fetched from its ``uri``, its
    signature checked with the trust list's key, the entry decoded by hand."""
    answer = client.get(urlsplit(status["uri"]).path)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/statuslist+jwt"
    token = answer.content.decode("ascii")
    return token_status_by_hand(token, _status_key(client, token), status["uri"], status["idx"])


def test_a_revoked_credentials_export_reads_invalid_in_the_status_list_token(
    world: World, holder: Client, mine: Credential
) -> None:
    issued = _download(holder, mine).content.decode("ascii")
    status = _verified(issued)["status"]["status_list"]
    other = signed_proof(world, "qingdao", "2025370200005678")  # in the same list, stays valid
    assert other.status_index is not None
    assert mine.status_index is not None
    other_status = {"uri": status["uri"], "idx": other.status_index % 131_072}
    assert status["uri"].endswith(f"/api/v1/status-lists/{mine.status_index // 131_072}/token")
    assert _status_by_hand(Client(), status) == "VALID"

    credential_set_status(
        actor=None, credential=mine, status=CredentialStatus.REVOKED, reason="伪造材料"
    )

    assert _status_by_hand(Client(), status) == "INVALID"
    assert _status_by_hand(Client(), other_status) == "VALID"
    refused = _download(holder, mine)
    assert refused.status_code == 302  # no new export of a revoked credential


def test_a_suspended_credential_reads_suspended_and_a_reinstated_one_valid(
    holder: Client, mine: Credential
) -> None:
    status = _verified(_download(holder, mine).content.decode("ascii"))["status"]["status_list"]

    credential_set_status(
        actor=None, credential=mine, status=CredentialStatus.SUSPENDED, reason="核查中"
    )
    assert _status_by_hand(Client(), status) == "SUSPENDED"
    credential_set_status(actor=None, credential=mine, status=CredentialStatus.VALID, reason="核实")
    assert _status_by_hand(Client(), status) == "VALID"


def test_the_token_and_the_cose_list_say_the_same(client: Client, mine: Credential) -> None:
    credential_set_status(
        actor=None, credential=mine, status=CredentialStatus.REVOKED, reason="伪造材料"
    )
    assert mine.status_index is not None
    number, idx = divmod(mine.status_index, 131_072)
    cose_list = client.get(reverse("api:status_list", kwargs={"list_number": number})).content
    token = client.get(reverse("api:status_list_token", kwargs={"list_number": number}))
    uri = f"{issuer_url()}/api/v1/status-lists/{number}/token"
    key = _status_key(client, token.content.decode("ascii"))

    assert kid_of(cose_list) == bytes.fromhex(
        json.loads(base64.urlsafe_b64decode(token.content.split(b".")[0] + b"=="))["kid"]
    )
    assert status_by_hand(cose_list, key, uri.removesuffix("/token"), idx) == "revoked"
    assert token_status_by_hand(token.content.decode("ascii"), key, uri, idx) == "INVALID"


def test_a_list_that_cannot_exist_has_no_token(client: Client, mine: Credential) -> None:
    answer = client.get(reverse("api:status_list_token", kwargs={"list_number": 7}))

    assert answer.status_code == 404


def test_another_holders_credential_has_no_export(world: World, holder: Client) -> None:
    theirs = signed_proof(world, "qingdao", "2025370200005678")

    assert _download(holder, theirs).status_code == 404
    assert not AuditEvent.objects.filter(action="document.sd_jwt_issued").exists()


def test_a_download_bound_to_the_wallets_key_is_presented_with_key_binding(
    holder: Client, mine: Credential
) -> None:
    wallet = JWK.generate(kty="EC", crv="P-256")
    url = reverse("portal:credential_sd_jwt", args=[mine.public_id])

    answer = holder.post(url, {"holder_jwk": wallet.export_public()})

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/dc+sd-jwt"
    issued = answer.content.decode("ascii")
    presenting = SDJWTHolder(issued)
    presenting.create_presentation(
        {"holder_name": True}, "nonce-7", "https://employer.example.cn", wallet, "ES256"
    )

    def issuer_key(_iss: str, header: dict[str, Any]) -> JWK:
        return JWK.from_pyca(_public_key(bytes.fromhex(header["kid"])))

    verified = SDJWTVerifier(
        presenting.sd_jwt_presentation,
        issuer_key,
        expected_aud="https://employer.example.cn",
        expected_nonce="nonce-7",
    ).get_verified_payload()
    assert verified["cnf"]["jwk"]["x"] == json.loads(wallet.export_public())["x"]
    assert verified["holder_name"] == mine.holder_name
    event = AuditEvent.objects.get(action="document.sd_jwt_issued", object_id=mine.public_id)
    assert event.data == {"holder_key_bound": True}


def test_a_private_key_is_refused_and_the_holder_told_why(holder: Client, mine: Credential) -> None:
    url = reverse("portal:credential_sd_jwt", args=[mine.public_id])

    answer = holder.post(
        url, {"holder_jwk": JWK.generate(kty="EC", crv="P-256").export_private()}, follow=True
    )

    assert answer.redirect_chain[-1][0] == reverse(
        "portal:credential_detail", args=[mine.public_id]
    )
    assert "钱包公钥无效" in answer.content.decode()
    assert not AuditEvent.objects.filter(action="document.sd_jwt_issued").exists()
