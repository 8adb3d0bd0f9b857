"""The one error type: its message names the place, Chinese first; it survives pickling."""

from __future__ import annotations

import pickle

from ecert.core.errors import EcertError


def test_message_names_file_row_column_and_label_chinese_first() -> None:
    error = EcertError(
        "empty",
        "内容为空",
        "the value is empty",
        file="a.xlsx",
        row=3,
        column="B",
        field="holder_name",
        label=("姓名 KSXM", "name, KSXM"),
    )
    assert str(error) == (
        "文件 a.xlsx 第 3 行 B 列（姓名 KSXM）：内容为空 / "
        "file a.xlsx, row 3, column B (name, KSXM): the value is empty"
    )


def test_the_field_is_for_programs_and_never_printed() -> None:
    error = EcertError("too_long", "姓名过长", "the name is too long", field="holder_name")
    assert error.field == "holder_name"
    assert "holder_name" not in str(error)


def test_message_without_a_place_is_just_the_two_texts() -> None:
    assert str(EcertError("x", "出错", "wrong")) == "出错 / wrong"


def test_each_text_names_the_place_for_a_page_in_one_language() -> None:
    error = EcertError("empty", "姓名为空", "the name is empty", file="a.csv", row=3)
    assert error.texts() == ("文件 a.csv 第 3 行：姓名为空", "file a.csv, row 3: the name is empty")
    assert EcertError("x", "出错", "wrong").texts() == ("出错", "wrong")


def test_located_fills_in_what_is_missing_and_keeps_what_is_known() -> None:
    error = EcertError("x", "出错", "wrong", row=7).located(file="b.csv", row=9, field="证件号码")
    assert (error.file, error.row, error.field) == ("b.csv", 7, "证件号码")
    assert error.code == "x"


def test_an_error_pickled_in_a_worker_comes_back_whole() -> None:
    error = EcertError(
        "too_long", "超过 40 个字符", "too long", row=2, field="holder_name", label=("姓名", "name")
    )
    back = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (back.code, back.zh, back.en, back.row, back.field, back.where.label) == (
        "too_long",
        "超过 40 个字符",
        "too long",
        2,
        "holder_name",
        ("姓名", "name"),
    )
    assert str(back) == str(error)
