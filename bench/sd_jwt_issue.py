"""Issuing an SD-JWT VC (issue 19): ``sd_jwt_vc.issue`` of a typical national certificate's claims
with an ES256 ``SoftwareKey``, beside the bare ES256 signature (cryptography) of the same JWS
signing input with the same key object, in the same run. The budget is the issue's: at least
5,000 issuances a second on one core. In-process, one thread: per-core rates.
"""

from __future__ import annotations

from typing import Any

from bench.core_fixture import library_versions, make_key, national_certificate_claims
from bench.harness import Baseline, Budget, Figure, Report
from bench.rates import SECONDS_PER_MEASUREMENT, compare, detail, load_note
from ecert.core.formats import sd_jwt_vc
from ecert.core.formats.algorithms import Algorithm

NAME = "sd-jwt-issue"
TARGET_PER_SECOND = 5_000  # issue 19: SD-JWT VC issuance ≥ 5,000/s per core
ISSUANCE = sd_jwt_vc.Issuance(
    issuer_url="https://verify.example.cn",
    kid=bytes.fromhex("0a0b0c0d"),
    authority_name="山东省人力资源和社会保障厅",
    qualification_name="一级建造师",
    issued_at=1_765_000_000,
)


def run(rows: int, selected: list[str]) -> Report:
    """In-process; ``rows`` and ``selected`` (databases) do not apply."""
    del rows, selected
    report = Report(notes=[load_note(NAME)])
    claims = national_certificate_claims()
    key = make_key(Algorithm.ES256)
    issued = sd_jwt_vc.issue(claims, key.signer, ISSUANCE)
    signing_input = issued.split("~")[0].rsplit(".", 1)[0].encode("ascii")

    def ours() -> str:
        return sd_jwt_vc.issue(claims, key.signer, ISSUANCE)

    def bare() -> bytes:
        return key.bare_sign(signing_input)

    ours_rate, bare_rate = compare(ours, bare)
    data: dict[str, Any] = {
        "disclosures": len(issued.split("~")) - 2,
        "sd_jwt_chars": len(issued),
        "issue": ours_rate.as_dict(),
        "bare_sign": bare_rate.as_dict(),
    }
    report.measurements.append({"benchmark": NAME, **data})
    report.figures.append(
        Figure(
            benchmark=NAME,
            name="issue an SD-JWT VC (sd_jwt_vc.issue, ES256)",
            database="ES256",
            value=data["issue"]["per_second"],
            unit="issuances/s",
            detail=detail(data["issue"]),
            budget=Budget(TARGET_PER_SECOND, higher_is_better=True, note="≥ 5,000/s per core"),
            baseline=Baseline("cryptography ECDSA P-256 sign", data["bare_sign"]["per_second"]),
        )
    )
    report.notes.append(
        f"{NAME}: a national certificate's claims ({data['disclosures']} disclosures, "
        f"{len(sd_jwt_vc.DISCLOSABLE)} digests with decoys, {len(issued)} characters), fresh "
        f"salts from secrets each time; ~{SECONDS_PER_MEASUREMENT:g} s CPU per rate in "
        "alternating rounds, one thread. The bare call signs the same JWS signing input with "
        "the same key object."
    )
    report.notes.append(library_versions())
    return report
