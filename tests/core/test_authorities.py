"""The authority tree file: the packaged data, its validation and the credit-code check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.rules.authorities import (
    AuthorityRecord,
    credit_code_is_valid,
    default_authorities_path,
    load_authorities,
)
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

SHANDONG_CITIES = {
    "sd-jinan": "370100",
    "sd-qingdao": "370200",
    "sd-zibo": "370300",
    "sd-zaozhuang": "370400",
    "sd-dongying": "370500",
    "sd-yantai": "370600",
    "sd-weifang": "370700",
    "sd-jining": "370800",
    "sd-taian": "370900",
    "sd-weihai": "371000",
    "sd-rizhao": "371100",
    "sd-linyi": "371300",
    "sd-dezhou": "371400",
    "sd-liaocheng": "371500",
    "sd-binzhou": "371600",
    "sd-heze": "371700",
}
HENAN_CITIES = {
    "ha-zhengzhou": "410100",
    "ha-kaifeng": "410200",
    "ha-luoyang": "410300",
    "ha-pingdingshan": "410400",
    "ha-anyang": "410500",
    "ha-hebi": "410600",
    "ha-xinxiang": "410700",
    "ha-jiaozuo": "410800",
    "ha-puyang": "410900",
    "ha-xuchang": "411000",
    "ha-luohe": "411100",
    "ha-sanmenxia": "411200",
    "ha-nanyang": "411300",
    "ha-shangqiu": "411400",
    "ha-xinyang": "411500",
    "ha-zhoukou": "411600",
    "ha-zhumadian": "411700",
    "ha-jiyuan": "419001",
}
STYLE_TWO_SEALERS = (
    "assoc-auction",
    "assoc-engineering-consulting",
    "assoc-appraisal",
    "assoc-real-estate",
    "assoc-highway-testing",
    "assoc-tax",
    "assoc-banking",
)
# Seed 004 附件: key → sector of each body that reviews eligibility or hands out paper in Henan.
HENAN_RESPONSIBLE = {
    "ha-pta": "exam",
    "ha-housing": "housing",
    "ha-ecology": "ecology",
    "ha-emergency": "emergency",
    "ha-civil-affairs": "civil_affairs",
    "ha-market": "market",
    "ha-natural-resources": "natural_resources",
    "ha-surveying": "surveying",
    "ha-finance": "finance",
    "ha-tax": "tax",
    "ha-statistics": "statistics",
    "ha-audit": "audit",
    "ha-foreign-affairs": "foreign_affairs",
    "ha-transport": "transport",
    "ha-health": "health",
    "ha-industry": "industry_it",
    "ha-engineering-consulting": "engineering_consulting",
    "ha-communications": "communications",
}


@pytest.fixture(scope="module")
def packaged() -> dict[str, AuthorityRecord]:
    return {record.key: record for record in load_authorities(default_authorities_path())}


def children(packaged: dict[str, AuthorityRecord], parent: str, kind: AuthorityKind) -> set[str]:
    return {r.key for r in packaged.values() if r.parent == parent and r.kind == kind}


# ── The packaged file ────────────────────────────────────────────────────────────────────────


def test_packaged_file_lists_parents_before_children() -> None:
    records = load_authorities(default_authorities_path())
    seen: set[str] = set()
    for record in records:
        assert record.parent is None or record.parent in seen, record.key
        seen.add(record.key)
    assert len(records) == 64


def test_ministry_is_the_national_root_with_provinces_below(
    packaged: dict[str, AuthorityRecord],
) -> None:
    assert packaged["mohrss"].parent is None
    assert packaged["mohrss"].kind is AuthorityKind.MINISTRY
    assert packaged["mohrss-cpta"].parent == "mohrss"
    assert packaged["sd-hrss"].parent == "mohrss"
    assert packaged["ha-hrss"].parent == "mohrss"


def test_shandong_has_exactly_sixteen_city_bureaus(packaged: dict[str, AuthorityRecord]) -> None:
    cities = children(packaged, "sd-hrss", AuthorityKind.HR_BUREAU)
    assert cities == set(SHANDONG_CITIES)
    assert {key: packaged[key].division_code for key in cities} == SHANDONG_CITIES
    assert all(packaged[key].level is AuthorityLevel.CITY for key in cities)


def test_henan_has_seventeen_cities_and_jiyuan(packaged: dict[str, AuthorityRecord]) -> None:
    cities = children(packaged, "ha-hrss", AuthorityKind.HR_BUREAU)
    assert cities == set(HENAN_CITIES)
    assert len(cities) == 17 + 1
    assert {key: packaged[key].division_code for key in cities} == HENAN_CITIES


def test_provincial_bureaus_carry_their_province_codes(
    packaged: dict[str, AuthorityRecord],
) -> None:
    assert packaged["sd-hrss"].division_code == "370000"
    assert packaged["ha-hrss"].division_code == "410000"


def test_region_department_codes_sit_only_where_seed_003_gives_them(
    packaged: dict[str, AuthorityRecord],
) -> None:
    codes = {r.key: r.region_department_code for r in packaged.values() if r.region_department_code}
    assert codes == {"sd-hrss": "00001", "sd-liaocheng": "14020"}
    assert packaged["sd-hrss"].name == "山东省人力资源和社会保障厅"
    assert packaged["sd-liaocheng"].name == "聊城市人力资源和社会保障局"


def test_no_credit_code_is_recorded_without_a_source(packaged: dict[str, AuthorityRecord]) -> None:
    assert all(r.credit_code is None for r in packaged.values())


@pytest.mark.parametrize("key", STYLE_TWO_SEALERS)
def test_style_two_sealer_sits_under_the_ministry(
    packaged: dict[str, AuthorityRecord], key: str
) -> None:
    sealer = packaged[key]
    assert sealer.kind is AuthorityKind.ASSOCIATION
    assert sealer.level is AuthorityLevel.NATIONAL
    assert sealer.parent == "mohrss"
    assert sealer.note


@pytest.mark.parametrize(("key", "sector"), HENAN_RESPONSIBLE.items())
def test_henan_responsible_body_is_inside_the_henan_scope(
    packaged: dict[str, AuthorityRecord], key: str, sector: str
) -> None:
    body = packaged[key]
    assert body.parent == "ha-hrss"
    assert body.level is AuthorityLevel.PROVINCE
    assert body.sector == sector


def test_every_name_not_quoted_from_a_notice_says_where_it_comes_from(
    packaged: dict[str, AuthorityRecord],
) -> None:
    assert all(r.note for r in packaged.values())


# ── Validation: every mistake is located ─────────────────────────────────────────────────────

ROOT = '[[authority]]\nkey = "root"\nname = "根"\nkind = "ministry"\nlevel = "national"\n'
CITY = (
    '[[authority]]\nkey = "city"\nname = "市"\nkind = "hr_bureau"\nlevel = "city"\n'
    'parent = "prov"\ndivision_code = "410100"\n'
)
PROVINCE = (
    '[[authority]]\nkey = "prov"\nname = "省"\nkind = "hr_bureau"\nlevel = "province"\n'
    'parent = "root"\ndivision_code = "410000"\n'
)


def authority(key: str, name: str, extra: str = "") -> str:
    return (
        f'[[authority]]\nkey = "{key}"\nname = "{name}"\nkind = "department"\n'
        f'level = "province"\n{extra}'
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "authorities.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_child_written_before_its_parent_is_returned_after_it(tmp_path: Path) -> None:
    path = write(tmp_path, CITY + PROVINCE + ROOT)
    assert [r.key for r in load_authorities(path)] == ["root", "prov", "city"]


BAD_FILES = {
    "unknown field": (
        ROOT + authority("a", "甲", 'colour = "red"\n'),
        "[[authority]] #2 (key a)",
        "未知字段",
    ),
    "missing name": (
        ROOT + '[[authority]]\nkey = "b"\nkind = "ministry"\nlevel = "national"\n',
        "[[authority]] #2 (key b)",
        "缺少必填字段 name",
    ),
    "not a string": (
        ROOT + authority("a", "甲", "division_code = 410100\n"),
        "[[authority]] #2 (key a)",
        "非空字符串",
    ),
    "empty string": (ROOT + authority("a", "甲", 'note = ""\n'), "#2 (key a)", "非空字符串"),
    "padded value": (ROOT + authority("a", " 甲"), "#2 (key a)", "首尾有空白"),
    "key not a slug": (ROOT + authority("Sd_Jinan", "甲"), "#2 (key Sd_Jinan)", "key"),
    "duplicate key": (ROOT + authority("root", "甲"), "#2 (key root)", "重复"),
    "duplicate name": (ROOT + authority("a", "根"), "#2 (key a)", "重复"),
    "unknown kind": (
        ROOT.replace('"ministry"', '"government"'),
        "[[authority]] #1 (key root)",
        "kind",
    ),
    "unknown level": (ROOT.replace('"national"', '"township"'), "#1 (key root)", "level"),
    "missing parent": (
        ROOT + authority("a", "甲", 'parent = "nowhere"\n'),
        "#2 (key a)",
        "不存在",
    ),
    "own parent": (ROOT + authority("a", "甲", 'parent = "a"\n'), "#2 (key a)", "形成环"),
    "cycle": (
        authority("a", "甲", 'parent = "b"\n') + authority("b", "乙", 'parent = "a"\n'),
        "(key a)",
        "a → b → a",
    ),
    "division code of five digits": (
        ROOT + authority("a", "甲", 'division_code = "41010"\n'),
        "#2 (key a)",
        "6 位数字",
    ),
    "region-department code of four digits": (
        ROOT + authority("a", "甲", 'region_department_code = "1402"\n'),
        "#2 (key a)",
        "5 位数字",
    ),
    "duplicate region-department code": (
        authority("a", "甲", 'region_department_code = "14020"\n')
        + authority("b", "乙", 'region_department_code = "14020"\n'),
        "#2 (key b)",
        "重复",
    ),
    "bad credit code": (
        ROOT + authority("a", "甲", 'credit_code = "91350100M000100Y44"\n'),
        "#2 (key a)",
        "统一社会信用代码",
    ),
    "bad sector": (ROOT + authority("a", "甲", 'sector = "Health"\n'), "#2 (key a)", "sector"),
    "level above the parent": (
        ROOT + PROVINCE + CITY + authority("a", "甲", 'parent = "city"\n'),
        "#4 (key a)",
        "高于上级",
    ),
    "division code outside the parent's region": (
        ROOT + PROVINCE + CITY.replace("410100", "371500"),
        "#3 (key city)",
        "辖区",
    ),
    "stray top-level table": ("[meta]\nversion = 1\n" + ROOT, "top level", "[[authority]]"),
    "authority not an array": ('[authority]\nkey = "a"\n', "top level", "[[authority]]"),
    "TOML syntax": (ROOT + "kind = \n", "line 6, column 8", "TOML"),
}


@pytest.mark.parametrize(("text", "location", "fragment"), BAD_FILES.values(), ids=BAD_FILES)
def test_bad_file_is_rejected_with_its_location(
    tmp_path: Path, text: str, location: str, fragment: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(EcertError) as caught:
        load_authorities(path)
    error = caught.value
    assert error.file == str(path)
    assert location in error.field
    assert fragment in str(error)
    assert re.search(r"[\u4e00-\u9fff]", error.zh), "Chinese first"
    assert re.search(r"[a-z]{3}", error.en), "English second"
    assert str(error).startswith(f"文件 {path}（{error.field}）：")


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(EcertError, match="无法读取文件"):
        load_authorities(tmp_path / "absent.toml")


# ── GB 32100 credit-code check ───────────────────────────────────────────────────────────────


def check_character(body: str) -> str:
    """Worked out independently of the module: weights are 3**i mod 31, GB 32100 §4."""
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return ALPHABET[-total % 31]


def test_published_example_code_is_valid() -> None:
    assert credit_code_is_valid("91350100M000100Y43")


def test_constructed_code_is_valid() -> None:
    body = "12410000MB1234567"
    assert credit_code_is_valid(body + check_character(body))


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y34",  # last two swapped
        "91350100m000100Y43",  # lower case
        "91350100I000100Y43",  # I is not in the alphabet
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y430",  # 19 characters
        "",
    ],
)
def test_corrupted_code_is_invalid(code: str) -> None:
    assert not credit_code_is_valid(code)


@given(
    body=st.text(alphabet=ALPHABET, min_size=17, max_size=17),
    position=st.integers(min_value=0, max_value=17),
    shift=st.integers(min_value=1, max_value=30),
)
def test_any_single_character_change_is_detected(body: str, position: int, shift: int) -> None:
    code = body + check_character(body)
    assert credit_code_is_valid(code)
    changed = ALPHABET[(ALPHABET.index(code[position]) + shift) % 31]
    assert not credit_code_is_valid(code[:position] + changed + code[position + 1 :])
