"""What a verifier is told: the verdict first, then the credential's facts as a third party may see
them (name and ID number masked), the checks behind the verdict, and the number that replaced a
superseded credential. One shape for the page, the API and the result sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from ecert.core.formats.claims import Claims
from ecert.core.formats.trust_list import TrustList
from ecert.core.formats.verify import Check, Outcome, Verdict, VerificationResult
from ecert.core.identity.idnumbers import mask_id_number
from ecert.core.identity.names import mask_name
from ecert.core.rules.issuing import KIND_LABELS
from ecert.core.rules.kinds import CredentialKind, CredentialStatus, is_paper_record
from ecert.core.rules.paper import interim_note
from ecert.core.rules.titles import GRASSROOTS
from ecert.credentials.models import Credential
from ecert.credentials.services import holder_id_number
from ecert.titles.selectors import NumberReading, title_number_reading

# Verdicts that mean "this is a genuine credential" (whatever its status now).
GENUINE = frozenset(Verdict) - {Verdict.UNTRUSTED, Verdict.NOT_GENUINE}

VERDICT_LABELS: dict[Verdict, tuple[str, str]] = {
    Verdict.VALID: ("真实有效", "Genuine and valid"),
    Verdict.VALID_STATUS_UNKNOWN: ("真实，状态未知", "Genuine; its status is unknown"),
    Verdict.SUSPENDED: ("真实，已暂停使用", "Genuine, but suspended"),
    Verdict.REVOKED: ("真实，已撤销", "Genuine, but revoked"),
    Verdict.SUPERSEDED: (
        "真实，已换发新证书",
        "Genuine, but replaced: a new certificate was issued",
    ),
    Verdict.EXPIRED: ("真实，已过有效期", "Genuine, but past its last valid day"),
    Verdict.NOT_YET_VALID: ("真实，尚未生效", "Genuine, but not valid yet"),
    Verdict.HOLDER_MISMATCH: ("真实，但与所给持证人不符", "Genuine, but not this holder's"),
    Verdict.UNTRUSTED: ("签发者不受信任", "Not signed by a trusted issuer"),
    Verdict.NOT_GENUINE: ("不是真实证书", "Not genuine"),
}
# A query that matched nothing (logged as the verdict ``not_found``).
NOT_FOUND_LABEL = ("查无此证（信息不符）", "no such certificate (details do not match)")


# What each check found, in words; keyed by (check, reason). The codes stay in the API's answer.
CHECK_TEXTS: dict[tuple[str, str], tuple[str, str]] = {
    ("integrity", "ok"): ("签名完好，内容未被改动", "The signature holds: nothing was altered"),
    ("integrity", "bad_signature"): (
        "签名不符：内容已被改动，或不是本系统签发",
        "The signature does not hold: altered, or not issued here",
    ),
    ("integrity", "malformed"): ("码的内容格式不正确", "The code's content is malformed"),
    ("integrity", "unknown_key"): (
        "签名所用的密钥不在信任列表中，无法核对签名",
        "The signing key is not on the trust list, so the signature could not be checked",
    ),
    ("integrity", "registry_record"): (
        "这条记录没有电子签名，由证书数据库作答",
        "This record carries no signature; the certificate database answers for it",
    ),
    ("signer", "ok"): (
        "签发机构的密钥受信任，可以签发此类证书",
        "The issuer's key is trusted to sign certificates of this kind",
    ),
    ("signer", "unknown_signer"): ("签发者未知", "Unknown signer"),
    ("signer", "issuer_mismatch"): (
        "签名密钥不属于证书上写明的签发机构",
        "The signing key is not the named issuer's",
    ),
    ("signer", "signer_not_authorised"): (
        "该密钥无权签发此类证书",
        "The key may not sign certificates of this kind",
    ),
    ("signer", "signer_revoked"): ("签名密钥已被吊销", "The signing key has been revoked"),
    ("signer", "outside_signing_window"): (
        "签名时间不在该密钥的使用期限内",
        "It was signed outside the key's period of use",
    ),
    ("signer", "no_trust_list"): (
        "尚无信任列表，无法确认签发者",
        "No trust list yet: the signer could not be confirmed",
    ),
    ("signer", "registry_record"): (
        "签发机构以证书数据库的记录为准",
        "The issuer is as the certificate database records it",
    ),
    ("status", "ok"): ("状态有效", "Status: valid"),
    ("status", "suspended"): ("已被签发机构暂停使用", "Suspended by the issuing authority"),
    ("status", "revoked"): ("已被签发机构撤销", "Revoked by the issuing authority"),
    ("status", "superseded"): (
        "已换发新证书，本证书已被取代",
        "Replaced: a new certificate was issued",
    ),
    ("status", "no_status_list"): (
        "没有该证书的状态列表，状态未知",
        "No status list for this certificate: status unknown",
    ),
    ("status", "status_list_expired"): (
        "状态列表已过期，状态未知",
        "The status list is out of date: status unknown",
    ),
    ("validity", "ok"): ("在有效期内", "Within its period of validity"),
    ("validity", "not_yet_valid"): ("尚未到签发日期", "Its issue date has not come yet"),
    ("validity", "expired"): ("已过最后有效日", "Past its last valid day"),
    ("holder", "ok"): ("与所给持证人信息相符", "Matches the holder details given"),
    ("holder", "not_asked"): (
        "未核对持证人（没有给出姓名或证件号码）",
        "Holder not checked (no name or ID number given)",
    ),
    ("holder", "name_mismatch"): ("与所给姓名不符", "Does not match the name given"),
    ("holder", "id_number_mismatch"): (
        "与所给证件号码不符",
        "Does not match the ID number given",
    ),
}
CHECK_NOT_DONE = ("未检查", "Not checked")


def check_key(check: Check) -> tuple[str, str]:
    """The key of ``check``'s words in CHECK_TEXTS: every ``malformed_…`` reads the same."""
    reason = "malformed" if check.reason.startswith("malformed_") else check.reason
    return check.name, reason


def check_text(check: Check) -> tuple[str, str]:
    """What ``check`` found, in Chinese and English; a check that was not reached says so."""
    return CHECK_TEXTS.get(check_key(check), CHECK_NOT_DONE)


@dataclass(frozen=True)
class Facts:
    """A credential's facts for a third party: never more personal data than needed."""

    public_id: str
    kind: CredentialKind
    holder_name: str  # masked: the surname only
    id_number: str  # masked: first four and last four
    qualification: str
    level: str
    specialty: str
    approval_date: date
    number: str
    issue_date: date
    issuer: str
    issuer_key: str  # the authority whose seal the page shows
    valid_until: date | None = None
    purpose: str | None = None  # a 加注 copy's purpose
    reading: NumberReading | None = None  # a title certificate's number, read into its parts
    paper: bool = False  # a paper certificate the certificate database keeps (not electronic)
    # A Henan e-proof whose paper certificate was handed out that day (seed 004 一(四)).
    interim_ended_on: date | None = None

    def kind_label(self) -> tuple[str, str]:
        """What the credential is, in Chinese and English; a paper record says so."""
        if self.paper:
            return PAPER_RECORD_LABEL
        return KIND_LABELS[self.kind]

    def interim_note(self) -> tuple[str, str] | None:
        """What to say of a proof whose interim period ended, in Chinese and English."""
        return interim_note(self.interim_ended_on) if self.interim_ended_on else None


PAPER_RECORD_LABEL = (
    "纸质证书（证书数据库记录）",
    "paper certificate (on record in the certificate database)",
)


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    checks: tuple[Check, ...]
    facts: Facts | None = None
    replaced_by: str | None = None  # the number of the credential that superseded this one
    credential: Credential | None = None  # the registry's row, when the credential is ours

    @property
    def genuine(self) -> bool:
        return self.verdict in GENUINE

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)


def answer_from_result(
    result: VerificationResult,
    trust_list: TrustList,
    credential: Credential | None,
) -> Answer:
    """The answer to a verified signed payload; facts only for a payload whose signature holds."""
    verdict = result.verdict
    claims = result.claims
    if claims is None or verdict in (Verdict.NOT_GENUINE, Verdict.UNTRUSTED):
        return Answer(verdict, result.checks)
    facts = _facts_from_claims(claims, trust_list)
    if credential is not None and is_paper_record(credential.kind, credential.form):
        facts = replace(facts, paper=True)
    if credential is not None and credential.interim_ended_on is not None:
        facts = replace(facts, interim_ended_on=credential.interim_ended_on)
    return Answer(
        verdict,
        result.checks,
        facts,
        replaced_by=_replacement_number(credential, verdict),
        credential=credential,
    )


def answer_from_registry(credential: Credential, today: date) -> Answer:
    """The answer for a registry record that carries no signature (a paper certificate recorded
    from a replacement batch, say): the registry alone vouches for it."""
    status = CredentialStatus(credential.status)
    verdict = Verdict.VALID if status is CredentialStatus.VALID else Verdict(status.value)
    if verdict is Verdict.VALID and credential.issue_date > today:
        verdict = Verdict.NOT_YET_VALID
    checks = (
        Check("integrity", Outcome.UNKNOWN, "registry_record"),
        Check("signer", Outcome.UNKNOWN, "registry_record"),
        Check(
            "status",
            Outcome.PASS if status is CredentialStatus.VALID else Outcome.FAIL,
            "ok" if status is CredentialStatus.VALID else status.value,
        ),
        Check("validity", Outcome.PASS, "ok"),
        Check("holder", Outcome.PASS, "ok"),
    )
    holder = credential.holder
    qualification = credential.qualification
    facts = Facts(
        public_id=credential.public_id,
        kind=CredentialKind(credential.kind),
        holder_name=mask_name(credential.holder_name),
        id_number=mask_id_number(holder_id_number(holder)),
        qualification=qualification.name if qualification is not None else "",
        level=credential.level,
        specialty=credential.specialty,
        approval_date=credential.approval_date,
        number=credential.printed_number(),
        issue_date=credential.issue_date,
        issuer=credential.issuing_authority.name,
        issuer_key=credential.issuing_authority.key,
        reading=_reading(CredentialKind(credential.kind), credential.printed_number()),
        paper=is_paper_record(credential.kind, credential.form),
        interim_ended_on=credential.interim_ended_on,
    )
    return Answer(verdict, checks, facts, _replacement_number(credential, verdict), credential)


def _facts_from_claims(claims: Claims, trust_list: TrustList) -> Facts:
    authority = trust_list.authority(claims.issuer)
    if claims.qualification is not None:
        what = trust_list.qualifications.get(claims.qualification, str(claims.qualification))
    else:
        what = " ".join(part for part in (claims.series, claims.title) if part)
    return Facts(
        public_id=claims.public_id,
        kind=claims.kind.kind,
        holder_name=mask_name(claims.holder_name),
        id_number=mask_id_number(claims.id_number),
        qualification=what,
        level=claims.level or "",
        specialty=claims.specialty or "",
        approval_date=claims.approval_date,
        number=claims.number + (GRASSROOTS if claims.grassroots else ""),
        issue_date=claims.issue_date,
        issuer=authority.name if authority else str(claims.issuer),
        issuer_key=authority.key if authority else "",
        valid_until=claims.valid_until,
        purpose=claims.purpose,
        reading=_reading(
            claims.kind.kind, claims.number + (GRASSROOTS if claims.grassroots else "")
        ),
    )


def _reading(kind: CredentialKind, number: str) -> NumberReading | None:
    if kind is not CredentialKind.TITLE_CERTIFICATE:
        return None
    return title_number_reading(number)


def _replacement_number(credential: Credential | None, verdict: Verdict) -> str | None:
    if credential is None or verdict is not Verdict.SUPERSEDED:
        return None
    newer = Credential.objects.filter(supersedes=credential).select_related("attests").first()
    return newer.printed_number() if newer is not None else None
