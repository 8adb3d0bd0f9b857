"""PAdES seals made through both key stores, checked by pyHanko and by poppler's pdfsig.

SM2 keys seal with an SM2/SM3 CMS instead: tests/core/test_pdf_sm2.py."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from ecert.core.documents.pades import SealingKey, pdf_check, pdf_seal
from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm, SoftwareKey, generate_key
from ecert.core.formats.keystore import FileKeyStore, KeyStore, Pkcs11KeyStore
from ecert.core.formats.x509 import (
    DistinguishedName,
    build_certificate,
    parse_certificate,
    self_signed_root,
)
from tests.core.test_keystore import SOFTHSM_MODULE, USER_PIN, softhsm_token  # noqa: F401
from tests.tsa import running_tsa

NOW = datetime.now(UTC)
AUTHORITY = "山东省人力资源和社会保障厅"


@pytest.fixture(scope="module")
def root() -> tuple[SoftwareKey, bytes]:
    key = generate_key(Algorithm.ES256)
    name = DistinguishedName(common_name="ecert 测试根证书", organization="ecert")
    return key, self_signed_root(key, name, 7, NOW - timedelta(days=1), NOW + timedelta(days=3650))


def _blank_pdf() -> bytes:
    document = pikepdf.new()
    document.add_blank_page(page_size=(595, 842))
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _sealing_key(
    store: KeyStore, root: tuple[SoftwareKey, bytes], algorithm: Algorithm
) -> SealingKey:
    signer = store.generate("sd-hrss-pdf", algorithm)
    root_key, root_der = root
    certificate = build_certificate(
        issuer_signer=root_key,
        issuer_name=parse_certificate(root_der),
        subject_name=DistinguishedName(common_name=AUTHORITY, organization="ecert"),
        subject_public_key_der=signer.public_key_der(),
        serial_number=11,
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=365),
        is_ca=False,
    )
    return SealingKey(signer=signer, certificate=certificate, chain=(root_der,))


@pytest.fixture
def file_store(tmp_path: Path) -> KeyStore:
    return FileKeyStore(tmp_path / "keys", b"correct horse battery staple")


@pytest.fixture
def token(softhsm_token: str) -> Iterator[KeyStore]:  # noqa: F811 - the imported fixture
    with Pkcs11KeyStore(SOFTHSM_MODULE, softhsm_token, USER_PIN) as store:
        yield store


@pytest.mark.parametrize("store_fixture", ["file_store", "token"])
def test_a_pdf_sealed_through_either_key_store_is_an_original(
    request: pytest.FixtureRequest, root: tuple[SoftwareKey, bytes], store_fixture: str
) -> None:
    store: KeyStore = request.getfixturevalue(store_fixture)
    key = _sealing_key(store, root, Algorithm.ES256)

    sealed = pdf_seal(_blank_pdf(), key, reason="电子证书 TEST", location=AUTHORITY)
    check = pdf_check(sealed, [root[1]])

    assert check.original
    assert AUTHORITY in check.signer_name
    assert check.reason == "电子证书 TEST"
    assert check.timestamp is None  # B-B without a timestamp authority


def test_an_ed25519_key_seals_too(file_store: KeyStore, root: tuple[SoftwareKey, bytes]) -> None:
    key = _sealing_key(file_store, root, Algorithm.EDDSA)

    assert pdf_check(pdf_seal(_blank_pdf(), key, reason="r"), [root[1]]).original


def test_a_seal_from_an_untrusted_root_is_intact_but_not_trusted(
    file_store: KeyStore, root: tuple[SoftwareKey, bytes]
) -> None:
    sealed = pdf_seal(_blank_pdf(), _sealing_key(file_store, root, Algorithm.ES256), reason="r")
    stranger = generate_key(Algorithm.ES256)
    other_root = self_signed_root(
        stranger,
        DistinguishedName(common_name="别的根"),
        9,
        NOW - timedelta(days=1),
        NOW + timedelta(days=9),
    )

    check = pdf_check(sealed, [other_root])

    assert (check.intact, check.trusted, check.original) == (True, False, False)


def test_pdfsig_accepts_the_seal_and_rejects_a_changed_byte(
    tmp_path: Path, file_store: KeyStore, root: tuple[SoftwareKey, bytes]
) -> None:
    pdfsig = shutil.which("pdfsig")
    assert pdfsig is not None, "poppler-utils must be installed (apt-get install poppler-utils)"
    sealed = pdf_seal(_blank_pdf(), _sealing_key(file_store, root, Algorithm.ES256), reason="r")
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(sealed)
    changed = bytearray(sealed)
    changed[sealed.index(b"/MediaBox") + 12] ^= 0x01  # inside the signed range: 595 → 495-ish
    bad.write_bytes(bytes(changed))

    ok = subprocess.run([pdfsig, str(good)], capture_output=True, text=True, check=False)  # noqa: S603
    broken = subprocess.run([pdfsig, str(bad)], capture_output=True, text=True, check=False)  # noqa: S603

    assert "Signature is Valid." in ok.stdout
    assert "Total document signed" in ok.stdout
    assert "Signature is Valid." not in broken.stdout
    assert not pdf_check(bytes(changed), [root[1]]).original


def test_a_timestamp_authority_makes_the_seal_b_t(
    file_store: KeyStore, root: tuple[SoftwareKey, bytes]
) -> None:
    with running_tsa() as tsa:
        sealed = pdf_seal(
            _blank_pdf(),
            _sealing_key(file_store, root, Algorithm.ES256),
            reason="r",
            timestamp_url=tsa.url,
        )
        check = pdf_check(sealed, [root[1], tsa.root_der])

    assert check.original
    assert check.timestamp is not None
    assert abs(check.timestamp - datetime.now(UTC)) < timedelta(minutes=5)


def test_an_unreachable_timestamp_authority_fails_the_seal_instead_of_downgrading(
    file_store: KeyStore, root: tuple[SoftwareKey, bytes]
) -> None:
    with pytest.raises(EcertError) as raised:
        pdf_seal(
            _blank_pdf(),
            _sealing_key(file_store, root, Algorithm.ES256),
            reason="r",
            timestamp_url="http://127.0.0.1:9/tsa",
        )

    assert raised.value.code == "signing_failed"


def test_garbage_is_not_a_pdf(root: tuple[SoftwareKey, bytes]) -> None:
    with pytest.raises(EcertError):
        pdf_check(b"not a pdf at all", [root[1]])
