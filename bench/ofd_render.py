"""An OFD (GB/T 33190) of one face made from its Typst PDF page (issue 19), beside the PDF render.

``ofd-render``: ``ofd_from_pdf`` reading the PDF page Typst compiled and writing the OFD package
(paths, text with glyph indices, photo and seal pictures, the CFF subsets wrapped as OpenType),
then the zip, for a different holder each run (new name and number: new font subsets). The seal
picture is the issuer's demo seal, the same every run, as a deployment's is. Baseline: the Typst
PDF render (font check, QR, compile) of the same page, in the same run. The sealed OFD of issue 19
adds the GB/T 38540 seal to this figure; its budget (p50 ≤ 40 ms) is that helper's figure.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from multiprocessing import get_context
from typing import Any

from bench.documents import FACE, FACES, FONTS, NOW, _pages
from bench.harness import Baseline, Figure, Report
from ecert.core.documents.ofd import ofd_from_pdf
from ecert.core.documents.ofd_check import check_package
from ecert.core.documents.render import FontSet, Page, Picture, Renderer
from ecert.core.documents.seals import round_seal_png

NAME = "ofd-render"
RUNS = 200
WARM_UP = 10
SEAL_PX = 600


def setting(count: int) -> tuple[Renderer, Picture, list[Page]]:
    """The renderer, the issuer's demo seal picture and ``count`` pages of different holders
    carrying it: what every OFD benchmark draws."""
    fonts = FontSet.from_dirs([FONTS])
    renderer = Renderer(FACES, fonts)
    regular = next(path for path in fonts.files if "Regular" in path.name)
    issuer = _pages(1)[0].fields["issuer"]
    seal_png = round_seal_png(issuer, regular, caption="证书专用章", size=SEAL_PX)
    seal = Picture(seal_png, "image/png", SEAL_PX, SEAL_PX)
    return renderer, seal, [replace(page, seal=seal) for page in _pages(count)]


def spread(times: list[float]) -> dict[str, float]:
    """p50 and p95 of ``times`` (seconds), in milliseconds."""
    return {
        "p50_ms": statistics.median(times) * 1000,
        "p95_ms": statistics.quantiles(times, n=20)[18] * 1000,
    }


def in_child(measure: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """``measure`` run in a fresh process of its own (its imports and caches its own)."""
    with get_context("spawn").Pool(1) as pool:
        data: dict[str, Any] = pool.apply(measure, (None,))
    return data


def _measure(_: Any) -> dict[str, Any]:
    renderer, seal, pages = setting(RUNS + WARM_UP)
    for page in pages[:WARM_UP]:
        pdf = renderer.document([page], created=NOW)
        ofd_from_pdf(pdf, title="bench", created=NOW, doc_id="0" * 32, seal=seal).to_zip()
    ours, typst_times, sizes = [], [], []
    last = None
    for index, page in enumerate(pages[WARM_UP:]):
        start = time.perf_counter()
        pdf = renderer.document([page], created=NOW)
        typst_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        last = ofd_from_pdf(pdf, title="bench", created=NOW, doc_id=f"{index:032x}", seal=seal)
        archive = last.to_zip()
        ours.append(time.perf_counter() - start)
        sizes.append(len(archive))
    assert last is not None
    problems = check_package(last.files)
    if problems:
        raise RuntimeError(f"the benchmark's own OFD fails the checks: {problems[:3]}")
    return {
        "runs": len(ours),
        **spread(ours),
        "pdf_p50_ms": statistics.median(typst_times) * 1000,
        "bytes": int(statistics.median(sizes)),
    }


def run(rows: int, selected: list[str]) -> Report:
    del rows, selected
    data = in_child(_measure)
    report = Report(measurements=[{"benchmark": NAME, **data}])
    report.figures.append(
        Figure(
            benchmark=NAME,
            name=f"PDF page → OFD package, p50 of {data['runs']} ({FACE.value})",
            database="no database",
            value=data["p50_ms"],
            unit="ms",
            detail=f"p95 {data['p95_ms']:.1f} ms; zip {data['bytes']:,} bytes",
            baseline=Baseline("Typst PDF render of the same page", data["pdf_p50_ms"]),
        )
    )
    report.notes.append(
        f"{NAME}: ofd_from_pdf (pikepdf reads the page; paths, text with CGTransform, images, "
        "OpenType fonts from the CFF subsets) + zip; a different holder each run."
    )
    return report
