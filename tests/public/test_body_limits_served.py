"""A served instance (gunicorn, as `ecert serve` runs it) refuses a stranger's huge POST before
it reaches the temporary folder."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ecert_command import ecert_environment, run_ecert

BOUNDARY = "ecert-boundary"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """(port, the server's temporary folder) of `ecert serve` on a fresh data directory."""
    data_dir = tmp_path_factory.mktemp("ecert-data")
    temporary = tmp_path_factory.mktemp("ecert-tmp")
    initialised = run_ecert(data_dir, "init", "--quiet")
    assert initialised.returncode == 0, initialised.stderr
    port = _free_port()
    command = [sys.executable, "-m", "ecert.cli", "serve", "--no-task-worker", "--workers", "1"]
    server = subprocess.Popen(  # noqa: S603 - our own command
        [*command, "--bind", f"127.0.0.1:{port}"],
        env=ecert_environment(data_dir) | {"TMPDIR": str(temporary)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/verify/pdf/", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "ecert serve did not answer within 60 s"
                time.sleep(0.3)
        yield port, temporary
    finally:
        server.terminate()
        server.wait(timeout=30)


def _left_in(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def _multipart_head() -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()


def _send(port: int, headers: dict[str, str], body: Iterator[bytes]) -> int:
    """POST a PDF upload to /verify/pdf/ as a stranger; the status, even if the server stops
    reading (and closes the connection) before the body is sent."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.putrequest("POST", "/verify/pdf/")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    try:
        for chunk in body:
            connection.send(chunk)
    except OSError:
        pass  # refused before the rest was read
    try:
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_600_mb_anonymous_post_is_refused_before_anything_is_written(
    served: tuple[int, Path],
) -> None:
    port, temporary = served
    sent = [_multipart_head(), b"0" * 2**20]  # the client announces 600 MB; 1 MB is enough
    status = _send(port, {"Content-Length": str(600 * 10**6)}, iter(sent))

    assert status == 413
    assert _left_in(temporary) == []


def test_a_real_upload_over_the_anonymous_limit_is_refused_and_nothing_is_written(
    served: tuple[int, Path],
) -> None:
    port, temporary = served
    size = 16 * 2**20
    head, tail = _multipart_head(), f"\r\n--{BOUNDARY}--\r\n".encode()
    chunks = iter([head, *(b"0" * 2**20 for _ in range(size // 2**20)), tail])
    status = _send(port, {"Content-Length": str(len(head) + size + len(tail))}, chunks)

    assert status == 413
    assert _left_in(temporary) == []


def test_a_chunked_body_without_a_length_is_not_read_into_the_temporary_folder(
    served: tuple[int, Path],
) -> None:
    port, temporary = served

    def chunked() -> Iterator[bytes]:
        for piece in [_multipart_head(), *(b"0" * 2**20 for _ in range(16))]:
            yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        yield b"0\r\n\r\n"

    status = _send(port, {"Transfer-Encoding": "chunked"}, chunked())

    assert status < 500
    assert _left_in(temporary) == []
