"""Print files: one unsigned PDF of many certificates for paper, a QR code on every page, only
what the asking clerk manages, all or nothing."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from ecert.audit.models import AuditEvent
from ecert.authorities.models import Authority
from ecert.core.documents.qr_images import qr_texts_in_image
from ecert.core.errors import EcertError
from ecert.core.formats.qr import qr_text
from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.models import Credential, IssuanceBatch
from ecert.documents import printing
from ecert.documents.models import PrintFile, PrintFileState
from ecert.documents.printing import (
    print_file_create,
    print_file_path,
    print_file_run,
)
from tests.conftest import World
from tests.portal.signed import signed_proof


def _poppler(name: str, *args: str | Path) -> str:
    path = shutil.which(name)
    assert path is not None, f"{name} is missing: apt-get install poppler-utils"
    done = subprocess.run(  # noqa: S603 - a fixed tool with file arguments, no shell
        [path, *map(str, args)], capture_output=True, text=True, check=False
    )
    return done.stdout + done.stderr


def _in_order(batch: IssuanceBatch) -> list[Credential]:
    return list(
        Credential.objects.filter(batch=batch).select_related("holder").order_by("batch_position")
    )


def _city(credential: Credential) -> str:
    """The key of the bureau the credential is registered at (its 报名市)."""
    assert credential.registration_authority is not None
    return credential.registration_authority.key


def _page_texts(pdf: Path, pages: int) -> list[str]:
    return [
        "".join(_poppler("pdftotext", "-f", str(n), "-l", str(n), pdf, "-").split())
        for n in range(1, pages + 1)
    ]


def _made(world: World, who: str, authority: str, **selection: Any) -> PrintFile:
    job = print_file_create(
        actor=world.user(who),
        authority=Authority.objects.get(key=authority),
        now=timezone.now(),
        **selection,
    )
    return print_file_run(job.pk)


def test_a_batch_prints_one_page_per_valid_credential_each_with_its_own_qr(
    world: World, sd_batch: IssuanceBatch, tmp_path: Path
) -> None:
    credentials = _in_order(sd_batch)
    Credential.objects.filter(pk=credentials[1].pk).update(status=CredentialStatus.REVOKED)
    printed = [c for i, c in enumerate(credentials) if i != 1]

    job = _made(world, "exam_centre_clerk", "sd-pta", batch=sd_batch)
    path = print_file_path(job)
    assert path is not None
    _poppler("pdftoppm", "-r", "100", "-png", path, tmp_path / "page")
    qr_on_pages = [qr_texts_in_image(png) for png in sorted(tmp_path.glob("page-*.png"))]

    assert (job.state, job.pages) == (PrintFileState.COMPLETED, 4)
    assert qr_on_pages == [
        [
            qr_text(
                settings.ECERT_VERIFY_HOST,
                bytes(c.signed or b""),
                scheme=settings.ECERT_VERIFY_SCHEME,
            )
        ]
        for c in printed
    ]
    assert [
        c.holder.name in text for c, text in zip(printed, _page_texts(path, 4), strict=True)
    ] == [True] * 4
    assert hashlib.sha256(path.read_bytes()).hexdigest() == job.sha256
    assert "does not contain any signatures" in _poppler("pdfsig", path)  # paper, not an original


def test_a_city_clerk_prints_only_the_citys_certificates(
    world: World, sd_batch: IssuanceBatch
) -> None:
    jinan = [c for c in _in_order(sd_batch) if _city(c) == "sd-jinan"]

    job = _made(world, "jinan_clerk", "sd-jinan", batch=sd_batch)
    path = print_file_path(job)
    assert path is not None
    texts = _page_texts(path, job.pages)

    assert job.pages == len(jinan) == 3
    assert [c.holder.name in text for c, text in zip(jinan, texts, strict=True)] == [True] * 3


def test_public_ids_print_in_the_order_given(world: World, sd_batch: IssuanceBatch) -> None:
    chosen = _in_order(sd_batch)[::-2]  # the last, the middle, the first

    job = _made(
        world,
        "province_admin",
        "sd-hrss",
        public_ids=[f" {c.public_id.lower()} " for c in chosen],  # as pasted by a clerk
    )
    path = print_file_path(job)
    assert path is not None

    assert [
        c.holder.name in text for c, text in zip(chosen, _page_texts(path, job.pages), strict=True)
    ] == [True] * 3


def test_the_run_is_recorded_in_the_audit_log(world: World, sd_batch: IssuanceBatch) -> None:
    job = _made(world, "exam_centre_clerk", "sd-pta", batch=sd_batch)

    actions = list(
        AuditEvent.objects.filter(object_id=job.reference)
        .order_by("pk")
        .values_list("action", "actor__username")
    )

    assert actions == [
        ("print_file.created", "exam_centre_clerk"),
        ("print_file.completed", "exam_centre_clerk"),
    ]


def _refusal(world: World, who: str, authority: str, **selection: Any) -> EcertError:
    with pytest.raises(EcertError) as raised:
        print_file_create(
            actor=world.user(who),
            authority=Authority.objects.get(key=authority),
            now=timezone.now(),
            **selection,
        )
    assert not PrintFile.objects.exists()
    return raised.value


def test_a_credential_of_another_city_is_not_found_like_a_missing_one(
    world: World, sd_batch: IssuanceBatch
) -> None:
    qingdao = next(c for c in _in_order(sd_batch) if _city(c) == "sd-qingdao")

    theirs = _refusal(world, "jinan_clerk", "sd-jinan", public_ids=[qingdao.public_id])
    missing = _refusal(world, "jinan_clerk", "sd-jinan", public_ids=["NOSUCHCREDENTIAL"])

    assert theirs.code == missing.code == "not_found"
    assert qingdao.public_id in theirs.zh
    assert "NOSUCHCREDENTIAL" in missing.en


@pytest.mark.parametrize(
    ("change", "code", "said"),
    [
        (CredentialStatus.REVOKED, "not_valid", "不是有效状态"),
        (CredentialStatus.SUSPENDED, "not_valid", "不是有效状态"),
        ("unsigned", "unsigned", "尚未签发"),
    ],
)
def test_a_named_credential_that_cannot_be_printed_is_refused(
    world: World, sd_batch: IssuanceBatch, change: str, code: str, said: str
) -> None:
    credential = _in_order(sd_batch)[0]
    if change == "unsigned":
        Credential.objects.filter(pk=credential.pk).update(signed=None)
    else:
        Credential.objects.filter(pk=credential.pk).update(status=change)

    refused = _refusal(world, "jinan_clerk", "sd-jinan", public_ids=[credential.public_id])

    assert refused.code == code
    assert said in refused.zh
    assert credential.public_id in refused.zh


def test_a_batch_and_a_list_together_are_refused(world: World, sd_batch: IssuanceBatch) -> None:
    ids = [_in_order(sd_batch)[0].public_id]

    refused = _refusal(world, "jinan_clerk", "sd-jinan", batch=sd_batch, public_ids=ids)

    assert refused.code == "bad_selection"


def test_an_empty_list_is_refused(world: World) -> None:
    assert _refusal(world, "jinan_clerk", "sd-jinan", public_ids=[" ", ""]).code == "empty"


def test_a_batch_with_nothing_of_the_clerks_is_refused(
    world: World, sd_batch: IssuanceBatch
) -> None:
    refused = _refusal(world, "county_clerk", "sd-jinan-lixia", batch=sd_batch)

    assert refused.code == "empty"


def test_an_authority_outside_the_clerks_scope_is_refused(
    world: World, sd_batch: IssuanceBatch
) -> None:
    refused = _refusal(world, "jinan_clerk", "sd-qingdao", batch=sd_batch)

    assert refused.code == "not_allowed"


def test_too_many_pages_are_refused_before_anything_is_made(
    world: World, sd_batch: IssuanceBatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(printing, "MAX_PAGES", 2)

    refused = _refusal(world, "jinan_clerk", "sd-jinan", batch=sd_batch)

    assert refused.code == "too_many"
    assert "请分批打印" in refused.zh


def test_a_credential_revoked_while_queued_fails_the_file_and_leaves_nothing(
    world: World, sd_batch: IssuanceBatch
) -> None:
    credentials = _in_order(sd_batch)
    job = print_file_create(
        actor=world.user("province_admin"),
        authority=Authority.objects.get(key="sd-hrss"),
        public_ids=[c.public_id for c in credentials],
        now=timezone.now(),
    )
    Credential.objects.filter(pk=credentials[3].pk).update(status=CredentialStatus.REVOKED)

    job = print_file_run(job.pk)
    print_dir = Path(settings.ECERT_DATA_DIR) / printing.PRINT_DIR

    assert job.state == PrintFileState.FAILED
    assert credentials[3].public_id in job.message
    assert (job.path, job.sha256) == ("", "")
    assert print_file_path(job) is None
    assert list(print_dir.iterdir()) == []  # neither the file nor its chunks
    assert AuditEvent.objects.filter(action="print_file.failed", object_id=job.reference).exists()


def test_running_a_finished_file_again_changes_nothing(
    world: World, sd_batch: IssuanceBatch
) -> None:
    job = _made(world, "jinan_clerk", "sd-jinan", batch=sd_batch)
    path = print_file_path(job)
    assert path is not None
    before = path.read_bytes()

    again = print_file_run(job.pk)

    assert (again.state, again.sha256) == (PrintFileState.COMPLETED, job.sha256)
    assert path.read_bytes() == before
    assert AuditEvent.objects.filter(action="print_file.completed").count() == 1


def test_a_print_file_for_an_e_proof_holder_may_carry_the_seal(
    world: World, issuing_keys: Any
) -> None:
    """With the seal (an e-proof printed at the counter) the page shows it; the default leaves
    the space for the real stamp."""
    credential = signed_proof(world, "jinan", "2025370100007777")
    sizes = []
    for with_seal in (False, True):
        job = print_file_create(
            actor=None,
            authority=Authority.objects.get(key="sd-hrss"),
            public_ids=[credential.public_id],
            now=timezone.now(),
        )
        job = print_file_run(job.pk, with_seal=with_seal)
        path = print_file_path(job)
        assert path is not None
        sizes.append(len(path.read_bytes()))

    assert sizes[1] > sizes[0] + 10_000  # the seal picture is a 600 × 600 PNG
