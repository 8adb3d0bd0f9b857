"""The catalogue loader: good files load as frozen dataclasses; a mistake names file and place."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ecert.core.errors import EcertError
from ecert.core.rules.catalogue import (
    CorrectionRoute,
    Level,
    PhotoRule,
    ReplacementForm,
    UnitRef,
    default_catalogue_dir,
    load_catalogue,
)
from ecert.core.rules.kinds import AuthorityLevel, CredentialKind

QUALIFICATIONS = """
[[qualification]]
key = "constructor"
code = 1
name = "建造师"
levels = [{ name = "一级", exam_code = "034" }, { name = "二级" }]

[[qualification]]
key = "pharmacist"
code = 2
name = "执业药师"

[[qualification]]
key = "advertising"
code = 3
name = "广告师"
abolished = true
"""

LISTS = """
[[list]]
key = "style-1"
title = "样式1"
source = "seed 002 §二"
kind = "national_certificate"
style = 1
issuer = "mohrss"

[[list.entry]]
position = 1
label = "建造师（一级）"
qualification = "constructor"
levels = ["一级"]

[[list.entry]]
position = 2
label = "执业药师"
qualification = "pharmacist"
"""

HENAN = """
[[responsibility]]
province = "ha"
source = "seed 004 附件"

[[responsibility.row]]
position = 1
label = "建造师（一级）"
qualification = "constructor"
levels = ["一级"]
review = { authority = "ha-housing", levels = ["province", "city"] }
distribution = { authority = "ha-housing", levels = ["province", "city"] }

[[responsibility.row]]
position = 2
label = "建造师（二级）"
qualification = "constructor"
levels = ["二级"]
review = { authority = "ha-housing", levels = ["province", "city"] }
electronic_by = "ha-hrss"
"""

BASE = {"qualifications.toml": QUALIFICATIONS, "lists.toml": LISTS, "henan.toml": HENAN}


def write_catalogue(directory: Path, file: str = "", old: str = "", new: str = "") -> Path:
    """Write the small valid catalogue above, with `old` replaced by `new` once in `file`."""
    for name, text in BASE.items():
        if name == file:
            assert old in text, f"test setup: {old!r} is not in {name}"
            text = new + text if old == "" else text.replace(old, new, 1)
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_small_catalogue_loads_every_field(tmp_path):
    catalogue = load_catalogue(write_catalogue(tmp_path))

    constructor = catalogue.qualifications["constructor"]
    assert constructor.levels == (Level("一级", "034"), Level("二级", None))
    pharmacist = catalogue.qualifications["pharmacist"]
    assert (pharmacist.levels, pharmacist.abolished, pharmacist.specialties) == ((), False, ())
    assert pharmacist.replacement_form is ReplacementForm.STANDARD
    assert pharmacist.photo_rule is PhotoRule.STANDARD
    assert pharmacist.correction_route is CorrectionRoute.PROVINCE
    assert catalogue.qualifications["advertising"].abolished

    style_1 = catalogue.lists["style-1"]
    assert (style_1.kind, style_1.style, style_1.issuer) == (
        CredentialKind.NATIONAL_CERTIFICATE,
        1,
        "mohrss",
    )
    assert [(e.position, e.label, e.qualification, e.levels) for e in style_1.entries] == [
        (1, "建造师（一级）", "constructor", ("一级",)),
        (2, "执业药师", "pharmacist", ()),
    ]

    first, second = catalogue.responsibility
    housing = UnitRef("ha-housing", (AuthorityLevel.PROVINCE, AuthorityLevel.CITY))
    assert (first.review, first.distribution, first.electronic_by) == (housing, housing, None)
    assert (second.distribution, second.electronic_by, second.province) == (None, "ha-hrss", "ha")


def test_responsibility_for_picks_the_row_of_the_level(tmp_path):
    catalogue = load_catalogue(write_catalogue(tmp_path))

    row = catalogue.responsibility_for(province="ha", qualification="constructor", level="二级")

    assert row is not None
    assert row.electronic_by == "ha-hrss"
    assert (
        catalogue.responsibility_for(province="sd", qualification="constructor", level="二级")
        is None
    )


def test_loaded_catalogue_cannot_be_changed(tmp_path):
    catalogue = load_catalogue(write_catalogue(tmp_path))

    with pytest.raises(dataclasses.FrozenInstanceError):
        catalogue.qualifications["pharmacist"].abolished = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        catalogue.lists["other"] = catalogue.lists["style-1"]  # type: ignore[index]


def test_packaged_catalogue_is_found_and_loads():
    directory = default_catalogue_dir()

    assert (directory / "qualifications.toml").is_file()
    assert "national-style-1" in load_catalogue(directory).lists


LIST_1 = '[[list]] #1 "style-1"'
ENTRY = f"{LIST_1} > [[list.entry]]"
ROW = '[[responsibility]] #1 "ha" > [[responsibility.row]]'
QUAL = "[[qualification]]"
CONSTRUCTOR_LEVELS = '[{ name = "一级", exam_code = "034" }, { name = "二级" }]'
HOUSING_REVIEW = 'review = { authority = "ha-housing", levels = ["province", "city"] }\n'
Q, L, H = "qualifications.toml", "lists.toml", "henan.toml"

# fmt: off
MISTAKES = [  # id, file, old, new; then the file the error names, its location, 中文, English
    ("missing-required-field", Q, 'name = "执业药师"\n', "",
     Q, f'{QUAL} #2 "pharmacist" > name', "缺少必填字段“name”", "missing required field 'name'"),
    ("missing-unit", H, HOUSING_REVIEW, "",
     H, f"{ROW} #1 > review", "缺少必填字段“review”", "missing required field 'review'"),
    ("misspelt-field", Q, "abolished = true", "abolish = true",
     Q, f'{QUAL} #3 "advertising" > abolish', "未知字段“abolish”", "unknown field 'abolish'"),
    ("misspelt-field-in-unit", H, '["province", "city"] }', '["city"], level = "city" }',
     H, f"{ROW} #1 > review > level", "请检查拼写", "check the spelling"),
    ("unknown-top-level-table", L, "", "version = 2\n",
     L, "version", "未知字段“version”", "unknown field 'version'"),
    ("unknown-qualification", L, '= "pharmacist"', '= "pharmacists"',
     L, f"{ENTRY} #2 > qualification", "未知资格“pharmacists”", "unknown qualification"),
    ("undefined-level", L, 'levels = ["一级"]', 'levels = ["三级"]',
     L, f"{ENTRY} #1 > levels", "没有级别“三级”", "has no level '三级' (defined: 一级、二级)"),
    ("level-named-twice", L, 'levels = ["一级"]', 'levels = ["一级", "一级"]',
     L, f"{ENTRY} #1 > levels", "“一级”重复", "'一级' is listed twice"),
    ("bad-kind", L, '"national_certificate"', '"certificate"',
     L, f"{LIST_1} > kind", "“certificate”无效", "use one of: national_certificate"),
    ("bad-photo-rule", Q, 'name = "执业药师"', 'name = "执业药师"\nphoto_rule = "large"',
     Q, f'{QUAL} #2 "pharmacist" > photo_rule', "可选：standard, over_30kb", "invalid value"),
    ("bad-government-level", H, '"province", "city"] }', '"province", "town"] }',
     H, f"{ROW} #1 > review > levels", "“town”无效", "use one of: national, province"),
    ("exam-code-too-short", Q, '"034"', '"34"',
     Q, f'{QUAL} #1 "constructor" > levels #1 > exam_code', "不是有效的考试代码",
     "'34' is not a valid exam code"),
    ("exam-code-not-digits", Q, '"034"', '"03A"',
     Q, f'{QUAL} #1 "constructor" > levels #1 > exam_code', "3 位数字", "3 digits"),
    ("exam-code-unquoted", Q, '"034"', "34",
     Q, f'{QUAL} #1 "constructor" > levels #1 > exam_code', "带引号", "quoted text"),
    ("exam-code-beside-levels", Q, 'name = "建造师"', 'name = "建造师"\nexam_code = "034"',
     Q, f'{QUAL} #1 "constructor" > exam_code', "考试代码写在各级别里", "on each level"),
    ("levels-as-plain-names", Q, CONSTRUCTOR_LEVELS, '["一级", "二级"]',
     Q, f'{QUAL} #1 "constructor" > levels', '[{ name = "一级" }]', "one or more"),
    ("level-defined-twice", Q, '{ name = "二级" }', '{ name = "一级" }',
     Q, f'{QUAL} #1 "constructor" > levels #2 > name', "“一级”重复", "listed twice"),
    ("key-not-a-slug", Q, 'key = "pharmacist"', 'key = "Pharmacist"',
     Q, f"{QUAL} #2 > key", "不是有效的键", "'Pharmacist' is not a valid key"),
    ("bad-province-code", H, 'province = "ha"', 'province = "henan"',
     H, "[[responsibility]] #1 > province", "省份代码", "not a valid province code"),
    ("position-as-text", L, "position = 1", 'position = "1"',
     L, f"{ENTRY} #1 > position", "应为正整数", "must be a whole number"),
    ("flag-as-text", Q, "abolished = true", 'abolished = "yes"',
     Q, f'{QUAL} #3 "advertising" > abolished', "true 或 false", "true or false"),
    ("levels-as-text", L, 'levels = ["一级"]', 'levels = "一级"',
     L, f"{ENTRY} #1 > levels", "应为列表", "must be a list"),
    ("position-skipped", L, "position = 2", "position = 3",
     L, f"{ENTRY} #2 > position", "序号应为 2", "position should be 2"),
    ("level-listed-twice", L, '= "pharmacist"', '= "constructor"',
     L, f"{ENTRY} #2 > levels", "已在第 1 项列出", "'constructor 一级' is already listed"),
    ("national-list-without-style", L, "style = 1\n", "",
     L, f"{LIST_1} > style", "style = 1（部印章）或 2", "needs style = 1"),
    ("style-on-exam-proof", L, '"national_certificate"', '"exam_proof"',
     L, f"{LIST_1} > style", "其他列表不写", "other lists have no style"),
    ("provincial-list-without-province", L, '"national_certificate"\nstyle = 1',
     '"provincial_certificate"',
     L, f"{LIST_1} > province", "须写 province", "needs a province"),
    ("entry-nobody-seals", L, 'issuer = "mohrss"\n', "",
     L, f"{ENTRY} #1 > sealed_by", "无人盖章", "nobody seals this entry"),
    ("abolished-on-certificate-list", L, '= "pharmacist"', '= "advertising"',
     L, f"{ENTRY} #2 > qualification", "已取消的资格", "abolished qualifications go in"),
    ("row-hands-out-nothing", H, 'electronic_by = "ha-hrss"\n', "",
     H, f"{ROW} #2", "须写 distribution", "give distribution (who hands out paper)"),
    ("duplicate-qualification-key", L, "", '[[qualification]]\nkey = "pharmacist"\ncode = 9\nname = "药"\n',
     Q, f'{QUAL} #2 "pharmacist" > key', "已在 lists.toml 中定义", "duplicate 'pharmacist'"),
    ("duplicate-qualification-code", L, "", '[[qualification]]\nkey = "nurse"\ncode = 2\nname = "护士"\n',
     Q, f'{QUAL} #2 "pharmacist" > code', "“2”重复，已在 lists.toml 中定义", "duplicate '2'"),
    ("duplicate-list-key", H, "", LISTS,
     L, f"{LIST_1} > key", "“style-1”重复", "already defined in henan.toml"),
    ("duplicate-responsibility-table", L, "", HENAN,
     L, '[[responsibility]] #1 "ha" > province', "已在 henan.toml 中定义", "duplicate 'ha'"),
    ("toml-syntax-error", Q, 'name = "执业药师"', 'name = "执业药师',
     Q, "line 11, column 13", "TOML 语法错误", "TOML syntax error: Illegal character"),
]
# fmt: on


@pytest.mark.parametrize(
    ("file", "old", "new", "expected_file", "location", "chinese", "english"),
    [pytest.param(*case[1:], id=case[0]) for case in MISTAKES],
)
def test_mistake_is_reported_with_file_and_place(
    tmp_path, file, old, new, expected_file, location, chinese, english
):
    with pytest.raises(EcertError) as caught:
        load_catalogue(write_catalogue(tmp_path, file, old, new))

    error = caught.value
    assert (Path(error.file).name, error.field) == (expected_file, location)
    assert chinese in error.zh
    assert english in error.en
    where = f"（{location}）" if location else ""
    assert str(error).startswith(f"文件 {tmp_path / expected_file}{where}：")


def test_list_without_entries_is_reported(tmp_path):
    write_catalogue(tmp_path, "lists.toml", LISTS, LISTS.split("[[list.entry]]")[0])

    with pytest.raises(EcertError, match="missing required field 'entry'") as caught:
        load_catalogue(tmp_path)

    assert caught.value.field == f"{LIST_1} > entry"


def test_file_not_in_utf8_is_reported(tmp_path):
    write_catalogue(tmp_path)
    (tmp_path / "lists.toml").write_bytes(LISTS.encode("gbk"))

    with pytest.raises(EcertError, match="UTF-8") as caught:
        load_catalogue(tmp_path)

    assert Path(caught.value.file).name == "lists.toml"


def test_directory_without_catalogue_files_is_reported(tmp_path):
    with pytest.raises(EcertError, match=r"no \*\.toml catalogue files") as caught:
        load_catalogue(tmp_path / "missing")

    assert caught.value.file == str(tmp_path / "missing")
