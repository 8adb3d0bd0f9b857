"""An application as its holder reads it: where it is, who acts next, and each step so far in
words (the timeline of ApplicationEvent, whose ``note`` is what the holder is meant to read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from ecert.core.rules.replacement import OPEN_STATES, Channel, Outcome, Reason, Route, State
from ecert.core.rules.roles import Perm
from ecert.credentials.models import Credential
from ecert.credentials.selectors import credential_get_for
from ecert.replacement.models import Application, ApplicationEvent, ApplicationEventKind
from ecert.replacement.selectors import next_step
from ecert.vocabulary import label

if TYPE_CHECKING:
    from ecert.accounts.models import User

Kind = ApplicationEventKind


@dataclass(frozen=True)
class Step:
    at: datetime
    text: str
    returned: bool = False  # a return: the reason is the text


@dataclass(frozen=True)
class ApplicationView:
    application: Application
    state: str
    reason: str
    outcome: str
    route: str
    next_step: str
    closed: bool
    withdrawable: bool
    steps: list[Step] = field(default_factory=list)
    score_proof: Credential | None = None
    result: Credential | None = None


def month_label(month: str) -> str:
    """ "202611" as the holder reads it: 2026年11月."""
    return _("%(year)s-%(month)s") % {"year": month[:4], "month": int(month[4:])}


def _unit(event: ApplicationEvent) -> str:
    return event.unit.name if event.unit is not None else ""


def step_text(event: ApplicationEvent, application: Application) -> str:
    """One line of the timeline in words."""
    kind, detail, unit = Kind(event.kind), event.detail, _unit(event)
    if kind is Kind.SUBMITTED:
        if detail.get("channel") == Channel.COUNTER:
            return _("Registered at the counter of %(unit)s") % {"unit": unit}
        return _("You applied online")
    if kind is Kind.ACCEPTED:
        return _(
            "%(unit)s checked it against the certificate database and accepted it, into its "
            "batch of %(month)s"
        ) % {"unit": unit, "month": month_label(str(detail.get("month", "")))}
    if kind is Kind.RETURNED:
        return _("%(unit)s returned it: %(reason)s") % {"unit": unit, "reason": event.note}
    if kind is Kind.WITHDRAWN:
        return _("You withdrew it")
    if kind is Kind.FORWARDED:
        return _("%(unit)s submitted its batch of the month to %(target)s") % {
            "unit": unit,
            "target": detail.get("to", application.target.name),
        }
    if kind is Kind.BATCH_RETURNED:
        return _("%(unit)s returned the batch to %(receiver)s for a change; it goes up again") % {
            "unit": unit,
            "receiver": application.unit.name,
        }
    if kind is Kind.DISPATCHED:
        return _("%(unit)s sent it on to %(destination)s") % {
            "unit": unit,
            "destination": detail.get("to", ""),
        }
    if kind is Kind.SCORE_PROOF:
        return _("%(unit)s issued your score proof (成绩合格证明)") % {"unit": unit}
    if Outcome(application.outcome) is Outcome.QUALIFICATION_PROOF:
        return _("%(unit)s issued your qualification proof (职/执业资格证明)") % {"unit": unit}
    return _("Completed: the new certificate No. %(number)s is recorded by %(unit)s") % {
        "number": event.note,
        "unit": unit,
    }


def _visible(user: User, credential: Credential | None) -> Credential | None:
    if credential is None:
        return None
    return credential_get_for(
        user=user, public_id=credential.public_id, perm=Perm.VIEW_OWN_CREDENTIAL
    )


def application_view(
    application: Application, *, user: User | None = None, timeline: bool = False
) -> ApplicationView:
    """The application in words; with ``timeline``, its steps and the credentials it led to that
    ``user`` (its holder) may open."""
    state = State(application.state)
    steps = []
    if timeline:
        events = application.events.select_related("unit").order_by("at", "id")
        steps = [
            Step(event.at, step_text(event, application), event.kind == Kind.RETURNED)
            for event in events
        ]
    score_proof = result = None
    if user is not None:
        score_proof = _visible(user, application.score_proof)
        result = _visible(user, application.result)
    return ApplicationView(
        application=application,
        state=str(label(state)),
        reason=str(label(Reason(application.reason))),
        outcome=str(label(Outcome(application.outcome))),
        route=str(label(Route(application.route))),
        next_step=next_step(application),
        closed=state not in OPEN_STATES,
        withdrawable=state is State.SUBMITTED,
        steps=steps,
        score_proof=score_proof,
        result=result,
    )
