"""Sealed PDFs and print files (issue 5), each beside the bare Typst compile of the same pages.

``sealed-pdf``: what an on-demand download costs before it is stored: font check, QR symbol (SVG),
Typst compile of one face (PDF/A-2b) and the PAdES seal with an ES256 key, for a different holder
each time (Typst caches identical inputs, so every request differs, as real ones do). Budget
(DESIGN.md §7): p50 ≤ 40 ms. Baseline: the same page compiled by the bare ``typst.Compiler`` with
the QR SVG made beforehand, nothing else. In the same run and loop, the same work sealed with an
SM2 key (an SM2/SM3 CMS, docs/formats/pdf-sm2.md) is a second figure beside it.

``print-file``: 1,000 certificates into one PDF with ``write_print_file`` (chunks of 100 pages,
merged by pikepdf), every page with its QR. Budget: ≤ 20 s. Baseline: the bare compiler making
the same 1,000 pages as one document. Peak RSS of the process is reported too.

In-process, one thread; each runs in a child process so the peak RSS is its own.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import typst

from bench.harness import Baseline, Budget, Figure, Report, peak_rss_mb
from ecert.core.documents.faces import Face, sample_page
from ecert.core.documents.pades import SealingKey, pdf_check, pdf_seal
from ecert.core.documents.print_file import write_print_file
from ecert.core.documents.render import FontSet, Page, Renderer, page_json
from ecert.core.formats.algorithms import Algorithm, generate_key
from ecert.core.formats.qr import qr_svg
from ecert.core.formats.x509 import (
    DistinguishedName,
    build_certificate,
    parse_certificate,
    self_signed_root,
)

NAME_SEALED = "sealed-pdf"
NAME_PRINT = "print-file"
PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ecert" / "data"
FACES, FONTS = PACKAGE / "faces", PACKAGE / "fonts"
FACE = Face.NATIONAL_STYLE_1
SEALED_RUNS = 300
PRINT_PAGES = 1_000
SEALED_BUDGET_MS = 40.0
PRINT_BUDGET_S = 20.0
NOW = datetime(2026, 11, 24, tzinfo=UTC)
_SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "堃喆赟昇伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


def _name(i: int) -> str:
    return _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i // 7) % len(_GIVEN)] + _GIVEN[i % len(_GIVEN)]


def _pages(count: int) -> list[Page]:
    """``count`` different pages of one face: other name and number each time."""
    base = sample_page(FACE)
    pages = []
    for i in range(count):
        fields = dict(base.fields)
        fields["name"] = _name(i)
        if "number" in fields:
            fields["number"] = f"{2025_3701_0000_0000 + i:016d}"
        text = base.qr_text[:-6] + f"{i:06d}" if base.qr_text else ""
        pages.append(replace(base, fields=fields, qr_text=text))
    return pages


def _sealing_key(algorithm: Algorithm = Algorithm.ES256) -> SealingKey:
    root, signer = generate_key(algorithm), generate_key(algorithm)
    start, end = NOW - timedelta(days=1), NOW + timedelta(days=3650)
    root_der = self_signed_root(root, DistinguishedName(common_name="bench root"), 1, start, end)
    certificate = build_certificate(
        issuer_signer=root,
        issuer_name=parse_certificate(root_der),
        subject_name=DistinguishedName(common_name="人力资源社会保障部"),
        subject_public_key_der=signer.public_key_der(),
        serial_number=2,
        not_before=start,
        not_after=end,
        is_ca=False,
    )
    return SealingKey(signer=signer, certificate=certificate, chain=(root_der,))


def _bare_compiler() -> typst.Compiler:
    return typst.Compiler(
        root=str(FACES),
        font_paths=[str(FONTS)],  # a folder: typst-py searches folders, not font files
        ignore_system_fonts=True,
    )


def _sealed(_: Any) -> dict[str, Any]:
    renderer = Renderer(FACES, FontSet.from_dirs([FONTS]))
    key, sm2_key = _sealing_key(), _sealing_key(Algorithm.SM2_SM3)
    pages = _pages(SEALED_RUNS + 20)
    # Other holders for the SM2 seals, so that Typst never reuses the ES256 run's compile.
    sm2_pages = [replace(p, fields={**p.fields, "name": p.fields["name"] + "一"}) for p in pages]
    bare = _bare_compiler()
    # The bare run gets its QR SVG and JSON ready-made: only the compile is timed.
    docs = [json.dumps({"pages": [page_json(p)]}, ensure_ascii=False) for p in pages]
    for page, sm2_page in zip(pages[:10], sm2_pages[:10], strict=True):  # warm-up
        pdf_seal(renderer.document([page], created=NOW), key, reason="bench")
        pdf_seal(renderer.document([sm2_page], created=NOW), sm2_key, reason="bench")
    for doc in docs[:10]:
        bare.compile(input=str(FACES / "main.typ"), sys_inputs={"doc": doc}, pdf_standards=["a-2b"])
    ours, sm2, plain = [], [], []
    last = last_sm2 = b""
    for page, sm2_page, doc in zip(pages[20:], sm2_pages[20:], docs[20:], strict=True):
        start = time.perf_counter()
        last = pdf_seal(renderer.document([page], created=NOW), key, reason="bench")
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        last_sm2 = pdf_seal(renderer.document([sm2_page], created=NOW), sm2_key, reason="bench")
        sm2.append(time.perf_counter() - start)
        start = time.perf_counter()
        bare.compile(input=str(FACES / "main.typ"), sys_inputs={"doc": doc}, pdf_standards=["a-2b"])
        plain.append(time.perf_counter() - start)
    if not pdf_check(last, list(key.chain)).original:
        raise RuntimeError("the benchmark's own sealed PDF does not validate")
    if not pdf_check(last_sm2, list(sm2_key.chain)).original:
        raise RuntimeError("the benchmark's own SM2-sealed PDF does not validate")
    qr_times = []
    for page in pages[:100]:
        start = time.perf_counter()
        qr_svg(page.qr_text)
        qr_times.append(time.perf_counter() - start)
    return {
        "runs": len(ours),
        "p50_ms": statistics.median(ours) * 1000,
        "p95_ms": statistics.quantiles(ours, n=20)[18] * 1000,
        "bare_p50_ms": statistics.median(plain) * 1000,
        "qr_p50_ms": statistics.median(qr_times) * 1000,
        "bytes": len(last),
        "sm2_p50_ms": statistics.median(sm2) * 1000,
        "sm2_p95_ms": statistics.quantiles(sm2, n=20)[18] * 1000,
        "sm2_bytes": len(last_sm2),
    }


def _print(_: Any) -> dict[str, Any]:
    renderer = Renderer(FACES, FontSet.from_dirs([FONTS]))
    pages = _pages(PRINT_PAGES)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "print.pdf"
        write_print_file(pages[:20], renderer, target, created=NOW)  # warm-up
        start = time.perf_counter()
        count = write_print_file(pages, renderer, target, created=NOW)
        elapsed = time.perf_counter() - start
        size = target.stat().st_size
    rss = peak_rss_mb()
    bare = _bare_compiler()
    shifted = [replace(p, fields={**p.fields, "name": p.fields["name"] + "一"}) for p in pages]
    start = time.perf_counter()
    doc = json.dumps({"pages": [page_json(p) for p in shifted]}, ensure_ascii=False)
    bare.compile(input=str(FACES / "main.typ"), sys_inputs={"doc": doc})
    bare_elapsed = time.perf_counter() - start
    return {
        "pages": count,
        "seconds": elapsed,
        "bare_seconds": bare_elapsed,
        "bytes": size,
        "peak_rss_mb": rss,
    }


def _in_child(function: Any) -> dict[str, Any]:
    with get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(function, (None,))
    return result


def run_sealed(rows: int, selected: list[str]) -> Report:
    del rows, selected
    data = _in_child(_sealed)
    report = Report(measurements=[{"benchmark": NAME_SEALED, **data}])
    report.figures.append(
        Figure(
            benchmark=NAME_SEALED,
            name=f"one sealed PDF on demand, p50 of {data['runs']} ({FACE.value})",
            database="no database",
            value=data["p50_ms"],
            unit="ms",
            detail=f"p95 {data['p95_ms']:.1f} ms; QR SVG p50 {data['qr_p50_ms']:.2f} ms; "
            f"{data['bytes']:,} bytes",
            budget=Budget(SEALED_BUDGET_MS, higher_is_better=False),
            baseline=Baseline("bare Typst compile of the same page", data["bare_p50_ms"]),
        )
    )
    report.figures.append(
        Figure(
            benchmark=NAME_SEALED,
            name=f"one SM2-sealed PDF on demand, p50 of {data['runs']} ({FACE.value})",
            database="no database",
            value=data["sm2_p50_ms"],
            unit="ms",
            detail=f"p95 {data['sm2_p95_ms']:.1f} ms; {data['sm2_bytes']:,} bytes; "
            f"ES256 PAdES in the same loop p50 {data['p50_ms']:.1f} ms",
            budget=Budget(SEALED_BUDGET_MS, higher_is_better=False),
            baseline=Baseline("bare Typst compile of the same page", data["bare_p50_ms"]),
        )
    )
    report.notes.append(
        f"{NAME_SEALED}: the SM2 figure is the same work sealed with an SM2/SM3 CMS "
        "(adbe.pkcs7.detached, tongsuopy SM3 and SM2), interleaved with the ES256 runs."
    )
    report.notes.append(
        f"{NAME_SEALED}: font check + QR (zxing-cpp SVG) + Typst PDF/A-2b + PAdES ES256 seal "
        "(pyHanko, certification signature), a different holder each run; storage and the "
        "database are not in the figure."
    )
    return report


def run_print(rows: int, selected: list[str]) -> Report:
    del rows, selected
    data = _in_child(_print)
    report = Report(measurements=[{"benchmark": NAME_PRINT, **data}])
    report.figures.append(
        Figure(
            benchmark=NAME_PRINT,
            name=f"print file of {data['pages']:,} certificates ({FACE.value})",
            database="no database",
            value=data["seconds"],
            unit="s",
            detail=f"{data['bytes'] / 1e6:.1f} MB; peak RSS {data['peak_rss_mb']:.0f} MB",
            budget=Budget(PRINT_BUDGET_S, higher_is_better=False),
            baseline=Baseline("bare Typst compile of the same pages", data["bare_seconds"]),
        )
    )
    report.notes.append(
        f"{NAME_PRINT}: write_print_file in chunks of 100 pages merged by pikepdf, each page "
        "with its own QR, no seal picture; the bare compile makes all pages as one document."
    )
    return report
