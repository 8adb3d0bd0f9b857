"""QR text: base42, the HTTPS URL that carries the signed credential, and the size budget of a
version-12 symbol, checked by drawing the PNG and scanning it with a real decoder."""

from __future__ import annotations

import contextlib
from datetime import date

import PIL.Image
import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st

from ecert.core.documents.qr_images import QR_CODES_ONLY
from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import (
    Algorithm,
    SoftwareKey,
    generate_key,
    load_verification_key,
)
from ecert.core.formats.claims import (
    STATUS_LIST_SIZE,
    Claims,
    IdTypeCode,
    KindCode,
    claims_from_cbor,
)
from ecert.core.formats.cose import decode_sign1, sign1, verify_sign1
from ecert.core.formats.qr import (
    ALPHABET,
    MAX_PAYLOAD_CHARS,
    PAYLOAD_VERSION,
    base42_decode,
    base42_encode,
    make_qr,
    parse_qr_text,
    qr_fits,
    qr_text,
    qr_text_length,
)
from ecert.core.identity.idnumbers import Sex
from tests.core.idgen import make_resident_id

QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
HOST = "ZSCX.RST.SHANDONG.GOV.CN"  # 24 characters: the longest verify host we plan for
KID = bytes.fromhex("ffffffff")  # key ids are 4 bytes (signing.services.KID_BYTES)
SIGNED = bytes.fromhex("8443a10126a0440102030458400000") + bytes(61)  # any bytes will do here


def qr_error(text: str) -> str:
    with pytest.raises(EcertError) as caught:
        parse_qr_text(text)
    return caught.value.code


def decode_error(text: str) -> str:
    with pytest.raises(EcertError) as caught:
        base42_decode(text)
    return caught.value.code


# base42


def test_base42_alphabet_is_42_qr_alphanumeric_characters_safe_in_a_url_path():
    assert len(ALPHABET) == len(set(ALPHABET)) == 42
    assert set(ALPHABET) == QR_ALPHANUMERIC - {" ", "%", "/"}


def test_base42_matches_the_documented_example():
    assert base42_encode(bytes.fromhex("01a9")) == "5A0"
    assert base42_decode("5A0") == bytes.fromhex("01a9")


@pytest.mark.parametrize(
    ("data", "text"),
    [(b"", ""), (b"\x00", "00"), (b"\xff", "36"), (b"\x00\x00", "000"), (b"\xff\xff", "F6*")],
)
def test_base42_edges(data, text):
    assert base42_encode(data) == text
    assert base42_decode(text) == data


@given(st.binary(max_size=400))
def test_base42_round_trips_any_bytes(data):
    text = base42_encode(data)
    assert set(text) <= set(ALPHABET)
    assert len(text) == len(data) // 2 * 3 + len(data) % 2 * 2
    assert base42_decode(text) == data


@pytest.mark.parametrize("text", ["5a0", "5A ", "5A/", "5A%", "5AÀ", "５A0"])
def test_base42_refuses_characters_outside_the_alphabet(text):
    assert decode_error(text) == "bad_character"


@pytest.mark.parametrize("text", ["0", "0000", "5A05A05"])
def test_base42_refuses_impossible_lengths(text):
    assert decode_error(text) == "bad_length"


@pytest.mark.parametrize("text", ["G6*", ":::", "5A0:::"])
def test_base42_refuses_a_triple_over_65535(text):
    assert decode_error(text) == "bad_value"


@pytest.mark.parametrize("text", ["46", "::", "5A046"])
def test_base42_refuses_a_pair_over_255(text):
    assert decode_error(text) == "bad_value"


# QR text


def test_qr_text_is_an_upper_case_url_of_qr_alphanumeric_characters():
    text = qr_text("zscx.rst.shandong.gov.cn", SIGNED)
    assert text.startswith(f"HTTPS://{HOST}/V/")
    assert text == text.upper()
    assert set(text) <= QR_ALPHANUMERIC
    assert make_qr(text).mode == "alphanumeric"


def test_qr_text_starts_its_payload_with_the_version_byte():
    payload = qr_text(HOST, SIGNED).rsplit("/", 1)[1]
    assert base42_decode(payload) == bytes([PAYLOAD_VERSION]) + SIGNED


def test_qr_text_round_trips_through_parse():
    assert parse_qr_text(qr_text(HOST, SIGNED)) == (HOST, SIGNED)
    assert parse_qr_text(qr_text("localhost:8000", SIGNED)) == ("LOCALHOST:8000", SIGNED)


def test_a_development_server_gets_an_http_text_that_parses_alike():
    text = qr_text("localhost:8000", SIGNED, scheme="http")
    assert text.startswith("HTTP://LOCALHOST:8000/V/")
    assert set(text) <= QR_ALPHANUMERIC
    assert make_qr(text).mode == "alphanumeric"
    assert len(text) == qr_text_length("localhost:8000", SIGNED, scheme="http")
    assert parse_qr_text(text) == ("LOCALHOST:8000", SIGNED)
    payload = text.split("/V/")[1]
    assert parse_qr_text(f"http://localhost:8000/V/{payload}") == ("LOCALHOST:8000", SIGNED)


@pytest.mark.parametrize("scheme", ["", "ftp", "HTTPS:", "file"])
def test_qr_text_refuses_a_scheme_a_phone_cannot_open(scheme):
    with pytest.raises(EcertError) as caught:
        qr_text(HOST, SIGNED, scheme=scheme)
    assert caught.value.code == "bad_scheme"


@pytest.mark.parametrize("host", ["", "-bad.cn", "a_b.cn", "例子.cn", "host/path", "a..b"])
def test_qr_text_refuses_an_invalid_host(host):
    with pytest.raises(EcertError) as caught:
        qr_text(host, SIGNED)
    assert caught.value.code == "bad_host"


def test_parse_accepts_lower_case_scheme_and_host_and_surrounding_space():
    payload = qr_text(HOST, SIGNED).split("/V/")[1]
    assert parse_qr_text(f" https://zscx.rst.Shandong.gov.cn/V/{payload}\n") == (HOST, SIGNED)


@pytest.mark.parametrize(
    "text",
    [
        "HTTPS://ZSCX.RST.SHANDONG.GOV.CN/v/{payload}",  # the path is compared exactly
        "HTTPS://ZSCX.RST.SHANDONG.GOV.CN/X/{payload}",
        "HTTPS://ZSCX.RST.SHANDONG.GOV.CN/{payload}",
        "HTTPS://ZSCX.RST.SHANDONG.GOV.CN/A/V/{payload}",
        "FTP://ZSCX.RST.SHANDONG.GOV.CN/V/{payload}",
        "HTTPS:/ZSCX.RST.SHANDONG.GOV.CN/V/{payload}",
        "ZSCX.RST.SHANDONG.GOV.CN/V/{payload}",
        "HTTPS://EVIL_HOST/V/{payload}",
        "{payload}",
    ],
)
def test_parse_refuses_text_that_is_not_an_ecert_url(text):
    payload = qr_text(HOST, SIGNED).split("/V/")[1]
    assert qr_error(text.format(payload=payload)) == "not_ecert"


def test_parse_refuses_an_empty_payload():
    assert qr_error(f"HTTPS://{HOST}/V/") == "empty"


def test_parse_refuses_a_payload_of_another_version():
    text = f"HTTPS://{HOST}/V/{base42_encode(bytes([2]) + SIGNED)}"
    assert qr_error(text) == "unsupported_version"
    assert qr_error(f"HTTPS://{HOST}/V/{base42_encode(bytes([0]) + SIGNED)}") == (
        "unsupported_version"
    )


def test_parse_refuses_over_long_text_before_decoding_it():
    longest = "0" * (MAX_PAYLOAD_CHARS - MAX_PAYLOAD_CHARS % 3)
    assert parse_qr_text(f"HTTPS://{HOST}/V/{'460' + longest[3:]}")[0] == HOST
    assert qr_error(f"HTTPS://{HOST}/V/{'0' * (MAX_PAYLOAD_CHARS + 1)}") == "too_long"
    assert qr_error(f"HTTPS://{HOST}/V/{'a' * 10_000}") == "too_long"


@pytest.mark.parametrize(
    ("payload", "code"), [("5a0", "bad_character"), ("5A0A", "bad_length"), (":::", "bad_value")]
)
def test_parse_passes_on_base42_errors(payload, code):
    assert qr_error(f"HTTPS://{HOST}/V/{payload}") == code


@given(st.text(max_size=700))
def test_arbitrary_text_raises_only_qr_error(text):
    try:
        host, signed = parse_qr_text(text)
    except EcertError:
        return
    assert host == host.upper()
    scheme = text.strip().split("://", 1)[0].upper()
    assert qr_text(host, signed, scheme=scheme).upper() == (
        f"{scheme}://{host}/V/{text.strip().split('/V/', 1)[1]}"
    )


@given(st.text(alphabet=ALPHABET + "a/% ", max_size=620))
def test_arbitrary_payload_after_a_good_prefix_raises_only_qr_error(payload):
    with contextlib.suppress(EcertError):
        parse_qr_text(f"HTTPS://{HOST}/V/{payload}")


# The size budget: the largest realistic records fit a version-12 symbol at level M

LONG_NAME = "阿卜杜热合曼·买买提艾力江𠮷堃"  # 15 characters, with a middle dot, 𠮷 and 堃
LONG_SPECIALTY = "建筑工程施工质量安全检测技术管理"
LATEST = date(2099, 12, 31)


def largest_exam_proof() -> Claims:
    """Every number at its longest CBOR form: qualification and issuer as 32-bit codes."""
    return Claims(
        kind=KindCode.EXAM_PROOF,
        public_id="ZZZZZZZZZZZZZZZZ",
        issuer=2**32 - 1,
        signed_at=4_102_444_800,
        status_index=12 * STATUS_LIST_SIZE + STATUS_LIST_SIZE - 1,  # last entry of list 12
        holder_name=LONG_NAME,
        id_type=IdTypeCode.RESIDENT,
        id_number=make_resident_id(date(1988, 5, 17), Sex.MALE, region="653101", seq=499),
        qualification=2**32 - 1,
        level="检测师",
        specialty=LONG_SPECIALTY,
        exam_year=2099,
        approval_date=LATEST,
        number="9" * 19,  # 19-digit exam proof management number
        issue_date=LATEST,
    )


def largest_title_certificate() -> Claims:
    return Claims(
        kind=KindCode.TITLE_CERTIFICATE,
        public_id="ZZZZZZZZZZZZZZZZ",
        issuer=2**32 - 1,
        signed_at=4_102_444_800,
        status_index=12 * STATUS_LIST_SIZE + STATUS_LIST_SIZE - 1,
        holder_name=LONG_NAME,
        id_type=IdTypeCode.RESIDENT,
        id_number=make_resident_id(date(1966, 11, 30), Sex.FEMALE, region="653101", seq=499),
        title="正高级经济师",
        series="经济专业人员",
        level="正高级",
        grassroots=True,
        verification_code="K7M2Q9PX",
        approval_date=LATEST,
        number="鲁170000101100001",
        issue_date=LATEST,
    )


SIGNERS = {algorithm: generate_key(algorithm) for algorithm in Algorithm}
RECORDS = {"exam_proof": largest_exam_proof, "title_certificate": largest_title_certificate}
CASES = [
    (record, algorithm) for record in RECORDS for algorithm in (Algorithm.ES256, Algorithm.SM2_SM3)
]


def test_largest_records_use_the_field_lengths_they_claim():
    claims = largest_exam_proof()
    assert (len(claims.holder_name), len(claims.specialty or ""), len(claims.number)) == (
        15,
        16,
        19,
    )
    assert len(HOST) == 24
    assert claims.status_list == 12


def signed_text(record: str, signer: SoftwareKey) -> str:
    return qr_text(HOST, sign1(RECORDS[record]().to_cbor(), signer, kid=KID, tagged=False))


@pytest.mark.parametrize(("record", "algorithm"), CASES, ids=[f"{r}-{a.name}" for r, a in CASES])
def test_largest_record_fits_version_12_at_level_m(record, algorithm):
    code = make_qr(signed_text(record, SIGNERS[algorithm]))
    assert isinstance(code.version, int)
    assert code.version <= 12
    assert code.error == "M"


@pytest.mark.parametrize(("record", "algorithm"), CASES, ids=[f"{r}-{a.name}" for r, a in CASES])
def test_largest_record_scans_back_from_the_png_and_verifies(record, algorithm, tmp_path):
    signer = SIGNERS[algorithm]
    text = signed_text(record, signer)
    path = tmp_path / "qr.png"
    make_qr(text).save(path, scale=4, border=4)

    with PIL.Image.open(path) as image:
        results = zxingcpp.read_barcodes(image, formats=QR_CODES_ONLY)
    assert [r.text for r in results] == [text]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode

    host, signed = parse_qr_text(results[0].text)
    message = decode_sign1(signed)
    assert host == HOST
    assert verify_sign1(message, load_verification_key(signer.public_key_der()))
    assert claims_from_cbor(message.payload) == RECORDS[record]()


def test_scanned_code_does_not_verify_with_another_signers_key(tmp_path):
    text = signed_text("exam_proof", SIGNERS[Algorithm.ES256])
    path = tmp_path / "qr.png"
    make_qr(text).save(path, scale=4, border=4)
    with PIL.Image.open(path) as image:
        [result] = zxingcpp.read_barcodes(image, formats=QR_CODES_ONLY)
    message = decode_sign1(parse_qr_text(result.text)[1])
    other = generate_key(Algorithm.ES256)
    assert not verify_sign1(message, load_verification_key(other.public_key_der()))


@pytest.mark.parametrize("extra_bytes", [30, 3000], ids=["version-13-to-40", "beyond-version-40"])
def test_over_long_record_is_refused_as_too_big(extra_bytes):
    signed = sign1(
        largest_exam_proof().to_cbor() + bytes(extra_bytes), SIGNERS[Algorithm.SM2_SM3], kid=KID
    )
    with pytest.raises(EcertError) as caught:
        make_qr(qr_text(HOST, signed))
    assert caught.value.code == "too_big"


@pytest.mark.parametrize("size", [200, 255, 256, 257, 258, 259, 300])
def test_the_quick_fit_check_agrees_with_the_encoder(size: int) -> None:
    signed = bytes(range(256)) * 2
    signed = signed[:size]
    host = "VERIFY.EXAMPLE.GOV.CN"

    assert qr_text_length(host, signed) == len(qr_text(host, signed))
    try:
        make_qr(qr_text(host, signed))
        encoded = True
    except EcertError:
        encoded = False
    assert qr_fits(host, signed) is encoded
