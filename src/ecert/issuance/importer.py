"""The pass-list importer: a file's rows become holders and signed credentials, or nothing does.

One pass over the file, inside one transaction: each row is validated (``ecert.core.passlist``),
checked against the file's earlier rows and the database, stored and signed in chunks. Bad rows
are collected with their reasons. At the end, with any bad row and without the operator's choice to
set bad rows aside, the transaction is rolled back; otherwise every batch gets its signed Merkle
root and the whole is committed. A crash (kill -9) anywhere leaves nothing behind, so the same
command run again does the whole job. docs/issuance.md.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ecert.authorities.models import Authority
from ecert.catalogue.models import CatalogueEntry, Qualification
from ecert.core.claims import Claims, IdTypeCode, KindCode, SexCode
from ecert.core.error_workbook import ErrorRow
from ecert.core.idnumbers import IdType, Sex, mask_id_number
from ecert.core.issuing import IssuingError, IssuingRule, Placement, issuing_rule
from ecert.core.kinds import AuthorityKind, AuthorityLevel, CredentialForm, CredentialKind
from ecert.core.passlist import (
    ExamRules,
    PassListError,
    PassRow,
    RowProblem,
    RowValidator,
    read_layout,
)
from ecert.core.public_ids import new_public_id
from ecert.core.spreadsheets import Cell, read_rows
from ecert.credentials.bulk import HOLDER_COLUMNS, insert_rows
from ecert.credentials.models import Credential, Holder
from ecert.credentials.personal_data import holder_identity_fields, id_number_lookup_hash
from ecert.issuance.models import PassListImport
from ecert.issuance.signing_batch import BatchSigner, batch_signer_open
from ecert.signing.services import status_indexes_allocate

CHUNK = 2000
MAX_ERROR_ROWS = 100_000  # bad rows kept for the error workbook; beyond that they are counted
EARLIEST_APPROVAL = date(1990, 1, 1)

Progress = Callable[[int], None]

CREDENTIAL_COLUMNS = (
    "public_id",
    "kind",
    "qualification",
    "level",
    "specialty",
    "approval_date",
    "management_number",
    "holder",
    "issuing_authority",
    "registration_authority",
    "issue_date",
    "form",
    "status",
    "status_index",
    "signed",
    "signed_at",
    "licence_identifier",
    "template",
    "batch",
    "batch_position",
    "created_at",
    "updated_at",
)


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


def _reasons(problems: Sequence[RowProblem]) -> list[tuple[str, str]]:
    return [problem.texts for problem in problems]


def province_of(authority: Authority) -> Authority:
    """The province-level authority above (or at) ``authority``, by its materialised path."""
    keys = [key for key in authority.path.split("/") if key]
    province = Authority.objects.filter(key__in=keys, level=AuthorityLevel.PROVINCE).first()
    if province is None:
        raise PassListError(
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
        )
        requested = CredentialKind(job.requested_kind) if job.requested_kind else None
        placements = placements_for(self.qualification)
        self.issuing: dict[str, IssuingRule | IssuingError] = {}
        for level in self.levels or ("",):
            try:
                self.issuing[level] = issuing_rule(
                    placements,
                    province=province.key,
                    qualification=self.qualification.name,
                    level=level,
                    requested=requested,
                )
            except IssuingError as error:
                self.issuing[level] = error
        self.city_ids = dict(
            Authority.objects.filter(key__in=self.rules.cities.values()).values_list("key", "pk")
        )
        self.signers: dict[tuple[str, CredentialKind], BatchSigner] = {}
        self.row_of_position: dict[str, array[int]] = {}  # batch reference → row numbers
        self.result = ImportResult()

    # -- reading -----------------------------------------------------------------------------

    def rows(self, path: Path) -> Iterator[tuple[int, list[Cell]]]:
        """The data rows; the first non-blank row is the header and sets ``self.layout``."""
        rows = read_rows(path, display_name=self.job.file_name)
        header = next(rows, None)
        if header is None:
            raise PassListError(
                "empty", "文件是空的，没有表头行", "the file is empty: no header row"
            )
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
                if isinstance(rule, IssuingError):
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
        if self.result.rows_read == 0:
            raise PassListError(
                "no_rows", "文件只有表头，没有数据行", "the file has a header but no rows"
            )
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
        if self.progress is not None:
            self.progress(self.result.rows_read)

    def _without_chunk_duplicates(
        self, chunk: list[tuple[PassRow, list[Cell]]]
    ) -> list[tuple[PassRow, list[Cell]]]:
        """Rows repeating an earlier row of the same chunk (rows in earlier chunks are found in
        the database, where they already are)."""
        by_person: dict[tuple[str, str, str, date], int] = {}
        by_number: dict[str, int] = {}
        kept = []
        for row, cells in chunk:
            person = (row.id_number.type.value, row.id_number.value, row.level, row.approval_date)
            first = by_person.get(person) or by_number.get(row.management_number)
            if first is not None:
                self._duplicate(row, cells, first)
                continue
            by_person[person] = by_number[row.management_number] = row.row
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
        stored = {
            lookup_hash: (pk, name)
            for lookup_hash, pk, name in Holder.objects.filter(
                id_number_hash__in=set(hashes)
            ).values_list("id_number_hash", "pk", "name")
        }
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
                self.result.reject(
                    row.row,
                    cells,
                    [
                        (
                            f"证件号码 {masked} 已登记为另一姓名（{known[0]}…），请核对姓名",
                            f"ID number {masked} is registered under another name; check the name",
                        )
                    ],
                )
        insert_rows(Holder, HOLDER_COLUMNS, list(new.values()))
        ids = {
            lookup_hash: pk
            for lookup_hash, pk in Holder.objects.filter(
                id_number_hash__in=set(hashes)
            ).values_list("id_number_hash", "pk")
        }
        for (row, _), lookup_hash in zip(chunk, hashes, strict=True):
            if row.row in refused:
                ids.pop(lookup_hash, None)
        return ids

    def _stored(
        self, chunk: list[tuple[PassRow, list[Cell]]], holder_ids: dict[str, int], hashes: list[str]
    ) -> dict[tuple[int, str, str, date], Mapping[str, Any]]:
        """Credentials of these holders for this qualification, by natural key."""
        found: Iterable[Mapping[str, Any]] = Credential.objects.filter(
            holder_id__in=set(holder_ids.values()), qualification=self.qualification
        ).values(
            "holder_id",
            "kind",
            "level",
            "approval_date",
            "management_number",
            "specialty",
            "registration_authority_id",
            "batch__reference",
            "batch__source_id",
            "batch_position",
        )
        return {(c["holder_id"], c["kind"], c["level"], c["approval_date"]): c for c in found}

    def _numbers_taken(self, numbers: set[str]) -> dict[str, list[Mapping[str, Any]]]:
        """Stored credentials of this exam by management number (a number may be on a national
        certificate and on an exam proof of the same passing)."""
        found: Iterable[Mapping[str, Any]] = Credential.objects.filter(
            qualification=self.qualification, management_number__in=numbers
        ).values(
            "management_number",
            "holder_id",
            "kind",
            "batch__reference",
            "batch__source_id",
            "batch_position",
        )
        owners: dict[str, list[Mapping[str, Any]]] = {}
        for credential in found:
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

    def _signer(self, rule: IssuingRule) -> BatchSigner:
        key = (rule.signer, rule.kind)
        signer = self.signers.get(key)
        if signer is None:
            authority = Authority.objects.get(key=rule.signer)
            signer = batch_signer_open(
                authority=authority, kind=rule.kind, now=self.now, source=self.job
            )
            self.signers[key] = signer
            self.row_of_position[signer.batch.reference] = array("L")
        return signer

    def _issue(self, fresh: list[tuple[PassRow, list[Cell], int]]) -> None:
        ops = connection.ops
        now = ops.adapt_datetimefield_value(self.now)
        today = ops.adapt_datefield_value(self.today)
        indexes = status_indexes_allocate(len(fresh))
        rows: list[tuple[Any, ...]] = []
        for (row, _, holder_id), status_index in zip(fresh, indexes, strict=True):
            rule = self.issuing[row.level]
            assert isinstance(rule, IssuingRule)
            signer = self._signer(rule)
            public_id = new_public_id()
            claims = self._claims(row, rule, signer, public_id, status_index)
            signed, identifier, position = signer.sign(claims)
            self.row_of_position[signer.batch.reference].append(row.row)
            rows.append(
                (
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
                    signed,
                    now,
                    identifier,
                    rule.template,
                    signer.batch.pk,
                    position,
                    now,
                    now,
                )
            )
        insert_rows(Credential, CREDENTIAL_COLUMNS, rows)
        self.result.issued += len(rows)

    def _claims(
        self,
        row: PassRow,
        rule: IssuingRule,
        signer: BatchSigner,
        public_id: str,
        status_index: int,
    ) -> Claims:
        resident = row.id_number.type is IdType.RESIDENT_ID
        sex = None
        if row.sex is not None and not resident:
            sex = SexCode.MALE if row.sex is Sex.MALE else SexCode.FEMALE
        return Claims(
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
    result = run.run(stored_path(job.stored_file))
    if result.invalid == 0 or job.accept_valid:
        run.finish()
    return result
