"""Operations per second of small, CPU-bound calls, ours and a bare baseline side by side.

Both callables are calibrated to a round of about a quarter of the measurement time, then run in
alternating rounds (ours, bare, ours, bare …) so that clock-frequency drift or a noisy neighbour
hits both alike. The rate is all calls over all rounds' time. One process, one thread: the figure
is a per-core rate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

SECONDS_PER_MEASUREMENT = 1.5
ROUNDS = 4
_WARM_UP_SECONDS = 0.05


@dataclass
class Rate:
    calls: int = 0
    seconds: float = 0.0
    rounds: list[float] = field(default_factory=list)  # calls/s of each round

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, float | int | list[float]]:
        return {
            "calls": self.calls,
            "seconds": self.seconds,
            "per_second": self.per_second,
            "rounds": self.rounds,
        }


def _time(call: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        call()
    return time.perf_counter() - start


def _calls_per_round(call: Callable[[], object], round_seconds: float) -> int:
    """How many calls take about ``round_seconds`` (after a short warm-up)."""
    count = 1
    while True:
        elapsed = _time(call, count)
        if elapsed >= _WARM_UP_SECONDS:
            return max(1, round(count * round_seconds / elapsed))
        count *= 2


def compare(
    ours: Callable[[], object],
    bare: Callable[[], object],
    *,
    seconds: float = SECONDS_PER_MEASUREMENT,
    rounds: int = ROUNDS,
) -> tuple[Rate, Rate]:
    """Rates of ``ours`` and ``bare``, each measured for about ``seconds`` in ``rounds`` rounds."""
    round_seconds = seconds / rounds
    counts = (_calls_per_round(ours, round_seconds), _calls_per_round(bare, round_seconds))
    rates = (Rate(), Rate())
    for _ in range(rounds):
        for call, count, rate in zip((ours, bare), counts, rates, strict=True):
            elapsed = _time(call, count)
            rate.calls += count
            rate.seconds += elapsed
            rate.rounds.append(count / elapsed)
    return rates
