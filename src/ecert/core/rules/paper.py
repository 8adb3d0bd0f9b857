"""The life of a paper certificate after it reaches the province (DESIGN.md §5a).

Seed 002 四 keeps the national paper certificate (纸质证书仍按照原方式制发); seed 001 一(一) has the
cities hand it out by EMS or at the counter with evidence, "确保证书去向可查、可追溯"; seed 004
一(一) and its table name the Henan unit that hands out each exam's paper. This module holds the
states, the moves between them, who hands a certificate out, and when one counts as not collected.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ecert.core.errors import EcertError


class PaperState(StrEnum):
    """Where a paper certificate is."""

    AWAITING_CHOICE = "awaiting_choice"  # at its unit; the holder has not chosen yet
    TO_MAIL = "to_mail"  # the holder chose mail; no parcel has left yet
    TO_COLLECT = "to_collect"  # the holder will collect it at the counter
    MAILED = "mailed"  # handed to the carrier, with a waybill
    DELIVERED = "delivered"  # the carrier delivered it: handed out
    RETURNED = "returned"  # the parcel came back; the certificate is at the counter again
    LOST = "lost"  # the carrier lost the parcel
    HANDED_OVER = "handed_over"  # collected at the counter, with evidence: handed out


class Method(StrEnum):
    """How the holder receives the certificate (seed 001 一(一): 邮寄与现场发放两种方式)."""

    MAIL = "mail"
    COUNTER = "counter"


class Edition(StrEnum):
    """New-version certificates, and the old version of 鲁人社字〔2018〕245号 (seed 001 一(二)),
    which is handed out only against a complete registration form."""

    NEW = "new"
    OLD = "old"


STATE_LABELS: dict[PaperState, tuple[str, str]] = {
    PaperState.AWAITING_CHOICE: ("待选择领取方式", "awaiting the holder's choice"),
    PaperState.TO_MAIL: ("待邮寄", "to be mailed"),
    PaperState.TO_COLLECT: ("待现场领取", "to be collected at the counter"),
    PaperState.MAILED: ("已交寄", "mailed"),
    PaperState.DELIVERED: ("已妥投", "delivered"),
    PaperState.RETURNED: ("邮件退回，待现场领取", "returned by the carrier, at the counter"),
    PaperState.LOST: ("邮件丢失", "lost in the mail"),
    PaperState.HANDED_OVER: ("已现场领取", "collected at the counter"),
}

METHOD_LABELS: dict[Method, tuple[str, str]] = {
    Method.MAIL: ("邮寄（EMS）", "by mail (EMS)"),
    Method.COUNTER: ("现场领取", "collect at the counter"),
}

# The states in which the certificate has left our hands for good.
HANDED_OUT = frozenset({PaperState.DELIVERED, PaperState.HANDED_OVER})
FINAL = HANDED_OUT | {PaperState.LOST}
# The states in which the certificate lies at its unit's counter.
AT_COUNTER = frozenset(
    {PaperState.AWAITING_CHOICE, PaperState.TO_MAIL, PaperState.TO_COLLECT, PaperState.RETURNED}
)

_S = PaperState
ALLOWED: dict[PaperState, frozenset[PaperState]] = {
    _S.AWAITING_CHOICE: frozenset({_S.TO_MAIL, _S.TO_COLLECT, _S.HANDED_OVER}),
    _S.TO_MAIL: frozenset({_S.TO_MAIL, _S.TO_COLLECT, _S.MAILED, _S.HANDED_OVER}),
    _S.TO_COLLECT: frozenset({_S.TO_MAIL, _S.TO_COLLECT, _S.HANDED_OVER}),
    _S.MAILED: frozenset({_S.DELIVERED, _S.RETURNED, _S.LOST}),
    _S.RETURNED: frozenset({_S.TO_MAIL, _S.TO_COLLECT, _S.HANDED_OVER}),
    _S.DELIVERED: frozenset(),
    _S.LOST: frozenset(),
    _S.HANDED_OVER: frozenset(),
}


def check_move(current: PaperState, new: PaperState) -> None:
    """Raise EcertError unless a certificate in ``current`` may go to ``new``."""
    if new in ALLOWED[current]:
        return
    now_zh, now_en = STATE_LABELS[current]
    new_zh, new_en = STATE_LABELS[new]
    raise EcertError(
        "paper_state",
        f"该纸质证书当前为“{now_zh}”，不能改为“{new_zh}”",
        f"a paper certificate that is {now_en} cannot become {new_en}",
        field="state",
    )


def method_for(state: PaperState) -> Method | None:
    """The way of handing out a state implies, if any."""
    if state in (_S.TO_MAIL, _S.MAILED, _S.DELIVERED, _S.LOST):
        return Method.MAIL
    if state in (_S.TO_COLLECT, _S.HANDED_OVER):
        return Method.COUNTER
    return None


# ── Who hands it out ───────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class TableRow:
    """What a province's responsibility table (seed 004 附件) says about one exam's paper."""

    label: str  # 考试名称 as the table prints it
    department: str | None  # the province department that hands it out; None: no paper
    city_level: bool  # 省（市）: the city department where the city has one
    electronic_by: str | None  # who issues an electronic certificate instead


@dataclass(frozen=True)
class Unit:
    """The authority that hands a certificate out, and why it is that one (for the timeline)."""

    key: str
    rule: tuple[str, str]


def distribution_unit(
    *,
    table_row: TableRow | None,
    registration_city: str | None,
    recorder: str,
    city_department: Callable[[str, str], str | None],
) -> Unit:
    """The unit that hands out a paper certificate.

    Without a responsibility table (Shandong): the exam body of the holder's registration city
    (BMS; seed 001 一(一), seed 000 四(三)), or the exam centre that recorded the delivery when
    the record names no city. With one (Henan, seed 004 一(一) and 附件): the department of the
    exam's row; where the row says 省（市） and the holder's city has that department
    (``city_department(city key, department key)``), the city department, else the province
    department. An exam whose row has no paper certificate (the e-certificates of 一(二)) is
    refused.
    """
    if table_row is None:
        if registration_city:
            return Unit(registration_city, ("报名地市人事考试机构发放", "the BMS city's exam body"))
        return Unit(recorder, ("记录未写报名地市，由省人事考试中心发放", "no BMS city: the centre"))
    if table_row.department is None:
        instead = "由省人社部门制发电子证书" if table_row.electronic_by else "无纸质证书"
        raise EcertError(
            "no_paper_certificate",
            f"“{table_row.label}”不发放纸质证书（{instead}），不能登记纸质证书到达",
            f"{table_row.label} has no paper certificate, so no arrival can be recorded",
            field="qualification",
        )
    if table_row.city_level and registration_city:
        found = city_department(registration_city, table_row.department)
        if found is not None:
            return Unit(found, ("责任单位表：市级行业行政管理部门发放", "table: city department"))
        return Unit(
            table_row.department,
            ("责任单位表：该市未设行业行政管理部门，由省级部门发放", "table: no city department"),
        )
    return Unit(table_row.department, ("责任单位表：省级部门发放", "table: province department"))


# ── Not collected (逾期不领取, seed 002 四) ────────────────────────────────────────────────────


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months before ``day`` (the month's last day when it has none)."""
    if months < 1:
        raise EcertError("bad_months", "月数须为正整数", "the number of months must be positive")
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def is_overdue(*, arrived_on: date, today: date, months: int) -> bool:
    """A certificate still at its unit is not collected in time (逾期不领取) once ``months`` whole
    months have passed since it arrived."""
    return arrived_on <= months_before(today, months)


# ── Old-version certificates: the registration form (seed 001 一(二)) ──────────────────────────


class RegistrationFormType(StrEnum):
    PROFESSIONAL = "professional"  # 专业技术资格考试登记表
    PRACTISING = "practising"  # 执（职）业资格考试登记表


FORM_TYPE_LABELS: dict[RegistrationFormType, tuple[str, str]] = {
    RegistrationFormType.PROFESSIONAL: (
        "专业技术资格考试登记表",
        "registration form of the professional qualification exam",
    ),
    RegistrationFormType.PRACTISING: (
        "执（职）业资格考试登记表",
        "registration form of the practising qualification exam",
    ),
}

# The key fields (关键字段) a registration form must have filled in before its old-version
# certificate is handed out: what identifies the person and the exam passed, what ties the form to
# the certificate, the photo, and the seals the notice asks to be clear (印章规范清晰).
# docs/distribution.md and decision 130. Level and specialty are key only where the certificate
# database's record has them (a qualification without levels has none to fill in).
KEY_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "姓名", "name"),
    ("id_number", "证件号码", "ID number"),
    ("sex", "性别", "sex"),
    ("birth_month", "出生年月", "birth month"),
    ("work_unit", "工作单位", "work unit"),
    ("qualification", "资格名称", "qualification"),
    ("level", "级别", "level"),
    ("specialty", "专业", "specialty"),
    ("exam_year", "考试年度", "exam year"),
    ("approval_date", "批准日期", "approval date"),
    ("management_number", "管理号", "management number"),
    ("photo", "照片（已粘贴）", "the photo, stuck on"),
    ("unit_seal", "单位审核盖章", "the reviewing unit's seal"),
    ("exam_body_seal", "人事考试机构审核盖章", "the exam body's seal"),
)
# Key fields only where the certificate database's record has a value.
KEY_WHERE_RECORDED = frozenset({"level", "specialty"})
# What the clerk confirms by ticking (the paper form has it), not by typing.
TICKED_FIELDS = ("photo", "unit_seal", "exam_body_seal")


def missing_key_fields(
    fields: dict[str, str], *, not_recorded: frozenset[str] = frozenset()
) -> list[tuple[str, str, str]]:
    """The key fields of a registration form left blank, in form order; ``not_recorded`` names the
    fields of KEY_WHERE_RECORDED the certificate database's record has no value for."""
    skipped = KEY_WHERE_RECORDED & not_recorded
    return [
        entry
        for entry in KEY_FIELDS
        if entry[0] not in skipped and not str(fields.get(entry[0], "")).strip()
    ]


# ── Counter verification for organisations (现场查询验证, seed 001 三(二)) ────────────────────


class CounterResult(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"


# What the clerk reads off the presented original and compares with the record, in notice order.
COUNTER_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("management_number", "管理号", "management number"),
    ("name", "姓名", "name"),
    ("id_number", "证件号码", "ID number"),
    ("qualification", "资格名称", "qualification"),
    ("level", "级别", "level"),
    ("approval_date", "批准日期", "approval date"),
)
COUNTER_LABELS = {key: (zh, en) for key, zh, en in COUNTER_FIELDS}


def counter_differences(presented: dict[str, str], record: dict[str, str]) -> list[str]:
    """The fields (of COUNTER_FIELDS) whose presented value differs from the record's, in notice
    order; values are compared as given (the caller normalises them, and compares the ID number
    by keyed hash and passes the outcome as equal or unequal strings)."""
    return [
        key
        for key, _zh, _en in COUNTER_FIELDS
        if str(presented.get(key, "")).strip() != str(record.get(key, "")).strip()
    ]


# ── A Henan e-proof once the paper is handed out (seed 004 一(三)(四)) ─────────────────────────


def interim_note(ended_on: date) -> tuple[str, str]:
    """What verification says of a Henan 合格证明 whose paper certificate was handed out on
    ``ended_on``: it stood for the paper in the province until then (seed 004 一(四))."""
    return (
        f"纸质证书已于 {ended_on.year}年{ended_on.month}月{ended_on.day}日发放；本合格证明在纸质证书"
        "发放前在河南省内具有纸质证书同等效力（河南省 2019 年通知一(四)），此后以纸质证书为准",
        f"The paper certificate was handed out on {ended_on:%Y-%m-%d}. Until then this proof had "
        "the same effect as the paper certificate within Henan (Henan notice of 2019, 1(4)); "
        "from that day the paper certificate is the one to rely on.",
    )
