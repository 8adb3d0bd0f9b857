"""Reading an approving body's sheet of approved titles: every mistake located, or every row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ecert.core.rules.kinds import CredentialForm
from ecert.core.spreadsheets.title_sheet import TitleSheetError, read_title_sheet

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

    with pytest.raises(TitleSheetError) as caught:
        read_title_sheet(sheet(tmp_path, HEADER + GOOD + bad), display_name="titles.csv")

    where = {(p.row, p.column, p.field) for p in caught.value.problems}
    assert where == {
        (3, "B", "id_number"),
        (3, "C", "series_code"),
        (3, "D", "review_year"),
        (3, "E", "approval_date"),
        (3, "F", "approval_document"),
        (3, "I", "grassroots"),
        (3, "J", "form"),
    }
    assert "第 3 行 C 列（系列级别代码）" in str(caught.value)
    assert "row 3, column C (series_code): must be 3 digits" in str(caught.value)


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(TitleSheetError, match="批准文号"):
        read_title_sheet(
            sheet(tmp_path, "姓名,证件号码,系列级别代码,评审年度,核准日期\n"), display_name="t.csv"
        )


def test_sheet_without_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TitleSheetError, match="no rows under the header"):
        read_title_sheet(sheet(tmp_path, HEADER), display_name="t.csv")
