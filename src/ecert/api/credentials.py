"""/api/v1/credentials: a clerk's systems change a credential's status (suspend, reinstate,
revoke), within the scope of the token's user, with a reason; the status lists are signed again."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from ecert.accounts.models import User
from ecert.api.errors import ErrorOut
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialStatus
from ecert.core.rules.roles import Perm
from ecert.credentials.selectors import credential_get_for
from ecert.credentials.services import credential_set_status, not_found

router = Router()


class StatusIn(Schema):
    status: CredentialStatus = Field(description="valid (reinstate), suspended or revoked")
    reason: str = Field(min_length=1, max_length=500, description="why; kept in the audit log")


class StatusChanged(Schema):
    public_id: str
    status: CredentialStatus
    previous: CredentialStatus


@router.post(
    "/{public_id}/status",
    response={200: StatusChanged, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    url_name="credential_status",
    summary="Change a credential's status",
)
def status_change(request: HttpRequest, public_id: str, payload: StatusIn) -> StatusChanged:
    """暂停、恢复或撤销证书 / Suspend, reinstate or revoke a credential the caller manages. A
    revoked credential is never valid again; "superseded" comes only from a correction or a
    replacement. Verification, online and offline, answers with the new status at once."""
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User):
        raise not_found(public_id)
    credential = credential_get_for(user=user, public_id=public_id, perm=Perm.MANAGE_CREDENTIAL)
    if credential is None:
        raise not_found(public_id)
    previous = CredentialStatus(credential.status)
    if payload.status is CredentialStatus.SUPERSEDED:
        raise EcertError(
            "not_allowed_status",
            "“已换发”只能通过更正或补换产生",
            "superseded comes only from a correction or a replacement",
            field="status",
        )
    changed = credential_set_status(
        actor=user,
        credential=credential,
        status=payload.status,
        reason=payload.reason,
        now=timezone.now(),
    )
    return StatusChanged(
        public_id=changed.public_id, status=CredentialStatus(changed.status), previous=previous
    )
