"""A credential to be issued, as a typed draft, and the rules every draft is checked against once.

Whatever creates a credential (a pass list, a record of a paper certificate, a proof on request, a
title, a correction, a replacement) describes it as a ``CredentialDraft``: the holder's data
exactly as the source gave it, what it certifies, its form, kind and authorities. ``draft_check``
applies the rules of the notices and the catalogue to it and returns it normalised, as it will be
stored and signed; the credentials app's pipeline adds the checks that need the database
(duplicates) and the signature (QR size). DESIGN.md §3, one pipeline for every credential.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import TypeVar

from ecert.core.errors import EcertError
from ecert.core.formats.claims import TEXT_LIMITS, claim_text_check
from ecert.core.identity.idnumbers import IdNumber, Sex
from ecert.core.identity.names import FORMULA_STARTS, normalise_name
from ecert.core.rules.catalogue import PhotoRule
from ecert.core.rules.kinds import CredentialForm, CredentialKind, is_paper_record
from ecert.core.rules.photos import photo_check

Month = tuple[int, int]  # (year, month)
T = TypeVar("T")

# Draft fields as people read them, for the errors' labels (an importer maps them to columns).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("姓名", "name"),
    "id_number": ("证件号码", "ID number"),
    "sex": ("性别", "sex"),
    "birth_month": ("出生年月", "birth month"),
    "qualification": ("资格", "qualification"),
    "level": ("级别", "level"),
    "specialty": ("专业", "specialty"),
    "approval_date": ("批准日期", "approval date"),
    "number": ("管理号", "management number"),
    "issue_date": ("签发日期", "issue date"),
    "title": ("职称", "title"),
    "series": ("系列", "series"),
    "verification_code": ("验证码", "verification code"),
    "photo": ("照片", "photo"),
}

# Draft field → the claim whose length and characters limit it.
_CLAIM_OF = {
    "name": "holder_name",
    "level": "level",
    "specialty": "specialty",
    "number": "number",
    "title": "title",
    "series": "series",
    "verification_code": "verification_code",
}

# What draft_check refuses with by its own rules (it also passes on the name's and the claims'
# codes, NAME_CODES and claims.BUILD_CODES, and the photo's, photos.PHOTO_CODES).
DRAFT_CODES = frozenset(
    {
        "abolished",
        "birth_month_mismatch",
        "birth_month_out_of_range",
        "formula",
        "issued_before_approval",
        "level_not_expected",
        "level_unknown",
        "no_qualification",
        "no_qualification_code",
        "no_title",
        "not_a_title",
        "not_abolished",
        "sex_mismatch",
        "specialty_unknown",
        "title_with_qualification",
        "unprintable",
    }
)


@dataclass(frozen=True)
class PersonDraft:
    """The holder as the source gave them. Sex and birth month may be given for any document;
    when the ID number encodes them they must agree with it, and are taken from it if absent."""

    name: str
    id_number: IdNumber
    sex: Sex | None = None
    birth_month: Month | None = None
    photo: bytes | None = None  # a JPEG from the source (ZP column, upload); checked, then kept


@dataclass(frozen=True)
class TitleDraft:
    """What a professional-title certificate certifies (seed 003)."""

    title: str  # 高级教师
    series: str  # 中小学教师
    grassroots: bool = False  # 基层: the number is printed with （基层）
    verification_code: str = ""  # 验证码 of an electronic title certificate


@dataclass(frozen=True)
class QualificationFacts:
    """What the rules need to know of a catalogue qualification."""

    name: str
    abolished: bool
    levels: tuple[str, ...]
    specialties: tuple[str, ...] = ()  # empty: any specialty
    code: int | None = None  # the qualification's code in the signed claims
    photo_rule: PhotoRule = PhotoRule.STANDARD


@dataclass(frozen=True)
class CredentialDraft:
    """One credential to issue. Authorities, the qualification and linked credentials are named by
    their database ids; ``row`` is where the source has it, for located errors."""

    person: PersonDraft
    kind: CredentialKind
    form: CredentialForm
    issuer: int  # the authority that approved it, signs it and manages its data
    approval_date: date
    issue_date: date
    number: str = ""  # 管理号, or a title certificate's number without （基层）
    qualification: int | None = None
    level: str = ""
    specialty: str = ""
    registration: int | None = None  # the registration city (BMS): hands out paper, replaces
    template: str = ""  # the catalogue list it is issued under: its face
    title: TitleDraft | None = None
    attests: int | None = None  # the certificate a proof attests
    supersedes: int | None = None  # the credential this one replaces (correction, replacement)
    row: int | None = None


def draft_error(draft: CredentialDraft, field: str, code: str, zh: str, en: str) -> EcertError:
    """An error about one field of a draft, labelled for people and located at its row."""
    return EcertError(code, zh, en, row=draft.row, field=field, label=FIELD_LABELS[field])


def draft_check(
    draft: CredentialDraft,
    *,
    qualification: QualificationFacts | None,
    unprintable: Callable[[str], list[str]],
) -> CredentialDraft | list[EcertError]:
    """The draft normalised as it will be stored and signed, or every rule it breaks: the name
    rules, the person's sex and birth month, every printed text fitting its claim and drawn by the
    certificate fonts, and the catalogue's rules for the kind. All of them at once, so that one
    round of corrections is enough."""
    problems: list[EcertError] = []

    def checked(check: Callable[[], T]) -> T | None:
        try:
            return check()
        except EcertError as error:
            problems.append(error)
            return None

    person = checked(lambda: _person_check(draft, unprintable))
    texts = {"level": draft.level, "specialty": draft.specialty, "number": draft.number}
    if draft.title is not None:
        texts.update(
            title=draft.title.title,
            series=draft.title.series,
            verification_code=draft.title.verification_code,
        )
    clean: dict[str, str] = {}
    for name, text in texts.items():
        try:
            clean[name] = _text_check(draft, name, text, unprintable)
        except EcertError as error:
            problems.append(error)
            clean[name] = text
    checked(
        lambda: _catalogue_check(
            draft, qualification, level=clean["level"], specialty=clean["specialty"]
        )
    )
    checked(lambda: _kind_check(draft))
    if draft.person.photo is not None:
        rule = qualification.photo_rule if qualification is not None else PhotoRule.STANDARD
        checked(lambda: photo_check(draft.person.photo or b"", rule=rule))
    if problems or person is None:
        return problems
    title = draft.title
    if title is not None and (title.title, title.series, title.verification_code) != (
        clean["title"],
        clean["series"],
        clean["verification_code"],
    ):
        title = replace(
            title,
            title=clean["title"],
            series=clean["series"],
            verification_code=clean["verification_code"],
        )
    if (person, clean["level"], clean["specialty"], clean["number"], title) == (
        draft.person,
        draft.level,
        draft.specialty,
        draft.number,
        draft.title,
    ):
        return draft  # already as it will be signed: most drafts from a checked file
    return replace(
        draft,
        person=person,
        level=clean["level"],
        specialty=clean["specialty"],
        number=clean["number"],
        title=title,
    )


def _kind_check(draft: CredentialDraft) -> None:
    title = draft.title
    if draft.kind is CredentialKind.TITLE_CERTIFICATE and (title is None or not title.title):
        raise draft_error(draft, "title", "no_title", "缺少职称名称", "the title is missing")
    if draft.kind is not CredentialKind.TITLE_CERTIFICATE and title is not None:
        raise draft_error(
            draft,
            "title",
            "not_a_title",
            "只有职称证书有职称名称",
            "only a title certificate has a title",
        )
    if draft.issue_date < draft.approval_date:
        raise draft_error(
            draft,
            "issue_date",
            "issued_before_approval",
            "签发日期早于批准日期",
            "the issue date is earlier than the approval date",
        )


def _person_check(draft: CredentialDraft, unprintable: Callable[[str], list[str]]) -> PersonDraft:
    person = draft.person
    try:
        name = normalise_name(person.name)
    except EcertError as error:
        raise draft_error(draft, "name", error.code, error.zh, error.en) from error
    name = _text_check(draft, "name", name, unprintable)
    encoded_sex, born = person.id_number.sex, person.id_number.birth_date
    sex, birth_month = person.sex, person.birth_month
    if encoded_sex is not None:
        if sex is not None and sex is not encoded_sex:
            raise draft_error(
                draft,
                "sex",
                "sex_mismatch",
                "性别与证件号码不符",
                "the sex does not match the ID number",
            )
        sex = encoded_sex
    if born is not None:
        if birth_month is not None and birth_month != (born.year, born.month):
            raise draft_error(
                draft,
                "birth_month",
                "birth_month_mismatch",
                "出生年月与证件号码不符",
                "the birth month does not match the ID number",
            )
        birth_month = (born.year, born.month)
    if birth_month is not None:
        year, month = birth_month
        if not (1900 <= year <= draft.issue_date.year and 1 <= month <= 12):
            raise draft_error(
                draft,
                "birth_month",
                "birth_month_out_of_range",
                f"出生年月 {year}-{month:02d} 无效",
                f"the birth month {year}-{month:02d} is not possible",
            )
    if (name, sex, birth_month) == (person.name, person.sex, person.birth_month):
        return person
    return PersonDraft(
        name=name, id_number=person.id_number, sex=sex, birth_month=birth_month, photo=person.photo
    )


def _text_check(
    draft: CredentialDraft, field: str, text: str, unprintable: Callable[[str], list[str]]
) -> str:
    """The text as it will be signed (NFC, stripped); blank stays blank. Control characters, and
    a first character that makes a spreadsheet read it as a formula (name, number, level,
    specialty, title …), are refused (``claim_text_check``)."""
    if not text:
        return ""
    if (
        text.isascii()
        and text.isprintable()
        and not text.startswith(FORMULA_STARTS)
        and len(text) <= TEXT_LIMITS[_CLAIM_OF[field]]
        and text[0] != " "
        and text[-1] != " "
        and not unprintable(text)
    ):
        return text  # a management number, a Latin name: nothing to normalise
    checked = _checked_text(field, text, unprintable)
    if isinstance(checked, str):
        return checked
    code, zh, en = checked
    raise draft_error(draft, field, code, zh, en)


@lru_cache(maxsize=4096)
def _checked_text(
    field: str, text: str, unprintable: Callable[[str], list[str]]
) -> str | tuple[str, str, str]:
    """The checked text, or why not (code, zh, en); remembered, since a list repeats a handful of
    levels, specialties and titles over thousands of rows."""
    text = unicodedata.normalize("NFC", text.strip())
    if not text:
        return ""
    try:
        text = claim_text_check(_CLAIM_OF[field], text)
    except EcertError as error:
        return error.code, error.zh, error.en
    missing = unprintable(text)
    if missing:
        char = missing[0]
        label_zh, label_en = FIELD_LABELS[field]
        return (
            "unprintable",
            f"{label_zh}中的字“{char}”（U+{ord(char):04X}）没有可用字体，无法打印；请核对或联系管理员添加字体",
            f"the {label_en} has a character no certificate font draws (U+{ord(char):04X}); "
            "check it or add a font",
        )
    return text


def _catalogue_check(
    draft: CredentialDraft, facts: QualificationFacts | None, *, level: str, specialty: str
) -> None:
    """The catalogue's rules for the kind (DESIGN.md §2: the catalogue is data, not code)."""
    kind = draft.kind
    if facts is None:
        if kind is not CredentialKind.TITLE_CERTIFICATE:
            raise draft_error(
                draft,
                "qualification",
                "no_qualification",
                "缺少资格",
                "the qualification is missing",
            )
        return
    if kind is CredentialKind.TITLE_CERTIFICATE:
        raise draft_error(
            draft,
            "qualification",
            "title_with_qualification",
            "职称证书不对应职业资格",
            "a title certificate names no qualification",
        )
    if facts.code is None:
        raise draft_error(
            draft,
            "qualification",
            "no_qualification_code",
            f"“{facts.name}”在目录中没有代码，无法签发",
            f"{facts.name} has no code in the catalogue and cannot be signed",
        )
    # A paper certificate of an abolished qualification may be recorded (the certificate database
    # keeps history, seed 001 附件 一); nothing new but a qualification proof is issued for one.
    if (
        facts.abolished
        and kind is not CredentialKind.QUALIFICATION_PROOF
        and not is_paper_record(kind, draft.form)
    ):
        raise draft_error(
            draft,
            "qualification",
            "abolished",
            f"“{facts.name}”已被国家取消，只能开具职/执业资格证明",
            f"{facts.name} was abolished; only a qualification proof can be issued",
        )
    if kind is CredentialKind.QUALIFICATION_PROOF and not facts.abolished:
        raise draft_error(
            draft,
            "qualification",
            "not_abolished",
            f"职/执业资格证明只开给已取消的资格，“{facts.name}”未取消",
            f"qualification proofs are for abolished qualifications; {facts.name} is not",
        )
    if facts.levels and level not in facts.levels:
        raise draft_error(
            draft,
            "level",
            "level_unknown",
            f"“{facts.name}”没有级别“{level}”（可选：{'、'.join(facts.levels)}）",
            f"{facts.name} has no level {level!r} (choose from {', '.join(facts.levels)})",
        )
    if not facts.levels and level:
        raise draft_error(
            draft,
            "level",
            "level_not_expected",
            f"“{facts.name}”不分级别",
            f"{facts.name} has no levels",
        )
    # A paper record keeps the specialty it was printed with, even one the list no longer has.
    if (
        facts.specialties
        and specialty
        and specialty not in facts.specialties
        and not is_paper_record(draft.kind, draft.form)
    ):
        raise draft_error(
            draft,
            "specialty",
            "specialty_unknown",
            f"“{facts.name}”没有专业“{specialty}”",
            f"{facts.name} has no specialty {specialty!r}",
        )
