"""The database the verify-api benchmark serves: 1,000,000 signed credentials on PostgreSQL, kept.

Run in a child process (Django reads its settings once per process):
``python -m bench.verify_api_setup --credentials N --out FILE [--rebuild]``.

Built once, then reused by every later run while its marker says it is complete:

- the database ``ecert_bench_verify`` (``ecert_bench_verify_<N>`` for another count) on the
  bench's PostgreSQL server, and its data directory ``bench/out/verify-api/<database>/`` (file key
  store, shared cache, stored pass-list file; git-ignored);
- how it is built, each step timed: a CSV pass list of N passers of one 一级建造师 sitting in the 16
  Shandong cities (``tests.passlist_files``: ``make_passers``, ``write_csv``), written in this
  process; ``migrate`` and the packaged authorities and catalogue; what ``ecert keys init`` does
  (``bench.issue.keys_init``: ES256 root, keys, trust list); the real import
  (``passlist_import_create`` + ``passlist_import_run``: validate, store by COPY, sign in the
  forked signing worker, batch root), then ``VACUUM (ANALYZE)``; and an approved organisation
  with an account (``organisation_register`` + ``organisation_decide`` by a superuser);
- the marker ``ready.json`` in the data directory, written last, with the timings.

Every run (reused or not) then: sets the organisation's daily quota out of reach, revokes the
previous run's API token and makes a new one (``api_token_create``), and draws a fixed sample of
the stored credentials' QR texts (``qr_text`` of the stored COSE_Sign1). It writes them, with the
token, to ``--out`` as JSON for the parent, which writes the wrk script and runs the server.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import databases
from bench.harness import OUT_DIR

MILLION = 1_000_000
DATA_ROOT = OUT_DIR / "verify-api"
MARKER = "ready.json"
FORMAT = 1  # bump when what is built changes: older databases are then rebuilt
SEED = 2027  # passers; management numbers are f"{SEED:04d}{row:012d}"
SAMPLE_SEED = 20261125
TOKEN_NAME = "bench verify-api"  # noqa: S105 - the token's label, not the token
ORG_USERNAME = "bench-verify-org"
ORG_PASSWORD = "Tq8-lamp-Harbour-71"  # noqa: S105 - a throwaway account of the bench database
ADMIN_USERNAME = "bench-verify-admin"
QUOTA = 2**31 - 1  # PositiveIntegerField's ceiling: the quota never refuses during the bench
UPLOAD_CHUNK = 2**20


def database_name(credentials: int) -> str:
    return "ecert_bench_verify" if credentials == MILLION else f"ecert_bench_verify_{credentials}"


def data_dir(credentials: int) -> Path:
    return DATA_ROOT / database_name(credentials)


def server_environment(credentials: int) -> dict[str, str]:
    """What the set-up child and the server are both started with (beside os.environ)."""
    return {
        "DJANGO_SETTINGS_MODULE": "ecert.settings",
        "ECERT_DATA_DIR": str(data_dir(credentials)),
        "DATABASE_URL": databases.postgres_url(database_name(credentials)),
        "ECERT_MODE": "development",  # development keys and secrets; DEBUG stays off
        "ECERT_DEBUG": "",
    }


# --- building ------------------------------------------------------------------------------------


def _marker(credentials: int) -> dict[str, Any] | None:
    """The marker of a complete build of this database, or None."""
    try:
        meta: dict[str, Any] = json.loads((data_dir(credentials) / MARKER).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    wanted = {"format": FORMAT, "credentials": credentials, "database": database_name(credentials)}
    if any(meta.get(key) != value for key, value in wanted.items()):
        return None
    if not databases.postgres_database_exists(database_name(credentials)):
        return None
    return meta


def _write_csv(path: Path, credentials: int) -> None:
    """N passers as an exam centre's CSV (pinyin header), from the test suite's generator."""
    from tests.passlist_files import make_passers, write_csv

    from bench.passlist_file import shandong_cities, specialties

    passers = make_passers(
        credentials, seed=SEED, specialties=specialties(), cities=shandong_cities()
    )
    write_csv(path, passers)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(UPLOAD_CHUNK):
            yield chunk


def _credit_code(body: str) -> str:
    """``body`` (17 characters) with its GB 32100 check character."""
    from ecert.core.rules.authorities import credit_code_is_valid

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return next(body + c for c in alphabet if credit_code_is_valid(body + c))


def _organisation_create() -> None:
    """An employer organisation registered with the Jinan bureau and approved by a superuser."""
    from ecert.accounts.services import user_create
    from ecert.authorities.models import Authority
    from ecert.verification.organisations import (
        Registration,
        organisation_decide,
        organisation_register,
    )

    now = datetime.now(UTC)
    admin = user_create(actor=None, username=ADMIN_USERNAME, password=None, superuser=True)
    organisation = organisation_register(
        registration=Registration(
            name="济南某建筑公司（基准测试）",
            credit_code=_credit_code("91370100MA3BENCH0"),
            city=Authority.objects.get(key="sd-jinan"),
            contact_name="刘工",
            contact_phone="0531-88888888",
            username=ORG_USERNAME,
            password=ORG_PASSWORD,
        ),
        now=now,
    )
    organisation_decide(actor=admin, organisation=organisation, approve=True, note="", now=now)


def _import(csv_path: Path, credentials: int) -> dict[str, Any]:
    """The real pass-list import of the CSV; checks that every row was issued and signed."""
    from bench.issue import EXAM, IMPORTER
    from ecert.authorities.models import Authority
    from ecert.catalogue.models import Qualification
    from ecert.credentials.models import Credential
    from ecert.issuance.models import ImportState
    from ecert.issuance.services import passlist_import_create, passlist_import_run

    start = time.perf_counter()
    job = passlist_import_create(
        actor=None,
        authority=Authority.objects.get(key=IMPORTER),
        qualification=Qualification.objects.get(key=EXAM),
        file_name=csv_path.name,
        chunks=_chunks(csv_path),
    )
    job = passlist_import_run(import_id=job.pk)
    seconds = time.perf_counter() - start
    outcome = (job.state, job.rows_read, job.issued, job.rows_invalid)
    if outcome != (ImportState.COMPLETED, credentials, credentials, 0):
        raise RuntimeError(f"import {job.reference}: state, read, issued, invalid = {outcome}")
    signed = Credential.objects.filter(signed__isnull=False).count()
    if signed != credentials:
        raise RuntimeError(f"expected {credentials} signed credentials, found {signed}")
    return {"import_seconds": seconds, "import_reference": job.reference}


def _vacuum_analyze() -> None:
    """What autovacuum would get to in time: fresh planner statistics and visibility map."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def build(credentials: int) -> dict[str, Any]:
    """Drop and build the database and its data directory; returns the marker written last."""
    name, directory = database_name(credentials), data_dir(credentials)
    print(f"  verify-api: building {name} with {credentials:,} signed credentials …", flush=True)
    started = time.perf_counter()
    databases.postgres_recreate(name)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    steps: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ecert-bench-verify-") as tmp:
        csv_path = Path(tmp) / f"passlist-constructor-sd-{credentials}-seed{SEED}.csv"
        start = time.perf_counter()
        _write_csv(csv_path, credentials)
        steps["write_csv_seconds"] = time.perf_counter() - start
        csv_bytes = csv_path.stat().st_size

        import django

        django.setup()
        from bench.issue import keys_init

        start = time.perf_counter()
        databases.migrate_and_load()
        keys_init()
        _organisation_create()
        steps["migrate_keys_seconds"] = time.perf_counter() - start
        imported = _import(csv_path, credentials)
        steps["import_seconds"] = imported["import_seconds"]
    start = time.perf_counter()
    _vacuum_analyze()
    steps["vacuum_analyze_seconds"] = time.perf_counter() - start
    meta = {
        "format": FORMAT,
        "credentials": credentials,
        "database": name,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "setup_seconds": time.perf_counter() - started,
        "csv_bytes": csv_bytes,
        "import_reference": imported["import_reference"],
        **steps,
    }
    (directory / MARKER).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


# --- every run -----------------------------------------------------------------------------------


def _token() -> str:
    """A fresh API token of the organisation's account; earlier bench tokens are revoked."""
    from ecert.accounts.models import ApiToken, User
    from ecert.accounts.services import api_token_create, api_token_revoke
    from ecert.verification.models import Organisation, OrganisationState

    account = User.objects.get(username=ORG_USERNAME)
    Organisation.objects.filter(account=account).update(daily_quota=QUOTA)
    organisation = Organisation.objects.get(account=account)
    if organisation.state != OrganisationState.APPROVED:
        raise RuntimeError(f"the bench organisation is {organisation.state}, not approved")
    for old in ApiToken.objects.filter(user=account, revoked_at__isnull=True):
        api_token_revoke(actor=None, api_token=old)
    _, token = api_token_create(actor=None, user=account, name=TOKEN_NAME)
    return token


def _sample(size: int) -> list[str]:
    """QR texts of ``size`` stored credentials, the same ones every run (fixed seed over ids)."""
    from django.conf import settings
    from django.db.models import Max, Min

    from ecert.core.formats.qr import qr_text
    from ecert.credentials.models import Credential

    bounds = Credential.objects.aggregate(low=Min("pk"), high=Max("pk"))
    ids = random.Random(SAMPLE_SEED).sample(range(bounds["low"], bounds["high"] + 1), size)
    rows = dict(
        Credential.objects.filter(pk__in=ids, signed__isnull=False).values_list("pk", "signed")
    )
    texts = [
        qr_text(settings.ECERT_VERIFY_HOST, bytes(rows[pk]))  # type: ignore[arg-type]
        for pk in ids
        if pk in rows
    ]
    if len(texts) != size:
        raise RuntimeError(f"sample: {len(texts)} signed credentials among {size} ids")
    return texts


def prepare(credentials: int, sample: int, rebuild: bool) -> dict[str, Any]:
    """Build (or reuse) the database, then the token and the sample of this run."""
    os.environ.update(server_environment(credentials))
    meta = None if rebuild else _marker(credentials)
    reused = meta is not None
    if meta is None:
        meta = build(credentials)
    import django

    django.setup()
    if reused:
        databases.migrate_and_load()  # no-ops unless migrations or data files changed since
    from ecert.credentials.models import Credential
    from ecert.verification.models import VerificationEvent

    stored = Credential.objects.filter(signed__isnull=False).count()
    if stored != credentials:
        raise RuntimeError(f"{meta['database']}: {stored} signed credentials, not {credentials}")
    return {
        "setup": meta,
        "reused": reused,
        "credentials_signed": stored,
        "verification_events": VerificationEvent.objects.count(),
        "token": _token(),
        "qr_texts": _sample(sample),
        "server_version": databases.postgres_server_version(),
    }


def run_child(credentials: int, sample: int, rebuild: bool, out: Path) -> dict[str, Any]:
    """Start this module as a child and read what it wrote (``failed`` / ``skipped`` on error)."""
    command = [sys.executable, "-m", "bench.verify_api_setup", "--credentials", str(credentials)]
    command += ["--sample", str(sample), "--out", str(out)]
    if rebuild:
        command.append("--rebuild")
    completed = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        command, stderr=subprocess.PIPE, text=True, check=False
    )
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        return {"failed": f"set-up exit {completed.returncode}\n{tail}"}
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.verify_api_setup", description=__doc__)
    parser.add_argument("--credentials", type=int, default=MILLION)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rebuild", action="store_true", help="drop and build even if complete")
    args = parser.parse_args(argv)
    try:
        data = prepare(args.credentials, args.sample, args.rebuild)
    except databases.DatabaseUnavailable as exc:
        data = {"skipped": str(exc)}
    args.out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
