"""The offline verifier: one verdict per situation, and each check says why.

Every test asserts the verdict a verifier sees and the outcome and reason of each check, so a
credential that is genuine but revoked or expired is never mistaken for a forgery, and a forgery
is never mistaken for anything genuine.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm
from ecert.core.formats.claims import IdTypeCode, KindCode
from ecert.core.formats.qr import ALPHABET, base42_encode, parse_qr_text, qr_text
from ecert.core.formats.status_list import StatusListDocument, StatusValue
from ecert.core.formats.trust_list import Purpose, TrustList
from ecert.core.formats.verify import (
    Outcome,
    Verdict,
    VerificationResult,
    load_status_list,
    verify_credential,
    verify_qr_text,
)
from ecert.core.identity.idnumbers import Sex
from tests.core.idgen import make_resident_id
from tests.core.signing_world import (
    HOLDER_ID,
    HOLDER_NAME,
    HOST,
    NOW,
    SIGNED_AT,
    Key,
    entry,
    make_claims,
    make_signer,
    sign_credential,
    signed_status_list,
    status_lists,
    trusted,
    world,
)

PASS, FAIL, UNKNOWN, SKIPPED = Outcome.PASS, Outcome.FAIL, Outcome.UNKNOWN, Outcome.SKIPPED
NOT_CHECKED = (UNKNOWN, "not_checked")
HOUR = 3_600


def outcomes(result: VerificationResult) -> dict[str, tuple[Outcome, str]]:
    return {check.name: (check.outcome, check.reason) for check in result.checks}


def verify(
    signed: bytes,
    *,
    trust_list: TrustList | None = None,
    lists: dict[int, StatusListDocument] | None = None,
    holder_name: str | None = None,
    holder_id_number: str | None = None,
) -> VerificationResult:
    """Verify at ``NOW`` against the world's trust list and, unless given, a list saying valid."""
    return verify_credential(
        signed,
        trust_list=trust_list or world().trust_list,
        now=NOW,
        status_lists=status_lists() if lists is None else lists,
        holder_name=holder_name,
        holder_id_number=holder_id_number,
    )


ALL_PASS = {
    "integrity": (PASS, "ok"),
    "signer": (PASS, "ok"),
    "status": (PASS, "ok"),
    "validity": (PASS, "ok"),
    "holder": (SKIPPED, "not_asked"),
}


@cache
def valid_credential() -> bytes:
    return sign_credential(make_claims(), world().authority1)


# Valid


def test_genuine_credential_with_a_current_status_list_is_valid():
    claims = make_claims()

    result = verify(sign_credential(claims, world().authority1))

    assert result.verdict is Verdict.VALID
    assert outcomes(result) == ALL_PASS
    assert result.claims == claims
    assert result.status is StatusValue.VALID
    assert result.authority is not None
    assert result.authority.name == "山东省人力资源和社会保障厅"
    assert result.signer is not None
    assert result.signer.kid == world().authority1.kid


def test_qr_text_of_a_genuine_credential_is_valid():
    text = qr_text(HOST, valid_credential())

    result = verify_qr_text(
        text, trust_list=world().trust_list, now=NOW, status_lists=status_lists()
    )

    assert result.verdict is Verdict.VALID
    assert outcomes(result) == ALL_PASS


@pytest.mark.parametrize("algorithm", list(Algorithm), ids=lambda a: a.name)
def test_credential_signed_with_each_algorithm_is_valid(algorithm):
    key = make_signer(world().root, algorithm)
    trust_list = trusted(world().root, [entry(key, 1)])

    result = verify(sign_credential(make_claims(), key), trust_list=trust_list)

    assert result.verdict is Verdict.VALID
    assert outcomes(result) == ALL_PASS


# Valid, status unknown


def test_without_a_status_list_the_status_is_unknown():
    result = verify(valid_credential(), lists={})

    assert result.verdict is Verdict.VALID_STATUS_UNKNOWN
    assert outcomes(result) == {**ALL_PASS, "status": (UNKNOWN, "no_status_list")}
    assert result.status is None


def test_a_status_list_past_its_next_update_leaves_the_status_unknown():
    lists = status_lists(next_update=int(NOW.timestamp()) - 1)

    result = verify(valid_credential(), lists=lists)

    assert result.verdict is Verdict.VALID_STATUS_UNKNOWN
    assert outcomes(result) == {**ALL_PASS, "status": (UNKNOWN, "status_list_expired")}


def test_a_status_list_for_another_list_number_gives_no_status():
    w = world()
    other = load_status_list(signed_status_list(w.status, list_number=1), w.trust_list)

    result = verify(valid_credential(), lists={1: other})

    assert result.verdict is Verdict.VALID_STATUS_UNKNOWN
    assert result.check("status").reason == "no_status_list"


# Status changes: genuine, and reported as such


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        (StatusValue.REVOKED, Verdict.REVOKED),
        (StatusValue.SUSPENDED, Verdict.SUSPENDED),
        (StatusValue.SUPERSEDED, Verdict.SUPERSEDED),
    ],
    ids=["revoked", "suspended", "superseded"],
)
def test_status_list_entry_makes_a_genuine_credential_revoked_suspended_or_superseded(
    value, verdict
):
    claims = make_claims()
    lists = status_lists({claims.status_offset: value, claims.status_offset + 1: StatusValue.VALID})

    result = verify(sign_credential(claims, world().authority1), lists=lists)

    assert result.verdict is verdict
    assert outcomes(result) == {**ALL_PASS, "status": (FAIL, value.name.lower())}
    assert result.status is value


def test_the_registry_status_overrides_the_status_lists():
    claims = make_claims()
    says_valid = status_lists({claims.status_offset: StatusValue.VALID})
    signed = sign_credential(claims, world().authority1)

    revoked = verify_credential(
        signed,
        trust_list=world().trust_list,
        now=NOW,
        status_lists=says_valid,
        registry_status=StatusValue.REVOKED,
    )
    valid_without_lists = verify_credential(
        signed, trust_list=world().trust_list, now=NOW, registry_status=StatusValue.VALID
    )

    assert revoked.verdict is Verdict.REVOKED
    assert revoked.status is StatusValue.REVOKED
    assert valid_without_lists.verdict is Verdict.VALID
    assert outcomes(valid_without_lists) == ALL_PASS


def test_revocation_is_reported_even_from_a_status_list_past_its_next_update():
    claims = make_claims()
    lists = status_lists(
        {claims.status_offset: StatusValue.REVOKED}, next_update=int(NOW.timestamp()) - 1
    )

    result = verify(sign_credential(claims, world().authority1), lists=lists)

    assert result.verdict is Verdict.REVOKED


def test_only_the_credentials_own_entry_counts():
    claims = make_claims()
    lists = status_lists(
        {
            claims.status_offset - 1: StatusValue.REVOKED,
            claims.status_offset + 1: StatusValue.REVOKED,
        }
    )

    result = verify(sign_credential(claims, world().authority1), lists=lists)

    assert result.verdict is Verdict.VALID


# Validity window; dates are dates in China (NOW is 2026-11-24 16:30 UTC = 2026-11-25 in China)


def test_proof_past_its_last_valid_day_is_expired():
    claims = make_claims(kind=KindCode.SCORE_PROOF, valid_until=date(2026, 11, 1))

    result = verify(sign_credential(claims, world().authority1))

    assert result.verdict is Verdict.EXPIRED
    assert outcomes(result) == {**ALL_PASS, "validity": (FAIL, "expired")}


def test_proof_whose_last_valid_day_is_yesterday_in_china_is_expired_though_today_in_utc():
    claims = make_claims(kind=KindCode.SCORE_PROOF, valid_until=date(2026, 11, 24))

    result = verify(sign_credential(claims, world().authority1))

    assert result.verdict is Verdict.EXPIRED


def test_proof_is_valid_through_its_last_valid_day_in_china():
    claims = make_claims(kind=KindCode.SCORE_PROOF, valid_until=date(2026, 11, 25))

    result = verify(sign_credential(claims, world().authority1))

    assert result.verdict is Verdict.VALID
    assert outcomes(result) == ALL_PASS


def test_credential_issued_in_the_future_is_not_yet_valid():
    claims = make_claims(issue_date=date(2026, 11, 26))

    result = verify(sign_credential(claims, world().authority1))

    assert result.verdict is Verdict.NOT_YET_VALID
    assert outcomes(result) == {**ALL_PASS, "validity": (FAIL, "not_yet_valid")}


def test_credential_issued_today_in_china_is_valid_though_tomorrow_in_utc():
    claims = make_claims(issue_date=date(2026, 11, 25), signed_at=int(NOW.timestamp()) - 60)

    result = verify(sign_credential(claims, world().authority1))

    assert result.verdict is Verdict.VALID


# Not genuine

NOT_GENUINE_REST = {
    "signer": NOT_CHECKED,
    "status": NOT_CHECKED,
    "validity": NOT_CHECKED,
    "holder": NOT_CHECKED,
}


def _revoked_and_expired() -> tuple[bytes, dict[int, StatusListDocument]]:
    """A genuine proof that is revoked and expired, to show tampering outranks both."""
    claims = make_claims(kind=KindCode.SCORE_PROOF, valid_until=date(2026, 1, 1))
    return (
        sign_credential(claims, world().authority1),
        status_lists({claims.status_offset: StatusValue.REVOKED}),
    )


def test_changed_certificate_number_is_not_genuine_rather_than_revoked_or_expired():
    signed, lists = _revoked_and_expired()
    assert verify(signed, lists=lists).verdict is Verdict.REVOKED  # untouched, it is genuine
    at = signed.index(b"2026370100001234") + 15
    tampered = signed[:at] + bytes([signed[at] ^ 1]) + signed[at + 1 :]  # ...1234 -> ...1235

    result = verify(tampered, lists=lists)

    assert result.verdict is Verdict.NOT_GENUINE
    assert outcomes(result) == {"integrity": (FAIL, "bad_signature"), **NOT_GENUINE_REST}


def test_every_single_bit_change_inside_the_claims_is_not_genuine():
    signed, lists = _revoked_and_expired()
    payload = make_claims(kind=KindCode.SCORE_PROOF, valid_until=date(2026, 1, 1)).to_cbor()
    start = signed.index(payload)
    missed = []
    for position in range(start, start + len(payload)):
        for bit in range(8):
            tampered = bytearray(signed)
            tampered[position] ^= 1 << bit
            result = verify(bytes(tampered), lists=lists)
            integrity = result.check("integrity")
            if not (
                result.verdict is Verdict.NOT_GENUINE
                and integrity.outcome is FAIL
                and (
                    integrity.reason == "bad_signature" or integrity.reason.startswith("malformed_")
                )
            ):
                missed.append((position - start, bit, result.verdict, integrity.reason))

    assert missed == []


def test_changed_qr_character_that_still_decodes_is_not_genuine():
    signed, lists = _revoked_and_expired()
    text = qr_text(HOST, signed)
    prefix_length = len(text) - len(base42_encode(b"\x01" + signed))
    byte_offset = 1 + signed.index(b"2026370100001234") + 8  # a byte of the number, in the QR data
    at = prefix_length + 3 * (byte_offset // 2)  # least significant digit of that byte pair
    replacement = ALPHABET[(ALPHABET.index(text[at]) + 1) % len(ALPHABET)]
    tampered = text[:at] + replacement + text[at + 1 :]
    _, decoded = parse_qr_text(tampered)  # still decodes, to different bytes
    assert decoded != signed
    assert len(decoded) == len(signed)

    result = verify_qr_text(tampered, trust_list=world().trust_list, now=NOW, status_lists=lists)

    assert result.verdict is Verdict.NOT_GENUINE
    integrity = result.check("integrity")
    assert integrity.outcome is FAIL
    assert integrity.reason == "bad_signature" or integrity.reason.startswith("malformed_")


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_no_single_bit_change_of_a_signed_credential_verifies(data):
    signed = valid_credential()
    position = data.draw(st.integers(0, len(signed) - 1), label="position")
    bit = data.draw(st.integers(0, 7), label="bit")
    tampered = bytearray(signed)
    tampered[position] ^= 1 << bit

    result = verify(bytes(tampered))

    # A changed key id names no key (untrusted); any other change breaks the message or signature.
    assert result.verdict in {Verdict.NOT_GENUINE, Verdict.UNTRUSTED}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "malformed_not_ecert"),
        ("李娜的证书", "malformed_not_ecert"),
        ("https://zs.rst.shandong.gov.cn/verify?id=1", "malformed_not_ecert"),
        ("FTP://ZS.RST.SHANDONG.GOV.CN/V/0000", "malformed_not_ecert"),
        ("HTTPS://ZS.RST.SHANDONG.GOV.CN/V/", "malformed_empty"),
        ("HTTPS://ZS.RST.SHANDONG.GOV.CN/V/abc", "malformed_bad_character"),
        ("HTTPS://ZS.RST.SHANDONG.GOV.CN/V/0000", "malformed_bad_length"),
        ("HTTPS://ZS.RST.SHANDONG.GOV.CN/V/:::", "malformed_bad_value"),
        ("HTTPS://ZS.RST.SHANDONG.GOV.CN/V/" + "0" * 900, "malformed_too_long"),
        (
            "HTTPS://ZS.RST.SHANDONG.GOV.CN/V/" + base42_encode(b"\x02rest"),
            "malformed_unsupported_version",
        ),
        (
            "HTTPS://ZS.RST.SHANDONG.GOV.CN/V/" + base42_encode(b"\x01\xff\xffnot cose"),
            "malformed_not_cbor",
        ),
        (
            "HTTPS://ZS.RST.SHANDONG.GOV.CN/V/" + base42_encode(b"\x01\x83\x01\x02\x03"),
            "malformed_not_sign1",
        ),
    ],
)
def test_garbage_qr_text_is_not_genuine_with_a_malformed_reason(text, reason):
    result = verify_qr_text(text, trust_list=world().trust_list, now=NOW)

    assert result.verdict is Verdict.NOT_GENUINE
    assert outcomes(result) == {"integrity": (FAIL, reason), **NOT_GENUINE_REST}


@settings(max_examples=200, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.text(alphabet=ALPHABET, max_size=400).map(lambda p: f"HTTPS://{HOST}/V/{p}"),
    )
)
def test_arbitrary_qr_text_is_not_genuine_and_never_raises(text):
    result = verify_qr_text(text, trust_list=world().trust_list, now=NOW)

    assert result.verdict is Verdict.NOT_GENUINE
    assert result.check("integrity").reason.startswith("malformed_")


# Untrusted


def test_credential_from_a_key_the_trust_list_does_not_name_is_untrusted():
    stranger = make_signer(world().root)

    result = verify(sign_credential(make_claims(), stranger))

    assert result.verdict is Verdict.UNTRUSTED
    assert outcomes(result) == {
        "integrity": (UNKNOWN, "unknown_key"),
        "signer": (FAIL, "unknown_signer"),
        "status": NOT_CHECKED,
        "validity": NOT_CHECKED,
        "holder": NOT_CHECKED,
    }
    assert result.signer is None


def test_credential_of_a_kind_the_key_may_not_sign_is_untrusted():
    w = world()
    titles_only = trusted(w.root, [entry(w.authority1, 1, kinds=[KindCode.TITLE_CERTIFICATE])])

    result = verify(sign_credential(make_claims(), w.authority1), trust_list=titles_only)

    assert result.verdict is Verdict.UNTRUSTED
    assert outcomes(result) == {**ALL_PASS, "signer": (FAIL, "signer_not_authorised")}


def test_credential_signed_with_the_status_list_key_is_untrusted():
    result = verify(sign_credential(make_claims(), world().status))

    assert result.verdict is Verdict.UNTRUSTED
    assert result.check("signer").reason == "signer_not_authorised"


def test_credential_naming_another_authority_than_the_keys_is_untrusted():
    claims = make_claims(issuer=2)

    result = verify(sign_credential(claims, world().authority1))

    assert result.verdict is Verdict.UNTRUSTED
    assert outcomes(result) == {**ALL_PASS, "signer": (FAIL, "issuer_mismatch")}


# Key rotation and key revocation

ROTATION = int(NOW.timestamp()) - 30 * 24 * HOUR


def _rotated() -> tuple[Key, Key, TrustList]:
    w = world()
    old, new = w.authority1, make_signer(w.root, serial=9)
    trust_list = trusted(
        w.root, [entry(old, 1, not_after=ROTATION), entry(new, 1, not_before=ROTATION)]
    )
    return old, new, trust_list


def test_credential_signed_by_the_old_key_before_rotation_stays_valid():
    old, _new, trust_list = _rotated()
    claims = make_claims(signed_at=ROTATION - 24 * HOUR)

    result = verify(sign_credential(claims, old), trust_list=trust_list)

    assert result.verdict is Verdict.VALID
    assert outcomes(result) == ALL_PASS


def test_credential_signed_by_the_new_key_after_rotation_is_valid():
    _old, new, trust_list = _rotated()
    claims = make_claims(signed_at=ROTATION + HOUR)

    result = verify(sign_credential(claims, new), trust_list=trust_list)

    assert result.verdict is Verdict.VALID


def test_credential_signed_by_the_old_key_after_rotation_is_untrusted():
    old, _new, trust_list = _rotated()
    claims = make_claims(signed_at=ROTATION + HOUR)

    result = verify(sign_credential(claims, old), trust_list=trust_list)

    assert result.verdict is Verdict.UNTRUSTED
    assert outcomes(result) == {**ALL_PASS, "signer": (FAIL, "outside_signing_window")}


REVOKED_AT = int(NOW.timestamp()) - 10 * 24 * HOUR


def _with_revoked_key() -> TrustList:
    w = world()
    return trusted(w.root, [entry(w.authority1, 1, revoked_at=REVOKED_AT)])


def test_credential_signed_before_its_key_was_revoked_stays_valid():
    claims = make_claims(signed_at=REVOKED_AT - 1)

    result = verify(sign_credential(claims, world().authority1), trust_list=_with_revoked_key())

    assert result.verdict is Verdict.VALID
    assert outcomes(result) == ALL_PASS


@pytest.mark.parametrize("after", [0, HOUR], ids=["at", "after"])
def test_credential_signed_at_or_after_its_key_was_revoked_is_untrusted(after):
    claims = make_claims(signed_at=REVOKED_AT + after)

    result = verify(sign_credential(claims, world().authority1), trust_list=_with_revoked_key())

    assert result.verdict is Verdict.UNTRUSTED
    assert outcomes(result) == {**ALL_PASS, "signer": (FAIL, "signer_revoked")}


# A verifier that keeps running: newer trust lists and status lists count from the first use
# (signer keys already checked are reused across lists; what each list says is read anew).


def test_a_key_a_newer_trust_list_adds_verifies_at_once():
    w = world()
    newcomer = make_signer(w.root, serial=11)
    signed = sign_credential(make_claims(), newcomer)
    older = verify(signed)

    newer = verify(signed, trust_list=trusted(w.root, [entry(w.authority1, 1), entry(newcomer, 1)]))

    assert older.check("signer").reason == "unknown_signer"
    assert newer.verdict is Verdict.VALID
    assert outcomes(newer) == ALL_PASS


def test_a_key_a_newer_trust_list_revokes_stops_verifying_at_once():
    w = world()
    signed = sign_credential(make_claims(), w.authority1)
    before = [verify(signed).verdict for _ in range(20)]
    revoked = trusted(w.root, [entry(w.authority1, 1, revoked_at=SIGNED_AT - HOUR)])

    after = verify(signed, trust_list=revoked)

    assert set(before) == {Verdict.VALID}
    assert after.verdict is Verdict.UNTRUSTED
    assert outcomes(after) == {**ALL_PASS, "signer": (FAIL, "signer_revoked")}
    assert verify(signed, trust_list=revoked).verdict is Verdict.UNTRUSTED


def test_a_key_a_newer_trust_list_drops_is_unknown_at_once():
    w = world()
    signed = sign_credential(make_claims(issuer=2), w.authority2)
    before = verify(signed)

    after = verify(signed, trust_list=trusted(w.root, [entry(w.authority1, 1)]))

    assert before.verdict is Verdict.VALID
    assert after.verdict is Verdict.UNTRUSTED
    assert after.check("signer").reason == "unknown_signer"


def test_a_credential_verified_valid_many_times_is_revoked_by_the_next_status_list():
    claims = make_claims()
    signed = sign_credential(claims, world().authority1)
    current = status_lists()
    before = [verify(signed, lists=current).verdict for _ in range(20)]

    revoked = verify(signed, lists=status_lists({claims.status_offset: StatusValue.REVOKED}))
    revoked_again = verify(signed, lists=status_lists({claims.status_offset: StatusValue.REVOKED}))

    assert set(before) == {Verdict.VALID}
    assert revoked.verdict is Verdict.REVOKED
    assert outcomes(revoked) == {**ALL_PASS, "status": (FAIL, "revoked")}
    assert revoked.status is StatusValue.REVOKED
    assert revoked_again.verdict is Verdict.REVOKED
    assert verify(signed, lists=current).verdict is Verdict.VALID  # the older list, as it said


# Holder match

HOLDER_PASS = {**ALL_PASS, "holder": (PASS, "ok")}


@pytest.mark.parametrize(
    "name", [HOLDER_NAME, f"  {HOLDER_NAME} ", f"\u3000{HOLDER_NAME}\u3000"], ids=repr
)
def test_holders_name_and_id_number_with_lower_case_x_match(name):
    assert HOLDER_ID.endswith("X")

    result = verify(valid_credential(), holder_name=name, holder_id_number=HOLDER_ID.lower())

    assert result.verdict is Verdict.VALID
    assert outcomes(result) == HOLDER_PASS


def test_holders_old_fifteen_digit_id_number_matches():
    old_number = HOLDER_ID[:6] + HOLDER_ID[8:17]

    result = verify(valid_credential(), holder_id_number=old_number)

    assert result.verdict is Verdict.VALID
    assert outcomes(result) == HOLDER_PASS


def test_full_width_latin_name_and_lower_case_passport_number_match():
    claims = make_claims(
        holder_name="MARIA GARCIA", id_type=IdTypeCode.PASSPORT, id_number="PA1234567"
    )
    signed = sign_credential(claims, world().authority1)

    result = verify(signed, holder_name="ＭＡＲＩＡ　ＧＡＲＣＩＡ", holder_id_number="pa1234567")

    assert result.verdict is Verdict.VALID
    assert outcomes(result) == HOLDER_PASS


@pytest.mark.parametrize("name", ["李雅", "李", "   "], ids=repr)
def test_another_name_is_a_holder_mismatch(name):
    result = verify(valid_credential(), holder_name=name, holder_id_number=HOLDER_ID)

    assert result.verdict is Verdict.HOLDER_MISMATCH
    assert outcomes(result) == {**ALL_PASS, "holder": (FAIL, "name_mismatch")}


def test_another_id_number_is_a_holder_mismatch():
    someone_else = make_resident_id(date(1985, 6, 1), Sex.MALE)

    result = verify(valid_credential(), holder_name=HOLDER_NAME, holder_id_number=someone_else)

    assert result.verdict is Verdict.HOLDER_MISMATCH
    assert outcomes(result) == {**ALL_PASS, "holder": (FAIL, "id_number_mismatch")}


# Loading status lists


def test_status_list_signed_by_a_key_without_the_status_list_purpose_is_refused():
    w = world()

    with pytest.raises(EcertError) as raised:
        load_status_list(signed_status_list(w.authority1), w.trust_list)

    assert raised.value.code == "signer_not_authorised"


def test_status_list_signed_by_an_unknown_key_is_refused():
    w = world()

    with pytest.raises(EcertError) as raised:
        load_status_list(signed_status_list(make_signer(w.root)), w.trust_list)

    assert raised.value.code == "unknown_signer"


def test_status_list_changed_after_signing_is_refused():
    w = world()
    signed = signed_status_list(w.status, {5: StatusValue.REVOKED})
    at = len(signed) // 2  # inside the compressed entries
    tampered = signed[:at] + bytes([signed[at] ^ 0x40]) + signed[at + 1 :]

    with pytest.raises(EcertError) as raised:
        load_status_list(tampered, w.trust_list)

    assert raised.value.code == "bad_signature"


def test_status_list_issued_after_its_key_was_revoked_is_refused():
    w = world()
    trust_list = trusted(
        w.root, [entry(w.status, 1, purposes=[Purpose.STATUS_LISTS], revoked_at=REVOKED_AT)]
    )

    with pytest.raises(EcertError):
        load_status_list(signed_status_list(w.status, issued_at=REVOKED_AT), trust_list)
