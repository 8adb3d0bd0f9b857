"""The W3C VC 2.0 export, checked from outside: its signature by panva/jose with the key the signed
trust list names for its ``kid``, its status read from the served BitstringStatusListCredential
with the standard library, before and after a revocation made through the real service."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.core.formats.cose import decode_sign1
from ecert.core.formats.status_list import status_list_from_cbor
from ecert.core.formats.trust_list import TrustList
from ecert.core.formats.w3c_vc import CONTEXT_PATH
from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_set_status
from ecert.credentials.w3c_vc import credential_w3c_vc
from tests.conftest import World
from tests.portal.signed import published_trust_list, signed_proof
from tests.w3c_vc.conftest import b64url_json, entry_of, jose_verify, jsonld_expand
from tests.w3c_vc.vectors import BASE_URL, VECTOR, vector_text


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Any) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234")


def _key_for(token: str, trusted: TrustList) -> bytes:
    """The public key (SPKI DER) of the trust-list signer the token's ``kid`` names."""
    kid = b64url_json(token.split(".")[0])["kid"]
    signer = trusted.signer(base64.urlsafe_b64decode(kid + "=" * (-len(kid) % 4)))
    assert signer is not None, kid
    public = x509.load_der_x509_certificate(signer.certificate).public_key()
    return public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _status_by_jose(client: Client, vc: dict[str, Any], trusted: TrustList) -> str:
    """The credential's status as a W3C verifier finds it: the list credential fetched from its
    URL, its signature checked by jose, the entry read and named by the entry's messages."""
    entry = vc["credentialStatus"]
    answer = client.get(urlsplit(entry["statusListCredential"]).path)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/vc+jwt"
    token = answer.content.decode("ascii")
    checked = jose_verify(token, _key_for(token, trusted))
    assert checked["ok"], checked
    subject = checked["payload"]["credentialSubject"]
    assert checked["payload"]["id"] == entry["statusListCredential"]
    assert subject["statusPurpose"] == entry["statusPurpose"] == "message"
    value = entry_of(subject["encodedList"], int(entry["statusListIndex"]), entry["statusSize"])
    messages = {int(m["status"], 16): str(m["message"]) for m in entry["statusMessage"]}
    return messages[value]


def test_an_exported_credential_verifies_with_an_independent_jose(
    client: Client, proof: Credential
) -> None:
    trusted = published_trust_list(client)
    token = credential_w3c_vc(credential=proof, now=timezone.now())

    checked = jose_verify(token, _key_for(token, trusted))

    assert checked["ok"], checked
    assert checked["header"]["typ"] == "vc+jwt"
    vc = checked["payload"]
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert vc["credentialSubject"]["publicId"] == proof.public_id
    assert vc["credentialSubject"]["holderName"] == proof.holder_name
    assert vc["credentialSubject"]["qualificationName"] == "监理工程师"
    assert vc["issuer"]["name"] == "山东省人力资源和社会保障厅"
    assert proof.status_index is not None
    assert vc["credentialStatus"]["statusListIndex"] == str(proof.status_index % 131_072)


def test_the_independent_status_check_says_valid_then_revoked(
    client: Client, proof: Credential, world: World
) -> None:
    trusted = published_trust_list(client)
    vc = b64url_json(credential_w3c_vc(credential=proof, now=timezone.now()).split(".")[1])
    assert _status_by_jose(client, vc, trusted) == "valid"

    credential_set_status(
        actor=world.user("province_admin"),
        credential=proof,
        status=CredentialStatus.REVOKED,
        reason="证书信息有误",
    )

    assert _status_by_jose(client, vc, trusted) == "revoked"


def test_a_suspended_credential_reads_suspended_and_a_reinstated_one_valid(
    client: Client, proof: Credential, world: World
) -> None:
    trusted = published_trust_list(client)
    vc = b64url_json(credential_w3c_vc(credential=proof, now=timezone.now()).split(".")[1])
    clerk = world.user("province_admin")

    credential_set_status(
        actor=clerk, credential=proof, status=CredentialStatus.SUSPENDED, reason="核查中"
    )
    suspended = _status_by_jose(client, vc, trusted)
    credential_set_status(
        actor=clerk, credential=proof, status=CredentialStatus.VALID, reason="核查无误"
    )

    assert suspended == "suspended"
    assert _status_by_jose(client, vc, trusted) == "valid"


def test_the_w3c_and_cose_lists_say_the_same(client: Client, proof: Credential) -> None:
    token = client.get(reverse("api:status_list_w3c", kwargs={"list_number": 0})).content
    cose = client.get(reverse("api:status_list", kwargs={"list_number": 0})).content
    subject = b64url_json(token.decode("ascii").split(".")[1])["credentialSubject"]
    document = status_list_from_cbor(decode_sign1(cose).payload)

    assert subject["encodedList"] == document.bits.w3c_encoded_list()


def test_a_tampered_payload_or_signature_fails(client: Client, proof: Credential) -> None:
    trusted = published_trust_list(client)
    token = credential_w3c_vc(credential=proof, now=timezone.now())
    header, payload, signature = token.split(".")
    key = _key_for(token, trusted)
    vc = b64url_json(payload)
    vc["credentialSubject"]["level"] = "一级"
    forged_payload = base64.urlsafe_b64encode(json.dumps(vc).encode()).rstrip(b"=").decode()
    flipped = bytearray(base64.urlsafe_b64decode(signature + "=="))
    flipped[5] ^= 1
    forged_signature = base64.urlsafe_b64encode(bytes(flipped)).rstrip(b"=").decode()

    assert jose_verify(token, key)["ok"]
    assert not jose_verify(f"{header}.{forged_payload}.{signature}", key)["ok"]
    assert not jose_verify(f"{header}.{payload}.{forged_signature}", key)["ok"]


def test_a_list_that_cannot_exist_has_no_w3c_form(client: Client, proof: Credential) -> None:
    answer = client.get(reverse("api:status_list_w3c", kwargs={"list_number": 7}))

    assert answer.status_code == 404


def test_the_committed_vector_is_what_the_code_makes() -> None:
    assert VECTOR.read_text(encoding="utf-8") == vector_text()


def test_the_vector_verifies_with_jose_and_reads_entry_3_revoked() -> None:
    vector = json.loads(VECTOR.read_text(encoding="utf-8"))
    spki = bytes.fromhex(vector["signing_key"]["public_key_spki_der_hex"])

    credential = jose_verify(vector["credential"]["vc_jwt"], spki)
    status_list = jose_verify(vector["status_list"]["vc_jwt"], spki)

    assert credential["ok"], credential
    assert status_list["ok"], status_list
    entry = credential["payload"]["credentialStatus"]
    encoded = status_list["payload"]["credentialSubject"]["encodedList"]
    assert entry["statusListCredential"] == status_list["payload"]["id"]
    assert entry_of(encoded, int(entry["statusListIndex"]), entry["statusSize"]) == 2  # revoked


def test_the_holder_downloads_their_credential_for_a_wallet(
    client: Client, proof: Credential, world: World
) -> None:
    trusted = published_trust_list(client)
    client.force_login(world.users["holder"])

    page = client.get(reverse("portal:credential_detail", args=[proof.public_id]))
    answer = client.get(reverse("portal:credential_w3c_vc", args=[proof.public_id]))

    assert reverse("portal:credential_w3c_vc", args=[proof.public_id]) in page.content.decode()
    assert "下载 W3C 凭证" in page.content.decode()
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/vc+jwt"
    assert "no-store" in answer["Cache-Control"]
    token = answer.content.decode("ascii")
    checked = jose_verify(token, _key_for(token, trusted))
    assert checked["ok"], checked
    assert checked["payload"]["credentialSubject"]["publicId"] == proof.public_id


def test_another_holders_credential_is_not_found_for_a_wallet(
    client: Client, world: World, issuing_keys: Any, own_storage: Any
) -> None:
    theirs = signed_proof(world, "qingdao", "2025370200005678")
    client.force_login(world.users["holder"])

    other = client.get(reverse("portal:credential_w3c_vc", args=[theirs.public_id]))
    missing = client.get(reverse("portal:credential_w3c_vc", args=["0000000000000000"]))

    assert other.status_code == missing.status_code == 404
    assert theirs.holder_name not in other.content.decode()


@pytest.mark.parametrize("which", ["credential", "status_list"])
def test_the_vector_is_json_ld_with_every_term_defined(which: str) -> None:
    vc = json.loads(VECTOR.read_text(encoding="utf-8"))[which]["vc"]

    expanded = jsonld_expand(vc, BASE_URL + CONTEXT_PATH)

    assert expanded["ok"], expanded
    if which == "credential":
        (subject,) = expanded["expanded"][0][
            "https://www.w3.org/2018/credentials#credentialSubject"
        ]
        assert subject["urn:ecert:terms:holderName"] == [{"@value": "张𠮷堃"}]


def test_a_term_outside_the_contexts_is_refused_by_json_ld() -> None:
    vc = json.loads(VECTOR.read_text(encoding="utf-8"))["credential"]["vc"]
    vc["credentialSubject"]["nickname"] = "小张"

    assert not jsonld_expand(vc, BASE_URL + CONTEXT_PATH)["ok"]
