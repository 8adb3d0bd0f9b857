"""The printed page of a stored credential: its face, and the fields read from the database.

Which face a credential prints on and the names of its fields are decided in ``ecert.core.documents.faces``;
here they are filled from the credential, its holder, its qualification and its issuing
authority. The ID number is printed in full: the document is the holder's own (a third party
checks it against the ID card the holder shows).
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image, UnidentifiedImageError

from ecert.catalogue.models import CatalogueList
from ecert.core.documents.faces import (
    FIELDS,
    SCOPE_FIELDS,
    Face,
    cn_date,
    cn_month,
    face_for,
    face_page,
    has_photo,
    qualification_en,
    qualification_full,
    qualification_title,
    sex_label,
)
from ecert.core.documents.render import Page, Picture
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialKind, is_paper_record
from ecert.credentials.models import Credential, Holder
from ecert.credentials.services import holder_id_number
from ecert.titles.models import TitleCertificate

JPEG_QUALITY = 90
# A query result of the certificate database is valid this long from the day it is made.
QUERY_RESULT_VALIDITY = timedelta(days=90)


def page_for(
    credential: Credential,
    *,
    qr_text: str,
    seal: Picture | None,
    scope: tuple[str, date] | None = None,
) -> Page:
    """The page of ``credential``; ``scope`` (purpose, last valid day) makes it a 加注 copy. A paper
    certificate's record prints as its query result (seed 001 三(一)): the holder's ID number
    masked, dated the day of the query, valid until the scope's last day."""
    face = credential_face(credential)
    fields = {key: value for key, value in _fields(credential).items() if key in FIELDS[face]}
    if face is Face.QUERY_RESULT:
        fields["id_number"] = credential.holder.id_number_masked
        if scope is not None:
            made, valid_until = scope[1] - QUERY_RESULT_VALIDITY, scope[1]
            fields.update(issue_date=cn_date(made), valid_until=cn_date(valid_until))
    elif scope is not None:
        purpose, valid_until = scope
        fields.update(zip(SCOPE_FIELDS, (purpose, cn_date(valid_until)), strict=True))
    photo = holder_photo(credential.holder) if has_photo(face) else None
    return face_page(face, fields, qr_text=qr_text, seal=seal, photo=photo)


def credential_face(credential: Credential) -> Face:
    """The face of the catalogue list the credential was issued under (its template)."""
    style = (
        CatalogueList.objects.filter(key=credential.template)
        .values_list("style", flat=True)
        .first()
        if credential.template
        else None
    )
    return face_for(
        CredentialKind(credential.kind),
        credential.template,
        style,
        paper_record=is_paper_record(credential.kind, credential.form),
    )


def _fields(credential: Credential) -> dict[str, str]:
    """Every field any face prints, as far as the credential has it; faces take their own."""
    qualification = credential.qualification
    title = qualification_title(qualification.name, credential.level) if qualification else ""
    return {
        "name": credential.holder_name,
        "id_number": holder_id_number(credential.holder),
        "sex": sex_label(credential.holder_sex),
        "birth_month": cn_month(credential.holder_birth_month)
        if credential.holder_birth_month
        else "",
        "qualification": title,
        "qualification_full": qualification_full(title) if title else "",
        "qualification_en": qualification_en(qualification.name_en, credential.level)
        if qualification
        else "",
        "approved_by": qualification.approvers(credential.specialty) if qualification else "",
        "level": credential.level,
        "specialty": credential.specialty,
        # The exam year is the approval year, as in the signed claims (signing.services).
        "exam_year": str(credential.approval_date.year),
        "approval_date": cn_date(credential.approval_date),
        "number": credential.printed_number(),
        "issue_date": cn_date(credential.issue_date),
        "issuer": credential.issuing_authority.name,
        **_title_fields(credential),
    }


def _title_fields(credential: Credential) -> dict[str, str]:
    """A title certificate's own rows: 系列, 职称名称 and 验证码 as signed; 工作单位, 评审组织 and
    批准文号 from the approval record it was issued for."""
    if credential.kind != CredentialKind.TITLE_CERTIFICATE:
        return {}
    fields = {
        "series": credential.series,
        "title": credential.title,
        "verification_code": credential.verification_code,
    }
    numbered = TitleCertificate.objects.filter(credential=credential).select_related("approval")
    certificate = numbered.first()
    if certificate is not None:
        approval = certificate.approval
        fields["work_unit"] = approval.work_unit
        fields["review_body"] = approval.review_body
        fields["approval_document"] = approval.approval_document
    return fields


def holder_photo(holder: Holder) -> Picture | None:
    """The holder's stored photo as a JPEG picture, or None when there is none."""
    data = Holder.objects.filter(pk=holder.pk).values_list("photo_jpeg", flat=True).first()
    if not data:
        return None
    data = bytes(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if image.format != "JPEG":
                buffer = io.BytesIO()
                image.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY)
                data = buffer.getvalue()
    except (OSError, UnidentifiedImageError) as error:
        raise EcertError(
            "bad_photo",
            "持证人照片无法读取，请重新上传照片",
            "the holder's photo cannot be read; upload it again",
            field="photo",
        ) from error
    return Picture(data, "image/jpeg", width, height)
