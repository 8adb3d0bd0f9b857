"""A signed Shandong e-proof (seed 000) for a holder of the cast, as the portal tests need one, and
the trust list as a verifier downloads it, to find the keys that signed an export."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.catalogue.models import Qualification
from ecert.core.formats.trust_list import TrustList, load_trust_list
from ecert.core.rules.kinds import CredentialForm, CredentialKind
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_draft_of, credential_issue
from ecert.signing.services import trust_list_publish
from tests.conftest import World


def signed_proof(
    world: World, place: str, management_number: str, *, now: datetime | None = None
) -> Credential:
    """A 监理工程师 e-proof for the holder of ``world.credentials[place]``, registered where that
    credential is, signed at ``now`` (default: now) by 山东省人力资源和社会保障厅 (needs the
    ``issuing_keys`` fixture)."""
    source = world.credentials[place]
    draft = replace(
        credential_draft_of(source, issue_date=date(2025, 10, 8)),
        kind=CredentialKind.EXAM_PROOF,
        form=CredentialForm.ELECTRONIC,
        issuer=world.authorities["sd-hrss"].pk,
        approval_date=date(2025, 9, 1),
        number=management_number,
        qualification=Qualification.objects.get(key="supervising-engineer").pk,
        level="",
        specialty="",
        template="shandong-exam-proof",
        supersedes=None,
        attests=None,
    )
    return credential_issue(actor=None, draft=draft, now=now or timezone.now())


def published_trust_list(client: Client) -> TrustList:
    """The trust list published now and read as a verifier does: downloaded from the API and
    checked against the downloaded root certificate."""
    trust_list_publish(actor=None, now=timezone.now())
    return load_trust_list(
        client.get(reverse("api:trust_list")).content,
        root_certificate=client.get(reverse("api:root_certificate")).content,
    )
