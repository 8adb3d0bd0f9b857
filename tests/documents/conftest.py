"""Documents tests: files under the test's own data directory, and an imported, signed batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.credentials.models import IssuanceBatch
from ecert.documents.seals import electronic_seals_ensure
from ecert.issuance.services import passlist_import_create, passlist_import_run
from tests.conftest import World
from tests.passlist_files import make_passers, write_csv

# Three Jinan passers and two Qingdao ones, in this order in the file.
BATCH_CITIES = ("济南市", "青岛市", "济南市", "青岛市", "济南市")


@pytest.fixture(autouse=True)
def document_storage(own_storage: Path) -> Path:
    return own_storage


def import_signed_batch(directory: Path) -> IssuanceBatch:
    """Five 一级建造师 e-proofs (Jinan, Qingdao, Jinan, Qingdao, Jinan) imported and signed at the
    Shandong exam centre (sd-pta); needs the ``world`` and ``issuing_keys`` fixtures."""
    passers = make_passers(len(BATCH_CITIES), seed=7, cities=BATCH_CITIES)
    file = write_csv(directory / "名单.csv", passers)
    job = passlist_import_create(
        actor=None,
        authority=Authority.objects.get(key="sd-pta"),
        qualification=Qualification.objects.get(key="constructor"),
        file_name=file.name,
        chunks=[file.read_bytes()],
    )
    job = passlist_import_run(import_id=job.pk)
    assert job.state == "completed", job.message
    return IssuanceBatch.objects.get(source=job)


def electronic_seals_made() -> None:
    """The GB/T 38540 seal of every issuer with a seal picture, made by Shandong's seal maker, as
    `ecert keys seals` makes them; needs the ``issuing_keys`` fixture."""
    electronic_seals_ensure(
        actor=None, province=Authority.objects.get(key="sd-hrss"), now=timezone.now()
    )


@pytest.fixture
def sd_batch(world: World, issuing_keys: Any, tmp_path: Path) -> IssuanceBatch:
    electronic_seals_made()
    return import_signed_batch(tmp_path)
