"""The packaged catalogue says what the notices in ../shared/seeds say, label for label."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ecert.core.rules.catalogue import (
    Catalogue,
    CorrectionRoute,
    PhotoRule,
    ReplacementForm,
    ResponsibilityRow,
    UnitRef,
    default_catalogue_dir,
    load_catalogue,
)
from ecert.core.rules.kinds import AuthorityLevel, CredentialKind

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

# The notices are our requirements, kept beside the checkout, not in it. A clone on its own skips
# these tests and says why; CI (.ci/run) refuses to start without the notices, so it never skips.
pytestmark = pytest.mark.skipif(
    not any(SEEDS.glob("*.txt")),
    reason=f"the official notices are not beside the checkout ({SEEDS} is absent or empty); "
    "CI runs these tests with them",
)


def seed(number: str) -> str:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


def between(text: str, start: str, end: str) -> str:
    """The passage of `text` after `start` and before the next `end`."""
    head = text.index(start) + len(start)
    return text[head : text.index(end, head)]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(default_catalogue_dir())


def labels(catalogue: Catalogue, key: str) -> list[str]:
    return [entry.label for entry in catalogue.lists[key].entries]


def numbered(passage: str, pattern: str) -> list[str]:
    """The items of a numbered list, checking they are numbered 1, 2, 3 …"""
    found = re.findall(pattern, passage, re.MULTILINE)
    assert [int(number) for number, _ in found] == list(range(1, len(found) + 1))
    return [label.strip() for _, label in found]


def test_shandong_exam_proof_has_the_22_exams_of_seed_000_annex_1(catalogue):
    annex = between(seed("000"), "序号\t项目", "说明：")

    exams = numbered(annex, r"^(\d+)\t(.+)$")

    assert len(exams) == 22
    assert labels(catalogue, "shandong-exam-proof") == exams


def test_national_style_1_has_the_24_of_seed_002_section_2(catalogue):
    section = between(seed("002"), "二、下列", "三、下列")

    assert len(numbered(section, r"^(\d+)\. (.+)$")) == 24
    assert labels(catalogue, "national-style-1") == numbered(section, r"^(\d+)\. (.+)$")


def test_national_style_2_has_the_7_of_seed_002_section_3(catalogue):
    section = between(seed("002"), "三、下列", "四、")

    assert len(numbered(section, r"^(\d+)\. (.+)$")) == 7
    assert labels(catalogue, "national-style-2") == numbered(section, r"^(\d+)\. (.+)$")


def test_abolished_proof_has_the_15_of_seed_001(catalogue):
    passage = between(seed("001"), "对于国家已经取消的", "等 15 项")

    names = re.split(r"、(?![^（]*）)", passage)  # 、 outside brackets: 质量（初级、中级） is one

    assert len(names) == 15
    assert labels(catalogue, "abolished-qualification-proof") == names


def test_henan_provincial_certificate_has_the_3_of_seed_004(catalogue):
    passage = between(seed("004"), "河南省组织的", "考试，")

    assert labels(catalogue, "henan-provincial-certificate") == re.split("、|和", passage)


def test_lists_have_the_kind_seal_and_province_the_notices_give(catalogue):
    described = {
        key: (found.kind, found.style, found.issuer, found.province)
        for key, found in catalogue.lists.items()
    }

    assert described == {
        "shandong-exam-proof": (CredentialKind.EXAM_PROOF, None, "sd-hrss", "sd"),
        "henan-exam-proof": (CredentialKind.EXAM_PROOF, None, "ha-hrss", "ha"),
        "national-style-1": (CredentialKind.NATIONAL_CERTIFICATE, 1, "mohrss", None),
        "national-style-2": (CredentialKind.NATIONAL_CERTIFICATE, 2, None, None),
        "abolished-qualification-proof": (CredentialKind.QUALIFICATION_PROOF, None, "sd-pta", "sd"),
        "henan-provincial-certificate": (
            CredentialKind.PROVINCIAL_CERTIFICATE,
            None,
            "ha-hrss",
            "ha",
        ),
    }


def test_style_2_certificates_carry_their_associations_seal(catalogue):
    sealers = {e.qualification: e.sealed_by for e in catalogue.lists["national-style-2"].entries}

    assert sealers == {
        "auctioneer": "assoc-auction",
        "consulting-engineer": "assoc-engineering-consulting",
        "asset-appraiser": "assoc-appraisal",
        "real-estate-broker": "assoc-real-estate",
        "highway-testing": "assoc-highway-testing",
        "tax-adviser": "assoc-tax",
        "banking": "assoc-banking",
    }


def test_differently_worded_labels_point_to_one_qualification_and_level(catalogue):
    def target(list_key: str, label: str) -> tuple[str, tuple[str, ...]]:
        (entry,) = [e for e in catalogue.lists[list_key].entries if e.label == label]
        return entry.qualification, entry.levels

    assert target("shandong-exam-proof", "一级建造师") == ("constructor", ("一级",))
    assert target("national-style-1", "建造师（一级）") == ("constructor", ("一级",))
    assert target("shandong-exam-proof", "一级造价工程师") == ("cost-engineer", ("一级",))
    assert target("henan-provincial-certificate", "二级造价工程师") == ("cost-engineer", ("二级",))
    assert target("abolished-qualification-proof", "质量（初级、中级）") == (
        "quality",
        ("初级", "中级"),
    )


def test_abolished_flag_marks_exactly_the_abolished_list(catalogue):
    abolished = {key for key, q in catalogue.qualifications.items() if q.abolished}
    entries = catalogue.lists["abolished-qualification-proof"].entries

    assert abolished == {entry.qualification for entry in entries}
    assert catalogue.qualifications["quality"].level_names == ("初级", "中级")


def test_only_exam_code_is_the_one_seed_001_shows(catalogue):
    codes = {
        (q.key, level.name): level.exam_code
        for q in catalogue.qualifications.values()
        for level in q.levels
        if level.exam_code
    }
    codes |= {(q.key, ""): q.exam_code for q in catalogue.qualifications.values() if q.exam_code}

    assert codes == {("constructor", "一级"): "034"}
    assert "202005-034-一级建造师(证书补换印制信息)" in seed("001")


def test_computer_and_communications_use_ministry_form_and_larger_photo(catalogue):
    photo_rule = between(seed("001"), "3. 电子照片", "4. 数据命名")
    qualifications = catalogue.qualifications.values()

    ministry_form = {
        q.key for q in qualifications if q.replacement_form is ReplacementForm.MINISTRY
    }
    large_photo = {q.key for q in qualifications if q.photo_rule is PhotoRule.OVER_30KB}

    assert ministry_form == large_photo == {"computer-software", "communications"}
    for key in large_photo:
        assert catalogue.qualifications[key].name in photo_rule
        assert catalogue.qualifications[key].name in between(seed("001"), "注：办理", "无需再填写")
    assert "须大于 30KB" in photo_rule


def test_four_qualifications_are_corrected_through_their_ministries(catalogue):
    rule = between(seed("004"), "（5）", "其他专业")
    routed = {
        key
        for key, q in catalogue.qualifications.items()
        if q.correction_route is CorrectionRoute.MINISTRY
    }

    assert routed == {"health", "accounting", "communications", "computer-software"}
    assert "卫生、会计、通信、计算机软件与技术等4个专业" in rule


# The seed 004 annex table as flattened text: one block per row, a label then one cell (merged
# across both columns) or two; a blank cell repeats the cell above it (a merged cell).
DEPARTMENTS = {
    "省（市）住建部门": "ha-housing",
    "省（市）环境生态部门": "ha-ecology",
    "省（市）应急部门": "ha-emergency",
    "省（市）民政部门": "ha-civil-affairs",
    "省（市）市场监管部门": "ha-market",
    "省（市）自然资源部门": "ha-natural-resources",
    "省测绘局": "ha-surveying",
    "省（市）财政部门": "ha-finance",
    "省（市）税务部门": "ha-tax",
    "省（市）考试中心": "ha-pta",
    "省（市）统计部门": "ha-statistics",
    "省（市）审计部门": "ha-audit",
    "省外事办": "ha-foreign-affairs",
    "省（市）交通部门": "ha-transport",
    "省（市）卫健委": "ha-health",
    "省（市）工信部门": "ha-industry",
    "省工程咨询协会": "ha-engineering-consulting",
    "省通信管理局": "ha-communications",
}


def henan_table() -> list[tuple[str, str, str]]:
    """(label, review cell, distribution cell) per row of seed 004's annex; merged cells filled."""
    text = seed("004").split("纸质证书发放单位", 1)[1]
    rows, review, distribution = [], "", ""
    for block in text.strip("\n").split("\n\n"):
        label, *cells = ["".join(line.split()) for line in block.split("\n")]
        cells = cells * 2 if len(cells) == 1 else cells
        review, distribution = cells[0] or review, cells[1] or distribution
        rows.append((label, review, distribution))
    return rows


def reading(cell: str, row: ResponsibilityRow) -> tuple[UnitRef | None, str | None]:
    """What a cell means for a row: (department handing out paper, issuer of an e-certificate)."""
    if cell == "省人社部门制发电子证书":
        return None, "ha-hrss"
    if cell == "省（市）住建部门省人社部门制发二级造价工程师电子证书":
        if (row.qualification, row.levels) == ("cost-engineer", ("二级",)):
            return None, "ha-hrss"
        cell = "省（市）住建部门"
    if cell == "省（市）自然资源部门（注册测绘师由省测绘局负责）":
        cell = "省测绘局" if row.qualification == "surveyor" else "省（市）自然资源部门"
    both = (AuthorityLevel.PROVINCE, AuthorityLevel.CITY)
    return UnitRef(DEPARTMENTS[cell], both if cell.startswith("省（市）") else both[:1]), None


def test_henan_responsibility_rows_are_the_30_of_seed_004_annex(catalogue):
    table_labels = [label for label, _, _ in henan_table()]
    row_labels = list(dict.fromkeys(row.label for row in catalogue.responsibility))

    assert len(table_labels) == 30
    assert row_labels == table_labels
    assert [row.position for row in catalogue.responsibility][-1] == 30


def test_henan_responsibility_rows_read_the_merged_cells_as_the_notice_does(catalogue):
    table = henan_table()

    for row in catalogue.responsibility:
        label, review, distribution = table[row.position - 1]
        assert row.label == label
        assert (row.review, None) == reading(review, row), label
        assert (row.distribution, row.electronic_by) == reading(distribution, row), label


def test_henan_provincial_certificates_are_electronic_only(catalogue):
    for entry in catalogue.lists["henan-provincial-certificate"].entries:
        (level,) = entry.levels
        row = catalogue.responsibility_for(
            province="ha", qualification=entry.qualification, level=level
        )

        assert row is not None
        assert (row.distribution, row.electronic_by) == (None, "ha-hrss"), entry.label


def test_first_level_cost_engineer_paper_still_comes_from_housing(catalogue):
    row = catalogue.responsibility_for(province="ha", qualification="cost-engineer", level="一级")

    assert row is not None
    assert row.distribution == UnitRef("ha-housing", (AuthorityLevel.PROVINCE, AuthorityLevel.CITY))


def test_some_henan_duties_sit_at_province_level_only(catalogue):
    province_only = {
        row.qualification
        for row in catalogue.responsibility
        if row.review.levels == (AuthorityLevel.PROVINCE,)
    }

    assert province_only == {"translation", "consulting-engineer", "communications", "surveyor"}


def test_the_henan_exam_proof_covers_the_national_exams_with_paper_in_henan(
    catalogue: Catalogue,
) -> None:
    """Seed 004 一(三): the proof (河南) until the national paper certificate arrives; so every
    exam of the table with a paper-certificate distributor, and none that Henan issues only
    electronically (二级建造师, 二级造价工程师, 二级计量师)."""
    proof = {
        (entry.qualification, level)
        for entry in catalogue.lists["henan-exam-proof"].entries
        for level in entry.levels or (None,)
    }
    paper = {
        (row.qualification, level)
        for row in catalogue.responsibility
        if row.province == "ha"
        and row.distribution is not None
        and not catalogue.qualifications[row.qualification].abolished
        for level in row.levels or (None,)
    }
    assert proof == paper
    assert ("constructor", "二级") not in proof
    assert ("cost-engineer", "二级") not in proof
