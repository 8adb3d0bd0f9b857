"""A credential as an SD-JWT VC (RFC 9901, draft-ietf-oauth-sd-jwt-vc), and its presentation.

The issuer-signed JWT carries in clear only what a verifier needs to know what the credential is
and whether it still holds: ``iss``, ``iat``, ``vct``, the qualification (or title), the issuing
authority and ``status``; every other field of the claims travels as a salted disclosure whose
SHA-256 digest is in ``_sd``. ``_sd`` is padded with decoy digests to a fixed length, so the
number of digests does not tell which optional fields a credential has. The compact JWS is built
here on the project's ``Signer`` interface (an HSM key signs as a software key does); ES256 and
EdDSA keys sign, SM2 has no JOSE algorithm and is refused. docs/formats/sd-jwt-vc.md describes
every field.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm, Signer
from ecert.core.formats.claims import Claims, KindCode
from ecert.core.formats.token_status_list import token_url

VCT = "urn:ecert:vct:credential:1"
TYP = "dc+sd-jwt"
SD_ALG = "sha-256"
SALT_BYTES = 18  # 144 bits (RFC 9901 §9.3 asks for at least 128), a multiple of three
JOSE_ALGORITHMS = {Algorithm.ES256: "ES256", Algorithm.EDDSA: "EdDSA"}

# Every selectively disclosable claim, in the order disclosures are written. ``_sd`` always holds
# this many digests: one per claim present, decoys for the rest.
DISCLOSABLE = (
    "kind",
    "public_id",
    "holder_name",
    "id_type",
    "id_number",
    "sex",
    "birth_month",
    "level",
    "specialty",
    "series",
    "approval_date",
    "number",
    "issue_date",
    "exam_year",
    "grassroots",
    "verification_code",
    "valid_until",
    "purpose",
    "licence_version",
)
_KIND_NAMES = {code: code.name.lower() for code in KindCode}


_URL_SAFE = bytes.maketrans(b"+/", b"-_")
# One encoder for every call (json.dumps would build one each time): compact UTF-8 JSON.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# The JSON string literal of a text, as ``_ENCODE`` writes it (non-ASCII kept).
_QUOTE = json.encoder.encode_basestring


def _b64(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2), straight from binascii: it runs ~30 times an issue."""
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_URL_SAFE).decode()


def _b64_digests(digests: list[bytes]) -> list[str]:
    """The base64url of each SHA-256 digest, in one base64 call: a digest followed by a zero byte
    is 33 bytes, 44 characters, whose first 43 are the digest's own unpadded encoding (its last
    character's two low bits are zero either way)."""
    text = _b64(b"".join(digest + b"\0" for digest in digests))
    return [text[i : i + 43] for i in range(0, len(text), 44)]


def _json(value: Any) -> bytes:
    return _ENCODE(value).encode("utf-8")


def disclosable_values(claims: Claims) -> dict[str, Any]:
    """The claims' disclosable fields as JSON values, absent ones left out: dates ISO 8601,
    the birth month ``YYYY-MM``, codes as their names. Sex and birth month of a resident ID are
    read from the number, so they can be shown without it."""
    birth = claims.holder_birth_month
    sex = claims.holder_sex
    values: dict[str, Any] = {
        "kind": _KIND_NAMES[claims.kind],
        "public_id": claims.public_id,
        "holder_name": claims.holder_name,
        "id_type": claims.id_type.name.lower(),
        "id_number": claims.id_number,
        "sex": sex.name.lower() if sex is not None else None,
        "birth_month": f"{birth[0]:04d}-{birth[1]:02d}" if birth is not None else None,
        "level": claims.level,
        "specialty": claims.specialty,
        "series": claims.series,
        "approval_date": claims.approval_date.isoformat(),
        "number": claims.number,
        "issue_date": claims.issue_date.isoformat(),
        "exam_year": claims.exam_year,
        "grassroots": claims.grassroots,
        "verification_code": claims.verification_code,
        "valid_until": claims.valid_until.isoformat() if claims.valid_until else None,
        "purpose": claims.purpose,
        "licence_version": claims.licence_version,
    }
    return {name: values[name] for name in DISCLOSABLE if values[name] is not None}


@dataclass(frozen=True)
class Issuance:
    """Where the credential came from and where its status is published (the caller knows)."""

    issuer_url: str  # ``iss``: the deployment's origin, e.g. https://verify.example.cn
    kid: bytes  # the signing key's trust-list kid
    authority_name: str  # the issuing authority's name from the trust list
    qualification_name: str | None  # the catalogue's name of the qualification; None for a title
    issued_at: int  # ``iat``, seconds since the epoch


def status_list_url(issuer_url: str, list_number: int) -> str:
    """The Status List Token a credential's entry is in (``GET /api/v1/status-lists/{n}/token``,
    ``token_status_list``)."""
    return token_url(issuer_url, list_number)


def _holder_key_refused(english: str) -> EcertError:
    return EcertError(
        "bad_holder_key",
        "钱包公钥无效：需要 P-256 曲线的 JWK 格式公钥，且不能包含私钥",
        f"not a wallet public key: {english} (a P-256 public JWK: kty EC, crv P-256, x, y, no d)",
        field="holder_jwk",
    )


def holder_jwk(text: str) -> dict[str, str]:
    """The holder's wallet key from ``text``, a public JWK on P-256 (RFC 7517/7518 §6.2.1), as the
    four members ``cnf.jwk`` carries. Refuses anything else — other curves, a point not on the
    curve, a private key (``d``), which the holder must never hand over."""
    try:
        jwk = json.loads(text)
    except ValueError as error:
        raise _holder_key_refused("not JSON") from error
    if not isinstance(jwk, dict):
        raise _holder_key_refused("not a JSON object")
    if "d" in jwk:
        raise _holder_key_refused("a private key")
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise _holder_key_refused("not an EC key on P-256")
    try:
        x, y = (base64.urlsafe_b64decode(str(jwk[c]) + "=" * (-len(str(jwk[c])) % 4)) for c in "xy")
        if len(x) != 32 or len(y) != 32:
            raise ValueError("a P-256 coordinate has 32 bytes")
        ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
        ).public_key()
    except (KeyError, ValueError, binascii.Error) as error:
        raise _holder_key_refused("x and y are not a point of P-256") from error
    return {"kty": "EC", "crv": "P-256", "x": _b64(x), "y": _b64(y)}


def issue(
    claims: Claims,
    signer: Signer,
    issuance: Issuance,
    *,
    salts: Sequence[bytes] | None = None,
    holder_key: Mapping[str, str] | None = None,
) -> str:
    """The SD-JWT VC ``<jws>~<disclosure>~…~`` of ``claims``, with every disclosure; with
    ``holder_key`` (from ``holder_jwk``) bound to the holder's wallet key by ``cnf.jwk``, so a
    verifier may ask for a Key Binding JWT (RFC 9901 §4.3).

    Salts (``SALT_BYTES`` each) come from ``secrets``; ``salts`` fixes them (one per disclosure, then one
    per decoy) only for test vectors.
    """
    alg = JOSE_ALGORITHMS.get(signer.algorithm)
    if alg is None:
        raise EcertError(
            "unsupported_algorithm",
            "SD-JWT VC 只能用 ES256 或 Ed25519 密钥签发",
            "an SD-JWT VC is signed only with an ES256 or Ed25519 key",
            field="algorithm",
        )
    values = disclosable_values(claims)
    needed = len(DISCLOSABLE)  # a salt per disclosure, then a seed per decoy
    if salts is None:
        salt_texts, seeds = _random_salts(needed)
    elif len(salts) != needed:
        raise ValueError(f"{needed} salts are needed, {len(salts)} given")
    else:
        salt_texts, seeds = [_b64(salt) for salt in salts], list(salts)
    disclosures = [
        _b64(f'["{salt}","{name}",{_json_value(value)}]'.encode())
        for salt, (name, value) in zip(salt_texts, values.items(), strict=False)
    ]
    sha256 = hashlib.sha256
    digests = _b64_digests(
        [sha256(d.encode("ascii")).digest() for d in disclosures]
        + [sha256(seed).digest() for seed in seeds[len(values) :]]
    )
    payload: dict[str, Any] = {
        "iss": issuance.issuer_url,
        "iat": issuance.issued_at,
        "vct": VCT,
        "issuing_authority": {"number": claims.issuer, "name": issuance.authority_name},
        "status": {
            "status_list": {
                "idx": claims.status_offset,
                "uri": status_list_url(issuance.issuer_url, claims.status_list),
            }
        },
        "_sd": sorted(digests),
        "_sd_alg": SD_ALG,
    }
    if holder_key is not None:
        payload["cnf"] = {"jwk": dict(holder_key)}
    if claims.qualification is not None:
        payload["qualification"] = {
            "code": claims.qualification,
            "name": issuance.qualification_name,
        }
    else:
        payload["title"] = claims.title
    header = {"alg": alg, "kid": issuance.kid.hex(), "typ": TYP}
    signing_input = _b64(_json(header)) + "." + _b64(_json(payload))
    signature = _b64(signer.sign(signing_input.encode("ascii")))
    return "~".join([f"{signing_input}.{signature}", *disclosures, ""])


def _random_salts(count: int) -> tuple[list[str], list[bytes]]:
    """``count`` fresh salts as their base64url texts, and their bytes (a decoy digest is the hash
    of one). One system call and one base64 call for the whole credential: a salt of
    ``SALT_BYTES`` (a multiple of three) is exactly ``SALT_BYTES * 4 // 3`` characters of the
    pool's encoding."""
    pool = secrets.token_bytes(SALT_BYTES * count)
    text = _b64(pool)
    width = SALT_BYTES * 4 // 3
    return (
        [text[i : i + width] for i in range(0, len(text), width)],
        [pool[i : i + SALT_BYTES] for i in range(0, len(pool), SALT_BYTES)],
    )


def _json_value(value: Any) -> str:
    """``value`` (a disclosure's: text, a whole number or a flag) as compact JSON, as ``_ENCODE``
    writes it, without the encoder's walk for the common case of text."""
    if isinstance(value, str):
        return _QUOTE(value)
    return _ENCODE(value)


def present(sd_jwt: str, names: Iterable[str]) -> str:
    """The SD-JWT with only the disclosures of the claims ``names`` (``<jws>~<d>~…~``), for a
    holder to hand a verifier; the claims always in clear stay, every other disclosure goes.
    Refuses a name that is not disclosable or not in this credential, so a holder is never told
    a field was shown when it was not."""
    parts = sd_jwt.split("~")
    if len(parts) < 2 or parts[-1] != "" or parts[0].count(".") != 2:
        raise EcertError(
            "bad_sd_jwt",
            "不是有效的 SD-JWT",
            "not an SD-JWT (<jws>~<disclosure>~…~)",
            field="sd_jwt",
        )
    wanted = set(names)
    unknown = sorted(wanted.difference(DISCLOSABLE))
    if unknown:
        raise EcertError(
            "not_disclosable",
            f"不能选择性披露的字段：{', '.join(unknown)}",
            f"not a disclosable field: {', '.join(unknown)}",
            field="fields",
        )
    by_name = {_disclosure_name(d): d for d in parts[1:-1]}
    missing = sorted(wanted.difference(by_name))
    if missing:
        raise EcertError(
            "field_absent",
            f"此证书没有这些字段：{', '.join(missing)}",
            f"this credential has no such field: {', '.join(missing)}",
            field="fields",
        )
    kept = [d for d in parts[1:-1] if _disclosure_name(d) in wanted]
    return "~".join([parts[0], *kept, ""])


def _disclosure_name(disclosure: str) -> str:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(disclosure + "=" * (-len(disclosure) % 4)))
    except ValueError as error:
        raise EcertError(
            "bad_disclosure", "披露项无法解码", "a disclosure cannot be decoded", field="sd_jwt"
        ) from error
    if not (isinstance(decoded, list) and len(decoded) == 3 and isinstance(decoded[1], str)):
        raise EcertError(
            "bad_disclosure",
            "披露项格式错误",
            "a disclosure is not [salt, name, value]",
            field="sd_jwt",
        )
    return decoded[1]
