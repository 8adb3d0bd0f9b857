"""``ecert`` set-up and service commands: init, worker, serve, demo, loading data files, the
audit chain check, Django management commands."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from ecert.cli.base import app, console, django_setup
from ecert.core.errors import EcertError


def _migrate_and_load(quiet: bool) -> None:
    from django.core.management import call_command

    from ecert.authorities.services import authorities_load
    from ecert.catalogue.services import catalogue_load
    from ecert.core.rules.authorities import default_authorities_path, load_authorities
    from ecert.core.rules.catalogue import default_catalogue_dir, load_catalogue
    from ecert.core.rules.titles import load_code_tables
    from ecert.titles.services import code_tables_load

    call_command("migrate", interactive=False, verbosity=0 if quiet else 1)
    authorities = authorities_load(actor=None, records=load_authorities(default_authorities_path()))
    catalogue = catalogue_load(actor=None, catalogue=load_catalogue(default_catalogue_dir()))
    title_codes = code_tables_load(actor=None, tables=load_code_tables())
    console.print(
        f"机构 / authorities: {len(authorities.created)} new, {len(authorities.updated)} updated, "
        f"{authorities.unchanged} unchanged"
    )
    console.print(f"目录 / catalogue: {catalogue.summary()}")
    console.print(f"职称代码表 / title code tables: {title_codes} rows new or changed")


def _ensure_superuser(username: str) -> None:
    from ecert.accounts.models import User
    from ecert.accounts.services import user_create

    if User.objects.filter(username=username).exists():
        console.print(f"管理员 {username} 已存在 / superuser {username} already exists")
        return
    given = os.environ.get("ECERT_ADMIN_PASSWORD")
    password = given or secrets.token_urlsafe(12)
    user_create(actor=None, username=username, password=password, superuser=True)
    shown = "(ECERT_ADMIN_PASSWORD)" if given else password
    console.print(f"已创建管理员 / superuser created: {username} / {shown}")


@app.command()
def init(
    admin_username: Annotated[str, typer.Option(help="superuser to create if missing")] = "admin",
    quiet: Annotated[bool, typer.Option("--quiet")] = False,
) -> None:
    """Migrate, load authorities and catalogue, create the superuser. Safe to run again."""
    django_setup()
    _migrate_and_load(quiet)
    _ensure_superuser(admin_username)


@app.command()
def worker(
    interval: Annotated[float, typer.Option(help="seconds between polls for new tasks")] = 1.0,
) -> None:
    """Run background tasks (pass-list imports uploaded in the back office) until stopped; also
    move spooled verifications (verification/spool.py) into the log every few seconds."""
    django_setup()
    from django.core.management import call_command

    threading.Thread(target=_spool_drainer, name="verification-spool", daemon=True).start()
    call_command("db_worker", interval=interval)


SPOOL_DRAIN_SECONDS = 5.0


def _spool_drainer() -> None:
    """Drain the verification spool (verification/spool.py) at start and every few seconds; a
    drain that finds the write lock taken or the primary down tries again next time."""
    from django.db import connection

    from ecert.verification.spool import spool_drain

    while True:
        try:
            spool_drain()
        except Exception:  # a log that cannot be drained now is drained later; keep the worker
            logging.getLogger(__name__).exception("verification spool drain failed")
        finally:
            connection.close()
        time.sleep(SPOOL_DRAIN_SECONDS)


@app.command()
def serve(
    bind: Annotated[str, typer.Option(help="address:port")] = "127.0.0.1:8000",
    workers: Annotated[int, typer.Option(help="gunicorn worker processes")] = 2,
    task_worker: Annotated[
        bool, typer.Option("--task-worker/--no-task-worker", help="also run `ecert worker`")
    ] = True,
) -> None:
    """Serve the site with gunicorn (a production server, not runserver), and by default the
    background task worker beside it; SIGTERM or Ctrl-C stops both."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecert.settings")
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "ecert.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        # Path without the query string: a staff search may carry a full ID number (personal data).
        "--access-logformat",
        '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms',
    ]
    if not task_worker:
        os.execv(sys.executable, gunicorn)  # noqa: S606 - replaces this process with gunicorn
    children = [
        subprocess.Popen([sys.executable, "-m", "ecert.cli", "worker"]),
        subprocess.Popen(gunicorn),  # noqa: S603 - our own argv
    ]

    def stop(signum: int, _frame: object) -> None:
        for child in children:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = children[1].wait()  # gunicorn; the worker goes with it
    children[0].terminate()
    children[0].wait()
    raise typer.Exit(code)


@app.command()
def demo(
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    bind: Annotated[str, typer.Option(help="address:port")] = "127.0.0.1:8000",
    holders: Annotated[int, typer.Option(help="demo holders to create")] = 300,
    keys: Annotated[
        bool, typer.Option("--keys/--no-keys", help="create signing keys (ecert keys init)")
    ] = True,
) -> None:
    """init, plus demo users, keys, seals, holders and credentials; prints the URL and logins,
    then serves. Without keys no credential can be issued: only the users are made."""
    django_setup()
    _migrate_and_load(quiet=True)
    _ensure_superuser("admin")
    from datetime import UTC, datetime

    from ecert.cli.demo import (
        DEMO_PASSWORD,
        demo_credentials,
        demo_holder_login,
        demo_paper,
        demo_records,
        demo_replacements,
        demo_seals,
        demo_titles,
        demo_users,
    )
    from ecert.core.errors import EcertError

    logins = demo_users()
    if keys:
        from ecert.cli.keys import keys_init

        keys_init(algorithm="es256", operator="sd-hrss")  # what exists is kept
        now = datetime.now(UTC)
        sealed = demo_seals(now=now)
        console.print(f"演示印章 / demo seals drawn: {len(sealed)}")
        from ecert.authorities.models import Authority
        from ecert.documents.seals import electronic_seals_ensure

        electronic = electronic_seals_ensure(
            actor=None, province=Authority.objects.get(key="sd-hrss"), now=now
        )
        console.print(f"电子印章（SM2，OFD 用）/ electronic seals for OFDs: {len(electronic)}")
        try:
            issued = demo_credentials(holders=holders, now=now)
        except EcertError as error:
            console.print(str(error), style="red", markup=False)
            raise typer.Exit(1) from error
        console.print(f"演示证书已签发 / demo credentials issued: {issued}")
        titles = demo_titles(now=now)
        console.print(f"演示职称证书 / demo title certificates: {', '.join(titles) or 'kept'}")
        recorded = demo_records(now=now)
        console.print(
            f"演示纸质证书记录 / demo paper records: {recorded} "
            "(docs/examples/records-example.csv; 在 /verify/ 查询 / query them at /verify/)"
        )
        arrived = demo_paper(now=now)
        console.print(f"演示纸质证书到达并分配 / demo paper certificates arrived: {arrived}")
        applied = demo_replacements(now=now)
        console.print(f"演示补换申请（济南市窗口）/ demo replacement applications: {applied}")
    else:
        console.print("未创建密钥，故未签发演示证书 / no keys, so no demo credentials were issued")
    holder_login = demo_holder_login()
    if holder_login is not None:
        logins.append(holder_login)
    console.print(
        f"\n[bold]ecert demo[/bold]  http://{bind}/backoffice/   (password for every demo login: {DEMO_PASSWORD})"
    )
    for username, label in logins:
        console.print(f"  {username:<22} {label}")
    _demo_qr_address(bind)
    if serve_after:
        serve(bind=bind, workers=2, task_worker=True)


def _demo_qr_address(bind: str) -> None:
    """Say where the demo's QR codes lead, and warn when that is not the port it serves on."""
    from django.conf import settings

    host, scheme = settings.ECERT_VERIFY_HOST, settings.ECERT_VERIFY_SCHEME
    console.print(
        f"证书二维码打开 / certificate QR codes open: {scheme}://{host}/V/…", markup=False
    )
    if host.rpartition(":")[2] != bind.rpartition(":")[2]:
        console.print(
            f"注意：二维码指向 {host}，本演示在 {bind} 提供服务；请设置 ECERT_VERIFY_HOST。 / "
            f"the QR codes lead to {host} but the demo serves {bind}: set ECERT_VERIFY_HOST.",
            style="yellow",
            markup=False,
        )


@app.command("load-authorities")
def load_authorities_command(
    path: Annotated[
        Path | None, typer.Argument(help="authority file (default: the packaged one)")
    ] = None,
) -> None:
    """Load or update the authority tree from its data file."""
    django_setup()
    from ecert.authorities.services import authorities_load
    from ecert.core.rules.authorities import (
        default_authorities_path,
        load_authorities,
    )

    try:
        records = load_authorities(path or default_authorities_path())
    except EcertError as error:
        console.print(str(error), style="red", markup=False)
        raise typer.Exit(1) from error
    report = authorities_load(actor=None, records=records)
    console.print(
        f"{len(report.created)} new, {len(report.updated)} updated, {report.unchanged} unchanged"
    )


@app.command("load-catalogue")
def load_catalogue_command(
    directory: Annotated[
        Path | None, typer.Argument(help="catalogue folder (default: the packaged one)")
    ] = None,
) -> None:
    """Load or update the qualification catalogue from its data files."""
    django_setup()
    from ecert.catalogue.services import catalogue_load
    from ecert.core.rules.catalogue import default_catalogue_dir, load_catalogue

    try:
        catalogue = load_catalogue(directory or default_catalogue_dir())
    except EcertError as error:
        console.print(str(error), style="red", markup=False)
        raise typer.Exit(1) from error
    console.print(catalogue_load(actor=None, catalogue=catalogue).summary())


@app.command("load-title-codes")
def load_title_codes_command(
    path: Annotated[
        Path | None, typer.Argument(help="code table file (default: the packaged titles.toml)")
    ] = None,
) -> None:
    """Load or update the title certificate code tables (province marks, series-level codes)."""
    django_setup()
    from ecert.core.rules.titles import load_code_tables
    from ecert.titles.services import code_tables_load

    try:
        changed = code_tables_load(actor=None, tables=load_code_tables(path))
    except EcertError as error:
        console.print(str(error), style="red", markup=False)
        raise typer.Exit(1) from error
    console.print(f"{changed} rows new or changed / 新增或修改 {changed} 行")


@app.command("audit-verify")
def audit_verify() -> None:
    """Re-hash the audit chain; exit 1 and name the first bad event if it was tampered with."""
    django_setup()
    from ecert.audit.models import AuditChainHead, AuditEvent
    from ecert.audit.selectors import audit_chain_break

    chain_break = audit_chain_break()
    if chain_break is not None:
        console.print(
            f"[red]审计链在第 {chain_break.sequence} 条断开 / audit chain broken at event #{chain_break.sequence}: {chain_break.reason}[/red]"
        )
        raise typer.Exit(1)
    head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "digest").first() or (0, "-")
    console.print(
        f"审计链完整 / audit chain intact: {AuditEvent.objects.count()} events, "
        f"head #{head[0]} {head[1]}",
        soft_wrap=True,  # the digest is copied from here: never broken across lines
    )


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """Run a Django management command (e.g. `ecert manage makemigrations`)."""
    django_setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ecert manage", *ctx.args])
