"""The rules every credential obeys, whichever path records it."""

from __future__ import annotations

from datetime import date

import pytest

from ecert.core.errors import EcertError
from ecert.core.rules.credential_rules import (
    QualificationFacts,
    check_credential,
)
from ecert.core.rules.kinds import CredentialForm
from ecert.core.rules.kinds import CredentialKind as K

CONSTRUCTOR = QualificationFacts(name="建造师", abolished=False, levels=("一级", "二级"))
ADVERTISER = QualificationFacts(name="广告师", abolished=True, levels=())
APPROVED, ISSUED = date(2025, 9, 1), date(2025, 10, 8)


def check(kind: K, facts: QualificationFacts | None, level: str, issued: date = ISSUED) -> None:
    check_credential(
        kind=kind, qualification=facts, level=level, approval_date=APPROVED, issue_date=issued
    )


def test_a_current_qualification_at_a_known_level_passes() -> None:
    check(K.NATIONAL_CERTIFICATE, CONSTRUCTOR, "一级")


def test_an_abolished_qualification_gets_only_a_qualification_proof() -> None:
    check(K.QUALIFICATION_PROOF, ADVERTISER, "")
    with pytest.raises(EcertError, match="only a qualification proof"):
        check(K.NATIONAL_CERTIFICATE, ADVERTISER, "")


def test_a_qualification_proof_is_refused_for_a_current_qualification() -> None:
    with pytest.raises(EcertError, match="abolished qualifications"):
        check(K.QUALIFICATION_PROOF, CONSTRUCTOR, "一级")


def test_an_unknown_level_is_refused_and_the_known_ones_are_named() -> None:
    with pytest.raises(EcertError, match="一级, 二级") as error:
        check(K.EXAM_PROOF, CONSTRUCTOR, "三级")
    assert "没有级别“三级”" in str(error.value)


def test_a_level_for_a_qualification_without_levels_is_refused() -> None:
    with pytest.raises(EcertError, match="has no levels"):
        check(K.QUALIFICATION_PROOF, ADVERTISER, "中级")


def test_an_issue_date_before_approval_is_refused() -> None:
    with pytest.raises(EcertError, match="earlier than the approval date"):
        check(K.EXAM_PROOF, CONSTRUCTOR, "一级", issued=date(2025, 8, 31))


def test_only_title_certificates_may_lack_a_qualification() -> None:
    check(K.TITLE_CERTIFICATE, None, "中级")
    with pytest.raises(EcertError, match="missing"):
        check(K.EXAM_PROOF, None, "")


def test_an_old_paper_certificate_of_an_abolished_qualification_may_be_recorded() -> None:
    check_credential(
        kind=K.NATIONAL_CERTIFICATE,
        qualification=ADVERTISER,
        level="",
        approval_date=APPROVED,
        issue_date=ISSUED,
        form=CredentialForm.PAPER,
    )
    with pytest.raises(EcertError, match="only a qualification proof"):
        check_credential(
            kind=K.NATIONAL_CERTIFICATE,
            qualification=ADVERTISER,
            level="",
            approval_date=APPROVED,
            issue_date=ISSUED,
            form=CredentialForm.ELECTRONIC,
        )
