"""Replacing and correcting paper certificates (补换, 信息修改): the rules of seed 001 二 and its
附件, seed 000 四(三), seed 002 四 and seed 004 一(5).

An application names one certificate of the certificate database and says why (lost, damaged,
information change). Whether it may go on, and what it becomes, follows from the catalogue and
the notices:

- where an electronic certificate or e-proof exists, a lost or damaged paper certificate is not
  reissued (seed 002 四, seed 000 四(三)), unless the applicant states a work need
  (确因工作需要), which is kept and shown to whoever reviews it;
- a paper certificate still waiting at its unit is collected, not reissued;
- the 15 qualifications the state abolished get a 职/执业资格证明 instead (seed 001 二(二)2);
- a photo is needed for certificates approved before 2017 (seed 001 附件 二.3);
- 计算机技术与软件 and 通信 attach the form their ministry names (seed 001 附件 一 注).

Accepted applications gather in the receiving unit's batch of the month, which goes up one level
at month end (seed 001 二(一)1); the level above aggregates and sends them on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ecert.core.errors import EcertError
from ecert.core.rules.catalogue import CorrectionRoute, ReplacementForm
from ecert.core.rules.photos import photo_required


class Reason(StrEnum):
    LOST = "lost"  # 遗失
    DAMAGED = "damaged"  # 损毁
    CHANGE = "change"  # 信息变更: the certificate's data must change


REASON_LABELS: dict[Reason, tuple[str, str]] = {
    Reason.LOST: ("遗失", "lost"),
    Reason.DAMAGED: ("损毁", "damaged"),
    Reason.CHANGE: ("信息变更", "information change"),
}


class Outcome(StrEnum):
    """What an application becomes once it is done."""

    REPLACEMENT = "replacement"  # a new paper certificate (补发 / 更换)
    CORRECTION = "correction"  # the data corrected (信息修改), then a new paper certificate
    QUALIFICATION_PROOF = "qualification_proof"  # 职/执业资格证明, for an abolished qualification


OUTCOME_LABELS: dict[Outcome, tuple[str, str]] = {
    Outcome.REPLACEMENT: ("补发（更换）证书", "replacement certificate"),
    Outcome.CORRECTION: ("信息修改", "correction of the certificate's data"),
    Outcome.QUALIFICATION_PROOF: ("开具职/执业资格证明", "qualification proof"),
}


class Channel(StrEnum):
    PORTAL = "portal"  # the holder applied online
    COUNTER = "counter"  # the unit's counter registered it for the holder


class Route(StrEnum):
    """Which way an application goes up."""

    # Shandong (seed 001 二): the city exam body → the provincial exam centre → the ministry.
    PROVINCE = "province"
    # Henan (seed 004 一(5)), most exams: the city industry department → the province department,
    # which gathers them → the Henan exam centre.
    INDUSTRY_PROVINCE = "industry_province"
    # Henan, 卫生, 会计, 通信, 计算机技术与软件: up the industry line to the national ministry.
    INDUSTRY_MINISTRY = "industry_ministry"


def route_for(*, has_responsibility_table: bool, correction_route: CorrectionRoute) -> Route:
    """The route of an application: provinces whose paper is handed out by industry departments
    (a responsibility table, as Henan's) send it up those departments; the others by the exam
    bodies (Shandong)."""
    if not has_responsibility_table:
        return Route.PROVINCE
    if correction_route is CorrectionRoute.MINISTRY:
        return Route.INDUSTRY_MINISTRY
    return Route.INDUSTRY_PROVINCE


class State(StrEnum):
    SUBMITTED = "submitted"  # waits for the receiving unit's check against the database
    RETURNED = "returned"  # returned with a reason the holder reads; the holder may apply again
    WITHDRAWN = "withdrawn"  # the holder withdrew it before it was accepted
    ACCEPTED = "accepted"  # checked and accepted: in the unit's batch of the month
    FORWARDED = "forwarded"  # the batch went up one level
    DISPATCHED = "dispatched"  # the level above sent it on (ministry, exam centre)
    COMPLETED = "completed"  # the new certificate, the correction or the proof is issued


STATE_LABELS: dict[State, tuple[str, str]] = {
    State.SUBMITTED: ("待受理", "awaiting acceptance"),
    State.RETURNED: ("已退回", "returned"),
    State.WITHDRAWN: ("已撤回", "withdrawn"),
    State.ACCEPTED: ("已受理，待月末报送", "accepted, to be submitted at month end"),
    State.FORWARDED: ("已报送上级", "submitted to the level above"),
    State.DISPATCHED: ("已上报办理", "sent on to be processed"),
    State.COMPLETED: ("已办结", "completed"),
}

OPEN_STATES = frozenset({State.SUBMITTED, State.ACCEPTED, State.FORWARDED, State.DISPATCHED})

_S = State
ALLOWED: dict[State, frozenset[State]] = {
    _S.SUBMITTED: frozenset({_S.ACCEPTED, _S.RETURNED, _S.WITHDRAWN}),
    # While its batch is open the unit may still take an accepted application out.
    _S.ACCEPTED: frozenset({_S.FORWARDED, _S.RETURNED}),
    # A batch the level above returns comes back to the unit, its applications with it.
    _S.FORWARDED: frozenset({_S.ACCEPTED, _S.DISPATCHED, _S.COMPLETED}),
    _S.DISPATCHED: frozenset({_S.COMPLETED}),
    _S.RETURNED: frozenset(),
    _S.WITHDRAWN: frozenset(),
    _S.COMPLETED: frozenset(),
}


def check_move(current: State, new: State) -> None:
    """Raise EcertError unless an application in ``current`` may go to ``new``."""
    if new in ALLOWED[current]:
        return
    now_zh, now_en = STATE_LABELS[current]
    new_zh, new_en = STATE_LABELS[new]
    raise EcertError(
        "application_state",
        f"该申请当前为“{now_zh}”，不能改为“{new_zh}”",
        f"an application that is {now_en} cannot become {new_en}",
        field="state",
    )


class BatchState(StrEnum):
    OPEN = "open"  # gathering the month's accepted applications
    SUBMITTED = "submitted"  # sent up; frozen
    RETURNED = "returned"  # the level above returned it with reasons: open to the unit again
    DISPATCHED = "dispatched"  # the level above sent its applications on


BATCH_STATE_LABELS: dict[BatchState, tuple[str, str]] = {
    BatchState.OPEN: ("汇总中", "gathering"),
    BatchState.SUBMITTED: ("已报送", "submitted"),
    BatchState.RETURNED: ("已退回，待重新报送", "returned, to be submitted again"),
    BatchState.DISPATCHED: ("已上报", "sent on"),
}

# The batch states in which the unit may change what the batch holds.
BATCH_EDITABLE = frozenset({BatchState.OPEN, BatchState.RETURNED})


def month_of(day: date) -> str:
    """The batch month (申报年月) of a day: "202005"."""
    return f"{day.year:04d}{day.month:02d}"


def month_after(month: str) -> str:
    year, number = int(month[:4]), int(month[4:])
    return f"{year + number // 12:04d}{number % 12 + 1:02d}"


# ── What an application may be ─────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about an application and its certificate."""

    reason: Reason
    qualification: str  # its name, for messages
    abolished: bool
    replacement_form: ReplacementForm
    approval_date: date
    electronic_exists: bool  # a valid electronic certificate or e-proof of the same qualification
    paper_waiting: bool  # the paper certificate lies at its unit, not yet handed out
    work_need: str  # the work need the applicant states, or ""
    photo_given: bool
    ministry_form_given: bool
    changes: Mapping[str, str]  # field → the value asked for (information change)
    score_proof_asked: bool


@dataclass(frozen=True)
class Assessment:
    outcome: Outcome
    photo_required: bool
    work_need_stated: bool  # an electronic certificate exists, and the work need lets it go on


def assess(facts: Facts) -> Assessment:
    """What the application becomes, or EcertError with the rule it breaks and its notice."""
    if facts.abolished:
        if facts.score_proof_asked:
            raise EcertError(
                "score_proof_abolished",
                f"“{facts.qualification}”已被国家取消，省人事考试中心开具职/执业资格证明，"
                "无需另行申请成绩合格证明",
                f"{facts.qualification} was abolished: the province issues a qualification "
                "proof, a score proof is not needed",
                field="score_proof",
            )
        # Seed 001 二(二)2: the ministry no longer replaces them; the province issues a proof,
        # sent through the replacement flow.
        return Assessment(Outcome.QUALIFICATION_PROOF, photo_required=False, work_need_stated=False)
    if facts.reason in (Reason.LOST, Reason.DAMAGED) and facts.paper_waiting:
        raise EcertError(
            "paper_waiting",
            "该纸质证书尚在发放单位等待领取，请直接领取，无需补办",
            "this paper certificate is still waiting at its unit: collect it, no replacement "
            "is needed",
            field="reason",
        )
    work_need_stated = False
    if facts.electronic_exists and facts.reason in (Reason.LOST, Reason.DAMAGED):
        if not facts.work_need.strip():
            raise EcertError(
                "electronic_exists",
                "已实行电子证书（电子合格证明）的，纸质证书遗失、损毁原则上不再补办；"
                "确因工作需要的，请填写工作需要的说明",
                "an electronic certificate (or e-proof) exists, so a lost or damaged paper "
                "certificate is not reissued unless a work need is stated: state it",
                field="work_need",
            )
        work_need_stated = True
    if facts.reason is Reason.CHANGE and not facts.changes:
        raise EcertError(
            "no_changes",
            "信息变更申请须填写要修改的内容",
            "an information change must say what is to change",
            field="changes",
        )
    if facts.reason is not Reason.CHANGE and facts.changes:
        raise EcertError(
            "changes_without_change",
            "只有“信息变更”申请可以修改证书信息",
            "only an information change may change the certificate's data",
            field="changes",
        )
    if facts.replacement_form is ReplacementForm.MINISTRY and not facts.ministry_form_given:
        raise EcertError(
            "ministry_form_missing",
            f"“{facts.qualification}”的补换须附主管部门指定的补发（更换）申请表",
            f"a replacement of {facts.qualification} needs the form its ministry names attached",
            field="ministry_form",
        )
    needed = photo_required(facts.approval_date)
    if needed and not facts.photo_given:
        raise EcertError(
            "photo_missing",
            "补办 2017 年以前取得的证书须提供电子照片",
            "a certificate approved before 2017 needs a photo to be reprinted",
            field="photo",
        )
    outcome = Outcome.CORRECTION if facts.reason is Reason.CHANGE else Outcome.REPLACEMENT
    return Assessment(outcome, photo_required=needed, work_need_stated=work_need_stated)


# ── The check against the certificate database (seed 001 二(一)2) ───────────────────────────────

CHECKED_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "姓名", "name"),
    ("id_number", "证件号码", "ID number"),
    ("level", "级别", "level"),
    ("specialty", "专业", "specialty"),
    ("approval_date", "批准日期", "approval date"),
)


@dataclass(frozen=True)
class Line:
    """One field of the check: what the applicant wrote and what the record says."""

    field: str
    label: tuple[str, str]
    applied: str
    record: str
    differs: bool


def record_check(
    applied: Mapping[str, str],
    record: Mapping[str, str],
    *,
    same: Mapping[str, bool] | None = None,
) -> tuple[Line, ...]:
    """The fields side by side, in the notice's order ("姓名、证件号码、级别、专业、批准日期");
    the record is what the certificate will carry (核对信息须依据证书数据库，尊重历史数据).
    ``same`` says for a field shown masked (the ID number) whether the full values agree."""
    same = same or {}
    lines = []
    for name, zh, en in CHECKED_FIELDS:
        a, r = applied.get(name, ""), record.get(name, "")
        equal = same.get(name, a.strip() == r.strip())
        lines.append(Line(name, (zh, en), a, r, differs=not equal))
    return tuple(lines)
