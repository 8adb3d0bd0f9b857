"""Sealed PDFs of credentials and scoped (加注) copies: made once, stored by hash, audited.

A sealed PDF is rendered (Typst), signed (PAdES, or an SM2/SM3 CMS where the issuing authority's
key is SM2; ``pades.pdf_seal`` chooses) and written to
ECERT_DATA_DIR/documents/<aa>/<sha256>.pdf before its row is saved; the row is what makes it
count. A second request for the same credential version finds the row and returns the same file,
so the holder, the employer and the archive all hold the very same bytes.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import unicodedata
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ecert.accounts.models import User
from ecert.audit.services import audit_record
from ecert.core.documents.ofd import OFD_REFUSALS
from ecert.core.documents.ofd_original import sealed_page_ofd
from ecert.core.documents.pades import pdf_seal
from ecert.core.documents.render import FontSet, Page, Picture, Renderer
from ecert.core.errors import EcertError
from ecert.core.formats.qr import qr_text
from ecert.core.rules.issuing import KIND_LABELS
from ecert.core.rules.kinds import CredentialKind, CredentialStatus, is_paper_record
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_copy_sign
from ecert.documents.faces import QUERY_RESULT_VALIDITY, page_for
from ecert.documents.models import Media, ScopedCopy, SealedDocument
from ecert.documents.seals import seal_picture
from ecert.signing.services import ofd_sealing_key, sealing_key

DOCUMENT_DIR = "documents"
OFD_MEDIA_TYPE = "application/ofd"  # as the e-licence platforms and OFD readers name it
PURPOSE_LIMIT = 20  # characters, as the claims allow
SCOPE_MAX_DAYS = 366

# The refusals of the renderer and the certificate faces (core and ours), by code.
RENDER_REFUSALS = frozenset(
    {
        "no_fonts",
        "bad_font",
        "no_pages",
        "layout_failed",
        "uncovered_character",
        "no_face",
        "unknown_field",
        "missing_field",
        "bad_photo",
    }
)
_QR_REFUSALS = frozenset(  # ecert.core.formats.qr
    {
        "bad_length",
        "bad_value",
        "bad_character",
        "bad_host",
        "bad_scheme",
        "not_ecert",
        "empty",
        "too_long",
        "too_big",
        "unsupported_version",
    }
)
# PAdES or SM2 CMS (an SM2 key with a timestamp authority configured is ``signing_failed``)
_SEAL_REFUSALS = frozenset({"unreadable_pdf", "signing_failed", "unsupported_algorithm"})
# What making a sealed PDF refuses with (document_original, document_scoped), by code: its own
# refusals, the renderer's, the QR code's, the PAdES seal's, and those of the key it is sealed
# with. A key store that fails while sealing is none of these: it goes up as it is, as it always
# did, and is never shown to a holder.
DOCUMENT_REFUSALS = (
    RENDER_REFUSALS
    | _QR_REFUSALS
    | _SEAL_REFUSALS
    | OFD_REFUSALS  # an OFD original's page holds what the translation does not carry
    | {
        "unsigned",
        "not_valid",
        "no_seal",
        "no_key",
        "no_root",
        "paper_record",
        "not_a_paper_record",
    }
)
# What recording a 加注 copy refuses with (scoped_copy_create), by code. Claims that cannot be
# signed (a purpose with a line separator, say) are not among them, nor is a key store that fails.
SCOPED_COPY_REFUSALS = frozenset(
    {
        "unsigned",
        "not_valid",
        "no_seal",
        "bad_purpose",
        "bad_valid_until",
        "uncovered_character",
        "no_key",
        "no_qualification",
    }
)


@cache
def renderer() -> Renderer:
    """The process's renderer: fonts are read and the compiler built once."""
    return Renderer(settings.ECERT_FACES_DIR, FontSet.from_dirs(settings.ECERT_FONT_DIRS))


def document_path(document: SealedDocument) -> Path:
    return Path(settings.ECERT_DATA_DIR) / document.path


def _version(signed: bytes) -> str:
    return hashlib.sha256(signed).hexdigest()


def _check_sealable(credential: Credential) -> bytes:
    if credential.signed is None:
        raise EcertError(
            "unsigned", "证书尚未签发，无法生成电子证书文件", "the credential has not been signed"
        )
    if credential.status != CredentialStatus.VALID:
        raise EcertError(
            "not_valid",
            "证书当前不是有效状态，不提供电子证书文件",
            f"the credential is {credential.status}; no document is produced",
        )
    return bytes(credential.signed)


def document_original(
    *, actor: User | None, credential: Credential, now: datetime, media: Media = Media.PDF
) -> SealedDocument:
    """The sealed original of ``credential``'s current signed version, made the first time it is
    asked: a PDF, or an OFD with the issuer's GB/T 38540 electronic seal. A paper certificate's
    record has none: it yields a query result (``query_result_document``)."""
    signed = _check_sealable(credential)
    if is_paper_record(credential.kind, credential.form):
        raise EcertError(
            "paper_record",
            "这是纸质证书在证书数据库中的记录，没有电子原件；可下载证书查询结果文件",
            "this is the record of a paper certificate and has no electronic original; "
            "download its query result instead",
        )
    version = _version(signed)
    existing = SealedDocument.objects.filter(
        credential=credential, version=version, scoped_copy__isnull=True, media=media
    ).first()
    if existing is not None:
        return existing
    if media == Media.OFD:
        data = _sealed_ofd(credential, signed, now=now)
    else:
        data = _sealed_pdf(credential, signed, scope=None, reason=_reason(credential), now=now)
    return _store(
        actor=actor,
        credential=credential,
        version=version,
        data=data,
        now=now,
        copy=None,
        media=media,
    )


def exchange_document(
    credential: Credential, *, actor: User | None = None, now: datetime | None = None
) -> tuple[bytes, str, str]:
    """The sealed document the e-licence platforms receive (docs/formats/elicence.md): its bytes,
    media type and file extension. The one place the exchange takes its document from: the OFD
    original with the issuer's electronic seal (``document_original``, same refusals)."""
    document = document_original(
        actor=actor, credential=credential, now=now or timezone.now(), media=Media.OFD
    )
    return document_path(document).read_bytes(), OFD_MEDIA_TYPE, "ofd"


def scoped_copy_create(
    *, actor: User | None, credential: Credential, purpose: str, valid_until: date, now: datetime
) -> ScopedCopy:
    """A 加注 copy: the credential signed again with ``purpose`` and a last valid day."""
    _check_sealable(credential)
    _issuer_seal(credential)  # refused now rather than after the copy is recorded
    purpose = _clean_purpose(purpose)
    today = timezone.localdate(now)  # the holder's day, in the deployment's time zone
    if not today < valid_until <= today + timedelta(days=SCOPE_MAX_DAYS):
        raise EcertError(
            "bad_valid_until",
            f"有效期须在明天至 {SCOPE_MAX_DAYS} 天之内",
            f"the last valid day must be between tomorrow and {SCOPE_MAX_DAYS} days from today",
        )
    missing = renderer().fonts.missing(purpose)
    if missing:
        raise EcertError(
            "uncovered_character",
            f"用途中的字“{missing[0]}”无法打印",
            f"the purpose has a character no font draws (U+{ord(missing[0]):04X})",
        )
    signed = credential_copy_sign(
        credential=credential, purpose=purpose, valid_until=valid_until, now=now
    )
    with transaction.atomic():
        copy = ScopedCopy.objects.create(
            reference=secrets.token_hex(6).upper(),
            credential=credential,
            purpose=purpose,
            valid_until=valid_until,
            signed=signed,
            requested_by=actor,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="document.scoped_copy_created",
            authority=credential.issuing_authority,
            object_type="credential",
            object_id=credential.public_id,
            data={"reference": copy.reference, "valid_until": valid_until.isoformat()},
            at=now,
        )
    return copy


QUERY_RESULT_PURPOSE = "证书查询结果"


def query_result_document(*, credential: Credential, now: datetime) -> SealedDocument:
    """The electronic query result of a paper certificate the certificate database keeps (seed
    001 三(一)): a sealed PDF that states the record, masks the holder's ID number and says it is
    a query result, not a certificate, valid for 90 days. Its QR code carries the record's claims
    with this purpose and last day, so revoking the record voids it. One a day per record."""
    if not is_paper_record(credential.kind, credential.form):
        raise EcertError(
            "not_a_paper_record",
            "电子证书可直接下载原件，无需查询结果文件",
            "an electronic certificate is downloaded itself; it has no query result",
        )
    today = timezone.localdate(now)
    copy = (
        ScopedCopy.objects.filter(
            credential=credential, purpose=QUERY_RESULT_PURPOSE, created_at__date=today
        )
        .order_by("-created_at")
        .first()
    )
    if copy is None:
        copy = scoped_copy_create(
            actor=None,
            credential=credential,
            purpose=QUERY_RESULT_PURPOSE,
            valid_until=today + QUERY_RESULT_VALIDITY,
            now=now,
        )
    return document_scoped(actor=None, scoped_copy=copy, now=now)


def document_scoped(
    *, actor: User | None, scoped_copy: ScopedCopy, now: datetime
) -> SealedDocument:
    """The sealed PDF of a 加注 copy, made once."""
    existing = SealedDocument.objects.filter(scoped_copy=scoped_copy).first()
    if existing is not None:
        return existing
    credential = scoped_copy.credential
    _check_sealable(credential)
    signed = bytes(scoped_copy.signed)
    scope = (scoped_copy.purpose, scoped_copy.valid_until)
    until = f"有效期至 {scoped_copy.valid_until:%Y-%m-%d}"
    if is_paper_record(credential.kind, credential.form):
        reason = f"{QUERY_RESULT_PURPOSE} {credential.public_id}（{until}）"
    else:
        reason = f"{_reason(credential)}（加注：{scoped_copy.purpose}，{until}）"
    pdf = _sealed_pdf(credential, signed, scope=scope, reason=reason, now=now)
    return _store(
        actor=actor,
        credential=credential,
        version=_version(signed),
        data=pdf,
        now=now,
        copy=scoped_copy,
    )


def _issuer_seal(credential: Credential) -> Picture:
    """The issuing authority's seal picture; without one no document is made.

    A document without the issuer's red seal would look like a forgery to anyone holding it
    beside the notice's template; the issuer's administrator uploads the picture first.
    """
    issuer = credential.issuing_authority
    seal = seal_picture(issuer)
    if seal is None:
        raise EcertError(
            "no_seal",
            f"签发机构“{issuer.name}”尚未设置印章图片，请机构管理员在后台上传后再生成",
            f"the issuing authority {issuer.key} has no seal picture yet: its administrator "
            "uploads one in the back office first",
        )
    return seal


def _clean_purpose(purpose: str) -> str:
    text = unicodedata.normalize("NFC", purpose).strip()
    if not text or len(text) > PURPOSE_LIMIT:
        raise EcertError(
            "bad_purpose",
            f"用途须填写，且不超过 {PURPOSE_LIMIT} 个字",
            f"the purpose is required and at most {PURPOSE_LIMIT} characters",
        )
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise EcertError("bad_purpose", "用途含有控制字符", "the purpose has control characters")
    return text


def _reason(credential: Credential) -> str:
    """The signature's stated reason: which document this is and its public id."""
    zh, _en = KIND_LABELS.get(CredentialKind(credential.kind), ("电子证书", "certificate"))
    return f"{zh} {credential.public_id}"


def _sealed_pdf(
    credential: Credential,
    signed: bytes,
    *,
    scope: tuple[str, date] | None,
    reason: str,
    now: datetime,
) -> bytes:
    seal = _issuer_seal(credential)
    text = qr_text(settings.ECERT_VERIFY_HOST, signed, scheme=settings.ECERT_VERIFY_SCHEME)
    page: Page = page_for(credential, qr_text=text, seal=seal, scope=scope)
    pdf = renderer().document([page], created=credential.signed_at or now)
    key = sealing_key(credential.issuing_authority, CredentialKind(credential.kind), now)
    return pdf_seal(
        pdf,
        key,
        reason=reason,
        location=credential.issuing_authority.name,
        timestamp_url=settings.ECERT_TSA_URL,
    )


def _sealed_ofd(credential: Credential, signed: bytes, *, now: datetime) -> bytes:
    """The OFD original (``sealed_page_ofd``): the credential's page with the QR code as a
    picture, so that a reader of the package finds it, and the seal picture left to the GB/T
    38540 seal's stamp annotation, made with the issuer's electronic seal (``ofd_sealing_key``)."""
    key = ofd_sealing_key(credential.issuing_authority, CredentialKind(credential.kind), now)
    seal = _issuer_seal(credential)
    text = qr_text(settings.ECERT_VERIFY_HOST, signed, scheme=settings.ECERT_VERIFY_SCHEME)
    created = credential.signed_at or now
    return sealed_page_ofd(
        renderer(),
        page_for(credential, qr_text=text, seal=seal, scope=None),
        key=key,
        title=_reason(credential),
        created=created,
        doc_id=hashlib.sha256(b"ecert-ofd\0" + signed).hexdigest()[:32],
        at=now,
    )


def pdf_file_write(
    pdf: bytes, folder: str = DOCUMENT_DIR, *, suffix: str = ".pdf"
) -> tuple[str, str]:
    """Write ``pdf`` (or an OFD, with its ``suffix``) to ECERT_DATA_DIR/<folder>/<aa>/<sha256><suffix>,
    atomically and flushed to the disk, unless it is there already; its hash and its path under
    the data directory."""
    digest = hashlib.sha256(pdf).hexdigest()
    relative = Path(folder) / digest[:2] / f"{digest}{suffix}"
    target = Path(settings.ECERT_DATA_DIR) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(pdf)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return digest, str(relative)


def _store(
    *,
    actor: User | None,
    credential: Credential,
    version: str,
    data: bytes,
    now: datetime,
    copy: ScopedCopy | None,
    media: Media = Media.PDF,
) -> SealedDocument:
    digest, relative = pdf_file_write(data, suffix=f".{media}")
    try:
        with transaction.atomic():
            document = SealedDocument.objects.create(
                credential=credential,
                scoped_copy=copy,
                version=version,
                sha256=digest,
                size=len(data),
                path=relative,
                timestamped=media == Media.PDF and bool(settings.ECERT_TSA_URL),
                media=media,
                created_at=now,
            )
            audit_record(
                actor=actor,
                action="document.sealed",
                authority=credential.issuing_authority,
                object_type="credential",
                object_id=credential.public_id,
                data={
                    "sha256": digest,
                    "scoped_copy": copy.reference if copy else None,
                    "media": str(media),
                },
                at=now,
            )
    except IntegrityError:
        # Another request sealed the same version first: theirs is the one everybody gets.
        found = SealedDocument.objects.filter(
            credential=credential, version=version, scoped_copy=copy, media=media
        ).first()
        if found is None:
            raise
        if found.sha256 != digest:
            (Path(settings.ECERT_DATA_DIR) / relative).unlink(missing_ok=True)
        return found
    return document
