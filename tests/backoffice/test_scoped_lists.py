"""What the lists show depends on the reader's scope, not only whether the page opens."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from ecert.accounts.models import User
from ecert.accounts.selectors import audit_list_for, user_list_for
from ecert.accounts.services import role_assign, user_create
from ecert.core.rules.kinds import CredentialStatus
from ecert.core.rules.roles import Role
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_set_status
from tests.conftest import World


def _roles_at(user: User) -> list[str]:
    """Authorities of the role assignments the users page shows for `user`."""
    return sorted(a.authority.key for a in getattr(user, "active_roles") if a.authority)  # noqa: B009


def test_a_province_security_administrator_does_not_see_roles_in_another_province(
    world: World,
) -> None:
    both = user_create(actor=None, username="two_cities", password=None)
    role_assign(
        actor=None, user=both, role=Role.CITY_CLERK, authority=world.authorities["sd-jinan"]
    )
    role_assign(
        actor=None, user=both, role=Role.CITY_CLERK, authority=world.authorities["ha-zhengzhou"]
    )
    listed = {u.username: _roles_at(u) for u in user_list_for(user=world.user("sd_security"))}
    assert "department_clerk" not in listed  # a Henan department clerk
    assert listed["two_cities"] == ["sd-jinan"]
    national = {u.username: _roles_at(u) for u in user_list_for(user=world.user("security_admin"))}
    assert national["two_cities"] == ["ha-zhengzhou", "sd-jinan"]


def test_a_province_auditor_sees_its_events_but_not_system_wide_ones(world: World) -> None:
    credential_set_status(
        actor=None,
        credential=world.credentials["henan"],
        status=CredentialStatus.SUSPENDED,
        reason="核查中",
    )
    sd_events = audit_list_for(user=world.user("sd_auditor"))
    assert sd_events.filter(authority__key="sd-pta").exists()
    assert not sd_events.filter(authority__isnull=True).exists()
    assert not sd_events.filter(authority__key__startswith="ha-").exists()
    national = audit_list_for(user=world.user("auditor"))
    assert national.filter(action="credentials.issued", authority__isnull=True).exists()
    assert national.filter(action="credential.suspended", authority__key="ha-hrss").exists()


def test_the_audit_page_of_a_province_auditor_lists_no_henan_event(
    world: World, client: Client
) -> None:
    client.force_login(world.users["sd_auditor"])
    page = client.get(reverse("backoffice:audit_log")).content.decode()
    assert "河南省人力资源和社会保障厅" not in page
    assert "credentials.issued" not in page


def test_a_replacement_is_linked_only_when_the_reader_may_see_it(
    world: World, client: Client
) -> None:
    jinan, qingdao = world.credentials["jinan"], world.credentials["qingdao"]
    Credential.objects.filter(pk=jinan.pk).update(status=CredentialStatus.SUPERSEDED)
    Credential.objects.filter(pk=qingdao.pk).update(supersedes=jinan)
    client.force_login(world.users["jinan_clerk"])
    page = client.get(
        reverse("backoffice:credential_detail", args=[jinan.public_id])
    ).content.decode()
    assert "已换发" in page
    assert qingdao.public_id not in page
    assert qingdao.management_number not in page
    client.force_login(world.users["province_admin"])
    page = client.get(
        reverse("backoffice:credential_detail", args=[jinan.public_id])
    ).content.decode()
    assert qingdao.public_id in page


def test_only_a_national_auditor_can_rehash_the_whole_chain(world: World, client: Client) -> None:
    client.force_login(world.users["sd_auditor"])
    page = client.get(reverse("backoffice:audit_log") + "?verify=1").content.decode()
    assert "校验哈希链" not in page
    assert "哈希链完整" not in page
    client.force_login(world.users["auditor"])
    page = client.get(reverse("backoffice:audit_log") + "?verify=1").content.decode()
    assert "哈希链完整" in page
