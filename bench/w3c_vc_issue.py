"""Issuing a W3C VC 2.0 export (issue 19): ``credential_vc`` then ``vc_jwt`` (the holder's
``application/vc+jwt`` download without its database reads) of a typical national certificate's
claims with an ES256 ``SoftwareKey``, beside the bare ES256 signature (cryptography) of the same
JWS signing input with the same key object, in the same run, as ``sd-jwt-issue`` measures the
SD-JWT VC. The issue sets no budget for this format: the figure is information. In-process, one
thread: per-core rates.
"""

from __future__ import annotations

from typing import Any

from bench.core_fixture import library_versions, make_key, national_certificate_claims
from bench.harness import Baseline, Figure, Report
from bench.rates import SECONDS_PER_MEASUREMENT, compare, detail, load_note
from ecert.core.formats.algorithms import Algorithm
from ecert.core.formats.w3c_vc import credential_vc, vc_jwt

NAME = "w3c-vc-issue"
BASE_URL = "https://verify.example.cn"
KID = bytes.fromhex("0a0b0c0d")
ISSUER_NAME = "山东省人力资源和社会保障厅"
QUALIFICATION_NAME = "一级建造师"


def run(rows: int, selected: list[str]) -> Report:
    """In-process; ``rows`` and ``selected`` (databases) do not apply."""
    del rows, selected
    report = Report(notes=[load_note(NAME)])
    claims = national_certificate_claims()
    key = make_key(Algorithm.ES256)

    def ours() -> str:
        vc = credential_vc(
            claims,
            base_url=BASE_URL,
            issuer_name=ISSUER_NAME,
            qualification_name=QUALIFICATION_NAME,
        )
        return vc_jwt(vc, key.signer, kid=KID)

    issued = ours()
    signing_input = issued.rsplit(".", 1)[0].encode("ascii")

    def bare() -> bytes:
        return key.bare_sign(signing_input)

    ours_rate, bare_rate = compare(ours, bare)
    data: dict[str, Any] = {
        "vc_jwt_chars": len(issued),
        "issue": ours_rate.as_dict(),
        "bare_sign": bare_rate.as_dict(),
    }
    report.measurements.append({"benchmark": NAME, **data})
    report.figures.append(
        Figure(
            benchmark=NAME,
            name="issue a W3C VC 2.0 (credential_vc + vc_jwt, ES256)",
            database="ES256",
            value=data["issue"]["per_second"],
            unit="issuances/s",
            detail=detail(data["issue"]),
            baseline=Baseline("cryptography ECDSA P-256 sign", data["bare_sign"]["per_second"]),
        )
    )
    report.notes.append(
        f"{NAME}: a national certificate's claims as a W3C VC 2.0 with its Bitstring Status List "
        f"entry, secured as vc+jwt ({len(issued)} characters); ~{SECONDS_PER_MEASUREMENT:g} s CPU "
        "per rate in alternating rounds, one thread. The bare call signs the same JWS signing "
        "input with the same key object."
    )
    report.notes.append(library_versions())
    return report
