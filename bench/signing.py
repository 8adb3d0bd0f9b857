"""Signing and verifying a credential through our COSE code, beside the bare library call (issue 3).

For each algorithm (ES256, EdDSA, SM2): ``cose.sign1`` of the v1 claims of a typical national
certificate with a ``SoftwareKey``, and ``cose.decode_sign1`` + ``cose.verify_sign1`` of the result,
each measured in the same run as the library signing or verifying the same bytes (the
Sig_structure our code signs) with the same key object: cryptography for ES256 and Ed25519,
tongsuopy for SM2. The target is ours ÷ bare ≥ 0.8. In-process, one thread: per-core rates.
"""

from __future__ import annotations

from typing import Any

from bench.core_fixture import (
    ALGORITHMS,
    BenchKey,
    library_versions,
    make_key,
    name,
    national_certificate_claims,
)
from bench.harness import Baseline, Budget, Figure, Report
from bench.rates import SECONDS_PER_MEASUREMENT, compare, detail, load_note
from ecert.core.formats import cose
from ecert.core.formats.algorithms import load_verification_key

NAME = "signing"
TARGET_RATIO = 0.8  # issue 3: our COSE code at least 0.8 × the bare library rate
BARE_LABELS = {
    "ES256": "cryptography ECDSA P-256",
    "EdDSA": "cryptography Ed25519",
    "SM2": "tongsuopy SM2/SM3",
}
UNITS = {"sign": "signatures/s", "verify": "verifications/s"}
TITLES = {
    "sign": "sign COSE_Sign1 (cose.sign1)",
    "verify": "verify COSE_Sign1 (decode_sign1 + verify_sign1)",
}


def _measure(key: BenchKey, claims_bytes: bytes) -> dict[str, Any]:
    kid = key.kid
    verification_key = load_verification_key(key.signer.public_key_der())
    signed = cose.sign1(claims_bytes, key.signer, kid=kid, tagged=False)
    message = cose.decode_sign1(signed)
    if not cose.verify_sign1(message, verification_key):
        raise RuntimeError(f"{name(key.algorithm)}: our own signature does not verify")
    # The bytes our code signs and verifies; the bare calls work on exactly these.
    to_be_signed = cose.sig_structure(message.protected, message.payload)
    bare_signature = key.bare_sign(to_be_signed)
    key.bare_verify(bare_signature, to_be_signed)

    def ours_sign() -> bytes:
        return cose.sign1(claims_bytes, key.signer, kid=kid, tagged=False)

    def bare_sign() -> bytes:
        return key.bare_sign(to_be_signed)

    def ours_verify() -> bool:
        return cose.verify_sign1(cose.decode_sign1(signed), verification_key)

    def bare_verify() -> None:
        key.bare_verify(bare_signature, to_be_signed)

    sign_ours, sign_bare = compare(ours_sign, bare_sign)
    verify_ours, verify_bare = compare(ours_verify, bare_verify)
    return {
        "algorithm": name(key.algorithm),
        "claims_bytes": len(claims_bytes),
        "cose_bytes": len(signed),
        "sign_ours": sign_ours.as_dict(),
        "sign_bare": sign_bare.as_dict(),
        "verify_ours": verify_ours.as_dict(),
        "verify_bare": verify_bare.as_dict(),
    }


def _figures(data: dict[str, Any]) -> list[Figure]:
    algorithm = data["algorithm"]
    figures = []
    for operation, title in TITLES.items():
        ours, bare = data[f"{operation}_ours"], data[f"{operation}_bare"]
        figures.append(
            Figure(
                benchmark=NAME,
                name=title,
                database=algorithm,
                value=ours["per_second"],
                unit=UNITS[operation],
                detail=detail(ours),
                budget=Budget(
                    TARGET_RATIO * bare["per_second"],
                    higher_is_better=True,
                    note=f"ratio ≥ {TARGET_RATIO:g}",
                ),
                baseline=Baseline(f"{BARE_LABELS[algorithm]} {operation}", bare["per_second"]),
            )
        )
    return figures


def run(rows: int, selected: list[str]) -> Report:
    """In-process; ``rows`` and ``selected`` (databases) do not apply."""
    del rows, selected
    report = Report(notes=[load_note(NAME)])
    claims_bytes = national_certificate_claims().to_cbor()
    for algorithm in ALGORITHMS:
        data = _measure(make_key(algorithm), claims_bytes)
        report.figures.extend(_figures(data))
        report.measurements.append({"benchmark": NAME, **data})
    report.notes.append(
        f"{NAME}: v1 claims of a national certificate ({len(claims_bytes)} bytes: 3-character "
        "name, resident ID, qualification code, level, specialty), COSE_Sign1 untagged as "
        f"issuance makes it; ~{SECONDS_PER_MEASUREMENT:g} s CPU per rate in alternating rounds, one "
        "thread (per-core rates). The bare call signs/verifies the same Sig_structure bytes with "
        f"the same key object. Budget = {TARGET_RATIO:g} × the bare rate of the same run."
    )
    report.notes.append(library_versions())
    return report
