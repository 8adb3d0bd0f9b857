"""The HTTP carrier: orders submitted to a carrier's web service, waybills and tracking read back.

The wire format is ours, small and JSON (docs/distribution.md); a carrier's own API (EMS's open
platform, a provincial postal gateway) is bridged to it by a gateway the deployment runs. Every
request carries the key as ``Authorization: Bearer <key>`` and has a timeout. Whatever goes wrong
(refused key, server down, slow, an answer that is not what we asked for) raises one EcertError
that says so; the caller has written nothing yet.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ecert.core.carriers import (
    MailOrder,
    Outcome,
    TrackingReport,
    WaybillAssignment,
    outcome_of,
    waybill_check,
)
from ecert.core.carriers.files import CHINA
from ecert.core.errors import EcertError

KEY = "http"
MAX_ANSWER = 16 * 2**20  # tracking of a few thousand parcels is far less


@dataclass(frozen=True)
class HttpCarrier:
    url: str  # the service's base address, e.g. https://carrier.example/api
    api_key: str
    timeout: float = 20.0
    key: str = KEY

    def submit(self, orders: Sequence[MailOrder]) -> list[WaybillAssignment]:
        if not orders:
            return []
        answer = self._post("orders", {"orders": [_order_json(order) for order in orders]})
        sent = {order.reference for order in orders}
        assigned = []
        for item in _list(answer, "waybills"):
            reference = str(_get(item, "reference"))
            if reference not in sent:
                raise _bad_answer(f"a waybill for an order not sent ({reference})")
            try:
                waybill = waybill_check(str(_get(item, "waybill")))
            except EcertError:
                raise _bad_answer(f"a malformed waybill number for {reference}") from None
            assigned.append(WaybillAssignment(reference, waybill))
        return assigned

    def track(self, waybills: Sequence[str]) -> list[TrackingReport]:
        if not waybills:
            return []
        answer = self._post("tracking", {"waybills": list(waybills)})
        asked = set(waybills)
        reports = []
        for item in _list(answer, "events"):
            waybill = str(_get(item, "waybill")).upper()
            if waybill not in asked:
                raise _bad_answer(f"events of a waybill not asked about ({waybill})")
            try:
                at = datetime.fromisoformat(str(_get(item, "time")))
            except ValueError:
                raise _bad_answer(f"an event time that is not ISO 8601 ({waybill})") from None
            code = str(_get(item, "code"))[:32]
            description = str(item.get("description", ""))[:200]
            given = str(item.get("outcome", ""))
            outcome = (
                Outcome(given)
                if given in Outcome._value2member_map_
                else outcome_of(code, description)
            )
            reports.append(
                TrackingReport(
                    waybill=waybill,
                    at=at if at.tzinfo else at.replace(tzinfo=CHINA),
                    code=code,
                    description=description,
                    place=str(item.get("place", ""))[:100],
                    outcome=outcome,
                )
            )
        return reports

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
            f"{self.url.rstrip('/')}/{path}",
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={
                "Authorization": f"Bearer {self.api_key}",
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                data = response.read(MAX_ANSWER + 1)
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                raise EcertError(
                    "carrier_refused",
                    "邮政（承运商）接口拒绝了本系统的密钥，请检查 ECERT_CARRIER_KEY",
                    "the carrier's service refused our key: check ECERT_CARRIER_KEY",
                ) from None
            raise EcertError(
                "carrier_error",
                f"邮政（承运商）接口返回错误（HTTP {error.code}），请稍后再试",
                f"the carrier's service answered with an error (HTTP {error.code}); try again later",
            ) from None
        except OSError:  # URLError, timeouts and refused connections are all OSError
            raise EcertError(
                "carrier_unreachable",
                "无法连接邮政（承运商）接口或连接超时，请稍后再试；本次未做任何更改",
                "the carrier's service cannot be reached or did not answer in time; try again "
                "later (nothing was changed)",
            ) from None
        if len(data) > MAX_ANSWER:
            raise _bad_answer("an answer larger than 16 MiB")
        try:
            return json.loads(data)
        except ValueError:
            raise _bad_answer("an answer that is not JSON") from None


def _order_json(order: MailOrder) -> dict[str, Any]:
    return {
        "reference": order.reference,
        "recipient": order.recipient,
        "phone": order.phone,
        "address": order.address,
        "postcode": order.postcode,
        "sender": {
            "name": order.sender_name,
            "phone": order.sender_phone,
            "address": order.sender_address,
        },
        "contents": order.contents,
    }


def _list(answer: Any, key: str) -> list[dict[str, Any]]:
    items = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise _bad_answer(f"no list “{key}”")
    return items


def _get(item: dict[str, Any], key: str) -> Any:
    if item.get(key) in (None, ""):
        raise _bad_answer(f"an item without “{key}”")
    return item[key]


def _bad_answer(what: str) -> EcertError:
    return EcertError(
        "carrier_bad_answer",
        f"邮政（承运商）接口的答复无法识别（{what}），本次未做任何更改",
        f"the carrier's service gave an answer we cannot use ({what}); nothing was changed",
    )
