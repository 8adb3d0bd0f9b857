"""An organisation verifies a list of certificates and gets a result sheet back (seed 001 §三(二)).

The list is answered row by row with the same query as the online one; every row is logged as
one verification by the organisation and counts against its daily quota. The result sheet is
made in memory and handed back at once: it is not kept, so no copy of the organisation's list
stays on the server.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ecert.core.errors import EcertError
from ecert.core.formats.verification_list import (
    ListRow,
    ResultLine,
    read_verification_list,
    write_result_sheet,
)
from ecert.core.spreadsheets.limits import ReadLimits
from ecert.verification.answers import NOT_FOUND_LABEL, VERDICT_LABELS, Answer
from ecert.verification.limits import organisation_quota_take
from ecert.verification.models import Channel, Organisation
from ecert.verification.services import Asker, code_verify, query_verify


def list_verify(
    *, organisation: Organisation, asker: Asker, path: Path, display_name: str, now: datetime
) -> bytes:
    """Answer every row of the uploaded list; the result sheet as .xlsx bytes.

    Raises EcertError for a file that cannot be used or that would pass the day's quota.
    """
    rows = read_verification_list(
        path, display_name=display_name, limits=ReadLimits.configured(settings)
    )
    if not rows:
        raise EcertError(
            "no_data_rows", f"文件 {display_name} 没有数据行", f"file {display_name} has no rows"
        )
    if organisation_quota_take(organisation, now, uses=len(rows)) is not None:
        raise EcertError(
            "quota_exceeded",
            f"今日核验次数将超过本单位的限额（每日 {organisation.daily_quota} 次），请明日再试",
            f"this list would pass your daily quota of {organisation.daily_quota} verifications; "
            "try again tomorrow",
        )
    # One commit for the list's log rows on PostgreSQL; on SQLite a transaction would take the
    # write lock and queue behind an import, so each row is logged as the verification log does.
    with transaction.atomic() if connection.vendor == "postgresql" else nullcontext():
        lines = [_line(row, _answer(row, asker, now)) for row in rows]
    out = BytesIO()
    write_result_sheet(
        out,
        lines,
        checked_at=timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S"),
        organisation=f"{organisation.name} ({organisation.credit_code})",
    )
    return out.getvalue()


def _answer(row: ListRow, asker: Asker, now: datetime) -> Answer | str | None:
    if not row.complete:
        return "incomplete"
    if row.by_code:
        return code_verify(code=row.code, now=now, asker=asker, channel=Channel.BATCH)
    return query_verify(
        name=row.name,
        id_number=row.id_number,
        number=row.number,
        now=now,
        asker=asker,
        channel=Channel.BATCH,
    )


def _line(row: ListRow, answer: Answer | str | None) -> ResultLine:
    if answer == "incomplete":
        return ResultLine(
            row, "信息不全：须有姓名、证件号码和证书编号", "incomplete: name, ID number and number"
        )
    if not isinstance(answer, Answer):
        return ResultLine(row, *NOT_FOUND_LABEL)
    zh, en = VERDICT_LABELS[answer.verdict]
    facts = answer.facts
    if facts is None:
        return ResultLine(row, zh, en)
    return ResultLine(
        row,
        zh,
        en,
        qualification=facts.qualification,
        level=facts.level,
        issuer=facts.issuer,
        approval_date=facts.approval_date.isoformat(),
        replaced_by=answer.replaced_by or "",
    )
