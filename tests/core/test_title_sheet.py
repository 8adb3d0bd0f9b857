"""Reading an approving body's sheet of approved titles: every mistake located, or every row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialForm
from ecert.core.spreadsheets.title_sheet import read_title_sheet, refusal_lines

HEADER = "姓名,证件号码,系列级别代码,评审年度,核准日期,批准文号,专业,工作单位,基层,证书形式\n"
GOOD = "欧阳𠮷喆,37150219790423662X,012,2025,2025-12-20,聊人社字〔2025〕100号,中学数学,实验中学,是,纸质\n"


def sheet(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "titles.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_row_is_read_with_its_values(tmp_path: Path) -> None:
    (row,) = read_title_sheet(sheet(tmp_path, HEADER + GOOD), display_name="titles.csv")

    assert (row.row, row.name, row.series_code, row.review_year) == (2, "欧阳𠮷喆", "012", 2025)
    assert row.approval_date == date(2025, 12, 20)
    assert (row.grassroots, row.form) == (True, CredentialForm.PAPER)
    assert row.id_number.value == "37150219790423662X"


def test_every_mistake_is_listed_with_row_column_and_field(tmp_path: Path) -> None:
    bad = "张三,371502197904236624,12,25,2025-13-01,,,,也许,光盘\n"

    with pytest.raises(EcertError) as caught:
        read_title_sheet(sheet(tmp_path, HEADER + GOOD + bad), display_name="titles.csv")

    error = caught.value
    assert (error.code, error.file) == ("sheet_mistakes", "titles.csv")
    where = {line.split(":")[0] for line in error.en.split("\n")}
    assert where == {
        "row 3, column B (id_number)",
        "row 3, column C (series_code)",
        "row 3, column D (review_year)",
        "row 3, column E (approval_date)",
        "row 3, column F (approval_document)",
        "row 3, column I (grassroots)",
        "row 3, column J (form)",
    }
    assert "第 3 行 C 列（系列级别代码）" in str(error)
    assert "row 3, column C (series_code): must be 3 digits" in str(error)


def test_a_page_lists_the_file_then_each_mistake_in_both_languages(tmp_path: Path) -> None:
    bad = "张三,371502197904236624,012,2025,2025-12-20,,,,是,纸质\n"

    with pytest.raises(EcertError) as caught:
        read_title_sheet(sheet(tmp_path, HEADER + bad), display_name="titles.csv")

    assert refusal_lines(caught.value) == [
        "文件 titles.csv / file titles.csv:",
        "第 2 行 F 列（批准文号）：不能为空 / row 2, column F (approval_document): must not be blank",
        "第 2 行 B 列（证件号码）：证件号码校验位错误，应为 X / "
        "row 2, column B (id_number): ID number check character is wrong; expected X",
    ]


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(EcertError, match="批准文号"):
        read_title_sheet(
            sheet(tmp_path, "姓名,证件号码,系列级别代码,评审年度,核准日期\n"), display_name="t.csv"
        )


def test_sheet_without_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EcertError, match="no rows under the header"):
        read_title_sheet(sheet(tmp_path, HEADER), display_name="t.csv")
