"""Operations per second of small, CPU-bound calls, ours and a bare baseline side by side.

Both callables are calibrated to a round of about a quarter of the measurement time, then run in
alternating rounds (ours, bare, ours, bare …) so that clock-frequency drift or a noisy neighbour
hits both alike. The rate is all calls over all rounds' CPU time of this process (one thread, so
CPU seconds are core seconds: a per-core rate that does not drop when another process takes the
core for a while); wall-clock time is kept beside it, and CPU ÷ wall shows how much of the core the
benchmark had.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SECONDS_PER_MEASUREMENT = 1.5
ROUNDS = 4
_WARM_UP_SECONDS = 0.05


@dataclass
class Rate:
    calls: int = 0
    seconds: float = 0.0  # CPU time of this process
    wall_seconds: float = 0.0
    rounds: list[float] = field(default_factory=list)  # calls per CPU second, each round

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    @property
    def cpu_share(self) -> float:
        return self.seconds / self.wall_seconds if self.wall_seconds else 0.0

    def as_dict(self) -> dict[str, float | int | list[float]]:
        return {
            "calls": self.calls,
            "cpu_seconds": self.seconds,
            "wall_seconds": self.wall_seconds,
            "per_second": self.per_second,
            "per_wall_second": self.calls / self.wall_seconds if self.wall_seconds else 0.0,
            "cpu_share": self.cpu_share,
            "rounds": self.rounds,
        }


def _time(call: Callable[[], object], count: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of ``count`` calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        call()
    return time.process_time() - cpu, time.perf_counter() - wall


def _calls_per_round(call: Callable[[], object], round_seconds: float) -> int:
    """How many calls take about ``round_seconds`` (after a short warm-up)."""
    count = 1
    while True:
        elapsed, _wall = _time(call, count)
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
            elapsed, wall = _time(call, count)
            rate.calls += count
            rate.seconds += elapsed
            rate.wall_seconds += wall
            rate.rounds.append(count / elapsed)
    return rates


def detail(rate: dict[str, float]) -> str:
    """The time behind a rate, for the figure's brackets: CPU seconds and the share of a core."""
    return f"{rate['cpu_seconds']:.2f} s CPU, {rate['cpu_share']:.0%} of a core"


def load_note(benchmark: str) -> str:
    """The machine's 1-minute load average now: other processes share the 2 cores."""
    return f"{benchmark}: 1-minute load average at the start {os.getloadavg()[0]:.2f}"
