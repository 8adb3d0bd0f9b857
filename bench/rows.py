"""Generated passers for the insert benchmark, as pipeline drafts: Shandong cities, the Shandong
exam-proof list, signed by the province as the catalogue says.

Every ID number is a valid GB 11643 number that belongs to nobody, and each is used once, so
N drafts make N holders and N credentials. Needs Django set up (reads the loaded catalogue).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from ecert.authorities.models import Authority
from ecert.catalogue.models import CatalogueEntry
from ecert.core.identity.idnumbers import IdType, gb11643_check_character, parse_id_number
from ecert.core.rules.drafts import CredentialDraft, PersonDraft
from ecert.core.rules.kinds import AuthorityLevel, CredentialForm, CredentialKind

SEED = 20261124
CATALOGUE_LIST = "shandong-exam-proof"
ISSUER = "sd-hrss"  # 山东省人力资源和社会保障厅 seals the Shandong exam proof
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静强磊洋艳勇军杰娟涛明超秀霞平刚桂英华玉兰红梅建国志浩然欣怡雨桐梓萱子涵"
# Characters that break naive systems: outside the BMP (𠮷, 𡈽), CJK extension A (䶮), or rare in
# fonts and old GBK tables (堃 喆 赟 昇 龑 玥 燚 犇 淼).
RARE = ["𠮷", "𡈽", "䶮", "堃", "喆", "赟", "昇", "龑", "玥", "燚", "犇", "淼"]
RARE_SHARE = 0.05


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    if rng.random() < RARE_SHARE:
        given = rng.choice(RARE) + given[1:]
    return rng.choice(SURNAMES) + given


def _resident_id(rng: random.Random, division: str, taken: set[str]) -> str:
    while True:
        birth = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 38))
        county = f"{rng.randrange(1, 30):02d}"
        first17 = f"{division[:4]}{county}{birth:%Y%m%d}{rng.randrange(1, 1000):03d}"
        if first17 not in taken:
            taken.add(first17)
            return first17 + gb11643_check_character(first17)


def credential_drafts(count: int) -> list[CredentialDraft]:
    """`count` distinct passers of the Shandong exam-proof list, registered in Shandong cities."""
    rng = random.Random(SEED)
    issuer = Authority.objects.get(key=ISSUER)
    cities = list(
        Authority.objects.filter(parent__key="sd-hrss", level=AuthorityLevel.CITY).exclude(
            division_code=""
        )
    )
    entries = [
        (
            entry.qualification_id,
            entry.levels or list(entry.qualification.levels.values_list("name", flat=True)) or [""],
        )
        for entry in CatalogueEntry.objects.filter(
            catalogue_list__key=CATALOGUE_LIST
        ).select_related("qualification")
    ]
    taken: set[str] = set()
    rows = []
    for n in range(count):
        city = cities[rng.randrange(len(cities))]
        qualification_id, levels = entries[rng.randrange(len(entries))]
        approval = date(2021 + rng.randrange(5), rng.choice((3, 6, 9, 12)), 1)
        rows.append(
            CredentialDraft(
                person=PersonDraft(
                    name=_name(rng),
                    id_number=parse_id_number(
                        _resident_id(rng, city.division_code, taken), IdType.RESIDENT_ID
                    ),
                ),
                kind=CredentialKind.EXAM_PROOF,
                form=CredentialForm.ELECTRONIC,
                issuer=issuer.pk,
                approval_date=approval,
                issue_date=approval + timedelta(days=30),
                number=f"BENCH{approval:%Y}{city.division_code[:4]}{n:07d}",
                qualification=qualification_id,
                level=rng.choice(levels),
                registration=city.pk,
                template=CATALOGUE_LIST,
                row=n + 1,
            )
        )
    return rows
