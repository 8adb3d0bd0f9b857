"""Rules every credential obeys, whichever path records it (one by one, bulk, later the importer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ecert.core.rules.kinds import CredentialForm, CredentialKind


@dataclass(frozen=True)
class QualificationFacts:
    """What the rules need to know of a catalogue qualification."""

    name: str
    abolished: bool
    levels: tuple[str, ...]


class CredentialRuleError(ValueError):
    """The credential breaks a rule of the notices or of the catalogue."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


def check_credential(
    *,
    kind: CredentialKind,
    qualification: QualificationFacts | None,
    level: str,
    approval_date: date,
    issue_date: date,
    form: CredentialForm = CredentialForm.ELECTRONIC,
) -> None:
    """Raise CredentialRuleError for the first rule the credential breaks.

    A paper certificate of an abolished qualification may be recorded (the certificate database
    keeps history, seed 001 附件 一); nothing new but a qualification proof is issued for one."""
    if qualification is None:
        if kind is not CredentialKind.TITLE_CERTIFICATE:
            raise CredentialRuleError("缺少资格", "the qualification is missing")
    else:
        if (
            qualification.abolished
            and kind is not CredentialKind.QUALIFICATION_PROOF
            and form is not CredentialForm.PAPER
        ):
            raise CredentialRuleError(
                f"“{qualification.name}”已被国家取消，只能开具职/执业资格证明",
                f"{qualification.name} was abolished; only a qualification proof can be issued",
            )
        if kind is CredentialKind.QUALIFICATION_PROOF and not qualification.abolished:
            raise CredentialRuleError(
                f"职/执业资格证明只开给已取消的资格，“{qualification.name}”未取消",
                f"qualification proofs are for abolished qualifications; {qualification.name} is not",
            )
        if qualification.levels and level not in qualification.levels:
            raise CredentialRuleError(
                f"“{qualification.name}”没有级别“{level}”（可选：{'、'.join(qualification.levels)}）",
                f"{qualification.name} has no level {level!r} "
                f"(choose from {', '.join(qualification.levels)})",
            )
        if not qualification.levels and level:
            raise CredentialRuleError(
                f"“{qualification.name}”不分级别", f"{qualification.name} has no levels"
            )
    if issue_date < approval_date:
        raise CredentialRuleError(
            "签发日期早于批准日期", "the issue date is earlier than the approval date"
        )
