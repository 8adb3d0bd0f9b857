"""The file carrier: a day's orders as the workbook a post office's bulk-order service (EMS 批量下单)
takes, and the carrier's two exports read back: waybill numbers and tracking events.

The order workbook has one row per parcel under a Chinese header row; every cell is stored as
text (a phone number or postcode must not become a number) and nothing in it can run as a
formula. The exports are read with the project's bounded readers (``ecert.core.spreadsheets``);
their columns are found by their headers, whatever their order. Any bad row refuses the whole
file with an error naming the file, row, column and field. docs/distribution.md lists the columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from ecert.core.carriers import (
    MailOrder,
    TrackingReport,
    WaybillAssignment,
    outcome_of,
    waybill_check,
)
from ecert.core.errors import EcertError
from ecert.core.spreadsheets.cells import Cell, Row
from ecert.core.spreadsheets.error_workbook import cell_text
from ecert.core.spreadsheets.limits import ReadLimits
from ecert.core.spreadsheets.passlist import column_letter
from ecert.core.spreadsheets.reader import read_rows
from ecert.core.spreadsheets.xlsx_write import text_workbook

KEY = "file"
CHINA = ZoneInfo("Asia/Shanghai")  # a carrier's export gives China time without a zone
MAX_ROWS = 100_001  # a header and 100,000 parcels: far more than a unit mails in a day

# (header, width): the order workbook's columns, in order.
ORDER_COLUMNS: tuple[tuple[str, int], ...] = (
    ("客户订单号", 22),
    ("收件人姓名", 12),
    ("收件人电话", 16),
    ("收件人详细地址", 50),
    ("收件人邮编", 10),
    ("寄件人", 24),
    ("寄件人电话", 16),
    ("寄件人详细地址", 40),
    ("内件名称", 10),
    ("件数", 6),
)
ORDER_SHEET = "批量下单"


def _order_line(order: MailOrder) -> tuple[str, ...]:
    return (
        order.reference,
        order.recipient,
        order.phone,
        order.address,
        order.postcode,
        order.sender_name,
        order.sender_phone,
        order.sender_address,
        order.contents,
        "1",
    )


def orders_workbook(orders: Iterable[MailOrder], *, created: datetime) -> bytes:
    """The .xlsx of ``orders``, one row per parcel; ``created`` is stamped as the workbook's date
    so that the same orders always give the same workbook."""
    return text_workbook(
        [header for header, _ in ORDER_COLUMNS],
        map(_order_line, orders),
        sheet=ORDER_SHEET,
        widths=[width for _, width in ORDER_COLUMNS],
        created=created,
        title=ORDER_SHEET,
    )


# ── Reading the carrier's exports ─────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Field:
    name: str  # for programs
    label: tuple[str, str]
    headers: tuple[str, ...]  # what the carrier's export may call the column (lower case)
    required: bool = True


_REFERENCE = _Field(
    "reference",
    ("客户订单号", "order reference"),
    ("客户订单号", "订单号", "商家订单号", "客户单号", "order reference", "reference"),
)
_WAYBILL = _Field(
    "waybill", ("邮件号", "waybill number"), ("邮件号", "运单号", "邮件号码", "快递单号", "waybill")
)
_TIME = _Field(
    "time", ("时间", "time"), ("时间", "处理时间", "操作时间", "轨迹时间", "发生时间", "time")
)
_STATUS = _Field(
    "status",
    ("状态", "status"),
    ("状态", "邮件状态", "事件", "处理动作", "动作", "status", "event"),
)
_DESCRIPTION = _Field(
    "description",
    ("描述", "description"),
    ("描述", "详情", "处理结果", "轨迹描述", "description"),
    required=False,
)
_PLACE = _Field(
    "place", ("地点", "place"), ("地点", "处理机构", "所在地", "机构", "place"), required=False
)
_CODE = _Field("code", ("事件代码", "event code"), ("事件代码", "状态代码", "code"), required=False)


class _Sheet:
    """The rows of an export under its header row, with each field's column found."""

    def __init__(
        self, path: Path, name: str, fields: Sequence[_Field], limits: ReadLimits | None
    ) -> None:
        self.name = name
        self.rows: Iterator[Row] = iter(
            read_rows(path, display_name=name, max_rows=MAX_ROWS, limits=limits)
        )
        header = next(self.rows, None)
        if header is None:
            raise EcertError("empty_file", "文件没有内容", "the file is empty", file=name)
        number, cells = header
        texts = [cell_text(cell).strip().lower() for cell in cells]
        self.columns: dict[str, int] = {}
        for field in fields:
            found = next((i for i, text in enumerate(texts) if text in field.headers), None)
            if found is not None:
                self.columns[field.name] = found
            elif field.required:
                raise EcertError(
                    "missing_column",
                    f"第 {number} 行（表头）没有“{field.label[0]}”列",
                    f"the header row {number} has no column “{field.label[1]}”",
                    file=name,
                    row=number,
                    field=field.name,
                    label=field.label,
                )

    def text(self, cells: list[Cell], field: _Field) -> str:
        index = self.columns.get(field.name)
        if index is None or index >= len(cells):
            return ""
        return cell_text(cells[index]).strip()

    def letter(self, field: _Field) -> str:
        index = self.columns.get(field.name)
        return "" if index is None else column_letter(index)

    def error(self, error: EcertError, row: int, field: _Field) -> EcertError:
        return error.located(
            file=self.name, row=row, column=self.letter(field), field=field.name, label=field.label
        )

    def required(self, cells: list[Cell], row: int, field: _Field) -> str:
        value = self.text(cells, field)
        if not value:
            raise self.error(EcertError("blank_cell", "不能为空", "must not be blank"), row, field)
        return value


def waybills_read(
    path: Path, *, display_name: str, limits: ReadLimits | None = None
) -> list[WaybillAssignment]:
    """The carrier's waybill export: one (order reference, 邮件号) a row. An order or a waybill
    listed twice with different partners is refused."""
    sheet = _Sheet(path, display_name, (_REFERENCE, _WAYBILL), limits)
    found: list[WaybillAssignment] = []
    columns = (sheet.letter(_REFERENCE), sheet.letter(_WAYBILL))
    by_reference: dict[str, tuple[str, int]] = {}
    by_waybill: dict[str, tuple[str, int]] = {}
    for row, cells in sheet.rows:
        reference = sheet.required(cells, row, _REFERENCE).upper()
        try:
            waybill = waybill_check(sheet.required(cells, row, _WAYBILL))
        except EcertError as error:
            raise sheet.error(error, row, _WAYBILL) from None
        repeated = False
        for key, value, seen, field in (
            (reference, waybill, by_reference, _REFERENCE),
            (waybill, reference, by_waybill, _WAYBILL),
        ):
            earlier = seen.setdefault(key, (value, row))
            if earlier[0] != value:
                raise sheet.error(
                    EcertError(
                        "repeated_row",
                        f"{key} 已在第 {earlier[1]} 行出现，且对应不同",
                        f"{key} is on row {earlier[1]} too, with a different partner",
                    ),
                    row,
                    field,
                )
            repeated = earlier[1] != row
        if not repeated:
            found.append(WaybillAssignment(reference, waybill, row, columns))
    return found


def tracking_read(
    path: Path, *, display_name: str, limits: ReadLimits | None = None
) -> list[TrackingReport]:
    """The carrier's tracking export: 邮件号, time, status, and the place where it has one."""
    fields = (_WAYBILL, _TIME, _STATUS, _DESCRIPTION, _PLACE, _CODE)
    sheet = _Sheet(path, display_name, fields, limits)
    reports = []
    for row, cells in sheet.rows:
        try:
            waybill = waybill_check(sheet.required(cells, row, _WAYBILL))
        except EcertError as error:
            raise sheet.error(error, row, _WAYBILL) from None
        index = sheet.columns[_TIME.name]
        try:
            at = event_time(cells[index] if index < len(cells) else None)
        except EcertError as error:
            raise sheet.error(error, row, _TIME) from None
        status = sheet.required(cells, row, _STATUS)
        description = sheet.text(cells, _DESCRIPTION)
        code = sheet.text(cells, _CODE) or status
        for value, field, limit in (
            (code, _CODE if _CODE.name in sheet.columns else _STATUS, 32),
            (description, _DESCRIPTION, 200),
            (sheet.text(cells, _PLACE), _PLACE, 100),
        ):
            if len(value) > limit:
                raise sheet.error(
                    EcertError(
                        "too_long", f"不能超过 {limit} 个字", f"is longer than {limit} characters"
                    ),
                    row,
                    field,
                )
        reports.append(
            TrackingReport(
                waybill=waybill,
                at=at,
                code=code,
                description=description or (status if status != code else ""),
                place=sheet.text(cells, _PLACE),
                outcome=outcome_of(code, status, description),
                row=row,
                column=sheet.letter(_WAYBILL),
            )
        )
    return reports


_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def event_time(cell: Cell) -> datetime:
    """A carrier's event time (China time): a date-formatted cell, or text such as
    2026-11-20 10:30:00 or 2026/11/20 10:30."""
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=CHINA) if cell.tzinfo is None else cell
    if isinstance(cell, date):
        return datetime.combine(cell, time(), CHINA)
    if isinstance(cell, str):
        text = cell.strip().replace("T", " ")
        for pattern in _TIME_FORMATS:
            try:
                return datetime.strptime(text, pattern).replace(tzinfo=CHINA)
            except ValueError:
                continue
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)
    raise EcertError(
        "bad_time",
        "时间须写成“2026-11-20 10:30:00”的形式",
        "the time must look like 2026-11-20 10:30:00",
    )


class FileCarrier:
    """The carrier reached through files. It assigns no waybill on ordering and reports nothing
    by itself: its waybills and events come back in its exports (``waybills_read``,
    ``tracking_read``), which the clerk uploads."""

    key = KEY

    def submit(self, orders: Sequence[MailOrder]) -> list[WaybillAssignment]:
        del orders
        return []

    def track(self, waybills: Sequence[str]) -> list[TrackingReport]:
        del waybills
        return []
