"""A service this process found unreachable: left alone for a while, and said once.

The read replica (ecert.replicas) and the shared cache (ecert.verification.limits) are each
optional helpers of the verification path; when one cannot be reached, verification goes on
without it (the primary, the process's own counter). Each request must not wait for a dead
server in turn, and the log must not fill with one warning per request: an ``Outage`` remembers
until when the service is left alone, and warns once for each such period.
"""

from __future__ import annotations

import logging
import time
from threading import Lock


class Outage:
    """Whether ``service`` is being left alone after it was found unreachable."""

    def __init__(self, service: str, seconds: float, logger: logging.Logger) -> None:
        self.service = service
        self.seconds = seconds  # how long the service is left alone once found down
        self._logger = logger
        self._until = 0.0  # time.monotonic() until which it is left alone; 0.0: try it
        self._lock = Lock()

    def left_alone(self) -> bool:
        return time.monotonic() < self._until

    def found_down(self, error: BaseException, meanwhile: str) -> None:
        """The service failed now: leave it alone for ``seconds``, and say so once (with what
        happens ``meanwhile``) for the period."""
        with self._lock:
            first = time.monotonic() >= self._until
            self._until = time.monotonic() + self.seconds
        if first:
            said = str(error).strip()
            self._logger.warning(
                "%s cannot be reached; %s for the next %.0f s: %s",
                self.service,
                meanwhile,
                self.seconds,
                said.splitlines()[0] if said else type(error).__name__,
            )

    def forget(self) -> None:
        """Try the service again at the next use (tests, and after a configuration change)."""
        with self._lock:
            self._until = 0.0
