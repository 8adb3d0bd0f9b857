"""Translatable display labels for the core enums (core stays free of Django's i18n)."""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ecert.core.identity.idnumbers import IdType, Sex
from ecert.core.rules.catalogue import CorrectionRoute, ExamCodeSource, PhotoRule, ReplacementForm
from ecert.core.rules.kinds import (
    AuthorityKind,
    AuthorityLevel,
    CredentialForm,
    CredentialKind,
    CredentialStatus,
)
from ecert.core.rules.paper import Edition, Method, PaperState, RegistrationFormType
from ecert.core.rules.replacement import BatchState, Channel, Outcome, Reason, Route, State
from ecert.core.rules.titles import TitleLevel

LABELS: dict[StrEnum, Promise] = {
    CredentialKind.NATIONAL_CERTIFICATE: _("National electronic certificate"),
    CredentialKind.PROVINCIAL_CERTIFICATE: _("Provincial electronic certificate"),
    CredentialKind.EXAM_PROOF: _("Electronic qualification-exam proof"),
    CredentialKind.TITLE_CERTIFICATE: _("Professional-title certificate"),
    CredentialKind.SCORE_PROOF: _("Interim score proof"),
    CredentialKind.QUALIFICATION_PROOF: _("Qualification proof"),
    CredentialStatus.VALID: _("valid"),
    CredentialStatus.SUSPENDED: _("suspended"),
    CredentialStatus.REVOKED: _("revoked"),
    CredentialStatus.SUPERSEDED: _("superseded"),
    CredentialForm.PAPER: _("paper"),
    CredentialForm.ELECTRONIC: _("electronic"),
    AuthorityKind.MINISTRY: _("ministry"),
    AuthorityKind.EXAM_CENTRE: _("exam centre"),
    AuthorityKind.HR_BUREAU: _("HR bureau"),
    AuthorityKind.DEPARTMENT: _("industry department"),
    AuthorityKind.ASSOCIATION: _("association"),
    AuthorityKind.INSTITUTION: _("institution"),
    AuthorityLevel.NATIONAL: _("national"),
    AuthorityLevel.PROVINCE: _("province"),
    AuthorityLevel.CITY: _("city"),
    AuthorityLevel.COUNTY: _("county"),
    IdType.RESIDENT_ID: _("Resident identity card"),
    IdType.HK_MACAO_RESIDENCE_PERMIT: _("Residence permit for Hong Kong and Macao residents"),
    IdType.TAIWAN_RESIDENCE_PERMIT: _("Residence permit for Taiwan residents"),
    IdType.FOREIGN_PERMANENT_RESIDENCE: _("Foreign permanent resident ID card"),
    IdType.PASSPORT: _("Passport"),
    Sex.MALE: _("male"),
    Sex.FEMALE: _("female"),
    TitleLevel.SENIOR_FULL: _("full senior"),
    TitleLevel.SENIOR_DEPUTY: _("deputy senior"),
    TitleLevel.INTERMEDIATE: _("intermediate"),
    TitleLevel.JUNIOR: _("junior"),
    PaperState.AWAITING_CHOICE: _("awaiting the holder's choice"),
    PaperState.TO_MAIL: _("to be mailed"),
    PaperState.TO_COLLECT: _("to be collected at the counter"),
    PaperState.MAILED: _("mailed"),
    PaperState.DELIVERED: _("delivered"),
    PaperState.RETURNED: _("returned by the carrier, at the counter"),
    PaperState.LOST: _("lost in the mail"),
    PaperState.HANDED_OVER: _("collected at the counter"),
    Method.MAIL: _("by mail (EMS)"),
    Method.COUNTER: _("collect at the counter"),
    Edition.NEW: _("new version"),
    Edition.OLD: _("old version"),
    RegistrationFormType.PROFESSIONAL: _(
        "registration form of the professional qualification exam"
    ),
    RegistrationFormType.PRACTISING: _("registration form of the practising qualification exam"),
}


# A record of a paper certificate in the certificate database (seed 001 二(一)2), by its kind.
PAPER_KIND_LABELS: dict[CredentialKind, Promise] = {
    CredentialKind.NATIONAL_CERTIFICATE: _(
        "National professional qualification certificate (paper)"
    ),
    CredentialKind.PROVINCIAL_CERTIFICATE: _(
        "Provincial professional qualification certificate (paper)"
    ),
}


def kind_label(kind: str, form: str = CredentialForm.ELECTRONIC) -> Promise:
    """What a credential of ``kind`` and ``form`` is called: a paper record says so."""
    member = CredentialKind(kind)
    if form == CredentialForm.PAPER and member in PAPER_KIND_LABELS:
        return PAPER_KIND_LABELS[member]
    return LABELS[member]


# Enums whose values repeat another enum's ("returned", "counter"): labelled by enum, since a
# StrEnum member is equal to (and hashes as) its value.
ENUM_LABELS: dict[type[StrEnum], dict[str, Promise]] = {
    Reason: {
        Reason.LOST: pgettext_lazy("replacement", "lost"),
        Reason.DAMAGED: pgettext_lazy("replacement", "damaged"),
        Reason.CHANGE: pgettext_lazy("replacement", "information change"),
    },
    Outcome: {
        Outcome.REPLACEMENT: pgettext_lazy("replacement", "replacement certificate"),
        Outcome.CORRECTION: pgettext_lazy("replacement", "correction of the certificate's data"),
        Outcome.QUALIFICATION_PROOF: pgettext_lazy(
            "replacement", "qualification proof instead of a replacement"
        ),
    },
    Channel: {
        Channel.PORTAL: pgettext_lazy("replacement", "applied online"),
        Channel.COUNTER: pgettext_lazy("replacement", "registered at the counter"),
    },
    Route: {
        Route.PROVINCE: pgettext_lazy("replacement", "city → provincial exam centre → ministry"),
        Route.INDUSTRY_PROVINCE: pgettext_lazy(
            "replacement", "city industry department → province department → provincial exam centre"
        ),
        Route.INDUSTRY_MINISTRY: pgettext_lazy(
            "replacement", "up the industry line to the national ministry"
        ),
    },
    State: {
        State.SUBMITTED: pgettext_lazy("replacement", "awaiting acceptance"),
        State.RETURNED: pgettext_lazy("replacement", "returned"),
        State.WITHDRAWN: pgettext_lazy("replacement", "withdrawn"),
        State.ACCEPTED: pgettext_lazy("replacement", "accepted, to be submitted at month end"),
        State.FORWARDED: pgettext_lazy("replacement", "submitted to the level above"),
        State.DISPATCHED: pgettext_lazy("replacement", "sent on to be processed"),
        State.COMPLETED: pgettext_lazy("replacement", "completed"),
    },
    ReplacementForm: {
        ReplacementForm.STANDARD: pgettext_lazy("catalogue", "the standard application form"),
        ReplacementForm.MINISTRY: pgettext_lazy("catalogue", "the form the ministry names"),
    },
    PhotoRule: {
        PhotoRule.STANDARD: pgettext_lazy("catalogue", "10 KB to 30 KB"),
        PhotoRule.OVER_30KB: pgettext_lazy("catalogue", "more than 30 KB"),
    },
    CorrectionRoute: {
        CorrectionRoute.PROVINCE: pgettext_lazy("catalogue", "through the provincial exam centre"),
        CorrectionRoute.MINISTRY: pgettext_lazy(
            "catalogue", "up the industry line to the national ministry"
        ),
    },
    ExamCodeSource: {
        ExamCodeSource.CATALOGUE: pgettext_lazy("catalogue", "a notice (catalogue files)"),
        ExamCodeSource.BACK_OFFICE: pgettext_lazy(
            "catalogue", "the province administrator (back office)"
        ),
    },
    BatchState: {
        BatchState.OPEN: pgettext_lazy("replacement", "gathering"),
        BatchState.SUBMITTED: pgettext_lazy("replacement", "submitted"),
        BatchState.RETURNED: pgettext_lazy("replacement", "returned, to be submitted again"),
        BatchState.DISPATCHED: pgettext_lazy("replacement", "sent on"),
    },
}


def label(member: StrEnum) -> Promise:
    """The display label of an enum member."""
    by_enum = ENUM_LABELS.get(type(member))
    return by_enum[member.value] if by_enum is not None else LABELS[member]


def choices(enum: type[StrEnum]) -> list[tuple[str, Promise]]:
    """Model-field choices for an enum, labelled for display."""
    return [(member.value, label(member)) for member in enum]
