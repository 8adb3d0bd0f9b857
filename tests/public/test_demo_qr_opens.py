"""The demo's QR codes open the demo's own page: `ecert demo` on a development server writes
``HTTP://LOCALHOST:<port>/V/…`` (plain HTTP, as it serves), a real decoder reads the code from the
sealed PDF, and the served demo answers that very URL, upper-case host and all, with "valid"."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pypdfium2
import zxingcpp

from ecert.core.documents.qr_images import QR_CODES_ONLY
from tests.ecert_command import ecert_environment


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _first_credential(data_dir: Path) -> str:
    db = sqlite3.connect(data_dir / "ecert.sqlite3")
    try:
        (public_id,) = db.execute(
            "select c.public_id from credentials_credential c join authorities_authority a"
            " on a.id = c.issuing_authority_id where a.key = 'sd-hrss' order by c.id limit 1"
        ).fetchone()
    finally:
        db.close()
    return str(public_id)


def _qr_texts(pdf: Path) -> list[str]:
    """The QR codes a scanner reads on the page, drawn by pdfium and decoded by zxing-cpp."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        picture = document[0].render(scale=3, grayscale=True).to_pil()
    finally:
        document.close()
    return [str(code.text) for code in zxingcpp.read_barcodes(picture, formats=QR_CODES_ONLY)]


def _ecert(env: dict[str, str], data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`ecert <args>` with the test's data directory and the given ECERT_* settings."""
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "ecert.cli", *args],
        env=ecert_environment(data_dir) | env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own server
        return int(response.status), response.read().decode()


def test_a_demo_qr_code_opens_the_demo_verification_page(tmp_path: Path) -> None:
    port = _free_port()
    data_dir = tmp_path / "data"
    # The demo as a user starts it, on a port of the test's own (the default is 8000).
    env = {"ECERT_VERIFY_HOST": f"localhost:{port}"}
    bind = f"127.0.0.1:{port}"
    demo = _ecert(env, data_dir, "demo", "--no-serve", "--holders", "3", "--bind", bind)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert f"certificate QR codes open: http://localhost:{port}/V/" in demo.stdout
    assert "set ECERT_VERIFY_HOST" not in demo.stdout
    pdf = tmp_path / "证书.pdf"
    rendered = _ecert(env, data_dir, "render", _first_credential(data_dir), "-o", str(pdf))
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr

    (text,) = [t for t in _qr_texts(pdf) if "/V/" in t]
    assert text.startswith(f"HTTP://LOCALHOST:{port}/V/")
    assert text == text.upper()  # QR alphanumeric mode

    serve = ["serve", "--no-task-worker", "--workers", "1", "--bind", bind]
    server = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "ecert.cli", *serve],
        env=ecert_environment(data_dir) | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, page = _get(text)  # the URL exactly as the phone's camera reads it
                break
            except OSError:
                assert time.monotonic() < deadline, "ecert serve did not answer within 90 s"
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert status == 200
    assert 'data-verdict="valid"' in page
    assert "真实有效" in page
