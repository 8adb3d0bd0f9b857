"""Scoped reads of paper certificates: deliveries and their counts, the search of certificates,
one certificate's timeline, the certificates not collected in time, and the rows of an export.

Every read goes through ``PaperCertificate.objects.visible_to`` (or, for deliveries, the scope
of Perm.RECEIVE_PAPER): a certificate the user may not see is answered like one that is not there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet

from ecert.authorities.models import Authority
from ecert.authorities.selectors import scope_for
from ecert.core.rules.kinds import AuthorityKind
from ecert.core.rules.paper import (
    AT_COUNTER,
    FORM_TYPE_LABELS,
    METHOD_LABELS,
    STATE_LABELS,
    Edition,
    Method,
    PaperState,
    RegistrationFormType,
    is_overdue,
    months_before,
)
from ecert.core.rules.roles import Perm
from ecert.credentials.models import Credential
from ecert.credentials.selectors import credential_text_condition
from ecert.distribution.models import (
    PaperCertificate,
    PaperCertificateQuerySet,
    PaperDelivery,
    PaperEvent,
    PaperEventKind,
)

if TYPE_CHECKING:
    from ecert.accounts.models import User

EDITION_LABELS: dict[Edition, tuple[str, str]] = {
    Edition.NEW: ("新版证书", "new version"),
    Edition.OLD: ("旧版证书", "old version"),
}


def state_label(state: str) -> tuple[str, str]:
    return STATE_LABELS[PaperState(state)]


def method_label(method: str) -> tuple[str, str] | None:
    return METHOD_LABELS[Method(method)] if method else None


# ── Deliveries ─────────────────────────────────────────────────────────────────────────────────


def deliveries_visible_to(user: User) -> QuerySet[PaperDelivery]:
    """The deliveries received by an exam centre in the user's scope of Perm.RECEIVE_PAPER."""
    return PaperDelivery.objects.filter(
        scope_for(user, Perm.RECEIVE_PAPER).q("authority__path")
    ).select_related("authority", "qualification", "recorded_by")


def delivery_get_for(*, user: User, reference: str) -> PaperDelivery | None:
    return deliveries_visible_to(user).filter(reference=reference).first()


@dataclass(frozen=True)
class DeliveryCounts:
    """A delivery's certificates by unit, and by state (in the order of ``PaperState``)."""

    by_unit: list[tuple[Authority, int]]
    by_state: list[tuple[PaperState, int]]
    by_unit_state: dict[tuple[int, str], int]


def delivery_counts(delivery: PaperDelivery) -> DeliveryCounts:
    rows = (
        PaperCertificate.objects.filter(delivery=delivery)
        .values("unit", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_unit_state = {(row["unit"], row["state"]): row["n"] for row in rows}
    per_unit: dict[int, int] = {}
    per_state: dict[str, int] = {}
    for (unit, state), n in by_unit_state.items():
        per_unit[unit] = per_unit.get(unit, 0) + n
        per_state[state] = per_state.get(state, 0) + n
    units = Authority.objects.in_bulk(list(per_unit))
    return DeliveryCounts(
        by_unit=sorted(
            ((units[pk], n) for pk, n in per_unit.items()), key=lambda pair: pair[0].path
        ),
        by_state=[(state, per_state[state.value]) for state in PaperState if state in per_state],
        by_unit_state=by_unit_state,
    )


# ── Certificates ───────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class PaperFilters:
    text: str = ""  # management number, name (its start), ID number or public id
    state: str = ""
    unit: str = ""  # an authority key
    delivery: str = ""  # a delivery reference


def paper_list_for(*, user: User, filters: PaperFilters) -> PaperCertificateQuerySet:
    """The paper certificates the user may distribute, narrowed by the filters; a filter value
    that names nothing (an unknown state) matches nothing."""
    papers = PaperCertificate.objects.visible_to(user, Perm.DISTRIBUTE_PAPER).select_related(
        "credential__holder", "credential__qualification", "unit", "delivery"
    )
    if filters.text.strip():
        # The credentials first, on their own table, then their paper rows by id.
        found = Credential.objects.filter(credential_text_condition(filters.text)).values("pk")
        papers = papers.filter(credential_id__in=found)
    if filters.state:
        papers = papers.filter(state=filters.state)
    if filters.unit:
        papers = papers.filter(unit__key=filters.unit)
    if filters.delivery:
        papers = papers.filter(delivery__reference=filters.delivery)
    return papers.order_by("-delivery_id", "id")  # the latest delivery first


def paper_overdue_for(
    *, user: User, filters: PaperFilters, months: int, today: date
) -> PaperCertificateQuerySet:
    """Certificates still at their unit (``AT_COUNTER``) that arrived ``months`` or more months
    before ``today``: not collected in time (逾期不领取, seed 002 四)."""
    cutoff = months_before(today, months)
    return (
        paper_list_for(user=user, filters=filters)
        .filter(
            state__in=[state.value for state in AT_COUNTER],
            delivery_id__in=PaperDelivery.objects.filter(arrived_on__lte=cutoff).values("pk"),
        )
        .order_by("delivery__arrived_on", "unit__path", "id")
    )


def paper_get_for(*, user: User, public_id: str) -> PaperCertificate | None:
    """One certificate by its credential's public id, if the user may distribute it."""
    return (
        PaperCertificate.objects.visible_to(user, Perm.DISTRIBUTE_PAPER)
        .select_related(
            "credential__holder",
            "credential__qualification",
            "credential__registration_authority",
            "unit",
            "delivery__authority",
        )
        .filter(credential__public_id=public_id.upper())
        .first()
    )


def paper_units_for(user: User) -> QuerySet[Authority]:
    """The units a user may filter by: the authorities in their scope of Perm.DISTRIBUTE_PAPER
    that hand out certificates."""
    units = PaperCertificate.objects.visible_to(user, Perm.DISTRIBUTE_PAPER).values("unit")
    return Authority.objects.filter(pk__in=units).order_by("path").only("key", "name")


def overdue_flag(paper: PaperCertificate, *, today: date, months: int) -> bool:
    return PaperState(paper.state) in AT_COUNTER and is_overdue(
        arrived_on=paper.delivery.arrived_on, today=today, months=months
    )


# ── The timeline ───────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    state: tuple[str, str]
    text: tuple[str, str]
    actor: tuple[str, str]


def _arrived(detail: dict[str, Any], names: dict[str, str]) -> tuple[str, str]:
    unit = names.get(str(detail.get("unit", "")), str(detail.get("unit", "")))
    rule = str(detail.get("rule", ""))
    delivery = str(detail.get("delivery", ""))
    return (
        f"随到货批次 {delivery} 到达，按“{rule}”分配给{unit}",
        f"arrived with delivery {delivery}; assigned to {unit} by the rule “{rule}”",
    )


def _chosen(detail: dict[str, Any]) -> tuple[str, str]:
    label = method_label(str(detail.get("method", ""))) or ("—", "—")
    if detail.get("by") == "holder":
        zh, en = f"持证人选择{label[0]}", f"the holder chose {label[1]}"
    elif detail.get("by") == "application":  # a replacement's new certificate (issue 17)
        reference = str(detail.get("application", ""))
        zh = f"补换申请 {reference} 中持证人已选择{label[0]}"
        en = f"{label[1]}, as the holder asked in replacement application {reference}"
    else:
        zh, en = f"经办人代持证人选择{label[0]}", f"a clerk chose {label[1]} for the holder"
    if detail.get("recipient"):
        zh += f"，收件人 {detail['recipient']}"
        en += f", recipient {detail['recipient']}"
    return zh, en


_KIND_TEXTS: dict[str, tuple[str, str]] = {
    PaperEventKind.ORDERED: ("已生成邮寄订单", "mail order made"),
    PaperEventKind.MAILED: ("已交寄", "handed to the carrier"),
    PaperEventKind.TRACKING: ("物流信息", "tracking event"),
    PaperEventKind.DELIVERED: ("邮件已妥投", "delivered by the carrier"),
    PaperEventKind.RETURNED: ("邮件退回，证书回到发放单位", "returned by the carrier"),
    PaperEventKind.LOST: ("邮件丢失", "lost in the mail"),
    PaperEventKind.HANDED_OVER: ("已现场领取", "collected at the counter"),
    PaperEventKind.FORM: ("已登记考试登记表", "registration form recorded"),
}
# Facts other steps keep in an event's detail, as the timeline names them.
_DETAIL_TEXTS: tuple[tuple[str, str, str], ...] = (
    ("order", "订单号", "order"),
    ("parcel", "订单号", "order"),
    ("carrier", "承运方", "carrier"),
    ("waybill", "运单号", "waybill"),
    ("description", "说明", "description"),
    ("place", "地点", "place"),
    ("reason", "原因", "reason"),
    ("receipt", "回执号", "receipt"),
    ("receipt_number", "回执号", "receipt"),
    ("collector", "领取人", "collected by"),
)


def _other(kind: str, detail: dict[str, Any]) -> tuple[str, str]:
    zh, en = _KIND_TEXTS.get(kind, (kind, kind))
    if kind == PaperEventKind.HANDED_OVER and detail.get("by_proxy"):
        zh, en = "已由他人代领", "collected for the holder by someone else"
    if kind == PaperEventKind.FORM and detail.get("form_type") in set(RegistrationFormType):
        form_zh, form_en = FORM_TYPE_LABELS[RegistrationFormType(detail["form_type"])]
        zh, en = f"已登记《{form_zh}》", f"{form_en} recorded"
    parts = [
        (label_zh, label_en, str(detail[key]))
        for key, label_zh, label_en in _DETAIL_TEXTS
        if detail.get(key) not in (None, "")
    ]
    if parts:
        zh += "（" + "，".join(f"{z} {value}" for z, _e, value in parts) + "）"
        en += " (" + ", ".join(f"{e} {value}" for _z, e, value in parts) + ")"
    return zh, en


def _actor(event: PaperEvent) -> tuple[str, str]:
    if event.actor is not None:
        name = event.actor.display_name or event.actor.username
        return name, name
    if event.actor_label in ("", "system"):
        return "系统", "system"
    return event.actor_label, event.actor_label


def paper_timeline(paper: PaperCertificate) -> list[TimelineLine]:
    """The certificate's timeline in order, each line in both languages."""
    events = list(
        PaperEvent.objects.filter(certificate=paper).select_related("actor").order_by("at", "id")
    )
    unit_keys = {str(e.detail.get("unit", "")) for e in events if e.kind == PaperEventKind.ARRIVED}
    names = dict(Authority.objects.filter(key__in=unit_keys).values_list("key", "name"))
    lines = []
    for event in events:
        detail = event.detail if isinstance(event.detail, dict) else {}
        if event.kind == PaperEventKind.ARRIVED:
            text = _arrived(detail, names)
        elif event.kind == PaperEventKind.CHOSEN:
            text = _chosen(detail)
        else:
            text = _other(event.kind, detail)
        lines.append(TimelineLine(event.at, state_label(event.state), text, _actor(event)))
    return lines


# ── Export ─────────────────────────────────────────────────────────────────────────────────────

EXPORT_HEADERS = (
    "管理号",
    "姓名",
    "证件号码（已隐去）",
    "资格名称",
    "级别",
    "专业",
    "批准日期",
    "发放单位",
    "状态",
    "状态日期",
    "领取方式",
    "到货批次",
    "到达日期",
    "发放日期",
)
EXPORT_WIDTHS = (20, 10, 22, 24, 8, 16, 12, 24, 22, 12, 14, 20, 12, 12)


def export_rows(papers: PaperCertificateQuerySet) -> Iterator[list[str]]:
    """One row of text per certificate, ID numbers masked; read in chunks, never all at once."""
    for paper in papers.iterator(chunk_size=2000):
        credential = paper.credential
        method = method_label(paper.method)
        yield [
            credential.management_number,
            credential.holder_name,
            credential.holder.id_number_masked,
            credential.qualification.name if credential.qualification else "",
            credential.level,
            credential.specialty,
            credential.approval_date.isoformat(),
            paper.unit.name,
            state_label(paper.state)[0],
            paper.state_since.date().isoformat(),
            method[0] if method else "",
            paper.delivery.reference,
            paper.delivery.arrived_on.isoformat(),
            paper.handed_out_at.date().isoformat() if paper.handed_out_at else "",
        ]


def receiving_centres_for(user: User) -> QuerySet[Authority]:
    """The exam centres in whose name the user records deliveries."""
    return Authority.objects.visible_to(user, Perm.RECEIVE_PAPER).filter(
        kind=AuthorityKind.EXAM_CENTRE
    )
