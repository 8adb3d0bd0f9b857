"""A cache shared by several application servers (ECERT_CACHE_URL, docs/scaling.md): rate limits
and quotas are counted once for all of them. Run against the real Redis on 127.0.0.1:6379, in a
database number of these tests (REDIS_DB); only the keys a test made are deleted."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache, caches

from ecert.config import cache_from_env, read_config
from ecert.core.errors import EcertError
from ecert.verification import limits
from ecert.verification.limits import (
    ORGANISATION_DAY,
    Limit,
    _key,
    limit_take,
    limit_used,
    shared_cache_down_forget,
)
from tests.streaming_replica import free_port

REDIS_DB = 11
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as probe:
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False


needs_redis = pytest.mark.skipif(
    not _redis_answers(), reason="no Redis on 127.0.0.1:6379 (tools/system_packages.sh)"
)


def test_a_cache_url_makes_the_cache_redis(tmp_path: Path) -> None:
    config = read_config({"ECERT_DATA_DIR": str(tmp_path), "ECERT_CACHE_URL": REDIS_URL})
    assert config.cache is not None
    assert config.cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config.cache["LOCATION"] == REDIS_URL
    assert config.cache["OPTIONS"]["socket_timeout"] == 2
    assert read_config({"ECERT_DATA_DIR": str(tmp_path)}).cache is None  # the file cache
    for url in ("rediss://:secret@cache.example:6380/2", "unix:///run/redis.sock?db=1"):
        assert cache_from_env({"ECERT_CACHE_URL": url}) is not None


@pytest.mark.parametrize(
    ("url", "zh", "en"),
    [
        ("memcached://127.0.0.1:11211", "只支持 Redis", "only Redis"),
        ("127.0.0.1:6379", "只支持 Redis", "only Redis"),
        ("redis:///0", "缺少主机", "no host"),
        ("redis://127.0.0.1:99999/0", "端口无效", "port"),
        ("redis://127.0.0.1:6379/cache", "数据库编号", "database number"),
        ("unix://", "套接字路径", "socket path"),
    ],
)
def test_an_unusable_cache_url_is_refused_in_both_languages(
    tmp_path: Path, url: str, zh: str, en: str
) -> None:
    with pytest.raises(EcertError) as raised:
        read_config({"ECERT_DATA_DIR": str(tmp_path), "ECERT_CACHE_URL": url})
    assert raised.value.code == "bad_cache_url"
    assert raised.value.zh.startswith("ECERT_CACHE_URL 无法使用")
    assert zh in raised.value.zh
    assert en in raised.value.en
    assert url in raised.value.zh
    assert "redis://" in raised.value.en  # says what is expected


def test_a_refused_cache_url_does_not_show_its_password(tmp_path: Path) -> None:
    with pytest.raises(EcertError) as raised:
        read_config(
            {"ECERT_DATA_DIR": str(tmp_path), "ECERT_CACHE_URL": "redis://:hunter2@h:6379/x"}
        )
    assert "hunter2" not in raised.value.zh + raised.value.en
    assert "redis://:***@h:6379/x" in raised.value.en


def test_the_server_refuses_to_start_with_a_bad_cache_url(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECERT_", "DATABASE_"))}
    env |= {"ECERT_DATA_DIR": str(tmp_path), "ECERT_CACHE_URL": "redis://127.0.0.1:6379/x"}
    completed = subprocess.run(
        [sys.executable, "-m", "ecert.cli", "manage", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode != 0
    said = completed.stdout + completed.stderr
    assert "ECERT_CACHE_URL 无法使用" in said
    assert "ECERT_CACHE_URL is unusable" in said


@pytest.fixture
def shared(settings: Any) -> Iterator[list[str]]:
    """The test's cache is the shared Redis; the keys listed in the yielded list are deleted."""
    settings.CACHES = {"default": cache_from_env({"ECERT_CACHE_URL": REDIS_URL})}
    made: list[str] = []
    yield made
    cache.delete_many(made)
    caches["default"].close()


def _children(kind: str, who: str, count: int, tries: int, tmp_path: Path) -> list[dict[str, Any]]:
    """Two application-server processes spending uses of one limit at the same moment."""
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECERT_", "DATABASE_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "ecert.settings",
        "ECERT_DATA_DIR": str(tmp_path),
        "ECERT_CACHE_URL": REDIS_URL,
        "ECERT_SECRET_KEY": settings.SECRET_KEY,  # the counters' keys are keyed by it
    }
    go = tmp_path / "go"
    command = [sys.executable, "-m", "tests.shared_cache_child", kind, who, str(count), str(tries)]
    children = [
        subprocess.Popen(  # noqa: S603 - our own module
            [*command, str(go)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    answers = []
    try:
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob("ready-*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # both set up (Django takes a while): then they count together
        go.touch()
        for child in children:
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, err[-3000:]
            answers.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    return answers


@needs_redis
def test_two_servers_sharing_a_limit_count_it_once(shared: list[str], tmp_path: Path) -> None:
    who, now = uuid.uuid4().hex, datetime.now(UTC)
    limit = Limit("shared-cache-test", 150, 600)
    shared.append(_key(limit, who, now))
    answers = _children("limit", who, 150, 150, tmp_path)
    assert [a["backend"] for a in answers] == ["RedisCache", "RedisCache"]
    # 300 tries between them, 150 allowed: not 150 each, as two file caches would allow.
    assert sum(a["allowed"] for a in answers) == 150, answers
    assert limit_used(limit, who, now) == 150  # seen by a third process too
    assert not limit_take(limit, who, now)


@needs_redis
def test_two_servers_spending_a_quota_in_blocks_answer_exactly_the_quota(
    shared: list[str], tmp_path: Path
) -> None:
    reference, now = uuid.uuid4().hex[:16], datetime.now(UTC)
    shared.append(_key(ORGANISATION_DAY, reference, now))
    answers = _children("quota", reference, 1_000, 2_000, tmp_path)
    # Each spends until refused; a refused process holds nothing back: exactly the quota in all.
    assert sum(a["allowed"] for a in answers) == 1_000
    assert limit_used(ORGANISATION_DAY, reference, now) == 1_000


@needs_redis
def test_a_refused_use_is_not_counted(shared: list[str]) -> None:
    who, now = uuid.uuid4().hex, datetime.now(UTC)
    limit = Limit("shared-cache-test", 5, 600)
    shared.append(_key(limit, who, now))
    assert limit_take(limit, who, now, uses=4)
    assert not limit_take(limit, who, now, uses=2)  # would pass the limit: given back
    assert limit_used(limit, who, now) == 4
    assert limit_take(limit, who, now)
    assert not limit_take(limit, who, now)
    assert limit_used(limit, who, now) == 5
    ttl = caches["default"]._cache.get_client(write=False).ttl(cache.make_key(shared[0]))  # type: ignore[attr-defined]
    assert 600 < ttl <= 660  # the window and a minute: incr keeps the expiry add set


@needs_redis
def test_counting_returns_to_the_shared_cache_once_it_answers_again(
    shared: list[str], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    who, now = uuid.uuid4().hex, datetime.now(UTC)
    limit = Limit("shared-cache-test", 3, 600)
    shared.append(_key(limit, who, now))
    reachable = settings.CACHES
    monkeypatch.setattr(limits.shared_cache_outage, "seconds", 0.3)
    settings.CACHES = {
        "default": cache_from_env({"ECERT_CACHE_URL": f"redis://127.0.0.1:{free_port()}/0"})
    }
    try:
        assert [limit_take(limit, who, now) for _ in range(4)] == [True, True, True, False]
        settings.CACHES = reachable  # Redis answers again, but this process waits its pause
        assert limit_used(limit, who, now) == 3  # still its own count
        time.sleep(0.4)
        assert limit_used(limit, who, now) == 0  # the shared count, which saw none of those
        assert limit_take(limit, who, now)
        assert limit_used(limit, who, now) == 1
    finally:
        shared_cache_down_forget()
