"""Where a verify-api request's time goes, in one process: no gunicorn, no wrk, no concurrency.

``python -m bench.verify_api_profile [--credentials N] [--requests 2000] [--profile 30]``

Uses the database the verify-api benchmark built (run that first) and a fresh token and sample
from it. Requests go through Django's test client (the same middleware, URL resolver, ninja API
and view that gunicorn's workers run, minus the socket). Printed:

- wall and CPU milliseconds per whole request, and the SQL statements one request sends;
- the parts of the view, each called alone as often (CPU and wall per call): token
  authentication, the organisation lookup, the quota (file cache), ``qr_answer`` (parse, decode,
  registry row, signature check), its registry row query alone, the offline ``verify_qr_text`` of
  the same texts, the log row (``verification_log``), the answer's JSON;
- with ``--profile N``, cProfile's top N functions of the whole requests by cumulative time and by
  own time (cProfile slows Python code down, so read its shares, not its seconds).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time
from collections.abc import Callable
from typing import Any

from bench import verify_api_setup

WARM_UP = 200


def _timed(label: str, calls: int, function: Callable[[int], object]) -> dict[str, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(calls):
        function(i)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"part": label, "cpu_ms": cpu / calls * 1000, "wall_ms": wall / calls * 1000}


def profile(credentials: int, requests: int, top: int) -> None:
    os.environ.update(verify_api_setup.server_environment(credentials))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from ecert.accounts.models import User
    from ecert.accounts.services import api_token_authenticate, api_token_authenticate_cached
    from ecert.api.verification_schemas import answer_json
    from ecert.core.formats.verify import verify_qr_text
    from ecert.verification.limits import organisation_quota_take, verification_take
    from ecert.verification.models import Channel
    from ecert.verification.organisations import organisation_of
    from ecert.verification.services import (
        Asker,
        _registry_row,
        qr_answer,
        trust_list_current,
        verification_log,
    )

    token = verify_api_setup._token()
    texts = verify_api_setup._sample(min(requests, verify_api_setup.MILLION))
    bodies = [json.dumps({"qr": text}) for text in texts]
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")

    def request(i: int) -> None:
        answer = client.post(
            "/api/v1/verify", data=bodies[i % len(bodies)], content_type="application/json"
        )
        if answer.status_code != 200 or answer.json()["verdict"] != "valid":
            raise RuntimeError(f"{answer.status_code} {answer.content[:200]!r}")

    scanner = Client(HTTP_HOST="127.0.0.1")
    paths = ["/V/" + text.split("/V/", 1)[1] for text in texts]

    def landing(i: int) -> None:
        answer = scanner.get(paths[i % len(paths)])
        if answer.status_code != 200:
            raise RuntimeError(f"{answer.status_code} {answer.content[:200]!r}")

    for i in range(WARM_UP):
        request(i)
        landing(i)
    with CaptureQueriesContext(connection) as queries:
        request(0)
    print(f"one request sends {len(queries.captured_queries)} SQL statements through Django:")
    for query in queries.captured_queries:
        print(f"  {query['sql'][:150]}")

    now = timezone.now()
    user = User.objects.get(username=verify_api_setup.ORG_USERNAME)
    organisation = organisation_of(user)
    assert organisation is not None
    asker = Asker("127.0.0.1", user, organisation)
    answers = [qr_answer(text, now=now) for text in texts]
    public_ids = [a.facts.public_id for a in answers if a.facts is not None]
    trust = trust_list_current(now)
    assert trust is not None
    assert len(public_ids) == len(texts)
    n = len(texts)

    def log(i: int) -> None:
        verification_log(
            asker=asker,
            channel=Channel.API,
            answer=answers[i % n],
            asked=public_ids[i % n],
            now=now,
        )

    parts: list[tuple[str, Callable[[int], object]]] = [
        ("whole request (test client)", request),
        ("landing page (test client)", landing),
        ("api_token_authenticate", lambda i: api_token_authenticate(token=token)),
        (
            "api_token_authenticate_cached",
            lambda i: api_token_authenticate_cached(token=token, related=("organisation",)),
        ),
        ("organisation_of (came with the key)", lambda i: organisation_of(user)),
        ("organisation_quota_take", lambda i: organisation_quota_take(organisation, now)),
        ("verification_take (held blocks)", lambda i: verification_take(asker, now)),
        ("qr_answer (all of it)", lambda i: qr_answer(texts[i % n], now=now)),
        ("· _registry_row alone", lambda i: _registry_row(public_ids[i % n])),
        (
            "· verify_qr_text offline",
            lambda i: verify_qr_text(texts[i % n], trust_list=trust, now=now),
        ),
        ("verification_log", log),
        ("answer_json", lambda i: answer_json(answers[i % n])),
    ]
    rows = [_timed(label, requests, function) for label, function in parts]
    print(f"\nper call, {requests:,} calls each (one process, no concurrency):")
    for row in rows:
        print(f"  {row['part']:<34} CPU {row['cpu_ms']:6.3f} ms   wall {row['wall_ms']:6.3f} ms")
    if top:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(requests):
            request(i)
            landing(i)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.verify_api_profile", description=__doc__)
    parser.add_argument("--credentials", type=int, default=verify_api_setup.MILLION)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", type=int, default=0, metavar="TOP")
    args = parser.parse_args(argv)
    profile(args.credentials, args.requests, args.profile)


if __name__ == "__main__":
    main()
