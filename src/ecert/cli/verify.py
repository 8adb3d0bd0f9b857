"""``ecert verify``: check a credential offline, from QR text, a picture, a PDF or an OFD.

Needs no database and no network: the root certificate (obtained once from an official channel),
the trust list and, optionally, status lists, as files published by ``ecert keys
export-trust-list``. A PDF is first checked as a file, by the same decision as the public PDF
check page (ecert.core.documents.originals): a copy that is not the sealed original is reported
as such, with the check it failed, and exits 3 whatever its QR code says. An OFD is checked the
same way by its GB/T 38540 seal, against ``--seal-root`` (the SM2 seal root, when the deployment's
main root is not SM2); offline, "sealed by the issuer" means the seal certificate, issued under
that root, names the issuing authority of the certificate in the QR code as its organisation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ecert.core.documents.ofd_seal import OfdCheck
from ecert.core.documents.originals import (
    ZIP_MAGIC,
    PdfReading,
    PdfReason,
    pdf_check_outcomes,
    pdf_read,
    pdf_reason,
)
from ecert.core.documents.qr_images import qr_texts_in_file
from ecert.core.errors import EcertError
from ecert.core.formats.status_list import StatusListDocument
from ecert.core.formats.trust_list import TrustList, load_trust_list
from ecert.core.formats.verify import (
    Outcome,
    Verdict,
    VerificationResult,
    load_status_list,
    verify_qr_text,
)
from ecert.core.formats.x509 import parse_certificate
from ecert.core.rules.titles import (
    GRASSROOTS,
    CodeTables,
    load_code_tables,
    parse_title_number,
)

console = Console()

VERDICT_TEXT = {
    Verdict.VALID: "真实有效 / genuine and valid",
    Verdict.VALID_STATUS_UNKNOWN: "真实，未核对状态 / genuine; status not checked",
    Verdict.SUSPENDED: "真实，已暂停 / genuine, suspended",
    Verdict.REVOKED: "真实，已撤销 / genuine, revoked",
    Verdict.SUPERSEDED: "真实，已换发新证书 / genuine, replaced: a new certificate was issued",
    Verdict.EXPIRED: "真实，已过有效期 / genuine, expired",
    Verdict.NOT_YET_VALID: "真实，尚未生效 / genuine, not yet valid",
    Verdict.HOLDER_MISMATCH: "真实，但与所给持证人不符 / genuine, but not this holder",
    Verdict.UNTRUSTED: "签名者不受信任 / not signed by a key trusted for it",
    Verdict.NOT_GENUINE: "不是真实证书 / not genuine",
}
EXIT_CODES = {Verdict.VALID: 0, Verdict.VALID_STATUS_UNKNOWN: 0}
NOT_ORIGINAL_EXIT = 3
PDF_REASON_TEXT = {
    PdfReason.OK: "原件，电子签章完好 / the sealed original",
    PdfReason.NOT_PDF: "无法读取的 PDF 或 OFD / not a readable PDF or OFD",
    PdfReason.UNSIGNED: "没有电子签章（扫描件、打印成 PDF 或转换件）/ no seal: a scan, a print to "
    "PDF or a converted copy",
    PdfReason.ALTERED: "签章后内容被改动 / changed after it was sealed",
    PdfReason.ADDED_AFTER_SIGNING: "签章后被另存或编辑 / re-saved or edited after sealing",
    PdfReason.UNTRUSTED: "签章密钥不受信任 / the seal's key is not trusted",
    PdfReason.NO_QR: "未读到证书二维码 / no certificate QR code could be read",
    PdfReason.WRONG_SIGNER: "签章不是发证机构所盖 / not sealed by the certificate's issuer",
}
PDF_CHECK_MARKS = {True: ("✓", "pass"), False: ("✗", "fail")}
PDF_CHECK_TEXT = {
    "sealed": "有电子签章 / carries a seal",
    "intact": "签章内容未被改动 / sealed content unchanged",
    "whole_file": "签章后未再改存 / nothing added after sealing",
    "trusted": "签章密钥受信任 / seal key trusted",
    "qr": "读到证书二维码 / certificate QR code read",
    "issuer": "由发证机构盖章 / sealed by the certificate's issuer",
}


@cache
def _code_tables() -> CodeTables:
    """The packaged code tables, read once however many codes a file holds."""
    return load_code_tables()


def _number_reading(number: str) -> str | None:
    """A title number read into its parts (seed 003 第五条), from the packaged code tables."""
    try:
        parts = parse_title_number(number)
    except EcertError:
        return None
    row = _code_tables().series_level(parts)
    series = (
        f"{parts.series_code} {row.name}"
        if row
        else f"{parts.series_code}（代码表中没有 / not in our code tables）"
    )
    return (
        f"评审年度 / review year {parts.year} · 地区部门 / region-department {parts.region_code} · "
        f"系列级别 / series-level {series} · 序号 / sequence {parts.sequence:05d}"
    )


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(2)


def verify(
    source: Annotated[str, typer.Argument(help="QR text, or a PNG/JPEG/PDF/OFD file")],
    trust_list: Annotated[Path, typer.Option(help="trust list file (trust-list.cose)")],
    root: Annotated[Path, typer.Option(help="root certificate (root.der) from an official source")],
    status_list: Annotated[
        list[Path] | None, typer.Option(help="status list file(s) (status-N.cose)")
    ] = None,
    name: Annotated[str | None, typer.Option(help="holder name to match")] = None,
    id_number: Annotated[str | None, typer.Option(help="holder ID number to match")] = None,
    at: Annotated[
        datetime | None, typer.Option(help="verify as of this time (default: now)")
    ] = None,
    seal_root: Annotated[
        Path | None,
        typer.Option(help="SM2 seal root certificate (seal-root.der) for an OFD's GB/T 38540 seal"),
    ] = None,
) -> None:
    """核验证书（离线）/ Verify a credential offline."""
    try:
        trusted = load_trust_list(trust_list.read_bytes(), root_certificate=root.read_bytes())
        lists: dict[int, StatusListDocument] = {}
        for path in status_list or []:
            document = load_status_list(path.read_bytes(), trusted)
            lists[document.list_number] = document
    except OSError as error:
        raise _fail(f"无法读取文件 / cannot read file: {error}") from error
    except EcertError as error:
        raise _fail(str(error)) from error
    path = Path(source)
    now = at or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    pdf: PdfReading | None = None
    if path.is_file():
        try:
            with path.open("rb") as file:
                head = file.read(5)
            if head == b"%PDF-" or head.startswith(ZIP_MAGIC):
                roots = [root.read_bytes()] + ([seal_root.read_bytes()] if seal_root else [])
                pdf = pdf_read(path.read_bytes(), roots)
                texts = list(pdf.qr_texts)
            else:
                texts = qr_texts_in_file(path)
        except (OSError, EcertError) as error:
            raise _fail(str(error)) from error
        if pdf is None and not texts:
            raise _fail(f"{path}: 未找到二维码 / no QR code found")
    else:
        texts = [source]
    results = [
        verify_qr_text(
            text,
            trust_list=trusted,
            now=now,
            status_lists=lists,
            holder_name=name,
            holder_id_number=id_number,
        )
        for text in texts
    ]
    if pdf is not None and _pdf_not_original(pdf, results, trusted):
        raise typer.Exit(NOT_ORIGINAL_EXIT)
    worst = 0
    for result in results:
        verdict = result.verdict
        console.print(f"结论 / verdict: {verdict.value}  {VERDICT_TEXT[verdict]}")
        for check in result.checks:
            mark = {Outcome.PASS: "✓", Outcome.FAIL: "✗"}.get(check.outcome, "·")
            console.print(f"  {mark} {check.name}: {check.outcome.value} ({check.reason})")
        if result.claims is not None and verdict is not Verdict.NOT_GENUINE:
            claims = result.claims
            authority = result.authority.name if result.authority else str(claims.issuer)
            if claims.qualification is not None:
                name = trusted.qualifications.get(claims.qualification, str(claims.qualification))
                what = f"资格 / qualification: {name} {claims.level or ''}"
            else:
                what = f"职称 / title: {claims.series or ''} {claims.title}"
            number = claims.number + (GRASSROOTS if claims.grassroots else "")
            console.print(f"  编号 / number: {number}  {what}  签发机构 / issuer: {authority}")
            reading = _number_reading(claims.number) if claims.title is not None else None
            if reading is not None:
                grassroots = " · 基层 / grassroots" if claims.grassroots else ""
                console.print(f"  编号解读 / number reads: {reading}{grassroots}")
        worst = max(worst, EXIT_CODES.get(verdict, 1))
    raise typer.Exit(worst)


def _pdf_not_original(
    reading: PdfReading, results: list[VerificationResult], trusted: TrustList
) -> bool:
    """Print the file's own verdict and checks; True if it is not the sealed original, whose
    QR code then proves nothing and is not reported (docs/verification.md, "Checking a PDF")."""
    found = next((r for r in results if r.claims is not None), None)

    def sealed_by_issuer(certificate: bytes) -> bool:
        if found is None or found.claims is None:
            return False
        issuer = found.claims.issuer
        if isinstance(reading.check, OfdCheck):  # seal keys are not in the trust list
            names = {a.name for a in trusted.authorities if a.number == issuer}
            return parse_certificate(certificate).subject.organization in names
        return any(
            signer.certificate == certificate and signer.authority == issuer
            for signer in trusted.signers
        )

    reason = pdf_reason(
        reading, credential_read=found is not None, sealed_by_issuer=sealed_by_issuer
    )
    if reason is PdfReason.OK:
        console.print(f"文件 / file: {PDF_REASON_TEXT[reason]}", markup=False)
    else:
        console.print(f"[red]文件不是原件 / not an original: {PDF_REASON_TEXT[reason]}[/red]")
    for check in pdf_check_outcomes(reason):
        mark, state = (
            ("·", "not checked") if check.passed is None else PDF_CHECK_MARKS[check.passed]
        )
        failure = f" ({check.reason.value})" if check.passed is False else ""
        console.print(
            f"  {mark} {check.name}: {state}{failure}  {PDF_CHECK_TEXT[check.name]}", markup=False
        )
    if reason is PdfReason.OK:
        return False
    console.print(
        "此文件不能证明任何事；请向持证人索要原件，或扫描纸质证书上的二维码、按编号查询。 / "
        "A copy proves nothing: ask the holder for the original, or scan the QR code on the "
        "paper certificate, or query the certificate by its number.",
        markup=False,
    )
    return True
