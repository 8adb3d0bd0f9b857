"""Mail by EMS (seed 001 一(一): 考生申请邮寄的，要及时推送 EMS 安排投递): a unit's day of mail
orders, the waybills the carrier assigns, and its tracking, which moves each certificate to
delivered, returned (back at the counter) or lost.

Every write runs in one transaction with one audit event; every state change goes through
``paper_move``. A clerk acts only on the certificates of units in their DISTRIBUTE_PAPER scope;
any other answers as if it did not exist. Reading the same file again changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ecert.audit.locks import rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.authorities.selectors import scope_for
from ecert.core.carriers import (
    Carrier,
    MailOrder,
    Outcome,
    TrackingReport,
    WaybillAssignment,
)
from ecert.core.carriers import files as carrier_files
from ecert.core.carriers.http import HttpCarrier
from ecert.core.errors import EcertError
from ecert.core.rules.paper import ALLOWED, PaperState
from ecert.core.rules.roles import Perm
from ecert.core.spreadsheets.limits import ReadLimits
from ecert.credentials.pipeline import insert_rows
from ecert.distribution.models import (
    MailBatch,
    MailParcel,
    PaperCertificate,
    PaperEvent,
    PaperEventKind,
    ParcelState,
    TrackingEvent,
)
from ecert.distribution.services import (
    MailAddress,
    mail_address_check,
    new_reference,
    paper_move,
)

if TYPE_CHECKING:
    from ecert.accounts.models import User

OPEN_PARCEL = (ParcelState.ORDERED, ParcelState.IN_TRANSIT)
MAX_BATCH = 999_999  # parcel references have six digits for the parcel's place in its batch
_CHUNK = 5_000
CARRIER_LABELS = {  # the carrier as a holder reads it, whichever way the orders went
    carrier_files.KEY: ("中国邮政 EMS", "China Post EMS"),
    "http": ("中国邮政 EMS", "China Post EMS"),
}
_OUTCOME_MOVES: dict[Outcome, tuple[PaperState, PaperEventKind, ParcelState]] = {
    Outcome.DELIVERED: (PaperState.DELIVERED, PaperEventKind.DELIVERED, ParcelState.DELIVERED),
    Outcome.RETURNED: (PaperState.RETURNED, PaperEventKind.RETURNED, ParcelState.RETURNED),
    Outcome.LOST: (PaperState.LOST, PaperEventKind.LOST, ParcelState.LOST),
}


# ── Reads ──────────────────────────────────────────────────────────────────────────────────────


def mailable_for(user: User) -> QuerySet[PaperCertificate]:
    """The paper certificates ``user`` hands out: visible to them for DISTRIBUTE_PAPER, and of a
    unit in their scope (the exam centre that sent them on sees them, but does not mail them)."""
    scope = scope_for(user, Perm.DISTRIBUTE_PAPER)
    return PaperCertificate.objects.visible_to(user, Perm.DISTRIBUTE_PAPER).filter(
        scope.q("unit__path")
    )


def mail_units_for(user: User) -> QuerySet[Authority]:
    """The units whose paper certificates ``user`` mails, by name."""
    units = mailable_for(user).values("unit_id")
    return Authority.objects.filter(pk__in=units).order_by("path")


def mail_waiting_for(user: User, unit: Authority) -> QuerySet[PaperCertificate]:
    """The unit's certificates whose holder chose mail, with no parcel on its way yet."""
    return (
        mailable_for(user)
        .filter(unit=unit, state=PaperState.TO_MAIL)
        .exclude(parcels__state__in=OPEN_PARCEL)
        .select_related("credential", "credential__qualification")
        .order_by("credential_id")
    )


def mail_batches_for(user: User) -> QuerySet[MailBatch]:
    units = mailable_for(user).values("unit_id")
    return MailBatch.objects.filter(unit_id__in=units).select_related("unit")


def mail_batch_get_for(*, user: User, reference: str) -> MailBatch | None:
    return mail_batches_for(user).filter(reference=reference).first()


def parcels_of(batch: MailBatch) -> QuerySet[MailParcel]:
    return batch.parcels.select_related("certificate__credential").order_by("id")


@dataclass(frozen=True)
class PaperView:
    """What a holder sees of their paper certificate: where it is, how it got there, and the
    parcel on its way or delivered."""

    paper: PaperCertificate
    events: list[PaperEvent]
    parcel: MailParcel | None
    carrier: tuple[str, str]
    choosable: bool


def paper_for_holder(*, user: User, public_id: str) -> PaperView | None:
    """The paper certificate of the holder's credential ``public_id``, if it is theirs."""
    paper = (
        PaperCertificate.objects.visible_to(user, Perm.VIEW_OWN_CREDENTIAL)
        .filter(credential__public_id=public_id)
        .select_related("unit")
        .first()
    )
    if paper is None:
        return None
    parcel = paper.parcels.exclude(waybill=None).order_by("-id").first()
    return PaperView(
        paper=paper,
        events=list(paper.events.order_by("at", "id")),
        parcel=parcel,
        carrier=CARRIER_LABELS.get(parcel.carrier, ("EMS", "EMS")) if parcel else ("", ""),
        choosable=PaperState.TO_MAIL in ALLOWED[PaperState(paper.state)],
    )


def carrier_configured() -> HttpCarrier | None:
    """The HTTP carrier the deployment configured (ECERT_CARRIER), if any."""
    config = getattr(settings, "ECERT_CARRIER", None)
    if config is None:
        return None
    return HttpCarrier(url=config.url, api_key=config.key, timeout=config.timeout)


def _unit_check(actor: User, unit: Authority) -> None:
    if not scope_for(actor, Perm.DISTRIBUTE_PAPER).contains(unit.path):
        raise EcertError("not_found", "未找到该单位", "no such unit")


def _local_day(now: datetime) -> tuple[datetime, datetime]:
    day = timezone.localtime(now).date()
    start = timezone.make_aware(datetime.combine(day, time()))
    return start, start + timedelta(days=1)


# ── The day's orders ───────────────────────────────────────────────────────────────────────────


def sender_check(phone: str, address: str) -> MailAddress:
    """The unit's phone and address as printed on the parcels (the holder's address rules)."""
    try:
        return mail_address_check(MailAddress("寄件单位", phone, address, ""))
    except EcertError as error:
        raise EcertError(
            error.code,
            error.zh.replace("联系电话", "寄件人电话").replace("邮寄地址", "寄件人地址"),
            error.en.replace("the phone", "the sender's phone").replace(
                "the mail address", "the sender's address"
            ),
            field=f"sender_{error.field}",
        ) from None


def mail_orders_export(
    *,
    actor: User,
    unit: Authority,
    sender_phone: str,
    sender_address: str,
    carrier_key: str = carrier_files.KEY,
    now: datetime,
) -> MailBatch:
    """One batch of parcels for every certificate of ``unit`` waiting for mail without a parcel on
    its way. Exporting again the same day with no new certificate gives the day's last batch
    again; with new ones, a new batch of only those."""
    _unit_check(actor, unit)
    sender = sender_check(sender_phone, sender_address)
    with transaction.atomic():
        waiting = rows_locked(
            mailable_for(actor)
            .filter(unit=unit, state=PaperState.TO_MAIL)
            .exclude(parcels__state__in=OPEN_PARCEL)
            .order_by("credential_id"),
            of=("self",),
        ).values_list("pk", "mail_recipient", "mail_phone", "mail_address", "mail_postcode")[
            :MAX_BATCH
        ]
        new = list(waiting)
        if not new:
            start, end = _local_day(now)
            earlier = (
                MailBatch.objects.filter(unit=unit, created_at__gte=start, created_at__lt=end)
                .order_by("-created_at", "-id")
                .first()
            )
            if earlier is None:
                raise EcertError(
                    "nothing_to_mail",
                    "没有待邮寄的证书（持证人选择邮寄后才会出现在这里）",
                    "no certificate is waiting to be mailed (it appears once its holder "
                    "chooses mail)",
                )
            return earlier
        batch = MailBatch.objects.create(
            reference=new_reference("MB", timezone.localtime(now).date()),
            unit=unit,
            carrier=carrier_key,
            size=len(new),
            sender_name=unit.name,
            sender_phone=sender.phone,
            sender_address=sender.address,
            created_by=actor,
            created_at=now,
        )
        # Each value that is the same on every row is worked out once: the references, the
        # stamp as the database stores it, and the timeline detail's JSON around the reference.
        references = _parcel_references(batch, len(new))
        stamp = connection.ops.adapt_datetimefield_value(now)
        ordered, to_mail, batch_id = ParcelState.ORDERED.value, PaperState.TO_MAIL.value, batch.pk
        insert_rows(
            MailParcel,
            (
                "reference",
                "certificate",
                "batch",
                "carrier",
                "recipient",
                "phone",
                "address",
                "postcode",
                "state",
                "created_at",
                "updated_at",
            ),
            [
                (reference, pk, batch_id, carrier_key, *address, ordered, stamp, stamp)
                for reference, (pk, *address) in zip(references, new, strict=True)
            ],
        )
        before, after = json.dumps({"batch": batch.reference, "parcel": "@"}).rsplit('"@"', 1)
        kind, actor_id, label = PaperEventKind.ORDERED.value, actor.pk, actor.username
        insert_rows(
            PaperEvent,
            ("certificate", "at", "kind", "state", "actor", "actor_label", "detail"),
            [
                (row[0], stamp, kind, to_mail, actor_id, label, f'{before}"{reference}"{after}')
                for reference, row in zip(references, new, strict=True)
            ],
        )
        audit_record(
            actor=actor,
            action="paper.mail_orders_exported",
            authority=unit,
            object_type="mail_batch",
            object_id=batch.reference,
            data={"parcels": len(new), "carrier": carrier_key},
            at=now,
        )
    return batch


def _parcel_references(batch: MailBatch, count: int) -> list[str]:
    """E, the batch's id, the parcel's place in it: unique without a lookup (≤ 20 characters);
    letters and digits only, so that they need no escaping in JSON."""
    head = f"E{batch.pk:08d}"
    return [f"{head}{place:06d}" for place in range(1, count + 1)]


def mail_orders_of(
    batch: MailBatch, parcels: Iterable[MailParcel] | None = None
) -> list[MailOrder]:
    rows = parcels if parcels is not None else parcels_of(batch)
    return [
        MailOrder(
            reference=parcel.reference,
            recipient=parcel.recipient,
            phone=parcel.phone,
            address=parcel.address,
            postcode=parcel.postcode,
            sender_name=batch.sender_name,
            sender_phone=batch.sender_phone,
            sender_address=batch.sender_address,
        )
        for parcel in rows
    ]


def mail_batch_workbook(batch: MailBatch) -> bytes:
    """The batch's order workbook for the carrier's bulk-order service; the same every time."""
    sender = (batch.sender_name, batch.sender_phone, batch.sender_address)
    parcels = (
        MailParcel.objects.filter(batch=batch)
        .order_by("id")
        .values_list("reference", "recipient", "phone", "address", "postcode")
    )
    return carrier_files.orders_workbook(
        (MailOrder(*parcel, *sender) for parcel in parcels.iterator(chunk_size=_CHUNK)),
        created=timezone.localtime(batch.created_at),
    )


# ── Waybills ───────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class MailReport:
    recorded: int  # waybills or tracking events recorded now
    already: int  # the same, recorded before (nothing changed for them)
    moved: dict[str, int] = field(default_factory=dict)  # new state → certificates moved now


def mail_waybills_import(
    *, actor: User, path: Path, display_name: str, now: datetime
) -> MailReport:
    """The carrier's waybill export (order number, 邮件号): each parcel gets its waybill and its
    certificate is mailed. A bad row refuses the whole file; the same file again changes nothing."""
    assignments = carrier_files.waybills_read(
        path, display_name=display_name, limits=ReadLimits.configured(settings)
    )
    return mail_waybills_record(
        actor=actor,
        assignments=assignments,
        carrier_key=carrier_files.KEY,
        source=display_name,
        now=now,
    )


def _row_error(error: EcertError, source: str, row: int | None, column: str) -> EcertError:
    if row is None:
        return error
    return error.located(file=source, row=row, column=column)


def mail_waybills_record(
    *,
    actor: User,
    assignments: Sequence[WaybillAssignment],
    carrier_key: str,
    source: str,
    now: datetime,
) -> MailReport:
    """Record waybills from a file or from the carrier's answer (``source`` names it)."""
    if not assignments:
        return MailReport(0, 0)
    references = [a.reference for a in assignments]
    with transaction.atomic():
        certificates = {
            paper.pk: paper
            for paper in _locked(
                mailable_for(actor), MailParcel.objects.filter(reference__in=references)
            )
        }
        parcels = {
            parcel.reference: parcel
            for parcel in _in_chunks(
                MailParcel.objects.filter(certificate_id__in=list(certificates)),
                "reference",
                references,
            )
        }
        waybills = [a.waybill for a in assignments]
        taken: dict[str, str] = {
            str(waybill): reference
            for waybill, reference in _in_chunks(
                MailParcel.objects.all(), "waybill", waybills
            ).values_list("waybill", "reference")
        }
        todo: list[tuple[WaybillAssignment, MailParcel]] = []
        for item in assignments:
            parcel = parcels.get(item.reference)
            fault = _waybill_fault(item, parcel, taken, certificates)
            if fault is not None:
                raise _row_error(fault, source, item.row, item.columns[fault.field == "waybill"])
            assert parcel is not None
            if parcel.waybill != item.waybill:
                todo.append((item, parcel))
        for item, parcel in todo:
            parcel.waybill = item.waybill
            parcel.state = ParcelState.IN_TRANSIT
            parcel.updated_at = now
            parcel.save(update_fields=["waybill", "state", "updated_at"])
            paper_move(
                certificates[parcel.certificate_id],
                PaperState.MAILED,
                kind=PaperEventKind.MAILED,
                actor=actor,
                detail={
                    "waybill": item.waybill,
                    "carrier": carrier_key,
                    "parcel": parcel.reference,
                },
                now=now,
            )
        if todo:
            audit_record(
                actor=actor,
                action="paper.waybills_recorded",
                authority=_one_unit(certificates[p.certificate_id] for _i, p in todo),
                object_type="mail_import",
                object_id=source[:64],
                data={
                    "carrier": carrier_key,
                    "waybills": len(todo),
                    "already": len(assignments) - len(todo),
                },
                at=now,
            )
    moved = {PaperState.MAILED.value: len(todo)} if todo else {}
    return MailReport(len(todo), len(assignments) - len(todo), moved)


def _waybill_fault(
    item: WaybillAssignment,
    parcel: MailParcel | None,
    taken: dict[str, str],
    certificates: dict[int, PaperCertificate],
) -> EcertError | None:
    if parcel is None:
        return EcertError(
            "unknown_order",
            f"订单号 {item.reference} 不是本单位导出的邮寄订单",
            f"order {item.reference} is not one of your unit's mail orders",
            field="reference",
            label=("客户订单号", "order reference"),
        )
    if parcel.waybill and parcel.waybill != item.waybill:
        return EcertError(
            "waybill_differs",
            f"订单 {item.reference} 已有邮件号 {parcel.waybill}，与本行不同",
            f"order {item.reference} already has waybill {parcel.waybill}, not this one",
            field="waybill",
            label=("邮件号", "waybill number"),
        )
    owner = taken.get(item.waybill)
    if owner is not None and owner != item.reference:
        return EcertError(
            "waybill_taken",
            f"邮件号 {item.waybill} 已用于订单 {owner}",
            f"waybill {item.waybill} already belongs to order {owner}",
            field="waybill",
            label=("邮件号", "waybill number"),
        )
    state = certificates[parcel.certificate_id].state
    if parcel.waybill is None and (
        parcel.state != ParcelState.ORDERED or state != PaperState.TO_MAIL
    ):
        return EcertError(
            "order_withdrawn",
            f"订单 {item.reference} 的证书已不再待邮寄（持证人已改为现场领取或已领取），"
            "请删除此行并通知邮政撤单",
            f"the certificate of order {item.reference} is no longer waiting for mail (its "
            "holder chose the counter or collected it): remove this row and cancel the order",
            field="reference",
            label=("客户订单号", "order reference"),
        )
    return None


def _locked(
    certificates: QuerySet[PaperCertificate], parcels: QuerySet[MailParcel]
) -> list[PaperCertificate]:
    """The certificates of ``parcels`` among ``certificates``, locked in one order."""
    ids = list(parcels.values_list("certificate_id", flat=True))
    found: list[PaperCertificate] = []
    for start in range(0, len(ids), _CHUNK):
        found.extend(
            rows_locked(
                certificates.filter(pk__in=ids[start : start + _CHUNK])
                .select_related("unit", "credential")
                .order_by("pk"),
                of=("self",),
            )
        )
    return found


def _in_chunks(
    rows: QuerySet[MailParcel], name: str, values: Sequence[str]
) -> QuerySet[MailParcel]:
    condition = Q(pk__in=[])
    for start in range(0, len(values), _CHUNK):
        condition |= Q(**{f"{name}__in": values[start : start + _CHUNK]})
    return rows.filter(condition)


def _one_unit(certificates: Iterable[PaperCertificate]) -> Authority | None:
    units = {paper.unit_id: paper.unit for paper in certificates}
    return next(iter(units.values())) if len(units) == 1 else None


# ── Tracking ───────────────────────────────────────────────────────────────────────────────────


def mail_tracking_import(
    *, actor: User, path: Path, display_name: str, now: datetime
) -> MailReport:
    """The carrier's tracking export: events are kept, and a delivery, a return or a loss moves
    the certificate. The same file again changes nothing."""
    reports = carrier_files.tracking_read(
        path, display_name=display_name, limits=ReadLimits.configured(settings)
    )
    return mail_tracking_record(
        actor=actor, reports=reports, carrier_key=carrier_files.KEY, source=display_name, now=now
    )


def mail_tracking_record(
    *,
    actor: User,
    reports: Sequence[TrackingReport],
    carrier_key: str,
    source: str,
    now: datetime,
) -> MailReport:
    if not reports:
        return MailReport(0, 0)
    waybills = sorted({report.waybill for report in reports})
    with transaction.atomic():
        certificates = {
            paper.pk: paper
            for paper in _locked(
                mailable_for(actor), _in_chunks(MailParcel.objects.all(), "waybill", waybills)
            )
        }
        parcels = {
            parcel.waybill: parcel
            for parcel in MailParcel.objects.filter(certificate_id__in=list(certificates))
            .exclude(waybill=None)
            .filter(waybill__in=waybills)
        }
        for report in reports:
            if report.waybill not in parcels:
                raise _row_error(
                    EcertError(
                        "unknown_waybill",
                        f"邮件号 {report.waybill} 不是本单位已交寄的邮件",
                        f"waybill {report.waybill} is not one of your unit's parcels",
                        field="waybill",
                        label=("邮件号", "waybill number"),
                    ),
                    source,
                    report.row,
                    report.column,
                )
        known = set(
            TrackingEvent.objects.filter(
                parcel_id__in=[p.pk for p in parcels.values()]
            ).values_list("parcel_id", "at", "code")
        )
        new: list[tuple[TrackingReport, MailParcel]] = []
        for report in sorted(reports, key=lambda r: r.at):
            parcel = parcels[report.waybill]
            key = (parcel.pk, report.at, report.code)
            if key not in known:
                known.add(key)
                new.append((report, parcel))
        TrackingEvent.objects.bulk_create(
            [
                TrackingEvent(
                    parcel=parcel,
                    at=report.at,
                    code=report.code,
                    description=report.description,
                    place=report.place,
                )
                for report, parcel in new
            ]
        )
        moved = _outcomes(new, certificates, actor=actor, carrier_key=carrier_key, now=now)
        if new:
            audit_record(
                actor=actor,
                action="paper.tracking_recorded",
                authority=_one_unit(certificates[p.certificate_id] for _r, p in new),
                object_type="mail_import",
                object_id=source[:64],
                data={"carrier": carrier_key, "events": len(new), "moved": moved},
                at=now,
            )
    return MailReport(len(new), len(reports) - len(new), moved)


def _outcomes(
    new: list[tuple[TrackingReport, MailParcel]],
    certificates: dict[int, PaperCertificate],
    *,
    actor: User,
    carrier_key: str,
    now: datetime,
) -> dict[str, int]:
    """The timeline's tracking lines, and the moves the new events call for: for a parcel on
    its way, its latest event with an outcome decides."""
    label = CARRIER_LABELS.get(carrier_key, (carrier_key, carrier_key))[0]
    decisive: dict[int, tuple[TrackingReport, MailParcel]] = {}
    lines = []
    for report, parcel in new:
        detail = _tracking_detail(report, carrier_key)
        if report.outcome is Outcome.NONE:
            paper = certificates[parcel.certificate_id]
            lines.append(
                PaperEvent(
                    certificate=paper,
                    at=report.at,
                    kind=PaperEventKind.TRACKING,
                    state=paper.state,
                    actor=None,
                    actor_label=label,
                    detail=detail,
                )
            )
        elif parcel.state == ParcelState.IN_TRANSIT:
            decisive[parcel.pk] = (report, parcel)  # sorted by time: the last one stays
    PaperEvent.objects.bulk_create(lines)
    moved: Counter[str] = Counter()
    for report, parcel in decisive.values():
        paper = certificates[parcel.certificate_id]
        state, kind, parcel_state = _OUTCOME_MOVES[report.outcome]
        if paper.state != PaperState.MAILED:
            continue
        parcel.state = parcel_state
        parcel.updated_at = now
        parcel.save(update_fields=["state", "updated_at"])
        paper_move(
            paper,
            state,
            kind=kind,
            actor=None,
            actor_label=label,
            detail=_tracking_detail(report, carrier_key),
            now=report.at,
        )
        moved[state.value] += 1
    del actor  # the carrier reported it; the audit event names the clerk who read it in
    return dict(moved)


def _tracking_detail(report: TrackingReport, carrier_key: str) -> dict[str, Any]:
    return {
        "waybill": report.waybill,
        "carrier": carrier_key,
        "code": report.code,
        "description": report.description,
        "place": report.place,
    }


# ── The HTTP carrier ───────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class SyncReport:
    waybills: MailReport
    tracking: MailReport


def mail_carrier_sync(
    *, actor: User, unit: Authority, carrier: Carrier, now: datetime
) -> SyncReport:
    """Send the unit's orders without a waybill to ``carrier`` and record the waybills it gives;
    then fetch the tracking of its parcels on their way. The carrier is asked before anything is
    written, so a carrier that fails leaves that step unwritten (waybills already recorded stay:
    the carrier has them too)."""
    _unit_check(actor, unit)
    mine = MailParcel.objects.filter(
        certificate__in=mailable_for(actor).filter(unit=unit), carrier=carrier.key
    )
    unsent = list(
        mine.filter(state=ParcelState.ORDERED, waybill=None).select_related("batch").order_by("id")
    )
    orders = [order for parcel in unsent for order in mail_orders_of(parcel.batch, [parcel])]
    assigned = carrier.submit(orders)
    waybills = mail_waybills_record(
        actor=actor, assignments=assigned, carrier_key=carrier.key, source=carrier.key, now=now
    )
    on_way = list(
        mine.filter(state=ParcelState.IN_TRANSIT)
        .exclude(waybill=None)
        .values_list("waybill", flat=True)
        .order_by("waybill")
    )
    reports = carrier.track([w for w in on_way if w])
    tracking = mail_tracking_record(
        actor=actor, reports=reports, carrier_key=carrier.key, source=carrier.key, now=now
    )
    return SyncReport(waybills, tracking)
