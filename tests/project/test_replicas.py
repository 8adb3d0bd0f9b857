"""A read replica (ecert.replicas, docs/scaling.md): configured by DATABASE_REPLICA_URL, and the
verification views, only they, read from it. The real streaming replica is exercised in
tests/public/test_streaming_replica.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.db.utils import load_backend
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from ecert import replicas
from ecert.config import database_from_url, read_config
from ecert.core.errors import EcertError
from ecert.credentials.models import Credential
from ecert.replicas import (
    ReplicaReadsMiddleware,
    ReplicaRouter,
    read_alias,
    replica_down_forget,
    replica_usable,
    verification_reads,
)
from ecert.verification.models import VerificationEvent
from tests.streaming_replica import free_port

PRIMARY_URL = "postgres://ecert@db1.example:5432/ecert"
REPLICA_URL = "postgres://ecert@db2.example:5432/ecert?sslmode=require"


def test_a_replica_url_adds_a_mirrored_postgresql_replica(tmp_path: Path) -> None:
    config = read_config(
        {
            "ECERT_DATA_DIR": str(tmp_path),
            "DATABASE_URL": PRIMARY_URL,
            "DATABASE_REPLICA_URL": REPLICA_URL,
        }
    )
    replica = config.database_replica
    assert replica is not None
    assert (replica["HOST"], replica["NAME"]) == ("db2.example", "ecert")
    assert replica["OPTIONS"] == {"sslmode": "require", "connect_timeout": "2"}
    assert replica["TEST"] == {"MIRROR": "default"}  # tests read the primary's test database
    assert read_config({"ECERT_DATA_DIR": str(tmp_path)}).database_replica is None
    own = read_config(
        {
            "ECERT_DATA_DIR": str(tmp_path),
            "DATABASE_URL": PRIMARY_URL,
            "DATABASE_REPLICA_URL": REPLICA_URL + "&connect_timeout=7",
        }
    ).database_replica
    assert own is not None
    assert own["OPTIONS"]["connect_timeout"] == "7"  # the URL's own is kept


@pytest.mark.parametrize(
    ("primary", "replica", "code", "named"),
    [
        (None, REPLICA_URL, "replica_without_primary", "DATABASE_URL"),
        (PRIMARY_URL, PRIMARY_URL, "replica_is_primary", "DATABASE_REPLICA_URL"),
        (PRIMARY_URL, "mysql://db2.example/ecert", "database_not_postgresql", "REPLICA"),
        (PRIMARY_URL, "postgres://db2.example/", "database_unnamed", "DATABASE_REPLICA_URL"),
    ],
)
def test_an_unusable_replica_url_is_refused_in_both_languages(
    tmp_path: Path, primary: str | None, replica: str, code: str, named: str
) -> None:
    env = {"ECERT_DATA_DIR": str(tmp_path), "DATABASE_REPLICA_URL": replica}
    if primary is not None:
        env["DATABASE_URL"] = primary
    with pytest.raises(EcertError) as raised:
        read_config(env)
    assert raised.value.code == code
    assert named in raised.value.zh
    assert named in raised.value.en
    assert raised.value.zh != raised.value.en


ReplicaAt = Callable[[dict[str, Any]], None]


@pytest.fixture
def replica_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplicaAt]:
    """Configures the ``replica`` alias for one test, as DATABASE_REPLICA_URL does at start-up."""

    def configure(database: dict[str, Any]) -> None:
        primary = dict(connections["default"].settings_dict)
        replica = connections.configure_settings({"default": primary, "replica": database})
        # The connection is made here, not from the handler's settings (a copy of DATABASES
        # without it): to Django's test isolation it is a connection made on the fly.
        monkeypatch.setattr(connections, "settings", dict(connections.settings))
        monkeypatch.setitem(settings.DATABASES, "replica", replica["replica"])
        backend = load_backend(replica["replica"]["ENGINE"])
        connections["replica"] = backend.DatabaseWrapper(replica["replica"], "replica")

    replica_down_forget()
    yield configure
    if "replica" in settings.DATABASES:
        connections["replica"].close()
        del connections["replica"]
    replica_down_forget()


@pytest.fixture
def replica_answers(transactional_db: Any, replica_at: ReplicaAt) -> None:
    """A replica that answers: the alias at the test database itself (what TEST MIRROR does)."""
    replica_at(dict(connections["default"].settings_dict))


def _unreachable() -> dict[str, Any]:
    """A PostgreSQL replica on a loopback port nobody listens on: refused at once."""
    return database_from_url(f"postgres://postgres@127.0.0.1:{free_port()}/ecert?connect_timeout=2")


def test_without_a_replica_every_read_alias_is_the_primary() -> None:
    assert read_alias() == "default"
    with verification_reads():
        assert read_alias() == "default"
        assert ReplicaRouter().db_for_read(Credential) == "default"


@pytest.mark.django_db(transaction=True)  # outside the test case's transaction
def test_the_router_sends_verification_reads_to_the_replica_and_writes_to_the_primary(
    replica_answers: None,
) -> None:
    router = ReplicaRouter()
    assert router.db_for_read(Credential) == "default"
    with verification_reads():
        assert router.db_for_read(Credential) == "replica"
        assert router.db_for_write(Credential) == "default"
        with transaction.atomic():  # a service reading what it is about to change
            assert router.db_for_read(Credential) == "default"
    assert router.db_for_read(Credential) == "default"
    read_there = Credential(pk=1)
    read_there._state.db = "replica"
    assert router.db_for_write(Credential, instance=read_there) == "default"
    event = VerificationEvent()
    event._state.db = "default"
    assert router.allow_relation(event, read_there)
    assert router.allow_migrate("default", "credentials")
    assert not router.allow_migrate("replica", "credentials")


def _reads_during(path: str, method: str = "get") -> str:
    """Where a read of the view at ``path`` goes, seen from inside the view."""
    seen: list[str] = []
    request: HttpRequest = getattr(RequestFactory(), method)(path)
    match = request.resolver_match = resolve(path)

    def view_runs(request: HttpRequest) -> HttpResponse:
        middleware.process_view(request, match.func, (), {})
        seen.append(ReplicaRouter().db_for_read(Credential))
        return HttpResponse()

    middleware = ReplicaReadsMiddleware(view_runs)
    middleware(request)
    seen.append(ReplicaRouter().db_for_read(Credential))  # after the request: unmarked again
    assert seen[1] == "default"
    return seen[0]


@pytest.mark.parametrize(
    "path",
    [
        "/V/PAYLOAD",
        "/verify/pdf/",
        "/verify/offline/",
        "/verify/offline/sw.js",
        "/verify/seal/sd-hrss.png",
        "/api/v1/verify",
        "/api/v1/query",
        "/api/v1/status/7",
        "/api/v1/trust-list",
        "/api/v1/status-lists/0",
        "/api/v1/root-certificate",
    ],
)
def test_the_verification_views_read_from_the_replica(replica_answers: None, path: str) -> None:
    assert _reads_during(path) == "replica"


@pytest.mark.django_db(transaction=True)  # no transaction open on the primary
def test_an_unreachable_replica_sends_the_verification_reads_to_the_primary_for_a_while(
    replica_at: ReplicaAt, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    replica_at(_unreachable())
    monkeypatch.setattr(replicas.replica_outage, "seconds", 0.5)
    with caplog.at_level(logging.WARNING, logger="ecert.replicas"):
        assert _reads_during("/api/v1/verify") == "default"
        assert _reads_during("/V/PAYLOAD") == "default"
        with verification_reads():
            assert read_alias() == "default"
        assert not replica_usable()
        warned = [r for r in caplog.records if "cannot be reached" in r.getMessage()]
        assert len(warned) == 1  # once for the period, not once a request
        time.sleep(0.6)  # the period is over: tried again, still down, warned again
        assert _reads_during("/api/v1/verify") == "default"
        assert len([r for r in caplog.records if "cannot be reached" in r.getMessage()]) == 2


@pytest.mark.django_db(transaction=True)
def test_a_replica_that_answers_again_takes_the_reads_after_the_pause(
    replica_at: ReplicaAt, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replicas.replica_outage, "seconds", 0.5)
    replica_at(_unreachable())
    assert _reads_during("/api/v1/verify") == "default"
    replica_at(dict(connections["default"].settings_dict))  # "restarted", and answering
    assert _reads_during("/api/v1/verify") == "default"  # not tried during the pause
    time.sleep(0.6)
    assert _reads_during("/api/v1/verify") == "replica"


@pytest.mark.parametrize(
    "path",
    [
        "/verify/",  # the query page also hands out query results (a document is written)
        "/verify/query-result/",
        "/verify/org/check/",
        "/backoffice/",
        "/my/",
        "/api/v1/passlists",
    ],
)
def test_other_views_read_from_the_primary(path: str) -> None:
    assert _reads_during(path) == "default"
