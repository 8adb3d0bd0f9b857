"""Request and response bodies of the verification API (/api/v1/verify …)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from ninja import Field, Schema

from ecert.verification.answers import VERDICT_LABELS, Answer


class VerifyIn(Schema):
    qr: str = Field(
        min_length=1,
        max_length=700,
        description="the text of the certificate's QR code (HTTPS://…/V/…), or only its payload",
    )


class QueryIn(Schema):
    """Either name, ID number and number together, or a title certificate's verification code."""

    name: str | None = Field(None, max_length=50, description="holder's name")
    id_number: str | None = Field(None, max_length=40, description="holder's ID number")
    number: str | None = Field(None, max_length=40, description="management or certificate number")
    verification_code: str | None = Field(
        None, max_length=20, description="验证码 of an electronic title certificate"
    )


class CheckOut(Schema):
    name: str = Field(description="integrity, signer, status, validity or holder")
    outcome: str = Field(description="pass, fail, unknown or skipped")
    reason: str


class FactsOut(Schema):
    """The credential's facts as a third party may see them: name and ID number masked."""

    public_id: str
    kind: str
    kind_zh: str
    holder_name: str
    id_number: str
    qualification: str
    level: str
    specialty: str
    number: str
    approval_date: date
    issue_date: date
    issuer: str
    valid_until: date | None = None
    purpose: str | None = None
    form: str = Field(
        "electronic",
        description="electronic, or paper: a paper certificate the certificate database keeps",
    )
    interim_ended_on: date | None = Field(
        None,
        description="a Henan exam proof: the day its paper certificate was handed out, which "
        "ended the proof's standing for the paper certificate in the province",
    )
    interim_note_zh: str | None = None
    interim_note_en: str | None = None


class AnswerOut(Schema):
    verdict: str = Field(
        description="valid, valid_status_unknown, suspended, revoked, superseded, expired, "
        "not_yet_valid, holder_mismatch, untrusted or not_genuine"
    )
    genuine: bool = Field(description="issued by this registry and unaltered, whatever its status")
    message_zh: str
    message_en: str
    replaced_by: str | None = Field(None, description="the number of the replacing certificate")
    facts: FactsOut | None = None
    checks: list[CheckOut]


class QueryOut(Schema):
    found: bool = Field(description="false: no certificate matches all the details given")
    answer: AnswerOut | None = None


class StatusOut(Schema):
    status_index: int
    status: str = Field(description="valid, suspended, revoked or superseded")


def answer_fields(answer: Answer) -> dict[str, Any]:
    """The answer as AnswerOut's fields, in its order, from plain values: what the API sends."""
    zh, en = VERDICT_LABELS[answer.verdict]
    facts = answer.facts
    out: dict[str, Any] = {
        "verdict": answer.verdict.value,
        "genuine": answer.genuine,
        "message_zh": zh,
        "message_en": en,
        "replaced_by": answer.replaced_by,
        "facts": None,
        "checks": [
            {"name": c.name, "outcome": c.outcome.value, "reason": c.reason} for c in answer.checks
        ],
    }
    if facts is not None:
        note = facts.interim_note()
        out["facts"] = {
            "public_id": facts.public_id,
            "kind": facts.kind.value,
            "kind_zh": facts.kind_label()[0],
            "holder_name": facts.holder_name,
            "id_number": facts.id_number,
            "qualification": facts.qualification,
            "level": facts.level,
            "specialty": facts.specialty,
            "number": facts.number,
            "approval_date": facts.approval_date,
            "issue_date": facts.issue_date,
            "issuer": facts.issuer,
            "valid_until": facts.valid_until,
            "purpose": facts.purpose,
            "form": "paper" if facts.paper else "electronic",
            "interim_ended_on": facts.interim_ended_on,
            "interim_note_zh": note[0] if note else None,
            "interim_note_en": note[1] if note else None,
        }
    return out


def answer_out(answer: Answer) -> AnswerOut:
    return AnswerOut.model_validate(answer_fields(answer))


def answer_json(answer: Answer) -> bytes:
    """The JSON of ``answer_out(answer)``, byte for byte, without building and validating the
    schema's objects: the verification API's answer, its busiest (decision 275)."""
    return json.dumps(
        answer_fields(answer), ensure_ascii=False, separators=(",", ":"), default=_iso_date
    ).encode()


def _iso_date(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in an answer")
