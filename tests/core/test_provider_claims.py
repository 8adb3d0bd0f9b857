"""The ID number in an identity provider's claims: present, vouched for, and valid, or refused
with a reason the holder can act on."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdNumber, IdType, Sex
from ecert.core.identity.provider_claims import id_number_from_claims
from tests.core.idgen import make_resident_id

TODAY = date(2026, 12, 6)
NUMBER = make_resident_id(date(1988, 5, 17), Sex.MALE, "370202", 2)


def _read(claims: dict[str, object], verified_claim: str = "verified") -> IdNumber:
    return id_number_from_claims(
        claims,
        number_claim="id_number",
        verified_claim=verified_claim,
        provider="爱山东",
        today=TODAY,
    )


def _refusal(claims: dict[str, object], verified_claim: str = "verified") -> str:
    with pytest.raises(EcertError) as refused:
        _read(claims, verified_claim)
    assert "爱山东" in refused.value.zh
    return refused.value.code


def test_a_verified_number_is_read_in_canonical_form() -> None:
    number = _read({"id_number": NUMBER.lower() + " ", "verified": True})
    assert number.type is IdType.RESIDENT_ID
    assert number.value == NUMBER


def test_a_provider_without_a_verified_claim_is_taken_at_its_word() -> None:
    assert _read({"id_number": NUMBER}, verified_claim="").value == NUMBER


@pytest.mark.parametrize("flag", [True, "true", "TRUE"])
def test_true_in_either_form_counts_as_verified(flag: object) -> None:
    assert _read({"id_number": NUMBER, "verified": flag}).value == NUMBER


@pytest.mark.parametrize("flag", [False, "false", 1, "yes", None])
def test_anything_but_true_is_not_verified(flag: object) -> None:
    claims: dict[str, object] = {"id_number": NUMBER}
    if flag is not None:
        claims["verified"] = flag
    assert _refusal(claims) == "identity_unverified"


@pytest.mark.parametrize("value", [None, "", "  ", 370202198805170021, ["x"]])
def test_a_missing_or_empty_number_is_refused(value: object) -> None:
    claims: dict[str, object] = {"verified": True}
    if value is not None:
        claims["id_number"] = value
    assert _refusal(claims) == "identity_no_id_number"


def test_a_number_with_a_wrong_check_character_is_refused() -> None:
    wrong = NUMBER[:17] + ("1" if NUMBER[17] == "0" else "0")
    assert _refusal({"id_number": wrong, "verified": True}) == "identity_bad_id_number"


@given(st.text(max_size=24))
def test_whatever_a_provider_sends_is_a_number_or_a_refusal(raw: str) -> None:
    code = ""
    try:
        _read({"id_number": raw, "verified": True})
    except EcertError as error:
        code = error.code
    assert code in {"", "identity_no_id_number", "identity_bad_id_number"}
