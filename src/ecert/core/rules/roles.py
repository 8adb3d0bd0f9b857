"""Roles, the permissions they grant, where they may be assigned, and which may not be combined.

Separation of duties follows 等保 三员分立: the security administrator (who grants roles) and the
auditor (who reads the audit log) must be different people, and neither does business work.
"""

from __future__ import annotations

from enum import StrEnum

from ecert.core.errors import EcertError
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel


class Role(StrEnum):
    PROVINCE_ADMIN = "province_admin"
    EXAM_CENTRE_CLERK = "exam_centre_clerk"
    CITY_CLERK = "city_clerk"
    COUNTY_CLERK = "county_clerk"
    DEPARTMENT_CLERK = "department_clerk"
    INSTITUTION_CLERK = "institution_clerk"
    EMPLOYER_VERIFIER = "employer_verifier"
    HOLDER = "holder"
    AUDITOR = "auditor"
    SECURITY_ADMIN = "security_admin"


class Perm(StrEnum):
    USE_BACKOFFICE = "backoffice.use"
    VIEW_CREDENTIAL = "credential.view"
    MANAGE_CREDENTIAL = "credential.manage"  # suspend, reinstate, revoke
    CORRECT_CREDENTIAL = "credential.correct"  # 信息修改: only the authority managing the data
    ISSUE_CREDENTIAL = (
        "credential.issue"  # import pass lists, issue proofs (provincial exam centre)
    )
    VIEW_AUTHORITY = "authority.view"
    MANAGE_AUTHORITY = "authority.manage"
    VIEW_CATALOGUE = "catalogue.view"
    MANAGE_CATALOGUE = "catalogue.manage"
    VIEW_AUDIT = "audit.view"
    MANAGE_USERS = "users.manage"
    VERIFY_CREDENTIAL = "credential.verify"
    VIEW_OWN_CREDENTIAL = "credential.view_own"
    MANAGE_ORGANISATION = "organisation.manage"  # approve employer organisations (用证单位)
    MANAGE_TITLE = "title.manage"  # record approved titles, number and issue title certificates
    MANAGE_TITLE_CODES = (
        "title.codes"  # set region-department codes (province: cities; city: its own)
    )
    RECEIVE_PAPER = "paper.receive"  # record the arrival of paper certificates (exam centre)
    DISTRIBUTE_PAPER = "paper.distribute"  # hand out paper certificates: mail, counter, choices
    COUNTER_VERIFY = "paper.counter_verify"  # 现场查询验证 for organisations (seed 001 三(二))
    # Replacements and corrections (补换, seed 001 二): take and check applications at the unit,
    # gather and send up its batch; at the level above, receive, return and forward batches.
    # Which of these a user does follows from where the application or batch sits in the scope.
    HANDLE_REPLACEMENT = "replacement.handle"


_CLERK = frozenset(
    {
        Perm.USE_BACKOFFICE,
        Perm.VIEW_CREDENTIAL,
        Perm.MANAGE_CREDENTIAL,
        Perm.CORRECT_CREDENTIAL,
        Perm.VIEW_AUTHORITY,
        Perm.VIEW_CATALOGUE,
        Perm.DISTRIBUTE_PAPER,
        Perm.HANDLE_REPLACEMENT,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.PROVINCE_ADMIN: _CLERK
    | {
        Perm.MANAGE_AUTHORITY,
        Perm.MANAGE_CATALOGUE,
        Perm.ISSUE_CREDENTIAL,
        Perm.MANAGE_ORGANISATION,
        Perm.MANAGE_TITLE,
        Perm.MANAGE_TITLE_CODES,
        Perm.RECEIVE_PAPER,
        Perm.COUNTER_VERIFY,
    },
    Role.EXAM_CENTRE_CLERK: _CLERK
    | {Perm.ISSUE_CREDENTIAL, Perm.RECEIVE_PAPER, Perm.COUNTER_VERIFY},
    Role.CITY_CLERK: _CLERK
    | {
        Perm.MANAGE_ORGANISATION,
        Perm.MANAGE_TITLE,
        Perm.MANAGE_TITLE_CODES,
        Perm.COUNTER_VERIFY,
    },
    Role.COUNTY_CLERK: _CLERK | {Perm.MANAGE_TITLE},
    Role.DEPARTMENT_CLERK: _CLERK | {Perm.MANAGE_TITLE, Perm.COUNTER_VERIFY},
    Role.INSTITUTION_CLERK: (_CLERK - {Perm.DISTRIBUTE_PAPER, Perm.HANDLE_REPLACEMENT})
    | {Perm.MANAGE_TITLE},
    Role.EMPLOYER_VERIFIER: frozenset({Perm.VERIFY_CREDENTIAL}),
    Role.HOLDER: frozenset({Perm.VIEW_OWN_CREDENTIAL}),
    Role.AUDITOR: frozenset({Perm.USE_BACKOFFICE, Perm.VIEW_AUDIT, Perm.VIEW_AUTHORITY}),
    Role.SECURITY_ADMIN: frozenset({Perm.USE_BACKOFFICE, Perm.MANAGE_USERS, Perm.VIEW_AUTHORITY}),
}

_K, _L = AuthorityKind, AuthorityLevel

# Where each role may be assigned: (authority kind, authority level) pairs. None: no authority.
ROLE_PLACEMENT: dict[Role, frozenset[tuple[AuthorityKind, AuthorityLevel]] | None] = {
    Role.PROVINCE_ADMIN: frozenset({(_K.HR_BUREAU, _L.PROVINCE), (_K.MINISTRY, _L.NATIONAL)}),
    Role.EXAM_CENTRE_CLERK: frozenset(
        {(_K.EXAM_CENTRE, _L.PROVINCE), (_K.EXAM_CENTRE, _L.NATIONAL)}
    ),
    Role.CITY_CLERK: frozenset({(_K.HR_BUREAU, _L.CITY)}),
    Role.COUNTY_CLERK: frozenset({(_K.HR_BUREAU, _L.COUNTY)}),
    Role.DEPARTMENT_CLERK: frozenset(
        {(_K.DEPARTMENT, level) for level in (_L.PROVINCE, _L.CITY, _L.COUNTY)}
    ),
    Role.INSTITUTION_CLERK: frozenset(
        {(kind, level) for kind in (_K.INSTITUTION, _K.ASSOCIATION) for level in _L}
    ),
    Role.EMPLOYER_VERIFIER: None,
    Role.HOLDER: None,
    Role.AUDITOR: frozenset({(kind, level) for kind in _K for level in _L}),
    Role.SECURITY_ADMIN: frozenset({(kind, level) for kind in _K for level in _L}),
}

# Roles of staff accounts, which a security administrator assigns: those held at an authority.
STAFF_ROLES: tuple[Role, ...] = tuple(role for role in Role if ROLE_PLACEMENT[role] is not None)

_BUSINESS_ROLES = (
    Role.PROVINCE_ADMIN,
    Role.EXAM_CENTRE_CLERK,
    Role.CITY_CLERK,
    Role.COUNTY_CLERK,
    Role.DEPARTMENT_CLERK,
    Role.INSTITUTION_CLERK,
)

# Pairs of roles one person may never hold together: the auditor and the security administrator
# are two people, and neither does business work.
INCOMPATIBLE: frozenset[frozenset[Role]] = frozenset(
    {frozenset({Role.AUDITOR, Role.SECURITY_ADMIN})}
    | {
        frozenset({guard, role})
        for guard in (Role.AUDITOR, Role.SECURITY_ADMIN)
        for role in _BUSINESS_ROLES
    }
)

ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.PROVINCE_ADMIN: ("省级管理员", "Province administrator"),
    Role.EXAM_CENTRE_CLERK: ("考试中心经办人", "Exam-centre clerk"),
    Role.CITY_CLERK: ("市级经办人", "City clerk"),
    Role.COUNTY_CLERK: ("县级经办人", "County clerk"),
    Role.DEPARTMENT_CLERK: ("行业部门经办人", "Department clerk"),
    Role.INSTITUTION_CLERK: ("单位经办人", "Institution clerk"),
    Role.EMPLOYER_VERIFIER: ("用证单位查验员", "Employer verifier"),
    Role.HOLDER: ("持证人", "Certificate holder"),
    Role.AUDITOR: ("安全审计员", "Auditor"),
    Role.SECURITY_ADMIN: ("安全管理员", "Security administrator"),
}


def check_assignment(
    role: Role,
    authority: tuple[AuthorityKind, AuthorityLevel] | None,
    held: frozenset[Role],
) -> None:
    """Raise EcertError unless `role` may be assigned at `authority` to someone holding `held`."""
    placement = ROLE_PLACEMENT[role]
    zh, en = ROLE_LABELS[role]
    if placement is None and authority is not None:
        raise EcertError(
            "role_without_authority",
            f"{zh}不挂靠机构",
            f"the {en} role is not tied to an authority",
        )
    if placement is not None and (authority is None or authority not in placement):
        raise EcertError(
            "role_not_here",
            f"{zh}不能设在该类机构",
            f"the {en} role cannot be assigned at this kind of authority",
        )
    for other in held:
        if frozenset({role, other}) in INCOMPATIBLE:
            ozh, oen = ROLE_LABELS[other]
            raise EcertError(
                "separation_of_duties",
                f"三员分立：{zh}与{ozh}不能由同一人担任",
                f"separation of duties: one person cannot be both {en} and {oen}",
            )


def permissions_of(roles: frozenset[Role]) -> frozenset[Perm]:
    granted: set[Perm] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)
