"""X.509 root and document-signer certificates built with asn1crypto (pure Python, no database).

Each certificate is also read by independent code: cryptography's strict DER parser and
``verify_directly_issued_by`` for ES256 and Ed25519 roots, the OpenSSL command line for all three,
and tongsuopy for the SM2 signature.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtensionOID, NameOID
from hypothesis import given
from hypothesis import strategies as st
from tongsuopy.crypto import hashes as sm_hashes
from tongsuopy.crypto import serialization as sm_serialization
from tongsuopy.crypto.asymciphers import ec as sm_ec

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm, SoftwareKey, generate_key
from ecert.core.formats.x509 import (
    CertificateInfo,
    DistinguishedName,
    build_certificate,
    key_identifier,
    parse_certificate,
    self_signed_root,
    valid_at,
    verify_issued_by,
)

ROOT_NAME = DistinguishedName(
    common_name="电子证书根证书",
    organization="山东省人力资源和社会保障厅",
    organizational_unit="信息中心",
)
SIGNER_NAME = DistinguishedName(
    common_name="济南市人力资源和社会保障局 文档签名证书",
    organization="济南市人力资源和社会保障局",
    serial_number="11370100004187195U",
)
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ROOT_START, ROOT_END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2056, 1, 1, tzinfo=UTC)
SIGNER_START, SIGNER_END = datetime(2026, 2, 1, tzinfo=UTC), datetime(2031, 2, 1, tzinfo=UTC)
PAIRS = [(root, signer) for root in Algorithm for signer in Algorithm]
OPENSSL = shutil.which("openssl")


@dataclasses.dataclass(frozen=True)
class Chain:
    root_key: SoftwareKey
    signer_key: SoftwareKey
    root_der: bytes
    signer_der: bytes

    @property
    def root(self) -> CertificateInfo:
        return parse_certificate(self.root_der)

    @property
    def signer(self) -> CertificateInfo:
        return parse_certificate(self.signer_der)


def make_chain(root_algorithm: Algorithm, signer_algorithm: Algorithm) -> Chain:
    root_key, signer_key = generate_key(root_algorithm), generate_key(signer_algorithm)
    root_der = self_signed_root(root_key, ROOT_NAME, 1, ROOT_START, ROOT_END)
    signer_der = issue(root_key, parse_certificate(root_der), signer_key.public_key_der())
    return Chain(root_key, signer_key, root_der, signer_der)


def issue(
    root_key: SoftwareKey, root: CertificateInfo, public_key_der: bytes, **changes: object
) -> bytes:
    arguments: dict[str, object] = {
        "issuer_signer": root_key,
        "issuer_name": root,
        "subject_name": SIGNER_NAME,
        "subject_public_key_der": public_key_der,
        "serial_number": 0x1234_5678_9ABC_DEF0,
        "not_before": SIGNER_START,
        "not_after": SIGNER_END,
        "is_ca": False,
    }
    arguments.update(changes)
    return build_certificate(**arguments)  # type: ignore[arg-type]


@contextmanager
def refusal(code: str) -> Iterator[None]:
    """Expect a EcertError with ``code`` and a message in Chinese, then English."""
    with pytest.raises(EcertError) as caught:
        yield
    assert caught.value.code == code
    chinese, english = str(caught.value).split(" / ")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    assert english.isascii()


def pem(der: bytes) -> bytes:
    return cx509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def openssl(*arguments: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run(  # noqa: S603 - fixed arguments, our own test files
        [OPENSSL, *arguments], input=stdin, capture_output=True, check=False
    )


def verify_options(root_algorithm: Algorithm) -> list[str]:
    """``openssl verify`` at NOW; OpenSSL 3.0 needs the GM/T 0009 default user id named for SM2."""
    options = ["-attime", str(int(NOW.timestamp())), "-CAfile"]
    if root_algorithm is Algorithm.SM2_SM3:
        options[:0] = ["-vfyopt", "distid:1234567812345678"]
    return options


@pytest.fixture(scope="module")
def es256_chain() -> Chain:
    return make_chain(Algorithm.ES256, Algorithm.ES256)


# Building and reading back


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_root_certificate_reads_back_with_its_fields(algorithm: Algorithm) -> None:
    key = generate_key(algorithm)
    root = parse_certificate(self_signed_root(key, ROOT_NAME, 7, ROOT_START, ROOT_END))

    assert root.subject == ROOT_NAME
    assert root.issuer == ROOT_NAME
    assert root.serial_number == 7
    assert (root.not_before, root.not_after) == (ROOT_START, ROOT_END)
    assert root.is_ca
    assert root.path_length == 0
    assert root.key_usage == frozenset({"key_cert_sign", "crl_sign"})
    assert root.signature_algorithm is algorithm
    assert root.subject_public_key_der == key.public_key_der()
    assert root.subject_key_identifier == root.authority_key_identifier
    assert root.fingerprint_sha256 == hashlib.sha256(root.der).digest()


@pytest.mark.parametrize(("root_algorithm", "signer_algorithm"), PAIRS)
def test_signer_certificate_reads_back_with_its_fields(
    root_algorithm: Algorithm, signer_algorithm: Algorithm
) -> None:
    chain = make_chain(root_algorithm, signer_algorithm)
    root, signer = chain.root, chain.signer

    assert signer.subject == SIGNER_NAME
    assert signer.issuer == ROOT_NAME
    assert signer.issuer_name_der == root.subject_name_der
    assert signer.serial_number == 0x1234_5678_9ABC_DEF0
    assert (signer.not_before, signer.not_after) == (SIGNER_START, SIGNER_END)
    assert not signer.is_ca
    assert signer.path_length is None
    assert signer.key_usage == frozenset({"digital_signature", "non_repudiation"})
    assert signer.signature_algorithm is root_algorithm
    assert signer.authority_key_identifier == root.subject_key_identifier
    assert signer.subject_key_identifier == key_identifier(chain.signer_key.public_key_der())


@pytest.mark.parametrize(("root_algorithm", "signer_algorithm"), PAIRS)
def test_signer_certificate_is_issued_by_its_root(
    root_algorithm: Algorithm, signer_algorithm: Algorithm
) -> None:
    chain = make_chain(root_algorithm, signer_algorithm)

    assert verify_issued_by(chain.signer, chain.root)
    assert verify_issued_by(chain.root, chain.root)


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_subject_public_key_is_embedded_byte_for_byte(algorithm: Algorithm) -> None:
    chain = make_chain(Algorithm.ES256, algorithm)

    assert chain.signer.subject_public_key_der == chain.signer_key.public_key_der()
    assert chain.signer_key.public_key_der() in chain.signer_der


def test_chinese_names_are_written_as_utf8_strings(es256_chain: Chain) -> None:
    organization = "山东省人力资源和社会保障厅".encode()

    assert b"\x0c" + bytes([len(organization)]) + organization in es256_chain.root_der  # UTF8String
    subject = cx509.load_der_x509_certificate(es256_chain.signer_der).subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "济南市人力资源和社会保障局"
    )
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "11370100004187195U"
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "CN"


def test_validity_after_2049_is_written_as_generalized_time(es256_chain: Chain) -> None:
    assert b"\x17\x0d260101000000Z" in es256_chain.root_der  # UTCTime
    assert b"\x18\x0f20560101000000Z" in es256_chain.root_der  # GeneralizedTime
    assert es256_chain.root.not_after == ROOT_END


def test_sub_second_times_are_truncated_to_whole_seconds() -> None:
    key = generate_key(Algorithm.EDDSA)
    start = datetime(2026, 1, 1, 8, 0, 0, 999_999, tzinfo=UTC)
    end = datetime(2030, 1, 1, 16, 0, 0, tzinfo=UTC) + timedelta(hours=8)

    root = parse_certificate(self_signed_root(key, ROOT_NAME, 1, start, end))

    assert root.not_before == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert root.not_after == datetime(2030, 1, 2, tzinfo=UTC)


# Refusing to verify


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_signer_certificate_fails_against_another_root_with_the_same_name(
    algorithm: Algorithm,
) -> None:
    chain = make_chain(algorithm, Algorithm.ES256)
    other_key = generate_key(algorithm)
    other_root = parse_certificate(self_signed_root(other_key, ROOT_NAME, 1, ROOT_START, ROOT_END))

    assert not verify_issued_by(chain.signer, other_root)


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_signature_fails_when_another_key_signs_under_the_roots_identity(
    algorithm: Algorithm,
) -> None:
    chain = make_chain(algorithm, Algorithm.ES256)
    impostor_key = generate_key(algorithm)
    impostor_root = dataclasses.replace(
        chain.root, subject_public_key_der=impostor_key.public_key_der()
    )
    forged = parse_certificate(
        issue(impostor_key, impostor_root, chain.signer_key.public_key_der())
    )

    assert forged.issuer_name_der == chain.root.subject_name_der
    assert forged.authority_key_identifier == chain.root.subject_key_identifier
    assert not verify_issued_by(forged, chain.root)


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_one_changed_byte_in_the_signed_part_fails(algorithm: Algorithm) -> None:
    chain = make_chain(algorithm, Algorithm.SM2_SM3)
    signer = chain.signer
    offset = chain.signer_der.index(signer.tbs_der) + signer.tbs_der.index(b"11370100004187195U")
    tampered = bytearray(chain.signer_der)
    tampered[offset] ^= 0x01  # "0" becomes "1": still a valid PrintableString

    changed = parse_certificate(bytes(tampered))

    assert changed.subject.serial_number == "01370100004187195U"
    assert not verify_issued_by(changed, chain.root)


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_one_changed_signature_byte_fails(algorithm: Algorithm) -> None:
    chain = make_chain(algorithm, Algorithm.EDDSA)
    raw = bytearray(chain.signer.signature_raw)
    raw[-1] ^= 0x01
    changed = dataclasses.replace(chain.signer, signature_raw=bytes(raw))

    assert not verify_issued_by(changed, chain.root)


def test_signature_algorithm_must_be_the_issuer_keys_algorithm(es256_chain: Chain) -> None:
    relabelled = dataclasses.replace(es256_chain.signer, signature_algorithm=Algorithm.SM2_SM3)

    assert not verify_issued_by(relabelled, es256_chain.root)


def test_document_signer_cannot_vouch_for_another_certificate(es256_chain: Chain) -> None:
    signer = es256_chain.signer
    other_key = generate_key(Algorithm.ES256)
    below = parse_certificate(issue(es256_chain.signer_key, signer, other_key.public_key_der()))

    assert below.authority_key_identifier == signer.subject_key_identifier
    assert not verify_issued_by(below, signer)


def test_root_with_path_length_zero_cannot_certify_another_ca(es256_chain: Chain) -> None:
    other_key = generate_key(Algorithm.ES256)
    sub_ca = parse_certificate(
        issue(es256_chain.root_key, es256_chain.root, other_key.public_key_der(), is_ca=True)
    )

    assert sub_ca.is_ca
    assert not verify_issued_by(sub_ca, es256_chain.root)


def test_root_with_no_path_length_can_certify_a_ca() -> None:
    root_key, ca_key = generate_key(Algorithm.ES256), generate_key(Algorithm.SM2_SM3)
    root = parse_certificate(
        self_signed_root(root_key, ROOT_NAME, 1, ROOT_START, ROOT_END, path_length=None)
    )
    sub_ca = parse_certificate(issue(root_key, root, ca_key.public_key_der(), is_ca=True))

    assert root.path_length is None
    assert sub_ca.key_usage == frozenset({"key_cert_sign", "crl_sign"})
    assert verify_issued_by(sub_ca, root)


# Validity


def test_certificate_is_valid_inside_its_period_both_ends_included(es256_chain: Chain) -> None:
    signer = es256_chain.signer

    assert valid_at(signer, NOW)
    assert valid_at(signer, SIGNER_START)
    assert valid_at(signer, SIGNER_END)


def test_certificate_is_not_valid_outside_its_period(es256_chain: Chain) -> None:
    signer = es256_chain.signer
    second = timedelta(seconds=1)

    assert not valid_at(signer, SIGNER_START - second)
    assert not valid_at(signer, SIGNER_END + second)


def test_validity_compares_instants_across_time_zones(es256_chain: Chain) -> None:
    beijing = SIGNER_END.astimezone(ZoneInfo("Asia/Shanghai"))
    assert beijing.hour == 8

    assert valid_at(es256_chain.signer, beijing)
    assert not valid_at(es256_chain.signer, beijing + timedelta(seconds=1))


def test_validity_check_refuses_a_time_without_zone(es256_chain: Chain) -> None:
    with refusal("naive_time"):
        valid_at(es256_chain.signer, datetime(2027, 1, 1))


# Refusing to build


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"not_after": SIGNER_START}, "bad_validity"),
        ({"not_before": datetime(2026, 1, 1)}, "naive_time"),
        ({"serial_number": 0}, "bad_serial"),
        ({"serial_number": 2**159}, "bad_serial"),
        ({"path_length": 0}, "bad_path_length"),
        ({"is_ca": True, "path_length": -1}, "bad_path_length"),
        ({"subject_public_key_der": b"\x30\x03\x02\x01\x01"}, "bad_public_key"),
        ({"subject_name": DistinguishedName(common_name="")}, "bad_name"),
        ({"subject_name": DistinguishedName("签名", country="China")}, "bad_name"),
        ({"subject_name": DistinguishedName("签名", serial_number="统一代码")}, "bad_name"),
        ({"subject_name": DistinguishedName("签" * 65)}, "bad_name"),
    ],
)
def test_building_refuses_bad_arguments(
    es256_chain: Chain, changes: dict[str, object], code: str
) -> None:
    with refusal(code):
        issue(
            es256_chain.root_key,
            es256_chain.root,
            es256_chain.signer_key.public_key_der(),
            **changes,
        )


def test_building_refuses_a_p384_subject_key(es256_chain: Chain) -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    spki = p384.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    with refusal("bad_public_key"):
        issue(es256_chain.root_key, es256_chain.root, spki)


def test_building_refuses_an_issuer_certificate_of_another_key(es256_chain: Chain) -> None:
    other_key = generate_key(Algorithm.ES256)

    with refusal("issuer_key_mismatch"):
        issue(other_key, es256_chain.root, es256_chain.signer_key.public_key_der())


def test_building_refuses_a_signer_that_misstates_its_algorithm(es256_chain: Chain) -> None:
    class Mislabelled:
        algorithm = Algorithm.EDDSA

        def sign(self, data: bytes) -> bytes:
            return es256_chain.root_key.sign(data)

        def public_key_der(self) -> bytes:
            return es256_chain.root_key.public_key_der()

    with refusal("signer_algorithm_mismatch"):
        issue(Mislabelled(), ROOT_NAME, es256_chain.signer_key.public_key_der())  # type: ignore[arg-type]


def test_building_refuses_a_signature_that_does_not_verify(es256_chain: Chain) -> None:
    class Faulty:
        algorithm = Algorithm.ES256

        def sign(self, data: bytes) -> bytes:
            return es256_chain.root_key.sign(data + b"!")

        def public_key_der(self) -> bytes:
            return es256_chain.root_key.public_key_der()

    with refusal("signature_failed"):
        issue(Faulty(), ROOT_NAME, es256_chain.signer_key.public_key_der())  # type: ignore[arg-type]


# Refusing to read


def foreign_certificate(
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    algorithm: hashes.SHA256 | hashes.SHA384,
    extension: cx509.ExtensionType | None = None,
    critical: bool = False,
) -> bytes:
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "foreign")])
    builder = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(1)
        .not_valid_before(ROOT_START)
        .not_valid_after(ROOT_END)
    )
    if extension is not None:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(private_key, algorithm).public_bytes(serialization.Encoding.DER)


def test_reading_refuses_an_unsupported_signature_algorithm() -> None:
    der = foreign_certificate(ec.generate_private_key(ec.SECP384R1()), hashes.SHA384())

    with refusal("unsupported_algorithm"):
        parse_certificate(der)


def test_reading_refuses_an_unknown_critical_extension() -> None:
    unknown = cx509.UnrecognizedExtension(
        cx509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00"
    )
    der = foreign_certificate(
        ec.generate_private_key(ec.SECP256R1()), hashes.SHA256(), unknown, True
    )

    with refusal("unsupported_critical_extension"):
        parse_certificate(der)


def test_reading_accepts_a_foreign_p256_root_without_our_extensions() -> None:
    private_key = ec.generate_private_key(ec.SECP256R1())
    root = parse_certificate(foreign_certificate(private_key, hashes.SHA256()))

    assert root.subject == DistinguishedName("foreign", country=None)
    assert root.signature_algorithm is Algorithm.ES256
    assert not root.is_ca
    assert root.subject_key_identifier is None
    assert not verify_issued_by(root, root)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda der: der + b"\x00",
        lambda der: der[:-1],
        lambda der: b"",
        lambda der: der.replace(
            b"\x2a\x86\x48\xce\x3d\x04\x03\x02", b"\x2a\x86\x48\xce\x3d\x04\x03\x03"
        ),
    ],
    ids=["trailing_byte", "truncated", "empty", "sha384_in_one_place"],
)
def test_reading_refuses_damaged_certificates(es256_chain: Chain, mangle) -> None:
    with pytest.raises(EcertError):
        parse_certificate(mangle(es256_chain.signer_der))


@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_certificate_errors(data: bytes) -> None:
    with suppress(EcertError):
        parse_certificate(data)


SAMPLE = make_chain(Algorithm.SM2_SM3, Algorithm.EDDSA).signer_der


@given(st.integers(0, len(SAMPLE) - 1), st.integers(1, 255), st.integers(0, len(SAMPLE)))
def test_damaged_certificates_raise_only_certificate_errors(
    index: int, flip: int, length: int
) -> None:
    damaged = bytearray(SAMPLE)
    damaged[index] ^= flip
    for data in (bytes(damaged), bytes(damaged[:length])):
        with suppress(EcertError):
            parse_certificate(data)


# Independent implementations


@pytest.mark.parametrize(
    ("root_algorithm", "signer_algorithm"),
    [pair for pair in PAIRS if pair[0] is not Algorithm.SM2_SM3],
)
def test_cryptography_verifies_the_chain(
    root_algorithm: Algorithm, signer_algorithm: Algorithm
) -> None:
    chain = make_chain(root_algorithm, signer_algorithm)
    root = cx509.load_der_x509_certificate(chain.root_der)
    signer = cx509.load_der_x509_certificate(chain.signer_der)

    signer.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)
    constraints = signer.extensions.get_extension_for_class(cx509.BasicConstraints)
    assert constraints.critical
    assert not constraints.value.ca
    assert root.extensions.get_extension_for_class(cx509.SubjectKeyIdentifier).value == (
        cx509.SubjectKeyIdentifier.from_public_key(root.public_key())
    )
    assert not any(e.oid == ExtensionOID.EXTENDED_KEY_USAGE for e in signer.extensions)


@pytest.mark.skipif(OPENSSL is None, reason="the OpenSSL command line is not installed")
@pytest.mark.parametrize(("root_algorithm", "signer_algorithm"), PAIRS)
def test_openssl_reads_and_verifies_the_chain(
    root_algorithm: Algorithm, signer_algorithm: Algorithm, tmp_path: Path
) -> None:
    chain = make_chain(root_algorithm, signer_algorithm)
    root_pem, signer_pem = tmp_path / "root.pem", tmp_path / "signer.pem"
    root_pem.write_bytes(pem(chain.root_der))
    signer_pem.write_bytes(pem(chain.signer_der))

    for der in (chain.root_der, chain.signer_der):
        text = openssl("x509", "-inform", "DER", "-noout", "-text", stdin=der)
        assert text.returncode == 0, text.stderr
    subject = openssl("x509", "-noout", "-subject", "-nameopt", "utf8", "-in", str(root_pem))
    assert "山东省人力资源和社会保障厅" in subject.stdout.decode()
    verified = openssl("verify", *verify_options(root_algorithm), str(root_pem), str(signer_pem))
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.skipif(OPENSSL is None, reason="the OpenSSL command line is not installed")
def test_openssl_refuses_the_chain_with_another_root(tmp_path: Path) -> None:
    chain = make_chain(Algorithm.SM2_SM3, Algorithm.SM2_SM3)
    other = make_chain(Algorithm.SM2_SM3, Algorithm.SM2_SM3)
    (tmp_path / "root.pem").write_bytes(pem(other.root_der))
    (tmp_path / "signer.pem").write_bytes(pem(chain.signer_der))

    verified = openssl(
        "verify",
        *verify_options(Algorithm.SM2_SM3),
        str(tmp_path / "root.pem"),
        str(tmp_path / "signer.pem"),
    )
    assert verified.returncode != 0


@pytest.mark.parametrize("signer_algorithm", list(Algorithm))
def test_tongsuo_verifies_the_sm2_signature(signer_algorithm: Algorithm) -> None:
    chain = make_chain(Algorithm.SM2_SM3, signer_algorithm)
    signer = cx509.load_der_x509_certificate(chain.signer_der)  # cryptography reads, not checks
    root_key = sm_serialization.load_der_public_key(chain.root.subject_public_key_der)
    assert isinstance(root_key, sm_ec.EllipticCurvePublicKey)

    assert signer.signature_algorithm_oid.dotted_string == "1.2.156.10197.1.501"
    assert signer.tbs_certificate_bytes == chain.signer.tbs_der
    root_key.verify(signer.signature, signer.tbs_certificate_bytes, sm_ec.ECDSA(sm_hashes.SM3()))
