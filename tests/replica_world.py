"""A small registry on a PostgreSQL primary of a test's own (tests/streaming_replica.py).

Run as a child, because Django reads its settings once per process:
``python -m tests.replica_world OUT`` with ``DATABASE_URL`` and ``ECERT_DATA_DIR`` set. It does
what ``ecert demo`` does first (migrate, authorities and catalogue, the demo cast with its
approved employer, ES256 keys, three demo credentials), makes an API key of the employer, and
writes JSON to OUT: the credentials' public ids and QR texts, and the key.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path


def main(out: Path) -> None:
    import django

    django.setup()
    from django.conf import settings

    from ecert.accounts.models import User
    from ecert.accounts.services import api_token_create
    from ecert.cli.demo import demo_credentials, demo_users
    from ecert.cli.keys import keys_init
    from ecert.cli.system import _migrate_and_load
    from ecert.core.formats.qr import qr_text
    from ecert.credentials.models import Credential

    _migrate_and_load(quiet=True)
    demo_users()
    keys_init(algorithm="es256", operator="sd-hrss")
    demo_credentials(holders=3, now=datetime.now(UTC))
    _, token = api_token_create(
        actor=None, user=User.objects.get(username="employer"), name="replica test"
    )
    credentials = [
        {"public_id": c.public_id, "qr": qr_text(settings.ECERT_VERIFY_HOST, bytes(c.signed))}  # type: ignore[arg-type]
        for c in Credential.objects.filter(signed__isnull=False).order_by("pk")
    ]
    out.write_text(json.dumps({"token": token, "credentials": credentials}), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
