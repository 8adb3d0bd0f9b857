"""A STAND-IN for a mail carrier's web service, for tests only: not EMS, not a real carrier.

It speaks the small JSON protocol of ``ecert.core.carriers.http`` (docs/distribution.md) on
127.0.0.1 in a thread: ``POST /orders`` gives each new order a waybill number (the same one when
an order is sent again), ``POST /tracking`` answers the events a test put in ``events``. Every
request must carry ``Authorization: Bearer <key>``; a wrong key gets 401.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "stand-in-key-0123456789"


@dataclass
class StandIn:
    url: str
    key: str
    waybills: dict[str, str] = field(default_factory=dict)  # order reference → waybill
    orders: list[dict[str, Any]] = field(default_factory=list)  # as received
    events: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # waybill → events
    requests: int = 0


def _handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            del format, args

        def do_POST(self) -> None:
            state.requests += 1
            if self.headers.get("Authorization") != f"Bearer {state.key}":
                self._answer(401, {"error": "bad key"})
                return
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            if self.path.endswith("/orders"):
                answer = []
                for order in body["orders"]:
                    state.orders.append(order)
                    reference = order["reference"]
                    if reference not in state.waybills:
                        state.waybills[reference] = f"EA{len(state.waybills) + 100000001:09d}CN"
                    answer.append({"reference": reference, "waybill": state.waybills[reference]})
                self._answer(200, {"waybills": answer})
            elif self.path.endswith("/tracking"):
                events = [
                    {"waybill": waybill, **event}
                    for waybill in body["waybills"]
                    for event in state.events.get(waybill, [])
                ]
                self._answer(200, {"events": events})
            else:
                self._answer(404, {"error": "no such path"})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def carrier_stand_in(key: str = KEY) -> Iterator[StandIn]:
    """Serve the stand-in on a free port until the block ends."""
    state = StandIn(url="", key=key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
