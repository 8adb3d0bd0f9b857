"""Writes to users and role assignments, each with its audit event."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from ecert.accounts.errors import activation_error, password_rejected, staff_error
from ecert.accounts.models import ActivationCode, ApiToken, RoleAssignment, User
from ecert.accounts.selectors import staff_account_home, staff_account_in_scope
from ecert.accounts.throttle import (
    FAILURE_LIMIT,
    FAILURE_WINDOW,
    throttle_blocked,
    throttle_failure,
    throttle_keys,
    throttle_success,
)
from ecert.audit.locks import Lock, locks_take, rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.authorities.selectors import scope_for, user_has_perm
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdNumber
from ecert.core.identity.provider_claims import CLAIM_REFUSALS, id_number_from_claims
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel
from ecert.core.rules.roles import STAFF_ROLES, Perm, Role, check_assignment
from ecert.credentials.models import Holder
from ecert.credentials.personal_data import id_number_lookup_hash
from ecert.credentials.selectors import holders_with_id_number
from ecert.credentials.services import holder_link_user
from ecert.sqlite_lock import waiting_at_most


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    display_name: str = "",
    superuser: bool = False,
    authority: Authority | None = None,
) -> User:
    """A new account; ``authority`` is where it is filed in the audit log (its first role's)."""
    user = User(
        username=username, display_name=display_name, is_superuser=superuser, is_staff=superuser
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=actor,
        action="user.created",
        authority=authority,
        object_type="user",
        object_id=user.pk,
        data={"username": username, "superuser": superuser},
    )
    return user


@transaction.atomic
def role_assign(
    *, actor: User | None, user: User, role: Role, authority: Authority | None
) -> RoleAssignment:
    """Give `user` a role at `authority`, refusing misplaced roles and 三员分立 conflicts."""
    rows_locked(User.objects.filter(pk=user.pk)).first()
    held = frozenset(
        Role(r)
        for r in user.role_assignments.filter(revoked_at__isnull=True).values_list(
            "role", flat=True
        )
    )
    place = (AuthorityKind(authority.kind), AuthorityLevel(authority.level)) if authority else None
    check_assignment(role, place, held - {role})
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user,
        role=role.value,
        authority=authority,
        revoked_at=None,
        defaults={
            "granted_by": actor if actor and actor.pk else None,
            "granted_at": timezone.now(),
        },
    )
    if created:
        audit_record(
            actor=actor,
            action="role.assigned",
            authority=authority,
            object_type="user",
            object_id=user.pk,
            data={"username": user.username, "role": role.value},
        )
    user.__dict__.pop("_active_assignments", None)
    return assignment


@transaction.atomic
def role_revoke(*, actor: User | None, assignment: RoleAssignment) -> RoleAssignment:
    assignment.revoked_at = timezone.now()
    assignment.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="role.revoked",
        authority=assignment.authority,
        object_type="user",
        object_id=assignment.user_id,
        data={"role": assignment.role},
    )
    return assignment


TOKEN_PREFIX = "ecert_"  # noqa: S105 - the readable start of every token, not a secret
TOKEN_SHOWN = len(TOKEN_PREFIX) + 8  # the prefix and 8 random characters identify a token
LAST_USED_STEP = timedelta(minutes=5)  # last_used_at is refreshed at most this often


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for `user`; the token itself is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken.objects.create(
        name=name.strip()[:100],
        user=user,
        key_prefix=token[:TOKEN_SHOWN],
        key_hash=_token_hash(token),
    )
    audit_record(
        actor=actor,
        action="api_token.created",
        object_type="api_token",
        object_id=api_token.pk,
        data={"username": user.username, "name": api_token.name, "prefix": api_token.key_prefix},
    )
    return api_token, token


@transaction.atomic
def api_token_revoke(*, actor: User | None, api_token: ApiToken) -> ApiToken:
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoked",
            object_type="api_token",
            object_id=api_token.pk,
            data={"username": api_token.user.username, "prefix": api_token.key_prefix},
        )
    return api_token


def api_token_authenticate(
    *, token: str, now: datetime | None = None, related: Sequence[str] = ()
) -> User | None:
    """The active user a presented token belongs to, or None for an unknown or revoked token.

    ``related`` names one-to-one relations of the user to load in the same query (the API loads
    the caller's organisation this way).
    """
    api_token = _api_token_find(token, related)
    if api_token is None:
        return None
    _touch(api_token, now or timezone.now())
    return api_token.user


def _api_token_find(token: str, related: Sequence[str]) -> ApiToken | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    presented = _token_hash(token)
    candidates = ApiToken.objects.filter(
        key_prefix=token[:TOKEN_SHOWN], revoked_at__isnull=True
    ).select_related("user", *(f"user__{name}" for name in related))
    for api_token in candidates:
        if hmac.compare_digest(api_token.key_hash, presented):
            return api_token if api_token.user.is_active else None
    return None


# API keys checked in this process, kept API_TOKEN_CACHE_SECONDS (decision 208): the key's hash
# -> (monotonic expiry, the stamp when checked, the token with its user and their relations).
API_TOKEN_CACHE_SECONDS = 10.0
_checked: dict[tuple[str, tuple[str, ...]], tuple[float, tuple[int, int], ApiToken]] = {}


def _stamp_path() -> Path:
    return Path(settings.ECERT_DATA_DIR) / "api-token-stamp"


@lru_cache(maxsize=8)
def _stamp_name(data_dir: str) -> str:
    return os.path.join(data_dir, "api-token-stamp")


def _stamp() -> tuple[int, int]:
    """Changes whenever any process of this machine changed a token, account or organisation."""
    try:
        found = os.stat(_stamp_name(str(settings.ECERT_DATA_DIR)))
    except FileNotFoundError:
        return (0, 0)
    return (found.st_ino, found.st_mtime_ns)


def api_tokens_forget() -> None:
    """Forget every checked key, in this process and (through the stamp file, which every check
    compares) in every process of this machine: after a key is revoked, an account changed or an
    organisation decided. Other machines forget theirs within API_TOKEN_CACHE_SECONDS."""
    _checked.clear()
    path = _stamp_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fresh.write_bytes(secrets.token_bytes(8))
    os.replace(fresh, path)  # a new inode: a stamp no earlier check can have seen


def api_token_authenticate_cached(*, token: str, related: Sequence[str] = ()) -> User | None:
    """``api_token_authenticate`` for the hot path of the API: a key checked within the last
    API_TOKEN_CACHE_SECONDS is not looked up again unless a change was stamped since."""
    key = (_token_hash(token), tuple(related))
    stamp, clock = _stamp(), time.monotonic()
    held = _checked.get(key)
    if held is not None and held[0] > clock and held[1] == stamp:
        api_token = held[2]
    else:
        found = _api_token_find(token, related)
        if found is None:
            _checked.pop(key, None)
            return None
        api_token = found
        if len(_checked) > 10_000:  # many keys: start again rather than grow
            _checked.clear()
        _checked[key] = (clock + API_TOKEN_CACHE_SECONDS, stamp, api_token)
    _touch(api_token, timezone.now())
    # The account's role assignments are cached on the instance for one request (User.
    # active_assignments); a kept instance must read them again for the next one.
    api_token.user.__dict__.pop("_active_assignments", None)
    return api_token.user


def _touch(api_token: ApiToken, now: datetime) -> None:
    """Note when the token was last used; a bookkeeping write that must never fail or hold up a
    request: on SQLite a running import holds the write lock, and then it is skipped at once."""
    if api_token.last_used_at is not None and now - api_token.last_used_at < LAST_USED_STEP:
        return
    api_token.last_used_at = now  # a cached token is not written again for LAST_USED_STEP
    try:
        with waiting_at_most(0):
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    except DatabaseError:
        return


# Holder accounts: opened with a one-time code the bureau hands out (docs/holders.md).
ACTIVATION_ALPHABET = (
    "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed on phones
)
ACTIVATION_LENGTH = 10  # 31**10 ≈ 2**49.5; with 5 tries per code, guessing is hopeless
ACTIVATION_GROUP = 5
ACTIVATION_LIFETIME = timedelta(days=14)
ACTIVATION_MAX_ATTEMPTS = 5
HOLDER_USERNAME_PREFIX = "holder-"


def _activation_code_hash(code: str) -> str:
    return salted_hmac("ecert.accounts.activation_code", code, algorithm="sha256").hexdigest()


def activation_code_normalise(typed: str) -> str:
    """The code as issued, from what a person typed: full-width forms, case, spaces and dashes do
    not matter."""
    text = unicodedata.normalize("NFKC", typed).upper()
    return "".join(c for c in text if c.isalnum())[:32]


def activation_code_format(code: str) -> str:
    """Groups of five for reading aloud and typing: ``ABCDE-FGHJK``."""
    groups = [code[i : i + ACTIVATION_GROUP] for i in range(0, len(code), ACTIVATION_GROUP)]
    return "-".join(groups)


@transaction.atomic
def activation_code_issue(
    *, actor: User | None, holder: Holder, now: datetime, authority: Authority | None = None
) -> str:
    """A new one-time code for ``holder`` (returned once, formatted in groups; only its hash is
    stored). Any earlier unused code of the holder stops working. ``authority`` is where the clerk
    acted, so that auditors of that subtree see the event."""
    ActivationCode.objects.filter(
        holder=holder, used_at__isnull=True, voided_at__isnull=True
    ).update(voided_at=now)
    code = "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_LENGTH))
    issued = ActivationCode.objects.create(
        holder=holder,
        code_hash=_activation_code_hash(code),
        issued_by=actor if actor is not None and actor.pk else None,
        issued_at=now,
        expires_at=now + ACTIVATION_LIFETIME,
    )
    audit_record(
        actor=actor,
        action="activation_code.issued",
        authority=authority,
        object_type="holder",
        object_id=holder.pk,
        data={
            "activation_code": issued.pk,
            "id_number": holder.id_number_masked,
            "expires_at": issued.expires_at.isoformat(),
        },
        at=now,
    )
    return activation_code_format(code)


def _password_reasons(password: str, user: User | None = None) -> dict[str, list[str]]:
    """What Django's password validators say against ``password``, in Chinese and in English."""
    from django.contrib.auth.password_validation import validate_password

    reasons: dict[str, list[str]] = {"zh-hans": [], "en": []}
    for language, found in reasons.items():
        with translation.override(language):
            try:
                validate_password(password, user)
            except ValidationError as error:
                found.extend(_password_reason(problem) for problem in error.error_list)
    return reasons


def holder_password_check(password: str, id_number: str) -> None:
    """Django's password validators, plus: not the ID number (the first thing anyone would try)."""
    reasons = _password_reasons(password)
    typed = activation_code_normalise(id_number)
    if len(typed) >= 6 and typed in password.upper():
        reasons["zh-hans"].append("密码不能包含证件号码")
        reasons["en"].append("the password must not contain the ID number")
    if reasons["en"]:
        raise password_rejected(reasons["zh-hans"], reasons["en"])


def _password_reason(problem: ValidationError) -> str:
    """One validator's reason in the active language. Django 5.2 changed the msgid of "too short"
    and its Chinese catalogue has not caught up, so that one is ours."""
    if problem.code == "password_too_short" and problem.params:
        return translation.gettext(
            "This password is too short. It must contain at least %(min_length)d characters."
        ) % {"min_length": problem.params["min_length"]}
    return " ".join(problem.messages)


def holder_account_activate(*, id_number: str, code: str, password: str, now: datetime) -> User:
    """Open (or, with a new code, reset) the portal account of the holder with ``id_number``.

    The code is checked in constant time against every open code of that person; a wrong code
    counts against them, and the fifth wrong one voids the code. A wrong code and an unknown ID
    number get the same answer. The failed try is committed before the error is raised.
    """
    holder_password_check(password, id_number)
    presented = _activation_code_hash(activation_code_normalise(code))
    with transaction.atomic():
        holders = list(holders_with_id_number(id_number))
        codes = list(rows_locked(ActivationCode.objects.filter(holder__in=holders).order_by("pk")))
        match = None
        for candidate in codes:  # compare with all of them: the time taken tells nothing
            if hmac.compare_digest(candidate.code_hash, presented):
                match = candidate
        if match is None:
            _activation_failed(codes, now)
            failure = activation_error("wrong_id_number_or_code")
        else:
            problem = _activation_code_problem(match, now)
            if problem is None:
                return _activation_complete(match, holders, password, now)
            failure = problem
    raise failure  # outside the transaction: the counted try stays counted


def _activation_code_problem(code: ActivationCode, now: datetime) -> EcertError | None:
    if code.used_at is not None:
        return activation_error("code_used")
    if code.voided_at is not None:
        return activation_error("code_void")
    if code.expires_at <= now:
        return activation_error("code_expired")
    return None


def _activation_failed(codes: list[ActivationCode], now: datetime) -> None:
    """Count a wrong code against each open code of the person; void those that reach the limit."""
    for code in codes:
        if code.used_at is not None or code.voided_at is not None or code.expires_at <= now:
            continue
        code.attempts += 1
        if code.attempts >= ACTIVATION_MAX_ATTEMPTS:
            code.voided_at = now
        code.save(update_fields=["attempts", "voided_at"])
        audit_record(
            actor=None,
            action="activation_code.wrong_attempt",
            object_type="holder",
            object_id=code.holder_id,
            data={
                "activation_code": code.pk,
                "attempts": code.attempts,
                "voided": code.voided_at is not None,
            },
            at=now,
        )


def _activation_complete(
    code: ActivationCode, holders: list[Holder], password: str, now: datetime
) -> User:
    user = _holder_account(holders, password=password)
    code.used_at = now
    code.save(update_fields=["used_at"])
    audit_record(
        actor=user,
        action="holder.activated",
        object_type="holder",
        object_id=code.holder_id,
        data={
            "username": user.username,
            "activation_code": code.pk,
            "id_number": code.holder.id_number_masked,
        },
        at=now,
    )
    return user


def _holder_account(holders: list[Holder], *, password: str | None) -> User:
    """The portal account of these holder rows (one person), created if none is linked yet; every
    row is linked to it and it has the holder role. ``password`` None leaves the password alone
    (new accounts then get an unusable one: they sign in through an identity provider)."""
    # The holder rows first (ecert.audit.locks): two activations of one person at once then make
    # one account, and the account's own row is locked after its audit events by this one alone.
    holders = list(
        rows_locked(
            Holder.objects.filter(pk__in=[h.pk for h in holders])
            .select_related("user")
            .order_by("pk"),
            of=("self",),
        )
    )
    linked = [h.user for h in holders if h.user is not None]
    if linked:
        rows_locked(User.objects.filter(pk=min(u.pk for u in linked))).first()
    if linked:
        user = min(linked, key=lambda u: u.pk)
        if not user.is_active:
            raise activation_error("account_disabled")
        if user.is_staff or user.is_superuser or user.roles() - {Role.HOLDER}:
            raise activation_error("account_not_holder")
        if password is not None:
            user.set_password(password)
            user.save(update_fields=["password"])
    else:
        user = user_create(
            actor=None,
            username=_holder_username(holders[0]),
            password=password,
            display_name=holders[0].name,
        )
    for holder in holders:
        if holder.user_id != user.pk:
            holder_link_user(actor=user, holder=holder, user=user)
    role_assign(actor=user, user=user, role=Role.HOLDER, authority=None)
    return user


def _holder_username(holder: Holder) -> str:
    """Derived from the keyed hash, never the ID number itself; a suffix if it is taken."""
    username = HOLDER_USERNAME_PREFIX + holder.id_number_hash[:16]
    if User.objects.filter(username=username).exists():
        username += "-" + secrets.token_hex(3)
    return username


@transaction.atomic
def holder_account_for_identity(
    *, id_number: IdNumber, provider: str, now: datetime, address: str = "", subject: str = ""
) -> User | None:
    """The portal account of a person whose ID number an identity provider has verified (for an
    OIDC or other government sign-in backend; see docs/holders.md); None if they hold nothing here.
    ``address`` (the client's) and ``subject`` (the provider's id of the person, kept as a keyed
    digest) go into the audit event.
    """
    holders = list(
        Holder.objects.filter(
            id_type=id_number.type.value,
            id_number_hash=id_number_lookup_hash(id_number.type, id_number.value),
        )
    )
    if not holders:
        return None
    user = _holder_account(holders, password=None)
    audit_record(
        actor=user,
        action="holder.identity_verified",
        object_type="holder",
        object_id=holders[0].pk,
        data={
            "username": user.username,
            "provider": provider[:64],
            "id_number": str(id_number),  # masked
            **_identity_context(address, subject),
        },
        at=now,
    )
    return user


def _identity_context(address: str, subject: str) -> dict[str, str]:
    data = {"address": address[:64]}
    if subject:
        data["subject_digest"] = salted_hmac(
            "ecert.accounts.identity_subject", subject
        ).hexdigest()[:12]
    return data


# What signing in through an identity provider refuses with; the portal shows these texts.
IDENTITY_REFUSALS = CLAIM_REFUSALS | {
    "identity_no_certificate",
    "account_disabled",
    "account_not_holder",
}


def holder_identity_sign_in(
    *,
    claims: Mapping[str, object],
    number_claim: str,
    verified_claim: str,
    provider: str,
    address: str,
    now: datetime,
) -> User:
    """The holder account of the person the provider's validated ``claims`` describe: their
    verified ID number finds their holder rows, and ``holder_account_for_identity`` gives the
    account (audited as ``holder.identity_verified``). A refusal (no or unverified number, no
    certificate under it, a disabled or staff account) is audited as ``holder.identity_refused``
    and raised as an EcertError whose code is in ``IDENTITY_REFUSALS``."""
    subject = claims.get("sub")
    subject = subject if isinstance(subject, str) else ""
    id_number: IdNumber | None = None
    try:
        id_number = id_number_from_claims(
            claims,
            number_claim=number_claim,
            verified_claim=verified_claim,
            provider=provider,
            today=timezone.localtime(now).date(),
        )
        user = holder_account_for_identity(
            id_number=id_number, provider=provider, now=now, address=address, subject=subject
        )
        if user is None:
            raise _no_certificate(id_number, provider)
    except EcertError as error:
        if error.code not in IDENTITY_REFUSALS:
            raise
        holder_identity_refused(
            provider=provider,
            reason=error.code,
            address=address,
            now=now,
            id_number=id_number,
            subject=subject,
        )
        raise
    return user


def _no_certificate(id_number: IdNumber, provider: str) -> EcertError:
    return EcertError(
        "identity_no_certificate",
        f"{provider}核验的身份证件号码 {id_number} 名下没有本系统登记的证书，未登录。"
        "如您确已取得证书，请联系发证机构核对证件号码。",
        f"no certificate is recorded here under the ID number {id_number} that {provider} "
        "verified, so nobody was signed in. If you do hold a certificate, ask the issuing "
        "authority to check the ID number on record.",
    )


@transaction.atomic
def holder_identity_refused(
    *,
    provider: str,
    reason: str,
    address: str,
    now: datetime,
    id_number: IdNumber | None = None,
    subject: str = "",
) -> None:
    """Audit a sign-in through an identity provider that signed nobody in (``reason`` is the
    refusal's code: a claim refused, or the exchange with the provider failed)."""
    data = {"provider": provider[:64], "reason": reason[:64], **_identity_context(address, subject)}
    if id_number is not None:
        data["id_number"] = str(id_number)  # masked
    audit_record(actor=None, action="holder.identity_refused", data=data, at=now)


# Staff accounts: signing in to the back office, and what a security administrator does to the
# accounts of their subtree (docs/staff-accounts.md).
STAFF_SIGNIN = "staff-signin"  # the throttle's scope for back-office sign-ins
TEMPORARY_PASSWORD_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105
TEMPORARY_PASSWORD_LENGTH = 12  # 54**12 ≈ 2**69, read aloud or passed on paper, used once
TYPED_NAME_SHOWN = 3  # how much of an unknown typed user name the audit log keeps
LOCK_DATA = {"limit": FAILURE_LIMIT, "minutes": int(FAILURE_WINDOW.total_seconds() // 60)}


def staff_sign_in(*, username: str, password: str, address: str, now: datetime) -> User:
    """The staff account these credentials open, counting failures per user name and per address.

    While either counter is at the limit even the right password is refused (``signin_locked``),
    and nothing is hashed or audited: the lockout was audited once, when it began. Every other
    attempt is audited, a success as ``user.signed_in`` and a failure as ``user.sign_in_failed``;
    so a flood costs at most ``FAILURE_LIMIT`` + 1 events per address and per user name in each
    window. Accounts without a back-office permission (holders, organisations) are refused here.
    """
    keys = throttle_keys(scope=STAFF_SIGNIN, address=address, username=username)
    if throttle_blocked(keys, now):
        raise staff_error("signin_locked")
    user = authenticate(None, username=username, password=password)
    if isinstance(user, User) and user_has_perm(user, Perm.USE_BACKOFFICE):
        throttle_success(keys)
        with transaction.atomic():
            audit_record(
                actor=user,
                action="user.signed_in",
                authority=staff_account_home(user),
                object_type="user",
                object_id=user.pk,
                data={"address": address[:64]},
                at=now,
            )
        return user
    locked = throttle_failure(keys, now)
    with transaction.atomic():
        _sign_in_failed(username, address, now, locked=locked, authenticated=user is not None)
    raise staff_error("signin_locked" if locked else "signin_wrong")


def _sign_in_failed(
    username: str, address: str, now: datetime, *, locked: bool, authenticated: bool
) -> None:
    """Audit one failed sign-in, and the lockout it began. An unknown typed name is kept as its
    first characters and a keyed digest (people type their password into the name box; the
    digest still groups repeated tries of one name); the password is never kept."""
    account = User.objects.filter(username=username).first()
    data: dict[str, object] = {"address": address[:64]}
    if account is None:
        data["typed"] = username[:TYPED_NAME_SHOWN] + "…"
        data["typed_digest"] = salted_hmac("ecert.accounts.typed_name", username).hexdigest()[:12]
        data["reason"] = "unknown_user"
    else:
        data["username"] = account.username
        data["reason"] = (
            "disabled"
            if not account.is_active
            else "no_backoffice_role"
            if authenticated
            else "wrong_password"
        )
    home = staff_account_home(account) if account is not None else None
    object_type, object_id = ("user", account.pk) if account is not None else ("", "")
    events = [("user.sign_in_failed", data)]
    if locked:
        events.append(("user.sign_in_locked", {**data, **LOCK_DATA}))
    for action, recorded in events:
        audit_record(
            actor=None,
            action=action,
            authority=home,
            object_type=object_type,
            object_id=object_id,
            data=recorded,
            at=now,
        )


def staff_password_check(password: str, user: User | None) -> None:
    """Django's password validators (length, common, numeric, like the user's name)."""
    reasons = _password_reasons(password, user)
    if reasons["en"]:
        raise password_rejected(reasons["zh-hans"], reasons["en"])


def _temporary_password() -> str:
    return "".join(
        secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH)
    )


def _refuse_unless_manages(actor: User | None, account: User) -> None:
    """Refuse an actor's change to their own account, or to one beyond their scope."""
    if actor is not None and actor.pk == account.pk:
        raise staff_error("own_account")
    if account.is_superuser and actor is not None and not actor.is_superuser:
        raise staff_error("superuser")
    if not staff_account_in_scope(actor=actor, account=account):
        raise staff_error("not_in_scope")


def _refuse_unless_places(actor: User | None, role: Role, authority: Authority | None) -> None:
    """Refuse a role that is not a staff role, or an authority beyond the actor's scope."""
    if role not in STAFF_ROLES:
        raise staff_error("not_staff_role")
    if actor is None or authority is None:
        return  # the command line places anywhere; check_assignment refuses a missing authority
    if not scope_for(actor, Perm.MANAGE_USERS).contains(authority.path):
        raise staff_error("authority_not_in_scope")


def staff_account_create(
    *,
    actor: User | None,
    username: str,
    display_name: str,
    role: Role,
    authority: Authority,
    password: str | None = None,
) -> tuple[User, str | None]:
    """A staff account with its first role, for the actor's subtree. Its password is temporary:
    ``password`` as the administrator typed it, or one made here and returned (shown once). The
    account must choose its own at its first sign-in."""
    _refuse_unless_places(actor, role, authority)
    username = username.strip()
    try:
        User.username_validator(username)
    except ValidationError as error:
        raise staff_error("username_invalid") from error
    if not username or len(username) > 150:
        raise staff_error("username_invalid")
    if User.objects.filter(username__iexact=username).exists():
        raise staff_error("username_taken")
    temporary = password or _temporary_password()
    made = None if password else temporary
    staff_password_check(temporary, User(username=username, display_name=display_name))
    user = account_with_role_create(
        actor=actor,
        username=username,
        password=temporary,
        display_name=display_name.strip()[:64],
        role=role,
        authority=authority,
        must_change_password=True,
    )
    return user, made


def account_with_role_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    display_name: str,
    role: Role,
    authority: Authority | None,
    must_change_password: bool = False,
) -> User:
    """A new account and its first role, in one transaction: both or neither."""
    with transaction.atomic():
        # role_assign locks the new account's row after user_create's audit event took the audit
        # head. No other transaction can see that row before this one commits, so it cannot be
        # part of a deadlock; the row lock is declared first to keep to the one order.
        locks_take(Lock.ROWS)
        user = user_create(
            actor=actor,
            username=username,
            password=password,
            display_name=display_name,
            authority=authority,
        )
        if must_change_password:
            user.must_change_password = True
            user.save(update_fields=["must_change_password"])
        role_assign(actor=actor, user=user, role=role, authority=authority)
    return user


@transaction.atomic
def staff_account_disable(*, actor: User | None, account: User) -> User:
    """Disable an account: it cannot sign in, its sessions end at their next request, and its API
    tokens stop working (they work again if it is enabled). Nobody disables their own."""
    _refuse_unless_manages(actor, account)
    if account.is_active:
        account.is_active = False
        account.save(update_fields=["is_active"])
        _account_event(actor, account, "user.disabled")
    return account


@transaction.atomic
def staff_account_enable(*, actor: User | None, account: User) -> User:
    _refuse_unless_manages(actor, account)
    if not account.is_active:
        account.is_active = True
        account.save(update_fields=["is_active"])
        _account_event(actor, account, "user.enabled")
    return account


def staff_password_reset(
    *, actor: User | None, account: User, password: str | None = None
) -> str | None:
    """Give ``account`` a temporary password (``password`` as typed, or one made here and
    returned), end its sessions, and clear its sign-in lockout; the account must choose its own
    password at its next sign-in."""
    _refuse_unless_manages(actor, account)
    temporary = password or _temporary_password()
    made = None if password else temporary
    staff_password_check(temporary, account)
    with transaction.atomic():
        account.set_password(temporary)
        account.must_change_password = True
        account.save(update_fields=["password", "must_change_password"])
        _account_event(actor, account, "user.password_reset", typed=made is None)
    throttle_success(throttle_keys(scope=STAFF_SIGNIN, address="", username=account.username))
    return made


def staff_password_change(*, user: User, current: str, new: str) -> User:
    """A signed-in user chooses their own password (after a reset, before any other page)."""
    if not user.check_password(current):
        raise staff_error("current_password_wrong")
    if current == new:
        raise staff_error("password_unchanged")
    staff_password_check(new, user)
    with transaction.atomic():
        user.set_password(new)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        _account_event(user, user, "user.password_changed")
    return user


def staff_role_assign(
    *, actor: User | None, account: User, role: Role, authority: Authority | None
) -> RoleAssignment:
    """Give a staff account one more role, within the actor's scope and the 三员分立 rules."""
    _refuse_unless_manages(actor, account)
    _refuse_unless_places(actor, role, authority)
    return role_assign(actor=actor, user=account, role=role, authority=authority)


@transaction.atomic
def staff_role_revoke(*, actor: User | None, assignment: RoleAssignment) -> RoleAssignment:
    """Take one role away; an account's last role stays (disable the account instead), so that
    no account drops out of every administrator's sight."""
    account = rows_locked(User.objects.filter(pk=assignment.user_id)).get()
    _refuse_unless_manages(actor, account)
    if assignment.revoked_at is not None:
        return assignment
    others = account.role_assignments.filter(revoked_at__isnull=True).exclude(pk=assignment.pk)
    if not others.exists():
        raise staff_error("last_role")
    revoked = role_revoke(actor=actor, assignment=assignment)
    account.__dict__.pop("_active_assignments", None)
    return revoked


def _account_event(actor: User | None, account: User, action: str, **data: object) -> None:
    audit_record(
        actor=actor,
        action=action,
        authority=staff_account_home(account),
        object_type="user",
        object_id=account.pk,
        data={"username": account.username, **data},
    )
