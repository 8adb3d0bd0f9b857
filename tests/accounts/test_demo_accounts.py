"""The demo's accounts are made through the one account service, in the one lock order: the
tests raise on a lock taken out of order (ECERT_LOCK_ORDER_CHECK), as `ecert demo` once logged."""

from __future__ import annotations

import pytest

from ecert.accounts.models import RoleAssignment, User
from ecert.audit.models import AuditEvent
from ecert.cli.demo import DEMO_USERS, demo_users

pytestmark = pytest.mark.django_db


def test_every_demo_clerk_gets_their_role_and_a_filed_creation(world) -> None:
    logins = demo_users()

    assert len(logins) == len(DEMO_USERS)
    jinan = User.objects.get(username="jinan-clerk")
    assignment = RoleAssignment.objects.get(user=jinan, revoked_at=None)
    assert assignment.role == "city_clerk"
    assert assignment.authority is not None
    assert assignment.authority.key == "sd-jinan"
    created = AuditEvent.objects.get(action="user.created", object_id=str(jinan.pk))
    assert created.authority is not None
    assert created.authority.key == "sd-jinan"
    assert not jinan.must_change_password  # the demo's printed password works as it is


def test_running_it_again_changes_nothing(world) -> None:
    demo_users()
    before = (User.objects.count(), RoleAssignment.objects.count(), AuditEvent.objects.count())
    demo_users()
    assert (
        User.objects.count(),
        RoleAssignment.objects.count(),
        AuditEvent.objects.count(),
    ) == before
