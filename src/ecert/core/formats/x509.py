"""X.509 certificates for the deployment root CA and each issuing authority's document signer.

The certificates are assembled with asn1crypto and the TBSCertificate is signed through any
``Signer``, because the root key may live in an HSM and may be SM2, which cryptography's
``CertificateBuilder`` cannot use. The profile is a minimal RFC 5280 v3 one: basicConstraints and
keyUsage (both critical), subject and authority key identifiers, and no extendedKeyUsage, which
PDF signing certificates usually lack. Signatures use ecdsa-with-SHA256, Ed25519 (RFC 8410) or
SM2-with-SM3 (GB/T 35276, the (r, s) pair DER-encoded like ECDSA).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import algos, core, keys, x509

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm, Signer, load_verification_key

_SIGNATURE_OIDS = {
    Algorithm.ES256: "1.2.840.10045.4.3.2",  # ecdsa-with-SHA256, RFC 5758 §3.2
    Algorithm.EDDSA: "1.3.101.112",  # id-Ed25519, RFC 8410 §3
    Algorithm.SM2_SM3: "1.2.156.10197.1.501",  # SM2-with-SM3, GM/T 0006
}
_ALGORITHMS_BY_OID = {oid: algorithm for algorithm, oid in _SIGNATURE_OIDS.items()}

_COORDINATE = 32
_MAX_SERIAL = 2**159  # RFC 5280 §4.1.2.2: at most 20 octets, positive
_UB_NAME = 64  # ub-common-name, ub-organization-name, ub-organizational-unit-name, ub-serial-number
_UTC_TIME_YEARS = range(1950, 2050)  # RFC 5280 §4.1.2.5: UTCTime up to 2049, then GeneralizedTime

_ROOT_KEY_USAGE = frozenset({"key_cert_sign", "crl_sign"})
_SIGNER_KEY_USAGE = frozenset({"digital_signature", "non_repudiation"})
_KNOWN_EXTENSIONS = {
    "2.5.29.14": "key_identifier",
    "2.5.29.15": "key_usage",
    "2.5.29.19": "basic_constraints",
    "2.5.29.35": "authority_key_identifier",
}

# What asn1crypto raises on malformed input; it parses lazily, so reading any field may raise.
_ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError)

_NAME_ATTRIBUTES = (
    ("country_name", "country"),
    ("organization_name", "organization"),
    ("organizational_unit_name", "organizational_unit"),
    ("common_name", "common_name"),
    ("serial_number", "serial_number"),
)
_PRINTABLE_ATTRIBUTES = frozenset({"country_name", "serial_number"})  # X.520 says PrintableString
_PRINTABLE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")


@dataclass(frozen=True)
class DistinguishedName:
    """The parts of an X.500 name ecert writes; values are UTF8String, so Chinese round-trips.

    ``country`` is ``None`` only for a name read from a certificate that has no country.
    ``serial_number`` is the X.520 serialNumber attribute (e.g. a unified social credit code).
    """

    common_name: str
    organization: str | None = None
    organizational_unit: str | None = None
    country: str | None = "CN"
    serial_number: str | None = None


@dataclass(frozen=True)
class CertificateInfo:
    """A parsed certificate. Names are kept as DER too: issuer matching compares those bytes."""

    der: bytes
    serial_number: int
    subject: DistinguishedName
    issuer: DistinguishedName
    subject_name_der: bytes
    issuer_name_der: bytes
    not_before: datetime
    not_after: datetime
    is_ca: bool
    path_length: int | None
    key_usage: frozenset[str] | None
    subject_public_key_der: bytes
    subject_key_identifier: bytes | None
    authority_key_identifier: bytes | None
    signature_algorithm: Algorithm
    tbs_der: bytes
    signature_raw: bytes
    fingerprint_sha256: bytes


def key_identifier(spki_der: bytes) -> bytes:
    """SHA-1 of the subjectPublicKey BIT STRING's bits (RFC 5280 §4.2.1.2, method 1)."""
    try:
        bit_string = keys.PublicKeyInfo.load(spki_der, strict=True)["public_key"]
        contents = bytes(bit_string.contents)
    except _ASN1_ERRORS as error:
        raise _bad_public_key() from error
    if not contents or contents[0] != 0:
        raise _bad_public_key()
    return hashlib.sha1(contents[1:], usedforsecurity=False).digest()


def build_certificate(
    *,
    issuer_signer: Signer,
    issuer_name: DistinguishedName | CertificateInfo,
    subject_name: DistinguishedName,
    subject_public_key_der: bytes,
    serial_number: int,
    not_before: datetime,
    not_after: datetime,
    is_ca: bool,
    path_length: int | None = None,
) -> bytes:
    """Build and sign a v3 certificate; DER.

    ``issuer_name`` is either a name (for a self-signed root) or the issuer's own certificate, whose
    subject name is then copied byte for byte and whose key identifier becomes the authority key
    identifier. A CA gets keyCertSign and cRLSign; anything else digitalSignature and
    nonRepudiation. The subject public key is embedded exactly as given.
    """
    issuer_spki = issuer_signer.public_key_der()
    if isinstance(issuer_name, CertificateInfo):
        if issuer_name.subject_public_key_der != issuer_spki:
            raise EcertError(
                "issuer_key_mismatch",
                "签发者证书中的公钥与签名密钥不一致",
                "the issuer certificate's public key is not the signing key's",
            )
        issuer = x509.Name.load(issuer_name.subject_name_der)
        authority_key_id = issuer_name.subject_key_identifier or key_identifier(issuer_spki)
    else:
        issuer = _name(issuer_name)
        authority_key_id = key_identifier(issuer_spki)
    _check_serial(serial_number)
    _check_public_key(subject_public_key_der)
    if path_length is not None and (not is_ca or path_length < 0):
        raise EcertError(
            "bad_path_length",
            "只有 CA 证书可以设置路径长度，且不能为负数",
            "only a CA certificate takes a path length, and it cannot be negative",
        )
    start, end = _utc_seconds(not_before), _utc_seconds(not_after)
    if start >= end:
        raise EcertError(
            "bad_validity",
            "证书有效期的结束时间必须晚于开始时间",
            "not_after must be after not_before",
        )

    algorithm = issuer_signer.algorithm
    try:
        issuer_key = load_verification_key(issuer_spki)
    except EcertError as error:
        raise _bad_public_key() from error
    if issuer_key.algorithm is not algorithm:
        raise EcertError(
            "signer_algorithm_mismatch",
            "签名密钥声明的算法与其公钥不符",
            "the signing key claims an algorithm its public key does not have",
        )
    signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": _SIGNATURE_OIDS[algorithm]})
    spki = keys.PublicKeyInfo.load(subject_public_key_der, strict=True)
    basic_constraints: dict[str, object] = {"ca": is_ca}
    if path_length is not None:
        basic_constraints["path_len_constraint"] = path_length
    extensions = [
        _extension("basic_constraints", basic_constraints, critical=True),
        _extension(
            "key_usage", set(_ROOT_KEY_USAGE if is_ca else _SIGNER_KEY_USAGE), critical=True
        ),
        _extension("key_identifier", key_identifier(subject_public_key_der)),
        _extension("authority_key_identifier", {"key_identifier": authority_key_id}),
    ]
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial_number,
            "signature": signature_algorithm,
            "issuer": issuer,
            "validity": {"not_before": _time(start), "not_after": _time(end)},
            "subject": _name(subject_name),
            "subject_public_key_info": spki,
            "extensions": extensions,
        }
    )
    tbs_der: bytes = tbs.dump()
    signature_raw = issuer_signer.sign(tbs_der)
    # A faulty HSM or a signer that lies about its key must not yield a certificate.
    if not issuer_key.verify(tbs_der, signature_raw):
        raise EcertError(
            "signature_failed",
            "签名密钥生成的签名无法验证，证书未生成",
            "the signing key produced a signature that does not verify; no certificate was made",
        )
    certificate = x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": signature_algorithm,
            "signature_value": _signature_value(algorithm, signature_raw),
        }
    )
    der: bytes = certificate.dump()
    return der


def self_signed_root(
    signer: Signer,
    name: DistinguishedName,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    *,
    path_length: int | None = 0,
) -> bytes:
    """A self-signed root CA; path length 0 by default, as it certifies document signers only."""
    return build_certificate(
        issuer_signer=signer,
        issuer_name=name,
        subject_name=name,
        subject_public_key_der=signer.public_key_der(),
        serial_number=serial,
        not_before=not_before,
        not_after=not_after,
        is_ca=True,
        path_length=path_length,
    )


def parse_certificate(der: bytes) -> CertificateInfo:
    """Read a DER certificate; raise EcertError for anything ecert cannot fully check."""
    try:
        certificate = x509.Certificate.load(der, strict=True)
        certificate.native  # noqa: B018 - forces asn1crypto to parse every field now
        return _read(certificate, der)
    except EcertError:
        raise
    except _ASN1_ERRORS as error:
        raise EcertError(
            "unreadable",
            "证书无法解析（不是有效的 DER X.509 证书）",
            "not a readable DER X.509 certificate",
        ) from error


def verify_issued_by(cert: CertificateInfo, issuer: CertificateInfo) -> bool:
    """True if ``issuer`` signed ``cert``: names and key identifiers match, the issuer may sign
    certificates, and the signature verifies with the issuer's key and that key's own algorithm.
    Validity dates are checked separately with ``valid_at``.
    """
    if cert.issuer_name_der != issuer.subject_name_der or not issuer.is_ca:
        return False
    if issuer.key_usage is not None and "key_cert_sign" not in issuer.key_usage:
        return False
    if issuer.path_length == 0 and cert.is_ca and cert.der != issuer.der:
        return False
    if (
        cert.authority_key_identifier is not None
        and issuer.subject_key_identifier is not None
        and cert.authority_key_identifier != issuer.subject_key_identifier
    ):
        return False
    try:
        key = load_verification_key(issuer.subject_public_key_der)
    except EcertError:
        return False
    if key.algorithm is not cert.signature_algorithm:
        return False
    return key.verify(cert.tbs_der, cert.signature_raw)


def valid_at(cert: CertificateInfo, when: datetime) -> bool:
    """True if ``when`` lies within the validity period, both ends included (RFC 5280 §4.1.2.5)."""
    if when.tzinfo is None:
        raise EcertError("naive_time", "时间必须带时区", "the time must carry a time zone")
    return cert.not_before <= when <= cert.not_after


def _read(certificate: x509.Certificate, der: bytes) -> CertificateInfo:
    tbs = certificate["tbs_certificate"]
    outer_algorithm = certificate["signature_algorithm"]
    if outer_algorithm.dump() != tbs["signature"].dump():
        raise EcertError(
            "inconsistent_algorithm",
            "证书内外两处的签名算法不一致",
            "the certificate names two different signature algorithms",
        )
    algorithm = _algorithm_of(outer_algorithm)
    extensions = _extensions(tbs)
    basic_constraints = extensions.get("basic_constraints")
    key_usage = extensions.get("key_usage")
    authority_key_id = extensions.get("authority_key_identifier")
    subject_key_id = extensions.get("key_identifier")
    subject_name, issuer_name = tbs["subject"], tbs["issuer"]
    return CertificateInfo(
        der=der,
        serial_number=int(tbs["serial_number"].native),
        subject=_distinguished_name(subject_name),
        issuer=_distinguished_name(issuer_name),
        subject_name_der=subject_name.dump(),
        issuer_name_der=issuer_name.dump(),
        not_before=_aware(tbs["validity"]["not_before"].native),
        not_after=_aware(tbs["validity"]["not_after"].native),
        is_ca=bool(basic_constraints is not None and basic_constraints["ca"].native),
        path_length=(
            basic_constraints["path_len_constraint"].native
            if basic_constraints is not None
            else None
        ),
        key_usage=frozenset(key_usage.native) if key_usage is not None else None,
        subject_public_key_der=tbs["subject_public_key_info"].dump(),
        subject_key_identifier=subject_key_id.native if subject_key_id is not None else None,
        authority_key_identifier=(
            authority_key_id["key_identifier"].native if authority_key_id is not None else None
        ),
        signature_algorithm=algorithm,
        tbs_der=tbs.dump(),
        signature_raw=_signature_raw(algorithm, certificate["signature_value"]),
        fingerprint_sha256=hashlib.sha256(der).digest(),
    )


def _algorithm_of(signature_algorithm: algos.SignedDigestAlgorithm) -> Algorithm:
    algorithm = _ALGORITHMS_BY_OID.get(signature_algorithm["algorithm"].dotted)
    # All three identifiers are defined with absent parameters; NULL or anything else is refused.
    if algorithm is None or signature_algorithm["parameters"].native is not None:
        raise EcertError(
            "unsupported_algorithm",
            "证书签名算法不受支持（只支持 ES256、Ed25519 和 SM2）",
            "unsupported certificate signature algorithm (only ES256, Ed25519 and SM2)",
        )
    return algorithm


def _extensions(tbs: x509.TbsCertificate) -> dict[str, Any]:
    """The recognised extensions' parsed values; refuse duplicates and unknown critical ones."""
    found: dict[str, Any] = {}
    seen: set[str] = set()
    for extension in tbs["extensions"]:
        oid = extension["extn_id"].dotted
        if oid in seen:
            raise EcertError(
                "duplicate_extension",
                "证书包含重复的扩展项",
                "the certificate repeats an extension",
            )
        seen.add(oid)
        name = _KNOWN_EXTENSIONS.get(oid)
        if name is None:
            if extension["critical"].native:
                raise EcertError(
                    "unsupported_critical_extension",
                    f"证书包含无法识别的关键扩展项 {oid}",
                    f"the certificate has an unrecognised critical extension {oid}",
                )
            continue
        found[name] = extension["extn_value"].parsed
    return found


def _distinguished_name(name: x509.Name) -> DistinguishedName:
    """The attributes ecert knows; others (locality, e-mail …) are left out of this view only."""
    values: dict[str, str] = {}
    for rdn in name.chosen:
        for attribute in rdn:
            kind = attribute["type"].native
            for asn1_name, field in _NAME_ATTRIBUTES:
                if kind == asn1_name and field not in values:
                    values[field] = str(attribute["value"].native)
    return DistinguishedName(
        common_name=values.get("common_name", ""),
        organization=values.get("organization"),
        organizational_unit=values.get("organizational_unit"),
        country=values.get("country"),
        serial_number=values.get("serial_number"),
    )


def _aware(value: object) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise EcertError(
            "unreadable", "证书有效期时间格式错误", "malformed validity time in the certificate"
        )
    return value.astimezone(UTC)


def _signature_raw(algorithm: Algorithm, signature_value: core.OctetBitString) -> bytes:
    """The signature in the raw COSE form: r || s for ES256 and SM2, the 64 bytes for Ed25519."""
    contents = bytes(signature_value.contents)
    if contents[:1] != b"\x00":
        raise _bad_signature_value()
    body = contents[1:]
    if algorithm is Algorithm.EDDSA:
        if len(body) != 2 * _COORDINATE:
            raise _bad_signature_value()
        return body
    pair = algos.DSASignature.load(body, strict=True)
    r, s = pair["r"].native, pair["s"].native
    if not (0 < r < 2 ** (8 * _COORDINATE) and 0 < s < 2 ** (8 * _COORDINATE)):
        raise _bad_signature_value()
    raw: bytes = r.to_bytes(_COORDINATE, "big") + s.to_bytes(_COORDINATE, "big")
    return raw


def _signature_value(algorithm: Algorithm, raw: bytes) -> bytes:
    """The BIT STRING contents for a raw signature: DER ECDSA-Sig-Value except for Ed25519."""
    if algorithm is Algorithm.EDDSA:
        return raw
    pair = algos.DSASignature(
        {
            "r": int.from_bytes(raw[:_COORDINATE], "big"),
            "s": int.from_bytes(raw[_COORDINATE:], "big"),
        }
    )
    der: bytes = pair.dump()
    return der


def _name(name: DistinguishedName) -> x509.Name:
    """One attribute per RDN, in the order C, O, OU, CN, serialNumber."""
    if not name.common_name:
        raise EcertError(
            "bad_name", "证书名称缺少通用名（CN）", "the name needs a common name (CN)"
        )
    if name.country is not None and not (
        len(name.country) == 2 and name.country.isascii() and name.country.isupper()
    ):
        raise EcertError(
            "bad_name",
            "国家代码必须是两位大写字母，如 CN",
            "the country must be two capital letters, e.g. CN",
        )
    rdns = []
    for asn1_name, field in _NAME_ATTRIBUTES:
        value = getattr(name, field)
        if value is None:
            continue
        if not value or len(value) > _UB_NAME:
            raise EcertError(
                "bad_name",
                f"证书名称的 {field} 必须为 1 至 {_UB_NAME} 个字符",
                f"the name's {field} must be 1 to {_UB_NAME} characters",
            )
        if asn1_name in _PRINTABLE_ATTRIBUTES:
            if not set(value) <= _PRINTABLE:
                raise EcertError(
                    "bad_name",
                    f"证书名称的 {field} 只能包含字母、数字和常用标点",
                    f"the name's {field} may hold only letters, digits and plain punctuation",
                )
            string = x509.DirectoryString(name="printable_string", value=value)
        else:
            string = x509.DirectoryString(name="utf8_string", value=value)
        rdns.append(
            x509.RelativeDistinguishedName(
                [x509.NameTypeAndValue({"type": asn1_name, "value": string})]
            )
        )
    return x509.Name(name="", value=x509.RDNSequence(rdns))


def _extension(kind: str, value: object, *, critical: bool = False) -> x509.Extension:
    return x509.Extension({"extn_id": kind, "critical": critical, "extn_value": value})


def _time(moment: datetime) -> x509.Time:
    kind = "utc_time" if moment.year in _UTC_TIME_YEARS else "general_time"
    return x509.Time(name=kind, value=moment)


def _utc_seconds(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise EcertError("naive_time", "时间必须带时区", "the time must carry a time zone")
    return moment.astimezone(UTC).replace(microsecond=0)


def _check_serial(serial_number: int) -> None:
    if not 0 < serial_number < _MAX_SERIAL:
        raise EcertError(
            "bad_serial",
            "证书序列号必须是正整数且不超过 20 个字节",
            "the serial number must be positive and at most 20 octets",
        )


def _check_public_key(spki_der: bytes) -> None:
    try:
        load_verification_key(spki_der)
        keys.PublicKeyInfo.load(spki_der, strict=True).native  # noqa: B018 - parse it all now
    except (EcertError, *_ASN1_ERRORS) as error:
        raise _bad_public_key() from error


def _bad_public_key() -> EcertError:
    return EcertError(
        "bad_public_key",
        "公钥无法解析或不受支持（只支持 P-256、Ed25519 和 SM2）",
        "the public key cannot be read or is unsupported (only P-256, Ed25519 and SM2)",
    )


def _bad_signature_value() -> EcertError:
    return EcertError(
        "bad_signature_value", "证书签名值格式错误", "malformed signature value in the certificate"
    )
