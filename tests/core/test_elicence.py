"""The GB/T 36903 metadata record (docs/formats/elicence.md): the published vector is what the code
writes, the mapping document names exactly the code's elements and status codes, and the reader's
checks refuse what a platform would refuse."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import sm3_digest
from ecert.core.formats.claims import Claims, IdTypeCode, SexCode
from ecert.core.formats.elicence import (
    HOLDER_TYPES,
    LONG_TERM,
    REQUIRED,
    Element,
    LicenceFacts,
    LicenceFile,
    LicenceStatus,
    record_check,
    record_xml,
)
from ecert.core.formats.identifiers import LicenceIdentifier, parse_identifier
from ecert.core.rules.kinds import CredentialStatus
from tests.core.format_vectors import example_claims
from tests.gm_oracle import sm3_digest as oracle_sm3

DOCS = Path(__file__).resolve().parents[2] / "docs" / "formats"
VECTOR = DOCS / "vectors" / "elicence-v1.xml"
# The made-up codes of identifiers.md's worked example; type code as signing gives it for kind 3.
ISSUER_CODE = "11370000MB00000028"
VECTOR_DOCUMENT = b"ecert e-licence test vector: stands for the sealed document\n"


def _identifier(claims: Claims, version: int = 1) -> str:
    return LicenceIdentifier.build(
        type_code=f"ECERT{int(claims.kind):02d}",
        issuer_code=ISSUER_CODE,
        serial=claims.status_index,
        serial_width=12,
        version=version,
    ).text


def vector_inputs() -> tuple[Claims, LicenceFacts]:
    """The vector's claims (the exam proof of vectors/v1.json) and what the record adds."""
    claims = example_claims()["exam_proof"]
    facts = LicenceFacts(
        identifier=_identifier(claims),
        issuer_name="山东省人事考试中心",
        qualification_name="一级建造师",
        status=LicenceStatus.VALID,
        file=LicenceFile(
            name=f"{_identifier(claims)}.pdf",
            media_type="application/pdf",
            size=len(VECTOR_DOCUMENT),
            sm3=sm3_digest(VECTOR_DOCUMENT).hex(),
            sha256=hashlib.sha256(VECTOR_DOCUMENT).hexdigest(),
        ),
    )
    return claims, facts


def _record(**changes: object) -> bytes:
    claims, facts = vector_inputs()
    return record_xml(claims, replace(facts, **changes))  # type: ignore[arg-type]


def test_the_published_vector_is_what_the_code_writes() -> None:
    claims, facts = vector_inputs()
    assert record_xml(claims, facts) == VECTOR.read_bytes()


def test_the_vector_passes_the_checks_and_says_what_the_claims_say() -> None:
    values = record_check(VECTOR.read_bytes())
    claims, _ = vector_inputs()
    assert values["certificateHolderName"] == "张𠮷堃"
    assert values["certificateHolderCode"] == claims.id_number
    assert values["certificateNumber"] == claims.number
    assert values["certificateIssuedDate"] == "2024-11-24"
    assert values["certificateEffectiveDate"] == "2024-10-31"
    assert values["certificateExpiringDate"] == LONG_TERM
    assert values["certificateStatus"] == "有效"
    identifier = parse_identifier(values["certificateIdentifier"])
    assert identifier.serial == f"{claims.status_index:012d}"
    assert values["certificateTypeCode"] == identifier.type_code == "ECERT03"


def test_the_vectors_document_digests_agree_with_an_independent_sm3() -> None:
    text = VECTOR.read_text()
    assert oracle_sm3(VECTOR_DOCUMENT).hex() in text
    assert hashlib.sha256(VECTOR_DOCUMENT).hexdigest() in text


def _doc_rows(heading: str) -> list[list[str]]:
    """The table rows under ``heading`` in elicence.md, cells stripped."""
    text = (DOCS / "elicence.md").read_text()
    lines = text.split(f"\n{heading}\n", 1)[1].splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("|"))
    rows: list[str] = []
    for line in lines[start:]:  # the first table after the heading, to its end
        if not line.startswith("|"):
            break
        rows.append(line)
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_the_mapping_document_names_every_element_of_the_code_and_no_other() -> None:
    rows = _doc_rows("## Elements")
    documented = {re.sub(r"`", "", row[0]) for row in rows}
    assert documented == {element.value for element in Element}
    required = {re.sub(r"`", "", row[0]) for row in rows if row[3] == "yes"}
    assert required == {element.value for element in REQUIRED}


def test_the_mapping_document_gives_the_codes_status_table() -> None:
    rows = _doc_rows("## Status")
    documented = {row[0].strip("`"): (row[1].strip("`"), row[2]) for row in rows}
    assert documented == {
        status.value: (LicenceStatus.of(status).value, LicenceStatus.of(status).label)
        for status in CredentialStatus
    }


def test_a_revoked_credential_carries_the_revoked_status_code() -> None:
    values = record_check(_record(status=LicenceStatus.REVOKED, file=None))
    assert values["certificateStatus"] == "撤销"
    assert b'<certificateStatus code="3">' in _record(status=LicenceStatus.REVOKED, file=None)
    assert "certificateFile" not in values


def test_a_superseded_record_names_its_replacement_and_is_refused_without_it() -> None:
    claims, _ = vector_inputs()
    newer = _identifier(claims, version=2)
    values = record_check(_record(status=LicenceStatus.SUPERSEDED, replaced_by=newer))
    assert values["replacedByIdentifier"] == newer
    bare = _record(status=LicenceStatus.SUPERSEDED)
    with pytest.raises(EcertError) as refused:
        record_check(bare)
    assert (refused.value.code, refused.value.field) == ("missing_element", "replacedByIdentifier")


@pytest.mark.parametrize("element", [e.value for e in REQUIRED])
def test_a_record_without_a_required_element_is_refused_naming_it(element: str) -> None:
    xml = _record().decode()
    without = re.sub(rf"\s*<{element}[ >].*?</{element}>", "", xml, count=1, flags=re.S)
    assert without != xml
    with pytest.raises(EcertError) as refused:
        record_check(without.encode())
    assert (refused.value.code, refused.value.field) == ("missing_element", element)


def test_a_wrong_identifier_check_character_is_refused() -> None:
    claims, facts = vector_inputs()
    good = facts.identifier
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    xml = _record().replace(good.encode(), wrong.encode())
    with pytest.raises(EcertError) as refused:
        record_check(xml)
    assert refused.value.code == "bad_check"
    with pytest.raises(EcertError):
        record_xml(claims, replace(facts, identifier=wrong))


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (b"<certificateIssuedDate>2024-11-24<", b"<certificateIssuedDate>2024-02-30<", "bad_date"),
        (b'<certificateStatus code="1">', b'<certificateStatus code="9">', "bad_status"),
        (b"<certificateTypeCode>ECERT03<", b"<certificateTypeCode>ECERT04<", "type_mismatch"),
        (b'algorithm="SM3">', b'algorithm="MD5">', "bad_digest"),
        (b"<certificateNumber>2024037370000012345<", b"<certificateNumber> <", "empty_element"),
        (b"</LicenceMetadata>", b"</LicenceMetadat>", "bad_xml"),
    ],
)
def test_malformed_codes_and_dates_are_refused(old: bytes, new: bytes, code: str) -> None:
    xml = _record()
    assert old in xml
    with pytest.raises(EcertError) as refused:
        record_check(xml.replace(old, new))
    assert refused.value.code == code


def test_a_passport_holder_is_named_by_type_without_an_unconfirmed_code() -> None:
    claims, facts = vector_inputs()
    passport = replace(
        claims,
        id_type=IdTypeCode.PASSPORT,
        id_number="E12345678",
        sex=SexCode.MALE,
        birth_month=(1990, 5),
        valid_until=date(2025, 11, 23),
    )
    xml = record_xml(passport, facts)
    values = record_check(xml)
    assert values["certificateHolderTypeName"] == HOLDER_TYPES[IdTypeCode.PASSPORT][0]
    assert b"<certificateHolderTypeName>" in xml  # no code attribute
    assert values["certificateExpiringDate"] == "2025-11-23"
    assert '<item label="性别" claim="sex">男</item>' in xml.decode()


def test_a_character_xml_cannot_carry_is_refused_with_its_element() -> None:
    with pytest.raises(EcertError) as refused:
        _record(issuer_name="山东省\x0b人事考试中心")
    assert (refused.value.code, refused.value.field) == (
        "bad_character",
        "certificateIssuingAuthorityName",
    )


def test_sm3_is_the_standards_sm3() -> None:
    # GB/T 32905-2016 Appendix A, example 1.
    assert sm3_digest(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
