"""The e-licence exchange batch: one zip per export, each credential's record and sealed document,
a manifest whose digests an independent SM3 confirms; revoked credentials travel as records with
the revoked code; an empty selection and another authority's credentials are refused and nothing
is written; the same selection gives the same zip."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from ecert.audit.models import AuditEvent
from ecert.authorities.models import Authority
from ecert.cli import app
from ecert.core.errors import EcertError
from ecert.core.formats.elicence import record_check
from ecert.core.rules.kinds import CredentialKind, CredentialStatus
from ecert.credentials.models import Credential, IssuanceBatch
from ecert.credentials.services import Correction, credential_correct, credential_set_status
from ecert.documents.elicence import ElicenceExport, ElicenceSelection, elicence_export
from tests.conftest import World
from tests.gm_oracle import sm3_digest as oracle_sm3


def _export(
    world: World, who: str | None, at: str, output: Path, **narrowing: object
) -> ElicenceExport:
    return elicence_export(
        actor=world.user(who) if who is not None else None,
        selection=ElicenceSelection(authority=Authority.objects.get(key=at), **narrowing),  # type: ignore[arg-type]
        output=output,
        now=timezone.now(),
    )


def _credentials(batch: IssuanceBatch) -> list[Credential]:
    return list(Credential.objects.filter(batch=batch).order_by("batch_position"))


def test_a_batch_exports_records_and_documents_whose_manifest_digests_match(
    world: World, sd_batch: IssuanceBatch, out: Path
) -> None:
    credentials = _credentials(sd_batch)
    revoked = credentials[1]
    Credential.objects.filter(pk=revoked.pk).update(status=CredentialStatus.REVOKED)
    output = out / "sd-2024.zip"

    done = _export(world, "exam_centre_clerk", "sd-pta", output, batch=sd_batch)

    assert (done.credentials, done.documents) == (5, 4)
    assert done.by_status == {"valid": 4, "revoked": 1}
    assert hashlib.sha256(output.read_bytes()).hexdigest() == done.sha256
    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        assert names[-1] == "manifest.json"
        assert len(manifest["entries"]) == len(names) - 1 == 9
        for entry in manifest["entries"]:
            data = archive.read(entry["path"])
            assert entry["size"] == len(data)
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()
            assert entry["sm3"] == oracle_sm3(data).hex()
        records = {
            c.licence_identifier: record_check(archive.read(f"{c.licence_identifier}.xml"))
            for c in credentials
        }
        ofd = archive.read(f"{credentials[0].licence_identifier}.ofd")
    assert ofd.startswith(b"PK\x03\x04")  # the OFD original, a zip package
    assert manifest["counts"] == {
        "credentials": 5,
        "records": 5,
        "documents": 4,
        "entries": 9,
        "byStatus": {"revoked": 1, "valid": 4},
    }
    assert manifest["selection"]["authority"] == "sd-pta"
    assert manifest["selection"]["issuanceBatch"] == sd_batch.reference
    assert f"{revoked.licence_identifier}.ofd" not in names
    assert records[revoked.licence_identifier]["certificateStatus"] == "撤销"
    for credential in credentials:
        record = records[credential.licence_identifier]
        assert record["certificateHolderName"] == credential.holder_name
        assert record["certificateNumber"] == credential.management_number
        assert record["certificateIssuedDate"] == credential.issue_date.isoformat()
    event = AuditEvent.objects.filter(action="elicence.exported").get()
    assert event.data["sha256"] == done.sha256
    assert event.data["credentials"] == 5


def test_a_records_document_digest_is_the_document_next_to_it(
    world: World, sd_batch: IssuanceBatch, out: Path
) -> None:
    output = out / "one.zip"
    _export(world, "exam_centre_clerk", "sd-pta", output, batch=sd_batch)
    first = _credentials(sd_batch)[0].licence_identifier
    with zipfile.ZipFile(output) as archive:
        record = archive.read(f"{first}.xml").decode()
        ofd = archive.read(f"{first}.ofd")
    assert f'<digest algorithm="SM3">{oracle_sm3(ofd).hex()}</digest>' in record
    assert f"<fileName>{first}.ofd</fileName>" in record


def test_a_corrected_credential_travels_superseded_naming_its_replacement(
    world: World, sd_batch: IssuanceBatch, out: Path
) -> None:
    old, suspended = _credentials(sd_batch)[:2]
    admin = world.user("province_admin")
    new = credential_correct(
        actor=admin,
        credential=old,
        correction=Correction(specialty="市政公用工程"),
        reason="专业录入错误",
    )
    credential_set_status(
        actor=admin, credential=suspended, status=CredentialStatus.SUSPENDED, reason="核查中"
    )
    output = out / "corrected.zip"

    done = _export(world, "exam_centre_clerk", "sd-pta", output, batch=sd_batch)

    assert done.by_status == {"superseded": 1, "suspended": 1, "valid": 3}
    with zipfile.ZipFile(output) as archive:
        names = set(archive.namelist())
        old_record = record_check(archive.read(f"{old.licence_identifier}.xml"))
        suspended_record = record_check(archive.read(f"{suspended.licence_identifier}.xml"))
    assert old_record["certificateStatus"] == "已换发"
    assert old_record["replacedByIdentifier"] == new.licence_identifier
    assert suspended_record["certificateStatus"] == "暂停"
    assert f"{old.licence_identifier}.ofd" not in names
    # The replacement is a credential of its own; it goes with the batch it was issued in.
    assert new.licence_identifier != old.licence_identifier


def test_the_same_selection_gives_the_same_zip(
    world: World, sd_batch: IssuanceBatch, out: Path
) -> None:
    first = _export(world, "exam_centre_clerk", "sd-pta", out / "a.zip", batch=sd_batch)
    second = _export(world, "exam_centre_clerk", "sd-pta", out / "b.zip", batch=sd_batch)
    assert first.sha256 == second.sha256
    assert (out / "a.zip").read_bytes() == (out / "b.zip").read_bytes()


def test_an_empty_selection_is_refused_and_nothing_is_written(
    world: World, sd_batch: IssuanceBatch, out: Path
) -> None:
    output = out / "empty.zip"
    long_ago = date(2001, 1, 1)
    with pytest.raises(EcertError) as refused:
        _export(
            world,
            "exam_centre_clerk",
            "sd-pta",
            output,
            issued_from=long_ago,
            issued_to=long_ago + timedelta(days=30),
        )
    assert refused.value.code == "empty"
    assert "没有可导出" in refused.value.zh
    assert list(out.iterdir()) == []
    assert not AuditEvent.objects.filter(action="elicence.exported").exists()


def test_another_authoritys_clerk_is_refused_and_their_batch_looks_absent(
    world: World, sd_batch: IssuanceBatch, out: Path
) -> None:
    with pytest.raises(EcertError) as at_theirs:
        _export(world, "department_clerk", "sd-pta", out / "x.zip")
    assert at_theirs.value.code == "not_allowed"
    with pytest.raises(EcertError) as with_their_batch:
        _export(world, "department_clerk", "ha-housing", out / "x.zip", batch=sd_batch)
    assert with_their_batch.value.code == "no_batch"
    with pytest.raises(EcertError) as at_own:
        _export(world, "department_clerk", "ha-housing", out / "x.zip")
    assert at_own.value.code == "empty"  # nothing of Shandong's slips into Henan's export
    assert list(out.iterdir()) == []


def test_a_city_exports_nothing_it_only_registered(
    world: World, sd_batch: IssuanceBatch, out: Path
) -> None:
    """Jinan's passers are registered at Jinan, but the exam centre manages their data."""
    with pytest.raises(EcertError) as refused:
        _export(world, "jinan_clerk", "sd-jinan", out / "x.zip")
    assert refused.value.code == "empty"


def test_a_start_after_the_end_and_a_missing_folder_are_located(
    world: World, sd_batch: IssuanceBatch, out: Path
) -> None:
    with pytest.raises(EcertError) as backwards:
        _export(
            world,
            None,
            "sd-pta",
            out / "x.zip",
            issued_from=date(2025, 2, 1),
            issued_to=date(2025, 1, 1),
        )
    assert (backwards.value.code, backwards.value.field) == ("bad_range", "issued_from")
    nowhere = out / "no-such-folder" / "x.zip"
    with pytest.raises(EcertError) as missing:
        _export(world, None, "sd-pta", nowhere)
    assert (missing.value.code, missing.value.file) == ("bad_output", str(nowhere))
    folder = out / "a-folder.zip"
    folder.mkdir()
    with pytest.raises(EcertError) as is_folder:
        _export(world, None, "sd-pta", folder)
    assert (is_folder.value.code, is_folder.value.file) == ("bad_output", str(folder))


def test_a_failed_export_leaves_the_previous_file_untouched(
    world: World, sd_batch: IssuanceBatch, out: Path
) -> None:
    output = out / "kept.zip"
    _export(world, None, "sd-pta", output, batch=sd_batch)
    before = output.read_bytes()
    with pytest.raises(EcertError):
        _export(world, None, "sd-pta", output, kind=CredentialKind.TITLE_CERTIFICATE)
    assert output.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["kept.zip"]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder of the exports alone (the batch's own files live beside it)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def test_the_command_writes_the_zip_and_says_what_is_in_it(
    world: World, sd_batch: IssuanceBatch, out: Path, runner: CliRunner
) -> None:
    output = out / "cli.zip"
    result = runner.invoke(
        app,
        ["elicence", "export", "--authority", "sd-pta", "-o", str(output), "--kind", "exam_proof"],
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(io.BytesIO(output.read_bytes())) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["selection"]["kind"] == "exam_proof"
    proofs = manifest["counts"]["credentials"]
    assert proofs >= len(_credentials(sd_batch))  # the batch's and the cast's own proofs
    assert f"{proofs} 张证照 / licences (valid {proofs})" in result.output
    assert hashlib.sha256(output.read_bytes()).hexdigest() in result.output


def test_the_command_refuses_in_both_languages(
    world: World, sd_batch: IssuanceBatch, out: Path, runner: CliRunner
) -> None:
    empty = runner.invoke(
        app,
        ["elicence", "export", "--authority", "sd-pta", "-o", str(out / "x.zip"),
         "--from", "2001-01-01", "--to", "2001-01-31"],
    )  # fmt: skip
    assert empty.exit_code == 2
    assert "没有可导出" in empty.output
    assert "nothing to export" in empty.output
    as_other = runner.invoke(
        app,
        ["elicence", "export", "--authority", "sd-pta", "-o", str(out / "x.zip"),
         "--as", world.user("department_clerk").username],
    )  # fmt: skip
    assert as_other.exit_code == 2
    assert "无权导出" in as_other.output
    assert "may not export" in as_other.output
    bad_kind = runner.invoke(
        app,
        ["elicence", "export", "--authority", "sd-pta", "-o", str(out / "x.zip"),
         "--kind", "diploma"],
    )  # fmt: skip
    assert bad_kind.exit_code == 2
    assert "--kind" in bad_kind.output
    assert list(out.iterdir()) == []
