"""The value of one spreadsheet cell as the readers deliver it and the writers take it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

Cell = str | int | float | bool | date | datetime | time | timedelta | None
# (row number as the spreadsheet shows it, cells from column A on)
Row = tuple[int, list[Cell]]
