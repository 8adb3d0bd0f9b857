"""Roles: where each may be assigned, what it grants, and 三员分立."""

from __future__ import annotations

import pytest

from ecert.core.errors import EcertError
from ecert.core.rules.kinds import AuthorityKind as K
from ecert.core.rules.kinds import AuthorityLevel as L
from ecert.core.rules.roles import (
    ROLE_PERMISSIONS,
    Perm,
    Role,
    check_assignment,
    permissions_of,
)


@pytest.mark.parametrize(
    ("role", "place"),
    [
        (Role.CITY_CLERK, (K.HR_BUREAU, L.CITY)),
        (Role.COUNTY_CLERK, (K.HR_BUREAU, L.COUNTY)),
        (Role.PROVINCE_ADMIN, (K.HR_BUREAU, L.PROVINCE)),
        (Role.EXAM_CENTRE_CLERK, (K.EXAM_CENTRE, L.PROVINCE)),
        (Role.DEPARTMENT_CLERK, (K.DEPARTMENT, L.PROVINCE)),
        (Role.INSTITUTION_CLERK, (K.INSTITUTION, L.PROVINCE)),
        (Role.HOLDER, None),
        (Role.EMPLOYER_VERIFIER, None),
    ],
)
def test_role_may_be_assigned_where_it_belongs(role: Role, place: tuple[K, L] | None) -> None:
    check_assignment(role, place, frozenset())


@pytest.mark.parametrize(
    ("role", "place"),
    [
        (Role.CITY_CLERK, (K.HR_BUREAU, L.PROVINCE)),
        (Role.COUNTY_CLERK, (K.HR_BUREAU, L.CITY)),
        (Role.PROVINCE_ADMIN, (K.HR_BUREAU, L.CITY)),
        (Role.EXAM_CENTRE_CLERK, (K.HR_BUREAU, L.PROVINCE)),
        (Role.DEPARTMENT_CLERK, (K.HR_BUREAU, L.CITY)),
        (Role.CITY_CLERK, None),
        (Role.HOLDER, (K.HR_BUREAU, L.CITY)),
    ],
)
def test_role_is_refused_where_it_does_not_belong(role: Role, place: tuple[K, L] | None) -> None:
    with pytest.raises(EcertError, match=" / "):
        check_assignment(role, place, frozenset())


PLACE = {
    Role.AUDITOR: (K.HR_BUREAU, L.PROVINCE),
    Role.SECURITY_ADMIN: (K.HR_BUREAU, L.PROVINCE),
    Role.PROVINCE_ADMIN: (K.HR_BUREAU, L.PROVINCE),
    Role.CITY_CLERK: (K.HR_BUREAU, L.CITY),
    Role.EXAM_CENTRE_CLERK: (K.EXAM_CENTRE, L.PROVINCE),
}


@pytest.mark.parametrize(
    ("held", "wanted"),
    [
        (Role.SECURITY_ADMIN, Role.AUDITOR),
        (Role.AUDITOR, Role.SECURITY_ADMIN),
        (Role.PROVINCE_ADMIN, Role.AUDITOR),
        (Role.SECURITY_ADMIN, Role.PROVINCE_ADMIN),
        (Role.AUDITOR, Role.CITY_CLERK),
        (Role.SECURITY_ADMIN, Role.EXAM_CENTRE_CLERK),
        (Role.CITY_CLERK, Role.SECURITY_ADMIN),
    ],
)
def test_the_auditor_and_the_administrators_are_different_people(held: Role, wanted: Role) -> None:
    with pytest.raises(EcertError, match="三员分立"):
        check_assignment(wanted, PLACE[wanted], frozenset({held}))


def test_only_the_auditor_reads_the_audit_log() -> None:
    assert [r for r in Role if Perm.VIEW_AUDIT in ROLE_PERMISSIONS[r]] == [Role.AUDITOR]


def test_only_the_security_administrator_manages_users() -> None:
    assert [r for r in Role if Perm.MANAGE_USERS in ROLE_PERMISSIONS[r]] == [Role.SECURITY_ADMIN]


def test_holders_and_employers_have_no_back_office() -> None:
    for role in (Role.HOLDER, Role.EMPLOYER_VERIFIER):
        assert Perm.USE_BACKOFFICE not in ROLE_PERMISSIONS[role]


def test_permissions_of_several_roles_are_their_union() -> None:
    both = permissions_of(frozenset({Role.CITY_CLERK, Role.HOLDER}))
    assert Perm.VIEW_CREDENTIAL in both
    assert Perm.VIEW_OWN_CREDENTIAL in both
    assert Perm.VIEW_AUDIT not in both


def test_two_business_roles_may_be_combined() -> None:
    check_assignment(Role.CITY_CLERK, (K.HR_BUREAU, L.CITY), frozenset({Role.EXAM_CENTRE_CLERK}))
