"""Rules every credential obeys, whichever path records it (one by one, bulk, later the importer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialForm, CredentialKind


@dataclass(frozen=True)
class QualificationFacts:
    """What the rules need to know of a catalogue qualification."""

    name: str
    abolished: bool
    levels: tuple[str, ...]


def check_credential(
    *,
    kind: CredentialKind,
    qualification: QualificationFacts | None,
    level: str,
    approval_date: date,
    issue_date: date,
    form: CredentialForm = CredentialForm.ELECTRONIC,
) -> None:
    """Raise EcertError for the first rule the credential breaks.

    A paper certificate of an abolished qualification may be recorded (the certificate database
    keeps history, seed 001 附件 一); nothing new but a qualification proof is issued for one."""
    if qualification is None:
        if kind is not CredentialKind.TITLE_CERTIFICATE:
            raise EcertError("qualification_missing", "缺少资格", "the qualification is missing")
    else:
        if (
            qualification.abolished
            and kind is not CredentialKind.QUALIFICATION_PROOF
            and form is not CredentialForm.PAPER
        ):
            raise EcertError(
                "qualification_abolished",
                f"“{qualification.name}”已被国家取消，只能开具职/执业资格证明",
                f"{qualification.name} was abolished; only a qualification proof can be issued",
            )
        if kind is CredentialKind.QUALIFICATION_PROOF and not qualification.abolished:
            raise EcertError(
                "qualification_not_abolished",
                f"职/执业资格证明只开给已取消的资格，“{qualification.name}”未取消",
                f"qualification proofs are for abolished qualifications; {qualification.name} is not",
            )
        if qualification.levels and level not in qualification.levels:
            raise EcertError(
                "level_unknown",
                f"“{qualification.name}”没有级别“{level}”（可选：{'、'.join(qualification.levels)}）",
                f"{qualification.name} has no level {level!r} "
                f"(choose from {', '.join(qualification.levels)})",
            )
        if not qualification.levels and level:
            raise EcertError(
                "levels_none",
                f"“{qualification.name}”不分级别",
                f"{qualification.name} has no levels",
            )
    if issue_date < approval_date:
        raise EcertError(
            "issued_before_approval",
            "签发日期早于批准日期",
            "the issue date is earlier than the approval date",
        )
