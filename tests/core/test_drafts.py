"""The rules every credential obeys, whichever path creates it: one check of a typed draft that
reports every rule it breaks, with the field each is about."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType, Sex, parse_id_number
from ecert.core.rules.drafts import (
    CredentialDraft,
    PersonDraft,
    QualificationFacts,
    TitleDraft,
    draft_check,
)
from ecert.core.rules.kinds import CredentialForm
from ecert.core.rules.kinds import CredentialKind as K
from tests.core.idgen import make_gb11643_number, make_resident_id
from tests.photos import id_photo, png_photo

CONSTRUCTOR = QualificationFacts(
    name="建造师", abolished=False, levels=("一级", "二级"), specialties=("建筑工程",), code=1
)
ADVERTISER = QualificationFacts(name="广告师", abolished=True, levels=(), code=98)
APPROVED, ISSUED = date(2025, 9, 1), date(2025, 10, 8)
RESIDENT = parse_id_number(make_resident_id(date(1990, 3, 4), Sex.FEMALE))
PASSPORT = parse_id_number("E12345678", IdType.PASSPORT)


def draft(**changes: object) -> CredentialDraft:
    base = CredentialDraft(
        person=PersonDraft(name="周芷", id_number=RESIDENT),
        kind=K.NATIONAL_CERTIFICATE,
        form=CredentialForm.ELECTRONIC,
        issuer=1,
        approval_date=APPROVED,
        issue_date=ISSUED,
        number="MN0001",
        qualification=1,
        level="一级",
        specialty="建筑工程",
        row=7,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def nothing_missing(_text: str) -> list[str]:
    return []


def check(d: CredentialDraft, facts: QualificationFacts | None = CONSTRUCTOR) -> CredentialDraft:
    result = draft_check(d, qualification=facts, unprintable=nothing_missing)
    assert isinstance(result, CredentialDraft), [str(e) for e in result]
    return result


def refusals(
    d: CredentialDraft, facts: QualificationFacts | None = CONSTRUCTOR
) -> list[EcertError]:
    result = draft_check(d, qualification=facts, unprintable=nothing_missing)
    assert isinstance(result, list), "the draft passed"
    return result


def codes(d: CredentialDraft, facts: QualificationFacts | None = CONSTRUCTOR) -> set[str]:
    return {error.code for error in refusals(d, facts)}


def test_a_current_qualification_at_a_known_level_passes() -> None:
    check(draft())


def test_the_name_is_normalised_as_it_will_be_signed() -> None:
    checked = check(draft(person=PersonDraft(name="  周\u3000芷 ", id_number=RESIDENT)))
    assert checked.person.name == "周 芷"


def test_a_resident_id_gives_sex_and_birth_month_when_the_source_does_not() -> None:
    person = check(draft()).person
    assert (person.sex, person.birth_month) == (Sex.FEMALE, (1990, 3))


def test_a_passport_holders_sex_and_birth_month_are_kept_as_given() -> None:
    given = PersonDraft(name="JANE ROE", id_number=PASSPORT, sex=Sex.FEMALE, birth_month=(1990, 3))
    person = check(draft(person=given)).person
    assert (person.sex, person.birth_month) == (Sex.FEMALE, (1990, 3))


def test_a_sex_that_contradicts_the_id_number_is_refused() -> None:
    wrong = PersonDraft(name="周芷", id_number=RESIDENT, sex=Sex.MALE)
    assert codes(draft(person=wrong)) == {"sex_mismatch"}


def test_a_birth_month_that_contradicts_a_residence_permit_is_refused() -> None:
    permit = parse_id_number(
        make_gb11643_number("810000", date(1985, 1, 2), Sex.MALE), IdType.HK_MACAO_RESIDENCE_PERMIT
    )
    wrong = PersonDraft(name="陈大文", id_number=permit, birth_month=(1985, 2))
    assert codes(draft(person=wrong)) == {"birth_month_mismatch"}


def test_a_name_that_looks_like_a_spreadsheet_formula_is_refused() -> None:
    for name in ('=HYPERLINK("http://x","a")', "+SUM(1,2)", "-1", "@SUM(1)"):
        error = refusals(draft(person=PersonDraft(name=name, id_number=RESIDENT)))[0]
        assert (error.code, error.field) == ("formula", "name")
        assert "电子表格公式" in error.zh


def test_a_name_too_long_for_the_certificate_is_refused_at_its_row() -> None:
    (error,) = refusals(draft(person=PersonDraft(name="长" * 41, id_number=RESIDENT)))
    assert (error.code, error.field, error.row) == ("too_long", "name", 7)
    assert str(error).startswith("第 7 行（姓名）：")


def test_a_character_no_font_draws_is_refused_with_its_code_point() -> None:
    result = draft_check(
        draft(person=PersonDraft(name="周龘", id_number=RESIDENT)),
        qualification=CONSTRUCTOR,
        unprintable=lambda text: [c for c in text if c == "龘"],
    )
    assert isinstance(result, list)
    (error,) = result
    assert (error.code, error.field) == ("unprintable", "name")
    assert "U+9F98" in error.zh


def test_every_rule_a_draft_breaks_is_reported_at_once() -> None:
    found = codes(
        draft(
            person=PersonDraft(name="=X", id_number=RESIDENT),
            level="三级",
            issue_date=date(2025, 8, 31),
        )
    )
    assert found == {"formula", "level_unknown", "issued_before_approval"}


def test_an_abolished_qualification_gets_only_a_qualification_proof() -> None:
    check(draft(kind=K.QUALIFICATION_PROOF, level="", specialty=""), ADVERTISER)
    assert codes(draft(level="", specialty=""), ADVERTISER) == {"abolished"}


def test_a_qualification_proof_is_refused_for_a_current_qualification() -> None:
    assert codes(draft(kind=K.QUALIFICATION_PROOF)) == {"not_abolished"}


def test_an_unknown_level_is_refused_and_the_known_ones_are_named() -> None:
    (error,) = refusals(draft(level="三级"))
    assert error.code == "level_unknown"
    assert "没有级别“三级”" in error.zh
    assert "一级, 二级" in error.en


def test_a_level_for_a_qualification_without_levels_is_refused() -> None:
    assert codes(draft(kind=K.QUALIFICATION_PROOF, level="中级", specialty=""), ADVERTISER) == {
        "level_not_expected"
    }


def test_a_specialty_the_catalogue_does_not_list_is_refused_unless_on_a_paper_record() -> None:
    assert codes(draft(specialty="航天工程")) == {"specialty_unknown"}
    check(draft(specialty="航天工程", form=CredentialForm.PAPER))


def test_an_issue_date_before_approval_is_refused() -> None:
    assert codes(draft(issue_date=date(2025, 8, 31))) == {"issued_before_approval"}


def test_only_title_certificates_may_lack_a_qualification() -> None:
    title = TitleDraft(title="高级教师", series="中小学教师")
    check(draft(kind=K.TITLE_CERTIFICATE, qualification=None, title=title, specialty=""), None)
    assert codes(draft(), None) == {"no_qualification"}
    assert codes(draft(kind=K.TITLE_CERTIFICATE, qualification=None, specialty=""), None) == {
        "no_title"
    }


def test_an_old_paper_certificate_of_an_abolished_qualification_may_be_recorded() -> None:
    check(draft(level="", specialty="", form=CredentialForm.PAPER), ADVERTISER)


def test_a_photo_is_checked_against_the_qualifications_photo_rule() -> None:
    person = PersonDraft(name="周芷", id_number=RESIDENT, photo=id_photo(kb=20))
    check(draft(person=person))
    big_rule = replace(CONSTRUCTOR, photo_rule=CONSTRUCTOR.photo_rule.OVER_30KB)
    assert codes(draft(person=person), big_rule) == {"photo_too_small"}
    assert codes(draft(person=replace(person, photo=png_photo()))) == {"photo_not_jpeg"}
