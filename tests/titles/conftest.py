"""Helpers of the title tests: the facts of one approval, recorded as a clerk would (the
``titles`` and ``title_keys`` fixtures are in tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from ecert.accounts.models import User
from ecert.core.identity.idnumbers import IdType, Sex, parse_id_number
from ecert.core.rules.kinds import CredentialForm
from ecert.titles.certificates import title_reissue_submit
from ecert.titles.models import TitleApproval, TitleCertificate, TitleReissue
from ecert.titles.services import ApprovalFacts, title_approval_record
from tests.conftest import World
from tests.core.idgen import make_resident_id

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
PLEDGE = b"%PDF-1.7\n% a scanned pledge\n"


def facts(
    seq: int = 1,
    *,
    name: str = "欧阳𠮷喆",
    series_code: str = "012",
    review_year: int = 2025,
    approval_date: date = date(2025, 12, 20),
    approval_document: str = "聊人社字〔2025〕100号",
    grassroots: bool = False,
    form: CredentialForm = CredentialForm.ELECTRONIC,
) -> ApprovalFacts:
    number = make_resident_id(date(1979, 4, 23), Sex.FEMALE, region="371502", seq=seq)
    return ApprovalFacts(
        name=name,
        id_number=parse_id_number(number, IdType.RESIDENT_ID),
        series_code=series_code,
        specialty="中学数学",
        work_unit="聊城市东昌府区实验中学",
        review_body="聊城市中小学教师高级职称评审委员会",
        review_year=review_year,
        approval_date=approval_date,
        approval_document=approval_document,
        grassroots=grassroots,
        form=form,
    )


def record(
    world: World, approver: str = "sd-liaocheng", *, actor: str = "province_admin", **kwargs: Any
) -> TitleApproval:
    user: User = world.user(actor)
    return title_approval_record(
        actor=user, approver=world.authorities[approver], facts=facts(**kwargs), now=NOW
    )


def submit(
    world: World, certificate: TitleCertificate, *, actor: str = "province_admin", **kwargs: Any
) -> TitleReissue:
    """A reissue application for a lost paper certificate, as the approving body records it."""
    values: dict[str, Any] = {
        "pledge_name": "承诺书.pdf",
        "pledge": PLEDGE,
        "reviewing_unit": "聊城市东昌府区教育和体育局",
        "reviewed_on": date(2026, 11, 18),
    }
    values.update(kwargs)
    return title_reissue_submit(actor=world.user(actor), certificate=certificate, now=NOW, **values)
