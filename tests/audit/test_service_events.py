"""Every write through a service leaves one audit event, in the same transaction as the change."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ecert.accounts.services import user_create
from ecert.audit import services as audit_services
from ecert.audit.models import AuditChainHead, AuditEvent
from ecert.catalogue.models import Qualification
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdNumber, IdType, Sex, parse_id_number
from ecert.core.rules.drafts import CredentialDraft, PersonDraft
from ecert.core.rules.kinds import CredentialForm, CredentialKind, CredentialStatus
from ecert.credentials import services as credential_services
from ecert.credentials.models import Credential, Holder
from ecert.credentials.services import (
    credential_issue,
    credential_set_status,
    credentials_issue,
    holder_register,
)
from tests.conftest import World
from tests.core.idgen import make_resident_id


def new_number(seq: int) -> IdNumber:
    """A made-up number that none of the cast's holders has."""
    return parse_id_number(
        make_resident_id(date(1992, 3, 4), Sex.FEMALE, region="370202", seq=seq),
        IdType.RESIDENT_ID,
    )


def latest() -> AuditEvent:
    return AuditEvent.objects.order_by("-sequence").first() or pytest.fail("no audit event")


NOW = datetime(2026, 3, 1, tzinfo=UTC)


def draft(world: World, seq: int, management_number: str) -> CredentialDraft:
    return CredentialDraft(
        person=PersonDraft(name="周芷", id_number=new_number(seq)),
        kind=CredentialKind.EXAM_PROOF,
        form=CredentialForm.ELECTRONIC,
        issuer=world.authorities["sd-pta"].pk,
        approval_date=date(2025, 9, 1),
        issue_date=date(2025, 10, 8),
        number=management_number,
        qualification=Qualification.objects.get(key="constructor").pk,
        level="二级",
        specialty="市政公用工程",
        registration=world.authorities["sd-jinan"].pk,
        template="shandong-exam-proof",
    )


def test_registering_a_holder_records_holder_registered(world: World) -> None:
    before = AuditEvent.objects.count()
    holder = holder_register(actor=world.users["jinan_clerk"], name="周芷", id_number=new_number(7))
    assert AuditEvent.objects.count() == before + 1
    event = latest()
    assert (event.action, event.object_type, event.object_id) == (
        "holder.registered",
        "holder",
        str(holder.pk),
    )
    assert event.actor_label == "jinan_clerk"


def test_registering_a_known_holder_again_records_nothing(world: World) -> None:
    holder_register(actor=None, name="周芷", id_number=new_number(7))
    before = AuditEvent.objects.count()
    holder_register(actor=None, name="周芷", id_number=new_number(7))
    assert AuditEvent.objects.count() == before


def test_issuing_a_credential_records_credential_issued(world: World) -> None:
    credential = credential_issue(
        actor=world.users["exam_centre_clerk"], draft=draft(world, 7, "AUDIT0001"), now=NOW
    )
    event = latest()
    assert event.action == "credential.issued"
    assert event.object_id == credential.public_id
    assert event.authority == world.authorities["sd-pta"]
    assert event.data["issued"] == 1
    (batch,) = event.data["batches"]
    assert credential.batch is not None
    assert (batch["batch"], batch["size"]) == (credential.batch.reference, 1)
    assert event.actor_label == "exam_centre_clerk"


def test_a_system_write_is_recorded_as_system(world: World) -> None:
    holder_register(actor=None, name="周芷", id_number=new_number(7))
    event = latest()
    assert event.actor is None
    assert event.actor_label == "system"


def test_revoking_a_credential_records_the_change_and_the_reason(world: World) -> None:
    credential = world.credentials["jinan"]
    credential_set_status(
        actor=world.users["province_admin"],
        credential=credential,
        status=CredentialStatus.REVOKED,
        reason="伪造材料 / forged documents",
    )
    event = latest()
    assert event.action == "credential.revoked"
    assert event.object_id == credential.public_id
    assert event.data == {"from": "valid", "to": "revoked", "reason": "伪造材料 / forged documents"}


def test_issuing_many_records_one_event_with_its_counts(world: World) -> None:
    before = AuditEvent.objects.count()
    credentials_issue(
        actor=None,
        drafts=[draft(world, 7, "AUDIT0007"), draft(world, 8, "AUDIT0008")],
        now=NOW,
        audit_authority=world.authorities["sd-pta"],
    )
    assert AuditEvent.objects.count() == before + 1
    event = latest()
    assert event.action == "credentials.issued"
    assert (event.data["issued"], event.data["already_issued"], event.data["refused"]) == (2, 0, 0)


def test_creating_a_user_records_user_created(world: World) -> None:
    user_create(actor=world.users["security_admin"], username="new_clerk", password=None)
    event = latest()
    assert (event.action, event.actor_label) == ("user.created", "security_admin")
    assert event.data == {"username": "new_clerk", "superuser": False}


def test_a_refused_duplicate_management_number_leaves_no_credential_and_no_event(
    world: World,
) -> None:
    taken = world.credentials["jinan"].management_number
    credentials, events = Credential.objects.count(), AuditEvent.objects.count()
    head = AuditChainHead.objects.get()
    with pytest.raises(EcertError) as refused:
        credential_issue(actor=None, draft=draft(world, 7, taken), now=NOW)
    assert refused.value.code == "number_taken"
    assert Credential.objects.count() == credentials
    assert AuditEvent.objects.count() == events
    assert AuditChainHead.objects.get().digest == head.digest


def _audit_then_fail(**kwargs: Any) -> AuditEvent:
    audit_services.audit_record(**kwargs)
    raise RuntimeError("failure after the audit event was written")


def test_a_status_change_that_fails_after_its_event_leaves_neither(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential = world.credentials["jinan"]
    events = AuditEvent.objects.count()
    monkeypatch.setattr(credential_services, "audit_record", _audit_then_fail)
    with pytest.raises(RuntimeError, match="after the audit event"):
        credential_set_status(
            actor=world.users["province_admin"],
            credential=credential,
            status=CredentialStatus.SUSPENDED,
            reason="test",
        )
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.VALID
    assert AuditEvent.objects.count() == events


def test_a_registration_that_fails_after_its_event_leaves_neither(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    holders, events = Holder.objects.count(), AuditEvent.objects.count()
    monkeypatch.setattr(credential_services, "audit_record", _audit_then_fail)
    with pytest.raises(RuntimeError, match="after the audit event"):
        holder_register(actor=None, name="周芷", id_number=new_number(7))
    assert Holder.objects.count() == holders
    assert AuditEvent.objects.count() == events


def test_registration_events_never_hold_the_full_id_number(world: World) -> None:
    number = new_number(7)
    holder = holder_register(actor=None, name="周芷", id_number=number)
    event = latest()
    stored = json.dumps(event.chained_content(), ensure_ascii=False)
    assert number.value not in stored
    assert event.data == {"id_number": holder.id_number_masked}


def test_no_event_of_the_cast_holds_a_full_id_number(world: World) -> None:
    numbers = [
        make_resident_id(date(1988, 5, 17), sex, region, seq)
        for region, seq, sex in [
            ("370102", 1, Sex.MALE),
            ("370202", 2, Sex.FEMALE),
            ("370102", 3, Sex.MALE),
            ("410102", 4, Sex.FEMALE),
            ("370102", 5, Sex.MALE),
        ]
    ]
    log = json.dumps([e.chained_content() for e in AuditEvent.objects.all()], ensure_ascii=False)
    assert Holder.objects.count() == len(numbers)
    for number in numbers:
        assert number not in log
