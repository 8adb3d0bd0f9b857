"""The seal picture each authority's documents show: uploaded by its administrator, or drawn for
the demo. One picture per authority; a new one replaces the old, and both moves are audited."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import transaction

from ecert.accounts.models import User
from ecert.audit.locks import rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.core.documents.render import Picture
from ecert.core.documents.seals import DEFAULT_SEAL_FONT, check_seal_png, round_seal_png
from ecert.core.errors import EcertError
from ecert.core.formats.trust_list import Purpose
from ecert.core.rules.kinds import AuthorityKind, CredentialKind
from ecert.core.rules.roles import Perm
from ecert.documents.models import SealImage
from ecert.signing.models import ElectronicSeal, SignerKey
from ecert.signing.selectors import signing_plan
from ecert.signing.services import electronic_seal_create, seal_maker_ensure

# The line under the star of a demo seal, by the kind of authority: bodies that issue
# certificates use a special-purpose seal (专用章); an institution's own seal has no caption.
DEMO_CAPTIONS: dict[AuthorityKind, str] = {
    AuthorityKind.MINISTRY: "证书专用章",
    AuthorityKind.EXAM_CENTRE: "证书专用章",
    AuthorityKind.HR_BUREAU: "证书专用章",
    AuthorityKind.DEPARTMENT: "证书专用章",
    AuthorityKind.ASSOCIATION: "证书专用章",
    AuthorityKind.INSTITUTION: "",
}


def seal_image_set(
    *,
    actor: User | None,
    authority: Authority,
    data: bytes,
    now: datetime,
    generated: bool = False,
) -> SealImage:
    """Check ``data`` (a PNG seal picture) and make it ``authority``'s seal, replacing any other.

    Raises EcertError when the picture cannot be used or the actor may not manage the authority.
    """
    if (
        actor is not None
        and not Authority.objects.visible_to(actor, Perm.MANAGE_AUTHORITY)
        .filter(pk=authority.pk)
        .exists()
    ):
        raise EcertError(
            "not_allowed", "您无权更换该机构的印章", "you may not change this authority's seal"
        )
    width, height = check_seal_png(data)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        previous = rows_locked(SealImage.objects.filter(authority=authority)).first()
        seal = previous or SealImage(authority=authority)
        replaced = previous.sha256 if previous is not None else None
        seal.image, seal.sha256, seal.width, seal.height = data, digest, width, height
        seal.generated, seal.uploaded_at = generated, now
        seal.uploaded_by = actor if actor is not None and actor.pk else None
        seal.save()
        audit_record(
            actor=actor,
            action="authority.seal_generated" if generated else "authority.seal_uploaded",
            authority=authority,
            object_type="authority",
            object_id=authority.key,
            data={"sha256": digest, "width": width, "height": height, "replaced": replaced},
            at=now,
        )
    return seal


def seal_demo_create(*, actor: User | None, authority: Authority, now: datetime) -> SealImage:
    """Draw a demo round seal bearing the authority's name and make it the authority's seal."""
    caption = DEMO_CAPTIONS.get(AuthorityKind(authority.kind), "")
    data = round_seal_png(authority.name, DEFAULT_SEAL_FONT, caption=caption)
    return seal_image_set(actor=actor, authority=authority, data=data, now=now, generated=True)


def seal_picture(authority: Authority) -> Picture | None:
    """The authority's seal as a picture for a page, or None when it has none yet."""
    seal = SealImage.objects.filter(authority=authority).first()
    if seal is None:
        return None
    return Picture(data=bytes(seal.image), mime="image/png", width=seal.width, height=seal.height)


def electronic_seals_ensure(
    *, actor: User | None, province: Authority, now: datetime
) -> list[ElectronicSeal]:
    """The GB/T 38540 electronic seal of every issuing authority that has none valid, made by
    ``province``'s seal maker (created first if it has none) from the authority's seal picture,
    for every kind the authority signs (by the catalogue or by a credential key it holds);
    an authority without a seal picture is left out (its documents are refused until it has one).
    Returns the seals made; running it again makes none."""
    maker = seal_maker_ensure(actor=actor, province=province, now=now)
    made = []
    for authority, kinds in sorted(_sealing_kinds().items(), key=lambda item: item[0].key):
        if ElectronicSeal.objects.filter(authority=authority, valid_until__gt=now).exists():
            continue
        image = SealImage.objects.filter(authority=authority).first()
        if image is None:
            continue
        made.append(
            electronic_seal_create(
                actor=actor,
                authority=authority,
                kinds=kinds,
                picture=bytes(image.image),
                maker=maker,
                now=now,
            )
        )
    return made


def _sealing_kinds() -> dict[Authority, set[CredentialKind]]:
    """The kinds each authority signs: the catalogue's plan, and those of its credential keys."""
    plan = signing_plan()
    keys = SignerKey.objects.filter(revoked_at__isnull=True).select_related("authority")
    for key in keys:
        if int(Purpose.CREDENTIALS) in key.purposes:
            plan.setdefault(key.authority, set()).update(CredentialKind(k) for k in key.kinds)
    return plan
