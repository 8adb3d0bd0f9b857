"""Pass lists: header mapping and row validation (pure Python, no database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType, Sex, mask_id_number
from ecert.core.spreadsheets.cells import Cell
from ecert.core.spreadsheets.passlist import (
    FIELD_LABELS,
    HEADER_NAMES,
    REQUIRED,
    ExamRules,
    Field,
    Layout,
    PassRow,
    RowProblem,
    RowValidator,
    column_letter,
    no_data_rows,
    read_layout,
    validate_row,
)
from tests.core.idgen import make_gb11643_number, make_resident_id

TODAY = date(2025, 6, 1)
CITIES = {"济南市": "sd-jinan", "青岛市": "sd-qingdao", "淄博市": "sd-zibo"}
RULES = ExamRules(
    qualification_name="建造师",
    levels=("一级", "二级"),
    specialties=("建筑工程", "机电工程", "市政公用工程"),
    cities=CITIES,
    today=TODAY,
    earliest_approval=date(2000, 1, 1),
)
NO_LEVELS = ExamRules(
    qualification_name="勘察设计注册工程师",
    levels=(),
    specialties=(),
    cities=CITIES,
    today=TODAY,
    earliest_approval=date(2000, 1, 1),
)
PINYIN = [field.value for field in Field]  # ZSGLH KSXM ZJHM ZJLB XB BKJB BKZY CSNY PZRQ ZP BMS
LAYOUT = read_layout(PINYIN, levels_required=True)
BORN = date(1990, 1, 15)
MAN = make_resident_id(BORN, Sex.MALE)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
VALID: dict[str, Cell] = {
    "ZSGLH": "202406300001",
    "KSXM": "张三",
    "ZJHM": MAN,
    "BKJB": "一级",
    "BKZY": "建筑工程",
    "PZRQ": date(2024, 6, 30),
    "BMS": "济南市",
}


def cells(**given: Cell) -> list[Cell]:
    """A valid row in PINYIN order, with the cells named by pinyin code replaced."""
    values = VALID | given
    return [values.get(code) for code in PINYIN]


def check(rules: ExamRules = RULES, **given: Cell) -> PassRow | list[RowProblem]:
    return validate_row(5, cells(**given), LAYOUT, rules)


def accepted(rules: ExamRules = RULES, **given: Cell) -> PassRow:
    result = check(rules, **given)
    assert isinstance(result, PassRow), [problem.text for problem in result]
    return result


def problems(rules: ExamRules = RULES, **given: Cell) -> list[RowProblem]:
    result = check(rules, **given)
    assert isinstance(result, list), result
    return result


def only(rules: ExamRules = RULES, **given: Cell) -> RowProblem:
    found = problems(rules, **given)
    assert len(found) == 1, [problem.text for problem in found]
    return found[0]


def layout_error(header: Sequence[Cell], *, levels_required: bool = True) -> EcertError:
    with pytest.raises(EcertError) as caught:
        read_layout(header, levels_required=levels_required)
    return caught.value


# Column letters and the field tables


@pytest.mark.parametrize(
    ("index", "letters"),
    [(0, "A"), (2, "C"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")],
)
def test_column_letter_counts_like_a_spreadsheet(index, letters):
    assert column_letter(index) == letters


def test_every_field_has_a_label_and_its_pinyin_code_as_a_header():
    assert set(FIELD_LABELS) == set(Field)
    assert all(HEADER_NAMES[field.value] is field for field in Field)
    assert {
        Field.MANAGEMENT_NUMBER,
        Field.NAME,
        Field.ID_NUMBER,
        Field.APPROVAL_DATE,
        Field.CITY,
    } == REQUIRED


# Header row


def test_pinyin_header_maps_every_column():
    assert dict(LAYOUT.columns) == {field: index for index, field in enumerate(Field)}
    assert LAYOUT.headers == tuple(PINYIN)
    assert LAYOUT.ignored == ()


def test_lower_case_pinyin_header_is_accepted():
    layout = read_layout([code.lower() for code in PINYIN], levels_required=True)
    assert dict(layout.columns) == dict(LAYOUT.columns)


def test_chinese_header_is_accepted():
    header = ["管理号", "考生姓名", "身份证号码", "证件类型", "性别", "报考级别", "报考专业",
              "出生年月", "批准日期", "照片", "报名地市"]  # fmt: skip
    assert dict(read_layout(header, levels_required=True).columns) == dict(LAYOUT.columns)


def test_header_with_spaces_and_full_width_letters_is_accepted():
    header = [" Ｚ Ｓ Ｇ Ｌ Ｈ ", "姓\u3000名", "证件号码", "批准日期", "报名市"]
    layout = read_layout(header, levels_required=False)
    assert layout.columns[Field.MANAGEMENT_NUMBER] == 0
    assert layout.columns[Field.NAME] == 1


def test_header_giving_code_and_chinese_name_together_is_accepted():
    header = [
        "ZSGLH（管理号）",
        "KSXM(姓名)",
        "证件号码 (ZJHM)",
        "PZRQ（批准日期）",
        "BMS（报名市）",
    ]
    layout = read_layout(header, levels_required=False)
    assert list(layout.columns) == [
        Field.MANAGEMENT_NUMBER, Field.NAME, Field.ID_NUMBER, Field.APPROVAL_DATE, Field.CITY,
    ]  # fmt: skip


def test_unknown_columns_are_ignored_and_listed():
    layout = read_layout(["序号", *PINYIN, None, "备注", 7], levels_required=True)
    assert layout.ignored == ("序号", "备注", "7")
    assert layout.columns[Field.MANAGEMENT_NUMBER] == 1
    assert layout.headers[0] == "序号"
    assert len(layout.headers) == len(PINYIN) + 4


def test_a_column_given_twice_is_refused_naming_it_and_its_columns():
    error = layout_error(["ZSGLH", "KSXM", "ZJHM", "身份证号码", "PZRQ", "BMS"])
    assert error.code == "duplicate_column"
    assert "证件号码 ZJHM" in error.zh
    assert "C、D" in error.zh
    assert "ID number (ZJHM)" in error.en
    assert "C, D" in error.en


def test_missing_required_columns_are_refused_naming_each():
    error = layout_error(["ZSGLH", "KSXM", "ZJHM", "BKJB"])
    assert error.code == "missing_columns"
    assert "批准日期 PZRQ" in error.zh
    assert "报名市 BMS" in error.zh
    assert "approval date (PZRQ)" in error.en
    assert "registration city (BMS)" in error.en
    assert str(error) == f"{error.zh} / {error.en}"


def test_level_column_is_required_only_when_the_exam_has_levels():
    header = ["ZSGLH", "KSXM", "ZJHM", "PZRQ", "BMS"]
    assert "级别 BKJB" in layout_error(header, levels_required=True).zh
    assert Field.LEVEL not in read_layout(header, levels_required=False).columns


def test_a_data_row_in_place_of_the_header_is_no_header():
    error = layout_error(["202406300001", "张三", MAN, date(2024, 6, 30), "济南市"])
    assert error.code == "no_header"
    assert "第一行" in error.zh
    assert "first row" in error.en


@pytest.mark.parametrize("header", [[], [None, "  ", "\u3000"]])
def test_a_blank_header_row_is_no_header(header):
    assert layout_error(header).code == "no_header"


def test_no_data_rows_error_is_bilingual():
    error = no_data_rows()
    assert error.code == "no_data_rows"
    assert "表头" in error.zh
    assert "header" in error.en


def test_validator_refuses_a_layout_without_specialties_the_catalogue_lists():
    layout = read_layout(["ZSGLH", "KSXM", "ZJHM", "BKJB", "PZRQ", "BMS"], levels_required=True)
    with pytest.raises(EcertError) as caught:
        RowValidator(layout, RULES)
    assert caught.value.code == "missing_columns"
    assert "专业 BKZY" in caught.value.zh


# A good row


def test_valid_row_gives_a_pass_row_with_sex_and_birth_month_from_the_id_number():
    assert check() == PassRow(
        row=5,
        management_number="202406300001",
        name="张三",
        id_number=accepted().id_number,
        sex=Sex.MALE,
        birth_month=(1990, 1),
        level="一级",
        specialty="建筑工程",
        approval_date=date(2024, 6, 30),
        city_key="sd-jinan",
    )
    assert accepted().id_number.value == MAN
    assert accepted().id_number.type is IdType.RESIDENT_ID


@pytest.mark.parametrize(
    "approval",
    [
        date(2024, 6, 30),
        datetime(2024, 6, 30),
        datetime(2024, 6, 30, 9, 30),
        "2024-06-30",
        "2024/6/30",
        "2024.6.30",
        "2024年6月30日",
        "20240630",
        " ２０２４－０６－３０ ",
        "2024-06-30 00:00:00",
        20240630,
        20240630.0,  # a number typed into a General cell of an .xlsx arrives as a float
    ],
)
def test_approval_date_is_accepted_in_each_format(approval):
    assert accepted(PZRQ=approval).approval_date == date(2024, 6, 30)


@pytest.mark.parametrize(
    "month",
    [date(1990, 1, 15), datetime(1990, 1, 1), "1990-01", "1990-1", "199001", "1990.01", "1990/01",
     "1990年1月", "1990-01-15", "1990年1月15日", 199001],
)  # fmt: skip
def test_birth_month_is_accepted_in_each_format(month):
    assert accepted(CSNY=month).birth_month == (1990, 1)


def test_full_width_digits_in_id_number_and_management_number_are_accepted():
    row = accepted(ZJHM=MAN.translate(FULL_WIDTH), ZSGLH="ＡＢ２０２４　０００１")
    assert row.id_number.value == MAN
    assert row.management_number == "AB20240001"


def test_management_number_is_upper_cased_without_spaces():
    assert accepted(ZSGLH=" ab 2024 0001 ").management_number == "AB20240001"


@pytest.mark.parametrize("name", ["𠮷野家", "王堃", "张喆", "欧阳𠮷喆"])
def test_rare_characters_in_names_are_accepted(name):
    assert accepted(KSXM=name).name == name


@pytest.mark.parametrize("city", ["济南市", "济南", " 济 南 市 ", "济南市\u3000"])
def test_city_is_matched_with_or_without_shi(city):
    assert accepted(BMS=city).city_key == "sd-jinan"


def test_level_and_specialty_are_matched_after_normalising():
    row = accepted(BKJB=" 二 级 ", BKZY="市政公用工程\u3000")
    assert (row.level, row.specialty) == ("二级", "市政公用工程")


def test_exam_without_levels_or_specialties_takes_them_blank():
    row = accepted(NO_LEVELS, BKJB=None, BKZY="  ")
    assert (row.level, row.specialty) == ("", "")


@pytest.mark.parametrize(
    "label", ["居民身份证", "身份证", "二代身份证", "resident_id", "RESIDENT_ID"]
)
def test_resident_id_type_labels_are_accepted(label):
    assert accepted(ZJLB=label).id_number.type is IdType.RESIDENT_ID


def test_passport_row_takes_sex_and_birth_month_from_the_row():
    row = accepted(ZJLB="护照", ZJHM="E12345678", XB="女", CSNY="1991-02")
    assert row.id_number.type is IdType.PASSPORT
    assert (row.sex, row.birth_month) == (Sex.FEMALE, (1991, 2))


def test_passport_row_may_leave_sex_and_birth_month_blank():
    row = accepted(ZJLB="护照", ZJHM="E12345678")
    assert (row.sex, row.birth_month) == (None, None)


@pytest.mark.parametrize(
    ("prefix", "id_type"),
    [("810000", IdType.HK_MACAO_RESIDENCE_PERMIT), ("830000", IdType.TAIWAN_RESIDENCE_PERMIT)],
)
@pytest.mark.parametrize("label", [None, "港澳台居民居住证"])
def test_residence_permit_type_is_told_from_the_number(prefix, id_type, label):
    number = make_gb11643_number(prefix, BORN, Sex.FEMALE)
    row = accepted(ZJLB=label, ZJHM=number)
    assert (row.id_number.type, row.sex) == (id_type, Sex.FEMALE)


@pytest.mark.parametrize("sex", ["男", "男性", "M", "m", "male", "Male", "ＭＡＬＥ"])
def test_sex_labels_are_accepted(sex):
    assert accepted(XB=sex).sex is Sex.MALE


def test_photo_column_is_ignored():
    assert isinstance(check(ZP=12.5), PassRow)


def test_row_shorter_than_the_header_reads_missing_cells_as_blank():
    result = validate_row(9, ["202406300001", "张三", MAN], LAYOUT, RULES)
    assert isinstance(result, list)
    assert {(p.field, p.code) for p in result} == {
        (Field.LEVEL, "missing"),
        (Field.SPECIALTY, "missing"),
        (Field.APPROVAL_DATE, "missing"),
        (Field.CITY, "missing"),
    }


def test_holder_turning_16_on_the_approval_date_is_old_enough():
    number = make_resident_id(date(2008, 6, 30), Sex.FEMALE)
    assert accepted(ZJHM=number, PZRQ=date(2024, 6, 30)).approval_date == date(2024, 6, 30)


# Problems, one per code


def test_problem_text_names_row_column_and_field():
    problem = only(ZJHM="370102199001151230")
    assert (problem.row, problem.column, problem.field, problem.code) == (
        5, "C", Field.ID_NUMBER, "bad_id_number",
    )  # fmt: skip
    assert problem.text == (
        f"第 5 行 C 列（证件号码 ZJHM）：{problem.zh} / row 5, column C (ID number, ZJHM): {problem.en}"
    )


def test_problem_text_without_column_or_field():
    problem = RowProblem(7, None, None, "x", "中文", "English")
    assert problem.text == "第 7 行：中文 / row 7: English"


@pytest.mark.parametrize("code", ["ZSGLH", "KSXM", "ZJHM", "PZRQ", "BMS", "BKJB", "BKZY"])
@pytest.mark.parametrize("blank", [None, "", "  ", "\u3000"])
def test_blank_required_cell_is_missing_naming_the_field(code, blank):
    problem = only(**{code: blank})
    assert (problem.code, problem.field) == ("missing", Field(code))
    label = FIELD_LABELS[Field(code)]
    assert label.zh in problem.zh
    assert label.en in problem.en


def test_management_number_typed_as_a_number_is_number_cell():
    problem = only(ZSGLH=202406300001)
    assert problem.code == "number_cell"
    assert "202406300001" in problem.zh
    assert "“文本”" in problem.zh
    assert "Text" in problem.en


def test_id_number_typed_as_a_number_is_number_cell_and_masked():
    stored = float(MAN)  # what Excel keeps: 15 significant digits
    problem = only(ZJHM=stored)
    assert problem.code == "number_cell"
    assert "末几位已丢失" in problem.zh
    assert "“文本”" in problem.zh
    shown = str(int(stored))
    assert mask_id_number(shown) in problem.zh
    assert shown not in problem.zh + problem.en


def test_number_in_a_text_column_is_number_cell():
    assert only(KSXM=12345).code == "number_cell"
    assert only(BMS=370100).code == "number_cell"


@pytest.mark.parametrize(
    ("code", "cell"), [("KSXM", date(1990, 1, 1)), ("XB", True), ("BKJB", time(9, 0))]
)
def test_date_time_or_boolean_in_a_text_column_is_not_text(code, cell):
    assert only(**{code: cell}).code == "not_text"


@pytest.mark.parametrize(
    "number", ["12345", "ABC-123456", "2024063000010000000000000000000001", "管理号123456"]
)
def test_malformed_management_number_is_management_number_format(number):
    problem = only(ZSGLH=number)
    assert problem.code == "management_number_format"
    assert number[:10] in problem.zh
    assert "6 至 32" in problem.zh


def test_id_number_with_a_wrong_check_character_is_bad_id_number_and_masked():
    wrong = MAN[:17] + ("0" if MAN[17] != "0" else "1")
    problem = only(ZJHM=wrong)
    assert problem.code == "bad_id_number"
    assert "校验位" in problem.zh
    assert "check character" in problem.en
    assert mask_id_number(wrong) in problem.zh
    assert wrong not in problem.zh + problem.en


def test_unrecognisable_number_without_a_type_asks_for_the_type():
    problem = only(ZJHM="E12345678")
    assert problem.code == "bad_id_number"
    assert "证件类别（ZJLB）" in problem.zh
    assert "ID type (ZJLB)" in problem.en


def test_unknown_id_type_is_id_type_unknown_and_the_number_is_not_checked():
    problem = only(ZJLB="军官证", ZJHM="not a number")
    assert (problem.code, problem.field, problem.column) == ("id_type_unknown", Field.ID_TYPE, "D")
    assert "军官证" in problem.zh
    assert "居民身份证" in problem.zh
    assert "Passport" in problem.en


def test_number_not_of_the_given_type_is_bad_id_number():
    assert only(ZJLB="港澳居民居住证").code == "bad_id_number"


def test_unknown_sex_is_sex_unknown():
    problem = only(XB="未知")
    assert problem.code == "sex_unknown"
    assert "未知" in problem.zh


def test_sex_contradicting_the_id_number_is_sex_mismatch():
    problem = only(XB="女")
    assert (problem.code, problem.field) == ("sex_mismatch", Field.SEX)
    assert "女" in problem.zh
    assert "男" in problem.zh
    assert mask_id_number(MAN) in problem.zh
    assert MAN not in problem.zh + problem.en


def test_birth_month_contradicting_the_id_number_is_birth_month_mismatch():
    problem = only(CSNY="1991-01")
    assert (problem.code, problem.field) == ("birth_month_mismatch", Field.BIRTH_MONTH)
    assert "1991-01" in problem.zh
    assert MAN not in problem.zh + problem.en


@pytest.mark.parametrize(
    "month", ["1990-13", "一九九〇年", "90-01", "1890-01", "2025-07", True, 1.5, time(1, 2)]
)
def test_unreadable_or_implausible_birth_month_is_birth_month_format(month):
    problem = only(CSNY=month)
    assert problem.code == "birth_month_format"


def test_level_not_of_the_exam_is_level_unknown_listing_the_levels():
    problem = only(BKJB="三级")
    assert problem.code == "level_unknown"
    assert "三级" in problem.zh
    assert "一级、二级" in problem.zh
    assert "建造师" in problem.zh


def test_level_given_for_an_exam_without_levels_is_level_not_expected():
    problem = only(NO_LEVELS, BKJB="一级", BKZY=None)
    assert problem.code == "level_not_expected"
    assert "不分级别" in problem.zh
    assert "一级" in problem.zh


def test_specialty_not_in_the_catalogue_is_specialty_unknown():
    problem = only(BKZY="矿业工程")
    assert problem.code == "specialty_unknown"
    assert "矿业工程" in problem.zh
    assert "建筑工程" in problem.zh


def test_specialty_given_when_the_catalogue_lists_none_is_specialty_not_expected():
    problem = only(NO_LEVELS, BKJB=None, BKZY="建筑工程")
    assert problem.code == "specialty_not_expected"
    assert "没有列出专业" in problem.zh
    assert "lists no specialties" in problem.en


@pytest.mark.parametrize(
    "approval",
    [
        "2024-02-30",
        "30/06/2024",
        "下周",
        "2024-06",
        45473.0,
        45473,
        2024063.5,
        True,
        time(9, 0),
        timedelta(days=1),
    ],
)
def test_unreadable_approval_date_is_date_format(approval):
    assert only(PZRQ=approval).code == "date_format"


def test_approval_date_as_an_excel_serial_number_says_why_it_is_refused():
    problem = only(PZRQ=45473.0)
    assert "45473" in problem.zh
    assert "序号" in problem.zh
    assert "serial" in problem.en


def test_approval_date_after_today_is_date_in_future():
    assert only(PZRQ=TODAY + timedelta(days=1)).code == "date_in_future"
    assert accepted(PZRQ=TODAY).approval_date == TODAY


def test_approval_date_before_the_earliest_is_date_too_early():
    problem = only(PZRQ=date(1999, 12, 31))
    assert problem.code == "date_too_early"
    assert "2000-01-01" in problem.zh


def test_holder_under_16_on_the_approval_date_is_too_young():
    number = make_resident_id(date(2008, 7, 1), Sex.FEMALE)
    problem = only(ZJHM=number, PZRQ=date(2024, 6, 30))
    assert (problem.code, problem.field) == ("too_young", Field.APPROVAL_DATE)
    assert "16" in problem.zh


def test_too_young_by_the_birth_month_of_a_passport_holder():
    problem = only(ZJLB="护照", ZJHM="E12345678", CSNY="2010-01", PZRQ=date(2024, 6, 30))
    assert problem.code == "too_young"


def test_unknown_city_is_city_unknown_listing_the_cities():
    problem = only(BMS="北京市")
    assert problem.code == "city_unknown"
    assert "北京市" in problem.zh
    assert "济南市" in problem.zh
    assert "青岛市" in problem.en


def test_several_problems_in_one_row_are_all_reported():
    found = problems(
        ZSGLH=123, KSXM="", ZJHM="370102199001151230", BKJB="三级", PZRQ="2024-13-01", BMS="北京"
    )
    assert [(p.column, p.field, p.code) for p in found] == [
        ("A", Field.MANAGEMENT_NUMBER, "number_cell"),
        ("B", Field.NAME, "missing"),
        ("C", Field.ID_NUMBER, "bad_id_number"),
        ("F", Field.LEVEL, "level_unknown"),
        ("I", Field.APPROVAL_DATE, "date_format"),
        ("K", Field.CITY, "city_unknown"),
    ]


def test_cross_field_problems_are_reported_with_cell_problems():
    codes = {p.code for p in problems(XB="女", CSNY="1991-01", BMS="北京")}
    assert codes == {"sex_mismatch", "birth_month_mismatch", "city_unknown"}


def test_validator_gives_the_same_answers_as_validate_row_for_many_rows():
    validator = RowValidator(LAYOUT, RULES)
    overrides: list[dict[str, Cell]] = [{}, {"XB": "女"}, {"BKJB": "三级"}, {"XB": "女"}, {}]
    for override in overrides:
        row = cells(**override)
        assert validator.validate(5, row) == validate_row(5, row, LAYOUT, RULES)


def test_messages_quote_control_characters_visibly():
    problem = only(BMS="济南\x00")
    assert "\\u0000" in problem.zh
    assert "\x00" not in problem.zh


# Properties

REGIONS = ["110105", "370102", "370202", "440305", "650102"]
NAME_CHARACTERS = "张王李赵刘陈杨黄周吴欧阳𠮷堃喆"
MANAGEMENT_CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def approval_cell(day: date, form: int) -> Cell:
    forms: list[Cell] = [
        day,
        datetime(day.year, day.month, day.day),
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month}.{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y%m%d}",
        int(f"{day:%Y%m%d}"),
    ]
    return forms[form]


@given(
    born=st.dates(date(1930, 1, 1), date(2000, 12, 31)),
    sex=st.sampled_from(Sex),
    region=st.sampled_from(REGIONS),
    seq=st.integers(0, 499),
    number=st.text(MANAGEMENT_CHARACTERS, min_size=6, max_size=32),
    name=st.text(NAME_CHARACTERS, min_size=1, max_size=6),
    level=st.sampled_from(RULES.levels),
    specialty=st.sampled_from(RULES.specialties),
    approved=st.dates(date(2017, 1, 1), TODAY),
    form=st.integers(0, 7),
    city=st.sampled_from(sorted(CITIES)),
    give_sex=st.booleans(),
    give_month=st.booleans(),
)
def test_valid_generated_rows_round_trip(
    born,
    sex,
    region,
    seq,
    number,
    name,
    level,
    specialty,
    approved,
    form,
    city,
    give_sex,
    give_month,
):
    id_number = make_resident_id(born, sex, region, seq)
    row = accepted(
        ZSGLH=number,
        KSXM=name,
        ZJHM=id_number,
        XB=("男" if sex is Sex.MALE else "女") if give_sex else None,
        CSNY=f"{born:%Y-%m}" if give_month else None,
        BKJB=level,
        BKZY=specialty,
        PZRQ=approval_cell(approved, form),
        BMS=city,
    )
    assert (row.row, row.management_number, row.name) == (5, number, name)
    assert (row.id_number.value, row.sex, row.birth_month) == (
        id_number,
        sex,
        (born.year, born.month),
    )
    assert (row.level, row.specialty, row.approval_date) == (level, specialty, approved)
    assert row.city_key == CITIES[city]


ANY_CELL = st.one_of(
    st.none(),
    st.text(),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)


def assert_well_formed(result: PassRow | list[RowProblem]) -> None:
    if isinstance(result, list):
        assert result
        for problem in result:
            assert problem.code
            assert problem.zh
            assert problem.en
            assert problem.text.startswith("第 5 行")


@given(st.lists(st.text(), min_size=0, max_size=14))
def test_random_strings_in_any_cell_give_problems_never_an_exception(row):
    assert_well_formed(validate_row(5, row, LAYOUT, RULES))
    assert_well_formed(validate_row(5, row, LAYOUT, NO_LEVELS))


@given(st.lists(ANY_CELL, min_size=11, max_size=11))
def test_random_cells_of_any_type_give_problems_never_an_exception(row):
    assert_well_formed(validate_row(5, row, LAYOUT, RULES))


@given(st.sampled_from(list(VALID)), st.text())
def test_one_random_string_in_a_valid_row_never_raises(code, text):
    assert_well_formed(check(**{code: text}))


@given(
    st.lists(st.one_of(st.none(), st.text(), st.sampled_from(sorted(HEADER_NAMES))), max_size=14)
)
def test_random_header_rows_give_a_layout_or_a_pass_list_error(header):
    try:
        layout: Layout | None = read_layout(header, levels_required=False)
        code = None
    except EcertError as error:
        layout, code = None, error.code
    if layout is None:
        assert code in {"no_header", "duplicate_column", "missing_columns"}
    else:
        assert set(layout.columns) >= REQUIRED


def test_problem_texts_for_the_error_workbook_name_column_and_field_in_each_language():
    problem = only(ZJHM="370102199001151230")
    zh, en = problem.texts
    assert zh == f"C 列（证件号码 ZJHM）：{problem.zh}"
    assert en == f"column C (ID number, ZJHM): {problem.en}"
