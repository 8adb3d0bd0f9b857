"""Reads of title records that a user may scope: every one goes through
``TitleApproval.objects.visible_to`` (the one door)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Min, QuerySet

from ecert.accounts.models import User
from ecert.authorities.models import Authority
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import AuthorityKind, CredentialForm, CredentialStatus
from ecert.core.rules.roles import Perm
from ecert.core.rules.titles import REPORT_DAYS, parse_title_number, report_deadline
from ecert.credentials.models import Credential
from ecert.titles.models import PLEDGE_FORMATS, SeriesLevel, TitleApproval, TitleReissue


@dataclass(frozen=True)
class ReportDue:
    """An institution's data not yet reported to its HR bureau (第十五条)."""

    institution: Authority
    records: int
    formed_on: date  # the oldest unreported record's
    deadline: date
    overdue_days: int  # 0 while the deadline has not passed


def reports_due(user: User, today: date, *, overdue_only: bool = False) -> list[ReportDue]:
    """Institutions in the user's scope with unreported records, most overdue first."""
    rows = (
        TitleApproval.objects.visible_to(user, Perm.MANAGE_TITLE)
        .filter(approver__kind=AuthorityKind.INSTITUTION, reported_at__isnull=True)
        .values("approver")
        .annotate(records=Count("id"), oldest=Min("formed_on"))
        .order_by("oldest", "approver")
    )
    if overdue_only:
        rows = rows.filter(oldest__lt=today - timedelta(days=REPORT_DAYS))
    institutions = Authority.objects.in_bulk([row["approver"] for row in rows])
    due = []
    for row in rows:
        deadline = report_deadline(row["oldest"])
        due.append(
            ReportDue(
                institution=institutions[row["approver"]],
                records=row["records"],
                formed_on=row["oldest"],
                deadline=deadline,
                overdue_days=max(0, (today - deadline).days),
            )
        )
    return due


@dataclass(frozen=True)
class NumberReading:
    """A title certificate number read into its parts, with the code tables' names for them."""

    review_year: int
    region_code: str
    approver: str  # the body with that region-department code; empty when none has it
    series_code: str
    series_level: str  # the code table's name (中小学教师高级); empty when not in the table
    sequence: int
    grassroots: bool


def title_number_reading(number: str) -> NumberReading | None:
    """What a title number says (public: the parts are printed on the certificate); None for a
    number that is not a title number."""
    try:
        parts = parse_title_number(number)
    except EcertError:
        return None
    approver = (
        Authority.objects.filter(region_department_code=parts.region_code)
        .values_list("name", flat=True)
        .first()
    )
    series_level = (
        SeriesLevel.objects.filter(scheme__mark=parts.mark, code=parts.series_code)
        .values_list("name", flat=True)
        .first()
    )
    return NumberReading(
        review_year=parts.year,
        region_code=parts.region_code,
        approver=approver or "",
        series_code=parts.series_code,
        series_level=series_level or "",
        sequence=parts.sequence,
        grassroots=parts.grassroots,
    )


def title_list_for(*, user: User) -> QuerySet[TitleApproval]:
    """Approval records the user manages, newest first."""
    return TitleApproval.objects.visible_to(user, Perm.MANAGE_TITLE).select_related(
        "holder", "series_level", "approver", "manager"
    )


def title_get_for(*, user: User, reference: str) -> TitleApproval | None:
    """One record by reference, or None when it does not exist or is not the user's."""
    return title_list_for(user=user).filter(reference=reference).first()


def title_approvers_for(user: User) -> QuerySet[Authority]:
    """The bodies the user records approvals for."""
    return Authority.objects.visible_to(user, Perm.MANAGE_TITLE)


def region_codes_for(user: User) -> QuerySet[Authority]:
    """Authorities whose region-department code the user sees on the code page."""
    return Authority.objects.visible_to(user, Perm.MANAGE_TITLE_CODES).exclude(
        kind=AuthorityKind.EXAM_CENTRE
    )


@dataclass(frozen=True)
class Pledge:
    reference: str
    media_type: str
    content: bytes

    @property
    def file_name(self) -> str:
        suffix = next(s for _magic, t, s in PLEDGE_FORMATS if t == self.media_type)
        return f"pledge-{self.reference}.{suffix}"


def title_pledge_for(*, user: User, reissue: str) -> Pledge | None:
    """The signed pledge of a reissue application on a title the user manages, or None."""
    found = (
        TitleReissue.objects.filter(
            reference=reissue,
            certificate__approval__in=TitleApproval.objects.visible_to(user, Perm.MANAGE_TITLE),
        )
        .values_list("pledge_type", "pledge")
        .first()
    )
    if found is None:
        return None
    media_type, content = found
    return Pledge(reissue, media_type, bytes(content))


def title_reissue_latest(credential: Credential) -> TitleReissue | None:
    """The latest reissue application for a title certificate, for its holder's page (the caller
    has scoped the credential)."""
    return TitleReissue.objects.filter(certificate__credential=credential).first()


@dataclass(frozen=True)
class DocumentRound:
    """The approvals under one approval document (核准文号) that a user manages: a review round."""

    document: str
    records: int
    not_issued: int
    # valid paper certificates to print, by approving body (a print file is made at one body)
    paper: dict[Authority, list[str]]


def title_document_round(*, user: User, document: str) -> DocumentRound:
    approvals = title_list_for(user=user).filter(approval_document=document)
    paper: dict[Authority, list[str]] = {}
    rows = (
        Credential.objects.filter(
            title_certificate__approval__in=approvals,
            form=CredentialForm.PAPER,
            status=CredentialStatus.VALID,
        )
        .select_related("issuing_authority")
        .order_by("id")
    )
    for credential in rows:
        paper.setdefault(credential.issuing_authority, []).append(credential.public_id)
    return DocumentRound(
        document=document,
        records=approvals.count(),
        not_issued=approvals.filter(certificates__isnull=True).count(),
        paper=paper,
    )
