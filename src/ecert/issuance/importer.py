"""The pass-list importer: a file's rows become holders and signed credentials, or nothing does.

One pass over the file, inside one transaction: each row is validated (``ecert.core.spreadsheets.passlist``),
checked against the file's earlier rows and the database, stored and signed in chunks. Bad rows
are collected with their reasons. At the end, with any bad row and without the operator's choice to
set bad rows aside, the transaction is rolled back; otherwise every batch gets its signed Merkle
root and the whole is committed. A crash (kill -9) anywhere leaves nothing behind, so the same
command run again does the whole job. docs/issuance.md.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ecert.authorities.models import Authority
from ecert.authorities.selectors import bureau_above
from ecert.catalogue.models import CatalogueEntry, Qualification
from ecert.core.errors import EcertError
from ecert.core.formats.claims import IdTypeCode, KindCode, SexCode
from ecert.core.identity.idnumbers import IdType, Sex, mask_id_number
from ecert.core.identity.public_ids import new_public_ids
from ecert.core.rules.issuing import IssuingRule, Placement, issuing_rule
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel, CredentialForm, CredentialKind
from ecert.core.spreadsheets.error_workbook import ErrorRow
from ecert.core.spreadsheets.passlist import (
    ExamRules,
    PassRow,
    RowProblem,
    RowValidator,
    no_data_rows,
    read_layout,
)
from ecert.core.spreadsheets.reader import Cell, read_rows
from ecert.credentials.bulk import HOLDER_COLUMNS, insert_rows
from ecert.credentials.models import Credential, Holder
from ecert.credentials.personal_data import holder_identity_fields, id_number_lookup_hash
from ecert.credentials.printable import unprintable
from ecert.issuance.models import PassListImport
from ecert.issuance.parallel import Signing
from ecert.issuance.signing_batch import BatchSigner, ClaimsFields, batch_signer_open
from ecert.issuance.storage import (
    BY_HOLDER,
    BY_HOLDER_FIELDS,
    BY_NUMBER,
    BY_NUMBER_FIELDS,
    CREDENTIAL_COLUMNS,
    HOLDERS_BY_HASH,
    IDENTIFIER,
    POSITION,
    SIGNED,
    Chunk,
    Person,
    as_date,
    select_in,
)
from ecert.signing.services import status_indexes_allocate

CHUNK = 2000
MAX_ERROR_ROWS = 100_000  # bad rows kept for the error workbook; beyond that they are counted
EARLIEST_APPROVAL = date(1990, 1, 1)
_QR_TOO_BIG = (
    "此证书的数据（姓名、专业等）过长，二维码放不下（须不超过 12 版 M 级）；请核对",
    "the certificate's data (name, specialty …) is too long for its QR code (version 12, level M "
    "at most); check the row",
)

Progress = Callable[[int], None]


@dataclass
class ImportResult:
    rows_read: int = 0
    issued: int = 0
    already_issued: int = 0
    invalid: int = 0
    error_rows: list[ErrorRow] = field(default_factory=list)
    headers: tuple[str, ...] = ()
    batches: list[str] = field(default_factory=list)  # batch references

    def reject(self, row: int, cells: Sequence[Cell], reasons: Sequence[tuple[str, str]]) -> None:
        self.invalid += 1
        if len(self.error_rows) < MAX_ERROR_ROWS:
            self.error_rows.append(ErrorRow(row=row, cells=tuple(cells), reasons=tuple(reasons)))


def _person(row: PassRow) -> Person:
    return (row.id_number.type.value, row.id_number.value, row.level, row.approval_date)


def _signer_name(rule: IssuingRule) -> str:
    return f"{rule.signer}:{rule.kind.value}"


def _reasons(problems: Sequence[RowProblem]) -> list[tuple[str, str]]:
    return [problem.texts for problem in problems]


def province_of(authority: Authority) -> Authority:
    """The province-level authority above (or at) ``authority``, by its materialised path."""
    province = bureau_above(authority, AuthorityLevel.PROVINCE)
    if province is None:
        raise EcertError(
            "no_province",
            f"{authority.name}不属于任何省份，无法确定报名市和证书种类",
            f"{authority.key} belongs to no province: cities and documents cannot be decided",
        )
    return province


def city_table(province: Authority) -> dict[str, str]:
    """Registration-city names (济南市) → key of the city's HR bureau in ``province``."""
    suffix = "人力资源和社会保障局"
    cities = Authority.objects.filter(
        path__startswith=province.path, level=AuthorityLevel.CITY, kind=AuthorityKind.HR_BUREAU
    )
    return {city.name.removesuffix(suffix): city.key for city in cities}


def placements_for(qualification: Qualification) -> list[Placement]:
    entries = CatalogueEntry.objects.filter(qualification=qualification).select_related(
        "catalogue_list__issuer", "catalogue_list__province", "sealed_by"
    )
    placements = []
    for entry in entries:
        listing = entry.catalogue_list
        signer = entry.sealed_by or listing.issuer
        if signer is None:
            continue
        placements.append(
            Placement(
                list_key=listing.key,
                kind=CredentialKind(listing.kind),
                province=listing.province.key if listing.province else None,
                signer=signer.key,
                levels=tuple(entry.levels),
            )
        )
    return placements


class _Run:
    """One import in progress; lives for the duration of the transaction."""

    def __init__(self, job: PassListImport, *, now: datetime, progress: Progress | None) -> None:
        self.job, self.now, self.progress = job, now, progress
        self.today = timezone.localdate(now)
        self.signed_at = int(now.timestamp())
        self.qualification = job.qualification
        self.levels = tuple(self.qualification.levels.values_list("name", flat=True))
        province = province_of(job.authority)
        self.rules = ExamRules(
            qualification_name=self.qualification.name,
            levels=self.levels,
            specialties=tuple(self.qualification.specialties.values_list("name", flat=True)),
            cities=city_table(province),
            today=self.today,
            earliest_approval=EARLIEST_APPROVAL,
            unprintable=unprintable,
        )
        requested = CredentialKind(job.requested_kind) if job.requested_kind else None
        placements = placements_for(self.qualification)
        self.issuing: dict[str, IssuingRule | EcertError] = {}
        for level in self.levels or ("",):
            try:
                self.issuing[level] = issuing_rule(
                    placements,
                    province=province.key,
                    qualification=self.qualification.name,
                    level=level,
                    requested=requested,
                )
            except EcertError as error:
                self.issuing[level] = error
        self.city_ids = dict(
            Authority.objects.filter(key__in=self.rules.cities.values()).values_list("key", "pk")
        )
        self.signers: dict[str, BatchSigner] = {}
        for rule in self.issuing.values():
            if isinstance(rule, IssuingRule) and _signer_name(rule) not in self.signers:
                self.signers[_signer_name(rule)] = batch_signer_open(
                    authority=Authority.objects.get(key=rule.signer),
                    kind=rule.kind,
                    now=now,
                    source=job,
                )
        self.signing = Signing(self.signers)
        # Chunks stored but not yet signed and inserted, oldest first; and the people and
        # management numbers of their rows, which the database cannot show yet.
        self.in_flight: list[Chunk] = []
        self.recent_people: dict[Person, int] = {}
        self.recent_numbers: dict[str, int] = {}
        self.row_of_position: dict[str, array[int]] = {
            signer.batch.reference: array("L") for signer in self.signers.values()
        }
        self.result = ImportResult()

    # -- reading -----------------------------------------------------------------------------

    def rows(self, path: Path) -> Iterator[tuple[int, list[Cell]]]:
        """The data rows; the first non-blank row is the header and sets ``self.layout``."""
        rows = read_rows(path, display_name=self.job.file_name)
        header = next(rows, None)
        if header is None:
            raise EcertError("empty", "文件是空的，没有表头行", "the file is empty: no header row")
        self.layout = read_layout(header[1], levels_required=bool(self.levels))
        self.result.headers = self.layout.headers
        return rows

    def run(self, path: Path) -> ImportResult:
        chunk: list[tuple[PassRow, list[Cell]]] = []
        rows = self.rows(path)
        validator = RowValidator(self.layout, self.rules)
        for number, cells in rows:
            self.result.rows_read += 1
            checked = validator.validate(number, cells)
            if isinstance(checked, PassRow):
                rule = self.issuing[checked.level]
                if isinstance(rule, EcertError):
                    self.result.reject(number, cells, [(rule.zh, rule.en)])
                else:
                    chunk.append((checked, cells))
            else:
                self.result.reject(number, cells, _reasons(checked))
            if len(chunk) >= CHUNK:
                self.store(chunk)
                chunk = []
        if chunk:
            self.store(chunk)
        self._drain(keep=0)
        if self.result.rows_read == 0:
            raise no_data_rows()
        return self.result

    def finish(self) -> list[str]:
        """Sign every batch's root; returns the references of the batches that issued something."""
        references = []
        for signer in self.signers.values():
            batch = signer.close(self.now)
            if batch is not None:
                references.append(batch.reference)
        self.result.batches = references
        return references

    # -- storing ---------------------------------------------------------------------------

    def store(self, chunk: list[tuple[PassRow, list[Cell]]]) -> None:
        chunk = self._without_chunk_duplicates(chunk)
        hashes = [
            id_number_lookup_hash(row.id_number.type, row.id_number.value) for row, _ in chunk
        ]
        holder_ids = self._holders(chunk, hashes)
        fresh: list[tuple[PassRow, list[Cell], int]] = []
        stored = self._stored(chunk, holder_ids, hashes)
        numbers = self._numbers_taken({row.management_number for row, _ in chunk})
        for (row, cells), lookup_hash in zip(chunk, hashes, strict=True):
            holder_id = holder_ids.get(lookup_hash)
            if holder_id is None:
                continue  # rejected in _holders
            rule = self.issuing[row.level]
            assert isinstance(rule, IssuingRule)
            key = (holder_id, rule.kind.value, row.level, row.approval_date)
            earlier = stored.get(key)
            if earlier is not None:
                self._already(row, cells, earlier)
                continue
            owner = next(
                (
                    c
                    for c in numbers.get(row.management_number, ())
                    if c["holder_id"] != holder_id or c["kind"] == rule.kind.value
                ),
                None,
            )
            if owner is not None:
                self._number_taken(row, cells, owner, holder_id)
                continue
            fresh.append((row, cells, holder_id))
        if fresh:
            self._issue(fresh)
        self._drain(keep=1)  # the chunk just queued is signed while the next one is read
        if self.progress is not None:
            self.progress(self.result.rows_read)

    def _without_chunk_duplicates(
        self, chunk: list[tuple[PassRow, list[Cell]]]
    ) -> list[tuple[PassRow, list[Cell]]]:
        """Rows repeating an earlier row of this chunk or of a chunk not yet in the database
        (rows further back are found in the database, where they already are)."""
        kept = []
        for row, cells in chunk:
            person = _person(row)
            first = self.recent_people.get(person) or self.recent_numbers.get(row.management_number)
            if first is not None:
                self._duplicate(row, cells, first)
                continue
            self.recent_people[person] = self.recent_numbers[row.management_number] = row.row
            kept.append((row, cells))
        return kept

    def _duplicate(self, row: PassRow, cells: Sequence[Cell], first: int) -> None:
        self.result.reject(
            row.row,
            cells,
            [
                (
                    f"与第 {first} 行重复（同一人同一级别同一批准日期，或同一管理号）",
                    f"repeats row {first} (same person, level and approval date, or same management number)",
                )
            ],
        )

    def _holders(
        self, chunk: list[tuple[PassRow, list[Cell]]], hashes: list[str]
    ) -> dict[str, int]:
        """Holder id per lookup hash, creating new holders; a row whose ID number is registered
        under another name is rejected and gets no holder."""
        stored = {h: (pk, name) for h, pk, name in select_in(HOLDERS_BY_HASH, [], hashes)}
        now = connection.ops.adapt_datetimefield_value(self.now)
        new: dict[str, tuple[Any, ...]] = {}
        names: dict[str, str] = {h: name for h, (_, name) in stored.items()}
        refused: set[int] = set()
        for (row, cells), lookup_hash in zip(chunk, hashes, strict=True):
            known = names.get(lookup_hash)
            if known is None:
                fields = holder_identity_fields(row.id_number, lookup_hash)
                new[lookup_hash] = (row.name, *fields.values(), "", now)
                names[lookup_hash] = row.name
            elif known != row.name:
                masked = mask_id_number(row.id_number.value)
                refused.add(row.row)
                reason = (
                    f"证件号码 {masked} 已登记为另一姓名，请核对姓名",
                    f"ID number {masked} is registered under another name; check the name",
                )
                self.result.reject(row.row, cells, [reason])
        insert_rows(Holder, HOLDER_COLUMNS, list(new.values()))
        ids = {h: pk for h, (pk, _) in stored.items()}
        ids.update((h, pk) for h, pk, _ in select_in(HOLDERS_BY_HASH, [], list(new)))
        for (row, _), lookup_hash in zip(chunk, hashes, strict=True):
            if row.row in refused:
                ids.pop(lookup_hash, None)
        return ids

    def _stored(
        self, chunk: list[tuple[PassRow, list[Cell]]], holder_ids: dict[str, int], hashes: list[str]
    ) -> dict[tuple[int, str, str, date], Mapping[str, Any]]:
        """Credentials of these holders for this qualification, by natural key."""
        found = select_in(BY_HOLDER, [self.qualification.pk], list(set(holder_ids.values())))
        stored: dict[tuple[int, str, str, date], Mapping[str, Any]] = {}
        for values in found:
            credential = dict(zip(BY_HOLDER_FIELDS, values, strict=True))
            approval = as_date(credential["approval_date"])
            stored[(credential["holder_id"], credential["kind"], credential["level"], approval)] = (
                credential
            )
        return stored

    def _numbers_taken(self, numbers: set[str]) -> dict[str, list[Mapping[str, Any]]]:
        """Stored credentials of this exam by management number (a number may be on a national
        certificate and on an exam proof of the same passing)."""
        owners: dict[str, list[Mapping[str, Any]]] = {}
        for values in select_in(BY_NUMBER, [self.qualification.pk], list(numbers)):
            credential = dict(zip(BY_NUMBER_FIELDS, values, strict=True))
            owners.setdefault(credential["management_number"], []).append(credential)
        return owners

    def _earlier_row(self, stored: Mapping[str, Any]) -> int | None:
        """The row of this file that issued ``stored``, if it was issued by this import."""
        if stored["batch__source_id"] != self.job.pk:
            return None
        rows = self.row_of_position.get(stored["batch__reference"])
        return rows[stored["batch_position"]] if rows is not None else None

    def _already(self, row: PassRow, cells: Sequence[Cell], stored: Mapping[str, Any]) -> None:
        first = self._earlier_row(stored)
        if first is not None:
            self._duplicate(row, cells, first)
            return
        city_id = self.city_ids[row.city_key]
        differences = [
            (zh, en)
            for name, value, zh, en in (
                ("management_number", row.management_number, "管理号", "management number"),
                ("specialty", row.specialty, "专业", "specialty"),
                ("registration_authority_id", city_id, "报名市", "registration city"),
            )
            if stored[name] != value
        ]
        if differences:
            zh = "、".join(d[0] for d in differences)
            en = ", ".join(d[1] for d in differences)
            self.result.reject(
                row.row,
                cells,
                [
                    (
                        f"此人此级别此批准日期的证书已签发，但{zh}不同；如需更正请走信息更正流程",
                        f"this credential was already issued with a different {en}; "
                        "corrections go through the correction procedure",
                    )
                ],
            )
            return
        self.result.already_issued += 1

    def _number_taken(
        self, row: PassRow, cells: Sequence[Cell], owner: Mapping[str, Any], holder_id: int
    ) -> None:
        first = self._earlier_row(owner)
        if first is not None:
            self._duplicate(row, cells, first)
            return
        number = row.management_number
        if owner["holder_id"] == holder_id:
            reason = (
                f"管理号 {number} 已用于此人的另一证书（级别或批准日期不同），请核对",
                f"management number {number} is already on another credential of this person "
                "(other level or approval date); check the row",
            )
        else:
            reason = (
                f"管理号 {number} 已属于另一人的证书",
                f"management number {number} already belongs to another person's credential",
            )
        self.result.reject(row.row, cells, [reason])

    def _issue(self, fresh: list[tuple[PassRow, list[Cell], int]]) -> None:
        """Allocate status indexes, hand the claims to be signed, and queue the chunk; it is
        inserted when its signatures are back (``_drain``)."""
        ops = connection.ops
        now = ops.adapt_datetimefield_value(self.now)
        today = ops.adapt_datefield_value(self.today)
        indexes = status_indexes_allocate(len(fresh))
        public_ids = new_public_ids(len(fresh))
        chunk = Chunk(rows=[], groups={})
        for (row, cells, holder_id), status_index, public_id in zip(
            fresh, indexes, public_ids, strict=True
        ):
            rule = self.issuing[row.level]
            assert isinstance(rule, IssuingRule)
            name = _signer_name(rule)
            signer = self.signers[name]
            claims = self._claims(row, rule, signer, public_id, status_index)
            chunk.groups.setdefault(name, ([], []))
            chunk.groups[name][0].append(len(chunk.rows))
            chunk.groups[name][1].append(claims)
            chunk.rows.append(
                [
                    public_id,
                    rule.kind.value,
                    self.qualification.pk,
                    row.level,
                    row.specialty,
                    ops.adapt_datefield_value(row.approval_date),
                    row.management_number,
                    holder_id,
                    signer.authority.pk,
                    self.city_ids[row.city_key],
                    today,
                    CredentialForm.ELECTRONIC.value,
                    "valid",
                    status_index,
                    None,  # signed
                    now,
                    None,  # licence identifier
                    rule.template,
                    signer.batch.pk,
                    None,  # position in the batch
                    now,
                    now,
                ]
            )
            chunk.row_numbers.append(row.row)
            chunk.cells.append(cells)
            chunk.keys.append((_person(row), row.management_number))
        full = len(fresh) >= CHUNK // 2
        for name, (_, claims_list) in chunk.groups.items():
            chunk.futures[name] = self.signing.submit(name, claims_list, worth_a_worker=full)
        self.in_flight.append(chunk)

    def _drain(self, *, keep: int) -> None:
        """Insert the oldest queued chunks, once signed, until ``keep`` remain in flight."""
        while len(self.in_flight) > keep:
            chunk = self.in_flight.pop(0)
            refused: set[int] = set()
            for name, (indexes, _) in chunk.groups.items():
                signer = self.signers[name]
                signed = chunk.futures[name].result()
                fitting = [(i, s) for i, s in zip(indexes, signed, strict=True) if s[0] is not None]
                refused.update(i for i, s in zip(indexes, signed, strict=True) if s[0] is None)
                places = signer.accept([digest for _, (_, _, digest) in fitting])
                rows_of_batch = self.row_of_position[signer.batch.reference]
                for (index, (cose_bytes, identifier, _)), place in zip(
                    fitting, places, strict=True
                ):
                    columns = chunk.rows[index]
                    columns[SIGNED], columns[IDENTIFIER], columns[POSITION] = (
                        cose_bytes,
                        identifier,
                        place,
                    )
                    rows_of_batch.append(chunk.row_numbers[index])
            for index in sorted(refused):
                self.result.reject(chunk.row_numbers[index], chunk.cells[index], [_QR_TOO_BIG])
            rows = [columns for i, columns in enumerate(chunk.rows) if i not in refused]
            insert_rows(Credential, CREDENTIAL_COLUMNS, rows)
            self.result.issued += len(rows)
            for person, number in chunk.keys:  # in the database now, where duplicates are found
                self.recent_people.pop(person, None)
                self.recent_numbers.pop(number, None)

    def _claims(
        self,
        row: PassRow,
        rule: IssuingRule,
        signer: BatchSigner,
        public_id: str,
        status_index: int,
    ) -> ClaimsFields:
        """The claims' fields; the ``Claims`` (and its checks) are made where they are signed."""
        resident = row.id_number.type is IdType.RESIDENT_ID
        sex = None
        if row.sex is not None and not resident:
            sex = SexCode.MALE if row.sex is Sex.MALE else SexCode.FEMALE
        return dict(
            kind=KindCode.of(rule.kind),
            public_id=public_id,
            issuer=signer.authority.pk,
            signed_at=self.signed_at,
            status_index=status_index,
            holder_name=row.name,
            id_type=IdTypeCode.of(row.id_number.type),
            id_number=row.id_number.value,
            qualification=self.qualification.code,
            approval_date=row.approval_date,
            number=row.management_number,
            issue_date=self.today,
            sex=sex,
            birth_month=None if resident else row.birth_month,
            level=row.level or None,
            specialty=row.specialty or None,
            exam_year=row.approval_date.year if rule.kind is CredentialKind.EXAM_PROOF else None,
        )


def stored_path(relative: str) -> Path:
    return Path(settings.ECERT_DATA_DIR) / relative


def run_import(job: PassListImport, *, now: datetime, progress: Progress | None) -> ImportResult:
    """Read, check, store and sign; the caller owns the transaction and decides to commit."""
    run = _Run(job, now=now, progress=progress)
    try:
        result = run.run(stored_path(job.stored_file))
    finally:
        run.signing.close()
    if result.invalid == 0 or job.accept_valid:
        run.finish()
    return result
