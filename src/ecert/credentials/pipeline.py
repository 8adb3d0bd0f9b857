"""The one write path of credentials and holders (DESIGN.md §3): drafts in, signed credentials out.

Every credential — from a pass list, a record of a paper certificate, a proof on request, a title,
a correction, a replacement, the demo, the benchmarks — goes through a ``Pipeline`` inside its
caller's transaction:

1. each draft is checked once (``ecert.core.rules.drafts.draft_check``: name rules, sex and birth
   month, printable text, the catalogue's rules);
2. against the drafts of this run not yet stored, and against the database: a draft that repeats
   a stored credential exactly is counted as already issued (so a file imported twice changes
   nothing), one that contradicts it is refused; a management number belongs to one person;
3. its holder is found or created (``HolderWriter``, the one writer of holder rows);
4. it becomes a ``CredentialRecord``, whose claims (``record_claims``) are signed by
   ``sign_records`` — in a forked worker while the next chunk is checked, when that helps — and
   refused if its QR code would not fit;
5. the signed rows are inserted with one column list (``records.CREDENTIAL_COLUMNS``), each batch
   of one authority and kind gets its signed Merkle root, and one audit event records the run.

The caller learns what became of each draft through an ``Outcomes`` and decides whether to commit.
Locks are taken in the order of ``ecert.audit.locks``: the rows of superseded credentials, the
holders lock (held from the first chunk on, so no other run inserts holders or credentials while
this one checks for duplicates), the status index counter, the audit chain head last.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import secrets
import threading
import time
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone

from ecert.audit.locks import Lock, locks_take, rows_locked
from ecert.audit.services import audit_record
from ecert.catalogue.selectors import qualification_facts
from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import SoftwareKey
from ecert.core.formats.batches import BatchStatement, sign_batch
from ecert.core.formats.claims import BUILD_CODES, KindCode
from ecert.core.formats.identifiers import IdentifierSeries
from ecert.core.formats.merkle import MerkleAccumulator
from ecert.core.formats.records import (
    CredentialRecord,
    Signed,
    SigningSetup,
    sign_records,
)
from ecert.core.formats.trust_list import Purpose
from ecert.core.identity.idnumbers import IdNumber, mask_id_number
from ecert.core.identity.names import NAME_CODES
from ecert.core.identity.public_ids import new_public_ids
from ecert.core.rules.drafts import (
    DRAFT_CODES,
    CredentialDraft,
    PersonDraft,
    QualificationFacts,
    draft_check,
    draft_error,
)
from ecert.core.rules.kinds import CredentialKind, CredentialStatus
from ecert.core.rules.photos import PHOTO_CODES
from ecert.credentials.models import Credential, Holder, IssuanceBatch, StatusIndexCounter
from ecert.credentials.personal_data import holder_identity_fields, id_number_lookup_hash
from ecert.credentials.printable import unprintable
from ecert.credentials.records import (
    BATCH,
    CREDENTIAL_COLUMNS,
    HOLDER_COLUMNS,
    IDENTIFIER,
    POSITION,
    SIGNED,
    RowMaker,
    epoch_seconds,
    month_text,
    signing_time,
)
from ecert.signing.models import SignerKey
from ecert.signing.services import (
    LICENCE_SERIAL_WIDTH,
    current_key,
    keystore_open,
    licence_codes,
)

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.authorities.models import Authority

CHUNK = 2000  # drafts checked, stored and signed together
# What a draft repeats: holder, kind, qualification, level, approval date — or, for a title
# certificate, holder, kind and certificate number.
NaturalKey = tuple[int, str, int | None, str, Any]
Person = tuple[str, str]  # ID type, canonical ID number

# Every code a draft can be refused with (the rules, the duplicates, the QR size, a missing key):
# a caller that turns refusals into its own words tells them apart by code from a fault (a key
# store that fails), which goes up as it is. tests/credentials/test_refusals.py keeps it whole.
ISSUE_REFUSALS = frozenset(
    {
        *BUILD_CODES,
        *NAME_CODES,
        *DRAFT_CODES,
        *PHOTO_CODES,
        "repeated",
        "issued_differently",
        "number_taken",
        "holder_name_mismatch",
        "not_replaceable",
        "unknown_qualification",
        "qr_too_big",
        "no_key",
        "no_batch_key",
    }
)

_QR_TOO_BIG = (
    "qr_too_big",
    "此证书的数据（姓名、专业等）过长，二维码放不下（须不超过 12 版 M 级）；请核对",
    "the certificate's data (name, specialty …) is too long for its QR code (version 12, level "
    "M at most); check it",
)


class Outcomes:
    """What became of each draft; this one keeps them all (small runs: a title, a proof, a
    correction). An importer supplies its own that counts and keeps rows for its error file."""

    def __init__(self) -> None:
        self.issued: list[tuple[CredentialDraft, str]] = []
        self.existing: list[tuple[CredentialDraft, str]] = []
        self.refused: list[tuple[CredentialDraft, list[EcertError]]] = []

    def on_issued(self, draft: CredentialDraft, public_id: str) -> None:
        self.issued.append((draft, public_id))

    def on_existing(self, draft: CredentialDraft, public_id: str) -> None:
        self.existing.append((draft, public_id))

    def on_refused(self, draft: CredentialDraft, errors: Sequence[EcertError]) -> None:
        """Every reason, at once (a draft may break several rules)."""
        self.refused.append((draft, list(errors)))


@dataclass(frozen=True)
class RunSummary:
    issued: int
    existing: int
    refused: int
    batches: list[str]  # references of the batches that issued something


# ── holders ────────────────────────────────────────────────────────────────────────────────────


class HolderWriter:
    """Finds holders by their ID number and creates the missing ones; the only code that inserts
    holder rows. One ID number is one person: a different name is refused, except where the
    caller renames deliberately (a correction of the name)."""

    def __init__(self, now: datetime) -> None:
        self.now = connection.ops.adapt_datetimefield_value(now)
        self.created: set[int] = set()  # holders the last ``resolve`` inserted

    def resolve(
        self, persons: Sequence[PersonDraft], *, rename: Sequence[bool] | None = None
    ) -> list[int | EcertError]:
        """A holder id for each person, or why not; names are already normalised."""
        hashes = [id_number_lookup_hash(p.id_number.type, p.id_number.value) for p in persons]
        stored = {h: (pk, name) for h, pk, name in select_in(_HOLDERS_BY_HASH, [], hashes)}
        missing = [h for h in hashes if h not in stored]
        if missing and Lock.HOLDERS in locks_take(Lock.HOLDERS):
            # Another writer may have stored some of them while we waited: inserting a holder
            # twice would break the unique ID number (one person recorded by two at once).
            stored.update(
                (h, (pk, name)) for h, pk, name in select_in(_HOLDERS_BY_HASH, [], missing)
            )
        new: dict[str, tuple[Any, ...]] = {}
        renamed: dict[int, str] = {}
        out: list[int | EcertError | str] = []
        for index, (person, lookup_hash) in enumerate(zip(persons, hashes, strict=True)):
            known = stored.get(lookup_hash)
            if known is None:
                if lookup_hash not in new:
                    fields = holder_identity_fields(person.id_number, lookup_hash)
                    new[lookup_hash] = (person.name, *fields.values(), self.now)
                    stored_name = person.name
                else:
                    stored_name = new[lookup_hash][0]
                if stored_name != person.name:
                    out.append(_name_taken(person.id_number))
                else:
                    out.append(lookup_hash)  # an id once inserted
                continue
            pk, name = known
            if name != person.name:
                if rename is not None and rename[index]:
                    renamed[pk] = person.name
                    stored[lookup_hash] = (pk, person.name)
                else:
                    out.append(_name_taken(person.id_number))
                    continue
            out.append(pk)
        insert_rows(Holder, HOLDER_COLUMNS, list(new.values()))
        for pk, name in renamed.items():
            Holder.objects.filter(pk=pk).update(name=name)
        inserted = {h: pk for h, pk, _ in select_in(_HOLDERS_BY_HASH, [], list(new))}
        self.created = set(inserted.values())
        ids = [inserted[item] if isinstance(item, str) else item for item in out]
        self.photos_set(
            {
                pk: p.photo
                for p, pk in zip(persons, ids, strict=True)
                if p.photo and isinstance(pk, int)
            }
        )
        return ids

    def photos_set(self, photos: dict[int, bytes]) -> None:
        """Keep each holder's newest photo (it was checked with the draft)."""
        if not photos:
            return
        table = connection.ops.quote_name(_HOLDER_TABLE)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET photo_jpeg = %s, photo_sha256 = %s WHERE id = %s",  # noqa: S608 - our table
                [(data, hashlib.sha256(data).hexdigest(), pk) for pk, data in photos.items()],
            )


def _name_taken(id_number: IdNumber) -> EcertError:
    masked = mask_id_number(id_number.value)
    return EcertError(
        "holder_name_mismatch",
        f"证件号码 {masked} 已登记为另一姓名，请核对姓名",
        f"ID number {masked} is registered under another name; check the name",
        field="name",
        label=("姓名", "name"),
    )


# ── signing ────────────────────────────────────────────────────────────────────────────────────

# Filled in this process before the signing worker is forked; the worker inherits a copy, so keys
# held in memory never pass through a pipe or a file.
_SETUPS: dict[str, SigningSetup] = {}


def _sign_in_worker(name: str, records: Sequence[CredentialRecord]) -> list[Signed]:
    return sign_records(_SETUPS[name], records)


def _worker_watch_parent() -> None:
    """The forked worker holds both ends of its task pipe, so it would wait for ever if its parent
    were killed outright (kill -9, out of memory): it leaves as soon as the parent is gone."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class _Signing:
    """Where a chunk gets signed: a forked worker while this process checks the next chunk (file
    keys, more than one core), else here. A PKCS#11 session does not survive a fork."""

    def __init__(self, *, parallel: bool) -> None:
        self.parallel = parallel and (os.cpu_count() or 1) > 1
        self.setups: dict[str, SigningSetup] = {}
        self._pool: ProcessPoolExecutor | None = None

    def add(self, name: str, setup: SigningSetup) -> None:
        self.setups[name] = setup
        if not isinstance(setup.signer, SoftwareKey):
            self.parallel = False
        if self._pool is not None:
            # The worker knows only the setups it was forked with: let it finish what it has
            # (those results stay readable) and fork a new one when next asked.
            self._pool.shutdown(wait=True)
            self._pool = None

    def submit(
        self, name: str, records: Sequence[CredentialRecord], *, worth_a_worker: bool
    ) -> Future[list[Signed]]:
        if self.parallel and worth_a_worker:
            return self._worker().submit(_sign_in_worker, name, list(records))
        done: Future[list[Signed]] = Future()
        done.set_result(sign_records(self.setups[name], records))
        return done

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            _SETUPS.clear()
            _SETUPS.update(self.setups)
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_worker_watch_parent,
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        _SETUPS.clear()


@dataclass
class _Group:
    """One authority's credentials of one kind in this run: its open key and its batch."""

    name: str
    authority_id: int
    kind: CredentialKind
    key: SignerKey
    batch: IssuanceBatch
    roots: MerkleAccumulator = field(default_factory=MerkleAccumulator)
    rows: array[int] = field(default_factory=lambda: array("L"))  # source row per position


def signing_setup(
    authority: Authority, kind: CredentialKind, now: datetime
) -> tuple[SignerKey, SigningSetup]:
    """``authority``'s current key for credentials of ``kind``, opened; EcertError if it has none
    (the one way every credential and every 加注 copy gets its signer)."""
    key = current_key(authority, Purpose.CREDENTIALS, now)
    if key is None or kind.value not in key.kinds:
        raise EcertError(
            "no_key",
            f"{authority.name}没有可签发此类证书的有效密钥（请安全管理员先运行 ecert keys init）",
            f"{authority.key} has no valid key for {kind.value} (a security administrator runs "
            "ecert keys init first)",
        )
    type_code, issuer_code = licence_codes(KindCode.of(kind), authority)
    return key, SigningSetup(
        signer=keystore_open().signer(key.key_label),
        kid=bytes(key.kid),
        host=settings.ECERT_VERIFY_HOST,
        identifiers=IdentifierSeries(type_code, issuer_code, LICENCE_SERIAL_WIDTH),
    )


def new_batch_reference(today: date) -> str:
    return f"B{today:%Y%m%d}-{secrets.token_hex(4).upper()}"


# ── the pipeline ───────────────────────────────────────────────────────────────────────────────


@dataclass
class _Pending:
    """A chunk stored in every column but its signature, waiting for it."""

    drafts: list[CredentialDraft]
    rows: list[list[Any]]
    groups: dict[str, list[int]]  # group → indexes into drafts/rows
    futures: dict[str, Future[list[Signed]]] = field(default_factory=dict)
    keys: list[tuple[Any, ...]] = field(default_factory=list)  # in-run keys to forget once stored


class Pipeline:
    """One run of the write path inside the caller's transaction; ``add`` drafts in chunks, then
    ``finish``. Use it as a context manager, so a failure stops the signing worker."""

    def __init__(
        self,
        *,
        actor: User | None,
        now: datetime,
        outcomes: Outcomes | None = None,
        source_id: int | None = None,
        parallel: bool = False,
        audit_authority: Authority | None = None,
    ) -> None:
        self.actor, self.outcomes = actor, outcomes or Outcomes()
        self.at = now  # keys are chosen at this very moment (one made a moment ago counts)
        self.now = signing_time(now)  # what the claims and the rows say: whole seconds
        self.today = timezone.localdate(now)
        self.source_id = source_id
        self.audit_authority = audit_authority
        self.holders = HolderWriter(now)
        self.rows = RowMaker(self.now)
        self.signing = _Signing(parallel=parallel)
        self.groups: dict[str, _Group] = {}
        self.facts: dict[int, QualificationFacts] = {}
        self.pending: list[_Pending] = []
        # Drafts of this run not yet in the database, where later duplicates are found instead.
        self.recent_keys: dict[Any, int | None] = {}
        self.recent_numbers: dict[tuple[int | None, str], tuple[Person, str, int | None]] = {}
        self.issued = self.existing = self.refused = 0
        self.single: str | None = None  # the public id, when the run issued exactly one
        self.replaced: list[tuple[int, str]] = []  # superseded credential, its replacement
        self._collecting = False  # whether the cyclic garbage collector ran before this run

    def __enter__(self) -> Pipeline:
        # A run allocates millions of short-lived objects that make no reference cycles; the
        # cyclic collector would walk them again and again (about a sixth of a 100,000-row
        # import), so it waits until the run is over.
        self._collecting = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._collecting:
            gc.enable()
        self.signing.close()

    # -- the steps ---------------------------------------------------------------------------

    def add(self, drafts: Iterable[CredentialDraft]) -> None:
        """Check, store and queue for signing; chunks are signed while the next one is read."""
        for chunk in _chunks(drafts, CHUNK):
            checked, keys = self._without_run_duplicates(self._checked(chunk))
            holder_ids = self._holders(checked, keys)
            fresh = self._without_stored_duplicates(checked, holder_ids, keys)
            if fresh:
                self._queue(fresh)
            self._drain(keep=1)

    def finish(self) -> RunSummary:
        """Store what is still being signed, sign every batch's root, record the audit event."""
        self._drain(keep=0)
        self.signing.close()
        references = []
        for group in self.groups.values():
            if self._close(group):
                references.append(group.batch.reference)
        if self.issued:
            self._audit(references)
        self._audit_replaced()
        return RunSummary(self.issued, self.existing, self.refused, references)

    def refuse(self, draft: CredentialDraft, *errors: EcertError) -> None:
        self.refused += 1
        self.outcomes.on_refused(draft, [error.located(row=draft.row) for error in errors])

    # 1. rules
    def _checked(self, chunk: list[CredentialDraft]) -> list[CredentialDraft]:
        needed = {d.qualification for d in chunk if d.qualification is not None} - set(self.facts)
        if needed:
            self.facts.update(qualification_facts(needed))
        checked = []
        for draft in chunk:
            facts = self.facts.get(draft.qualification) if draft.qualification else None
            if draft.qualification is not None and facts is None:
                self.refuse(
                    draft,
                    draft_error(
                        draft,
                        "qualification",
                        "unknown_qualification",
                        "目录中没有该资格",
                        "the catalogue has no such qualification",
                    ),
                )
                continue
            result = draft_check(draft, qualification=facts, unprintable=unprintable)
            if isinstance(result, list):
                self.refuse(draft, *result)
            else:
                checked.append(result)
        return checked

    # 2a. repeats within this run
    def _without_run_duplicates(
        self, chunk: list[CredentialDraft]
    ) -> tuple[list[CredentialDraft], list[tuple[Any, ...]]]:
        """The drafts that repeat none of this run, and each one's key in the run."""
        kept, keys = [], []
        for draft in chunk:
            person = _person(draft)
            key = _run_key(draft, person)
            if key in self.recent_keys:
                self.refuse(draft, _repeats(draft, self.recent_keys[key]))
                continue
            if draft.number:
                number_key = (draft.qualification, draft.number)
                earlier = self.recent_numbers.get(number_key)
                if earlier is not None and (earlier[0] != person or earlier[1] == draft.kind):
                    self.refuse(draft, _repeats(draft, earlier[2]))
                    continue
                self.recent_numbers[number_key] = (person, str(draft.kind), draft.row)
            self.recent_keys[key] = draft.row
            kept.append(draft)
            keys.append(key)
        return kept, keys

    # 3. holders
    def _holders(
        self, chunk: list[CredentialDraft], keys: list[tuple[Any, ...]]
    ) -> list[int | None]:
        self._supersede(chunk)
        locks_take(Lock.HOLDERS)
        resolved = self.holders.resolve(
            [d.person for d in chunk], rename=[d.supersedes is not None for d in chunk]
        )
        ids: list[int | None] = []
        for draft, key, holder in zip(chunk, keys, resolved, strict=True):
            if isinstance(holder, EcertError):
                self.refuse(draft, holder)
                self._forget(draft, key)
                ids.append(None)
            else:
                ids.append(holder)
        return ids

    def _supersede(self, chunk: list[CredentialDraft]) -> None:
        """Mark the credentials these drafts replace as superseded, first, so that the new ones
        may take their place (DESIGN.md §2: nothing signed is edited; the old one says by what it
        was replaced)."""
        replaced = [d.supersedes for d in chunk if d.supersedes is not None]
        if not replaced:
            return
        locked = {
            c.pk: c for c in rows_locked(Credential.objects.filter(pk__in=replaced), of=("self",))
        }
        for draft in chunk:
            if draft.supersedes is None:
                continue
            old = locked.get(draft.supersedes)
            if old is None or old.status not in (
                CredentialStatus.VALID,
                CredentialStatus.SUSPENDED,
            ):
                raise EcertError(
                    "not_replaceable",
                    "只有有效或暂停的证书可以被更正或补换",
                    "only a valid or suspended credential can be corrected or replaced",
                    row=draft.row,
                )
        Credential.objects.filter(pk__in=replaced).update(
            status=CredentialStatus.SUPERSEDED, updated_at=self.now
        )

    # 2b. what is stored already
    def _without_stored_duplicates(
        self,
        chunk: list[CredentialDraft],
        holder_ids: list[int | None],
        keys: list[tuple[Any, ...]],
    ) -> list[tuple[CredentialDraft, int, tuple[Any, ...]]]:
        candidates = [
            (d, h, k) for d, h, k in zip(chunk, holder_ids, keys, strict=True) if h is not None
        ]
        by_key = self._stored_by_key({h for _, h, _ in candidates})
        by_number = self._stored_by_number({d.number for d, _, _ in candidates if d.number})
        fresh = []
        for draft, holder_id, key in candidates:
            stored = by_key.get(_natural_key(draft, holder_id))
            if stored is not None:
                self._compare(draft, holder_id, stored)
                self._forget(draft, key)
                continue
            owner = next(
                (
                    s
                    for s in by_number.get((draft.qualification, draft.number), ())
                    if s["holder_id"] != holder_id or s["kind"] == draft.kind
                ),
                None,
            )
            if owner is not None:
                self.refuse(draft, self._number_taken(draft, holder_id, owner))
                self._forget(draft, key)
                continue
            fresh.append((draft, holder_id, key))
        return fresh

    def _stored_by_key(self, holder_ids: set[int]) -> dict[NaturalKey, dict[str, Any]]:
        found: dict[NaturalKey, dict[str, Any]] = {}
        for values in select_in(_BY_HOLDER, [CredentialStatus.SUPERSEDED.value], list(holder_ids)):
            stored = dict(zip(_BY_HOLDER_FIELDS, values, strict=True))
            found[_stored_key(stored)] = stored
        return found

    def _stored_by_number(
        self, numbers: set[str]
    ) -> dict[tuple[int | None, str], list[dict[str, Any]]]:
        owners: dict[tuple[int | None, str], list[dict[str, Any]]] = {}
        for values in select_in(_BY_NUMBER, [CredentialStatus.SUPERSEDED.value], list(numbers)):
            stored = dict(zip(_BY_NUMBER_FIELDS, values, strict=True))
            owners.setdefault((stored["qualification_id"], stored["management_number"]), []).append(
                stored
            )
        return owners

    def _compare(self, draft: CredentialDraft, holder_id: int, stored: Mapping[str, Any]) -> None:
        """A draft that matches a stored credential is already issued when every recorded field
        agrees; a difference is refused (corrections have their own procedure)."""
        earlier = self._earlier_row(stored)
        if earlier is not None:
            self.refuse(draft, _repeats(draft, earlier))
            return
        recorded = _recorded(draft)
        differences = [
            _COMPARED[name] for name in _COMPARED if _same(stored[name], recorded[name]) is False
        ]
        if differences:
            zh = "、".join(d[0] for d in differences)
            en = ", ".join(d[1] for d in differences)
            self.refuse(
                draft,
                EcertError(
                    "issued_differently",
                    f"此人此证书已签发（{stored['public_id']}），但{zh}不同；如需更正请走信息更正流程",
                    f"this credential was already issued ({stored['public_id']}) with a different "
                    f"{en}; corrections go through the correction procedure",
                    row=draft.row,
                ),
            )
            return
        self.existing += 1
        self.outcomes.on_existing(draft, stored["public_id"])

    def _number_taken(
        self, draft: CredentialDraft, holder_id: int, owner: Mapping[str, Any]
    ) -> EcertError:
        earlier = self._earlier_row(owner)
        if earlier is not None:
            return _repeats(draft, earlier)
        number = draft.number
        if owner["holder_id"] == holder_id:
            zh = f"管理号 {number} 已用于此人的另一证书（级别或批准日期不同），请核对"
            en = (
                f"management number {number} is already on another credential of this person "
                "(other level or approval date); check it"
            )
        else:
            zh = f"管理号 {number} 已属于另一人的证书"
            en = f"management number {number} already belongs to another person's credential"
        return EcertError(
            "number_taken",
            zh,
            en,
            row=draft.row,
            field="number",
            label=("管理号", "management number"),
        )

    def _earlier_row(self, stored: Mapping[str, Any]) -> int | None:
        """The source row of this run that stored ``stored``, if this run stored it."""
        for group in self.groups.values():
            if group.batch.pk == stored["batch_id"] and stored["batch_position"] is not None:
                row = group.rows[stored["batch_position"]]
                return row or None
        return None

    def _forget(self, draft: CredentialDraft, key: tuple[Any, ...]) -> None:
        """A draft that was refused or found stored no longer blocks later ones of this run."""
        if self.recent_keys.get(key, -1) == draft.row:
            del self.recent_keys[key]
        number_key = (draft.qualification, draft.number)
        if draft.number and self.recent_numbers.get(number_key, (None, None, -1))[2] == draft.row:
            del self.recent_numbers[number_key]

    # 4. records and signatures
    def _queue(self, fresh: list[tuple[CredentialDraft, int, tuple[Any, ...]]]) -> None:
        indexes = status_indexes_allocate(len(fresh))
        public_ids = new_public_ids(len(fresh))
        pending = _Pending(drafts=[], rows=[], groups={})
        records: dict[str, list[CredentialRecord]] = {}
        for (draft, holder_id, key), status_index, public_id in zip(
            fresh, indexes, public_ids, strict=True
        ):
            group = self._group(draft)
            record = self._record(draft, public_id, status_index)
            pending.groups.setdefault(group.name, []).append(len(pending.drafts))
            records.setdefault(group.name, []).append(record)
            pending.drafts.append(draft)
            pending.rows.append(
                self.rows.values(
                    record,
                    qualification_id=draft.qualification,
                    holder_id=holder_id,
                    registration_id=draft.registration,
                    template=draft.template,
                    supersedes_id=draft.supersedes,
                    attests_id=draft.attests,
                )
            )
            pending.keys.append(key)
        full = len(fresh) >= CHUNK // 2
        for name, group_records in records.items():
            pending.futures[name] = self.signing.submit(name, group_records, worth_a_worker=full)
        self.pending.append(pending)

    def _record(
        self, draft: CredentialDraft, public_id: str, status_index: int
    ) -> CredentialRecord:
        facts = self.facts.get(draft.qualification) if draft.qualification else None
        title = draft.title
        return CredentialRecord(
            public_id=public_id,
            kind=draft.kind,
            form=draft.form,
            issuer=draft.issuer,
            status_index=status_index,
            signed_at=self.rows.epoch,
            holder_name=draft.person.name,
            id_number=draft.person.id_number,
            sex=draft.person.sex,
            birth_month=draft.person.birth_month,
            approval_date=draft.approval_date,
            issue_date=draft.issue_date,
            number=draft.number,
            qualification_code=facts.code if facts is not None else None,
            level=draft.level,
            specialty=draft.specialty,
            title=title.title if title else "",
            series=title.series if title else "",
            grassroots=title.grassroots if title else False,
            verification_code=title.verification_code if title else "",
        )

    def _group(self, draft: CredentialDraft) -> _Group:
        name = f"{draft.issuer}:{draft.kind}"
        group = self.groups.get(name)
        if group is None:
            group = self._open(name, draft.issuer, draft.kind)
            self.groups[name] = group
        return group

    def _open(self, name: str, authority_id: int, kind: CredentialKind) -> _Group:
        from ecert.authorities.models import Authority

        authority = Authority.objects.get(pk=authority_id)
        key, setup = signing_setup(authority, kind, self.at)
        self.signing.add(name, setup)
        batch = IssuanceBatch.objects.create(
            reference=new_batch_reference(self.today),
            issuing_authority=authority,
            kind=kind.value,
            source_id=self.source_id,
        )
        return _Group(name=name, authority_id=authority_id, kind=kind, key=key, batch=batch)

    # 5. storing
    def _drain(self, *, keep: int) -> None:
        """Insert the oldest queued chunks, once signed, until ``keep`` remain in flight."""
        while len(self.pending) > keep:
            pending = self.pending.pop(0)
            refused: set[int] = set()
            for name, indexes in pending.groups.items():
                group = self.groups[name]
                signed = pending.futures[name].result()
                for index, (cose_bytes, identifier, digest) in zip(indexes, signed, strict=True):
                    if cose_bytes is None:
                        refused.add(index)
                        continue
                    row = pending.rows[index]
                    row[SIGNED], row[IDENTIFIER] = cose_bytes, identifier
                    row[BATCH], row[POSITION] = group.batch.pk, group.roots.size
                    group.roots.add(digest)
                    group.rows.append(pending.drafts[index].row or 0)
            rows = [row for i, row in enumerate(pending.rows) if i not in refused]
            insert_rows(Credential, CREDENTIAL_COLUMNS, rows)
            for index, draft in enumerate(pending.drafts):
                if index in refused:
                    self.refuse(draft, EcertError(*_QR_TOO_BIG, row=draft.row))
                else:
                    self.issued += 1
                    public_id = pending.rows[index][0]
                    self.single = public_id if self.issued == 1 else None
                    if draft.supersedes is not None:
                        self.replaced.append((draft.supersedes, public_id))
                    self.outcomes.on_issued(draft, public_id)
            for key in pending.keys:  # in the database now, where duplicates are found
                self.recent_keys.pop(key, None)
            for draft in pending.drafts:
                if draft.number:
                    self.recent_numbers.pop((draft.qualification, draft.number), None)

    def _close(self, group: _Group) -> bool:
        """Sign the batch root; a batch that issued nothing is deleted."""
        batch = group.batch
        if not group.roots.size:
            batch.delete()
            return False
        authority = batch.issuing_authority
        key = current_key(authority, Purpose.BATCH_ROOTS, self.at)
        if key is None:
            raise EcertError(
                "no_batch_key",
                f"{authority.name}没有可签批次根的有效密钥",
                f"{authority.key} has no valid key for batch roots",
            )
        statement = BatchStatement(
            batch.reference,
            authority.pk,
            group.roots.size,
            group.roots.root(),
            epoch_seconds(self.now),
        )
        batch.size = statement.size
        batch.merkle_root = statement.root
        batch.statement = sign_batch(
            statement, keystore_open().signer(key.key_label), kid=bytes(key.kid)
        )
        batch.kid_hex = key.kid_hex
        batch.signed_at = self.now
        batch.save(update_fields=["size", "merkle_root", "statement", "kid_hex", "signed_at"])
        return True

    def _audit_replaced(self) -> None:
        """Each superseded credential's event: by which credential it was replaced."""
        old = Credential.objects.select_related("issuing_authority").in_bulk(
            [pk for pk, _ in self.replaced]
        )
        for pk, replacement in self.replaced:
            credential = old[pk]
            audit_record(
                actor=self.actor,
                action="credential.superseded",
                authority=credential.issuing_authority,
                object_type="credential",
                object_id=credential.public_id,
                data={"by": replacement},
                at=self.now,
            )

    def _audit(self, references: list[str]) -> None:
        groups = [g for g in self.groups.values() if g.batch.reference in references]
        data: dict[str, Any] = {
            "issued": self.issued,
            "already_issued": self.existing,
            "refused": self.refused,
            "batches": [
                {
                    "batch": g.batch.reference,
                    "kind": g.batch.kind,
                    "size": g.batch.size,
                    "root": bytes(g.batch.merkle_root or b"").hex(),
                    "kid": g.key.kid_hex,
                }
                for g in groups
            ],
        }
        batches = [g.batch for g in groups]
        if self.single is not None:
            audit_record(
                actor=self.actor,
                action="credential.issued",
                authority=batches[0].issuing_authority if batches else self.audit_authority,
                object_type="credential",
                object_id=self.single,
                data=data,
                at=self.now,
            )
        else:
            audit_record(
                actor=self.actor,
                action="credentials.issued",
                authority=self.audit_authority,
                object_type="batch",
                object_id=",".join(references)[:64],
                data=data,
                at=self.now,
            )


# ── keys of drafts and stored rows ─────────────────────────────────────────────────────────────


def _person(draft: CredentialDraft) -> Person:
    number = draft.person.id_number
    return (str(number.type), number.value)


def _run_key(draft: CredentialDraft, person: Person) -> tuple[Any, ...]:
    if draft.kind is CredentialKind.TITLE_CERTIFICATE:
        return (person, str(draft.kind), draft.number)
    return (person, str(draft.kind), draft.qualification, draft.level, draft.approval_date)


def _natural_key(draft: CredentialDraft, holder_id: int) -> NaturalKey:
    if draft.kind is CredentialKind.TITLE_CERTIFICATE:
        return (holder_id, str(draft.kind), None, "", draft.number)
    return (holder_id, str(draft.kind), draft.qualification, draft.level, draft.approval_date)


def _stored_key(stored: Mapping[str, Any]) -> NaturalKey:
    if stored["kind"] == CredentialKind.TITLE_CERTIFICATE.value:
        return (stored["holder_id"], stored["kind"], None, "", stored["management_number"])
    approval = stored["approval_date"]
    if isinstance(approval, str):
        approval = date.fromisoformat(approval)
    return (
        stored["holder_id"],
        stored["kind"],
        stored["qualification_id"],
        stored["level"],
        approval,
    )


def _repeats(draft: CredentialDraft, first: int | None) -> EcertError:
    if first is None:
        return EcertError(
            "repeated",
            "与本批中的另一条重复（同一人同一证书，或同一管理号）",
            "repeats another entry of this run (same person and credential, or same number)",
            row=draft.row,
        )
    return EcertError(
        "repeated",
        f"与第 {first} 行重复（同一人同一级别同一批准日期，或同一管理号）",
        f"repeats row {first} (same person, level and approval date, or same management number)",
        row=draft.row,
    )


# Fields a stored credential must share with a draft for the draft to count as already issued.
_COMPARED = {
    "management_number": ("管理号", "management number"),
    "specialty": ("专业", "specialty"),
    "registration_authority_id": ("报名市", "registration city"),
    "issuing_authority_id": ("核发机构", "issuing authority"),
    "form": ("形式", "form"),
    "holder_name": ("姓名", "name"),
    "holder_sex": ("性别", "sex"),
    "holder_birth_month": ("出生年月", "birth month"),
}


def _recorded(draft: CredentialDraft) -> dict[str, Any]:
    person = draft.person
    return {
        "management_number": draft.number,
        "specialty": draft.specialty,
        "registration_authority_id": draft.registration,
        "issuing_authority_id": draft.issuer,
        "form": str(draft.form),
        "holder_name": person.name,
        "holder_sex": str(person.sex) if person.sex is not None else "",
        "holder_birth_month": month_text(person.birth_month),
    }


def _same(stored: Any, recorded: Any) -> bool:
    return bool(stored == recorded)


# ── plain SQL ──────────────────────────────────────────────────────────────────────────────────
# The duplicate checks read with plain SQL: building Django lookups for IN lists of 2,000 values
# per chunk cost more than the queries themselves.

_HOLDER_TABLE = Holder._meta.db_table
_CREDENTIAL_TABLE = Credential._meta.db_table
_HOLDERS_BY_HASH = (
    f"SELECT id_number_hash, id, name FROM {_HOLDER_TABLE} WHERE id_number_hash IN ({{}})"  # noqa: S608 - model tables
)
_BY_HOLDER_FIELDS = (
    "holder_id",
    "kind",
    "qualification_id",
    "level",
    "approval_date",
    "public_id",
    "batch_id",
    "batch_position",
    *_COMPARED,
)
_BY_HOLDER = (
    f"SELECT {', '.join(_BY_HOLDER_FIELDS)} FROM {_CREDENTIAL_TABLE} "  # noqa: S608 - our columns
    "WHERE status <> %s AND holder_id IN ({})"
)
_BY_NUMBER_FIELDS = (
    "qualification_id",
    "management_number",
    "holder_id",
    "kind",
    "public_id",
    "batch_id",
    "batch_position",
)
_BY_NUMBER = (
    f"SELECT {', '.join(_BY_NUMBER_FIELDS)} FROM {_CREDENTIAL_TABLE} "  # noqa: S608 - our columns
    "WHERE status <> %s AND management_number IN ({})"
)


def select_in(sql: str, params: list[Any], values: list[Any]) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` whose IN list (the ``{}``) holds ``values``; none when it is empty."""
    if not values:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql.format(", ".join(["%s"] * len(values))), [*params, *values])
        return list(cursor.fetchall())


def insert_rows(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert plain rows into ``model``'s table (COPY on PostgreSQL, executemany on SQLite);
    values are in ``fields`` order and already adapted."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(_column(model, name)) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608 - names from model metadata


def _column(model: type[Model], name: str) -> str:
    model_field = model._meta.get_field(name)
    if not isinstance(model_field, Field) or not model_field.column:
        raise TypeError(f"{model.__name__}.{name} is not a concrete column")
    return model_field.column


def _chunks(drafts: Iterable[CredentialDraft], size: int) -> Iterator[list[CredentialDraft]]:
    iterator = iter(drafts)
    while chunk := list(islice(iterator, size)):
        yield chunk


def status_indexes_allocate(count: int) -> range:
    """Reserve ``count`` fresh status indexes; they are never handed out again. The counter row
    stays locked until the caller's transaction ends."""
    with transaction.atomic():
        locks_take(Lock.STATUS_INDEXES)
        # The row comes from a migration; get_or_create only guards a database flushed since.
        StatusIndexCounter.objects.get_or_create(pk=1)
        counter = StatusIndexCounter.objects.select_for_update().get(pk=1)
        first = counter.next_index
        counter.next_index = first + count
        counter.save(update_fields=["next_index"])
    return range(first, first + count)


def drafts_issue(
    *,
    actor: User | None,
    drafts: Iterable[CredentialDraft],
    now: datetime,
    outcomes: Outcomes | None = None,
    source_id: int | None = None,
    parallel: bool = False,
    audit_authority: Authority | None = None,
) -> RunSummary:
    """Run the pipeline over ``drafts`` in the caller's transaction."""
    with Pipeline(
        actor=actor,
        now=now,
        outcomes=outcomes,
        source_id=source_id,
        parallel=parallel,
        audit_authority=audit_authority,
    ) as pipeline:
        pipeline.add(drafts)
        return pipeline.finish()
