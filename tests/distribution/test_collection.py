"""Collection at the counter: the holder (or someone for them, with an authorisation) collects a
paper certificate with the evidence of seed 001 一(一) — the ID card read by the reader, a picture
from the document camera, a signature on the pad — and takes a receipt home."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pypdfium2
import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from ecert.audit.models import AuditEvent
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType
from ecert.core.rules.collection import EvidenceRefused, IdSource
from ecert.core.rules.paper import Edition, Method, PaperState, RegistrationFormType
from ecert.credentials.models import Credential
from ecert.credentials.personal_data import pii_cipher
from ecert.distribution.collection import collection_receipt_pdf, paper_collect
from ecert.distribution.models import (
    Collection,
    MailBatch,
    MailParcel,
    PaperCertificate,
    PaperEvent,
    PaperEventKind,
    ParcelState,
    RegistrationForm,
)
from ecert.distribution.services import MailAddress, paper_choose, paper_move
from tests.distribution.conftest import Paper, deliver
from tests.distribution.evidence import (
    PROXY_ID,
    PROXY_NAME,
    STROKES,
    ZHAO_SHENG_ID,
    by_proxy,
    evidence,
    picture,
    signature_png,
)

pytestmark = pytest.mark.usefixtures("own_storage")

NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # 10:30 in China
JINAN = "2537010000000201"  # 张堃, handed out by the Jinan exam body
HENAN = "2541010000000301"  # 赵昇, handed out by the Zhengzhou finance department


def _collect(paper: Paper, number: str = JINAN, who: str = "jinan_clerk", **kw: Any) -> Collection:
    return paper_collect(
        actor=paper.users[who],
        certificate=paper.certificate(number),
        evidence=kw.pop("evidence", evidence()),
        now=kw.pop("now", NOW),
    )


def _nothing_changed(paper: Paper, number: str = JINAN) -> None:
    certificate = paper.certificate(number)
    assert certificate.state == PaperState.AWAITING_CHOICE
    assert not Collection.objects.exists()
    assert not PaperEvent.objects.filter(kind=PaperEventKind.HANDED_OVER).exists()
    assert not AuditEvent.objects.filter(action="paper.handed_over").exists()


def _pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    text = "".join("".join(page.get_textpage().get_text_range().split()) for page in document)
    document.close()
    return text


# ── Handing over ───────────────────────────────────────────────────────────────────────────────


def test_the_holder_collects_in_person_and_the_certificate_is_handed_over(paper: Paper) -> None:
    deliver(paper)
    collection = _collect(paper)

    certificate = paper.certificate(JINAN)
    assert (certificate.state, certificate.method) == (PaperState.HANDED_OVER, Method.COUNTER)
    assert certificate.handed_out_at == NOW
    assert collection.receipt_number.startswith("LZ20261120-")
    assert (collection.by_proxy, collection.id_source) == (False, IdSource.READER)
    assert collection.collector_name == "张堃"
    assert (
        collection.collector_id_number_masked
        == "3701**********" + evidence().collector_id_number[-4:]
    )
    stored = pii_cipher().decrypt(
        bytes(collection.collector_id_number_ciphertext), context="resident_id"
    )
    assert stored == evidence().collector_id_number
    assert collection.signature_strokes == STROKES
    assert bytes(collection.signature_png) == signature_png()
    assert collection.id_card_data["validTo"] == "20400101"
    assert len(collection.evidence_sha256) == 64
    event = PaperEvent.objects.get(kind=PaperEventKind.HANDED_OVER)
    assert event.detail["receipt"] == collection.receipt_number
    audit = AuditEvent.objects.get(action="paper.handed_over")
    assert audit.data["receipt"] == collection.receipt_number
    assert evidence().collector_id_number not in json.dumps(audit.data)
    assert evidence().collector_id_number not in json.dumps(event.detail)


def test_the_same_name_written_with_full_width_spaces_is_the_holder(paper: Paper) -> None:
    deliver(paper)
    collection = _collect(paper, evidence=evidence(name="\u3000张堃 ", id_source=IdSource.TYPED))

    assert collection.collector_name == "张堃"
    assert collection.id_source == IdSource.TYPED
    assert collection.id_card_photo is None
    assert collection.id_card_data == {}


def test_someone_collects_for_the_holder_with_the_written_authorisation(paper: Paper) -> None:
    deliver(paper)
    collection = _collect(paper, evidence=by_proxy())

    assert collection.by_proxy
    assert collection.collector_name == PROXY_NAME
    assert collection.collector_id_number_masked == "1101**********4477"
    assert bytes(collection.authorisation_image or b"")[:2] == b"\xff\xd8"
    assert collection.authorisation_type == "image/jpeg"
    event = PaperEvent.objects.get(kind=PaperEventKind.HANDED_OVER)
    assert (event.detail["by_proxy"], event.detail["collector"]) == (True, PROXY_NAME)


def test_a_certificate_chosen_for_mail_can_still_be_collected_before_the_parcel_leaves(
    paper: Paper,
) -> None:
    deliver(paper)
    paper_choose(
        actor=paper.users["jinan_clerk"],
        certificate=paper.certificate(JINAN),
        method=Method.MAIL,
        address=MailAddress("张堃", "13800000000", "山东省济南市历下区某路 1 号"),
        now=NOW,
    )
    _collect(paper)

    certificate = paper.certificate(JINAN)
    assert certificate.state == PaperState.HANDED_OVER
    assert certificate.mail_address == ""


def test_the_henan_holders_e_proof_ends_its_interim_period_when_the_paper_is_collected(
    paper: Paper,
) -> None:
    deliver(paper, henan=True)
    proof = Credential.objects.get(management_number="HA-PROOF-0301")
    assert proof.interim_ended_on is None

    _collect(
        paper,
        HENAN,
        who="zhengzhou_finance_clerk",
        evidence=evidence("赵昇", ZHAO_SHENG_ID),
    )

    proof.refresh_from_db()
    assert proof.interim_ended_on == date(2026, 11, 20)


# ── Refusals: nothing changes ──────────────────────────────────────────────────────────────────


def test_someone_else_without_ticking_proxy_is_not_the_holder(paper: Paper) -> None:
    deliver(paper)
    with pytest.raises(EcertError) as refused:
        _collect(paper, evidence=evidence(PROXY_NAME, PROXY_ID))

    assert (refused.value.code, refused.value.field) == ("not_the_holder", "collector_id_number")
    assert "证件号码不一致" in refused.value.zh
    assert "代领" in refused.value.zh
    _nothing_changed(paper)


def test_the_holders_id_number_with_another_name_is_refused(paper: Paper) -> None:
    deliver(paper)
    with pytest.raises(EcertError) as refused:
        _collect(paper, evidence=evidence(name="张坤"))

    assert (refused.value.code, refused.value.field) == ("not_the_holder", "collector_name")
    _nothing_changed(paper)


def test_a_proxy_without_the_authorisation_is_refused(paper: Paper) -> None:
    deliver(paper)
    with pytest.raises(EvidenceRefused) as refused:
        _collect(paper, evidence=by_proxy(authorisation_image=None))

    assert [p.field for p in refused.value.problems] == ["authorisation_image"]
    assert "委托书" in refused.value.zh
    _nothing_changed(paper)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"camera_image": b""}, "camera_image", "no_camera_image"),
        ({"camera_image": b"not a picture"}, "camera_image", "bad_image"),
        ({"camera_image": picture("GIF")}, "camera_image", "bad_image_type"),
        ({"camera_image": picture()[:3000]}, "camera_image", "bad_image"),
        (
            {"camera_image": b"\xff\xd8" + b"0" * (10 * 2**20 + 1)},
            "camera_image",
            "image_too_large",
        ),
        ({"id_card_photo": b"\x89PNG broken"}, "id_card_photo", "bad_image"),
        ({"signature_png": picture("JPEG")}, "signature", "bad_image_type"),
        ({"signature_strokes": []}, "signature", "no_signature"),
        (
            {"signature_strokes": [[{"x": 1, "y": 1, "t": 0, "p": 0.5}]]},
            "signature",
            "no_signature",
        ),
        ({"signature_strokes": [[{"x": "1", "y": 1, "t": 0}]]}, "signature", "bad_strokes"),
        ({"signature_png": b""}, "signature", "no_signature_picture"),
        ({"collector_id_number": "370102198805170019"}, "collector_id_number", "bad_checksum"),
        ({"collector_name": "=cmd"}, "collector_name", "formula"),
        ({"id_card_data": {**{"validTo": "20240101"}}}, "id_card_data", "card_expired"),
    ],
)
def test_a_wrong_piece_of_evidence_is_refused_beside_its_field(
    paper: Paper, change: dict[str, Any], field: str, code: str
) -> None:
    deliver(paper)
    with pytest.raises(EvidenceRefused) as refused:
        _collect(paper, evidence=evidence(**change))

    assert [(p.field, p.code) for p in refused.value.problems] == [(field, code)]
    assert refused.value.zh
    assert refused.value.en
    _nothing_changed(paper)


def test_every_fault_is_reported_at_once(paper: Paper) -> None:
    deliver(paper)
    with pytest.raises(EvidenceRefused) as refused:
        _collect(
            paper,
            evidence=evidence(name="", camera_image=b"", signature_png=b"", signature_strokes=[]),
        )

    assert [p.field for p in refused.value.problems] == [
        "collector_name",
        "camera_image",
        "signature",
    ]


def test_a_clerk_of_another_unit_is_told_the_certificate_does_not_exist(paper: Paper) -> None:
    deliver(paper)
    for who in ("qingdao_clerk", "exam_centre_clerk", "zhengzhou_finance_clerk"):
        with pytest.raises(EcertError) as refused:
            _collect(paper, who=who)
        assert refused.value.code == "not_found", who
    _nothing_changed(paper)


def test_a_certificate_collected_once_is_not_handed_over_again(paper: Paper) -> None:
    deliver(paper)
    first = _collect(paper)
    with pytest.raises(EcertError) as refused:
        _collect(paper)

    assert refused.value.code == "already_collected"
    assert list(Collection.objects.all()) == [first]


def test_a_mailed_certificate_cannot_be_collected(paper: Paper) -> None:
    deliver(paper)
    with transaction.atomic():
        certificate = paper.certificate(JINAN)
        actor = paper.users["jinan_clerk"]
        for state in (PaperState.TO_MAIL, PaperState.MAILED):
            paper_move(
                certificate, state, kind=PaperEventKind.MAILED, actor=actor, detail={}, now=NOW
            )
    with pytest.raises(EcertError) as refused:
        _collect(paper)

    assert refused.value.code == "paper_state"
    assert "已交寄" in refused.value.zh
    assert not Collection.objects.exists()


def test_a_certificate_whose_mail_order_is_out_cannot_be_collected(paper: Paper) -> None:
    deliver(paper)
    certificate = paper.certificate(JINAN)
    batch = MailBatch.objects.create(
        reference="MB1", unit=certificate.unit, carrier="ems", size=1, created_at=NOW
    )
    MailParcel.objects.create(
        reference="MP000001",
        certificate=certificate,
        batch=batch,
        carrier="ems",
        recipient="张堃",
        phone="13800000000",
        address="山东省济南市历下区某路 1 号",
        state=ParcelState.ORDERED,
        created_at=NOW,
        updated_at=NOW,
    )
    with pytest.raises(EcertError) as refused:
        _collect(paper)

    assert refused.value.code == "parcel_under_way"
    assert "MP000001" in refused.value.zh
    _nothing_changed(paper)


def test_an_old_version_certificate_needs_its_complete_registration_form(paper: Paper) -> None:
    deliver(paper, edition=Edition.OLD)
    with pytest.raises(EcertError) as refused:
        _collect(paper)
    assert refused.value.code == "no_registration_form"
    assert "登记表" in refused.value.zh
    _nothing_changed(paper)

    form = RegistrationForm.objects.create(
        credential=paper.record(JINAN),
        form_type=RegistrationFormType.PRACTISING,
        fields={"name": "张堃"},
        complete=False,
        recorded_by=paper.users["jinan_clerk"],
        recorded_at=NOW,
    )
    with pytest.raises(EcertError) as refused:
        _collect(paper)
    assert refused.value.code == "registration_form_incomplete"
    _nothing_changed(paper)

    RegistrationForm.objects.filter(pk=form.pk).update(complete=True)
    _collect(paper)
    assert paper.certificate(JINAN).state == PaperState.HANDED_OVER


# ── The receipt ────────────────────────────────────────────────────────────────────────────────


def test_the_receipt_names_the_certificate_the_holder_the_collector_and_the_time(
    paper: Paper,
) -> None:
    deliver(paper)
    collection = _collect(paper)
    text = _pdf_text(collection_receipt_pdf(collection=collection))

    certificate = paper.certificate(JINAN)
    for fact in (
        "纸质证书领取回执",
        collection.receipt_number,
        "一级建造师",
        JINAN,
        "2025年09月01日",
        "张堃",
        certificate.credential.holder.id_number_masked,
        "本人领取",
        "身份证阅读器读取",
        certificate.unit.name,
        "2026年11月20日10:30",
        collection.evidence_sha256[:16],
    ):
        assert fact in text, fact
    assert evidence().collector_id_number not in text


def test_the_receipt_of_a_proxy_says_so_and_names_the_proxy(paper: Paper) -> None:
    deliver(paper)
    collection = _collect(paper, evidence=by_proxy(id_source=IdSource.TYPED))
    text = _pdf_text(collection_receipt_pdf(collection=collection))

    assert "代领" in text
    assert PROXY_NAME in text
    assert "1101**********4477" in text
    assert "手工录入" in text
    assert "委托书" in text


# ── The pages ──────────────────────────────────────────────────────────────────────────────────


def _upload(name: str, data: bytes, content_type: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def _post(client: Client, public_id: str, **changes: Any) -> Any:
    body: dict[str, Any] = {
        "id_source": "typed",
        "collector_name": "张堃",
        "collector_id_type": IdType.RESIDENT_ID.value,
        "collector_id_number": evidence().collector_id_number,
        "camera_image": _upload("camera.jpg", picture(), "image/jpeg"),
        "signature": _upload("signature.png", signature_png(), "image/png"),
        "signature_strokes": json.dumps(STROKES),
        "confirm": "on",
    }
    body.update(changes)
    body = {key: value for key, value in body.items() if value is not None}
    return client.post(reverse("backoffice:paper_collect", args=[public_id]), body)


def test_a_clerk_hands_over_on_the_page_and_prints_the_receipt(
    paper: Paper, client: Client
) -> None:
    deliver(paper)
    public_id = paper.record(JINAN).public_id
    client.force_login(paper.users["jinan_clerk"])
    receipt = reverse("backoffice:paper_receipt", args=[public_id])
    assert client.get(receipt).status_code == 404  # nothing collected yet

    response = _post(client, public_id)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "已现场领取" in page.content.decode()
    assert receipt in page.content.decode()
    pdf = client.get(receipt)
    assert pdf["Content-Type"] == "application/pdf"
    assert "张堃" in _pdf_text(pdf.content)
    detail = client.get(reverse("backoffice:credential_detail", args=[public_id]))
    assert receipt in detail.content.decode()


def test_a_refused_page_shows_the_faults_in_chinese_and_keeps_nothing(
    paper: Paper, client: Client
) -> None:
    deliver(paper)
    public_id = paper.record(JINAN).public_id
    client.force_login(paper.users["jinan_clerk"])

    response = _post(
        client,
        public_id,
        collector_id_number="110101199003074477",
        camera_image=_upload("camera.jpg", b"GIF89a", "image/gif"),
        signature_strokes="",
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "高拍仪图像：图像无法读取" in text
    assert "领证人签名：请领证人在签名板上签名" in text
    _nothing_changed(paper)
    response = _post(client, public_id, collector_id_number="110101199003074477")
    assert "领证人与证书持有人不符" in response.content.decode()
    _nothing_changed(paper)


def test_a_proxy_on_the_page_needs_the_authorisation_picture(paper: Paper, client: Client) -> None:
    deliver(paper)
    public_id = paper.record(JINAN).public_id
    client.force_login(paper.users["jinan_clerk"])
    proxy = {"by_proxy": "on", "collector_name": PROXY_NAME, "collector_id_number": PROXY_ID}

    assert "代领须拍摄或上传" in _post(client, public_id, **proxy).content.decode()
    _nothing_changed(paper)
    authorisation = _upload("委托书.png", picture("PNG"), "image/png")
    assert _post(client, public_id, **proxy, authorisation_image=authorisation).status_code == 302
    assert Collection.objects.get().authorisation_type == "image/png"


def test_the_reader_interface_fields_are_kept_when_the_card_was_read(
    paper: Paper, client: Client
) -> None:
    import base64

    deliver(paper)
    public_id = paper.record(JINAN).public_id
    client.force_login(paper.users["jinan_clerk"])
    photo = picture(size=(102, 126))
    card = {"sex": "男", "nation": "汉", "validTo": "长期"}

    response = _post(
        client,
        public_id,
        id_source="reader",
        id_card_photo="data:image/jpeg;base64," + base64.b64encode(photo).decode(),
        id_card_data=json.dumps(card, ensure_ascii=False),
    )

    assert response.status_code == 302
    collection = Collection.objects.get()
    assert collection.id_source == "reader"
    assert bytes(collection.id_card_photo or b"") == photo
    assert collection.id_card_data == card


def test_a_clerk_of_another_city_is_told_not_found(paper: Paper, client: Client) -> None:
    deliver(paper)
    public_id = paper.record(JINAN).public_id
    client.force_login(paper.users["qingdao_clerk"])

    assert client.get(reverse("backoffice:paper_collect", args=[public_id])).status_code == 404
    assert _post(client, public_id).status_code == 404
    _nothing_changed(paper)


def test_the_evidence_digest_covers_every_piece(paper: Paper) -> None:
    from ecert.core.rules.collection import evidence_check

    today = date(2026, 11, 20)
    one = evidence_check(evidence(), today=today).digest()
    assert one == evidence_check(evidence(), today=today).digest()
    for change in (
        {"camera_image": picture(text="other")},
        {"signature_strokes": [STROKES[0]]},
        {"id_card_data": {"validTo": "20400102"}},
        {"id_card_photo": picture(size=(102, 127))},
    ):
        assert evidence_check(replace(evidence(), **change), today=today).digest() != one


def test_the_sqlite_and_postgresql_rows_hold_binary_evidence_intact(paper: Paper) -> None:
    deliver(paper)
    collection = _collect(paper, evidence=by_proxy())
    fresh = Collection.objects.get(pk=collection.pk)

    assert bytes(fresh.camera_image) == by_proxy().camera_image
    assert bytes(fresh.authorisation_image or b"") == by_proxy().authorisation_image
    assert io.BytesIO(bytes(fresh.signature_png)).read(8) == b"\x89PNG\r\n\x1a\n"
    assert PaperCertificate.objects.get(pk=fresh.certificate_id).state == "handed_over"
