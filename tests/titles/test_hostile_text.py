"""A title approval whose printed texts look like spreadsheet formulas is refused when recorded."""

from __future__ import annotations

from typing import Any

import pytest

from ecert.core.errors import EcertError
from ecert.credentials.models import Holder
from ecert.titles.models import TitleApproval
from tests.conftest import World
from tests.titles.conftest import record

HOSTILE = ('=HYPERLINK("http://x","a")', "=cmd|'/c calc'!A1", "+SUM(1,2)", "@SUM(1)")


@pytest.mark.parametrize("name", HOSTILE)
def test_a_formula_looking_name_is_refused_and_no_holder_is_registered(
    titles: World, name: str
) -> None:
    holders = Holder.objects.count()
    with pytest.raises(EcertError) as caught:
        record(titles, name=name)

    assert caught.value.field == "name"
    assert "电子表格公式" in caught.value.zh
    assert "spreadsheet formula" in caught.value.en
    assert not TitleApproval.objects.exists()
    assert Holder.objects.count() == holders


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"approval_document": "-1+1"}, "approval_document"),
        ({"approval_document": "聊人社字\x1f〔2025〕100号"}, "approval_document"),
    ],
    ids=["formula", "control character"],
)
def test_a_formula_or_control_character_in_a_printed_text_is_refused(
    titles: World, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(EcertError) as caught:
        record(titles, **changes)

    assert caught.value.field == field
    assert caught.value.zh.startswith("批准文号")
    assert not TitleApproval.objects.exists()
