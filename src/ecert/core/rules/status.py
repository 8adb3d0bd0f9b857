"""Which status changes a credential may go through by a clerk's decision.

`superseded` is reached only by issuing a replacement (which links the two credentials), and
`revoked` is final: a revoked credential is never made valid again; a new one is issued instead.
"""

from __future__ import annotations

from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialStatus as S

ALLOWED: dict[S, frozenset[S]] = {
    S.VALID: frozenset({S.SUSPENDED, S.REVOKED}),
    S.SUSPENDED: frozenset({S.VALID, S.REVOKED}),
    S.REVOKED: frozenset(),
    S.SUPERSEDED: frozenset(),
}

_NAMES = {S.VALID: "有效", S.SUSPENDED: "暂停", S.REVOKED: "已撤销", S.SUPERSEDED: "已换发"}


def check_status_change(current: S, new: S, reason: str) -> None:
    """Raise EcertError unless `current` may become `new` for the given reason."""
    if not reason.strip():
        raise EcertError("no_reason", "须填写原因", "a reason is required")
    if new not in ALLOWED[current]:
        raise EcertError(
            "status_not_allowed",
            f"证书状态不能由“{_NAMES[current]}”改为“{_NAMES[new]}”",
            f"a credential cannot go from {current.value} to {new.value}",
        )
