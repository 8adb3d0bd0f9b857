"""Certificate faces: which Typst layout a credential is printed on, and the fields each prints.

A face is one file in ``src/ecert/data/faces`` (``<face>.typ``); ``main.typ`` calls it once per
page. Python and Typst agree on field names through ``FIELDS``: every value is a string, already
formatted for print (dates as ``2024年06月01日``); a field that is absent is left out of the page,
never printed as "None". docs/faces.md shows each face and says which notice it follows.

Field names (``FIELDS`` lists the ones each face prints; those in ``OPTIONAL`` may be absent):

==================  ==========================================================================
``name``            姓名, at most 40 characters
``id_number``       证件号码 / 身份证号, in full (the document is the holder's own)
``sex``             性别: 男 or 女 (``sex_label``)
``birth_month``     出生年月: ``1988年05月`` (``cn_month``)
``qualification``   the qualification with its level: ``一级建造师``, ``中级经济专业技术资格``
``qualification_full``  the same as a 职业资格 line: ``一级建造师职业资格`` (``qualification_full``)
``qualification_en``    the English title line of a national certificate: ``Constructor (Level 1)``
``approved_by``     style 1: the ministries that approve it (``人力资源和社会保障部、住房和城乡建设部``);
                    style 2: the ministries that supervise it (监制)
``level``           级别: ``一级``, ``中级`` … (exam proofs; the title certificate's 级别 ``副高级``)
``specialty``       专业
``exam_year``       年度 of the exam: ``2024``
``approval_date``   批准日期 / 批准时间
``number``          管理号; on the title certificate the 证书编号 ``鲁181402001200001``, with
                    ``（基层）`` appended for a grassroots title (``title_number``)
``issue_date``      制发日期 / 签发时间 / 签发日期
``issuer``          the issuing authority, printed under its seal (style 2: the body that 颁发)
``work_unit``       工作单位 (title certificate)
``series``          系列 (title certificate): ``中小学教师``
``title``           职称名称（资格名称） (title certificate): ``高级教师``
``review_body``     评审组织 (title certificate); when absent the face names the 核准公布部门 (issuer)
``approval_document``   批准文号 (title certificate): ``聊人社字〔2018〕100号``
``verification_code``   验证码 of an electronic title certificate (seed 003 第十一条)
``purpose``         加注 purpose of a scoped copy: the page gets a red stamp "仅供…使用"
``valid_until``     last valid day of a scoped copy or a proof: ``2026年12月31日``
==================  ==========================================================================

``Page.extras`` carries ``verify_host`` (the host the QR code opens, lower case) for the caption
under the QR code; it is configuration, not holder data, so the font check skips it.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from functools import cache
from types import MappingProxyType

from ecert.core.documents.render import Page, Picture
from ecert.core.errors import EcertError
from ecert.core.formats.qr import parse_qr_text, qr_text
from ecert.core.identity.idnumbers import SEX_LABELS, Sex, gb11643_check_character
from ecert.core.rules.kinds import RECORD_KINDS, CredentialKind


class Face(StrEnum):
    """The printed layouts; a value is the file name of the layout without ``.typ``."""

    NATIONAL_STYLE_1 = "national-style-1"  # seed 002 附件 样式1 (ministry seal)
    NATIONAL_STYLE_2 = "national-style-2"  # seed 002 附件 样式2 (association seal)
    SHANDONG_EXAM_PROOF = "shandong-exam-proof"  # seed 000 附件2
    HENAN_EXAM_PROOF = "henan-exam-proof"  # seed 004 一(三)、(四)
    HENAN_PROVINCIAL_CERTIFICATE = "henan-provincial-certificate"  # seed 004 一(二)
    SHANDONG_TITLE_CERTIFICATE = "shandong-title-certificate"  # seed 003 第三–五条, 第十一条
    SCORE_PROOF = "score-proof"  # seed 001 §二(二)1
    QUALIFICATION_PROOF = "qualification-proof"  # seed 001 §二(二)2
    QUERY_RESULT = "query-result"  # seed 001 三(一): a paper certificate's record, as a file


_PERSON = ("name", "id_number", "sex", "birth_month")
FIELDS: Mapping[Face, tuple[str, ...]] = MappingProxyType(
    {
        Face.NATIONAL_STYLE_1: (
            *_PERSON,
            *("qualification_full", "qualification_en", "approved_by"),
            *("approval_date", "number", "issue_date", "issuer"),
        ),
        Face.NATIONAL_STYLE_2: (
            *_PERSON,
            *("qualification", "qualification_full", "qualification_en", "approved_by"),
            *("approval_date", "number", "issue_date", "issuer"),
        ),
        Face.SHANDONG_EXAM_PROOF: (
            *_PERSON,
            *("exam_year", "qualification", "qualification_full", "level", "specialty"),
            *("approval_date", "number", "issue_date", "issuer"),
        ),
        Face.HENAN_EXAM_PROOF: (
            *_PERSON,
            *("exam_year", "qualification", "qualification_full", "level", "specialty"),
            *("approval_date", "number", "issue_date", "issuer"),
        ),
        Face.HENAN_PROVINCIAL_CERTIFICATE: (
            *_PERSON,
            *("qualification", "qualification_full", "specialty"),
            *("approval_date", "number", "issue_date", "issuer"),
        ),
        Face.SHANDONG_TITLE_CERTIFICATE: (
            *_PERSON,
            *("work_unit", "series", "specialty", "title", "level", "review_body"),
            *("approval_document", "approval_date", "number", "verification_code"),
            *("issue_date", "issuer"),
        ),
        Face.SCORE_PROOF: (
            *_PERSON,
            *("exam_year", "qualification", "qualification_full", "specialty"),
            *("approval_date", "number", "issue_date", "issuer", "valid_until"),
        ),
        Face.QUALIFICATION_PROOF: (
            *_PERSON,
            *("qualification_full", "approval_date", "number", "issue_date", "issuer"),
            "valid_until",
        ),
        # The ID number is masked on this one: whoever queried may pass it to a third party.
        Face.QUERY_RESULT: (
            *("name", "id_number", "qualification_full", "specialty"),
            *("approval_date", "number", "issue_date", "issuer", "valid_until"),
        ),
    }
)
# A scoped (加注) copy of any face adds these two.
SCOPE_FIELDS = ("purpose", "valid_until")
# May be absent on every face: a passport may give no sex or birth month, a qualification may have
# no level or specialty, and the title certificate's details are filled in as far as they exist.
OPTIONAL = frozenset(
    {
        *("sex", "birth_month", "level", "specialty", "qualification_en"),
        *("work_unit", "series", "title", "review_body", "approval_document", "verification_code"),
        *SCOPE_FIELDS,
    }
)

# Which face a catalogue list (the credential's template) prints on; kinds with one face need no
# template. docs/issuance.md: the template is the key of the list the credential was issued under.
_BY_TEMPLATE: Mapping[tuple[CredentialKind, str], Face] = MappingProxyType(
    {
        (CredentialKind.NATIONAL_CERTIFICATE, "national-style-1"): Face.NATIONAL_STYLE_1,
        (CredentialKind.NATIONAL_CERTIFICATE, "national-style-2"): Face.NATIONAL_STYLE_2,
        (CredentialKind.EXAM_PROOF, "shandong-exam-proof"): Face.SHANDONG_EXAM_PROOF,
        (CredentialKind.EXAM_PROOF, "henan-exam-proof"): Face.HENAN_EXAM_PROOF,
        (
            CredentialKind.PROVINCIAL_CERTIFICATE,
            "henan-provincial-certificate",
        ): Face.HENAN_PROVINCIAL_CERTIFICATE,
    }
)
_BY_KIND: Mapping[CredentialKind, Face] = MappingProxyType(
    {
        CredentialKind.TITLE_CERTIFICATE: Face.SHANDONG_TITLE_CERTIFICATE,
        CredentialKind.SCORE_PROOF: Face.SCORE_PROOF,
        CredentialKind.QUALIFICATION_PROOF: Face.QUALIFICATION_PROOF,
    }
)
_BY_STYLE: Mapping[int, Face] = MappingProxyType(
    {1: Face.NATIONAL_STYLE_1, 2: Face.NATIONAL_STYLE_2}
)


def face_for(
    kind: CredentialKind, template: str, style: int | None, *, paper_record: bool = False
) -> Face:
    """The face of a credential of ``kind`` issued under catalogue list ``template``.

    A national certificate under a list that is not one of the two of seed 002 still prints on
    the style its list declares (``style``); a paper certificate the certificate database keeps
    has no electronic face but the query result's; any other unknown combination is refused.
    """
    kind = CredentialKind(kind)
    if paper_record and kind in RECORD_KINDS:
        return Face.QUERY_RESULT
    if kind in _BY_KIND:
        return _BY_KIND[kind]
    face = _BY_TEMPLATE.get((kind, template))
    if face is None and kind is CredentialKind.NATIONAL_CERTIFICATE and style is not None:
        face = _BY_STYLE.get(style)
    if face is None:
        raise EcertError(
            "no_face",
            f"没有适用于此证书的版式（类型 {kind.value}，模板“{template or '-'}”）",
            f"no certificate face for kind {kind.value} with template {template or '-'!r}",
        )
    return face


# ── Formatting ───────────────────────────────────────────────────────────────


def cn_date(value: date) -> str:
    """``2024年06月01日``: the notices' 年 月 日 form, two-digit month and day."""
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


def cn_month(value: date | str) -> str:
    """``1988年05月`` from a date or from a stored birth month ``"1988-05"``."""
    if isinstance(value, date):
        return f"{value.year}年{value.month:02d}月"
    year, _, month = value.partition("-")
    return f"{int(year)}年{int(month):02d}月"


def sex_label(sex: Sex | str) -> str:
    """男 or 女 for a stored sex; empty when it is not known."""
    return SEX_LABELS[Sex(sex)].zh if sex else ""


def qualification_title(name: str, level: str) -> str:
    """The qualification with its level, as the notices name it: ``一级建造师``, and for a level
    that is not a grade (机动车检测维修 士 / 工程师) ``…职业资格（工程师）``."""
    if not level:
        return name
    if level.endswith("级"):
        return f"{level}{name}"
    return f"{name}（{level}）"


def qualification_full(title: str) -> str:
    """The 职业资格 line (seed 002 ``××××职业资格``); a title naming 资格 already is one, also
    with its level after it (``…职业资格（工程师）``)."""
    return title if "资格" in title else f"{title}职业资格"


LEVEL_EN: Mapping[str, str] = MappingProxyType(
    {
        "一级": "Level 1",
        "二级": "Level 2",
        "三级": "Level 3",
        "初级": "Junior",
        "中级": "Intermediate",
        "高级": "Senior",
        "士": "Technician",
        "工程师": "Engineer",
    }
)


def qualification_en(name_en: str, level: str) -> str:
    """The English title line: ``Constructor (Level 1)``; empty when the catalogue has none."""
    if not name_en:
        return ""
    level_en = LEVEL_EN.get(level, "")
    return f"{name_en} ({level_en})" if level_en else name_en


def title_number(number: str, grassroots: bool) -> str:
    """A title certificate number as printed: ``（基层）`` follows it for a grassroots title
    (seed 003 第五条(三))."""
    return f"{number}（基层）" if grassroots else number


def verify_host(text: str) -> str:
    """The host a QR text opens, in lower case, for the caption under the code."""
    host, _ = parse_qr_text(text)
    return host.lower()


# ── Pages ────────────────────────────────────────────────────────────────────


def face_page(
    face: Face,
    fields: Mapping[str, str],
    *,
    qr_text: str = "",
    seal: Picture | None = None,
    photo: Picture | None = None,
) -> Page:
    """A checked page: every required field of ``face`` present, none it does not print.

    Empty optional values are dropped, so the layout sees them as absent and leaves their row out.
    """
    allowed = set(FIELDS[face]) | set(SCOPE_FIELDS)
    for key in fields:
        if key not in allowed:
            raise EcertError(
                "unknown_field",
                f"版式 {face.value} 没有字段 {key}",
                f"face {face.value} has no field {key}",
                field=key,
            )
    kept = {key: value for key, value in fields.items() if value or key not in OPTIONAL}
    for key in FIELDS[face]:
        if key not in OPTIONAL and not kept.get(key):
            raise EcertError(
                "missing_field",
                f"版式 {face.value} 缺少字段 {key}",
                f"face {face.value} needs field {key}",
                field=key,
            )
    extras = {"verify_host": verify_host(qr_text)} if qr_text else {}
    return Page(
        face=face.value,
        fields=kept,
        qr_text=qr_text,
        seal=seal,
        photo=photo,
        extras=extras,
    )


# ── Documents that are no credential ─────────────────────────────────────────

# Layouts that print no credential (no QR code, no scope stamp), with the fields each reads; the
# distribution app fills them (ecert.distribution.registration_forms, .counter_checks).
DOCUMENT_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # 考试登记表 of an old-version certificate (seed 001 一(二)); blanks are filled by hand.
        "registration-form": (
            *("form_title", "unit", "printed_on", "name", "id_number", "sex", "birth_month"),
            *("education", "work_unit", "job_title", "phone", "qualification", "level"),
            *("specialty", "exam_year", "approval_date", "management_number", "note"),
            *("photo", "unit_seal", "exam_body_seal"),
        ),
        # 现场查询验证结果告知书 (seed 001 三(二)); the ID number masked.
        "counter-check-notice": (
            *("reference", "organisation", "credit_code", "contact", "management_number"),
            *("name", "id_number", "qualification", "level", "approval_date", "compared"),
            *("result", "status", "unit", "checked_on", "footnote"),
        ),
        # 领证回执 of a collection at the counter (seed 001 一(一)); its picture is the signature.
        "collection-receipt": (
            *("receipt_number", "qualification", "level", "specialty", "number", "approval_date"),
            *("name", "id_number", "way", "collector", "collector_id", "id_source", "unit"),
            *("collected_at", "clerk", "proxy_note", "evidence"),
        ),
        # 专业技术人员职业资格证书补发(更换)申请表 of one exam (seed 001 附件 二.5, 三); a row per person.
        "replacement-application": ("unit", "month", "exam_code", "exam_name", "count"),
        # 证书补发(更换)统计汇总表 of a unit's month (seed 001 附件 三); a row per exam.
        "replacement-summary": ("unit", "month", "total", "photos"),
    }
)
# The table lines of the layouts that have one (``Page.rows``), with the fields of each line;
# ecert.core.documents.replacement_forms fills them.
DOCUMENT_ROW_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "replacement-application": (
            *("index", "zsglh", "ksxm", "zjlb", "zjhm", "xb", "bkjb", "bkzy", "csny", "pzrq"),
            *("zp", "bms"),
        ),
        "replacement-summary": ("index", "exam_code", "exam_name", "count", "photos"),
    }
)


def document_page(
    layout: str,
    fields: Mapping[str, str],
    *,
    seal: Picture | None = None,
    photo: Picture | None = None,
    rows: Sequence[Mapping[str, str]] = (),
) -> Page:
    """A page of a document layout: no field it does not read; empty values are left out (the
    layout prints a blank, or leaves the row out). ``rows`` are the lines of its table, each with
    every field of ``DOCUMENT_ROW_FIELDS[layout]`` (empty ones print an empty cell); the layout
    breaks them over as many pages as they need."""
    for key in fields:
        if key not in DOCUMENT_FIELDS[layout]:
            raise EcertError(
                "unknown_field",
                f"版式 {layout} 没有字段 {key}",
                f"layout {layout} has no field {key}",
                field=key,
            )
    columns = DOCUMENT_ROW_FIELDS.get(layout, ())
    for row in rows:
        if set(row) != set(columns):
            wrong = sorted(set(row) ^ set(columns))
            raise EcertError(
                "unknown_field",
                f"版式 {layout} 的表格行字段不符：{'、'.join(wrong)}",
                f"layout {layout}: a table line's fields do not match: {', '.join(wrong)}",
                field=wrong[0],
            )
    return Page(
        face=layout,
        fields={key: value for key, value in fields.items() if value},
        seal=seal,
        photo=photo,
        rows=tuple(dict(row) for row in rows),
    )


# ── Samples for docs, tests and the benchmark ───────────────────────────────

SAMPLE_HOST = "verify.ecert.example"


def sample_id_number(region: str, birth: date, male: bool, seq: int) -> str:
    """A made-up resident ID number that passes the GB 11643 check (never a real person's)."""
    first17 = f"{region}{birth:%Y%m%d}{2 * seq + (1 if male else 0):03d}"
    return first17 + gb11643_check_character(first17)


def _person(name: str, region: str, birth: date, male: bool, seq: int) -> dict[str, str]:
    return {
        "name": name,
        "id_number": sample_id_number(region, birth, male, seq),
        "sex": "男" if male else "女",
        "birth_month": cn_month(birth),
    }


def _qualification(name: str, level: str, name_en: str = "") -> dict[str, str]:
    title = qualification_title(name, level)
    return {
        "qualification": title,
        "qualification_full": qualification_full(title),
        "qualification_en": qualification_en(name_en, level),
    }


def _sample_fields(face: Face) -> dict[str, str]:
    """Realistic values for ``face``: names outside GB 2312, checked ID numbers, real authorities."""
    samples: dict[Face, dict[str, str]] = {
        Face.NATIONAL_STYLE_1: {
            **_person("张堃", "370102", date(1988, 5, 17), True, 21),
            **_qualification("建造师", "一级", "Constructor"),
            "approved_by": "人力资源和社会保障部、住房和城乡建设部",
            "approval_date": cn_date(date(2024, 12, 20)),
            "number": "2024370100012345",
            "issue_date": cn_date(date(2025, 3, 18)),
            "issuer": "中华人民共和国人力资源和社会保障部",
        },
        Face.NATIONAL_STYLE_2: {
            **_person("李喆", "110105", date(1991, 11, 3), False, 8),
            **_qualification("税务师", "", "Certified Tax Agent"),
            "approved_by": "人力资源和社会保障部、国家税务总局",
            "approval_date": cn_date(date(2024, 12, 28)),
            "number": "2024110500031416",
            "issue_date": cn_date(date(2025, 4, 2)),
            "issuer": "中国注册税务师协会",
        },
        Face.SHANDONG_EXAM_PROOF: {
            **_person("王赟", "370202", date(1990, 2, 9), False, 42),
            **_qualification("经济专业技术资格", "中级"),
            "exam_year": "2024",
            "level": "中级",
            "specialty": "人力资源管理",
            "approval_date": cn_date(date(2024, 12, 31)),
            "number": "2024370200056789",
            "issue_date": cn_date(date(2025, 1, 15)),
            "issuer": "山东省人力资源和社会保障厅",
        },
        Face.HENAN_EXAM_PROOF: {
            **_person("赵昇", "410102", date(1985, 8, 30), True, 7),
            **_qualification("造价工程师", "一级"),
            "exam_year": "2024",
            "level": "一级",
            "specialty": "土木建筑工程",
            "approval_date": cn_date(date(2025, 2, 14)),
            "number": "2024410100002468",
            "issue_date": cn_date(date(2025, 3, 3)),
            "issuer": "河南省人力资源和社会保障厅",
        },
        Face.HENAN_PROVINCIAL_CERTIFICATE: {
            **_person("孙𠮷", "410305", date(1993, 12, 1), True, 15),
            **_qualification("建造师", "二级"),
            "specialty": "市政公用工程",
            "approval_date": cn_date(date(2024, 9, 10)),
            "number": "2024410300013579",
            "issue_date": cn_date(date(2024, 10, 8)),
            "issuer": "河南省人力资源和社会保障厅",
        },
        Face.SHANDONG_TITLE_CERTIFICATE: {
            **_person("欧阳𠮷喆", "371502", date(1979, 4, 23), False, 33),
            "work_unit": "聊城市东昌府区实验中学",
            "series": "中小学教师",
            "specialty": "中学数学",
            "title": "高级教师",
            "level": "副高级",
            "review_body": "聊城市中小学教师高级职称评审委员会",
            "approval_document": "聊人社字〔2018〕100号",
            "approval_date": cn_date(date(2018, 12, 20)),
            "number": title_number("鲁181402001200001", grassroots=False),  # seed 003 一's example
            "verification_code": "K7M4Q9TX",
            "issue_date": cn_date(date(2019, 1, 10)),
            "issuer": "聊城市人力资源和社会保障局",
        },
        Face.SCORE_PROOF: {
            **_person("周昇堃", "370102", date(1987, 6, 12), True, 64),
            **_qualification("建造师", "一级"),
            "exam_year": "2023",
            "specialty": "建筑工程",
            "approval_date": cn_date(date(2023, 12, 22)),
            "number": "2023370100045678",
            "issue_date": cn_date(date(2025, 5, 20)),
            "issuer": "山东省人事考试中心",
        },
        Face.QUALIFICATION_PROOF: {
            **_person("郑喆赟", "370602", date(1975, 10, 5), False, 11),
            "qualification_full": qualification_full("注册税务师"),
            "approval_date": cn_date(date(2008, 9, 1)),
            "number": "0837060012345",
            "issue_date": cn_date(date(2025, 5, 20)),
            "issuer": "山东省人事考试中心",
        },
        Face.QUERY_RESULT: {
            "name": "钱昇",
            "id_number": "3701**********0031",
            **_qualification("建造师", "一级"),
            "specialty": "建筑工程",
            "approval_date": cn_date(date(2009, 9, 26)),
            "number": "0937010000123456",
            "issue_date": cn_date(date(2026, 12, 6)),
            "issuer": "山东省人事考试中心",
            "valid_until": cn_date(date(2027, 3, 6)),
        },
    }
    fields = samples[face]
    return {key: value for key, value in fields.items() if key in FIELDS[face]}


_PHOTO_FACES = frozenset(
    {
        Face.NATIONAL_STYLE_1,
        Face.NATIONAL_STYLE_2,
        Face.HENAN_PROVINCIAL_CERTIFICATE,
        Face.SHANDONG_TITLE_CERTIFICATE,
    }
)


def has_photo(face: Face) -> bool:
    """Whether the face prints the holder's photo (25 × 35 mm)."""
    return face in _PHOTO_FACES


def sample_qr_text(face: Face) -> str:
    """A QR text of realistic length (a signed credential is about 200 bytes); not verifiable."""
    seed = hashlib.sha256(face.value.encode()).digest()
    fake_signed = b"".join(hashlib.sha256(seed + bytes([i])).digest() for i in range(7))[:210]
    return qr_text(SAMPLE_HOST, fake_signed)


@cache
def sample_photo() -> Picture:
    """A drawn ID-photo stand-in (295 × 413 px JPEG, white background, grey head and shoulders)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (295, 413), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((92, 70, 203, 200), fill=(150, 156, 165))
    draw.ellipse((30, 230, 265, 500), fill=(95, 105, 120))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return Picture(buffer.getvalue(), "image/jpeg", 295, 413)


def sample_page(face: Face, *, seal: Picture | None = None, photo: bool = True) -> Page:
    """A page of ``face`` with realistic made-up data, for docs, tests and the benchmark."""
    return face_page(
        face,
        _sample_fields(face),
        qr_text=sample_qr_text(face),
        seal=seal,
        photo=sample_photo() if photo and has_photo(face) else None,
    )
