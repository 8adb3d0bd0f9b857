"""The one write path: drafts become signed credentials, all or none; the same drafts twice change
nothing; a draft that contradicts what is stored is refused with its row; a replacement takes the
place of what it supersedes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ecert.audit.models import AuditEvent
from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.batches import credential_digest
from ecert.core.formats.merkle import merkle_root
from ecert.core.identity.idnumbers import IdType, Sex, parse_id_number
from ecert.core.rules.drafts import CredentialDraft, PersonDraft
from ecert.core.rules.kinds import CredentialForm, CredentialKind, CredentialStatus
from ecert.credentials import pipeline
from ecert.credentials.models import Credential, Holder, IssuanceBatch
from ecert.credentials.pipeline import Outcomes, drafts_issue
from ecert.credentials.services import credentials_issue
from tests.conftest import World, cast_id_number
from tests.core.idgen import make_resident_id

NOW = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
Counts = tuple[int, int, int]
DraftMaker = Callable[..., CredentialDraft]


def number(seq: int) -> str:
    """Made-up numbers that none of the cast's holders has (they were born in 1988)."""
    return make_resident_id(date(1991, 7, 1), Sex.MALE, region="370202", seq=seq)


@pytest.fixture
def draft(
    world: World, catalogue: dict[str, Qualification], tree: dict[str, Authority]
) -> DraftMaker:
    constructor = catalogue["constructor"].pk

    def make(seq: int, *, name: str | None = None, **changes: Any) -> CredentialDraft:
        person = PersonDraft(
            name=name or f"测试{seq}号", id_number=parse_id_number(number(seq), IdType.RESIDENT_ID)
        )
        base = CredentialDraft(
            person=person,
            kind=CredentialKind.EXAM_PROOF,
            form=CredentialForm.ELECTRONIC,
            issuer=tree["sd-hrss"].pk,
            approval_date=date(2025, 9, 1),
            issue_date=date(2025, 10, 8),
            number=f"BULK{seq:06d}",
            qualification=constructor,
            level="一级",
            specialty="建筑工程",
            registration=tree["sd-qingdao"].pk,
            template="shandong-exam-proof",
            row=seq,
        )
        return dataclasses.replace(base, **changes)

    return make


def counts() -> Counts:
    return Holder.objects.count(), Credential.objects.count(), AuditEvent.objects.count()


def refused(drafts: list[CredentialDraft]) -> EcertError:
    before = counts()
    with pytest.raises(EcertError) as caught:
        credentials_issue(actor=None, drafts=drafts, now=NOW)
    assert counts() == before, "a refused run leaves nothing stored and no audit event"
    return caught.value


def test_a_new_run_creates_every_holder_and_a_signed_credential_in_one_signed_batch(
    draft: DraftMaker,
) -> None:
    result = credentials_issue(actor=None, drafts=[draft(1), draft(2), draft(3)], now=NOW)
    assert (result.issued, result.existing, result.refused) == (3, 0, 0)
    stored = list(
        Credential.objects.filter(management_number__startswith="BULK").order_by("batch_position")
    )
    assert len(stored) == 3
    (reference,) = result.batches
    batch = IssuanceBatch.objects.get(reference=reference)
    leaves = [credential_digest(cose.decode_sign1(bytes(c.signed or b"")).payload) for c in stored]
    assert bytes(batch.merkle_root or b"") == merkle_root(leaves)
    assert {c.batch_id for c in stored} == {batch.pk}


def test_the_same_drafts_twice_create_nothing_and_report_all_existing(draft: DraftMaker) -> None:
    drafts = [draft(1), draft(2), draft(3)]
    credentials_issue(actor=None, drafts=drafts, now=NOW)
    holders, credentials, _ = counts()
    result = credentials_issue(actor=None, drafts=drafts, now=NOW)
    assert (result.issued, result.existing) == (0, 3)
    assert counts()[:2] == (holders, credentials)
    assert result.batches == []


def test_a_run_again_with_new_drafts_adds_only_those(draft: DraftMaker) -> None:
    credentials_issue(actor=None, drafts=[draft(1), draft(2)], now=NOW)
    result = credentials_issue(actor=None, drafts=[draft(1), draft(2), draft(3)], now=NOW)
    assert (result.issued, result.existing) == (1, 2)


def test_a_later_run_of_the_same_list_is_not_a_contradiction(draft: DraftMaker) -> None:
    credentials_issue(actor=None, drafts=[draft(1)], now=NOW)
    result = credentials_issue(actor=None, drafts=[draft(1, issue_date=date(2026, 1, 5))], now=NOW)
    assert (result.issued, result.existing) == (0, 1)


def test_a_holder_already_registered_is_reused(world: World, draft: DraftMaker) -> None:
    jinan = world.credentials["jinan"].holder
    second = dataclasses.replace(
        draft(1, level="二级", specialty="市政公用工程"),
        person=PersonDraft(name="张堃", id_number=parse_id_number(cast_id_number(1))),
    )
    credentials_issue(actor=None, drafts=[second], now=NOW)
    assert Credential.objects.get(management_number="BULK000001").holder_id == jinan.pk


def test_one_holder_with_two_credentials_in_a_run_is_one_holder(draft: DraftMaker) -> None:
    holders = Holder.objects.count()
    result = credentials_issue(
        actor=None, drafts=[draft(1), draft(1, level="二级", number="BULK-L2")], now=NOW
    )
    assert result.issued == 2
    assert Holder.objects.count() == holders + 1


def test_one_management_number_on_two_holders_in_a_run_stores_nothing(draft: DraftMaker) -> None:
    error = refused([draft(1), draft(2), draft(3, number="BULK000001"), draft(4)])
    assert (error.row, error.code) == (3, "repeated")
    assert str(error).startswith("第 3 行：与第 1 行重复")


def test_a_management_number_already_stored_on_another_holder_stores_nothing(
    world: World, draft: DraftMaker
) -> None:
    taken = world.credentials["jinan"].management_number
    error = refused([draft(1), draft(2, number=taken)])
    assert (error.row, error.code) == (2, "number_taken")
    assert taken in str(error)


def test_the_same_management_number_under_another_qualification_is_accepted(
    catalogue: dict[str, Qualification], draft: DraftMaker
) -> None:
    other = catalogue["cost-engineer"]  # also has a level 一级
    result = credentials_issue(
        actor=None,
        drafts=[draft(1), draft(2, qualification=other.pk, specialty="", number="BULK000001")],
        now=NOW,
    )
    assert result.issued == 2


def test_a_stored_credential_under_another_management_number_stores_nothing(
    draft: DraftMaker,
) -> None:
    credentials_issue(actor=None, drafts=[draft(1)], now=NOW)
    error = refused([draft(2), draft(1, number="BULK-OTHER", row=2)])
    assert (error.row, error.code) == (2, "issued_differently")
    assert "管理号不同" in error.zh


def test_a_known_id_number_under_another_name_stores_nothing(draft: DraftMaker) -> None:
    credentials_issue(actor=None, drafts=[draft(1)], now=NOW)
    error = refused([draft(2), draft(1, name="李四", level="二级", number="BULK-L2", row=2)])
    assert (error.row, error.code) == (2, "holder_name_mismatch")
    assert number(1) not in str(error)  # the number appears masked only
    assert number(1)[:4] + "*" * 10 + number(1)[-4:] in str(error)


def test_one_id_number_under_two_names_in_a_run_stores_nothing(draft: DraftMaker) -> None:
    error = refused([draft(1), draft(1, name="李四", level="二级", number="BULK-L2", row=2)])
    assert error.row == 2


def test_a_refused_draft_in_a_later_chunk_undoes_the_earlier_chunks(
    draft: DraftMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "CHUNK", 2)
    error = refused([draft(1), draft(2), draft(3), draft(4), draft(5, number="BULK000001")])
    assert error.row == 5


def test_an_unprintable_name_in_a_later_chunk_undoes_the_earlier_chunks(
    draft: DraftMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "CHUNK", 2)
    error = refused([draft(1), draft(2), draft(3), draft(4, name="\u3000")])
    assert (error.row, error.field) == (4, "name")


@pytest.mark.parametrize(
    "change",
    [
        {"specialty": "市政公用工程"},
        {"form": CredentialForm.PAPER},
        {"registration": None},
    ],
    ids=["specialty", "form", "registration_city"],
)
def test_a_draft_contradicting_a_stored_credential_is_refused_not_skipped(
    draft: DraftMaker, change: dict[str, Any]
) -> None:
    credentials_issue(actor=None, drafts=[draft(1)], now=NOW)
    assert refused([draft(1, **change)]).code == "issued_differently"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"level": "三级"}, "level_unknown"),
        ({"issue_date": date(2025, 8, 1)}, "issued_before_approval"),
        ({"kind": CredentialKind.QUALIFICATION_PROOF}, "not_abolished"),
    ],
    ids=["unknown_level", "issued_before_approval", "proof_for_current_qualification"],
)
def test_a_draft_breaking_a_rule_is_refused_with_its_row_number(
    draft: DraftMaker, change: dict[str, Any], code: str
) -> None:
    error = refused([draft(1), draft(2, **change)])
    assert (error.row, error.code) == (2, code)


def test_every_problem_of_every_draft_is_reported_to_the_caller(draft: DraftMaker) -> None:
    outcomes = Outcomes()
    drafts_issue(
        actor=None,
        drafts=[draft(1, level="三级", issue_date=date(2025, 8, 1)), draft(2)],
        now=NOW,
        outcomes=outcomes,
    )
    ((refused_draft, errors),) = outcomes.refused
    assert refused_draft.row == 1
    assert {e.code for e in errors} == {"level_unknown", "issued_before_approval"}
    assert [d.row for d, _ in outcomes.issued] == [2]


def test_an_abolished_qualification_is_issued_nothing_electronic_but_a_proof(
    catalogue: dict[str, Qualification], draft: DraftMaker, tree: dict[str, Authority]
) -> None:
    abolished = next(q for q in catalogue.values() if q.abolished and not q.levels.exists())
    error = refused([draft(1, qualification=abolished.pk, level="", specialty="")])
    assert error.code == "abolished"
    result = credentials_issue(
        actor=None,
        drafts=[
            draft(
                1,
                qualification=abolished.pk,
                level="",
                specialty="",
                kind=CredentialKind.QUALIFICATION_PROOF,
                issuer=tree["sd-pta"].pk,
                template="abolished-qualification-proof",
            )
        ],
        now=NOW,
    )
    assert result.issued == 1


def test_an_authority_without_a_key_issues_nothing_and_says_to_make_one(
    draft: DraftMaker, tree: dict[str, Authority]
) -> None:
    error = refused([draft(1, issuer=tree["sd-qingdao"].pk)])
    assert error.code == "no_key"
    assert "ecert keys init" in error.zh


def test_a_replacement_takes_the_place_of_the_credential_it_supersedes(
    world: World, draft: DraftMaker
) -> None:
    old = world.credentials["qingdao"]
    replacement = dataclasses.replace(
        draft(9, specialty="市政公用工程"),
        person=PersonDraft(name="李喆", id_number=parse_id_number(cast_id_number(2))),
        issuer=old.issuing_authority_id,
        number=old.management_number,
        approval_date=old.approval_date,
        registration=old.registration_authority_id,
        supersedes=old.pk,
    )
    credentials_issue(actor=None, drafts=[replacement], now=NOW)
    new = Credential.objects.get(supersedes=old)
    assert new.management_number == old.management_number
    assert Credential.objects.get(pk=old.pk).status == CredentialStatus.SUPERSEDED
    assert new.status_index != old.status_index


def test_a_revoked_credential_cannot_be_superseded(world: World, draft: DraftMaker) -> None:
    old = world.credentials["qingdao"]
    Credential.objects.filter(pk=old.pk).update(status=CredentialStatus.REVOKED)
    replacement = dataclasses.replace(
        draft(9),
        person=PersonDraft(name="李喆", id_number=parse_id_number(cast_id_number(2))),
        supersedes=old.pk,
    )
    assert refused([replacement]).code == "not_replaceable"
