"""The published status lists of credentials (docs/formats/status-list.md): built from the stored
statuses, signed with a status-list key, published, and signed again when a status changes, so an
offline verifier holding the newest list learns of a revocation as soon as it is made."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import OperationalError, connection, transaction

from ecert.audit.locks import Lock, locks_take
from ecert.audit.services import audit_record
from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.algorithms import Signer
from ecert.core.formats.status_list import (
    ENTRIES,
    StatusBits,
    StatusListDocument,
    StatusValue,
    status_list_from_cbor,
)
from ecert.core.formats.trust_list import Purpose
from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.models import Credential, StatusIndexCounter
from ecert.signing.models import SignerKey, StatusListPublication
from ecert.signing.services import current_key, keystore_open
from ecert.sqlite_lock import lock_busy, waiting_at_most

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.authorities.models import Authority

STATUS_LIST_HOURS = 24  # a published list is valid this long
STATUS_LIST_REFRESH = timedelta(hours=1)
OTHER_FORM_CACHE_SECONDS = 3600  # a stored list is replaced at least hourly
STATUS_LIST_WAIT_MS = 1_000  # then an older list is served: an import holds the lock for minutes


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def status_list_build(list_number: int, now: datetime) -> StatusListDocument:
    bits = StatusBits()
    first = list_number * ENTRIES
    rows = Credential.objects.filter(
        status_index__gte=first, status_index__lt=first + ENTRIES
    ).exclude(status=CredentialStatus.VALID)
    for index, status in rows.values_list("status_index", "status").iterator():
        if index is not None:
            bits.set(index - first, StatusValue.of(CredentialStatus(status)))
    return StatusListDocument(
        list_number, _epoch(now), _epoch(now + timedelta(hours=STATUS_LIST_HOURS)), bits
    )


def _status_lists_in_use() -> int:
    """How many status lists the allocated status indexes fill (the last one partly)."""
    counter = StatusIndexCounter.objects.filter(pk=1).first()
    allocated = counter.next_index if counter else 0
    return (allocated + ENTRIES - 1) // ENTRIES


@transaction.atomic
def status_lists_publish(
    *,
    actor: User | None,
    authority: Authority,
    now: datetime,
    only: int | None = None,
) -> list[StatusListPublication]:
    """Sign every status list that has entries (or only list ``only``) with ``authority``'s
    status-list key."""
    locks_take(Lock.STATUS_LISTS)  # one publisher at a time: the first row of a list is created
    key = current_key(authority, Purpose.STATUS_LISTS, now)
    if key is None:
        raise EcertError(
            "no_key", "没有可签发状态列表的有效密钥", "no valid key may sign status lists"
        )
    signer = keystore_open().signer(key.key_label)
    numbers = range(_status_lists_in_use()) if only is None else [only]
    published = []
    for number in numbers:
        document = status_list_build(number, now)
        signed = cose.sign1(document.to_cbor(), signer, kid=bytes(key.kid))
        row, _ = StatusListPublication.objects.update_or_create(
            list_number=number, defaults={"issued_at": now, "document": signed}
        )
        published.append(row)
    audit_record(
        actor=actor,
        action="signing.status_lists_published",
        authority=authority,
        object_type="status_list",
        object_id=_numbers_published([p.list_number for p in published]),
        data={"lists": [p.list_number for p in published]},
        at=now,
    )
    return published


def _numbers_published(numbers: list[int]) -> str:
    """The audit event's object: the list number (``list_number``, as its file publishes it), or
    the first and last of the run 0…n-1 that a publication of every list signs."""
    if len(numbers) > 1:
        return f"{numbers[0]}-{numbers[-1]}"
    return "".join(str(n) for n in numbers)


def status_list_republish(*, status_index: int | None, now: datetime) -> None:
    """Sign the list holding ``status_index`` again after a status change, with the deployment's
    status-list key; nothing when the credential has no entry or no key may sign status lists
    (then the list is signed at the next ``status_list_fresh``)."""
    if status_index is None:
        return
    key = current_key(None, Purpose.STATUS_LISTS, now)
    if key is None:
        return
    status_lists_publish(actor=None, authority=key.authority, now=now, only=status_index // ENTRIES)


def status_list_fresh(*, list_number: int, now: datetime) -> StatusListPublication | None:
    """The published status list ``list_number``, signed again first when it is missing or more
    than STATUS_LIST_REFRESH old, so that what verifiers download is never more than an hour
    behind the registry. None when no such list exists or no key may sign status lists. When a
    writer holds SQLite's write lock (an import), the list as last signed is served meanwhile."""
    row = StatusListPublication.objects.filter(list_number=list_number).first()
    if row is not None and now - row.issued_at < STATUS_LIST_REFRESH:
        return row
    if row is None and list_number >= _status_lists_in_use():
        return None  # asking for a list that cannot exist signs nothing
    key = current_key(None, Purpose.STATUS_LISTS, now)
    if key is None:
        return row
    try:
        with waiting_at_most(STATUS_LIST_WAIT_MS):
            published = status_lists_publish(actor=None, authority=key.authority, now=now)
    except OperationalError as error:
        # SQLite's lock taken by an import, or PostgreSQL's primary down while a replica serves
        # (docs/scaling.md): the list as last signed meanwhile.
        if row is None or not (lock_busy(error) or connection.vendor == "postgresql"):
            raise
        return row
    return next((p for p in published if p.list_number == list_number), None)


# Makes one other form of a decoded list, signed by the key that signed the stored one.
FormMaker = Callable[[StatusListDocument, SignerKey, Signer], str]


def status_list_other_form(
    *, list_number: int, now: datetime, form: str, make: FormMaker
) -> str | None:
    """Status list ``list_number`` in another form than COSE (the W3C credential, the IETF Status
    List Token): the stored COSE document, signed again first when old (``status_list_fresh``),
    decoded and handed to ``make`` with the key whose kid it carries. Every form says what the
    stored list says, with its times. Cached an hour under ``form`` and the SHA-256 of that very
    document; None when the list does not exist."""
    row = status_list_fresh(list_number=list_number, now=now)
    if row is None:
        return None
    stored = bytes(row.document)
    cache_key = f"status-list-{form}:{hashlib.sha256(stored).hexdigest()}"
    cached = cache.get(cache_key)
    if isinstance(cached, str):
        return cached
    message = cose.decode_sign1(stored)
    key = SignerKey.objects.select_related("authority").get(kid=message.kid)
    made = make(status_list_from_cbor(message.payload), key, keystore_open().signer(key.key_label))
    cache.set(cache_key, made, OTHER_FORM_CACHE_SECONDS)
    return made
