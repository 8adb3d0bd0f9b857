"""Demo data for `ecert demo`: one user per role, a county and an institution, generated holders.

Every ID number is generated with a valid GB 11643 check character and belongs to nobody.
Running it again adds nothing.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime, timedelta

from django.utils import timezone

from ecert.accounts.models import User
from ecert.accounts.services import account_with_role_create
from ecert.authorities.models import Authority
from ecert.authorities.services import authority_create
from ecert.catalogue.models import CatalogueEntry
from ecert.core.identity.idnumbers import IdType, Sex, gb11643_check_character, parse_id_number
from ecert.core.rules.drafts import CredentialDraft, PersonDraft
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel, CredentialForm, CredentialKind
from ecert.core.rules.roles import ROLE_LABELS, ROLE_PERMISSIONS, Perm, Role
from ecert.credentials.models import Credential, Holder
from ecert.credentials.services import (
    credentials_issue,
    holder_id_number,
    holder_link_user,
)
from ecert.documents.models import SealImage
from ecert.documents.seals import seal_demo_create
from ecert.verification.organisations import (
    Registration,
    organisation_decide,
    organisation_register,
)

DEMO_PASSWORD = "ecert-demo-2026"  # noqa: S105 - printed by `ecert demo`, never used in production
DEMO_CREDIT_CODE = "91370100MA3C5GXX4P"  # a well-formed 统一社会信用代码 of no real organisation

DEMO_USERS: list[tuple[str, str, Role, str | None]] = [
    ("sd-admin", "山东省管理员", Role.PROVINCE_ADMIN, "sd-hrss"),
    ("sd-exam", "山东省考试中心经办", Role.EXAM_CENTRE_CLERK, "sd-pta"),
    ("jinan-clerk", "济南市经办", Role.CITY_CLERK, "sd-jinan"),
    ("qingdao-clerk", "青岛市经办", Role.CITY_CLERK, "sd-qingdao"),
    ("liaocheng-clerk", "聊城市经办", Role.CITY_CLERK, "sd-liaocheng"),
    ("lixia-clerk", "历下区经办", Role.COUNTY_CLERK, "sd-jinan-lixia"),
    ("ha-exam", "河南省考试中心经办", Role.EXAM_CENTRE_CLERK, "ha-pta"),
    ("ha-housing-clerk", "河南省住建厅经办", Role.DEPARTMENT_CLERK, "ha-housing"),
    ("sdu-clerk", "山东大学经办", Role.INSTITUTION_CLERK, "sd-sdu"),
    ("employer", "示例用证单位", Role.EMPLOYER_VERIFIER, None),
    ("holder", "示例持证人", Role.HOLDER, None),
    ("auditor", "安全审计员", Role.AUDITOR, "mohrss"),
    ("security", "安全管理员", Role.SECURITY_ADMIN, "mohrss"),
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "堃",
    "喆",
    "赟",
    "昇",
    "𠮷祥",
    "子涵",
    "浩然",
    "欣怡",
    "雨桐",
    "梓萱",
]


# Authorities the packaged file does not have (it holds no counties or institutions): (key, name,
# kind, level, parent key, division code).
DEMO_AUTHORITIES = [
    (
        "sd-jinan-lixia",
        "济南市历下区人力资源和社会保障局",
        AuthorityKind.HR_BUREAU,
        AuthorityLevel.COUNTY,
        "sd-jinan",
        "370102",
    ),
    ("sd-sdu", "山东大学", AuthorityKind.INSTITUTION, AuthorityLevel.PROVINCE, "sd-hrss", ""),
]


def demo_authorities() -> None:
    """Add a county below Jinan and an institution below the Shandong department, if missing."""
    for key, name, kind, level, parent, division_code in DEMO_AUTHORITIES:
        if not Authority.objects.filter(key=key).exists():
            authority_create(
                actor=None,
                key=key,
                name=name,
                kind=kind,
                level=level,
                parent=Authority.objects.get(key=parent),
                division_code=division_code,
            )


def _demo_users() -> list[tuple[str, str]]:
    logins = []
    for username, display, role, authority_key in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None and role is Role.EMPLOYER_VERIFIER:
            _demo_organisation(username, display)
        elif user is None:
            user = account_with_role_create(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                display_name=display,
                role=role,
                authority=Authority.objects.get(key=authority_key) if authority_key else None,
            )
        where = f" · {authority_key}" if authority_key else ""
        if role is Role.HOLDER:
            where += (
                " (持证人自助 /my/ ，用证件号码登录 / signs in at /my/ with the ID number below)"
            )
        elif role is Role.EMPLOYER_VERIFIER:
            where += " (用证单位，在 /verify/org/ 登录 / an organisation: signs in at /verify/org/)"
        elif Perm.USE_BACKOFFICE not in ROLE_PERMISSIONS[role]:
            where += " (暂无页面 / no pages yet)"
        logins.append((username, f"{ROLE_LABELS[role][0]} / {ROLE_LABELS[role][1]}{where}"))
    return logins


def _demo_organisation(username: str, display: str) -> None:
    """The demo employer registers like any organisation, and the Jinan clerk approves it."""
    now = timezone.now()
    organisation = organisation_register(
        registration=Registration(
            name=display,
            credit_code=DEMO_CREDIT_CODE,
            city=Authority.objects.get(key="sd-jinan"),
            contact_name="示例联系人",
            contact_phone="0531-00000000",
            username=username,
            password=DEMO_PASSWORD,
        ),
        now=now,
    )
    organisation_decide(
        actor=User.objects.get(username="jinan-clerk"),
        organisation=organisation,
        approve=True,
        note="示例数据 / demo data",
        now=now,
    )


def _resident_id(n: int, division: str) -> str:
    """The n-th demo number of a city: distinct for every n below 12,775 × 999."""
    birth = date(1965, 1, 1) + timedelta(days=n % 12775)
    first17 = f"{division[:4]}02{birth:%Y%m%d}{n // 12775 % 999 + 1:03d}"
    return first17 + gb11643_check_character(first17)


def _entries_with_levels(list_key: str) -> list[tuple[CatalogueEntry, list[str]]]:
    """A list's entries, each with the levels it covers (all of the qualification's when unnamed)."""
    entries = CatalogueEntry.objects.filter(catalogue_list__key=list_key).select_related(
        "qualification"
    )
    return [
        (e, e.levels or list(e.qualification.levels.values_list("name", flat=True)) or [""])
        for e in entries
    ]


def _drafts(count: int, today: date) -> list[CredentialDraft]:
    rng = random.Random(20261124)  # noqa: S311 - reproducible demo data, not security
    # The signing authorities named by the catalogue lists (the seal on the face).
    issuer = {a.key: a for a in Authority.objects.filter(key__in=["sd-hrss", "mohrss", "ha-hrss"])}
    sd_cities = list(Authority.objects.filter(parent__key="sd-hrss", level=AuthorityLevel.CITY))
    ha_cities = list(Authority.objects.filter(parent__key="ha-hrss", level=AuthorityLevel.CITY))
    plans = [
        ("shandong-exam-proof", CredentialKind.EXAM_PROOF, issuer["sd-hrss"], sd_cities),
        ("national-style-1", CredentialKind.NATIONAL_CERTIFICATE, issuer["mohrss"], sd_cities),
        (
            "henan-provincial-certificate",
            CredentialKind.PROVINCIAL_CERTIFICATE,
            issuer["ha-hrss"],
            ha_cities,
        ),
    ]
    choices = {list_key: _entries_with_levels(list_key) for list_key, *_ in plans}
    drafts = []
    for n in range(count):
        list_key, kind, authority, cities = plans[n % len(plans)]
        entry, levels = choices[list_key][rng.randrange(len(choices[list_key]))]
        city = cities[rng.randrange(len(cities))]
        approval = date(2021 + rng.randrange(5), rng.choice([3, 6, 9, 12]), 1)
        drafts.append(
            CredentialDraft(
                person=PersonDraft(
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    id_number=parse_id_number(
                        _resident_id(n, city.division_code), IdType.RESIDENT_ID
                    ),
                ),
                kind=kind,
                form=CredentialForm.ELECTRONIC,
                issuer=authority.pk,
                approval_date=approval,
                issue_date=min(approval + timedelta(days=30), today),
                number=f"DEMO{approval:%Y}{city.division_code[:4]}{n:06d}",
                qualification=entry.qualification_id,
                level=rng.choice(levels),
                registration=city.pk,
                template=list_key,
                row=n + 1,
            )
        )
    return drafts


def demo_users() -> list[tuple[str, str]]:
    """Create the demo authorities and cast (idempotent); return (login, description) pairs."""
    demo_authorities()
    return _demo_users()


def demo_credentials(*, holders: int, now: datetime) -> int:
    """Issue the demo credentials through the pipeline (idempotent: what exists is counted, not
    repeated) and link the first holder to the demo holder's portal login; return how many were
    issued now. Needs the signing keys (``ecert keys init``)."""
    summary = credentials_issue(
        actor=None, drafts=_drafts(holders, timezone.localdate(now)), now=now
    )
    holder_user = User.objects.get(username="holder")
    if not Holder.objects.filter(user=holder_user).exists():
        first = Credential.objects.order_by("id").select_related("holder").first()
        if first is not None:
            holder_link_user(actor=None, holder=first.holder, user=holder_user)
    return summary.issued


def demo_holder_login() -> tuple[str, str] | None:
    """The demo holder's portal login (their ID number), once they are linked to a holder."""
    linked = Holder.objects.filter(user__username="holder").first()
    if linked is None:
        return None
    return (holder_id_number(linked), f"{linked.name} · 持证人 /my/ 证件号码 / ID number")


def demo_seals(*, now: datetime) -> list[str]:
    """Draw a seal for every authority with a signing key and no seal yet, so that the demo's
    documents carry one; return the keys of the authorities that got one."""
    sealed = SealImage.objects.values_list("authority_id", flat=True)
    authorities = (
        Authority.objects.filter(signer_keys__isnull=False, signer_keys__revoked_at__isnull=True)
        .exclude(pk__in=sealed)
        .distinct()
        .order_by("key")
    )
    made = []
    for authority in authorities:
        seal_demo_create(actor=None, authority=authority, now=now)
        made.append(authority.key)
    return made


def demo_titles(*, now: datetime) -> list[str]:
    """Two titles the Liaocheng bureau approved, numbered and issued (one electronic, for the demo
    holder, who finds it at /my/; one paper, grassroots); return their numbers. Idempotent."""
    from ecert.titles.certificates import title_certificate_issue
    from ecert.titles.models import TitleCertificate
    from ecert.titles.services import ApprovalFacts, title_approval_record

    if TitleCertificate.objects.exists():
        return []
    clerk = User.objects.get(username="liaocheng-clerk")
    liaocheng = Authority.objects.get(key="sd-liaocheng")
    holder = Holder.objects.filter(user__username="holder").first()
    people = [
        (holder.name, holder_id_number(holder), CredentialForm.ELECTRONIC, False)
        if holder is not None
        else ("欧阳𠮷喆", _resident_id(901, "371502"), CredentialForm.ELECTRONIC, False),
        ("司马昇", _resident_id(902, "371502"), CredentialForm.PAPER, True),
    ]
    numbers = []
    for name, id_number, form, grassroots in people:
        approval = title_approval_record(
            actor=clerk,
            approver=liaocheng,
            facts=ApprovalFacts(
                name=name,
                id_number=parse_id_number(id_number),
                series_code="012",
                specialty="中学数学",
                work_unit="聊城市东昌府区实验中学",
                review_body="聊城市中小学教师高级职称评审委员会",
                review_year=now.year - 1,
                approval_date=date(now.year - 1, 12, 20),
                approval_document=f"聊人社字〔{now.year - 1}〕100号",
                grassroots=grassroots,
                form=form,
            ),
            now=now,
        )
        certificate = title_certificate_issue(actor=clerk, approval=approval, now=now)
        numbers.append(certificate.credential.printed_number())
    return numbers


# Paper certificates of 一级建造师 printed before this system, for the certificate database
# (seed 001 二(一)2): the 11 columns of seed 001 附件 二.2. docs/examples/records-example.csv holds
# the same rows; the photo column is empty (no zip comes with them).
RECORD_HEADER = ("ZSGLH", "KSXM", "ZJHM", "ZJLB", "XB", "BKJB", "BKZY", "CSNY", "PZRQ", "ZP", "BMS")
RECORDS = (
    ("0837010000000101", "钱昇", _resident_id(1101, "370102"), "房屋建筑工程", "2008-09-26", "济南市"),
    ("0837020000000102", "孙亮", _resident_id(1102, "370202"), "建筑工程", "2008-09-26", "青岛市"),
    ("1137010000000103", "周喆", _resident_id(1103, "370102"), "市政公用工程", "2011-10-15", "济南市"),
    ("1437150000000104", "吴堃", _resident_id(1104, "371502"), "机电工程", "2014-09-20", "聊城市"),
    ("1637030000000105", "郑赟", _resident_id(1105, "370302"), "建筑工程", "2016-09-24", "淄博市"),
)  # fmt: skip


def records_csv() -> str:
    """The demo records as a UTF-8 CSV with the pinyin header, as an exam centre sends them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RECORD_HEADER)
    for number, name, id_number, specialty, approved, city in RECORDS:
        sex = "男" if parse_id_number(id_number).sex is Sex.MALE else "女"
        writer.writerow(
            (number, name, id_number, "居民身份证", sex, "一级", specialty, "", approved, "", city)
        )
    return buffer.getvalue()


def demo_records(*, now: datetime) -> int:
    """Load the demo records of paper certificates as an exam-centre clerk does (the import
    service, form paper, kept by 山东省人事考试中心); return how many were recorded now (none when
    they are there already)."""
    from ecert.catalogue.models import Qualification
    from ecert.issuance.services import passlist_import_create, passlist_import_run

    if Credential.objects.filter(management_number=RECORDS[0][0]).exists():
        return 0
    job = passlist_import_create(
        actor=None,
        authority=Authority.objects.get(key="sd-pta"),
        qualification=Qualification.objects.get(key="constructor"),
        file_name="records-example.csv",
        chunks=[records_csv().encode()],
        form=CredentialForm.PAPER,
    )
    return passlist_import_run(import_id=job.pk, now=now).issued


# A sitting's paper certificates that have just reached the province (issue 16): the demo holder's
# (the national paper of their e-proof's exam) and two more, registered in Jinan (jinan-clerk hands
# them out), and 一级建造师 in Henan, handed out by the housing department. docs/distribution.md.
HENAN_PAPER = (
    ("2541010000000901", "冯昇", _resident_id(1901, "410102"), "郑州市"),
    ("2541020000000902", "陈芸", _resident_id(1902, "410202"), "开封市"),
)


def _paper_csv(rows: list[tuple[str, str, str, str, str, str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RECORD_HEADER)
    for number, name, id_number, level, specialty, approved, city in rows:
        sex = "男" if parse_id_number(id_number).sex is Sex.MALE else "女"
        writer.writerow(
            (number, name, id_number, "居民身份证", sex, level, specialty, "", approved, "", city)
        )
    return buffer.getvalue().encode()


def demo_paper(*, now: datetime) -> int:
    """Record the arrival of two sittings' paper certificates as the exam centres do, and assign
    them to their units; return how many arrived now (none when they are there already)."""
    from ecert.catalogue.models import Qualification
    from ecert.core.rules.paper import Edition
    from ecert.distribution.services import delivery_record
    from ecert.issuance.services import passlist_import_create, passlist_import_run

    if Credential.objects.filter(management_number=HENAN_PAPER[0][0]).exists():
        return 0
    sittings = []
    holder = Holder.objects.filter(user__username="holder").first()
    proof = (
        Credential.objects.filter(holder=holder, kind=CredentialKind.EXAM_PROOF)
        .select_related("registration_authority")
        .first()
        if holder is not None
        else None
    )
    if proof is not None and proof.qualification_id:
        city = Authority.objects.get(key="sd-jinan")  # where the demo's city clerk works
        approved = f"{proof.approval_date:%Y-%m-%d}"
        rows = [
            (f"25{city.division_code[:4]}000000{n:04d}", name, id_number, proof.level,
             proof.specialty, approved, city.name.split("市")[0] + "市")
            for n, (name, id_number) in enumerate(
                [(proof.holder_name, holder_id_number(proof.holder)),
                 ("褚芸", _resident_id(1801, city.division_code)),
                 ("卫喆", _resident_id(1802, city.division_code))],
                start=801,
            )
        ]  # fmt: skip
        sittings.append(("sd-pta", "sd-exam", proof.qualification_id, rows))
    henan = Qualification.objects.get(key="constructor")
    rows = [(n, name, i, "一级", "建筑工程", "2025-10-25", c) for n, name, i, c in HENAN_PAPER]
    sittings.append(("ha-pta", "ha-exam", henan.pk, rows))
    arrived = 0
    for centre_key, clerk, qualification_id, sitting in sittings:
        centre = Authority.objects.get(key=centre_key)
        qualification = Qualification.objects.get(pk=qualification_id)
        job = passlist_import_create(
            actor=None,
            authority=centre,
            qualification=qualification,
            file_name="paper-arrival.csv",
            chunks=[_paper_csv(sitting)],
            form=CredentialForm.PAPER,
        )
        passlist_import_run(import_id=job.pk, now=now)
        report = delivery_record(
            actor=User.objects.get(username=clerk),
            authority=centre,
            qualification=qualification,
            level=sitting[0][3],
            approval_date=date.fromisoformat(sitting[0][5]),
            edition=Edition.NEW,
            arrived_on=timezone.localdate(now),
            numbers=[row[0] for row in sitting],
            source_name="paper-arrival.csv",
            now=now,
        )
        arrived += report.added
    return arrived


def demo_photo(seed: int) -> bytes:
    """A plain ID photo that meets seed 001 附件 二.3 (white, 295×413, 10–30 KB): a figure on a
    white ground, textured until the file passes 12 KB."""
    from PIL import Image, ImageDraw

    from ecert.core.rules.photos import HEIGHT, KB, WIDTH

    rng = random.Random(seed)  # noqa: S311 - texture of a picture, not a secret
    for noise in range(8, 256, 8):
        image = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
        draw = ImageDraw.Draw(image)
        draw.ellipse((92, 70, 203, 198), fill=(150, 156, 165))
        draw.ellipse((30, 231, 265, 496), fill=(95, 105, 120))
        pixels = image.load()
        assert pixels is not None
        for y in range(80, HEIGHT):
            for x in range(60, 236):
                if rng.random() < 0.5:
                    shift = rng.randint(-noise, noise)
                    red, green, blue = pixels[x, y]  # type: ignore[misc]
                    pixels[x, y] = tuple(max(0, min(255, c + shift)) for c in (red, green, blue))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        if len(buffer.getvalue()) >= 12 * KB:
            return buffer.getvalue()
    raise AssertionError("no demo photo of 12 KB")


def demo_replacements(*, now: datetime) -> int:
    """Two replacement applications registered at the Jinan counter for the old records of
    docs/examples/records-example.csv: 周喆's (lost, written with a name that differs from the
    record, waiting for the clerk's check) and 钱昇's (damaged, accepted into Jinan's batch of the
    month). Returns how many were made now (none when they are there already)."""
    from ecert.core.rules.paper import Method
    from ecert.core.rules.replacement import Reason
    from ecert.replacement.models import Application
    from ecert.replacement.services import (
        ApplicationInput,
        application_accept,
        application_submit,
    )

    clerk = User.objects.get(username="jinan-clerk")
    made = 0
    for number, reason, written_name, accept in (
        (RECORDS[2][0], Reason.LOST, "周哲", False),
        (RECORDS[0][0], Reason.DAMAGED, None, True),
    ):
        record = Credential.objects.filter(management_number=number).first()
        if record is None or Application.objects.filter(credential=record).exists():
            continue
        application = application_submit(
            actor=clerk,
            credential=record,
            form=ApplicationInput(
                reason=reason,
                name=written_name or record.holder_name,
                id_number=holder_id_number(record.holder),
                level=record.level,
                specialty=record.specialty,
                approval_date=record.approval_date,
                phone="13905310000",
                method=Method.COUNTER,
                photo=demo_photo(made + 1),
                photo_name="photo.jpg",
            ),
            now=now,
        )
        if accept:
            application_accept(actor=clerk, application=application, now=now)
        made += 1
    return made
