"""Employer organisations (用证单位): they register themselves, a city bureau approves them.

On-site verification is offered to organisations, not to individuals (seed 001 §三(二)); an
approved organisation verifies one certificate or a list, and its verifications are logged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ecert.accounts.models import User
from ecert.accounts.services import role_assign, role_revoke, user_create
from ecert.audit.locks import rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.core.errors import EcertError
from ecert.core.formats.claims import line_text_check
from ecert.core.identity.public_ids import ALPHABET
from ecert.core.rules.authorities import credit_code_is_valid
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel
from ecert.core.rules.roles import Perm, Role
from ecert.verification.models import Organisation, OrganisationState

# What organisation_register and organisation_decide refuse with, by code; a refusal names the
# form field at fault as ``field`` ("" for the form as a whole).
REFUSALS = frozenset(
    {
        "bad_credit_code",
        "bad_character",
        "formula",
        "already_registered",
        "bad_city",
        "username_taken",
        "weak_password",
        "not_found",
        "note_required",
    }
)


def _refused(code: str, field: str, zh: str, en: str) -> EcertError:
    """A registration or decision that cannot be made; ``field`` names the form field at fault."""
    return EcertError(code, zh, en, field=field)


@dataclass(frozen=True)
class Registration:
    name: str
    credit_code: str
    city: Authority
    contact_name: str
    contact_phone: str
    username: str
    password: str


def city_bureaus() -> list[Authority]:
    """The city HR bureaus an organisation may register with."""
    return list(
        Authority.objects.filter(kind=AuthorityKind.HR_BUREAU, level=AuthorityLevel.CITY).order_by(
            "path"
        )
    )


def _reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(10))


@transaction.atomic
def organisation_register(*, registration: Registration, now: datetime) -> Organisation:
    """Create the organisation (awaiting approval) and its account, which signs in at once but
    verifies nothing until the city bureau approves."""
    for field, label, text in (
        ("name", ("单位名称", "the organisation's name"), registration.name),
        ("contact_name", ("联系人", "the contact's name"), registration.contact_name),
    ):
        try:
            line_text_check(field, text)  # shown to the city's clerks; the name is exported
        except EcertError as error:
            zh, en = f"{label[0]}{error.zh}", f"{label[1]} {error.en}"
            raise _refused(error.code, field, zh, en) from error
    code = registration.credit_code.strip().upper()
    if not credit_code_is_valid(code):
        raise _refused(
            "bad_credit_code",
            "credit_code",
            "统一社会信用代码不正确（18 位，末位为校验码）",
            "the unified social credit code is not valid (18 characters with a check character)",
        )
    if Organisation.objects.filter(credit_code=code).exists():
        raise _refused(
            "already_registered",
            "credit_code",
            "该统一社会信用代码已注册；请用原账号登录，或联系所在市人社局",
            "an organisation with this code is registered already; sign in with its account",
        )
    if registration.city not in city_bureaus():
        raise _refused(
            "bad_city", "city", "请选择一个市人社局", "choose a city human-resources bureau"
        )
    if User.objects.filter(username__iexact=registration.username).exists():
        raise _refused("username_taken", "username", "该用户名已被使用", "this user name is taken")
    candidate = User(username=registration.username, display_name=registration.name)
    try:
        validate_password(registration.password, candidate)
    except ValidationError as problem:
        raise _refused(
            "weak_password", "password", "；".join(problem.messages), "; ".join(problem.messages)
        ) from problem
    try:
        account = user_create(
            actor=None,
            username=registration.username,
            password=registration.password,
            display_name=registration.name[:64],
        )
        organisation = Organisation.objects.create(
            reference=_reference(),
            name=registration.name.strip(),
            credit_code=code,
            city=registration.city,
            contact_name=registration.contact_name.strip(),
            contact_phone=registration.contact_phone.strip(),
            account=account,
            created_at=now,
        )
    except (IntegrityError, ValidationError) as error:  # a registration racing this one
        raise _refused(
            "already_registered",
            "credit_code",
            "该单位或用户名刚刚被注册",
            "this organisation or user name was just registered",
        ) from error
    audit_record(
        actor=account,
        action="organisation.registered",
        authority=registration.city,
        object_type="organisation",
        object_id=organisation.reference,
        data={"name": organisation.name, "credit_code": code},
        at=now,
    )
    return organisation


@transaction.atomic
def organisation_decide(
    *, actor: User, organisation: Organisation, approve: bool, note: str, now: datetime
) -> Organisation:
    """Approve, reject or suspend an organisation registered with a bureau the actor manages.

    Approval gives its account the employer-verifier role; rejection or suspension takes it away.
    """
    locked = rows_locked(
        Organisation.objects.visible_to(actor, Perm.MANAGE_ORGANISATION).filter(pk=organisation.pk),
        of=("self",),
    ).first()
    if locked is None:
        raise _refused("not_found", "", "没有找到该单位", "no such organisation")
    if not approve and not note.strip():
        raise _refused(
            "note_required", "note", "不予通过或暂停时须写明原因", "say why it is refused"
        )
    previous = OrganisationState(locked.state)
    if approve:
        locked.state = OrganisationState.APPROVED
        role_assign(actor=actor, user=locked.account, role=Role.EMPLOYER_VERIFIER, authority=None)
    else:
        locked.state = (
            OrganisationState.SUSPENDED
            if previous is OrganisationState.APPROVED
            else OrganisationState.REJECTED
        )
        for assignment in locked.account.role_assignments.filter(
            role=Role.EMPLOYER_VERIFIER, revoked_at__isnull=True
        ):
            role_revoke(actor=actor, assignment=assignment)
    locked.decided_by, locked.decided_at, locked.decision_note = actor, now, note.strip()[:200]
    locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action=f"organisation.{locked.state}",
        authority=locked.city,
        object_type="organisation",
        object_id=locked.reference,
        data={"from": previous.value, "to": locked.state, "note": locked.decision_note},
        at=now,
    )
    return locked


def organisation_of(user: User) -> Organisation | None:
    """The approved organisation this account signs in for, or None."""
    if not user.is_authenticated:
        return None
    try:
        organisation = user.organisation  # loaded with the user when an API key was checked
    except Organisation.DoesNotExist:
        return None
    return organisation if organisation.state == OrganisationState.APPROVED else None
