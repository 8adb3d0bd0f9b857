"""Bulk recording: the same batch twice changes nothing, and a bad row anywhere stores nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from ecert.audit.models import AuditEvent
from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType, Sex, parse_id_number
from ecert.core.rules.kinds import CredentialForm, CredentialKind
from ecert.credentials import bulk
from ecert.credentials.bulk import BulkResult, CredentialRow
from ecert.credentials.models import Credential, Holder
from ecert.credentials.services import credentials_bulk_record
from tests.conftest import World
from tests.core.idgen import make_resident_id

Counts = tuple[int, int, int]
RowMaker = Callable[..., CredentialRow]


def number(seq: int) -> str:
    """Made-up numbers that none of the cast's holders has (they were born in 1988)."""
    return make_resident_id(date(1991, 7, 1), Sex.MALE, region="370202", seq=seq)


@pytest.fixture
def row(catalogue: dict[str, Qualification], tree: dict[str, Authority]) -> RowMaker:
    constructor = catalogue["constructor"].pk
    issuer, city = tree["sd-pta"].pk, tree["sd-qingdao"].pk

    def make(seq: int, **changes: Any) -> CredentialRow:
        base = CredentialRow(
            name=f"测试{seq}号",
            id_number=parse_id_number(number(seq), IdType.RESIDENT_ID),
            kind=CredentialKind.EXAM_PROOF,
            qualification_id=constructor,
            level="一级",
            specialty="建筑工程",
            approval_date=date(2025, 9, 1),
            management_number=f"BULK{seq:06d}",
            issuing_authority_id=issuer,
            registration_authority_id=city,
            issue_date=date(2025, 10, 8),
            form=CredentialForm.PAPER,
        )
        return dataclasses.replace(base, **changes)

    return make


def counts() -> Counts:
    return Holder.objects.count(), Credential.objects.count(), AuditEvent.objects.count()


def refused(rows: list[CredentialRow]) -> EcertError:
    before = counts()
    with pytest.raises(EcertError) as caught:
        credentials_bulk_record(actor=None, rows=rows)
    assert counts() == before, "a refused batch leaves nothing stored and no audit event"
    return caught.value


def test_a_new_batch_creates_every_holder_and_credential(row: RowMaker) -> None:
    result = credentials_bulk_record(actor=None, rows=[row(1), row(2), row(3)])
    assert result == BulkResult(
        rows=3, holders_created=3, credentials_created=3, credentials_existing=0
    )
    assert Credential.objects.filter(management_number__startswith="BULK").count() == 3


def test_the_same_batch_twice_creates_nothing_and_reports_all_existing(row: RowMaker) -> None:
    rows = [row(1), row(2), row(3)]
    credentials_bulk_record(actor=None, rows=rows)
    holders, credentials, _ = counts()
    result = credentials_bulk_record(actor=None, rows=rows)
    assert result == BulkResult(
        rows=3, holders_created=0, credentials_created=0, credentials_existing=3
    )
    assert counts()[:2] == (holders, credentials)


def test_a_batch_run_again_with_new_rows_adds_only_those(row: RowMaker) -> None:
    credentials_bulk_record(actor=None, rows=[row(1), row(2)])
    result = credentials_bulk_record(actor=None, rows=[row(1), row(2), row(3)])
    assert result == BulkResult(
        rows=3, holders_created=1, credentials_created=1, credentials_existing=2
    )


def test_a_holder_already_registered_is_reused(world: World, row: RowMaker) -> None:
    jinan = world.credentials["jinan"].holder
    cast_number = make_resident_id(date(1988, 5, 17), Sex.MALE, region="370102", seq=1)
    second = row(
        1,
        name="张堃",
        id_number=parse_id_number(cast_number, IdType.RESIDENT_ID),
        level="二级",
    )
    result = credentials_bulk_record(actor=None, rows=[second])
    assert result.holders_created == 0
    assert Credential.objects.get(management_number="BULK000001").holder_id == jinan.pk


def test_one_holder_with_two_credentials_in_a_batch_is_one_holder(row: RowMaker) -> None:
    result = credentials_bulk_record(
        actor=None, rows=[row(1), row(1, level="二级", management_number="BULK-L2")]
    )
    assert (result.holders_created, result.credentials_created) == (1, 2)


def test_rows_without_a_management_number_do_not_conflict(row: RowMaker) -> None:
    result = credentials_bulk_record(
        actor=None, rows=[row(1, management_number=""), row(2, management_number="")]
    )
    assert result.credentials_created == 2


def test_one_management_number_on_two_holders_in_a_batch_stores_nothing(row: RowMaker) -> None:
    error = refused([row(1), row(2), row(3, management_number="BULK000001"), row(4)])
    assert error.row == 3
    assert str(error).startswith("第 3 行：")
    assert "row 3: management number BULK000001 already belongs to another credential" in str(error)


def test_a_management_number_already_stored_on_another_holder_stores_nothing(
    world: World, row: RowMaker
) -> None:
    taken = world.credentials["jinan"].management_number
    error = refused([row(1), row(2, management_number=taken)])
    assert error.row == 2
    assert taken in str(error)


def test_the_same_management_number_under_another_qualification_is_accepted(
    catalogue: dict[str, Qualification], row: RowMaker
) -> None:
    other = catalogue["cost-engineer"]  # also has a level 一级
    result = credentials_bulk_record(
        actor=None,
        rows=[row(1), row(2, qualification_id=other.pk, management_number="BULK000001")],
    )
    assert result.credentials_created == 2


def test_a_stored_credential_under_another_management_number_stores_nothing(row: RowMaker) -> None:
    credentials_bulk_record(actor=None, rows=[row(1)])
    error = refused([row(2), row(1, management_number="BULK-OTHER")])
    assert error.row == 2
    assert "different management number" in str(error)


def test_a_known_id_number_under_another_name_stores_nothing(row: RowMaker) -> None:
    credentials_bulk_record(actor=None, rows=[row(1)])
    error = refused([row(2), row(1, name="李四", level="二级", management_number="BULK-L2")])
    assert error.row == 2
    assert "registered under another name" in str(error)
    assert number(1) not in str(error)  # the number appears masked only
    assert number(1)[:4] + "*" * 10 + number(1)[-4:] in str(error)


def test_one_id_number_under_two_names_in_a_batch_stores_nothing(row: RowMaker) -> None:
    error = refused([row(1), row(1, name="李四", level="二级", management_number="BULK-L2")])
    assert error.row == 2


def test_a_refused_row_in_a_later_chunk_undoes_the_earlier_chunks(
    row: RowMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 2)
    error = refused([row(1), row(2), row(3), row(4), row(5, management_number="BULK000001")])
    assert error.row == 5


def test_an_unprintable_name_in_a_later_chunk_undoes_the_earlier_chunks(
    row: RowMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 2)
    before = counts()
    with pytest.raises(EcertError):
        credentials_bulk_record(actor=None, rows=[row(1), row(2), row(3), row(4, name="\u3000")])
    assert counts() == before


@pytest.mark.parametrize(
    "change",
    [
        {"issue_date": date(2025, 11, 1)},
        {"specialty": "市政公用工程"},
        {"form": CredentialForm.ELECTRONIC},
        {"registration_authority_id": None},
    ],
    ids=["issue_date", "specialty", "form", "registration_city"],
)
def test_a_row_contradicting_a_stored_credential_is_refused_not_skipped(
    row: RowMaker, change: dict[str, Any]
) -> None:
    credentials_bulk_record(actor=None, rows=[row(1)])
    refused([row(1, **change)])


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"level": "三级"}, "has no level"),
        ({"issue_date": date(2025, 8, 1)}, "earlier than the approval date"),
        ({"kind": CredentialKind.QUALIFICATION_PROOF}, "abolished qualifications"),
    ],
    ids=["unknown_level", "issued_before_approval", "proof_for_current_qualification"],
)
def test_a_row_breaking_a_rule_is_refused_with_its_row_number(
    row: RowMaker, change: dict[str, Any], complaint: str
) -> None:
    error = refused([row(1), row(2, **change)])
    assert error.row == 2
    assert complaint in str(error)


def test_an_abolished_qualification_is_issued_nothing_electronic_but_a_proof(
    catalogue: dict[str, Qualification], row: RowMaker
) -> None:
    abolished = next(q for q in catalogue.values() if q.abolished and not q.levels.exists())
    electronic = CredentialForm.ELECTRONIC
    error = refused([row(1, qualification_id=abolished.pk, level="", form=electronic)])
    assert "only a qualification proof can be issued" in str(error)
    result = credentials_bulk_record(
        actor=None,
        rows=[
            row(1, qualification_id=abolished.pk, level="", kind=CredentialKind.QUALIFICATION_PROOF)
        ],
    )
    assert result.credentials_created == 1
