"""The reads of replacements, each through the one scoping of its model."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecert.authorities.models import Authority
from ecert.authorities.selectors import scope_for
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel
from ecert.core.rules.replacement import Line, Route, State, record_check
from ecert.core.rules.roles import Perm
from ecert.credentials.services import holder_id_number
from ecert.replacement.models import (
    Application,
    ApplicationEvent,
    ApplicationQuerySet,
    Batch,
    BatchError,
    BatchQuerySet,
    Dispatch,
    FoundBy,
)
from ecert.replacement.services import DESTINATIONS

if TYPE_CHECKING:
    from ecert.accounts.models import User

PERM = Perm.HANDLE_REPLACEMENT


def applications_for(user: User) -> ApplicationQuerySet:
    return Application.objects.visible_to(user, PERM).select_related(
        "credential__qualification", "unit", "target", "exam_centre", "batch"
    )


def application_get_for(user: User, reference: str) -> Application:
    """The application, or EcertError not_found, the same for one out of scope."""
    found = applications_for(user).filter(reference=reference).first()
    if found is None:
        raise EcertError("not_found", "未找到该补换申请", "no such replacement application")
    return found


def record_lines(application: Application) -> tuple[Line, ...]:
    """What the applicant wrote beside the certificate database's record (seed 001 二(一)2), for
    the clerk who checks it; the ID numbers shown masked, compared in full by keyed hash."""
    record = application.credential
    holder = record.holder
    applied = {
        "name": application.applicant_name,
        "id_number": application.applicant_id_masked,
        "level": application.applicant_level,
        "specialty": application.applicant_specialty,
        "approval_date": (
            application.applicant_approval_date.isoformat()
            if application.applicant_approval_date
            else ""
        ),
    }
    on_record = {
        "name": record.holder_name,
        "id_number": holder.id_number_masked,
        "level": record.level,
        "specialty": record.specialty,
        "approval_date": record.approval_date.isoformat(),
    }
    same = {"id_number": application.applicant_id_hash == holder.id_number_hash}
    # A field the applicant left blank is not a difference: the record fills it.
    for name, value in applied.items():
        if not value and name != "id_number":
            same[name] = True
    return record_check(applied, on_record, same=same)


def record_id_number(application: Application) -> str:
    """The record's full ID number, for the package (staff in scope only)."""
    return holder_id_number(application.credential.holder)


def batches_for(user: User) -> BatchQuerySet:
    return Batch.objects.visible_to(user, PERM).select_related("unit", "target", "dispatch")


def error_counts(user: User, year: int) -> dict[int, int]:
    """Errors recorded in ``year`` per unit id, among the batches the user sees (seed 001
    二(一)3: counted against each city in its yearly evaluation)."""
    visible = Batch.objects.visible_to(user, PERM).values("pk")
    return dict(
        Counter(
            BatchError.objects.filter(batch__in=visible, year=year).values_list(
                "unit_id", flat=True
            )
        )
    )


def applications_own(user: User) -> ApplicationQuerySet:
    """The holder's own applications, newest first."""
    return Application.objects.filter(holder__user=user).select_related(
        "credential__qualification", "unit", "result", "score_proof"
    )


AT_CENTRE = (State.FORWARDED, State.DISPATCHED)


def applications_at_centre(user: User, *, completed: bool = False) -> ApplicationQuerySet:
    """The applications an exam centre in the user's scope completes (``Application.exam_centre``):
    those sent up and waiting for their result, or with ``completed`` those done. Scoped through
    ``visible_to`` and then narrowed to the exam centre's side."""
    centres = Authority.objects.filter(scope_for(user, PERM).q("path")).values("pk")
    states = [State.COMPLETED.value] if completed else [s.value for s in AT_CENTRE]
    return (
        applications_for(user)
        .filter(exam_centre__in=centres, state__in=states)
        .select_related("holder", "result", "score_proof")
        .order_by("state_since", "id")
    )


def application_at_centre(user: User, reference: str) -> Application:
    """One application the user's exam centre completes (in any state), or EcertError
    not_found, the same for one out of scope."""
    centres = Authority.objects.filter(scope_for(user, PERM).q("path")).values("pk")
    found = (
        applications_for(user)
        .filter(exam_centre__in=centres, reference=reference)
        .select_related("holder", "result", "score_proof")
        .first()
    )
    if found is None:
        raise EcertError("not_found", "未找到该补换申请", "no such replacement application")
    return found


def application_timeline(application: Application) -> list[ApplicationEvent]:
    return list(application.events.select_related("unit").order_by("at", "id"))


def next_step(application: Application) -> str:
    """Where the application is and who acts next, as the holder and the staff read it."""
    state = State(application.state)
    unit, target = application.unit.name, application.target.name
    if state is State.SUBMITTED:
        return _("Waiting for %(unit)s to check and accept it") % {"unit": unit}
    if state is State.ACCEPTED:
        return _("In %(unit)s's batch of the month, to be submitted to %(target)s") % {
            "unit": unit,
            "target": target,
        }
    if state is State.FORWARDED:
        return _("Submitted to %(target)s, which sends it on") % {"target": target}
    if state is State.DISPATCHED:
        destination = DESTINATIONS[Route(application.route)]
        return _("Sent on to %(destination)s; %(centre)s records the result") % {
            "destination": destination[0] if get_language() == "zh-hans" else destination[1],
            "centre": application.exam_centre.name,
        }
    return _("Nobody: the application is closed")


# ── The level above: the batches sent to it ──────────────────────────────────────────────────


def _targets_in_scope(user: User) -> models.QuerySet[Authority, Any] | None:
    """The authorities in the user's scope (ids), or None when the scope is everything."""
    scope = scope_for(user, PERM)
    if scope.everything:
        return None
    return Authority.objects.filter(scope.q("path")).values("pk")


def batches_above(user: User) -> BatchQuerySet:
    """The batches sent to a unit in the user's scope (the level above's view: not the user's own
    unit's batches, which the unit's pages show)."""
    return (
        _sent_to(user)
        .select_related("unit", "target", "dispatch")
        .annotate(size=models.Count("applications"))
    )


def _sent_to(user: User) -> BatchQuerySet:
    units = _targets_in_scope(user)
    return Batch.objects.all() if units is None else Batch.objects.filter(target__in=units)


def batch_above_get(user: User, reference: str) -> Batch:
    """A batch sent to the user's level, or EcertError not_found, the same for one out of scope."""
    found = batches_above(user).filter(reference=reference[:24]).first()
    if found is None:
        raise EcertError("not_found", "未找到该批次", "no such batch")
    return found


def batch_get_for(user: User, reference: str) -> Batch:
    """A batch of a unit in the user's scope or sent to one (whose package the user may
    download), or EcertError not_found."""
    found = batches_for(user).filter(reference=reference[:24]).first()
    if found is None:
        raise EcertError("not_found", "未找到该批次", "no such batch")
    return found


def targets_above(user: User) -> list[Authority]:
    """The units in the user's scope that gather batches (the level above): every one that has
    received a batch, or may receive one (a province's exam centre or department); those that
    have received batches first."""
    units = _targets_in_scope(user)
    gathering = Authority.objects.filter(
        models.Q(pk__in=Batch.objects.values("target"))
        | models.Q(kind=AuthorityKind.EXAM_CENTRE, level=AuthorityLevel.PROVINCE)
        | models.Q(kind=AuthorityKind.DEPARTMENT, level=AuthorityLevel.PROVINCE)
    )
    if units is not None:
        gathering = gathering.filter(pk__in=units)
    received = set(Batch.objects.filter(target__in=gathering).values_list("target", flat=True))
    # Those that have received batches first: the page opens on one with something to show.
    return sorted(gathering, key=lambda unit: (unit.pk not in received, unit.path))


def months_above(user: User) -> list[str]:
    """The months of the batches sent to the user's level, newest first."""
    months = _sent_to(user).order_by().values_list("month", flat=True).distinct()
    return sorted(set(months), reverse=True)


@dataclass(frozen=True)
class ErrorCount:
    unit: Authority
    province: int  # found by the level above
    ministry: int  # found by the ministry
    batches: int  # batches the unit submitted that year

    @property
    def total(self) -> int:
        return self.province + self.ministry


def error_table(user: User, year: int) -> list[ErrorCount]:
    """Seed 001 二(一)3's yearly count: per unit that sends batches to the user's level, the
    errors recorded in ``year`` (by who found them) beside the batches it submitted that year."""
    batches = _sent_to(user)
    units = Authority.objects.filter(pk__in=batches.values("unit")).order_by("path")
    errors = Counter(
        BatchError.objects.filter(batch__in=batches.values("pk"), year=year).values_list(
            "unit_id", "found_by"
        )
    )
    sent = Counter(batches.filter(submitted_at__year=year).values_list("unit_id", flat=True))
    return [
        ErrorCount(
            unit,
            errors[(unit.pk, FoundBy.PROVINCE.value)],
            errors[(unit.pk, FoundBy.MINISTRY.value)],
            sent[unit.pk],
        )
        for unit in units
    ]


def error_years(user: User, today: date) -> list[int]:
    """The years the error table can show: this year and every year with an error recorded."""
    batches = _sent_to(user).values("pk")
    years = set(BatchError.objects.filter(batch__in=batches).values_list("year", flat=True))
    return sorted(years | {today.year}, reverse=True)


def dispatches_for(user: User) -> models.QuerySet[Dispatch]:
    """The dispatches of a unit in the user's scope."""
    units = _targets_in_scope(user)
    dispatches = (
        Dispatch.objects.all() if units is None else Dispatch.objects.filter(authority__in=units)
    )
    return (
        dispatches.select_related("authority", "created_by")
        .annotate(size=models.Count("batches"))
        .order_by("-created_at", "-id")
    )


def dispatch_get_for(user: User, reference: str) -> Dispatch:
    found = dispatches_for(user).filter(reference=reference[:24]).first()
    if found is None:
        raise EcertError("not_found", "未找到该上报记录", "no such dispatch")
    return found
