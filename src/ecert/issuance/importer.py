"""The importer of 11-column files (seed 001 附件): a pass list's rows become electronic documents,
a records file's rows become records of paper certificates in the certificate database; all of a
file's rows, or none.

One pass over the file, inside one transaction: each row is read and its cells parsed
(``ecert.core.spreadsheets.passlist``); for a pass list the catalogue's issuing rules say which
document its level gets and who signs it, for records the importing authority keeps them as paper
certificates; the row becomes a ``CredentialDraft`` and goes to the pipeline
(``ecert.credentials.pipeline``), which checks it against the rules, the file's earlier rows and
the database, signs and stores it. Bad rows are collected with their reasons and cells. At the
end, with any bad row and without the operator's choice to set bad rows aside, the caller rolls the
transaction back; otherwise every batch gets its signed Merkle root and the whole is committed. A
crash (kill -9) anywhere leaves nothing behind, so the same command run again does the whole job.
docs/issuance.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ecert.authorities.models import Authority
from ecert.authorities.selectors import bureau_above
from ecert.catalogue.models import CatalogueEntry, Qualification
from ecert.core.errors import EcertError
from ecert.core.rules.drafts import CredentialDraft, PersonDraft
from ecert.core.rules.issuing import IssuingRule, Placement, issuing_rule
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel, CredentialForm, CredentialKind
from ecert.core.spreadsheets.error_workbook import ErrorRow
from ecert.core.spreadsheets.passlist import (
    ExamRules,
    Field,
    PassRow,
    RowProblem,
    RowValidator,
    column_letter,
    no_data_rows,
    read_layout,
)
from ecert.core.spreadsheets.photo_archive import PhotoArchive
from ecert.core.spreadsheets.reader import Cell, ReadLimits, read_rows
from ecert.credentials.pipeline import CHUNK, Outcomes, Pipeline
from ecert.issuance.models import PassListImport

MAX_ERROR_ROWS = 100_000  # bad rows kept for the error workbook; beyond that they are counted
EARLIEST_APPROVAL = date(1990, 1, 1)
# Professional qualification certificates exist since the 1980s' reform; a record may be old.
EARLIEST_RECORD = date(1980, 1, 1)

Progress = Callable[[int], None]

# A draft's fields as the pass list's columns (the pipeline names the field a rule is about).
COLUMN_OF_FIELD = {
    "name": Field.NAME,
    "id_number": Field.ID_NUMBER,
    "sex": Field.SEX,
    "birth_month": Field.BIRTH_MONTH,
    "level": Field.LEVEL,
    "specialty": Field.SPECIALTY,
    "approval_date": Field.APPROVAL_DATE,
    "number": Field.MANAGEMENT_NUMBER,
    "photo": Field.PHOTO,
}


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


class _RowOutcomes(Outcomes):
    """What the pipeline did with each row: counted, and bad rows kept with their cells."""

    def __init__(self, result: ImportResult, letters: dict[Field, str]) -> None:
        super().__init__()
        self.result = result
        self.letters = letters
        self.cells: dict[int, list[Cell]] = {}  # rows handed to the pipeline, not yet answered

    def on_issued(self, draft: CredentialDraft, public_id: str) -> None:
        self.result.issued += 1
        self.cells.pop(draft.row or 0, None)

    def on_existing(self, draft: CredentialDraft, public_id: str) -> None:
        self.result.already_issued += 1
        self.cells.pop(draft.row or 0, None)

    def on_refused(self, draft: CredentialDraft, errors: Sequence[EcertError]) -> None:
        row = draft.row or 0
        self.result.reject(row, self.cells.pop(row, []), [self.reason(row, e) for e in errors])

    def reason(self, row: int, error: EcertError) -> tuple[str, str]:
        """The error as the error workbook says it: 'C 列（证件号码 ZJHM）：…' when the field has
        a column in this file."""
        column = COLUMN_OF_FIELD.get(error.field)
        if column is None:
            return error.zh, error.en
        problem = RowProblem(row, self.letters.get(column), column, error.code, error.zh, error.en)
        return problem.texts


class _Run:
    """One import in progress; lives for the duration of the transaction."""

    def __init__(self, job: PassListImport, *, now: datetime, progress: Progress | None) -> None:
        self.job, self.now, self.progress = job, now, progress
        self.today = timezone.localdate(now)
        self.qualification = job.qualification
        self.levels = tuple(self.qualification.levels.values_list("name", flat=True))
        self.records = job.form == CredentialForm.PAPER
        province = province_of(job.authority)
        self.rules = ExamRules(
            qualification_name=self.qualification.name,
            levels=self.levels,
            specialties=tuple(self.qualification.specialties.values_list("name", flat=True)),
            cities=city_table(province),
            today=self.today,
            earliest_approval=EARLIEST_RECORD if self.records else EARLIEST_APPROVAL,
            # A record keeps the specialty it was printed with (尊重历史数据, seed 001 二(一)2).
            any_specialty=self.records,
        )
        requested = CredentialKind(job.requested_kind) if job.requested_kind else None
        self.photos = (
            PhotoArchive(stored_path(job.photos_file), display_name=Path(job.photos_file).name)
            if job.photos_file
            else None
        )
        self.issuing: dict[str, IssuingRule | EcertError] = {}
        if self.records:
            # Records are kept by the importing authority, which answers for its database.
            record = IssuingRule(
                kind=requested or CredentialKind.NATIONAL_CERTIFICATE,
                signer=job.authority.key,
                template="",
            )
            self.issuing = dict.fromkeys(self.levels or ("",), record)
        placements = [] if self.records else placements_for(self.qualification)
        for level in () if self.records else self.levels or ("",):
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
        self.signer_ids = dict(
            Authority.objects.filter(
                key__in=[r.signer for r in self.issuing.values() if isinstance(r, IssuingRule)]
            ).values_list("key", "pk")
        )
        self.result = ImportResult()

    def rows(self, path: Path) -> Iterator[tuple[int, list[Cell]]]:
        """The data rows; the first non-blank row is the header and sets ``self.layout``."""
        rows = read_rows(
            path, display_name=self.job.file_name, limits=ReadLimits.configured(settings)
        )
        header = next(rows, None)
        if header is None:
            raise EcertError("empty", "文件是空的，没有表头行", "the file is empty: no header row")
        self.layout = read_layout(header[1], levels_required=bool(self.levels))
        self.result.headers = self.layout.headers
        return rows

    def run(self, path: Path) -> ImportResult:
        rows = self.rows(path)
        validator = RowValidator(self.layout, self.rules)
        letters = {f: column_letter(i) for f, i in self.layout.columns.items()}
        outcomes = _RowOutcomes(self.result, letters)
        with Pipeline(
            actor=self.job.actor,
            now=self.now,
            outcomes=outcomes,
            source_id=self.job.pk,
            parallel=True,
            audit_authority=self.job.authority,
        ) as pipeline:
            chunk: list[CredentialDraft] = []
            for number, cells in rows:
                self.result.rows_read += 1
                checked = validator.validate(number, cells)
                if not isinstance(checked, PassRow):
                    self.result.reject(number, cells, [p.texts for p in checked])
                    continue
                rule = self.issuing[checked.level]
                if isinstance(rule, EcertError):
                    self.result.reject(number, cells, [(rule.zh, rule.en)])
                    continue
                try:
                    draft = self._draft(checked, rule)
                except EcertError as error:
                    self.result.reject(number, cells, [outcomes.reason(number, error)])
                    continue
                outcomes.cells[number] = cells
                chunk.append(draft)
                if len(chunk) >= CHUNK:
                    pipeline.add(chunk)
                    chunk = []
                    self._report()
            if chunk:
                pipeline.add(chunk)
            if self.result.rows_read == 0:
                raise no_data_rows()
            if self.result.invalid == 0 or self.job.accept_valid:
                self.result.batches = pipeline.finish().batches
        self._report()
        return self.result

    def _draft(self, row: PassRow, rule: IssuingRule) -> CredentialDraft:
        photo = None
        if self.photos is not None:
            photo = self.photos.photo(row.photo, id_number=row.id_number.value)
        elif row.photo:
            raise EcertError(
                "no_photo_archive",
                f"照片列写有“{row.photo}”，但未随文件上传照片压缩包",
                f"the photo column names {row.photo!r}, but no photo archive came with the file",
                field="photo",
            )
        return CredentialDraft(
            person=PersonDraft(
                name=row.name,
                id_number=row.id_number,
                sex=row.sex,
                birth_month=row.birth_month,
                photo=photo,
            ),
            kind=rule.kind,
            form=CredentialForm.PAPER if self.records else CredentialForm.ELECTRONIC,
            issuer=self.signer_ids[rule.signer],
            approval_date=row.approval_date,
            # A paper certificate is dated by its approval; a pass list's documents by today.
            issue_date=row.approval_date if self.records else self.today,
            number=row.management_number,
            qualification=self.qualification.pk,
            level=row.level,
            specialty=row.specialty,
            registration=self.city_ids[row.city_key],
            template=rule.template,
            row=row.row,
        )

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.result.rows_read)


def stored_path(relative: str) -> Path:
    return Path(settings.ECERT_DATA_DIR) / relative


def run_import(job: PassListImport, *, now: datetime, progress: Progress | None) -> ImportResult:
    """Read, check, store and sign; the caller owns the transaction and decides to commit. When
    bad rows are found and the operator did not choose to set them aside, the batches are left
    unsigned: the caller rolls everything back."""
    run = _Run(job, now=now, progress=progress)
    try:
        return run.run(stored_path(job.stored_file))
    finally:
        if run.photos is not None:
            run.photos.close()
