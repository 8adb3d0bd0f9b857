"""Certificate faces: every layout renders its sample through the real Typst renderer with the
committed fonts, and what poppler reads back from the PDF is what the notices ask to be printed.

No database: pages are built by ``ecert.core.documents.faces``; pdftotext and pdfinfo (poppler-utils) read
the result as any outside reader would, and zxing-cpp scans the printed QR code.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from ecert.core.documents.faces import (
    DOCUMENT_FIELDS,
    FIELDS,
    OPTIONAL,
    SCOPE_FIELDS,
    Face,
    cn_date,
    cn_month,
    document_page,
    face_for,
    face_page,
    qualification_en,
    qualification_full,
    qualification_title,
    sample_page,
    sex_label,
    title_number,
)
from ecert.core.documents.qr_images import qr_texts_in_pdf
from ecert.core.documents.render import FontSet, Page, Renderer
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType, parse_id_number
from ecert.core.rules.catalogue import default_catalogue_dir, load_catalogue
from ecert.core.rules.kinds import CredentialKind

DATA = Path(__file__).resolve().parents[2] / "src" / "ecert" / "data"
FACES_DIR, FONTS_DIR = DATA / "faces", DATA / "fonts"
CREATED = datetime(2025, 6, 1, tzinfo=UTC)
RARE = "𠮷堃喆赟昇"
NO_GLYPH = "\U0002b820"  # CJK Extension E: not in the committed fonts (checked below)

# What each face must print besides the holder's data, as the notices word it.
LABELS: dict[Face, tuple[str, ...]] = {
    Face.NATIONAL_STYLE_1: (
        *("中华人民共和国", "专业技术人员职业资格证书", "（电子证书）", "一级建造师职业资格"),
        "Constructor (Level 1)",
        "本证书由中华人民共和国人力资源和社会保障部、住房和城乡建设部批准颁发，"
        "表明持证人通过国家统一组织的考试，取得一级建造师职业资格。",
        *("姓名：", "证件号码：", "性别：", "出生年月：", "批准日期：", "管理号：", "制发日期："),
    ),
    Face.NATIONAL_STYLE_2: (
        *("中华人民共和国", "专业技术人员职业资格证书", "（电子证书）", "税务师职业资格"),
        "本证书由中华人民共和国人力资源和社会保障部、国家税务总局监制，中国注册税务师协会颁发，"
        "表明持证人通过国家统一组织的考试，具有税务师的职业水平和能力。",
        *("姓名：", "证件号码：", "性别：", "出生年月：", "批准日期：", "管理号：", "制发日期："),
    ),
    Face.SHANDONG_EXAM_PROOF: (
        "全国专业技术人员职业资格考试合格证明（山东）",
        "—2024—",
        "参加2024年度中级经济专业技术资格考试，全部科目成绩合格，取得中级经济专业技术资格。",
        *("证件号码：", "性别：", "出生年月：", "级别：", "专业：", "批准日期：", "管理号："),
        *("签发时间：", "山东省人力资源和社会保障厅"),
    ),
    Face.HENAN_EXAM_PROOF: (
        "全国专业技术人员职业资格考试合格证明（河南）",
        "参加2024年度一级造价工程师考试，全部科目成绩合格，取得一级造价工程师职业资格。",
        *("证件号码：", "性别：", "出生年月：", "级别：", "专业：", "批准日期：", "管理号："),
        *("签发时间：", "河南省人力资源和社会保障厅"),
    ),
    Face.HENAN_PROVINCIAL_CERTIFICATE: (
        *("河南省", "专业技术人员职业资格证书", "（电子证书）", "二级建造师职业资格"),
        *("姓名：", "证件号码：", "性别：", "出生年月：", "专业：", "批准日期：", "管理号："),
        "签发日期：",
    ),
    Face.SHANDONG_TITLE_CERTIFICATE: (
        *("职称证书", "姓名", "性别", "出生年月", "身份证号", "工作单位", "系列", "专业"),
        *("资格名称", "高级教师", "级别", "评审组织", "批准文号", "批准时间", "证书编号"),
        *("鲁181402001200001", "验证码", "K7M4Q9TX", "签发日期："),
    ),
    Face.SCORE_PROOF: (
        *("成绩合格证明", "兹证明", "参加2023年度一级建造师考试，成绩合格"),
        *("取得一级建造师职业资格（专业：建筑工程）", "特此证明。", "山东省人事考试中心"),
    ),
    Face.QUALIFICATION_PROOF: (
        *("职/执业资格证明", "兹证明", "取得注册税务师职业资格（管理号：0837060012345）"),
        *("该项职业资格已由国家取消", "特此证明。", "山东省人事考试中心"),
    ),
    Face.QUERY_RESULT: (
        *("证书查询结果", "经查询证书数据库", "持有一级建造师职业资格纸质证书（专业：建筑工程）"),
        *("不是证书", "山东省人事考试中心提供查询结果", "本查询结果有效期至"),
    ),
}


def _poppler(tool: str, *args: str | Path) -> str:
    path = shutil.which(tool)
    assert path is not None, f"{tool} is missing: apt-get install poppler-utils"
    done = subprocess.run(  # noqa: S603 - a fixed tool with file arguments, no shell
        [path, *map(str, args)], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(FACES_DIR, FontSet.from_dirs([FONTS_DIR]))


@pytest.fixture
def read(renderer: Renderer, tmp_path: Path):
    """Render pages and return (text without whitespace, page count, file)."""

    def _read(*pages: Page) -> tuple[str, int, Path]:
        file = tmp_path / "pages.pdf"
        file.write_bytes(renderer.document(list(pages), created=CREATED))
        text = "".join(_poppler("pdftotext", file, "-").split())
        info = re.search(r"Pages:\s+(\d+)", _poppler("pdfinfo", file))
        assert info is not None
        count = int(info.group(1))
        return text, count, file

    return _read


def _with(page: Page, **fields: str) -> Page:
    return face_page(
        Face(page.face),
        {**page.fields, **fields},
        qr_text=page.qr_text,
        seal=page.seal,
        photo=page.photo,
    )


# ── Every face prints what its notice asks ──────────────────────────────────


@pytest.mark.parametrize("face", list(Face))
def test_sample_prints_the_name_the_labels_and_the_number(face: Face, read) -> None:
    page = sample_page(face)
    text, pages, _ = read(page)

    assert pages == 1
    assert any(char in page.fields["name"] for char in RARE)
    assert page.fields["name"] in text
    assert page.fields["id_number"] in text
    assert page.fields["number"] in text
    for label in LABELS[face]:
        assert "".join(label.split()) in text, label
    assert "none" not in text.lower()


@pytest.mark.parametrize("face", list(Face))
def test_the_printed_qr_code_scans_back_to_its_text(face: Face, read) -> None:
    page = sample_page(face)
    _, _, file = read(page)

    assert qr_texts_in_pdf(file) == [page.qr_text]
    assert page.extras["verify_host"] == "verify.ecert.example"


@pytest.mark.parametrize("face", list(Face))
def test_the_longest_values_stay_on_one_page(face: Face, read) -> None:
    long_name = "阿卜杜热合曼·" + "堃喆赟昇𠮷" * 6 + "买买提"  # 40 characters
    assert len(long_name) == 40
    long_values = {
        "name": long_name,
        "issuer": "中国房地产估价师与房地产经纪人学会",
        "work_unit": "聊城市东昌府区人民政府教育和体育局直属实验中学教育集团高新技术产业开发区分校",
        "review_body": "山东省中小学教师正高级职称评审委员会（省属高等学校附属中学分会）",
        "specialty": "公路水运工程试验检测（桥梁隧道工程及交通工程）",
        "qualification": "机动车检测维修专业技术人员职业资格（工程师）",
        "qualification_full": "机动车检测维修专业技术人员职业资格（工程师）",
        "qualification_en": "Highway and Waterway Engineering Test and Inspection Professional",
    }
    page = sample_page(face)
    fields = {key: value for key, value in long_values.items() if key in FIELDS[face]}
    scoped = _with(
        page,
        **fields,
        purpose="某某有限责任公司招聘专业技术岗位资格审查",
        valid_until="2026年12月31日",
    )
    text, pages, _ = read(scoped)

    assert pages == 1
    assert long_name in text


def test_pages_of_different_faces_follow_each_other_without_blank_pages(read) -> None:
    _, pages, _ = read(*(sample_page(face) for face in Face))

    assert pages == len(Face)


# ── The scope stamp of a 加注 copy ───────────────────────────────────────────


@pytest.mark.parametrize("face", list(Face))
def test_a_scoped_copy_shows_its_purpose_and_last_day(face: Face, read) -> None:
    page = _with(sample_page(face), purpose="入职资格审查", valid_until="2026年01月31日")
    text, pages, _ = read(page)

    assert pages == 1
    assert "仅供入职资格审查使用，他用无效" in text
    assert "有效期至2026年01月31日" in text


def test_a_page_without_scope_has_no_stamp(read) -> None:
    text, _, _ = read(sample_page(Face.NATIONAL_STYLE_1))

    assert "仅供" not in text
    assert "有效期至" not in text


def test_a_proof_prints_its_valid_until_line_without_a_purpose(read) -> None:
    text, _, _ = read(_with(sample_page(Face.SCORE_PROOF), valid_until="2025年08月20日"))

    assert "本证明有效期至2025年08月20日。" in text
    assert "仅供" not in text


# ── Photos ───────────────────────────────────────────────────────────────────


def test_a_title_certificate_without_photo_shows_an_empty_photo_frame(read) -> None:
    text, _, _ = read(sample_page(Face.SHANDONG_TITLE_CERTIFICATE, photo=False))

    assert "照片" in text


@pytest.mark.parametrize(
    "face",
    [Face.NATIONAL_STYLE_1, Face.NATIONAL_STYLE_2, Face.HENAN_PROVINCIAL_CERTIFICATE],
)
def test_other_faces_without_photo_print_nothing_in_its_place(face: Face, read) -> None:
    text, pages, _ = read(sample_page(face, photo=False))

    assert "照片" not in text
    assert pages == 1


# ── Absent fields and characters no font has ───────────────────────────────


def test_absent_optional_rows_are_left_out(read) -> None:
    page = sample_page(Face.SHANDONG_TITLE_CERTIFICATE)
    kept = {
        key: value
        for key, value in page.fields.items()
        if key not in {"work_unit", "series", "review_body", "approval_document", "sex"}
    }
    text, _, _ = read(replace(page, fields=kept))

    for label in ("工作单位", "系列", "评审组织", "批准文号", "性别"):
        assert label not in text
    assert "核准公布部门聊城市人力资源和社会保障局" in text  # named when no 评审组织 is given
    assert "none" not in text.lower()


def test_the_committed_fonts_lack_the_test_character() -> None:
    assert FontSet.from_dirs([FONTS_DIR]).missing(f"张{NO_GLYPH}\ue000") == [NO_GLYPH, "\ue000"]


def test_every_character_a_layout_writes_is_in_the_bold_heading_face() -> None:
    """A heading character missing from the bold subset falls back to the regular face and shows
    thinner than its neighbours: rebuild with ``tools/build_fonts.py --bold`` after a layout edit."""
    bold = TTFont(FONTS_DIR / "EcertSerifSC-Bold.otf").getBestCmap()
    written = {
        character
        for layout in sorted(FACES_DIR.glob("*.typ"))
        for character in layout.read_text(encoding="utf-8")
        if ord(character) >= 0x20
    }

    assert sorted(c for c in written if ord(c) not in bold) == []


@pytest.mark.parametrize("character", [NO_GLYPH, "\ue000"])
def test_a_character_no_font_has_is_refused_naming_its_field(
    character: str, renderer: Renderer
) -> None:
    page = _with(sample_page(Face.NATIONAL_STYLE_1), name=f"张{character}")

    with pytest.raises(EcertError) as caught:
        renderer.document([page], created=CREATED)

    assert caught.value.code == "uncovered_character"
    assert caught.value.field == "name"
    assert f"U+{ord(character):04X}" in caught.value.zh
    assert f"U+{ord(character):04X}" in caught.value.en


# ── Python and Typst agree on the fields ───────────────────────────────────


def _layout_text(face: Face) -> str:
    """The face's file with every file it imports, recursively."""
    seen: dict[str, str] = {}
    pending = [f"{face.value}.typ"]
    while pending:
        name = pending.pop()
        if name not in seen:
            seen[name] = (FACES_DIR / name).read_text(encoding="utf-8")
            pending += re.findall(r'#import "([^"]+\.typ)"', seen[name])
    return "\n".join(seen.values())


@pytest.mark.parametrize("face", list(Face))
def test_every_listed_field_is_printed_by_the_face(face: Face) -> None:
    layout = _layout_text(face)

    for key in (*FIELDS[face], *SCOPE_FIELDS):
        assert f'"{key}"' in layout, key


def test_the_layouts_read_no_field_python_does_not_know() -> None:
    known = {key for keys in FIELDS.values() for key in keys} | set(SCOPE_FIELDS)
    known |= {key for keys in DOCUMENT_FIELDS.values() for key in keys}
    layouts = "\n".join(path.read_text(encoding="utf-8") for path in FACES_DIR.glob("*.typ"))
    read_fields = set(re.findall(r'(?:val|must)\(p, "([a-z_]+)"\)', layouts))
    row_fields = set(re.findall(r'\("[^"\x00-\x7f]+", "([a-z_]+)"\)', layouts))

    assert read_fields | row_fields <= known
    assert {Face(path.stem) for path in FACES_DIR.glob("*.typ") if path.stem in set(Face)} == set(
        Face
    )


def test_main_dispatches_every_face() -> None:
    main = (FACES_DIR / "main.typ").read_text(encoding="utf-8")

    for face in Face:
        assert f'"{face.value}": ' in main


def test_a_page_with_an_unknown_field_is_refused() -> None:
    with pytest.raises(EcertError) as caught:
        _with(sample_page(Face.SCORE_PROOF), work_unit="某单位")

    assert (caught.value.code, caught.value.field) == ("unknown_field", "work_unit")


def test_a_page_without_a_required_field_is_refused() -> None:
    page = sample_page(Face.NATIONAL_STYLE_1)
    fields = {key: value for key, value in page.fields.items() if key != "approved_by"}

    with pytest.raises(EcertError) as caught:
        face_page(Face.NATIONAL_STYLE_1, fields)

    assert (caught.value.code, caught.value.field) == ("missing_field", "approved_by")
    assert "approved_by" in caught.value.zh


def test_empty_optional_values_are_dropped() -> None:
    page = _with(sample_page(Face.SHANDONG_EXAM_PROOF), level="", specialty="")

    assert "level" not in page.fields
    assert "specialty" not in page.fields


@pytest.mark.parametrize("face", [f for f in Face if f is not Face.QUERY_RESULT])
def test_sample_holders_have_valid_id_numbers_matching_sex_and_birth(face: Face) -> None:
    fields = sample_page(face).fields
    number = parse_id_number(fields["id_number"], IdType.RESIDENT_ID, today=date(2026, 1, 1))

    assert number.birth_date is not None
    assert cn_month(number.birth_date) == fields["birth_month"]
    assert sex_label(number.sex or "") == fields["sex"]
    assert set(fields) - OPTIONAL >= set(FIELDS[face]) - OPTIONAL


def test_the_query_result_shows_the_id_number_masked_and_no_sex_or_birth_month() -> None:
    fields = sample_page(Face.QUERY_RESULT).fields
    assert "*" * 10 in fields["id_number"]
    assert not {"sex", "birth_month", "photo"} & set(fields)


# ── Which face a credential prints on ───────────────────────────────────────


@pytest.mark.parametrize(
    ("kind", "template", "style", "face"),
    [
        (CredentialKind.NATIONAL_CERTIFICATE, "national-style-1", 1, Face.NATIONAL_STYLE_1),
        (CredentialKind.NATIONAL_CERTIFICATE, "national-style-2", 2, Face.NATIONAL_STYLE_2),
        (CredentialKind.NATIONAL_CERTIFICATE, "national-2027-list", 2, Face.NATIONAL_STYLE_2),
        (CredentialKind.EXAM_PROOF, "shandong-exam-proof", None, Face.SHANDONG_EXAM_PROOF),
        (CredentialKind.EXAM_PROOF, "henan-exam-proof", None, Face.HENAN_EXAM_PROOF),
        (
            CredentialKind.PROVINCIAL_CERTIFICATE,
            "henan-provincial-certificate",
            None,
            Face.HENAN_PROVINCIAL_CERTIFICATE,
        ),
        (CredentialKind.TITLE_CERTIFICATE, "", None, Face.SHANDONG_TITLE_CERTIFICATE),
        (CredentialKind.SCORE_PROOF, "score-proof", None, Face.SCORE_PROOF),
        (
            CredentialKind.QUALIFICATION_PROOF,
            "abolished-qualification-proof",
            None,
            Face.QUALIFICATION_PROOF,
        ),
    ],
)
def test_face_for_maps_kind_and_template(kind, template, style, face) -> None:
    assert face_for(kind, template, style) is face


@pytest.mark.parametrize(
    ("kind", "template", "style"),
    [
        (CredentialKind.EXAM_PROOF, "", None),
        (CredentialKind.EXAM_PROOF, "national-style-1", 1),
        (CredentialKind.NATIONAL_CERTIFICATE, "shandong-exam-proof", None),
        (CredentialKind.PROVINCIAL_CERTIFICATE, "shandong-provincial-certificate", None),
    ],
)
def test_face_for_refuses_an_unknown_combination(kind, template, style) -> None:
    with pytest.raises(EcertError) as caught:
        face_for(kind, template, style)

    assert caught.value.code == "no_face"
    assert "版式" in caught.value.zh
    assert "no certificate face" in caught.value.en
    assert kind.value in caught.value.en


# ── Formatting ───────────────────────────────────────────────────────────────


def test_dates_and_months_are_printed_with_two_digit_month_and_day() -> None:
    assert cn_date(date(2024, 6, 1)) == "2024年06月01日"
    assert cn_month("1988-05") == "1988年05月"
    assert cn_month(date(1993, 12, 1)) == "1993年12月"


def test_sex_is_printed_in_chinese() -> None:
    assert (sex_label("male"), sex_label("female"), sex_label("")) == ("男", "女", "")


@pytest.mark.parametrize(
    ("name", "level", "title", "full"),
    [
        ("建造师", "一级", "一级建造师", "一级建造师职业资格"),
        ("注册安全工程师", "中级", "中级注册安全工程师", "中级注册安全工程师职业资格"),
        ("经济专业技术资格", "中级", "中级经济专业技术资格", "中级经济专业技术资格"),
        ("执业药师", "", "执业药师", "执业药师职业资格"),
        (
            "机动车检测维修专业技术人员职业资格",
            "工程师",
            "机动车检测维修专业技术人员职业资格（工程师）",
            "机动车检测维修专业技术人员职业资格（工程师）",
        ),
    ],
)
def test_qualification_lines(name: str, level: str, title: str, full: str) -> None:
    assert qualification_title(name, level) == title
    assert qualification_full(title) == full


def test_english_title_carries_the_level() -> None:
    assert qualification_en("Constructor", "一级") == "Constructor (Level 1)"
    assert qualification_en("Economist", "中级") == "Economist (Intermediate)"
    assert qualification_en("Licensed Pharmacist", "") == "Licensed Pharmacist"
    assert qualification_en("", "一级") == ""


def test_a_grassroots_title_number_is_marked() -> None:
    assert title_number("鲁181402001200001", grassroots=True) == "鲁181402001200001（基层）"
    assert title_number("鲁181402001200001", grassroots=False) == "鲁181402001200001"


# ── The catalogue data the national faces need ──────────────────────────────


def test_every_national_certificate_qualification_has_its_printed_texts() -> None:
    catalogue = load_catalogue(default_catalogue_dir())

    for key in ("national-style-1", "national-style-2"):
        for entry in catalogue.lists[key].entries:
            qualification = catalogue.qualifications[entry.qualification]
            assert qualification.name_en, entry.label
            assert qualification.approved_by.startswith("人力资源和社会保障部"), entry.label


def test_approvers_differ_by_specialty_where_the_catalogue_says_so() -> None:
    engineer = load_catalogue(default_catalogue_dir()).qualifications["supervising-engineer"]

    assert engineer.approvers("水利工程") == "人力资源和社会保障部、水利部"
    assert engineer.approvers("土木建筑工程") == "人力资源和社会保障部、住房和城乡建设部"


def test_approvers_of_an_undefined_specialty_are_refused(tmp_path: Path) -> None:
    (tmp_path / "q.toml").write_text(
        '[[qualification]]\nkey = "supervising-engineer"\ncode = 5\nname = "监理工程师"\n'
        'approved_by = "人力资源和社会保障部、住房和城乡建设部"\n'
        'approved_by_specialty = { "水利" = "人力资源和社会保障部、水利部" }\n'
        'specialties = ["水利工程"]\n',
        encoding="utf-8",
    )

    with pytest.raises(EcertError) as caught:
        load_catalogue(tmp_path)

    assert caught.value.field.endswith("approved_by_specialty > 水利")
    assert "没有专业“水利”" in caught.value.zh
    assert "has no specialty '水利'" in caught.value.en


@pytest.mark.parametrize("layout", sorted(DOCUMENT_FIELDS))
def test_every_field_of_a_document_layout_is_printed_by_it(layout: str) -> None:
    text = (FACES_DIR / f"{layout}.typ").read_text(encoding="utf-8")

    for key in DOCUMENT_FIELDS[layout]:
        assert f'"{key}"' in text, key


def test_a_document_page_with_an_unknown_field_is_refused() -> None:
    with pytest.raises(EcertError) as caught:
        document_page("counter-check-notice", {"name": "张三", "number": "1"})

    assert (caught.value.code, caught.value.field) == ("unknown_field", "number")
