"""A fresh, isolated database per benchmark process, set up the way `ecert init` does.

Django settings are read from the environment once per process, so each database is measured
in its own subprocess: call `django_setup()` before importing any ecert model.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

DATABASES = ("sqlite", "postgresql")
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# The server to create the scratch database on; CI and the dev machine use trust auth.
POSTGRES_SERVER_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
POSTGRES_BENCH_DB = "ecert_bench"


class DatabaseUnavailable(Exception):
    """The database server cannot be reached; the benchmark is skipped, not failed."""


def postgres_url(database: str) -> str:
    """The server URL with another database name."""
    parts = urlsplit(POSTGRES_SERVER_URL)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _server_connection() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(POSTGRES_SERVER_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        where = urlsplit(POSTGRES_SERVER_URL)
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"PostgreSQL not reachable at {where.hostname}:{where.port or 5432} ({first_line})"
        ) from exc


def postgres_recreate(database: str = POSTGRES_BENCH_DB) -> None:
    """Drop (if left over from a crashed run) and create an empty database."""
    with _server_connection() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def postgres_database_exists(database: str) -> bool:
    with _server_connection() as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    return found is not None


def postgres_drop(database: str = POSTGRES_BENCH_DB) -> None:
    with _server_connection() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )


def postgres_server_version() -> str:
    with _server_connection() as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]


def django_setup(database: str, data_dir: Path) -> None:
    """Point ecert's settings at a fresh database, then migrate and load authorities and catalogue.

    `data_dir` is an empty temporary directory; SQLite keeps its file there.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = "ecert.settings"
    os.environ["ECERT_DATA_DIR"] = str(data_dir)
    if database == "postgresql":
        postgres_recreate()
        os.environ["DATABASE_URL"] = postgres_url(POSTGRES_BENCH_DB)
    else:
        os.environ.pop("DATABASE_URL", None)

    import django

    django.setup()
    migrate_and_load()


def migrate_and_load() -> None:
    """What `ecert init` does to a database, without the superuser: migrate, then load the
    packaged authorities and catalogue (Django must be set up)."""
    from django.core.management import call_command

    from ecert.authorities.services import authorities_load
    from ecert.catalogue.services import catalogue_load
    from ecert.core.rules.authorities import default_authorities_path, load_authorities
    from ecert.core.rules.catalogue import default_catalogue_dir, load_catalogue

    call_command("migrate", interactive=False, verbosity=0)
    authorities_load(actor=None, records=load_authorities(default_authorities_path()))
    catalogue_load(actor=None, catalogue=load_catalogue(default_catalogue_dir()))


def django_teardown(database: str) -> None:
    """Close Django's connections; drop the PostgreSQL scratch database."""
    from django.db import connections

    connections.close_all()
    if database == "postgresql":
        postgres_drop()
