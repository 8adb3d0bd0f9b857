"""The vocabulary shared by every layer: credential kinds, statuses, forms, authority kinds and levels."""

from __future__ import annotations

from enum import StrEnum


class CredentialKind(StrEnum):
    """What a credential is (DESIGN.md §2)."""

    NATIONAL_CERTIFICATE = (
        "national_certificate"  # 专业技术人员职业资格电子证书, style 1 or 2 (seed 002)
    )
    PROVINCIAL_CERTIFICATE = (
        "provincial_certificate"  # 河南省专业技术人员职业资格证书（电子证书）(seed 004)
    )
    EXAM_PROOF = "exam_proof"  # 全国专业技术人员职业资格考试合格证明（山东/河南）(seeds 000, 004)
    TITLE_CERTIFICATE = "title_certificate"  # 职称证书 (seed 003)
    SCORE_PROOF = "score_proof"  # 成绩合格证明 (seed 001 §二(二)1)
    QUALIFICATION_PROOF = "qualification_proof"  # 职/执业资格证明 (seed 001 §二(二)2)


class CredentialStatus(StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class CredentialForm(StrEnum):
    PAPER = "paper"
    ELECTRONIC = "electronic"


# The kinds of which the certificate database keeps records of paper certificates (seed 001
# 二(一)2): a credential of one of them with form paper is such a record. It has no electronic
# face of its own and is never printed by this system; it yields a query result.
RECORD_KINDS = (CredentialKind.NATIONAL_CERTIFICATE, CredentialKind.PROVINCIAL_CERTIFICATE)


def is_paper_record(kind: str, form: str) -> bool:
    return form == CredentialForm.PAPER and kind in RECORD_KINDS


class AuthorityKind(StrEnum):
    MINISTRY = "ministry"  # 人力资源社会保障部
    EXAM_CENTRE = "exam_centre"  # 人事考试中心 (national or provincial)
    HR_BUREAU = "hr_bureau"  # 人社厅 / 人社局 of a province, city or county
    DEPARTMENT = "department"  # industry department: 住建、卫健、市场监管 …
    ASSOCIATION = "association"  # association or designated body that seals style-2 certificates
    INSTITUTION = "institution"  # university, enterprise or other title-approving body


class AuthorityLevel(StrEnum):
    NATIONAL = "national"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
