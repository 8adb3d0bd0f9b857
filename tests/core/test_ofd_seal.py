"""A GB/T 38540 seal on an OFD: the independent verifier (gmssl, generic ASN.1) and ecert's own
check both accept the sealed package, and both refuse it once any part of it changes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ecert.core.documents.ofd import package_zip
from ecert.core.documents.ofd_seal import (
    OfdFailure,
    check_sealed_ofd,
    ofd_seal,
    package_unzip,
)
from ecert.core.documents.seals import round_seal_png
from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm
from ecert.core.formats.ses import SesReason, SesSignature, signature_check
from tests import gm_oracle
from tests.core.ofd_seal_world import (
    SEAL_NAME,
    SEALED_AT,
    STAMP,
    ofd_package,
    seal_key,
    seal_world,
    sealed_files,
    sealed_ofd,
)
from tests.core.signing_world import make_root, make_signer
from tests.ses_verifier import SealInvalid, verify_sealed_ofd

Files = dict[str, bytes]
SIGNED_VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"
SIGNATURE_XML = "Doc_0/Signs/Sign_0/Signature.xml"
SEAL_FILE = "Doc_0/Signs/Sign_0/Seal.esl"
PAGE = "Doc_0/Pages/Page_0/Content.xml"


def test_independent_verifier_accepts_the_sealed_ofd_and_reads_the_seal() -> None:
    world = seal_world()
    seen = verify_sealed_ofd(sealed_ofd(), world.root.certificate)

    assert seen["seal_name"] == SEAL_NAME
    assert seen["picture"] == world.picture
    assert seen["size_mm"] == (40, 40)
    assert seen["signer_certificate"] == world.signer.certificate
    assert seen["boundary"] == "120 200 40 40"


def test_ecerts_check_says_the_sealed_ofd_is_an_original() -> None:
    check = check_sealed_ofd(sealed_ofd(), [seal_world().root.certificate])

    assert check.original
    assert check.reason == SesReason.OK
    assert check.signer_name == "文档签名证书 11"
    assert check.signed_at == SEALED_AT


def test_signs_layout_is_what_ofd_readers_look_for() -> None:
    files = sealed_files()

    assert b"<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>" in files["OFD.xml"]
    listing = files["Doc_0/Signs/Signatures.xml"].decode()
    assert '<ofd:Signature ID="1" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/>' in (
        listing
    )
    signature = files[SIGNATURE_XML].decode()
    assert 'PageRef="2"' in signature  # the page's ID in Document.xml, not its index
    assert 'CheckMethod="1.2.156.10197.1.401"' in signature
    assert signature.count("<ofd:Reference ") == len(files) - 2


def _page_text(files: Files) -> None:
    files[PAGE] = files[PAGE].replace("电子证书".encode(), "伪造证书".encode())


def _page_text_and_its_digest(files: Files) -> None:
    """The forger also rewrites the page's CheckValue, so Signature.xml no longer matches."""
    from ecert.core.formats.ses import sm3

    old = base64.b64encode(sm3(files[PAGE]))
    _page_text(files)
    new = base64.b64encode(sm3(files[PAGE]))
    files[SIGNATURE_XML] = files[SIGNATURE_XML].replace(old, new)


def _seal_picture(files: Files) -> None:
    """Another picture in the seal, in the .esl and inside the signature alike."""
    picture = seal_world().picture
    changed = picture[:-40] + bytes(b ^ 1 for b in picture[-40:-20]) + picture[-20:]
    files[SEAL_FILE] = files[SEAL_FILE].replace(picture, changed)
    files[SIGNED_VALUE] = files[SIGNED_VALUE].replace(picture, changed)


def _seal_file_only(files: Files) -> None:
    picture = seal_world().picture
    files[SEAL_FILE] = files[SEAL_FILE].replace(picture[-30:-20], bytes(10))


def _signer_certificate(files: Files) -> None:
    """The signature claims a certificate of another key under the same root."""
    signature = SesSignature.load(files[SIGNED_VALUE])
    signature["cert"] = seal_world().stranger.certificate
    files[SIGNED_VALUE] = signature.dump(force=True)


def _maker_certificate(files: Files) -> None:
    signature = SesSignature.load(files[SIGNED_VALUE])
    signature["to_sign"]["eseal"]["cert"] = seal_world().stranger.certificate
    files[SIGNED_VALUE] = signature.dump(force=True)


def _added_file(files: Files) -> None:
    files["Doc_0/Res/extra.png"] = seal_world().picture


def _ofd_xml(files: Files) -> None:
    files["OFD.xml"] = files["OFD.xml"].replace("电子证书".encode(), "电子证照".encode())


TAMPERINGS: dict[str, Callable[[Files], None]] = {
    "page": _page_text,
    "page_and_digest": _page_text_and_its_digest,
    "seal_picture": _seal_picture,
    "seal_file": _seal_file_only,
    "signer_certificate": _signer_certificate,
    "maker_certificate": _maker_certificate,
    "added_file": _added_file,
    "ofd_xml": _ofd_xml,
}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_any_change_to_the_package_fails_both_verifiers(tamper: Callable[[Files], None]) -> None:
    files = dict(sealed_files())
    tamper(files)
    assert files != sealed_files()  # the tampering did change something
    tampered = package_zip(files)

    with pytest.raises(SealInvalid):
        verify_sealed_ofd(tampered, seal_world().root.certificate)
    assert not check_sealed_ofd(tampered, [seal_world().root.certificate]).original


def test_a_changed_file_is_reported_as_changed() -> None:
    files = dict(sealed_files())
    _page_text(files)

    check = check_sealed_ofd(package_zip(files), [seal_world().root.certificate])

    assert check.signed
    assert not check.intact
    assert check.reason == OfdFailure.FILE_CHANGED


def test_seal_under_another_root_is_not_trusted() -> None:
    other_root = make_root(Algorithm.SM2_SM3, name="别的根证书")

    check = check_sealed_ofd(sealed_ofd(), [other_root.certificate])

    assert check.intact
    assert not check.trusted
    assert not check.original
    assert check.reason == SesReason.UNTRUSTED
    with pytest.raises(SealInvalid):
        verify_sealed_ofd(sealed_ofd(), other_root.certificate)


def test_signer_not_listed_in_the_seal_cannot_seal_with_it() -> None:
    world = seal_world()
    stranger_key = type(seal_key(world))(
        world.stranger.signer, world.stranger.certificate, world.seal
    )
    files = ofd_seal(ofd_package(), key=stranger_key, place=STAMP, at=SEALED_AT)

    check = check_sealed_ofd(package_zip(files), [world.root.certificate])

    assert check.reason == SesReason.SIGNER_NOT_IN_SEAL
    assert not check.original
    with pytest.raises(SealInvalid, match="certificate list"):
        verify_sealed_ofd(package_zip(files), world.root.certificate)


def test_an_unsealed_ofd_is_not_signed() -> None:
    check = check_sealed_ofd(package_zip(ofd_package()), [seal_world().root.certificate])

    assert not check.signed
    assert not check.original


def test_a_p256_key_cannot_make_a_gb_seal() -> None:
    world = seal_world()
    p256 = make_signer(make_root(), Algorithm.ES256, serial=20)
    key = type(seal_key(world))(p256.signer, p256.certificate, world.seal)

    with pytest.raises(EcertError) as raised:
        ofd_seal(ofd_package(), key=key, place=STAMP, at=SEALED_AT)
    assert raised.value.code == "not_sm2"


def test_a_sealed_ofd_cannot_be_sealed_again_over_its_seal() -> None:
    with pytest.raises(EcertError) as raised:
        ofd_seal(sealed_files(), key=seal_key(seal_world()), place=STAMP, at=SEALED_AT)
    assert raised.value.code == "bad_ofd"


def test_a_zip_that_is_no_ofd_is_refused_with_a_reason() -> None:
    with pytest.raises(EcertError) as raised:
        check_sealed_ofd(package_zip({"hello.txt": b"hi"}), [])
    assert raised.value.code == "bad_ofd"
    with pytest.raises(EcertError):
        package_unzip(b"PK\x03\x04 not really a zip")


def test_seal_signature_over_other_data_fails_its_digest() -> None:
    value = sealed_files()[SIGNED_VALUE]

    check = signature_check(value, b"other data", [seal_world().root.certificate])

    assert check.reason == SesReason.DIGEST_MISMATCH


def _forged_seal(change: str) -> bytes:
    """The province's seal with its picture or maker certificate swapped, maker signature kept."""
    from ecert.core.formats.ses import SESeal

    world = seal_world()
    seal = SESeal.load(world.seal)
    if change == "picture":
        seal["e_seal_info"]["picture"]["data"] = round_seal_png("伪造印章", size=300)
    else:
        seal["cert"] = world.stranger.certificate
    forged: bytes = seal.dump(force=True)
    return forged


@pytest.mark.parametrize("change", ["picture", "maker_certificate"])
def test_a_seal_holder_cannot_change_the_seal_and_sign_again(change: str) -> None:
    """Even the listed signer, signing properly, cannot pass off a seal the maker did not make."""
    world = seal_world()
    key = type(seal_key(world))(world.signer.signer, world.signer.certificate, _forged_seal(change))
    forged = package_zip(ofd_seal(ofd_package(), key=key, place=STAMP, at=SEALED_AT))

    with pytest.raises(SealInvalid, match="seal maker's signature"):
        verify_sealed_ofd(forged, world.root.certificate)
    check = check_sealed_ofd(forged, [world.root.certificate])
    assert check.reason == SesReason.BAD_SEAL
    assert not check.original


VECTOR = Path(__file__).resolve().parents[2] / "docs/formats/vectors/ofd-seal-v1.json"


def test_the_published_vector_is_accepted_by_both_verifiers() -> None:
    vector = json.loads(VECTOR.read_text(encoding="utf-8"))
    ofd = base64.b64decode(vector["sealed_ofd_base64"])
    root = bytes.fromhex(vector["seal_root_certificate_der_hex"])
    files = package_unzip(ofd)
    signature_xml = files["Doc_0/Signs/Sign_0/Signature.xml"]

    seen = verify_sealed_ofd(ofd, root)
    assert seen["signer_certificate"] == bytes.fromhex(vector["signer_certificate_der_hex"])
    assert signature_xml.decode() == vector["signature_xml"]
    assert gm_oracle.sm3_digest(signature_xml).hex() == vector["signature_xml_sm3_hex"]
    assert check_sealed_ofd(ofd, [root]).original
