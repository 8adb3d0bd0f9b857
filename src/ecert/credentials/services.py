"""Writes to holders and credentials. Each one validates, saves and records its audit event atomically."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.db import connection, transaction

from ecert.audit.services import audit_record
from ecert.catalogue.selectors import qualification_facts
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdNumber, mask_id_number
from ecert.core.identity.names import normalise_name
from ecert.core.identity.public_ids import new_public_id
from ecert.core.rules.credential_rules import check_credential
from ecert.core.rules.kinds import CredentialForm, CredentialKind, CredentialStatus
from ecert.core.rules.roles import Perm
from ecert.core.rules.status import check_status_change
from ecert.credentials.bulk import BulkResult, CredentialRow, bulk_store
from ecert.credentials.models import Credential, Holder
from ecert.credentials.personal_data import (
    holder_identity_fields,
    id_number_lookup_hash,
    pii_cipher,
)
from ecert.credentials.printable import unprintable

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.authorities.models import Authority
    from ecert.catalogue.models import Qualification


def holder_id_number(holder: Holder) -> str:
    """Decrypt a holder's ID number; only for the holder's own documents and staff who need it."""
    return pii_cipher().decrypt(bytes(holder.id_number_ciphertext), context=holder.id_type)


BULK_LOCK = 0x65636572  # advisory-lock key of bulk recording ("ecer")


@transaction.atomic
def holder_register(*, actor: User | None, name: str, id_number: IdNumber) -> Holder:
    """Find the holder with this ID number or create one; a different name is refused."""
    name = normalise_name(name)
    existing = Holder.objects.filter(
        id_type=id_number.type.value,
        id_number_hash=id_number_lookup_hash(id_number.type, id_number.value),
    ).first()
    if existing is not None:
        if existing.name != name:
            masked = mask_id_number(id_number.value)
            raise EcertError(
                "holder_name_mismatch",
                f"证件号码 {masked} 已登记为另一姓名",
                f"ID number {masked} is registered under another name",
            )
        return existing
    holder = Holder(name=name, **holder_identity_fields(id_number))
    holder.save()
    audit_record(
        actor=actor,
        action="holder.registered",
        object_type="holder",
        object_id=holder.pk,
        data={"id_number": holder.id_number_masked},
    )
    return holder


@transaction.atomic
def holder_link_user(*, actor: User | None, holder: Holder, user: User) -> Holder:
    """Let `user` sign in as this holder (to see their own credentials)."""
    holder.user = user
    holder.save(update_fields=["user"])
    audit_record(
        actor=actor,
        action="holder.linked",
        object_type="holder",
        object_id=holder.pk,
        data={"username": user.username, "id_number": holder.id_number_masked},
    )
    return holder


@transaction.atomic
def credential_record(
    *,
    actor: User | None,
    holder: Holder,
    kind: CredentialKind,
    qualification: Qualification | None,
    level: str,
    specialty: str,
    approval_date: date,
    management_number: str,
    issuing_authority: Authority,
    registration_authority: Authority | None,
    issue_date: date,
    form: CredentialForm,
    attests: Credential | None = None,
    template: str = "",
) -> Credential:
    """Record one credential after checking the rules of the notices and the catalogue."""
    facts = qualification_facts({qualification.pk}) if qualification is not None else {}
    for label, text in (("姓名 / name", holder.name), ("专业 / specialty", specialty)):
        missing = unprintable(text)
        if missing:
            raise EcertError(
                "unprintable_character",
                f"{label.split(' / ')[0]}中的字“{missing[0]}”（U+{ord(missing[0]):04X}）没有可用字体，"
                "无法打印；请核对或联系管理员添加字体",
                f"{label.split(' / ')[1]} has a character no certificate font draws "
                f"(U+{ord(missing[0]):04X}); check it or add a font",
            )
    check_credential(
        kind=kind,
        qualification=facts[qualification.pk] if qualification is not None else None,
        level=level,
        approval_date=approval_date,
        issue_date=issue_date,
        form=form,
    )
    credential = Credential.objects.create(
        public_id=new_public_id(),
        kind=kind,
        qualification=qualification,
        level=level,
        specialty=specialty,
        approval_date=approval_date,
        management_number=management_number,
        holder=holder,
        issuing_authority=issuing_authority,
        registration_authority=registration_authority,
        issue_date=issue_date,
        form=form,
        attests=attests,
        template=template,
    )
    audit_record(
        actor=actor,
        action="credential.recorded",
        authority=issuing_authority,
        object_type="credential",
        object_id=credential.public_id,
        data={"kind": kind.value, "management_number": management_number},
    )
    return credential


def not_found() -> EcertError:
    """No such credential in the actor's scope: the two are not told apart."""
    return EcertError("not_found", "没有找到该证书", "no such credential")


@transaction.atomic
def credential_set_status(
    *, actor: User, credential: Credential, status: CredentialStatus, reason: str
) -> Credential:
    """Suspend, reinstate or revoke a credential the actor manages, with a reason."""
    locked = (
        Credential.objects.visible_to(actor, Perm.MANAGE_CREDENTIAL)
        .select_for_update(of=("self",))  # scoping left-joins the nullable registration city
        .filter(pk=credential.pk)
        .first()
    )
    if locked is None:
        raise not_found()
    previous = CredentialStatus(locked.status)
    check_status_change(previous, status, reason)
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=f"credential.{status.value}",
        authority=locked.issuing_authority,
        object_type="credential",
        object_id=locked.public_id,
        data={"from": previous.value, "to": status.value, "reason": reason},
    )
    return locked


@transaction.atomic
def credentials_bulk_record(
    *, actor: User | None, rows: Iterable[CredentialRow], authority: Authority | None = None
) -> BulkResult:
    """Store many holders and credentials in one transaction.

    A row identical to a stored one is skipped, so the same batch twice changes nothing; a row that
    contradicts stored data (another person under the same ID number or management number) raises
    EcertError naming the row, and the whole batch is rolled back.
    """
    if connection.vendor == "postgresql":
        # One bulk writer at a time: the duplicate checks read before they COPY, so two batches
        # sharing a holder or a number would otherwise meet only at the unique constraints.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BULK_LOCK])
    result = bulk_store(rows)
    audit_record(
        actor=actor,
        action="credential.bulk_recorded",
        authority=authority,
        object_type="batch",
        data={
            "rows": result.rows,
            "holders_created": result.holders_created,
            "credentials_created": result.credentials_created,
            "credentials_existing": result.credentials_existing,
        },
    )
    return result
