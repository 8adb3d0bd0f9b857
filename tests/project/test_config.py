"""Configuration from the environment: SQLite by default, PostgreSQL by URL, production refuses unsafe settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db.utils import ConnectionHandler

from ecert.config import (
    DEVELOPMENT_SECRET_KEY,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    database_from_url,
    read_config,
    sqlite_database,
)
from ecert.core.errors import EcertError

SAFE_PRODUCTION = {
    "ECERT_MODE": "production",
    "ECERT_SECRET_KEY": "k" * 60,
    "ECERT_PII_KEY": "cHJvZHVjdGlvbi1waWkta2V5LTMyLWJ5dGVzLWxvbmc=",
    "ECERT_KEY_PASSWORD": "production-key-password",
}


def test_default_is_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    config = read_config({"ECERT_DATA_DIR": str(tmp_path)})
    assert config.database["ENGINE"] == "django.db.backends.sqlite3"
    assert config.database["NAME"] == tmp_path / "ecert.sqlite3"
    assert config.database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config.database["OPTIONS"]["init_command"]


def test_database_url_switches_to_postgresql() -> None:
    database = database_from_url(
        "postgres://ecert:s%40cret@db.example:6432/registry?sslmode=require"
    )
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["USER"], database["PASSWORD"]) == ("ecert", "s@cret")
    assert (database["HOST"], database["PORT"], database["NAME"]) == (
        "db.example",
        "6432",
        "registry",
    )
    assert database["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize("url", ["mysql://root@localhost/ecert", "postgres://localhost/"])
def test_unusable_database_url_is_refused_with_a_reason(url: str) -> None:
    with pytest.raises(EcertError, match="DATABASE_URL"):
        database_from_url(url)


def test_production_with_real_secrets_starts() -> None:
    config = read_config(SAFE_PRODUCTION)
    assert config.mode == "production"
    assert not config.debug


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"ECERT_SECRET_KEY": ""}, "ECERT_SECRET_KEY"),
        ({"ECERT_SECRET_KEY": DEVELOPMENT_SECRET_KEY}, "ECERT_SECRET_KEY"),
        ({"ECERT_SECRET_KEY": "short"}, "ECERT_SECRET_KEY"),
        ({"ECERT_PII_KEY": ""}, "ECERT_PII_KEY"),
        ({"ECERT_DEBUG": "1"}, "ECERT_DEBUG"),
        ({"ECERT_KEY_PASSWORD": ""}, "ECERT_KEY_PASSWORD"),
    ],
)
def test_production_refuses_default_secrets_and_debug(
    change: dict[str, str], complaint: str
) -> None:
    with pytest.raises(EcertError, match=complaint) as error:
        read_config({**SAFE_PRODUCTION, **change})
    assert "生产模式拒绝启动" in str(error.value)


@pytest.mark.parametrize("mode", ["development", "production"])
@pytest.mark.parametrize(
    ("key", "complaint"), [("not base64!", "not base64"), ("c2hvcnQ=", "32 bytes")]
)
def test_a_malformed_personal_data_key_is_refused_at_start(
    mode: str, key: str, complaint: str
) -> None:
    with pytest.raises(EcertError, match=complaint) as error:
        read_config({**SAFE_PRODUCTION, "ECERT_MODE": mode, "ECERT_PII_KEY": key})
    assert key not in str(error.value)


def test_signing_keys_default_to_encrypted_files_in_the_data_directory(tmp_path: Path) -> None:
    config = read_config({"ECERT_DATA_DIR": str(tmp_path)})
    assert config.keystore.kind == "file"
    assert config.keystore.directory == (tmp_path / "keys").resolve()


def test_a_pkcs11_key_store_needs_module_token_and_pin() -> None:
    with pytest.raises(EcertError, match="ECERT_PKCS11_MODULE"):
        read_config({"ECERT_KEYSTORE": "pkcs11", "ECERT_PKCS11_MODULE": "/usr/lib/x.so"})
    config = read_config(
        {
            "ECERT_KEYSTORE": "pkcs11",
            "ECERT_PKCS11_MODULE": "/usr/lib/softhsm/libsofthsm2.so",
            "ECERT_PKCS11_TOKEN": "ecert",
            "ECERT_PKCS11_PIN": "1234",
        }
    )
    assert (config.keystore.kind, config.keystore.pkcs11_token) == ("pkcs11", "ecert")


def test_an_unknown_key_store_is_refused() -> None:
    with pytest.raises(EcertError, match="ECERT_KEYSTORE"):
        read_config({"ECERT_KEYSTORE": "vault"})


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(EcertError, match="ECERT_MODE"):
        read_config({"ECERT_MODE": "staging"})


def test_ecert_command_will_not_start_in_production_with_defaults(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECERT_", "DATABASE_URL"))}
    env |= {"ECERT_MODE": "production", "ECERT_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "ecert.cli", "manage", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "ECERT_SECRET_KEY" in result.stderr + result.stdout
    assert not (tmp_path / "ecert.sqlite3").exists()


def test_embedded_sqlite_runs_in_wal_mode_with_a_busy_timeout(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    """Opens its own SQLite file from our settings, so it holds on the PostgreSQL run too."""
    sqlite = ConnectionHandler({"default": sqlite_database(tmp_path)})["default"]
    with django_db_blocker.unblock(), sqlite.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == SQLITE_BUSY_TIMEOUT_SECONDS * 1000
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
    assert sqlite.transaction_mode == "IMMEDIATE"  # type: ignore[attr-defined]
    sqlite.close()


def test_qr_codes_use_http_in_development_and_https_in_production() -> None:
    assert read_config({}).verify_scheme == "http"  # what `ecert serve` and the demo serve
    assert read_config({"ECERT_VERIFY_SCHEME": "HTTPS"}).verify_scheme == "https"
    assert read_config(SAFE_PRODUCTION).verify_scheme == "https"


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"ECERT_VERIFY_SCHEME": "ftp"}, "ECERT_VERIFY_SCHEME must be https or http"),
        ({**SAFE_PRODUCTION, "ECERT_VERIFY_SCHEME": "http"}, "in production"),
    ],
)
def test_a_qr_scheme_that_cannot_serve_is_refused(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(EcertError, match=complaint):
        read_config(env)


def test_processes_drain_the_verification_spool_by_default_unless_left_to_the_worker() -> None:
    assert read_config({}).spool_drain == "thread"
    assert read_config(SAFE_PRODUCTION).spool_drain == "thread"
    assert read_config({"ECERT_SPOOL_DRAIN": " Worker "}).spool_drain == "worker"


def test_an_unknown_spool_drain_is_refused_with_the_choices() -> None:
    with pytest.raises(EcertError, match="ECERT_SPOOL_DRAIN must be thread or worker; got 'off'"):
        read_config({"ECERT_SPOOL_DRAIN": "off"})


def test_the_verification_log_is_synced_within_an_interval_unless_asked_on_every_answer() -> None:
    assert read_config({}).spool_sync == "interval"
    assert read_config(SAFE_PRODUCTION).spool_sync == "interval"
    assert read_config({"ECERT_VERIFY_LOG_SYNC": " Answer "}).spool_sync == "answer"


def test_an_unknown_verification_log_sync_is_refused_with_the_choices() -> None:
    with pytest.raises(EcertError, match="ECERT_VERIFY_LOG_SYNC 只能是 interval 或 answer"):
        read_config({"ECERT_VERIFY_LOG_SYNC": "never"})
