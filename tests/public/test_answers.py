"""What a verifier is told about a scanned QR code or a query: the verdict first, masked facts."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ecert.core.formats import trust_list as trust_list_module
from ecert.core.formats import verify as verify_module
from ecert.core.formats.qr import qr_text
from ecert.core.formats.status_list import StatusValue
from ecert.core.formats.verify import Check, Outcome, Verdict
from ecert.core.rules.kinds import CredentialKind, CredentialStatus
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_set_status
from ecert.verification import answers as answers_module
from ecert.verification import services as services_module
from ecert.verification.answers import CHECK_NOT_DONE, Answer, check_text
from ecert.verification.models import Channel, VerificationEvent
from ecert.verification.services import Asker, code_verify, qr_verify, query_verify, signed_answer
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.public.conftest import NOW, qr_of

ANYONE = Asker("203.0.113.7")


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Any) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234", now=NOW)


def test_a_genuine_valid_credential_is_valid_with_masked_facts(proof: Credential) -> None:
    answer = qr_verify(text=qr_of(proof), now=NOW, asker=ANYONE)

    assert answer.verdict is Verdict.VALID
    assert answer.facts is not None
    assert answer.facts.holder_name == "张*"
    id_number = answer.facts.id_number
    assert (id_number[:4], id_number[4:14], len(id_number)) == ("3701", "*" * 10, 18)
    assert answer.facts.number == "2025370100001234"
    assert answer.facts.qualification == "监理工程师"
    assert answer.facts.issuer == "山东省人力资源和社会保障厅"


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (CredentialStatus.SUSPENDED, Verdict.SUSPENDED),
        (CredentialStatus.REVOKED, Verdict.REVOKED),
    ],
)
def test_the_registry_status_decides_at_once(
    world: World, proof: Credential, status: CredentialStatus, verdict: Verdict
) -> None:
    credential_set_status(
        actor=world.user("province_admin"), credential=proof, status=status, reason="核查"
    )

    answer = qr_verify(text=qr_of(proof), now=NOW, asker=ANYONE)

    assert answer.verdict is verdict
    assert answer.genuine  # suspended or revoked, never "forged"


def test_a_replaced_credential_names_its_replacement(world: World, proof: Credential) -> None:
    Credential.objects.filter(pk=proof.pk).update(approval_date=date(2024, 9, 1))
    newer = signed_proof(world, "jinan", "2025370100005678", now=NOW)
    Credential.objects.filter(pk=newer.pk).update(supersedes=proof)
    Credential.objects.filter(pk=proof.pk).update(status=CredentialStatus.SUPERSEDED)

    answer = qr_verify(text=qr_of(proof), now=NOW, asker=ANYONE)

    assert answer.verdict is Verdict.SUPERSEDED
    assert answer.replaced_by == "2025370100005678"


def test_an_altered_payload_is_not_genuine_and_shows_nothing(proof: Credential) -> None:
    signed = bytearray(bytes(proof.signed or b""))
    signed[40] ^= 0x01  # a byte inside the claims

    answer = qr_verify(text=qr_text("VERIFY.EXAMPLE", bytes(signed)), now=NOW, asker=ANYONE)

    assert answer.verdict is Verdict.NOT_GENUINE
    assert answer.facts is None


@pytest.mark.parametrize("text", ["", "hello", "HTTPS://X/V/", "HTTPS://X/V/!!!", "HTTPS://X/V/AB"])
def test_text_that_is_no_ecert_code_is_not_genuine(
    world: World, issuing_keys: Any, text: str
) -> None:
    assert qr_verify(text=text, now=NOW, asker=ANYONE).verdict is Verdict.NOT_GENUINE


def test_a_scan_is_logged_with_the_credential_and_address(proof: Credential) -> None:
    qr_verify(text=qr_of(proof), now=NOW, asker=ANYONE)

    event = VerificationEvent.objects.get()
    assert (event.channel, event.credential_id, event.address, event.verdict) == (
        "qr",
        proof.pk,
        "203.0.113.7",
        "valid",
    )


def test_the_query_needs_name_id_number_and_number_all_right(
    world: World, proof: Credential
) -> None:
    id_number = _id_number(proof)

    found = _query("张堃", id_number.lower(), "2025370100001234")
    wrong_name = _query("张三", id_number, "2025370100001234")
    wrong_number = _query("张堃", id_number, "2025370100001235")
    wrong_id = _query("张堃", "370102198805170000", "2025370100001234")

    assert found is not None
    assert found.verdict is Verdict.VALID
    assert (wrong_name, wrong_number, wrong_id) == (None, None, None)


def test_every_query_is_logged_masked(world: World, proof: Credential) -> None:
    id_number = _id_number(proof)
    _query("张堃", id_number, "NOPE")

    event = VerificationEvent.objects.get()
    assert event.verdict == "not_found"
    assert id_number not in event.asked
    assert "张堃" not in event.asked
    assert event.asked.startswith("张* 3701")


def test_an_unsigned_registry_record_is_answered_from_the_registry(world: World) -> None:
    """A row from before every credential was signed (an older deployment's record)."""
    credential = world.credentials["qingdao"]
    Credential.objects.filter(pk=credential.pk).update(signed=None)

    answer = _query("李喆", _id_number(credential), "TEST00000002")

    assert answer is not None
    assert answer.verdict is Verdict.VALID
    assert answer.facts is not None
    assert answer.facts.qualification == "建造师"
    assert answer.check("integrity").reason == "registry_record"


def test_a_title_certificate_is_found_by_its_verification_code(world: World) -> None:
    Credential.objects.filter(pk=world.credentials["institution"].pk).update(
        kind=CredentialKind.TITLE_CERTIFICATE, verification_code="K7M3Q9XW"
    )

    found = code_verify(code=" k7m3q9xw ", now=NOW, asker=ANYONE)
    missing = code_verify(code="K7M3Q9XX", now=NOW, asker=ANYONE)

    assert found is not None
    assert found.facts is not None
    assert found.facts.holder_name == "孙*"
    assert missing is None
    assert list(VerificationEvent.objects.values_list("verdict", "asked")) == [
        ("not_found", "K7***"),
        ("valid", "K7***"),
    ]


def _query(name: str, id_number: str, number: str) -> Answer | None:
    """The online query by a stranger, as the page asks it."""
    return query_verify(
        name=name, id_number=id_number, number=number, now=NOW, asker=ANYONE, channel=Channel.QUERY
    )


def _id_number(credential: Credential) -> str:
    from ecert.credentials.services import holder_id_number

    return holder_id_number(credential.holder)


def test_not_yet_valid_registry_record(world: World) -> None:
    credential = world.credentials["henan"]
    Credential.objects.filter(pk=credential.pk).update(issue_date=date(2027, 1, 1), signed=None)

    answer = _query("赵昇", _id_number(credential), "TEST00000004")

    assert answer is not None
    assert answer.verdict is Verdict.NOT_YET_VALID


def test_every_reason_the_verifier_gives_has_words_for_the_page() -> None:
    """Each (check, reason) the verifiers can produce, read from their source, is put in words."""
    sources = [
        Path(verify_module.__file__).read_text(encoding="utf-8"),
        Path(answers_module.__file__).read_text(encoding="utf-8"),
        Path(services_module.__file__).read_text(encoding="utf-8"),
    ]
    literal = re.compile(r'Check\(\s*"(\w+)",\s*Outcome\.\w+,\s*f?"(\w+)')
    found = {match.groups() for source in sources for match in literal.finditer(source)}
    trust = Path(trust_list_module.__file__).read_text(encoding="utf-8")
    found |= {("signer", problem) for problem in re.findall(r'return "(\w+)"', trust)}
    found |= {("status", v.name.lower()) for v in StatusValue if v is not StatusValue.VALID}

    assert len(found) > 20
    without = sorted(
        (name, reason)
        for name, reason in found
        if check_text(Check(name, Outcome.FAIL, reason)) == CHECK_NOT_DONE
        and reason != "not_checked"
    )
    assert without == []
    assert check_text(Check("integrity", Outcome.FAIL, "malformed_cbor"))[0] == "码的内容格式不正确"


def test_answering_a_scanned_code_reads_one_registry_row_and_nothing_else(
    proof: Credential, django_assert_num_queries: Any
) -> None:
    """The busiest path of the API: with the trust list in hand, the registry row (status, kind,
    form) is its one query; a field left out of that row would cost a query per verification."""
    signed = bytes(proof.signed or b"")
    signed_answer(signed, now=NOW)  # builds and keeps the trust list

    with django_assert_num_queries(1):
        answer = signed_answer(signed, now=NOW)

    assert answer.verdict is Verdict.VALID
