"""A signed Shandong e-proof (seed 000) for a holder of the cast, as the portal tests need one."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from ecert.catalogue.models import Qualification
from ecert.core.rules.kinds import CredentialForm, CredentialKind
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_record
from ecert.signing.services import credential_sign
from tests.conftest import World


def signed_proof(
    world: World, place: str, management_number: str, *, now: datetime | None = None
) -> Credential:
    """A 监理工程师 e-proof for the holder of ``world.credentials[place]``, registered where that
    credential is, signed at ``now`` (default: now) by 山东省人力资源和社会保障厅 (needs the
    ``issuing_keys`` fixture)."""
    source = world.credentials[place]
    credential = credential_record(
        actor=None,
        holder=source.holder,
        kind=CredentialKind.EXAM_PROOF,
        qualification=Qualification.objects.get(key="supervising-engineer"),
        level="",
        specialty="",
        approval_date=date(2025, 9, 1),
        management_number=management_number,
        issuing_authority=world.authorities["sd-hrss"],
        registration_authority=source.registration_authority,
        issue_date=date(2025, 10, 8),
        form=CredentialForm.ELECTRONIC,
        template="shandong-exam-proof",
    )
    credential_sign(actor=None, credential=credential, now=now or timezone.now())
    return Credential.objects.get(pk=credential.pk)
