"""One sealed OFD on demand (issue 19 part 6), beside the sealed PDF of the same page and the bare
SM2 signature, in the same run and loop.

``sealed-ofd``: what the OFD original costs before it is stored (``sealed_page_ofd``, as the
document services call it, without the database): font check, the QR as a PNG picture, the Typst
compile of one face with stand-ins for the QR and the seal, ``ofd_from_pdf`` with the seal left
to the stamp, the GB/T 38540 seal (SM3 of every file, the SES_Signature signed with SM2) and the
zip, for a different holder each time. Budget: p50 ≤ 40
ms, as the sealed PDF's. Baselines in the same loop: the ES256 sealed PDF of the same holder's page
(render + QR + PAdES), and one bare SM2 signature over 32 bytes with the same key store.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bench.documents import FACE, NOW, SEALED_BUDGET_MS, _sealing_key
from bench.harness import Baseline, Budget, Figure, Report
from bench.ofd_render import in_child, setting, spread
from ecert.core.documents.ofd_original import sealed_page_ofd
from ecert.core.documents.ofd_seal import OfdSealKey, check_sealed_ofd
from ecert.core.documents.pades import pdf_seal
from ecert.core.formats.algorithms import Algorithm, generate_key
from ecert.core.formats.ses import SealPicture, seal_make
from ecert.core.formats.x509 import (
    DistinguishedName,
    build_certificate,
    parse_certificate,
    self_signed_root,
)

NAME = "sealed-ofd"
RUNS = 200
WARM_UP = 10


def _seal_key(picture: bytes) -> tuple[OfdSealKey, bytes]:
    """An SM2 root, the province's seal maker and an authority's seal signer, and the seal."""
    root = generate_key(Algorithm.SM2_SM3)
    start, end = NOW - timedelta(days=1), NOW + timedelta(days=3650)
    root_der = self_signed_root(root, DistinguishedName(common_name="印章根证书"), 1, start, end)
    certificates = []
    keys = []
    for serial, name in ((2, "制章机构"), (3, "人力资源社会保障部")):
        key = generate_key(Algorithm.SM2_SM3)
        keys.append(key)
        certificates.append(
            build_certificate(
                issuer_signer=root,
                issuer_name=parse_certificate(root_der),
                subject_name=DistinguishedName(common_name=name),
                subject_public_key_der=key.public_key_der(),
                serial_number=serial,
                not_before=start,
                not_after=end,
                is_ca=False,
            )
        )
    (maker, signer), (maker_cert, signer_cert) = keys, certificates
    seal = seal_make(
        maker=maker,
        maker_certificate=maker_cert,
        es_id="11000000000001",
        name="人力资源社会保障部",
        signer_certificates=[signer_cert],
        picture=SealPicture(picture, 40, 40),
        created=start,
        valid_until=end,
    )
    return OfdSealKey(signer, signer_cert, seal), root_der


def _measure(_: Any) -> dict[str, Any]:
    renderer, seal, pages = setting(RUNS + WARM_UP)
    key, root_der = _seal_key(seal.data)
    pdf_key = _sealing_key()
    # Other holders for the PDFs, so that Typst never reuses the OFD run's compile.
    pdf_pages = [replace(p, fields={**p.fields, "name": p.fields["name"] + "一"}) for p in pages]

    def sealed_ofd(index: int) -> bytes:
        return sealed_page_ofd(
            renderer,
            pages[index],
            key=key,
            title="bench",
            created=NOW,
            doc_id=f"{index:032x}",
            at=NOW,
        )

    for index in range(WARM_UP):
        sealed_ofd(index)
        pdf_seal(renderer.document([pdf_pages[index]], created=NOW), pdf_key, reason="bench")
    ofd_times, pdf_times, sign_times, sizes = [], [], [], []
    last = b""
    digest = bytes(32)
    for index in range(WARM_UP, WARM_UP + RUNS):
        start = time.perf_counter()
        last = sealed_ofd(index)
        ofd_times.append(time.perf_counter() - start)
        sizes.append(len(last))
        start = time.perf_counter()
        pdf_seal(renderer.document([pdf_pages[index]], created=NOW), pdf_key, reason="bench")
        pdf_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        key.signer.sign(digest)
        sign_times.append(time.perf_counter() - start)
    if not check_sealed_ofd(last, [root_der]).original:
        raise RuntimeError("the benchmark's own sealed OFD does not pass the check")
    return {
        "runs": RUNS,
        **spread(ofd_times),
        "pdf_p50_ms": statistics.median(pdf_times) * 1000,
        "sm2_sign_ms": statistics.median(sign_times) * 1000,
        "bytes": int(statistics.median(sizes)),
    }


def run(rows: int, selected: list[str]) -> Report:
    del rows, selected
    data = in_child(_measure)
    report = Report(measurements=[{"benchmark": NAME, **data}])
    report.figures.append(
        Figure(
            benchmark=NAME,
            name=f"one sealed OFD on demand, p50 of {data['runs']} ({FACE.value})",
            database="no database",
            value=data["p50_ms"],
            unit="ms",
            detail=f"p95 {data['p95_ms']:.1f} ms; zip {data['bytes']:,} bytes",
            budget=Budget(SEALED_BUDGET_MS, higher_is_better=False),
            baseline=Baseline("ES256 sealed PDF of the same page", data["pdf_p50_ms"]),
        )
    )
    report.figures.append(
        Figure(
            benchmark=NAME,
            name="bare SM2 signature (32 bytes), p50, same loop",
            database="no database",
            value=data["sm2_sign_ms"],
            unit="ms",
        )
    )
    report.notes.append(
        f"{NAME}: sealed_page_ofd: the QR PNG, Typst with stand-ins for the QR and the seal, "
        "ofd_from_pdf (the pictures put back, the seal left to the stamp), GB/T 38540 seal (SM3 "
        "of every file, SES_Signature with SM2), zip; a different holder each run."
    )
    return report
