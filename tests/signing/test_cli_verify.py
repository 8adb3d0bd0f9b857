"""`ecert keys` and `ecert verify` as real processes: a demo deployment signs credentials as QR
pictures, publishes its trust files, and the offline verifier judges them from files alone."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from ecert.core.documents.qr_images import QR_CODES_ONLY
from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.claims import claims_from_cbor
from ecert.core.formats.qr import ALPHABET, PATH, parse_qr_text
from tests.ecert_command import run_ecert

NOT_ORIGINAL = 3  # `ecert verify`'s exit status for a PDF that is not the sealed original


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@dataclass(frozen=True)
class Published:
    """What `ecert keys export-trust-list` writes for verifiers."""

    root: Path
    trust_list: Path
    status_list: Path


@dataclass(frozen=True)
class Deployment:
    data_dir: Path
    work: Path  # where the test writes pictures and exported files

    def credentials_of(self, authority: str) -> list[str]:
        db = sqlite3.connect(self.data_dir / "ecert.sqlite3")
        try:
            rows = db.execute(
                "select c.public_id from credentials_credential c join authorities_authority a"
                " on a.id = c.issuing_authority_id where a.key = ? order by c.id",
                [authority],
            ).fetchall()
        finally:
            db.close()
        return [public_id for (public_id,) in rows]

    def signed_at(self, public_id: str) -> datetime:
        db = sqlite3.connect(self.data_dir / "ecert.sqlite3")
        try:
            (signed_at,) = db.execute(
                "select signed_at from credentials_credential where public_id = ?", [public_id]
            ).fetchone()
        finally:
            db.close()
        return datetime.fromisoformat(str(signed_at)).replace(tzinfo=UTC)

    def signer_kid(self, authority: str) -> str:
        db = sqlite3.connect(self.data_dir / "ecert.sqlite3")
        try:
            (kid,) = db.execute(
                "select k.kid_hex from signing_signerkey k join authorities_authority a"
                " on a.id = k.authority_id where a.key = ? and k.revoked_at is null",
                [authority],
            ).fetchone()
        finally:
            db.close()
        return str(kid)

    def qr(self, public_id: str, name: str) -> Path:
        out = self.work / name
        _ok(run_ecert(self.data_dir, "keys", "credential-qr", public_id, "--out", str(out)))
        return out

    def sealed_pdf(self, public_id: str, name: str) -> Path:
        """The sealed original PDF of a credential, as `ecert render` writes it."""
        out = self.work / name
        _ok(run_ecert(self.data_dir, "render", public_id, "-o", str(out)))
        return out

    def export(self, name: str) -> Published:
        directory = self.work / name
        _ok(run_ecert(self.data_dir, "keys", "export-trust-list", str(directory)))
        return Published(
            directory / "root.der", directory / "trust-list.cose", directory / "status-0.cose"
        )

    def shell(self, code: str) -> None:
        _ok(run_ecert(self.data_dir, "manage", "shell", "-c", code))


def _deploy(demo_data: Path, directory: Path) -> Deployment:
    """A copy of the demo deployment (database, key files), for a test that changes it."""
    deployment = Deployment(directory / "data", directory)
    shutil.copytree(demo_data, deployment.data_dir)
    return deployment


def _demo(data_dir: Path, holders: int) -> None:
    """`ecert demo`: its own root, keys and seals, and demo credentials issued with them."""
    _ok(run_ecert(data_dir, "demo", "--no-serve", "--holders", str(holders)))


def _verify(source: Path | str, published: Published) -> subprocess.CompletedProcess[str]:
    # The verifier opens no database: the data directory given is just the published folder.
    return run_ecert(
        published.root.parent,
        "verify",
        str(source),
        "--trust-list",
        str(published.trust_list),
        "--root",
        str(published.root),
        "--status-list",
        str(published.status_list),
    )


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory after `ecert demo`: sd-hrss issued four exam proofs, ha-hrss four
    provincial certificates, the Liaocheng bureau two title certificates."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    _demo(data_dir, 12)
    return data_dir


@pytest.fixture(scope="module")
def deployment(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    return _deploy(demo_data, tmp_path_factory.mktemp("deployment"))


@pytest.fixture(scope="module")
def signed(deployment: Deployment) -> tuple[Path, Published]:
    """The QR picture of an sd-hrss credential and the trust files exported after signing it."""
    picture = deployment.qr(deployment.credentials_of("sd-hrss")[0], "q.png")
    return picture, deployment.export("pub")


@pytest.fixture(scope="module")
def title_signed(deployment: Deployment) -> tuple[Path, Published]:
    """The QR picture of a title certificate the Liaocheng bureau issued (鲁 number, series 012,
    grassroots) and the trust files exported after it."""
    grassroots = deployment.credentials_of("sd-liaocheng")[1]
    picture = deployment.qr(grassroots, "title.png")
    return picture, deployment.export("title-pub")


@pytest.fixture(scope="module")
def other_deployment(
    demo_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Published]:
    """A second deployment with its own root and keys: one QR picture and its trust files."""
    directory = tmp_path_factory.mktemp("other-deployment")
    other = Deployment(directory / "data", directory)
    _demo(other.data_dir, 3)
    picture = other.qr(other.credentials_of("sd-hrss")[0], "other.png")
    return picture, other.export("pub")


def _qr_text(picture: Path) -> str:
    with Image.open(picture) as image:
        (barcode,) = zxingcpp.read_barcodes(image, formats=QR_CODES_ONLY)
    return str(barcode.text)


def _tampered(text: str) -> str:
    """The QR text with one payload character changed so that it still decodes to claims (with
    a different content) under the same key id: only the signature can tell."""
    prefix, payload = text.split(PATH)
    original = cose.decode_sign1(parse_qr_text(text)[1])
    original_claims = claims_from_cbor(original.payload)
    for position, current in enumerate(payload):
        for replacement in ALPHABET.replace(current, ""):
            candidate = f"{prefix}{PATH}{payload[:position]}{replacement}{payload[position + 1 :]}"
            try:
                message = cose.decode_sign1(parse_qr_text(candidate)[1])
                claims = claims_from_cbor(message.payload)
            except EcertError:
                continue
            if message.kid == original.kid and claims != original_claims:
                return candidate
    raise AssertionError("no one-character change of the payload still decodes")


def test_a_signed_credential_verifies_valid_offline(signed: tuple[Path, Published]) -> None:
    picture, published = signed
    result = _verify(picture, published)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verdict: valid " in result.stdout
    assert "✓ signer: pass (ok)" in result.stdout
    assert "✓ status: pass (ok)" in result.stdout


def test_a_picture_of_the_qr_saved_as_pdf_is_not_an_original(
    signed: tuple[Path, Published], tmp_path: Path
) -> None:
    picture, published = signed
    with Image.open(picture) as image:
        image.save(tmp_path / "q.pdf")
    result = _verify(tmp_path / "q.pdf", published)
    assert result.returncode == NOT_ORIGINAL, result.stdout + result.stderr
    assert "✗ sealed: fail (unsigned)" in result.stdout
    assert "verdict" not in result.stdout  # its genuine QR code says nothing about the file


@pytest.fixture(scope="module")
def sealed(deployment: Deployment, signed: tuple[Path, Published]) -> tuple[Path, Published]:
    """The sealed original PDF of the credential of ``signed``, and the trust files."""
    _, published = signed
    return deployment.sealed_pdf(deployment.credentials_of("sd-hrss")[0], "原件.pdf"), published


def test_the_sealed_original_pdf_is_an_original_and_its_credential_valid(
    sealed: tuple[Path, Published],
) -> None:
    pdf, published = sealed
    result = _verify(pdf, published)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "文件 / file: 原件" in result.stdout
    assert "✓ issuer: pass" in result.stdout
    assert "verdict: valid " in result.stdout


def _printed(pdf: Path, out: Path) -> Path:
    """A "print to PDF": the page drawn as a picture and written as a new, unsealed PDF."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        document[0].render(scale=2).to_pil().convert("RGB").save(out)
    finally:
        document.close()
    return out


def _rewritten(pdf: Path, out: Path) -> Path:
    """The file opened and saved again by another PDF program (pikepdf): same pages, new bytes."""
    with pikepdf.open(pdf) as document:
        document.save(out)
    return out


def _altered(pdf: Path, out: Path) -> Path:
    """One character of the sealed bytes changed (the producer's version in the metadata)."""
    data = pdf.read_bytes()
    assert data.count(b"/Creator(Typst ") == 1
    out.write_bytes(data.replace(b"/Creator(Typst ", b"/Creator(Typse ", 1))
    return out


def _appended(pdf: Path, out: Path) -> Path:
    """A line added at the end, as a program that re-saves incrementally does."""
    out.write_bytes(pdf.read_bytes() + b"\n% re-saved\n")
    return out


@pytest.mark.parametrize(
    ("make", "failed"),
    [
        (_altered, "✗ intact: fail (altered)"),
        (_rewritten, "✗ intact: fail (altered)"),
        (_printed, "✗ sealed: fail (unsigned)"),
        (_appended, "✗ whole_file: fail (added_after_signing)"),
    ],
    ids=["altered", "rewritten", "printed", "appended"],
)
def test_a_pdf_that_is_not_the_original_says_which_check_failed(
    sealed: tuple[Path, Published], tmp_path: Path, make: Any, failed: str
) -> None:
    pdf, published = sealed
    copy = make(pdf, tmp_path / "副本.pdf")
    result = _verify(copy, published)
    assert result.returncode == NOT_ORIGINAL, result.stdout + result.stderr
    assert "文件不是原件 / not an original" in result.stdout
    assert failed in result.stdout
    assert "verdict" not in result.stdout
    assert "ask the holder for the original" in result.stdout.replace("\n", " ")


def test_a_pdf_sealed_by_another_deployment_is_not_an_original(
    signed: tuple[Path, Published], other_deployment: tuple[Path, Published], tmp_path: Path
) -> None:
    _, published = signed
    other = Deployment(other_deployment[0].parent / "data", other_deployment[0].parent)
    pdf = other.sealed_pdf(other.credentials_of("sd-hrss")[0], "他处.pdf")
    result = _verify(pdf, published)
    assert result.returncode == NOT_ORIGINAL, result.stdout + result.stderr
    assert "✗ trusted: fail (untrusted)" in result.stdout


def test_a_tampered_payload_is_not_genuine(signed: tuple[Path, Published]) -> None:
    picture, published = signed
    result = _verify(_tampered(_qr_text(picture)), published)
    assert result.returncode == 1
    assert "verdict: not_genuine" in result.stdout
    assert "integrity: fail (bad_signature)" in result.stdout


def test_a_revoked_credential_is_genuine_but_revoked(deployment: Deployment) -> None:
    public_id = deployment.credentials_of("sd-hrss")[1]
    picture = deployment.qr(public_id, "revoked.png")
    _ok(
        run_ecert(
            deployment.data_dir,
            *("credential", "status", public_id, "revoke", "--reason", "伪造 / forged"),
            *("--as", "sd-admin"),
        )
    )
    result = _verify(picture, deployment.export("pub-revoked"))
    assert result.returncode == 1
    assert "verdict: revoked" in result.stdout
    assert "✓ integrity: pass (ok)" in result.stdout
    assert "status: fail (revoked)" in result.stdout


def test_a_superseded_credential_is_genuine_but_superseded(deployment: Deployment) -> None:
    public_id = deployment.credentials_of("sd-hrss")[2]
    picture = deployment.qr(public_id, "superseded.png")
    corrected = _ok(
        run_ecert(
            deployment.data_dir,
            *("credential", "correct", public_id, "--name", "张更正"),
            *("--reason", "姓名录入错误", "--as", "sd-admin"),
        )
    )
    assert corrected.startswith(f"{public_id} → ")
    result = _verify(picture, deployment.export("pub-superseded"))
    assert result.returncode == 1
    assert "verdict: superseded" in result.stdout
    assert "status: fail (superseded)" in result.stdout


def test_a_key_revoked_from_before_the_signing_makes_the_credential_untrusted(
    deployment: Deployment,
) -> None:
    public_id = deployment.credentials_of("ha-hrss")[0]
    before_signing = (deployment.signed_at(public_id) - timedelta(seconds=1)).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )
    picture = deployment.qr(public_id, "key-revoked.png")
    kid = deployment.signer_kid("ha-hrss")
    _ok(
        run_ecert(
            deployment.data_dir, "keys", "revoke", kid, "--reason", "test", "--at", before_signing
        )
    )
    result = _verify(picture, deployment.export("pub-key-revoked"))
    assert result.returncode == 1
    assert "verdict: untrusted" in result.stdout
    assert "signer: fail (signer_revoked)" in result.stdout


def test_a_qr_from_another_deployment_is_untrusted(
    signed: tuple[Path, Published], other_deployment: tuple[Path, Published]
) -> None:
    _, published = signed
    other_picture, _ = other_deployment
    result = _verify(other_picture, published)
    assert result.returncode == 1
    assert "verdict: untrusted" in result.stdout
    assert "signer: fail (unknown_signer)" in result.stdout


def test_a_trust_list_checked_against_another_root_is_refused(
    signed: tuple[Path, Published], other_deployment: tuple[Path, Published]
) -> None:
    picture, published = signed
    _, other = other_deployment
    wrong_root = Published(other.root, published.trust_list, published.status_list)
    result = _verify(picture, wrong_root)
    assert result.returncode == 2
    assert "the trust list is not signed by this root" in result.stdout
    assert "verdict" not in result.stdout


def test_a_picture_without_a_qr_code_is_refused(
    signed: tuple[Path, Published], tmp_path: Path
) -> None:
    _, published = signed
    Image.new("L", (200, 200), 255).save(tmp_path / "blank.png")
    result = _verify(tmp_path / "blank.png", published)
    assert result.returncode == 2
    assert "no QR code found" in result.stdout


def test_after_a_rotation_the_old_qr_still_verifies_valid(
    deployment: Deployment, signed: tuple[Path, Published]
) -> None:
    picture, before = signed
    rotated = _ok(run_ecert(deployment.data_dir, "keys", "rotate", "sd-hrss"))
    assert "new key" in rotated
    after = deployment.export("pub-rotated")
    assert after.trust_list.read_bytes() != before.trust_list.read_bytes()
    result = _verify(picture, after)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verdict: valid " in result.stdout


def test_a_title_certificate_verifies_offline_and_its_number_is_read(
    title_signed: tuple[Path, Published],
) -> None:
    picture, published = title_signed
    out = _ok(_verify(picture, published))
    assert "真实有效 / genuine and valid" in out
    assert "职称 / title: 中小学教师 高级教师" in out
    assert re.search(r"编号 / number: 鲁\d{15}（基层）", out)
    assert "资格 / qualification" not in out
    reading = next(line for line in out.splitlines() if "编号解读" in line)
    assert "评审年度 / review year" in reading
    assert "系列级别 / series-level 012 中小学教师高级" in reading
    assert "序号 / sequence 00002" in reading
    assert reading.endswith("基层 / grassroots")


@pytest.fixture(scope="module")
def sealed_ofd(deployment: Deployment, signed: tuple[Path, Published]) -> tuple[Path, Published]:
    """`ecert keys seals`, then a one-page OFD showing the credential's QR code sealed with
    sd-hrss's GB/T 38540 seal, and the trust files (now with seal-root.der)."""
    picture, _ = signed
    _ok(run_ecert(deployment.data_dir, "keys", "seals"))
    out = deployment.work / "原件.ofd"
    deployment.shell(
        "from pathlib import Path\n"
        "from django.utils import timezone\n"
        "from ecert.authorities.models import Authority\n"
        "from ecert.core.documents.ofd import package_zip\n"
        "from ecert.core.documents.ofd_seal import ofd_seal\n"
        "from ecert.core.rules.kinds import CredentialKind\n"
        "from ecert.signing.services import ofd_sealing_key\n"
        "from tests.core.ofd_seal_world import STAMP, ofd_package\n"
        "key = ofd_sealing_key(Authority.objects.get(key='sd-hrss'), CredentialKind.EXAM_PROOF,"
        " timezone.now())\n"
        f"files = ofd_package(image=Path({str(picture)!r}).read_bytes())\n"
        f"Path({str(out)!r}).write_bytes(package_zip(ofd_seal(files, key=key, place=STAMP,"
        " at=timezone.now())))\n"
    )
    return out, deployment.export("ofd-pub")


def _verify_ofd(ofd: Path, published: Published) -> subprocess.CompletedProcess[str]:
    return run_ecert(
        published.root.parent,
        "verify",
        str(ofd),
        "--trust-list",
        str(published.trust_list),
        "--root",
        str(published.root),
        "--seal-root",
        str(published.root.parent / "seal-root.der"),
        "--status-list",
        str(published.status_list),
    )


def test_the_sealed_ofd_is_an_original_and_its_credential_valid(
    sealed_ofd: tuple[Path, Published],
) -> None:
    ofd, published = sealed_ofd
    result = _verify_ofd(ofd, published)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "文件 / file: 原件" in result.stdout
    assert "✓ issuer: pass" in result.stdout
    assert "verdict: valid " in result.stdout


def test_a_changed_ofd_is_not_an_original(
    sealed_ofd: tuple[Path, Published], tmp_path: Path
) -> None:
    ofd, published = sealed_ofd
    from ecert.core.documents.ofd import package_zip
    from ecert.core.documents.ofd_seal import package_unzip

    files = package_unzip(ofd.read_bytes())
    page = "Doc_0/Pages/Page_0/Content.xml"
    files[page] = files[page].replace("电子证书".encode(), "伪造证书".encode())
    copy = tmp_path / "改动.ofd"
    copy.write_bytes(package_zip(files))

    result = _verify_ofd(copy, published)
    assert result.returncode == NOT_ORIGINAL, result.stdout + result.stderr
    assert "✗ intact: fail (altered)" in result.stdout
    assert "verdict" not in result.stdout


def test_an_ofd_without_its_seal_root_is_not_trusted(sealed_ofd: tuple[Path, Published]) -> None:
    ofd, published = sealed_ofd
    result = _verify(ofd, published)
    assert result.returncode == NOT_ORIGINAL, result.stdout + result.stderr
    assert "✗ trusted: fail (untrusted)" in result.stdout
