"""The SD-JWT VC export, checked by an independent implementation: the openwallet-foundation's
``sd-jwt`` (with jwcrypto) verifies our issuance and presentations; the status entry is read
from the IETF Status List Token decoded here from the draft, not through our reader."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier

from ecert.core.errors import EcertError
from ecert.core.formats import sd_jwt_vc
from ecert.core.formats.algorithms import Algorithm, SoftwareKey, generate_key
from ecert.core.formats.claims import Claims
from ecert.core.formats.status_list import StatusBits, StatusListDocument, StatusValue
from ecert.core.formats.token_status_list import status_list_token
from tests.core.format_vectors import example_claims
from tests.core.sd_jwt_vectors import ISSUANCE, VECTOR_FILE, build_vector
from tests.status_by_hand import token_status_by_hand

ALWAYS_SHOWN = {"iss", "iat", "vct", "status", "issuing_authority", "qualification"}


@pytest.fixture(scope="module")
def key() -> SoftwareKey:
    return generate_key(Algorithm.ES256)


def oracle(sd_jwt: str, key: SoftwareKey) -> dict[str, Any]:
    """What the independent library verifies and discloses (raises if it refuses)."""
    public = JWK.from_pem(
        serialization.load_der_public_key(key.public_key_der()).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    verified: dict[str, Any] = SDJWTVerifier(
        sd_jwt, lambda iss, header: public
    ).get_verified_payload()
    return verified


def jws_part(sd_jwt: str, index: int) -> dict[str, Any]:
    segment = sd_jwt.split("~")[0].split(".")[index]
    loaded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return loaded


def exam_proof() -> Claims:
    return example_claims()["exam_proof"]


def test_independent_library_accepts_every_field(key: SoftwareKey) -> None:
    issued = sd_jwt_vc.issue(exam_proof(), key, ISSUANCE)
    verified = oracle(issued, key)
    assert verified["holder_name"] == "张𠮷堃"
    assert verified["id_number"] == "11010519491231002X"
    assert verified["sex"] == "female"
    assert verified["birth_month"] == "1949-12"
    assert verified["approval_date"] == "2024-10-31"
    assert verified["exam_year"] == 2024
    assert verified["qualification"] == {"code": 3, "name": "一级建造师"}
    assert verified["vct"] == sd_jwt_vc.VCT
    assert jws_part(issued, 0) == {"alg": "ES256", "kid": "0a0b0c0d", "typ": "dc+sd-jwt"}


def test_presenting_name_qualification_level_reveals_nothing_else(key: SoftwareKey) -> None:
    issued = sd_jwt_vc.issue(exam_proof(), key, ISSUANCE)
    shown = sd_jwt_vc.present(issued, ["holder_name", "level"])
    verified = oracle(shown, key)
    assert set(verified) == ALWAYS_SHOWN | {"holder_name", "level"}
    assert verified["level"] == "一级"
    # Nothing else is in the presentation at all, not only in what the library reports.
    assert "11010519491231002X" not in json.dumps(shown)
    assert len(shown.split("~")) == 4


def test_digest_count_does_not_reveal_which_fields_exist(key: SoftwareKey) -> None:
    title = sd_jwt_vc.issue(example_claims()["title_certificate"], key, ISSUANCE)
    proof = sd_jwt_vc.issue(exam_proof(), key, ISSUANCE)
    assert len(jws_part(title, 1)["_sd"]) == len(jws_part(proof, 1)["_sd"])
    assert oracle(title, key)["title"] == "高级教师"


def test_tampered_disclosure_is_not_vouched_for(key: SoftwareKey) -> None:
    issued = sd_jwt_vc.issue(exam_proof(), key, ISSUANCE)
    jws, *disclosures, _ = issued.split("~")
    forged = []
    for disclosure in disclosures:
        salt, name, _value = json.loads(base64.urlsafe_b64decode(disclosure + "=="))
        if name == "level":
            changed = json.dumps([salt, name, "正高级"]).encode()
            disclosure = base64.urlsafe_b64encode(changed).rstrip(b"=").decode()
        forged.append(disclosure)
    verified = oracle("~".join([jws, *forged, ""]), key)
    assert "level" not in verified  # its digest is not in _sd: the forged value is never shown
    assert verified["holder_name"] == "张𠮷堃"


def test_tampered_signature_or_payload_fails(key: SoftwareKey) -> None:
    issued = sd_jwt_vc.issue(exam_proof(), key, ISSUANCE)
    _header, payload, signature = issued.split("~")[0].split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    with pytest.raises(Exception, match=r"(?i)verif|signature"):
        oracle(issued.replace(signature, flipped), key)
    claims = jws_part(issued, 1)
    claims["qualification"]["code"] = 4
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(Exception, match=r"(?i)verif|signature"):
        oracle(issued.replace(payload, body), key)
    with pytest.raises(Exception, match=r"(?i)verif|signature"):
        oracle(issued, generate_key(Algorithm.ES256))


def test_revoked_credential_is_reported_invalid_by_the_status_list_token(
    key: SoftwareKey,
) -> None:
    claims = exam_proof()
    status = jws_part(sd_jwt_vc.issue(claims, key, ISSUANCE), 1)["status"]["status_list"]
    assert status["uri"] == "https://verify.example.cn/api/v1/status-lists/1/token"
    status_key = generate_key(Algorithm.ES256)
    bits = StatusBits()
    bits.set(claims.status_offset, StatusValue.REVOKED)
    bits.set(claims.status_offset + 1, StatusValue.SUSPENDED)
    document = StatusListDocument(claims.status_list, 1_732_406_400, 1_732_492_800, bits)
    token = status_list_token(
        document, status_key, kid=b"\x01\x02\x03\x04", base_url=ISSUANCE.issuer_url
    )
    public = serialization.load_der_public_key(status_key.public_key_der())
    assert isinstance(public, ec.EllipticCurvePublicKey)
    idx = status["idx"]
    assert token_status_by_hand(token, public, status["uri"], idx) == "INVALID"
    assert token_status_by_hand(token, public, status["uri"], idx + 1) == "SUSPENDED"
    assert token_status_by_hand(token, public, status["uri"], idx - 1) == "VALID"


def test_presenting_an_absent_or_fixed_field_is_refused(key: SoftwareKey) -> None:
    issued = sd_jwt_vc.issue(exam_proof(), key, ISSUANCE)
    with pytest.raises(EcertError) as absent:
        sd_jwt_vc.present(issued, ["series"])
    assert absent.value.code == "field_absent"
    with pytest.raises(EcertError) as fixed:
        sd_jwt_vc.present(issued, ["qualification"])
    assert fixed.value.code == "not_disclosable"


def test_sm2_key_is_refused() -> None:
    with pytest.raises(EcertError) as refused:
        sd_jwt_vc.issue(exam_proof(), generate_key(Algorithm.SM2_SM3), ISSUANCE)
    assert refused.value.code == "unsupported_algorithm"


def test_committed_vector_is_reproduced_and_verifies() -> None:
    committed = json.loads(VECTOR_FILE.read_text(encoding="utf-8"))
    assert committed == build_vector()
    public = JWK.from_pyca(
        serialization.load_der_public_key(
            bytes.fromhex(committed["signing_key"]["public_key_spki_der_hex"])
        )
    )
    verified = SDJWTVerifier(
        committed["presentation"], lambda iss, h: public
    ).get_verified_payload()
    assert set(verified) == ALWAYS_SHOWN | {"holder_name", "level"}


@pytest.fixture(scope="module")
def wallet_key() -> JWK:
    return JWK.generate(kty="EC", crv="P-256")


def _bound_presentation(issued: str, holder_key: JWK, nonce: str) -> str:
    """What the wallet sends: name and level disclosed, with a Key Binding JWT made by the
    independent library with ``holder_key`` for the verifier ``AUDIENCE`` and ``nonce``."""
    holder = SDJWTHolder(issued)
    holder.create_presentation(
        {"holder_name": True, "level": True}, nonce, AUDIENCE, holder_key, "ES256"
    )
    presentation: str = holder.sd_jwt_presentation
    return presentation


AUDIENCE = "https://employer.example.cn"


def _verified_bound(presentation: str, key: SoftwareKey, nonce: str) -> dict[str, Any]:
    public = JWK.from_pem(
        serialization.load_der_public_key(key.public_key_der()).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    verifier = SDJWTVerifier(
        presentation, lambda iss, header: public, expected_aud=AUDIENCE, expected_nonce=nonce
    )
    verified: dict[str, Any] = verifier.get_verified_payload()
    return verified


def test_a_bound_credential_is_presented_with_the_wallets_key_binding(
    key: SoftwareKey, wallet_key: JWK
) -> None:
    bound = sd_jwt_vc.holder_jwk(wallet_key.export_public())
    issued = sd_jwt_vc.issue(exam_proof(), key, ISSUANCE, holder_key=bound)

    verified = _verified_bound(
        _bound_presentation(issued, wallet_key, "n-0S6_WzA2Mj"), key, "n-0S6_WzA2Mj"
    )

    assert verified["cnf"] == {"jwk": bound}
    assert verified["holder_name"] == exam_proof().holder_name
    assert "id_number" not in verified


def test_a_key_binding_by_another_key_or_for_another_nonce_fails(
    key: SoftwareKey, wallet_key: JWK
) -> None:
    bound = sd_jwt_vc.holder_jwk(wallet_key.export_public())
    issued = sd_jwt_vc.issue(exam_proof(), key, ISSUANCE, holder_key=bound)
    thief = JWK.generate(kty="EC", crv="P-256")

    with pytest.raises(Exception, match=r"(?i)verif|signature"):
        _verified_bound(_bound_presentation(issued, thief, "nonce-1"), key, "nonce-1")
    with pytest.raises(ValueError, match="nonce"):
        _verified_bound(_bound_presentation(issued, wallet_key, "nonce-1"), key, "nonce-2")
    unbound = sd_jwt_vc.issue(exam_proof(), key, ISSUANCE)
    with pytest.raises(ValueError, match="holder public key"):
        _verified_bound(_bound_presentation(unbound, wallet_key, "nonce-1"), key, "nonce-1")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("not json", "not JSON"),
        ("[1]", "not a JSON object"),
        (JWK.generate(kty="EC", crv="P-256").export_private(), "a private key"),
        (JWK.generate(kty="EC", crv="P-384").export_public(), "P-256"),
        (JWK.generate(kty="OKP", crv="Ed25519").export_public(), "P-256"),
        ('{"kty": "EC", "crv": "P-256", "x": "AQ", "y": "AQ"}', "not a point"),
        (
            json.dumps({"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "B" * 43}),
            "not a point",
        ),
    ],
    # the generated keys differ in every process: xdist's workers must collect the same ids
    ids=["not-json", "array", "private-key", "p384", "ed25519", "short-point", "off-curve"],
)
def test_a_wallet_key_that_is_not_a_public_p256_jwk_is_refused(text: str, why: str) -> None:
    with pytest.raises(EcertError) as refused:
        sd_jwt_vc.holder_jwk(text)
    assert refused.value.code == "bad_holder_key"
    assert why in refused.value.en
