"""A sitting's paper certificates on record, in Shandong and in Henan, and the staff who hand them
out: the cast of tests/conftest.py plus Henan's exam-centre clerk, the province finance
department's clerk and a Zhengzhou city finance department with its clerk."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ecert.accounts.models import User
from ecert.accounts.services import role_assign, user_create
from ecert.authorities.models import Authority
from ecert.authorities.services import authority_create
from ecert.catalogue.models import Qualification
from ecert.core.identity.idnumbers import Sex, parse_id_number
from ecert.core.rules.drafts import CredentialDraft, PersonDraft
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel, CredentialForm, CredentialKind
from ecert.core.rules.paper import Edition
from ecert.core.rules.roles import Role
from ecert.credentials.models import Credential
from ecert.credentials.services import credentials_issue
from ecert.distribution.models import PaperCertificate, PaperDelivery
from ecert.distribution.services import delivery_record
from ecert.issuance.services import passlist_import_create, passlist_import_run
from tests.conftest import PASSWORD, PLACES, World, cast_id_number
from tests.core.idgen import make_resident_id
from tests.keys import signer_keys_install

ARRIVED = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
HEADER = ("ZSGLH", "KSXM", "ZJHM", "ZJLB", "XB", "BKJB", "BKZY", "CSNY", "PZRQ", "ZP", "BMS")
SD_APPROVED = date(2025, 9, 1)
HA_APPROVED = date(2025, 11, 1)


def sd_id(seq: int) -> str:
    return make_resident_id(date(1990, 1, 2), Sex.MALE if seq % 2 else Sex.FEMALE, "370102", seq)


def ha_id(seq: int) -> str:
    return make_resident_id(date(1991, 3, 4), Sex.MALE if seq % 2 else Sex.FEMALE, "410102", seq)


# (management number, name, ID number, BMS city)
SD_ROWS = (
    ("2537010000000201", "张堃", None, "济南市"),  # the cast's Jinan holder (signed in as `holder`)
    ("2537020000000202", "钱昇", sd_id(202), "青岛市"),
    ("2537010000000203", "孙芸", sd_id(203), "济南市"),
    ("2537150000000204", "周喆", sd_id(204), "聊城市"),
)
HA_ROWS = (
    ("2541010000000301", "赵昇", None, "郑州市"),  # the cast's Henan holder, who has an e-proof
    ("2541020000000302", "吴赟", ha_id(302), "开封市"),  # Kaifeng has no city finance department
)


@dataclass
class Paper:
    world: World
    users: dict[str, User]
    sd: Qualification  # 一级建造师
    ha: Qualification  # 会计（中级）
    zhengzhou_finance: Authority

    def record(self, number: str) -> Credential:
        return Credential.objects.get(management_number=number, form=CredentialForm.PAPER)

    def certificate(self, number: str) -> PaperCertificate:
        return PaperCertificate.objects.select_related("unit", "credential").get(
            credential__management_number=number
        )


def _csv(
    rows: tuple[tuple[str, str, str | None, str], ...],
    level: str,
    specialty: str,
    approved: date,
    cast_ids: dict[str, str],
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for number, name, id_number, city in rows:
        id_number = id_number or cast_ids[name]
        sex = "男" if parse_id_number(id_number).sex is Sex.MALE else "女"
        writer.writerow(
            (
                number,
                name,
                id_number,
                "居民身份证",
                sex,
                level,
                specialty,
                "",
                approved.isoformat(),
                "",
                city,
            )
        )
    return buffer.getvalue().encode()


def records_load(authority: Authority, qualification: Qualification, data: bytes) -> None:
    job = passlist_import_create(
        actor=None,
        authority=authority,
        qualification=qualification,
        file_name="records.csv",
        chunks=[data],
        form=CredentialForm.PAPER,
    )
    report = passlist_import_run(import_id=job.pk, now=ARRIVED)
    assert report.issued, (
        report.state,
        report.message if hasattr(report, "message") else "",
        report.__dict__,
    )


@pytest.fixture
def paper(world: World) -> Paper:
    tree = world.authorities
    cast_ids = {name: cast_id_number(seq) for name, _i, _c, _r, seq in PLACES.values()}
    sd = Qualification.objects.get(key="constructor")
    ha = Qualification.objects.get(key="accounting")
    records_load(tree["sd-pta"], sd, _csv(SD_ROWS, "一级", "建筑工程", SD_APPROVED, cast_ids))
    records_load(tree["ha-pta"], ha, _csv(HA_ROWS, "中级", "", HA_APPROVED, cast_ids))
    zhengzhou_finance = authority_create(
        actor=None,
        key="ha-zhengzhou-finance",
        name="郑州市财政局",
        kind=AuthorityKind.DEPARTMENT,
        level=AuthorityLevel.CITY,
        parent=tree["ha-zhengzhou"],
        sector="finance",
    )
    # The Henan holder's e-proof of the same exam (seed 004 一(三)).
    credentials_issue(
        actor=None,
        drafts=[
            CredentialDraft(
                person=PersonDraft(name="赵昇", id_number=parse_id_number(cast_ids["赵昇"])),
                kind=CredentialKind.EXAM_PROOF,
                form=CredentialForm.ELECTRONIC,
                issuer=tree["ha-hrss"].pk,
                approval_date=HA_APPROVED,
                issue_date=date(2025, 12, 1),
                number="HA-PROOF-0301",
                qualification=ha.pk,
                level="中级",
                specialty="",
                registration=tree["ha-zhengzhou"].pk,
                template="henan-exam-proof",
            )
        ],
        now=ARRIVED,
    )
    users = dict(world.users)
    for username, role, key in (
        ("ha_centre_clerk", Role.EXAM_CENTRE_CLERK, "ha-pta"),
        ("ha_finance_clerk", Role.DEPARTMENT_CLERK, "ha-finance"),
        ("zhengzhou_finance_clerk", Role.DEPARTMENT_CLERK, "ha-zhengzhou-finance"),
    ):
        user = user_create(actor=None, username=username, password=PASSWORD, display_name=username)
        role_assign(actor=None, user=user, role=role, authority=Authority.objects.get(key=key))
        users[username] = user
    return Paper(world, users, sd, ha, zhengzhou_finance)


def deliver(paper: Paper, *, henan: bool = False, edition: Edition = Edition.NEW) -> PaperDelivery:
    """The exam centre records the sitting's delivery from the records already loaded."""
    users = paper.users
    return delivery_record(
        actor=users["ha_centre_clerk" if henan else "exam_centre_clerk"],
        authority=Authority.objects.get(key="ha-pta" if henan else "sd-pta"),
        qualification=paper.ha if henan else paper.sd,
        level="中级" if henan else "一级",
        approval_date=HA_APPROVED if henan else SD_APPROVED,
        edition=edition,
        arrived_on=ARRIVED.date(),
        numbers=None,
        source_name="",
        now=ARRIVED,
    ).delivery


def unit_keys_give(settings: Any, *keys: str) -> None:
    """Give units a sealing key and a seal picture, as ``issuing_keys`` gives the issuers theirs
    (a city bureau seals the notices of its counter checks)."""
    units = [a for a in Authority.objects.filter(key__in=keys) if not a.signer_keys.exists()]
    signer_keys_install(
        settings.ECERT_KEYSTORE.directory, {unit: {CredentialKind.EXAM_PROOF} for unit in units}
    )


@pytest.fixture
def jinan_seals(paper: Paper, settings: Any) -> Authority:
    """The Jinan bureau with its sealing key and seal picture."""
    unit_keys_give(settings, "sd-jinan")
    return Authority.objects.get(key="sd-jinan")
