"""Collection of a paper certificate at the counter, with the evidence seed 001 一(一) asks for
(高拍仪、电子签名板、身份证阅读器), and the receipt the collector takes home.

``paper_collect`` checks the evidence (``ecert.core.rules.collection``), locks the certificate,
checks that the collector is the holder on record (or records a proxy with their authorisation),
that an old-version certificate has its complete registration form, and hands the certificate
over through ``paper_move``. docs/distribution.md, "Collection at the counter".
"""

from __future__ import annotations

import hmac
import io
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from PIL import Image

from ecert.audit.locks import rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.selectors import scope_for
from ecert.core.documents.faces import cn_date, document_page, qualification_title
from ecert.core.documents.render import Picture
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import mask_id_number
from ecert.core.identity.names import mask_name
from ecert.core.rules.collection import (
    ID_SOURCE_LABELS,
    CheckedEvidence,
    CounterEvidence,
    IdSource,
    evidence_check,
    same_name,
)
from ecert.core.rules.paper import Edition, Method, PaperState, check_move
from ecert.core.rules.roles import Perm
from ecert.credentials.personal_data import id_number_lookup_hash, pii_cipher
from ecert.distribution.models import (
    Collection,
    MailParcel,
    PaperCertificate,
    PaperEventKind,
    ParcelState,
    RegistrationForm,
)
from ecert.distribution.services import new_reference, paper_move, refused_out_of_scope
from ecert.documents.services import renderer

if TYPE_CHECKING:
    from ecert.accounts.models import User

# Parcels that have left, or are about to leave, with the certificate inside.
_PARCEL_UNDER_WAY = (ParcelState.ORDERED, ParcelState.IN_TRANSIT)


def paper_for_counter(*, user: User, public_id: str) -> PaperCertificate | None:
    """The paper certificate a clerk may hand out at the counter: in their scope to see, and
    handed out by a unit in their scope of DISTRIBUTE_PAPER (the exam centre that sent it on sees
    it but does not hand it out). None answers "not yours" and "not there" alike."""
    paper = (
        PaperCertificate.objects.visible_to(user, Perm.DISTRIBUTE_PAPER)
        .select_related(
            "credential__holder",
            "credential__qualification",
            "unit",
            "delivery",
        )
        .filter(credential__public_id=public_id)
        .first()
    )
    if paper is None or not scope_for(user, Perm.DISTRIBUTE_PAPER).contains(paper.unit.path):
        return None
    return paper


def paper_collect(
    *,
    actor: User,
    certificate: PaperCertificate,
    evidence: CounterEvidence,
    now: datetime,
) -> Collection:
    """Hand ``certificate`` over at the counter against ``evidence``; its receipt number is new.

    Refused (EcertError, nothing changed) when a piece of evidence is wrong (EvidenceRefused,
    every fault with its field), when the collector is not the holder on record and does not
    collect by proxy, when an old-version certificate lacks its complete registration form, when
    a mail parcel of it is under way, or when its state does not allow handing over.
    """
    checked = evidence_check(evidence, today=timezone.localdate(now))
    _check_printable(checked.collector_name)
    with transaction.atomic():
        locked = list(
            rows_locked(
                PaperCertificate.objects.select_related(
                    "credential__holder", "unit", "delivery"
                ).filter(pk=certificate.pk),
                of=("self",),
            )
        )
        if not locked or not scope_for(actor, Perm.DISTRIBUTE_PAPER).contains(locked[0].unit.path):
            raise refused_out_of_scope()
        paper = locked[0]
        _check_collectable(paper)
        if not checked.by_proxy:
            _check_holder(paper, checked)
        if paper.delivery.edition == Edition.OLD:
            _check_registration_form(paper)
        collection = _collection_create(paper, checked, actor=actor, now=now)
        paper.method = Method.COUNTER.value
        paper.mail_recipient = paper.mail_phone = paper.mail_address = paper.mail_postcode = ""
        collector = collection.collector_name if checked.by_proxy else ""
        paper_move(
            paper,
            PaperState.HANDED_OVER,
            kind=PaperEventKind.HANDED_OVER,
            actor=actor,
            detail={
                "receipt": collection.receipt_number,
                "by_proxy": checked.by_proxy,
                "collector": collector,
                "collector_id": collection.collector_id_number_masked,
                "id_source": checked.id_source.value,
            },
            now=now,
        )
        audit_record(
            actor=actor,
            action="paper.handed_over",
            authority=paper.unit,
            object_type="credential",
            object_id=paper.credential.public_id,
            data={
                "receipt": collection.receipt_number,
                "by_proxy": checked.by_proxy,
                "collector": mask_name(checked.collector_name),
                "collector_id": collection.collector_id_number_masked,
                "id_source": checked.id_source.value,
                "evidence_sha256": collection.evidence_sha256,
            },
            at=now,
        )
    return collection


def _check_printable(name: str) -> None:
    """The receipt prints the collector's name: a character no font draws is refused now, never
    printed later as a blank box."""
    missing = renderer().fonts.missing(name)
    if missing:
        shown = "、".join(f"“{c}”(U+{ord(c):04X})" for c in missing[:5])
        plain = ", ".join(f"U+{ord(c):04X}" for c in missing[:5])
        raise EcertError(
            "uncovered_character",
            f"姓名中的字 {shown} 没有可用字体，无法打印回执，请核对姓名",
            f"no font draws {plain} of the name, so no receipt could be printed: check the name",
            field="collector_name",
            label=("领证人姓名", "collector's name"),
        )


def _check_collectable(paper: PaperCertificate) -> None:
    state = PaperState(paper.state)
    if state is PaperState.HANDED_OVER:
        raise EcertError(
            "already_collected",
            "该证书已现场领取，不能重复发放",
            "this certificate has already been collected",
            field="state",
        )
    check_move(state, PaperState.HANDED_OVER)
    under_way = (
        MailParcel.objects.filter(certificate=paper, state__in=_PARCEL_UNDER_WAY)
        .values_list("reference", flat=True)
        .first()
    )
    if under_way is not None:
        raise EcertError(
            "parcel_under_way",
            f"该证书已生成邮寄订单 {under_way}，邮件未退回前不能现场发放",
            f"mail order {under_way} holds this certificate: it cannot be handed over at the "
            "counter unless the parcel comes back",
            field="state",
        )


def _check_holder(paper: PaperCertificate, checked: CheckedEvidence) -> None:
    """The collector is the holder: the same ID number (through its keyed hash; the number itself
    is stored encrypted) and the name on the certificate, or the holder's name as last recorded
    (a changed name shows on a new ID card)."""
    holder = paper.credential.holder
    number = checked.collector_id
    same_number = holder.id_type == number.type.value and hmac.compare_digest(
        holder.id_number_hash.encode(),
        id_number_lookup_hash(number.type, number.value).encode(),
    )
    name_matches = same_name(checked.collector_name, paper.credential.holder_name) or same_name(
        checked.collector_name, holder.name
    )
    if not (same_number and name_matches):
        which = ("证件号码", "the ID number") if not same_number else ("姓名", "the name")
        raise EcertError(
            "not_the_holder",
            f"领证人与证书持有人不符（{which[0]}不一致）。持证人本人领取须出示本人身份证；"
            "他人代领请勾选“代领”并提供委托书",
            f"the collector is not the holder ({which[1]} differs). The holder shows their own "
            "ID card; someone collecting for them ticks 'for the holder' and brings the "
            "authorisation",
            field="collector_id_number" if not same_number else "collector_name",
            label=("领证人", "collector"),
        )


def _check_registration_form(paper: PaperCertificate) -> None:
    """Seed 001 一(二): an old-version certificate is handed out against its registration form
    with every key field filled in."""
    form = RegistrationForm.objects.filter(credential_id=paper.credential_id).first()
    if form is None:
        raise EcertError(
            "no_registration_form",
            "旧版证书须先录入《专业技术资格考试登记表》或《执（职）业资格考试登记表》，"
            "关键字段完整后方可发放",
            "an old-version certificate is handed out only after its registration form is "
            "recorded with every key field",
            field="registration_form",
        )
    if not form.complete:
        raise EcertError(
            "registration_form_incomplete",
            "该旧版证书的登记表关键字段不完整，补全后方可发放",
            "the registration form of this old-version certificate lacks key fields: "
            "complete it first",
            field="registration_form",
        )


def _collection_create(
    paper: PaperCertificate, checked: CheckedEvidence, *, actor: User, now: datetime
) -> Collection:
    number = checked.collector_id
    return Collection.objects.create(
        certificate=paper,
        receipt_number=new_reference("LZ", timezone.localdate(now)),
        collected_at=now,
        clerk=actor,
        unit=paper.unit,
        by_proxy=checked.by_proxy,
        collector_name=checked.collector_name,
        collector_id_type=number.type.value,
        collector_id_number_ciphertext=pii_cipher().encrypt(
            number.value, context=number.type.value
        ),
        collector_id_number_masked=mask_id_number(number.value),
        id_source=checked.id_source.value,
        id_card_photo=checked.id_card_photo.data if checked.id_card_photo else None,
        id_card_data=checked.id_card_data,
        camera_image=checked.camera_image.data,
        camera_image_type=checked.camera_image.mime,
        signature_png=checked.signature.data,
        signature_strokes=checked.strokes,
        authorisation_image=checked.authorisation.data if checked.authorisation else None,
        authorisation_type=checked.authorisation.mime if checked.authorisation else "",
        evidence_sha256=checked.digest(),
    )


# ── The receipt ────────────────────────────────────────────────────────────────────────────────


def collection_receipt_pdf(*, collection: Collection) -> bytes:
    """The receipt of a collection (证书领取回执) as a PDF: the certificate, the holder (ID number
    masked), who collected (代领 with the proxy's name), the unit, the time and the signature."""
    paper = collection.certificate
    credential = paper.credential
    qualification = credential.qualification
    local = timezone.localtime(collection.collected_at)
    signature = bytes(collection.signature_png)
    with Image.open(io.BytesIO(signature)) as image:
        width, height = image.size
    fields = {
        "receipt_number": collection.receipt_number,
        "qualification": qualification_title(qualification.name, credential.level)
        if qualification
        else credential.get_kind_display(),
        "level": credential.level,
        "specialty": credential.specialty,
        "number": credential.management_number,
        "approval_date": cn_date(credential.approval_date),
        "name": credential.holder_name,
        "id_number": credential.holder.id_number_masked,
        "way": "代领" if collection.by_proxy else "本人领取",
        "collector": collection.collector_name,
        "collector_id": collection.collector_id_number_masked,
        "id_source": ID_SOURCE_LABELS[IdSource(collection.id_source)][0],
        "unit": collection.unit.name,
        "collected_at": f"{cn_date(local.date())} {local:%H:%M}",
        "clerk": collection.clerk.display_name or collection.clerk.username,
        "proxy_note": "委托书" if collection.by_proxy else "",
        "evidence": collection.evidence_sha256[:16],
    }
    page = document_page(
        "collection-receipt", fields, photo=Picture(signature, "image/png", width, height)
    )
    return renderer().document([page], created=collection.collected_at)
