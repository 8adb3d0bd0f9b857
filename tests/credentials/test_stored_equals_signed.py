"""The stored row and the signed claims cannot disagree: for every kind and every identity
document, a credential issued through the pipeline and read back from the database gives the very
claims that were signed, byte for byte; and the printed face shows what was signed."""

from __future__ import annotations

import string
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecert.catalogue.models import Qualification
from ecert.core.documents.faces import FIELDS
from ecert.core.formats import cose
from ecert.core.formats.claims import claims_from_cbor
from ecert.core.formats.qr import qr_text
from ecert.core.formats.records import record_claims
from ecert.core.identity.idnumbers import SEX_LABELS, IdNumber, IdType, Sex, parse_id_number
from ecert.core.rules.drafts import CredentialDraft, PersonDraft, TitleDraft
from ecert.core.rules.kinds import CredentialForm, CredentialKind
from ecert.credentials.models import Credential
from ecert.credentials.records import record_of
from ecert.credentials.services import credential_issue
from ecert.documents.faces import credential_face, page_for
from tests.conftest import World
from tests.core.idgen import make_gb11643_number

NOW_DAY = date(2026, 3, 2)
# Characters the certificate fonts draw, common and rare (astral 𠮷, extension A 䶮).
HAN = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗堃喆赟昇龑䶮𠮷祥子涵浩然欣怡"
LATIN = string.ascii_uppercase

births = st.dates(min_value=date(1950, 1, 1), max_value=date(2004, 12, 31))
sexes = st.sampled_from([Sex.MALE, Sex.FEMALE])
han_names = st.text(alphabet=HAN, min_size=2, max_size=6)
latin_names = st.builds(
    lambda first, last: f"{first} {last}",
    st.text(alphabet=LATIN, min_size=2, max_size=10),
    st.text(alphabet=LATIN, min_size=2, max_size=12),
)


@st.composite
def people(draw: Any, id_type: IdType) -> PersonDraft:
    """A person with a valid, made-up number of ``id_type``; sex and birth month as a pass list
    might give them: always for documents that do not encode them, sometimes for those that do."""
    born, sex, seq = draw(births), draw(sexes), draw(st.integers(0, 499))
    if id_type is IdType.PASSPORT:
        number = draw(
            st.text(alphabet=string.ascii_uppercase + string.digits, min_size=6, max_size=12)
        )
        name = draw(latin_names | han_names)
        given_sex: Sex | None = draw(st.none() | st.just(sex))
        month: tuple[int, int] | None = draw(st.none() | st.just((born.year, born.month)))
        return PersonDraft(name, parse_id_number(number, id_type), given_sex, month)
    prefix = {
        IdType.RESIDENT_ID: "370102",
        IdType.HK_MACAO_RESIDENCE_PERMIT: "810000",
        IdType.TAIWAN_RESIDENCE_PERMIT: "830000",
        IdType.FOREIGN_PERMANENT_RESIDENCE: "933156",
    }[id_type]
    number = make_gb11643_number(prefix, born, sex, seq)
    parsed: IdNumber = parse_id_number(number, id_type)
    encoded_sex = parsed.sex  # None for a foreign permanent resident card
    given_sex = draw(st.none() | st.just(encoded_sex or sex))
    month = draw(st.none() | st.just((born.year, born.month)))
    name = draw(latin_names if id_type is IdType.FOREIGN_PERMANENT_RESIDENCE else han_names)
    return PersonDraft(name, parsed, given_sex, month)


def _draft(
    kind: CredentialKind,
    person: PersonDraft,
    world: World,
    catalogue: dict[str, Qualification],
    data: Any,
) -> CredentialDraft:
    authorities = world.authorities
    approval = data.draw(st.dates(min_value=date(2019, 1, 1), max_value=date(2025, 12, 31)))
    number = data.draw(st.text(alphabet=string.digits, min_size=8, max_size=12))
    if kind is CredentialKind.TITLE_CERTIFICATE:
        return CredentialDraft(
            person=person,
            kind=kind,
            form=data.draw(st.sampled_from(list(CredentialForm))),
            issuer=authorities["sd-liaocheng"].pk,
            approval_date=approval,
            issue_date=NOW_DAY,
            number="鲁" + number.ljust(15, "0")[:15],
            level="副高级",
            specialty=data.draw(st.sampled_from(["", "中学数学", "小学语文"])),
            title=TitleDraft(
                title="高级教师",
                series="中小学教师",
                grassroots=data.draw(st.booleans()),
                verification_code=data.draw(st.sampled_from(["", "ABCD2345"])),
            ),
        )
    plans = {
        CredentialKind.EXAM_PROOF: ("constructor", "一级", "sd-hrss", "shandong-exam-proof"),
        CredentialKind.NATIONAL_CERTIFICATE: ("constructor", "一级", "mohrss", "national-style-1"),
        CredentialKind.PROVINCIAL_CERTIFICATE: (
            "constructor",
            "二级",
            "ha-hrss",
            "henan-provincial-certificate",
        ),
        CredentialKind.SCORE_PROOF: ("constructor", "一级", "sd-pta", "score-proof"),
        CredentialKind.QUALIFICATION_PROOF: ("", "", "sd-pta", "abolished-qualification-proof"),
    }
    key, level, issuer, template = plans[kind]
    if kind is CredentialKind.QUALIFICATION_PROOF:
        qualification = next(q for q in catalogue.values() if q.abolished and q.code is not None)
        levels = list(qualification.levels.values_list("name", flat=True))
        level = data.draw(st.sampled_from(levels)) if levels else ""
    else:
        qualification = catalogue[key]
    specialties = list(qualification.specialties.values_list("name", flat=True))
    return CredentialDraft(
        person=person,
        kind=kind,
        form=CredentialForm.ELECTRONIC,
        issuer=authorities[issuer].pk,
        approval_date=approval,
        issue_date=NOW_DAY,
        number=number,
        qualification=qualification.pk,
        level=level,
        specialty=data.draw(st.sampled_from(specialties)) if specialties else "",
        registration=authorities["sd-jinan"].pk,
        template=template,
    )


@pytest.mark.parametrize("id_type", list(IdType))
@pytest.mark.parametrize("kind", list(CredentialKind))
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_claims_rebuilt_from_the_stored_row_are_the_signed_claims(
    kind: CredentialKind,
    id_type: IdType,
    data: Any,
    title_keys: World,
    catalogue: dict[str, Qualification],
) -> None:
    person = data.draw(people(id_type))
    draft = _draft(kind, person, title_keys, catalogue, data)
    with transaction.atomic():
        issued = credential_issue(actor=None, draft=draft, now=_now())
        stored = Credential.objects.select_related("holder", "qualification").get(pk=issued.pk)
        signed_payload = cose.decode_sign1(bytes(stored.signed or b"")).payload
        rebuilt = record_claims(record_of(stored)).to_cbor()
        assert rebuilt == signed_payload
        signed = claims_from_cbor(signed_payload)
        assert signed.holder_sex is not None or (
            person.sex is None and person.id_number.sex is None
        )
        # What was given is what was stored and signed: nothing is dropped on the way.
        expected_sex = person.sex or person.id_number.sex
        assert stored.holder_sex == (expected_sex.value if expected_sex else "")
        expected_month = person.birth_month or (
            (person.id_number.birth_date.year, person.id_number.birth_date.month)
            if person.id_number.birth_date
            else None
        )
        assert signed.holder_birth_month == expected_month
        # The printed face shows the sex and birth month that were signed, never a blank.
        printed = page_for(
            stored, qr_text=qr_text("X", bytes(stored.signed or b"")), seal=None
        ).fields
        face = FIELDS[credential_face(stored)]
        if "sex" in face:
            assert printed.get("sex", "") == (SEX_LABELS[expected_sex].zh if expected_sex else "")
        if "birth_month" in face and expected_month is not None:
            assert printed["birth_month"] == f"{expected_month[0]}年{expected_month[1]:02d}月"
        transaction.set_rollback(True)


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
